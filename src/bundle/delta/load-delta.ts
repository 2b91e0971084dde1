// Loading a delta bundle: its model.json (full topology, the delta's weights only) is validated
// as any model file; the base it names is built (or taken from the caller's DeltaBases) and its
// weights' SHA-256 compared with the one recorded — another base is refused, naming both —
// then every weight the delta does not store is taken from the base by name. The variables are
// assigned the base's tensors, not copies, so deltas loaded through one DeltaBases share them.
import * as tf from '@tensorflow/tfjs';
import { fileIO, modelJsonPath } from '../../engine/file-io.js';
import { isModelContentError } from '../../engine/load-model.js';
import { badInput, VisiontuneError } from '../../errors.js';
import { type BaseWeights, DeltaBases } from './base.js';
import { type DeltaMeta, describeBase } from './schema.js';

const short = (sha: string) => `${sha.slice(0, 16)}…`;

/** Refuses a base whose weights are not the ones the delta was trained on. */
export function checkBase(dir: string, delta: DeltaMeta, base: BaseWeights): void {
  if (base.weightsSha256 === delta.base.weightsSha256) return;
  throw badInput(
    `delta ${dir} was trained on base ${describeBase(delta.base)} (weights sha256 ${short(delta.base.weightsSha256)}); this base is ${describeBase(base.spec)} (weights sha256 ${short(base.weightsSha256)}): its weights differ, so base + delta would not be the trained model`,
  );
}

/** The weights by name for `model`: the stored ones, every other from the base (checked). */
function weightsFor(
  model: tf.LayersModel,
  stored: tf.NamedTensorMap,
  base: BaseWeights,
  where: string,
): tf.NamedTensorMap {
  const named: tf.NamedTensorMap = {};
  for (const w of model.weights) {
    const name = w.originalName;
    const value = stored[name] ?? base.weights.get(name);
    if (!value)
      throw badInput(
        `${where}: weight ${name} is neither stored in the delta nor in its base ${describeBase(base.spec)}`,
      );
    if (value.shape.join() !== w.shape.join())
      throw badInput(
        `${where}: weight ${name} is [${w.shape}] in the model but [${value.shape}] in ${stored[name] ? 'the delta' : `its base ${describeBase(base.spec)}`}`,
      );
    named[name] = value;
  }
  return named;
}

/**
 * The model of delta bundle `dir` (described by `delta`, its visiontune.json part), with the base
 * from `bases` (shared) or built for this load alone.
 */
export async function loadDeltaModel(
  dir: string,
  delta: DeltaMeta,
  bases?: DeltaBases,
): Promise<tf.LayersModel> {
  const where = modelJsonPath(dir);
  const artifacts = await fileIO(dir).load!();
  const specs = artifacts.weightSpecs ?? [];
  const listed = new Set(delta.weights);
  const storedNames = specs.map((s) => s.name);
  if (storedNames.length !== listed.size || storedNames.some((n) => !listed.has(n)))
    throw badInput(
      `${where} stores ${storedNames.length} weights, but its visiontune.json delta.weights lists ${listed.size} others; the bundle was changed after it was saved`,
    );
  const own = bases ? undefined : new DeltaBases();
  let stored: tf.NamedTensorMap = {};
  try {
    const base = await (bases ?? own!).get(delta.base, `delta ${dir}`);
    checkBase(dir, delta, base);
    const { weightData: data, weightSpecs: _specs, ...topology } = artifacts;
    const model = await tf.loadLayersModel({ load: async () => topology });
    try {
      stored = data === undefined ? {} : tf.io.decodeWeights(data, specs);
      model.loadWeights(weightsFor(model, stored, base, where));
      return model;
    } catch (err) {
      model.dispose();
      throw err;
    }
  } catch (err) {
    if (err instanceof VisiontuneError || !isModelContentError(err)) throw err;
    throw badInput(
      `${where}: the model cannot be built (${(err as Error).message.split('\n')[0]})`,
    );
  } finally {
    // The model's variables hold what they use; the rest of the base goes.
    for (const t of Object.values(stored)) t.dispose();
    await own?.dispose();
  }
}
