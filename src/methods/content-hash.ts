// Identities for caches, as sha256 hex: of a file's bytes (streamed), of a backbone (registry
// entry or model files), of a model's weight values, and of plain values (canonical JSON).
// Node-only (node:crypto, node:fs), like the embedding cache that uses it.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { getBackbone, isModelLocation } from '../backbones/index.js';
import { nativePath } from '../data/native-path.js';
import { modelJsonPath } from '../engine/file-io.js';
import { orderedWeights } from '../train/weight-order.js';
import { version } from '../version.js';
import { weightsIdentity } from '../zoo/weights-file.js';

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** JSON with object keys sorted at every level, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((k) => [k, o[k]]),
      );
    }
    return v;
  });
}

/** Feeds a file's bytes into `hash` as they are read (1 MiB chunks): bounded memory. */
async function streamInto(hash: ReturnType<typeof createHash>, file: string): Promise<void> {
  // A name that is not valid UTF-8 is opened by its raw bytes, as the decoder opens it.
  const native = (await nativePath(file)) ?? file;
  for await (const chunk of createReadStream(native, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
  }
}

/** sha256 of a file's bytes, hashed while streaming. */
export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await streamInto(hash, file);
  return hash.digest('hex');
}

/**
 * sha256 over every weight of `model` (name-free: shape, dtype and values in `orderedWeights`
 * order, which freezing does not change), so a model changed in memory (fine-tuned, re-seeded) never matches a stale entry.
 */
export async function weightsFingerprint(model: tf.LayersModel): Promise<string> {
  const hash = createHash('sha256');
  for (const w of orderedWeights(model)) {
    const t = w.read();
    hash.update(`${w.dtype}[${t.shape.join(',')}]`);
    const data = await t.data();
    hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return hash.digest('hex');
}

export interface BackboneIdentityOptions {
  /** As given to createModel; default: whether the entry has pretrained weights. */
  pretrained?: boolean;
  /** Random-init seed as given to createModel (from-scratch bodies); default 0. */
  seed?: number;
  /** Model locations: the cut layer given to createModel. */
  cut?: string;
}

/**
 * What the weights of backbone `name` are, as a string for cache keys. Registry entries: name,
 * pretrained, seed (random init), the entry's weight source (which names the weights package
 * and its version, or the downloaded file's digest) and the visiontune version. Model paths: sha256 of model.json and each
 * weights file it names, in manifest order. URLs: the URL itself (not fetched again).
 */
export async function backboneIdentity(
  name: string,
  options: BackboneIdentityOptions = {},
): Promise<string> {
  if (!isModelLocation(name)) {
    const entry = getBackbone(name);
    const pretrained = options.pretrained ?? entry.hasPretrained;
    return canonicalJson({
      registry: entry.name,
      pretrained,
      seed: pretrained ? null : (options.seed ?? 0),
      weights: entry.config.source,
      // Downloaded weights: their digest (published or pinned), which a mirror cannot change.
      ...(entry.weights && pretrained
        ? { digest: (await weightsIdentity(entry.weights)) ?? null }
        : {}),
      visiontune: version,
    });
  }
  const cut = options.cut ?? null;
  if (/^https?:\/\//i.test(name)) return canonicalJson({ url: name, cut });
  const jsonPath = modelJsonPath(name);
  const hash = createHash('sha256');
  const text = await fs.readFile(jsonPath);
  hash.update(text);
  const manifest = (JSON.parse(text.toString('utf8')) as tf.io.ModelJSON).weightsManifest ?? [];
  for (const file of manifest.flatMap((group) => group.paths)) {
    await streamInto(hash, path.join(path.dirname(jsonPath), file));
  }
  return canonicalJson({ model: hash.digest('hex'), cut });
}
