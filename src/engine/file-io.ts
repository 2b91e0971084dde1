// file:// storage for TF.js models in Node (tfjs-node would provide one; we cannot rely on it).
// Saves are crash-safe: weights go to a content-named file first, model.json is renamed into
// place last, so model.json always points at a complete weights file.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { badInput } from '../errors.js';
import { writeStep } from '../guard/fault.js';
import { makeDirs } from '../guard/make-dirs.js';

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

async function referencedWeights(jsonPath: string): Promise<string[]> {
  try {
    const json = JSON.parse(await fs.readFile(jsonPath, 'utf8')) as tf.io.ModelJSON;
    return json.weightsManifest.flatMap((group) => group.paths);
  } catch {
    return [];
  }
}

async function load(jsonPath: string): Promise<tf.io.ModelArtifacts> {
  let text: string;
  try {
    text = await fs.readFile(jsonPath, 'utf8');
  } catch (err) {
    throw badInput(`cannot read model ${jsonPath}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw badInput(`${jsonPath} is not valid JSON: ${(err as Error).message}`);
  }
  if (!json.modelTopology)
    throw badInput(`${jsonPath} has no modelTopology: not a TF.js model.json`);
  const dir = path.dirname(jsonPath);
  return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const specs = manifest.flatMap((group) => group.weights);
    const chunks: Uint8Array[] = [];
    for (const file of manifest.flatMap((group) => group.paths)) {
      const full = path.join(dir, file);
      try {
        chunks.push(await fs.readFile(full));
      } catch (err) {
        throw badInput(
          `weights file ${full} named by ${jsonPath} cannot be read: ${(err as NodeJS.ErrnoException).code ?? err}`,
        );
      }
    }
    const total = chunks.reduce((n, c) => n + c.byteLength, 0);
    const data = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      data.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return [specs, data.buffer];
  });
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
