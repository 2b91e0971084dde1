// The confinement rule, for every path read from a data file, manifest, annotation or bundle:
// it is resolved against its root and refused when it leaves the root, lexically (`../x`, an
// absolute path) or through a symbolic link. A refusal reads the same whether the target exists
// or not, so errors never tell which outside paths exist. The user may lift the rule for data
// (--allow-outside-root); a bundle's own files are always confined.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { inputPolicy } from './policy.js';

export type Confined = { path: string } | { reason: string };

/** True when `inner` is `root` or below it (both absolute and normalized). */
export function isWithin(root: string, inner: string): boolean {
  const rel = path.relative(root, inner);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

/** Links followed before a path counts as a loop (Linux's own limit, MAXSYMLINKS). */
const MAX_LINKS = 40;

/**
 * The real path of `p`, or of its deepest existing ancestor joined with the missing rest. A
 * dangling symbolic link resolves to where it points, so that a link to a missing outside file
 * is refused like a link to an existing one.
 */
async function realish(p: string, links = 0): Promise<string> {
  try {
    return await fs.realpath(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    const parent = path.dirname(p);
    if (parent === p) return p;
    const here = path.join(await realish(parent, links), path.basename(p));
    const target = await fs.readlink(here).catch(() => undefined);
    if (target === undefined) return here;
    if (links >= MAX_LINKS) throw Object.assign(new Error('symbolic link loop'), { code: 'ELOOP' });
    return realish(path.resolve(path.dirname(here), target), links + 1);
  }
}

export interface ConfineOptions {
  /** Confine even when the policy allows reading outside the root (a bundle's weight files). */
  always?: boolean;
}

/**
 * `entry` (a path as written in a data file) resolved against `root`, or why it is refused.
 * A missing file is not refused here: the caller reports it, as for any missing file.
 */
export async function confine(
  root: string,
  entry: string,
  options: ConfineOptions = {},
): Promise<Confined> {
  if (entry.includes('\0')) return { reason: 'path contains a NUL character' };
  const absRoot = path.resolve(root);
  const abs = path.resolve(absRoot, entry);
  if (!options.always && inputPolicy().allowOutsideRoot) return { path: abs };
  const outside = {
    reason: `'${entry}' is outside ${root} (refused; ${options.always ? 'a bundle reads only its own files' : '--allow-outside-root lifts this'})`,
  };
  if (!isWithin(absRoot, abs)) return outside;
  try {
    const [realRoot, real] = await Promise.all([realish(absRoot), realish(abs)]);
    return isWithin(realRoot, real) ? { path: abs } : outside;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      reason:
        code === 'ELOOP' ? 'symbolic link loop' : `cannot resolve '${entry}' (${code ?? err})`,
    };
  }
}
