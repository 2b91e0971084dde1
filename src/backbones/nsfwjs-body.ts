// Builds the convolutional body of an nsfwjs Keras model: cut the topology at the last conv
// feature map, set the input size, then either load the shipped weights or initialize randomly.
// Registers the BatchNorm training fix before any model is deserialized.
import './batchnorm-fix.js';
import './relu-layer.js';
import * as tf from '@tensorflow/tfjs';
import { initializerSeed } from '../util/init-seed.js';
import { type NsfwjsModelName, nsfwjsHandler, nsfwjsModelJson } from './nsfwjs-weights.js';
import { editTopology, type KerasModelJson } from './topology.js';
import type { BuildOptions } from './types.js';

interface KerasTopology {
  model_config: KerasModelJson;
  [key: string]: unknown;
}

/** The body's Keras topology: head cut off, input resized, every layer trainable. */
export async function nsfwjsBodyTopology(
  model: NsfwjsModelName,
  cut: string,
  inputSize: number,
  name: string,
  seed?: number,
): Promise<KerasTopology> {
  const json = await nsfwjsModelJson(model);
  const topology = json.modelTopology as KerasTopology;
  const body = editTopology(topology.model_config, { cut, inputSize });
  body.config.name = name;
  // nsfwjs froze early layers while fine-tuning; freezing is the transfer method's call, not ours.
  for (const layer of body.config.layers) layer.config.trainable = true;
  if (seed !== undefined) seedInitializers(body, seed);
  return { keras_version: topology.keras_version, backend: topology.backend, model_config: body };
}

/** Gives every initializer in the config its own seed, so `pretrained: false` is reproducible. */
function seedInitializers(json: KerasModelJson, seed: number): void {
  let next = initializerSeed(seed);
  for (const layer of json.config.layers) {
    for (const [key, value] of Object.entries(layer.config)) {
      const init = value as { config?: Record<string, unknown> } | null;
      if (key.endsWith('_initializer') && init?.config && 'seed' in init.config)
        init.config.seed = next++;
    }
  }
}

export async function buildNsfwjsBody(
  model: NsfwjsModelName,
  cut: string,
  name: string,
  nativeSize: number,
  options: BuildOptions,
): Promise<tf.LayersModel> {
  const modelTopology = await nsfwjsBodyTopology(
    model,
    cut,
    options.inputSize ?? nativeSize,
    name,
    options.seed,
  );
  // The topology is plain JSON; tfjs types it as PyJsonDict.
  if (!options.pretrained)
    return tf.models.modelFromJSON({ modelTopology: modelTopology as never });
  // strict: false because the shipped weights include the dropped head's; it would also skip
  // missing ones silently, so check that every body weight is in the manifest.
  const shipped = new Set(
    (await nsfwjsModelJson(model)).weightsManifest.flatMap((g) => g.weights.map((w) => w.name)),
  );
  const body = await tf.loadLayersModel(await nsfwjsHandler(model, modelTopology), {
    strict: false,
  });
  const missing = body.weights
    .filter((w) => !shipped.has(w.originalName))
    .map((w) => w.originalName);
  if (missing.length) {
    body.dispose();
    throw new Error(`nsfwjs ${model}: no shipped weights for ${missing.slice(0, 5).join(', ')}`);
  }
  return body;
}
