// One writer per output: a lock file holding the writer's pid and host. A second run into the
// same output is refused with who holds it (or waits, for shared caches); a lock whose process is
// gone (killed) is taken over. The file appears with its contents complete (written aside, then
// hard-linked into place), so a reader never mistakes a lock being written for an abandoned one.
import { randomBytes } from 'node:crypto';
import { promises as fs, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { badUsage } from '../errors.js';

interface LockInfo {
  pid: number;
  host: string;
  since: string;
}

/** True when a process with this pid runs on this machine. */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
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

const aside = (file: string) => `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;

/** Creates `file` holding `text` atomically; false when it exists. */
async function createComplete(file: string, text: string): Promise<boolean> {
  const tmp = aside(file);
  await fs.writeFile(tmp, text);
  try {
    await fs.link(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/** Removes the lock `file` if it still holds `text` (another process may have replaced it). */
async function removeIfUnchanged(file: string, text: string | undefined) {
  const moved = aside(file);
  const taken = await fs.rename(file, moved).catch(() => 'gone' as const);
  if (taken === 'gone') return;
  const now = await fs.readFile(moved, 'utf8').catch(() => undefined);
  // Put back a lock taken meanwhile by someone else (best effort: link fails if yet another exists).
  if (now !== text) await fs.link(moved, file).catch(() => undefined);
  await fs.rm(moved, { force: true });
}

function parse(text: string | undefined): LockInfo | undefined {
  try {
    const info = text ? (JSON.parse(text) as LockInfo) : undefined;
    return typeof info?.pid === 'number' && typeof info.host === 'string' ? info : undefined;
  } catch {
    return undefined;
  }
}

export interface AcquireOptions {
  /** Wait while a live holder keeps the lock (shared caches) instead of refusing. */
  wait?: boolean;
  /** Gives up waiting (throws its reason) once aborted. */
  signal?: AbortSignal;
}

/**
 * Takes the lock file `file` for the output `what` names. While a live process (or another caller
 * in this one) holds it, throws BAD_USAGE saying who, or with `wait` polls until it is free.
 */
export async function acquireLock(
  file: string,
  what: string,
  options: AcquireOptions = {},
): Promise<Lock> {
  const mine: LockInfo = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  for (let takeovers = 0; takeovers < 3; ) {
    if (await createComplete(file, `${JSON.stringify(mine)}\n`)) {
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
    }
    const text = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue; // released meanwhile
    const other = parse(text);
    const here = other?.host === os.hostname();
    // Our own pid is live only while a caller in this process holds the file.
    const live =
      other && (!here || (other.pid === process.pid ? held.has(file) : processAlive(other.pid)));
    if (live) {
      if (!options.wait)
        throw badUsage(
          `${what} is in use by another visiontune run (pid ${other.pid} on ${other.host}, since ${other.since}); wait for it to finish or choose another output (stale lock: ${file})`,
        );
      options.signal?.throwIfAborted();
      await new Promise((r) => setTimeout(r, 200));
      options.signal?.throwIfAborted();
      continue;
    }
    // The holder is gone (killed) or the lock is unreadable: take it over.
    await removeIfUnchanged(file, text);
    takeovers++;
  }
  throw badUsage(`${what}: could not take the lock ${file}`);
}

/** Runs `work` holding `file` (its folder made if missing), waiting while another holds it. */
export async function withLock<T>(file: string, what: string, work: () => Promise<T>): Promise<T> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const lock = await acquireLock(file, what, { wait: true });
  try {
    return await work();
  } finally {
    await lock.release();
  }
}
