// Replacing a whole output folder (a bundle, an imported backbone) so that a kill at any moment
// leaves the old or the new folder complete: the new one is built in a hidden sibling, marked
// complete last, and swapped in by two renames. Between them the folder is briefly missing; a
// reader then takes the complete sibling (readableDir), and the next writer puts it in place.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { badUsage } from '../errors.js';
import { writeStep } from './fault.js';
import { acquireLock, processAlive } from './lock.js';
import { makeDirs } from './make-dirs.js';
import { checkReplaceable, moveAside, writeReason } from './out-dir.js';
import { LOCK_FILE, readOwner, writeOwner } from './owner.js';

export interface ReplaceOptions {
  /** The kind of output (owner.ts): an earlier output of the same kind is replaced. */
  kind: string;
  /** Move content of another kind aside instead of refusing. */
  overwrite?: boolean;
  /** How the folder is named in messages (default '--out <dir>'). */
  what?: string;
  /** The folder is the input being updated (fewshot add): replace it whatever wrote it. */
  inPlace?: boolean;
}

const SIBLING = /^\.(.+)\.(staging|previous)-(\d+)-[0-9a-f]+$/;

interface Sibling {
  path: string;
  role: 'staging' | 'previous';
  pid: number;
  mtime: number;
}

/** Hidden siblings of `target` left by writers (this one, or killed ones). */
async function siblings(target: string): Promise<Sibling[]> {
  const parent = path.dirname(target);
  const base = path.basename(target);
  const names = await fs.readdir(parent).catch(() => [] as string[]);
  const found: Sibling[] = [];
  for (const name of names) {
    const m = SIBLING.exec(name);
    if (!m || m[1] !== base) continue;
    const full = path.join(parent, name);
    const st = await fs.stat(full).catch(() => undefined);
    if (st?.isDirectory())
      found.push({
        path: full,
        role: m[2] as Sibling['role'],
        pid: Number(m[3]),
        mtime: st.mtimeMs,
      });
  }
  return found.sort((a, b) => b.mtime - a.mtime);
}

/** A staging folder is complete once its owner mark is written (the last step of a build). */
const complete = async (s: Sibling) =>
  s.role === 'previous' || (await readOwner(s.path)) !== undefined;

/** The sibling that should be `target` when a writer died between its two renames. */
async function survivor(target: string): Promise<string | undefined> {
  const all = await siblings(target);
  for (const role of ['staging', 'previous'] as const) {
    for (const s of all.filter((x) => x.role === role)) if (await complete(s)) return s.path;
  }
  return undefined;
}

const exists = (p: string) =>
  fs.stat(p).then(
    () => true,
    () => false,
  );

/** Where to read `target` from: itself, or while it is being swapped, its complete sibling. */
export async function readableDir(target: string): Promise<string> {
  return (await exists(target)) ? target : ((await survivor(path.resolve(target))) ?? target);
}

/** Puts a killed writer's complete result in place and removes what dead writers left. */
export async function recoverDir(target: string): Promise<void> {
  if (!(await exists(target))) {
    const back = await survivor(target);
    if (back) await fs.rename(back, target);
  }
  for (const s of await siblings(target)) {
    if (s.pid !== process.pid && !processAlive(s.pid))
      await fs.rm(s.path, { recursive: true, force: true });
  }
}

/**
 * Writes `target` as a whole: `build` fills an empty staging folder, which then replaces
 * `target` (an earlier output of the same kind) or takes its place. A folder of another kind is
 * refused, or with `overwrite` moved aside and kept. Returns where foreign content went.
 */
export async function replaceDir(
  target: string,
  build: (staging: string) => Promise<void>,
  options: ReplaceOptions,
): Promise<{ movedAside?: string }> {
  const dir = path.resolve(target);
  const what = options.what ?? `--out ${target}`;
  const parent = path.dirname(dir);
  try {
    await makeDirs(parent);
  } catch (err) {
    throw badUsage(`${what}: cannot create its folder ${parent} (${writeReason(err)})`);
  }
  const name = path.basename(dir);
  const lock = await acquireLock(path.join(parent, `.${name}${LOCK_FILE}`), what);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const staging = path.join(parent, `.${name}.staging-${tag}`);
  const previous = path.join(parent, `.${name}.previous-${tag}`);
  let movedAside: string | undefined;
  try {
    await recoverDir(dir);
    const foreign = !options.inPlace && (await checkReplaceable(dir, { ...options, what }));
    const existed = await exists(dir);
    await fs.mkdir(staging);
    try {
      await build(staging);
      await writeOwner(staging, options.kind);
      writeStep(`${staging} complete`);
      if (foreign) movedAside = await moveAside(dir);
      else if (existed) await fs.rename(dir, previous);
      writeStep(`${dir} moved aside`);
      await fs.rename(staging, dir);
      writeStep(`${dir} in place`);
    } catch (err) {
      await fs.rm(staging, { recursive: true, force: true });
      if (!(await exists(dir))) await fs.rename(previous, dir).catch(() => {});
      throw err;
    }
    await fs.rm(previous, { recursive: true, force: true });
  } finally {
    await lock.release();
  }
  return movedAside ? { movedAside } : {};
}
