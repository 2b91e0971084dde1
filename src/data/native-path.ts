// File names that are not valid UTF-8 (a Latin-1 'café' written as the byte 0xE9). Node hands
// them out, from readdir and from argv alike, decoded with U+FFFD in place of each bad byte, and
// that string names no file: every fs call on it fails. Such a path is shown in its decoded form
// and, when a file is to be opened, mapped back to its raw bytes by matching each component
// against the real directory entries.
import { readdir } from 'node:fs/promises';
import path from 'node:path';

const REPLACEMENT = '\uFFFD';

/** A directory entry's name as a string, and whether that string names the file losslessly. */
export function decodeName(raw: Buffer): { name: string; exact: boolean } {
  const name = raw.toString('utf8');
  return { name, exact: Buffer.from(name, 'utf8').equals(raw) };
}

/**
 * What to pass to fs for `file`: the string itself, or when it holds U+FFFD (a name that was not
 * valid UTF-8) and does not exist as written, its raw bytes found by matching each component
 * against the directory entries. Undefined when a component matches no entry, or several.
 */
export async function nativePath(file: string): Promise<string | Buffer | undefined> {
  if (!file.includes(REPLACEMENT)) return file;
  const abs = path.resolve(file);
  const parts = abs.split(path.sep).slice(1);
  let at: Buffer = Buffer.from(path.sep);
  for (const part of parts) {
    let next: Buffer = Buffer.from(part, 'utf8');
    if (part.includes(REPLACEMENT)) {
      const entries = await readdir(at, { encoding: 'buffer' }).catch(() => [] as Buffer[]);
      // A name really holding U+FFFD matches exactly; otherwise exactly one entry must decode to it.
      const exact = entries.find((raw) => raw.equals(next));
      const matches = entries.filter((raw) => raw.toString('utf8') === part);
      if (!exact && matches.length !== 1) return undefined;
      next = exact ?? matches[0]!;
    }
    at =
      at.length === 1
        ? Buffer.concat([at, next])
        : Buffer.concat([at, Buffer.from(path.sep), next]);
  }
  return at;
}
