// One pretrained weight file in the cache: used when it is there and verifies, else downloaded
// (from its origin or the mirror) into a `.part` that a later run resumes, verified, and only then
// renamed into place, so a half-downloaded or tampered file is never used. Files whose publisher
// states no digest are pinned on first download: their SHA-256 is recorded beside them and checked
// from then on. One caller downloads a file at a time (a lock file beside it).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../engine/file-io.js';
import { badInput, badUsage, VisiontuneError } from '../errors.js';
import { withLock } from '../guard/lock.js';
import { type Digest, type DigestAlgorithm, describeDigest, fileDigests } from './digest.js';
import { fetchPart, joinSource, type TransferProgress } from './fetch-part.js';
import { type ZooSettings, zooSettings } from './settings.js';
import type { WeightsFile } from './types.js';

export type { WeightsFile };

export interface EnsureOptions {
  settings?: ZooSettings;
  /** Transfer attempts before giving up (each resumes the last); default 3. */
  attempts?: number;
}

const cacheLocation = (file: WeightsFile, settings: ZooSettings) =>
  path.join(settings.cacheDir, ...file.path.split('/'));

const quiet: TransferProgress = { start() {}, advance() {}, stop() {} };
const exists = (file: string) => fs.stat(file).then(Boolean, () => false);
const pinFile = (dest: string) => `${dest}.sha256`;

function checkRelative(file: WeightsFile) {
  const parts = file.path.split('/');
  if (path.isAbsolute(file.path) || parts.some((p) => p === '..' || p === '' || p === '.'))
    throw badUsage(`weights path '${file.path}': must be a relative path without '..'`);
}

async function readPin(dest: string): Promise<string | undefined> {
  const text = await fs.readFile(pinFile(dest), 'utf8').catch(() => undefined);
  return text?.trim().split(/\s+/)[0];
}

const writePin = (dest: string, sha256: string) =>
  writeFileAtomic(pinFile(dest), `${sha256}  ${path.basename(dest)}\n`);

/** The SHA-256 of `file`'s copy at `at`, and what is wrong with it, if anything. */
async function verify(file: WeightsFile, at: string, pinned?: string) {
  const expected: Digest | undefined =
    file.digest ?? (pinned ? { algorithm: 'sha256', value: pinned } : undefined);
  const got: Partial<Record<DigestAlgorithm, string>> = await fileDigests(at, [
    ...new Set(['sha256', expected?.algorithm ?? 'sha256'] as const),
  ]);
  const size = (await fs.stat(at)).size;
  let problem: string | undefined;
  if (expected && got[expected.algorithm] !== expected.value.toLowerCase())
    problem = `expected ${describeDigest(expected)}, got ${describeDigest({ algorithm: expected.algorithm, value: got[expected.algorithm]! })}`;
  else if (file.bytes !== undefined && size !== file.bytes)
    problem = `expected ${file.bytes} bytes, got ${size}`;
  return { sha256: got.sha256!, problem };
}

async function download(
  file: WeightsFile,
  label: string,
  source: string,
  dest: string,
  settings: ZooSettings,
  attempts: number,
  pinned: string | undefined,
) {
  const part = `${dest}.part`;
  for (let attempt = 1; ; attempt++) {
    try {
      await fetchPart(source, part, settings.progress?.(label) ?? quiet);
      break;
    } catch (err) {
      const kept = await fs.stat(part).then(
        (s) => s.size,
        () => 0,
      );
      // fetch's own message is "fetch failed"; the network reason is its cause.
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const reason = `${(err as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}`;
      if (attempt >= attempts || (err instanceof VisiontuneError && /HTTP 4/.test(reason)))
        throw new VisiontuneError(
          'RUNTIME',
          `cannot download ${label} weights from ${source}: ${reason}` +
            (kept > 0 ? `; ${kept} bytes kept in ${part}, run again to resume` : ''),
        );
    }
  }
  const { sha256, problem } = await verify(file, part, pinned);
  if (problem) {
    await fs.rm(part, { force: true });
    const unpin = pinned ? ` (pinned in ${pinFile(dest)}: delete that file to accept another)` : '';
    throw badInput(
      `${label}: the file downloaded from ${source} does not match: ${problem}${unpin}; it was discarded, not used`,
    );
  }
  await fs.rename(part, dest);
  await writePin(dest, sha256);
}

/**
 * The local path of a verified copy of `file`, downloading it when the cache lacks it (or holds a
 * damaged copy). `label` names the weights in messages (the registry name).
 */
export async function ensureWeightsFile(
  file: WeightsFile,
  label: string,
  options: EnsureOptions = {},
): Promise<string> {
  checkRelative(file);
  const settings = options.settings ?? zooSettings();
  const dest = cacheLocation(file, settings);
  const source = settings.mirror ? joinSource(settings.mirror, file.path) : file.url;
  return withLock(`${dest}.lock`, `the cached ${label} weights`, async () => {
    // A pin outlives a damaged copy: the download that replaces it must match it too.
    const pinned = file.digest ? undefined : await readPin(dest);
    if (await exists(dest)) {
      const { sha256, problem } = await verify(file, dest, pinned);
      if (!problem) {
        // A file put in the cache by hand is pinned on its first use.
        if (!file.digest && !pinned) await writePin(dest, sha256);
        return dest;
      }
      if (settings.offline)
        throw badInput(
          `${label}: the cached file ${dest} is damaged (${problem}); delete it and pull again`,
        );
      await fs.rm(dest, { force: true });
    }
    if (settings.offline)
      throw badInput(
        `${label}: offline, and ${dest} is not in the cache; run \`visiontune pull ${label}\` where there is network (or set VISIONTUNE_MIRROR), or copy the file there`,
      );
    await download(file, label, source, dest, settings, options.attempts ?? 3, pinned);
    return dest;
  });
}

/**
 * What identifies the bytes of `file`: the published digest, else the SHA-256 pinned at its first
 * download (undefined before any), e.g. for cache keys of features computed with the weights.
 */
export async function weightsIdentity(file: WeightsFile, settings = zooSettings()) {
  if (file.digest) return `${file.digest.algorithm}:${file.digest.value}`;
  const pinned = await readPin((await cachedPath(file, settings)).path);
  return pinned ? `sha256:${pinned}` : undefined;
}

/** Where `file` lives in the cache, and whether it is there (not verified). */
export async function cachedPath(file: WeightsFile, settings = zooSettings()) {
  const dest = cacheLocation(file, settings);
  return { path: dest, cached: await exists(dest) };
}
