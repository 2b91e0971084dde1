// file:// storage for TF.js models in Node (tfjs-node would provide one; we cannot rely on it).
// Saves are crash-safe: weights go to a content-named file first, model.json is renamed into
// place last, so model.json always points at a complete weights file. Loads trust nothing in
// model.json: it is validated (model-json.ts), and its weight files must be regular files inside
// the model's folder holding exactly the bytes the manifest describes, checked before reading.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { badInput } from '../errors.js';
import { confine } from '../guard/confine.js';
import { writeStep } from '../guard/fault.js';
import { makeDirs } from '../guard/make-dirs.js';
import { readInputFile, readJsonDocument, refuseReason } from '../guard/read-input.js';
import { groupBytes, parseModelJson, type WeightsGroup } from './model-json.js';
import { checkTopology } from './model-topology.js';

const SCHEME = 'file://';

/** What a file is written from: one string or byte array, or a sequence of them written in order
 * (a generator's chunks are made one at a time, so a large file never exists whole in memory). */
export type FileData =
  | string
  | Uint8Array
  | Iterable<string | Uint8Array>
  | AsyncIterable<string | Uint8Array>;

const chunksOf = (data: FileData) =>
  typeof data === 'string' || data instanceof Uint8Array ? [data] : data;

/**
 * Writes `data` to a fresh temp file in `dir` (named after `base`) and fsyncs it; returns its path.
 * `hash`, if given, sees every byte written. The temp file is removed if anything fails.
 */
async function writeTemp(
  dir: string,
  base: string,
  data: FileData,
  hash?: { update(chunk: string | Uint8Array): void },
): Promise<string> {
  await makeDirs(dir);
  const tmp = path.join(dir, `.${base}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await fs.open(tmp, 'w');
    try {
      for await (const chunk of chunksOf(data)) {
        hash?.update(chunk);
        await handle.writeFile(chunk);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    writeStep(`${tmp} written`);
    return tmp;
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/** Renames a written temp file into place (removed instead if that fails). */
async function placeTemp(tmp: string, file: string): Promise<void> {
  try {
    await fs.rename(tmp, file);
    writeStep(`${file} in place`);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Replaces `file` in one step: a temp file in the same folder, fsync, rename. A crash or a
 * concurrent reader never sees half a file; the temp file is removed if anything fails.
 */
export async function writeFileAtomic(file: string, data: FileData): Promise<void> {
  await placeTemp(await writeTemp(path.dirname(file), path.basename(file), data), file);
}

/**
 * Writes `data` atomically into `dir` under a name made from its content's SHA-256 (hashed while
 * it is written, so the data need not be held to name it); returns the name and the byte count.
 */
export async function writeContentNamed(
  dir: string,
  name: (sha256Hex: string) => string,
  data: FileData,
): Promise<{ name: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  const tmp = await writeTemp(dir, name('pending'), data, {
    update: (chunk) => {
      hash.update(chunk);
      bytes += Buffer.byteLength(chunk);
    },
  });
  const named = name(hash.digest('hex'));
  await placeTemp(tmp, path.join(dir, named));
  return { name: named, bytes };
}

/** A model path may name the folder or its model.json; both mean the same model. */
export function modelJsonPath(location: string): string {
  const plain = location.startsWith(SCHEME) ? location.slice(SCHEME.length) : location;
  return plain.endsWith('.json') ? plain : path.join(plain, 'model.json');
}

/** The pieces of a weightData (one buffer or several), each as bytes, never joined. */
function* weightChunks(weightData: tf.io.WeightData | undefined): Iterable<Uint8Array> {
  for (const buffer of weightData === undefined ? [] : [weightData].flat()) {
    yield new Uint8Array(buffer);
  }
}

/** Model artifacts without their weight bytes, which come separately (as chunks). */
export type ArtifactsWithoutData = Omit<tf.io.ModelArtifacts, 'weightData'>;

/**
 * Saves a model crash-safely: its weights (`weights`, the bytes the specs describe, in order) to
 * a content-named file, then model.json, renamed into place last; then the weight files the
 * previous model.json named are removed.
 */
export async function writeModel(
  jsonPath: string,
  artifacts: ArtifactsWithoutData,
  weights: FileData,
): Promise<tf.io.SaveResult> {
  if (!artifacts.modelTopology || artifacts.modelTopology instanceof ArrayBuffer) {
    throw new Error('file:// saving supports JSON model topologies only');
  }
  const dir = path.dirname(jsonPath);
  await fs.mkdir(dir, { recursive: true });
  const written = await writeContentNamed(
    dir,
    (hash) => `weights-${hash.slice(0, 12)}.bin`,
    weights,
  );
  const weightsName = written.name;

  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    trainingConfig: artifacts.trainingConfig,
    userDefinedMetadata: artifacts.userDefinedMetadata,
    weightsManifest: [{ paths: [weightsName], weights: artifacts.weightSpecs ?? [] }],
  };
  const previous = await referencedWeights(jsonPath);
  await writeFileAtomic(jsonPath, JSON.stringify(modelJson));
  // Old weight files are removed only after the new model.json is in place.
  for (const old of previous) {
    if (old !== weightsName) await fs.rm(path.join(dir, old), { force: true });
  }
  const info = tf.io.getModelArtifactsInfoForJSON({ ...artifacts, weightData: undefined });
  return { modelArtifactsInfo: { ...info, weightDataBytes: written.bytes } };
}

const save = (jsonPath: string, artifacts: tf.io.ModelArtifacts) =>
  writeModel(jsonPath, artifacts, weightChunks(artifacts.weightData));

/** Weight files this writer names (`weights-<hash>.bin`, in the folder itself). */
const OWN_WEIGHTS = /^weights-[0-9a-f]{12}\.bin$/;

/** The weight files an existing model.json names that a save may remove: only our own names, so
 * a planted model.json listing `../../x` cannot make a save delete outside the folder. */
async function referencedWeights(jsonPath: string): Promise<string[]> {
  try {
    const json = JSON.parse(await fs.readFile(jsonPath, 'utf8')) as tf.io.ModelJSON;
    return json.weightsManifest.flatMap((group) => group.paths).filter((p) => OWN_WEIGHTS.test(p));
  } catch {
    return [];
  }
}

/** model.json, validated, with the weights it names read from its own folder only. */
async function load(jsonPath: string): Promise<tf.io.ModelArtifacts> {
  const json = parseModelJson(await readJsonDocument(jsonPath), jsonPath);
  checkTopology(json.modelTopology, jsonPath);
  const groups = json.weightsManifest ?? [];
  // Every group is checked before any file is read.
  const files: string[] = [];
  let total = 0;
  for (const [i, group] of groups.entries()) {
    const where = `${jsonPath}: weightsManifest[${i}]`;
    const checked = await checkGroup(path.dirname(jsonPath), group, where);
    files.push(...checked.files);
    total += checked.bytes;
  }
  const data = new Uint8Array(total);
  let offset = 0;
  for (const file of files) {
    const chunk = await readInputFile(file, 'model');
    // A file that changed size between the check and the read.
    if (offset + chunk.byteLength > total) throw badInput(`${file}: changed while being read`);
    data.set(chunk, offset);
    offset += chunk.byteLength;
  }
  if (offset !== total) throw badInput(`${jsonPath}: a weights file changed while being read`);
  const artifacts = { ...json, weightsManifest: groups } as unknown as tf.io.ModelJSON;
  return tf.io.getModelArtifactsForJSON(artifacts, async () => [
    groups.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
    data.buffer,
  ]);
}

/**
 * The files of one manifest group, each confined to the model's folder (never liftable) and a
 * regular file within the size limit, that together hold exactly the bytes the group's weight
 * specs need (returned). Nothing is read.
 */
async function checkGroup(
  dir: string,
  group: WeightsGroup,
  where: string,
): Promise<{ files: string[]; bytes: number }> {
  const needed = groupBytes(group, where);
  const files: string[] = [];
  let present = 0;
  for (const [j, entry] of group.paths.entries()) {
    const confined = await confine(dir, entry, { always: true });
    if ('reason' in confined) throw badInput(`${where}.paths[${j}]: ${confined.reason}`);
    const refusal = await refuseReason(confined.path, 'model');
    if (refusal) throw badInput(`${where}.paths[${j}]: ${confined.path}: ${refusal}`);
    present += (await fs.stat(confined.path)).size;
    files.push(confined.path);
  }
  if (present !== needed)
    throw badInput(
      `${where}: its weights need ${needed} bytes but ${group.paths.join(', ') || '(no files)'} ${group.paths.length === 1 ? 'holds' : 'hold'} ${present} (${present < needed ? 'truncated or empty' : 'extra bytes'})`,
    );
  return { files, bytes: needed };
}

/** An IOHandler that loads from and saves to a folder (or a model.json path) on disk. */
export function fileIO(location: string): tf.io.IOHandler {
  const jsonPath = modelJsonPath(location);
  return { save: (artifacts) => save(jsonPath, artifacts), load: () => load(jsonPath) };
}

let registered = false;

/** Lets `tf.loadLayersModel('file://…')` and `model.save('file://…')` work in Node. */
export function registerFileRouter(): void {
  if (registered) return;
  registered = true;
  // tfjs routers answer null for URLs they do not handle; its typing omits that.
  const router = ((url: string | string[]) => {
    const location = Array.isArray(url) ? url[0] : url;
    return typeof location === 'string' && location.startsWith(SCHEME) ? fileIO(location) : null;
  }) as Parameters<typeof tf.io.registerSaveRouter>[0];
  tf.io.registerSaveRouter(router);
  tf.io.registerLoadRouter(router);
}
