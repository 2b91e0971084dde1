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

/**
 * The real path of `p`; for a missing file, where it would be: a dangling symbolic link's target,
 * or the real path of the deepest existing ancestor joined with the missing rest.
 */
async function realish(p: string, hops = 0): Promise<string> {
  try {
    return await fs.realpath(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    if (hops > 40) throw Object.assign(new Error('too many links'), { code: 'ELOOP' });
    const link = await fs.readlink(p).catch(() => undefined);
    if (link !== undefined) return realish(path.resolve(path.dirname(p), link), hops + 1);
    const parent = path.dirname(p);
    if (parent === p) return p;
    return path.join(await realish(parent, hops), path.basename(p));
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
