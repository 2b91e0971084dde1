// Claiming an output folder before anything is written to it: a file where a folder is expected,
// an unwritable or impossible path, content visiontune did not write, or another run writing the
// same folder are refused up front (exit 2, naming the folder); --overwrite moves foreign content
// aside rather than deleting it. The claim holds a lock until the run ends.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { badUsage } from '../errors.js';
import { acquireLock, type Lock } from './lock.js';
import { makeDirs } from './make-dirs.js';
import { contentsOf, LOCK_FILE, readOwner, writeOwner } from './owner.js';
import { fsReason } from './read-input.js';

export interface ClaimOptions {
  /** The kind of output (see owner.ts): a folder of the same kind may be reused or replaced. */
  kind: string;
  /** Move whatever the folder holds aside (to a sibling) instead of refusing. */
  overwrite?: boolean;
  /** How the folder is named in messages (default '--out <dir>'). */
  what?: string;
}

export interface OutDirClaim {
  dir: string;
  /** Where foreign content was moved by --overwrite, if anywhere. */
  movedAside?: string;
  release(): Promise<void>;
}

const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');

/** Moves `dir` to an unused sibling `<dir>.replaced-<time>`; returns where it went. */
export async function moveAside(dir: string): Promise<string> {
  for (let n = 0; ; n++) {
    const aside = `${dir}.replaced-${stamp()}${n ? `-${n}` : ''}`;
    try {
      await fs.access(aside);
    } catch {
      await fs.rename(dir, aside);
      return aside;
    }
  }
}

/**
 * Whether `dir` may be written as an output of `kind`: missing, empty, or an earlier output of
 * the same kind. Otherwise throws (BAD_USAGE) unless `overwrite`; returns the content to move.
 */
export async function checkReplaceable(dir: string, options: ClaimOptions): Promise<boolean> {
  const what = options.what ?? `--out ${dir}`;
  const st = await fs.stat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw badUsage(`${what}: cannot write there (${writeReason(err)})`);
  });
  if (!st) return false;
  if (!st.isDirectory()) {
    if (options.overwrite) return true;
    throw badUsage(
      `${what} is a file, not a folder (choose another path, or --overwrite moves it aside)`,
    );
  }
  const contents = (await contentsOf(dir)) ?? [];
  if (contents.length === 0) return false;
  const owner = await readOwner(dir);
  if (owner?.kind === options.kind) return false;
  if (options.overwrite) return true;
  const shown = contents.slice(0, 5).join(', ') + (contents.length > 5 ? ', …' : '');
  const holds = owner
    ? `a visiontune ${owner.kind} output`
    : `files visiontune did not write (${shown})`;
  throw badUsage(
    `${what} already holds ${holds}; choose a new or empty folder, or pass --overwrite to move it aside`,
  );
}

/** Claims `dir` as the output of one run: checks it, creates it, marks and locks it. */
export async function claimOutDir(dir: string, options: ClaimOptions): Promise<OutDirClaim> {
  const what = options.what ?? `--out ${dir}`;
  const target = path.resolve(dir);
  const lockFile = path.join(target, LOCK_FILE);
  let lock: Lock | undefined;
  let movedAside: string | undefined;
  try {
    // Locked first, so a folder another run is writing is never moved aside under it.
    if (await isFolder(target)) lock = await acquireLock(lockFile, what);
    if (await checkReplaceable(target, options)) {
      await lock?.release();
      lock = undefined;
      movedAside = await moveAside(target);
    }
    await makeDirs(target);
    lock ??= await acquireLock(lockFile, what);
    if (!(await readOwner(target))) await writeOwner(target, options.kind);
  } catch (err) {
    await lock?.release();
    if ((err as { exitCode?: number }).exitCode !== undefined) throw err;
    throw badUsage(`${what}: cannot write there (${writeReason(err)})`);
  }
  const held = lock;
  return { dir: target, ...(movedAside ? { movedAside } : {}), release: () => held.release() };
}

const isFolder = (p: string) =>
  fs.stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );

/** Why a write failed, in words. */
export function writeReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC') return 'no space left on the device';
  if (code === 'EDQUOT') return 'disk quota exceeded';
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'ENOTDIR') return 'a part of the path is a file, not a folder';
  return fsReason(err).replace(/^cannot read/, 'cannot write');
}

/** Runs `write` with `dir` claimed (claimOutDir), releasing the claim however it ends. */
export async function withOutDir<T>(
  dir: string,
  options: ClaimOptions,
  write: (claim: OutDirClaim) => Promise<T>,
): Promise<T> {
  const claim = await claimOutDir(dir, options);
  try {
    return await write(claim);
  } finally {
    await claim.release();
  }
}
