// Folding a Standardize layer into the Dense layer that reads it (directly or through Dropout),
// when a bundle is saved: the saved model then holds a standard Dense instead of a custom class,
// so plain TF.js (and any Keras-format reader) loads it, and the export computes one op less.
// Training keeps its Standardize layer; only the saved artifacts change. Dense(((x − m) / s)) = x·W' + b' with
// W'[i] = W[i] / s[i] and b' = b − Σ_i (m[i] / s[i]) W[i], computed in float64.
import * as tf from '@tensorflow/tfjs';
import { Standardize } from '../heads/standardize.js';

type Artifacts = tf.io.ModelArtifacts;
/** [layer name, node index, tensor index, call kwargs] */
type InboundRef = [string, number, number, unknown?];
interface LayerJson {
  class_name: string;
  name: string;
  config: { use_bias?: boolean };
  inbound_nodes: InboundRef[][];
}
interface TopologyJson {
  config: { layers: LayerJson[]; output_layers: InboundRef[] };
}

/** Layer names: a Standardize, the layer that reads it (the Dense or a Dropout before it), and
 * the Dense its statistics fold into. */
interface Fold {
  standardize: string;
  reader: string;
  dense: string;
}

/**
 * Places in the saved graph where a Standardize, called once, feeds a chain of layers that each
 * read only the one before and are read only by the next: Dropouts (the identity at inference),
 * then a Dense with a bias. Folding then changes no other path. A Standardize that is a model
 * output, is read twice, or feeds anything else stays as it is. (The graph as saved, not the
 * layers' node lists: the linear head's layers are also called in the head-only model.)
 */
function foldablePairs(topology: TopologyJson): Fold[] {
  const { layers, output_layers } = topology.config;
  const isOutput = (layer: LayerJson) => output_layers.some((ref) => ref[0] === layer.name);
  // The one layer reading `layer`, when it reads nothing else and `layer` is no model output.
  const soleReader = (layer: LayerJson) => {
    if (layer.inbound_nodes.length !== 1 || isOutput(layer)) return undefined;
    const readers = layers.filter((l) =>
      l.inbound_nodes.some((node) => node.some((ref) => ref[0] === layer.name)),
    );
    const [reader] = readers;
    const alone = reader?.inbound_nodes.length === 1 && reader.inbound_nodes[0]!.length === 1;
    return readers.length === 1 && alone ? reader : undefined;
  };
  const folds: Fold[] = [];
  for (const layer of layers) {
    if (layer.class_name !== Standardize.className) continue;
    const reader = soleReader(layer);
    let next = reader;
    while (next?.class_name === 'Dropout') next = soleReader(next);
    if (!reader || next?.class_name !== 'Dense' || next.config.use_bias === false) continue;
    folds.push({ standardize: layer.name, reader: reader.name, dense: next.name });
  }
  return folds;
}

/** The folded kernel [dim, units] and bias [units] (float64 arithmetic, float32 result). */
export function foldedDense(
  mean: ArrayLike<number>,
  std: ArrayLike<number>,
  kernel: ArrayLike<number>,
  bias: ArrayLike<number>,
): { kernel: Float32Array; bias: Float32Array } {
  const dim = mean.length;
  const units = bias.length;
  const folded = new Float32Array(dim * units);
  const shift = Float64Array.from(bias);
  for (let i = 0; i < dim; i++) {
    for (let k = 0; k < units; k++) {
      const w = kernel[i * units + k]! / std[i]!;
      folded[i * units + k] = w;
      shift[k] -= mean[i]! * w;
    }
  }
  return { kernel: folded, bias: Float32Array.from(shift) };
}

/** The Standardize's reader now reads what it read; the Standardize leaves the topology. */
function rewireTopology(topology: TopologyJson, folds: readonly Fold[]): TopologyJson {
  const copy = structuredClone(topology);
  const byName = new Map(copy.config.layers.map((l) => [l.name, l]));
  for (const { standardize, reader } of folds) {
    const to = byName.get(reader)!;
    const kwargs = to.inbound_nodes[0]![0]![3] ?? {};
    to.inbound_nodes = byName
      .get(standardize)!
      .inbound_nodes.map((node) => node.map(([name, n, t]) => [name, n, t, kwargs]));
  }
  const dropped = new Set(folds.map((f) => f.standardize));
  copy.config.layers = copy.config.layers.filter((l) => !dropped.has(l.name));
  return copy;
}

/**
 * An artifacts transform that folds every foldable Standardize → Dense pair of `model`'s saved
 * graph, or undefined when the model has no Standardize. Weights are found under the names the
 * model saves them by.
 */
export function standardizeFolding(
  model: tf.LayersModel,
): ((artifacts: Artifacts) => Promise<Artifacts>) | undefined {
  if (!model.layers.some((l) => l instanceof Standardize)) return undefined;
  return async (artifacts) => {
    const { modelTopology, weightSpecs, weightData } = artifacts;
    if (!modelTopology || !weightSpecs || !weightData) {
      throw new Error('standardize folding: the model saved no topology or weights');
    }
    const topology = modelTopology as TopologyJson;
    const folds = foldablePairs(topology);
    if (folds.length === 0) return artifacts;
    const weights = tf.io.decodeWeights(weightData, weightSpecs);
    const names = (layer: string) => model.getLayer(layer).weights.map((w) => w.originalName);
    const replaced = new Map<string, tf.Tensor>();
    const dropped = new Set<string>();
    try {
      for (const fold of folds) {
        const [mean, std] = names(fold.standardize).map((n) => weights[n]!.dataSync());
        const [kernelName, biasName] = names(fold.dense) as [string, string];
        const kernel = weights[kernelName]!;
        const folded = foldedDense(mean!, std!, kernel.dataSync(), weights[biasName]!.dataSync());
        replaced.set(kernelName, tf.tensor(folded.kernel, kernel.shape));
        replaced.set(biasName, tf.tensor(folded.bias));
        for (const n of names(fold.standardize)) dropped.add(n);
      }
      const encoded = await tf.io.encodeWeights(
        weightSpecs
          .filter((spec) => !dropped.has(spec.name))
          .map((spec) => ({
            name: spec.name,
            tensor: replaced.get(spec.name) ?? weights[spec.name]!,
          })),
      );
      return {
        ...artifacts,
        modelTopology: rewireTopology(topology, folds),
        weightSpecs: encoded.specs,
        weightData: encoded.data,
      };
    } finally {
      tf.dispose([...Object.values(weights), ...replaced.values()]);
    }
  };
}
