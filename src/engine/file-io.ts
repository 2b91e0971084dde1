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

/**
 * Replaces `file` in one step: a temp file in the same folder, fsync, rename. A crash or a
 * concurrent reader never sees half a file; the temp file is removed if anything fails.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array | readonly (string | Uint8Array)[],
): Promise<void> {
  const dir = path.dirname(file);
  await makeDirs(dir);
  const tmp = path.join(
    dir,
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    const handle = await fs.open(tmp, 'w');
    try {
      // Chunks are written in order, so large files need not be joined in memory first.
      for (const chunk of Array.isArray(data) ? data : [data]) await handle.writeFile(chunk);
      await handle.sync();
    } finally {
      await handle.close();
    }
    writeStep(`${tmp} written`);
    await fs.rename(tmp, file);
    writeStep(`${file} in place`);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/** A model path may name the folder or its model.json; both mean the same model. */
export function modelJsonPath(location: string): string {
  const plain = location.startsWith(SCHEME) ? location.slice(SCHEME.length) : location;
  return plain.endsWith('.json') ? plain : path.join(plain, 'model.json');
}

function toBytes(weightData: tf.io.WeightData | undefined): Uint8Array {
  if (!weightData) return new Uint8Array(0);
  const buffer = tf.io.CompositeArrayBuffer.join(weightData);
  return new Uint8Array(buffer);
}

async function save(jsonPath: string, artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
  if (!artifacts.modelTopology || artifacts.modelTopology instanceof ArrayBuffer) {
    throw new Error('file:// saving supports JSON model topologies only');
  }
  const dir = path.dirname(jsonPath);
  await fs.mkdir(dir, { recursive: true });
  const weights = toBytes(artifacts.weightData);
  const hash = createHash('sha256').update(weights).digest('hex').slice(0, 12);
  const weightsName = `weights-${hash}.bin`;
  await writeFileAtomic(path.join(dir, weightsName), weights);

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
  return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
}

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
