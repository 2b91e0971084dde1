// Runs a frozen embedding model over batches: the feature-extraction step that the embed
// command, the linear probe's cache, few-shot and ranking share. The passes run where
// frozenForward puts them (ONNX Runtime when installed, else TF.js). Tensors are disposed batch
// by batch.
import type * as tf from '@tensorflow/tfjs';
import { type FrozenForwardOptions, frozenForward } from '../bundle/onnx/frozen-forward.js';
import type { Batch, Sample } from '../data/types.js';

export interface EmbeddedBatch {
  samples: Sample[];
  labels: Int32Array;
  /** [samples.length * dim], row-major. */
  embeddings: Float32Array;
  dim: number;
}

/** Embeds each batch in inference mode (BatchNorm uses its moving statistics). */
export async function* embedBatches(
  model: tf.LayersModel,
  batches: AsyncIterable<Batch>,
  options: Pick<FrozenForwardOptions, 'engine' | 'threads'> = {},
): AsyncGenerator<EmbeddedBatch> {
  const forward = await frozenForward(model, options);
  for await (const batch of batches) {
    const y = await forward.run(batch.x).finally(() => batch.x.dispose());
    const out = y.rank === 2 ? y : y.reshape([y.shape[0], -1]);
    if (out !== y) y.dispose();
    const embeddings = (await out.data()) as Float32Array;
    const dim = out.shape[1] as number;
    out.dispose();
    yield { samples: batch.samples, labels: batch.labels, embeddings, dim };
  }
}

export interface EmbeddingSet {
  ids: string[];
  labels: Int32Array;
  embeddings: Float32Array;
  dim: number;
}

/** Collects all embeddings in memory (small sets: the demo, a linear probe's cache). */
export async function collectEmbeddings(
  batches: AsyncIterable<EmbeddedBatch>,
  onBatch?: (n: number) => void,
): Promise<EmbeddingSet> {
  const ids: string[] = [];
  const labels: number[] = [];
  const chunks: Float32Array[] = [];
  let dim = 0;
  for await (const b of batches) {
    dim = b.dim;
    for (const s of b.samples) ids.push(s.id);
    labels.push(...b.labels);
    chunks.push(b.embeddings);
    onBatch?.(b.samples.length);
  }
  const embeddings = new Float32Array(ids.length * dim);
  let offset = 0;
  for (const c of chunks) {
    embeddings.set(c, offset);
    offset += c.length;
  }
  return { ids, labels: Int32Array.from(labels), embeddings, dim };
}
