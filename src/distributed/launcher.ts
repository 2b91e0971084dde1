// `--nproc N`: this machine's N workers, each the same command line in a child process with
// torchrun's environment (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR,
// MASTER_PORT). The launcher trains nothing itself; it supervises: rank 0 keeps the terminal
// (its output is the run's), the others' stderr comes through prefixed with their rank, and
// when one worker fails every other is stopped, so a dead rank never leaves a hung run.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { VisiontuneError } from '../errors.js';
import { type LaunchPlan, WORKER_ENV } from './options.js';

/** How long a worker has to exit after SIGTERM before it is killed. */
const GRACE_MS = 5000;

interface Exit {
  rank: number;
  pid: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
}

const describe = (e: Exit) =>
  `rank ${e.rank} (pid ${e.pid}) ${e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`}`;

function startWorker(plan: LaunchPlan, localRank: number, log: (line: string) => void) {
  const rank = plan.nodeRank * plan.nproc + localRank;
  const env: NodeJS.ProcessEnv = {
    // c10d and Gloo log through glog; keep their warnings off the terminal.
    GLOG_minloglevel: '2',
    TORCH_CPP_LOG_LEVEL: 'ERROR',
    ...process.env,
    [WORKER_ENV]: '1',
    RANK: String(rank),
    LOCAL_RANK: String(localRank),
    WORLD_SIZE: String(plan.nproc * plan.nnodes),
    LOCAL_WORLD_SIZE: String(plan.nproc),
    MASTER_ADDR: plan.masterAddr,
    MASTER_PORT: String(plan.masterPort),
  };
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    env,
    stdio: rank === 0 ? 'inherit' : ['ignore', 'ignore', 'pipe'],
  });
  if (child.stderr)
    createInterface({ input: child.stderr }).on('line', (line) => log(`[rank ${rank}] ${line}`));
  return { child, rank };
}

/**
 * Runs this machine's workers to the end. Resolves when all succeeded; otherwise stops the rest
 * and throws naming the first worker that failed (exit 2 when it failed on bad input or usage).
 */
export async function launchWorkers(
  plan: LaunchPlan,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<void> {
  const workers = Array.from({ length: plan.nproc }, (_, local) => startWorker(plan, local, log));
  let firstFailure: Exit | undefined;
  const stopOthers = () => {
    for (const { child } of workers) stop(child);
  };
  const forward = (signal: NodeJS.Signals) => () => {
    for (const { child } of workers) if (child.exitCode === null) child.kill(signal);
  };
  const onSigint = forward('SIGINT');
  const onSigterm = forward('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  try {
    await Promise.all(
      workers.map(
        ({ child, rank }) =>
          new Promise<void>((resolve) => {
            child.once('error', (err) => {
              firstFailure ??= { rank, pid: child.pid, code: 1, signal: null };
              log(`[rank ${rank}] could not start: ${err.message}`);
              stopOthers();
              resolve();
            });
            child.once('close', (code, signal) => {
              if ((code !== 0 || signal) && !firstFailure) {
                firstFailure = { rank, pid: child.pid, code, signal };
                stopOthers();
              }
              resolve();
            });
          }),
      ),
    );
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }
  if (firstFailure) {
    const usage = firstFailure.code === 2;
    throw new VisiontuneError(
      usage ? 'BAD_USAGE' : 'RUNTIME',
      `${describe(firstFailure)}; the other workers of this machine were stopped`,
    );
  }
}

/** SIGTERM now, SIGKILL after the grace period if it is still running. */
function stop(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, GRACE_MS);
  timer.unref();
  child.once('exit', () => clearTimeout(timer));
}
