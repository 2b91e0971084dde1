// Brings one file's bytes into `part`, continuing what an earlier, cut transfer left there: over
// http(s) with a Range request (a server that ignores it sends the whole file, which replaces the
// part), or from a mirror folder. Says nothing about the bytes: the caller verifies them.
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { VisiontuneError } from '../errors.js';

/** Told how far a transfer has come (bytes including what the part held before). */
export interface TransferProgress {
  start(total: number | undefined, already: number): void;
  advance(bytes: number): void;
  stop(): void;
}

/** No data for this long ends the attempt (the part is kept for the next). */
const IDLE_TIMEOUT_MS = 60_000;

const isHttp = (source: string) => /^https?:\/\//i.test(source);

const partSize = (part: string) =>
  fs.stat(part).then(
    (s) => s.size,
    () => 0,
  );

function counting(progress: TransferProgress, onData: () => void) {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      progress.advance(chunk.length);
      onData();
      done(null, chunk);
    },
  });
}

async function fromHttp(url: string, part: string, progress: TransferProgress) {
  const already = await partSize(part);
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(), IDLE_TIMEOUT_MS);
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), IDLE_TIMEOUT_MS);
  };
  try {
    const response = await fetch(url, {
      headers: already > 0 ? { range: `bytes=${already}-` } : {},
      signal: controller.signal,
      redirect: 'follow',
    });
    // 416: the part already holds every byte (an earlier attempt ended before the rename).
    if (response.status === 416 && already > 0) return;
    if (!response.ok || !response.body)
      throw new VisiontuneError(
        'RUNTIME',
        `${url}: HTTP ${response.status} ${response.statusText}`,
      );
    const resumed = response.status === 206;
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    const start = resumed ? already : 0;
    progress.start(Number.isFinite(length) ? start + length : undefined, start);
    await pipeline(
      Readable.fromWeb(response.body as never),
      counting(progress, touch),
      createWriteStream(part, { flags: resumed ? 'a' : 'w' }),
    );
  } finally {
    clearTimeout(timer);
    progress.stop();
  }
}

async function fromFolder(file: string, part: string, progress: TransferProgress) {
  const total = (await fs.stat(file)).size;
  progress.start(total, 0);
  try {
    await pipeline(
      createReadStream(file),
      counting(progress, () => {}),
      createWriteStream(part),
    );
  } finally {
    progress.stop();
  }
}

/** Fills `part` from `source` (URL, file:// URL or path); throws where the transfer fails. */
export async function fetchPart(source: string, part: string, progress: TransferProgress) {
  if (isHttp(source)) return fromHttp(source, part, progress);
  return fromFolder(source.startsWith('file://') ? fileURLToPath(source) : source, part, progress);
}

/** `relative` under a mirror base (URL or folder). */
export const joinSource = (base: string, relative: string) =>
  `${base.replace(/[\\/]+$/, '')}/${relative}`;
