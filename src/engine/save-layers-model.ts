// Saving a layers model to disk without encoding it in memory first: `model.save` joins every
// weight into one buffer (a full copy of the model) before the handler sees it; here each
// weight's bytes go to the weights file as they are read, one tensor at a time, under the same
// model.json — topology, weight specs (name, shape, dtype) and bytes as model.save would write
// them — and the same crash-safe steps (file-io.ts writeModel).
import * as tf from '@tensorflow/tfjs';
import { modelJsonPath, writeModel } from './file-io.js';

interface NamedWeight {
  name: string;
  tensor: tf.Tensor;
}

/** The weights model.save writes, in its order (LayersModel.getNamedWeights is protected). */
const namedWeights = (model: tf.LayersModel): NamedWeight[] =>
  (model as unknown as { getNamedWeights(): NamedWeight[] }).getNamedWeights();

/** Dtypes whose stored values are the bytes TF.js writes (host order, as encodeWeights does). */
const PLAIN = new Set(['float32', 'int32', 'bool']);

/** One weight's bytes: a view of its values where the backend keeps them (no copy on cpu). */
async function weightBytes(weight: NamedWeight): Promise<Uint8Array> {
  if (!PLAIN.has(weight.tensor.dtype)) {
    // Strings and complex values have their own encoding; TF.js's, for this one tensor.
    const { data } = await tf.io.encodeWeights([weight]);
    return new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
  }
  const values = weight.tensor.dataSync() as Float32Array | Int32Array | Uint8Array;
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

async function* weightChunks(weights: NamedWeight[]): AsyncIterable<Uint8Array> {
  for (const weight of weights) yield await weightBytes(weight);
}

/**
 * Saves `model` to `location` (a folder or its model.json) as `model.save(fileIO(location))`
 * would, holding at most one weight's bytes beyond the model itself.
 */
export async function saveLayersModel(
  model: tf.LayersModel,
  location: string,
): Promise<tf.io.SaveResult> {
  const weights = namedWeights(model);
  const metadata = model.getUserDefinedMetadata();
  return writeModel(
    modelJsonPath(location),
    {
      modelTopology: model.toJSON(null, false) as tf.io.ModelJSON['modelTopology'],
      format: 'layers-model',
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
      convertedBy: null,
      ...(metadata === undefined ? {} : { userDefinedMetadata: metadata }),
      weightSpecs: weights.map(({ name, tensor }) => ({
        name,
        shape: tensor.shape,
        dtype: tensor.dtype as tf.io.WeightsManifestEntry['dtype'],
      })),
    },
    weightChunks(weights),
  );
}
