// Reading one input file under the policy: regular files only (a FIFO, device or socket would
// block or never end), a size limit checked before any byte is read, and a timeout for reads that
// block although the file looked regular (a stalled network mount). Every refusal names the file.
import { constants, promises as fs, type Stats } from 'node:fs';
import { badInput } from '../errors.js';
import { byteLimit, type InputKind, inputPolicy, LIMIT_FLAG } from './policy.js';

/** What a non-regular file is, in words. */
function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** A short reason for a failed file-system call, without a stack. */
export function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'symbolic link loop';
    case 'EISDIR':
      return 'is a folder, not a file';
    case 'ENAMETOOLONG':
      return 'file name too long';
    case 'ENXIO':
      return 'not a regular file (a socket or device)';
    default:
      return code ? `cannot read (${code})` : `cannot read (${(err as Error)?.message ?? err})`;
  }
}

/**
 * Why `file` may not be read as input, or null when it is a regular file within the size limit.
 * Follows symbolic links (confinement is checked separately, by confine.ts).
 */
export async function refuseReason(file: string | Buffer, kind: InputKind): Promise<string | null> {
  let st: Stats;
  try {
    st = await fs.stat(file);
  } catch (err) {
    return fsReason(err);
  }
  return statRefusal(st, kind);
}

function statRefusal(st: Stats, kind: InputKind): string | null {
  if (!st.isFile()) return `${kindOf(st)}, not a regular file`;
  const limit = byteLimit(kind);
  if (st.size > limit) {
    return `${mib(st.size)} MiB, larger than the ${mib(limit)} MiB limit (raise it with ${LIMIT_FLAG[kind]})`;
  }
  return null;
}

const mib = (bytes: number) => (bytes / (1024 * 1024)).toFixed(bytes < 1024 * 1024 ? 2 : 0);

/** Rejects after `ms` unless `work` settles first. */
function withTimeout<T>(work: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(badInput(message())), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The bytes of `file`, refused (BAD_INPUT naming `what` or the file) when it is not a regular
 * file, is over the kind's size limit, or a read blocks longer than the policy's timeout.
 * `file` may be raw bytes: a name that is not valid UTF-8 (data/native-path.ts).
 */
export async function readInputFile(
  file: string | Buffer,
  kind: InputKind,
  what = String(file),
): Promise<Buffer> {
  const refusal = await refuseReason(file, kind);
  if (refusal) throw badInput(`${what}: ${refusal}`);
  const seconds = inputPolicy().readTimeout;
  // O_NONBLOCK: should the file have been swapped for a FIFO since the stat, open returns at
  // once instead of waiting for a writer; fstat below then refuses it.
  const open = fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  const read = open.then(async (handle) => {
    try {
      const st = await handle.stat();
      const again = statRefusal(st, kind);
      if (again) throw badInput(`${what}: ${again}`);
      const data = Buffer.allocUnsafe(st.size);
      let filled = 0;
      while (filled < st.size) {
        const { bytesRead } = await handle.read(data, filled, st.size - filled, filled);
        if (bytesRead === 0) break; // truncated while reading: the parser reports what is missing
        filled += bytesRead;
      }
      return filled === st.size ? data : data.subarray(0, filled);
    } finally {
      await handle.close();
    }
  });
  try {
    return await withTimeout(
      read,
      seconds * 1000,
      () => `${what}: a read blocked for more than ${seconds} s (raise it with --read-timeout)`,
    );
  } catch (err) {
    if (
      err instanceof Error &&
      'code' in err &&
      typeof err.code === 'string' &&
      !('exitCode' in err)
    )
      throw badInput(`${what}: ${fsReason(err)}`);
    throw err;
  }
}

/** `file` as UTF-8 text, read as a document (JSON, XML, YAML, CSV) under the document limit. */
export async function readDocument(file: string, what = file): Promise<string> {
  return (await readInputFile(file, 'document', what)).toString('utf8');
}

/** Deepest nesting a JSON document may have: real annotation files stay under ten. */
export const MAX_JSON_DEPTH = 256;

/** The deepest bracket nesting in `text`, scanning outside strings only; stops past `limit`. */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > max) max = depth;
      if (max > limit) return max;
    } else if (c === 93 || c === 125) depth--;
  }
  return max;
}

/** Parses JSON text from `what`, refusing nesting deeper than MAX_JSON_DEPTH before parsing. */
export function parseJsonDocument(text: string, what: string): unknown {
  if (jsonDepth(text) > MAX_JSON_DEPTH)
    throw badInput(`${what}: JSON nested more than ${MAX_JSON_DEPTH} levels deep (refused)`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badInput(`${what}: invalid JSON (${(err as Error).message})`);
  }
}

/** A JSON document file, size- and depth-checked before parsing. */
export async function readJsonDocument(file: string, what = file): Promise<unknown> {
  return parseJsonDocument(await readDocument(file, what), what);
}
