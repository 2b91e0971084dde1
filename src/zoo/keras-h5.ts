// Reads a Keras HDF5 weight file (what `model.save_weights('x.h5')` and the Keras Applications
// downloads hold) into layer → arrays, with jsfive (pure JS, so it also runs in a browser). The
// layout: the root (or `model_weights` in a whole-model save) lists `layer_names`; each layer's
// group lists its `weight_names` (`Conv1/kernel:0`), stored as datasets at those paths.
import * as hdf5 from 'jsfive';
import { badInput, VisiontuneError } from '../errors.js';
import { contiguousFloats } from './h5-contiguous.js';

export interface KerasArray {
  /** The weight's name in the file, e.g. `Conv1/kernel:0`. */
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface KerasLayerWeights {
  layer: string;
  weights: KerasArray[];
}

interface H5Group {
  attrs: Record<string, unknown>;
  keys: string[];
  get(path: string): H5Group & { shape?: number[]; dtype?: string; value?: ArrayLike<number> };
}

/** HDF5 fixed-length strings come back padded with NULs. */
const names = (v: unknown): string[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((s) => String(s).replace(/\0+$/, ''));

/** Floats; and integers, which Keras keeps for counters (EfficientNet's Normalization count, an
 * int64 scalar) — read as floats, like the rest. */
const NUMERIC_TYPES = /^[<>|]?[fiu][1248]$/;

/** Every layer of the file, in the file's order, with its weights (layers without any included). */
export function readKerasWeights(bytes: Uint8Array, file: string): KerasLayerWeights[] {
  let root: H5Group;
  try {
    const buffer = new Uint8Array(bytes).buffer;
    root = new hdf5.File(buffer, file) as unknown as H5Group;
  } catch (err) {
    throw badInput(`${file}: not an HDF5 file (${(err as Error).message})`);
  }
  try {
    return readLayers(root, file);
  } catch (err) {
    if (err instanceof VisiontuneError) throw err;
    // jsfive reading past the end of a cut file, or a structure it cannot follow.
    throw badInput(`${file}: a damaged or cut-short HDF5 file (${(err as Error).message})`);
  }
}

function readLayers(root: H5Group, file: string): KerasLayerWeights[] {
  const top = root.keys.includes('model_weights') ? root.get('model_weights') : root;
  const layers = names(top.attrs.layer_names);
  if (layers.length === 0)
    throw badInput(`${file}: no 'layer_names' attribute: not a Keras weight file`);
  return layers.map((layer) => {
    if (!top.keys.includes(layer)) throw badInput(`${file}: layer '${layer}' is listed but absent`);
    const group = top.get(layer);
    const weights = names(group.attrs.weight_names).map((name) => {
      let dataset: ReturnType<H5Group['get']>;
      try {
        dataset = group.get(name);
      } catch {
        throw badInput(`${file}: layer '${layer}': weight '${name}' is listed but absent`);
      }
      if (!dataset?.shape || !NUMERIC_TYPES.test(String(dataset.dtype)))
        throw badInput(
          `${file}: ${layer}/${name}: expected a numeric array, found ${dataset?.dtype ?? 'no dataset'}`,
        );
      const fast = contiguousFloats(dataset);
      if (fast) return { name, shape: dataset.shape, data: fast };
      // A scalar dataset comes back as one number; int64 ones as BigInt.
      const value = dataset.value ?? [];
      const values = typeof value === 'object' ? Array.from(value as ArrayLike<number>) : [value];
      const count = dataset.shape.reduce((a, b) => a * b, 1);
      if (values.length !== count)
        throw badInput(
          `${file}: ${layer}/${name}: holds ${values.length} values, its shape [${dataset.shape}] needs ${count} (cut short?)`,
        );
      return { name, shape: dataset.shape, data: Float32Array.from(values, Number) };
    });
    return { layer, weights };
  });
}
