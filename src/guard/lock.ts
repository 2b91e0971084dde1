// One writer per output: a lock file holding the writer's pid and host. A second run into the
// same output is refused with who holds it; a lock whose process is gone (killed) is taken over.
import { promises as fs, unlinkSync } from 'node:fs';
import os from 'node:os';
import { badUsage } from '../errors.js';

interface LockInfo {
  pid: number;
  host: string;
  since: string;
}

/** True when a process with this pid runs on this machine. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const held = new Set<string>();
let exitHook = false;

function releaseAllSync(): void {
  for (const file of held) {
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  }
  held.clear();
}

export interface Lock {
  file: string;
  release(): Promise<void>;
}

/** Takes the lock file `file` for the output `what` names, or throws (BAD_USAGE) who holds it. */
export async function acquireLock(file: string, what: string): Promise<Lock> {
  const mine: LockInfo = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await fs.writeFile(file, `${JSON.stringify(mine)}\n`, { flag: 'wx' });
      held.add(file);
      if (!exitHook) {
        exitHook = true;
        process.on('exit', releaseAllSync);
      }
      return {
        file,
        release: async () => {
          held.delete(file);
          await fs.rm(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const other = await fs
      .readFile(file, 'utf8')
      .then((t) => JSON.parse(t) as LockInfo)
      .catch(() => undefined);
    const foreignHost = other && other.host !== os.hostname();
    if (other && (foreignHost || processAlive(other.pid)) && other.pid !== process.pid) {
      throw badUsage(
        `${what} is in use by another visiontune run (pid ${other.pid} on ${other.host}, since ${other.since}); wait for it to finish or choose another output (stale lock: ${file})`,
      );
    }
    // The holder is gone (killed) or the lock is unreadable: take it over.
    await fs.rm(file, { force: true });
  }
  throw badUsage(`${what}: could not take the lock ${file}`);
}
