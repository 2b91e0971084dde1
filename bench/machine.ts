// What a benchmark ran on, printed with its results so numbers are never quoted without it.
import os from 'node:os';

export function machineInfo(): Record<string, string | number | undefined> {
  return {
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    // Other work on a shared machine slows every timing: the 1-minute load when the run began.
    loadAverage1m: Number(os.loadavg()[0]!.toFixed(2)),
  };
}
