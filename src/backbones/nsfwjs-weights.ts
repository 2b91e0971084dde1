// Reads the Keras models that the npm package `nsfwjs` (MIT) ships as TF.js layers models inside
// .min.js wrappers: model.json as an object, weight shards as base64 strings. Uses nsfwjs's own
// ESM entry points (dynamic imports only), so this loader is platform-free and no weights live
// in this repo. Their 5-class head is dropped by the caller via a topology cut.
import type * as tf from '@tensorflow/tfjs';

export type NsfwjsModelName = 'mobilenet_v2' | 'inception_v3';

interface NsfwjsModelDefinition {
  modelJson: () => Promise<{ default: tf.io.ModelJSON }>;
  weightBundles: (() => Promise<{ default: string }>)[];
}

async function definition(name: NsfwjsModelName): Promise<NsfwjsModelDefinition> {
  if (name === 'mobilenet_v2') return (await import('nsfwjs/models/mobilenet_v2')).MobileNetV2Model;
  return (await import('nsfwjs/models/inception_v3')).InceptionV3Model;
}

/** Base64 -> bytes without Node's Buffer (atob exists in browsers and Node >= 16). */
export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** model.json exactly as shipped (topology + weights manifest with uint8 quantization). */
export async function nsfwjsModelJson(name: NsfwjsModelName): Promise<tf.io.ModelJSON> {
  return (await (await definition(name)).modelJson()).default;
}

/** Shard bytes concatenated in manifest order: the weightData that the manifest describes. */
export async function nsfwjsWeightData(
  name: NsfwjsModelName,
  json: tf.io.ModelJSON,
): Promise<ArrayBuffer> {
  const def = await definition(name);
  const paths = json.weightsManifest.flatMap((group) => group.paths);
  const chunks: Uint8Array[] = [];
  for (const path of paths) {
    // nsfwjs names shards `group1-shardIofN`; its bundles array is in the same order.
    const match = /shard(\d+)of\d+$/.exec(path);
    const loader = match ? def.weightBundles[Number(match[1]) - 1] : undefined;
    if (!loader) throw new Error(`nsfwjs ${name}: no weight bundle for shard '${path}'`);
    chunks.push(base64ToBytes((await loader()).default));
  }
  const data = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    data.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return data.buffer;
}

/**
 * An IOHandler for tf.loadLayersModel over the nsfwjs model, with its topology replaced by
 * `topology` (the edited body). Load with `{ strict: false }`: the head's weights stay unused.
 */
export async function nsfwjsHandler(
  name: NsfwjsModelName,
  topology?: object,
): Promise<tf.io.IOHandler> {
  const json = await nsfwjsModelJson(name);
  const weightData = await nsfwjsWeightData(name, json);
  const modelTopology = topology ?? json.modelTopology;
  const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
  return { load: async () => ({ modelTopology, weightSpecs, weightData, format: 'layers-model' }) };
}
