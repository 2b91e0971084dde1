// The `linear` strategy's trainable part: a head on frozen-backbone embeddings (standardization,
// optional hidden layer, logits): a plain linear head solved by L-BFGS (probe-solve.ts), an MLP
// or regularized head trained by the common loop on in-memory embeddings. The same
// layer objects are then applied to the backbone's output, so the saved classifier carries
// exactly the trained weights.

import * as tf from '@tensorflow/tfjs';
import { trainingShard } from '../../distributed/shard.js';
import { featureStatistics, Standardize } from '../../heads/standardize.js';
import type { Callback } from '../../train/callbacks.js';
import type { FitResult, TrainBatch } from '../../train/loop.js';
import { AdamW, buildParamGroups, type Schedule } from '../../train/optim/index.js';
import { initializerSeed } from '../../util/init-seed.js';
import type { EmbeddingSet } from '../embed.js';
import { type FitPlan, runFitPlan } from '../run-template.js';
import { embeddingBatches } from './embedding-batches.js';
import {
  describeSolve,
  type Standardization,
  setDenseWeights,
  solveAsFit,
  solveProbe,
} from './probe-solve.js';

export interface LinearHeadOptions {
  classes: number;
  /** Hidden units of an MLP head; 0 (default) is a linear head. */
  hidden?: number;
  dropRate?: number;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  weightDecay?: number;
  labelSmoothing?: number;
  seed?: number;
  outDir?: string;
  resume?: boolean;
  callbacks?: Callback[];
  /** Where the L-BFGS fit says which L2 strength it kept. */
  log?: (line: string) => void;
}

export interface TrainedHead {
  /** Applies the trained head layers to a symbolic embedding (e.g. a backbone's output). */
  apply(embedding: tf.SymbolicTensor): tf.SymbolicTensor;
  /** Embedding in, logits out: the model that was trained. */
  model: tf.LayersModel;
  result: FitResult;
}

function headLayers(
  stats: Standardization,
  o: Required<Pick<LinearHeadOptions, 'classes' | 'hidden' | 'dropRate' | 'seed'>>,
): tf.layers.Layer[] {
  const layers: tf.layers.Layer[] = [
    new Standardize({ mean: [...stats.mean], std: [...stats.std], name: 'head_standardize' }),
  ];
  if (o.hidden > 0) {
    layers.push(
      tf.layers.dense({
        units: o.hidden,
        activation: 'relu',
        name: 'head_hidden',
        kernelInitializer: tf.initializers.heNormal({ seed: initializerSeed(o.seed, 1) }),
      }),
    );
  }
  if (o.dropRate > 0) layers.push(tf.layers.dropout({ rate: o.dropRate, name: 'head_drop' }));
  layers.push(
    tf.layers.dense({
      units: o.classes,
      name: 'head',
      kernelInitializer: tf.initializers.glorotUniform({ seed: initializerSeed(o.seed, 2) }),
    }),
  );
  return layers;
}

function logitsLoss(model: tf.LayersModel, classes: number, smoothing: number, training: boolean) {
  return (x: tf.Tensor, labels: Int32Array): tf.Scalar => {
    const logits = model.apply(x, { training }) as tf.Tensor;
    return tf.losses.softmaxCrossEntropy(
      tf.oneHot(tf.tensor1d(labels, 'int32'), classes),
      logits,
      undefined,
      smoothing,
    ) as tf.Scalar;
  };
}

export interface LinearHead {
  /** Embedding in, logits out: the model that trains. */
  model: tf.LayersModel;
  /** Applies the head layers to a symbolic embedding (e.g. a backbone's output). */
  apply(embedding: tf.SymbolicTensor): tf.SymbolicTensor;
  /** Its training through the shared loop (the caller adds outputs and frees the optimizer). */
  plan: FitPlan<TrainBatch>;
}

/** The head's layers (standardized on the training embeddings) and how they train. */
export function linearHead(
  train: EmbeddingSet,
  val: EmbeddingSet | undefined,
  options: LinearHeadOptions,
): LinearHead {
  const o = {
    hidden: 0,
    dropRate: 0,
    epochs: 30,
    batchSize: 64,
    lr: 0.02,
    weightDecay: 1e-3,
    labelSmoothing: 0,
    seed: 0,
    ...options,
  };
  const stats = featureStatistics(train.embeddings, train.dim);
  const layers = headLayers(stats, o);
  const apply = (embedding: tf.SymbolicTensor) =>
    layers.reduce<tf.SymbolicTensor>((x, layer) => layer.apply(x) as tf.SymbolicTensor, embedding);
  const input = tf.input({ shape: [train.dim], name: 'embedding' });
  const model = tf.model({ inputs: input, outputs: apply(input), name: 'linear_head' });
  const optimizer = new AdamW(buildParamGroups(model, { weightDecay: o.weightDecay }));
  const trainLoss = logitsLoss(model, o.classes, o.labelSmoothing, true);
  const evalLoss = logitsLoss(model, o.classes, 0, false);
  const batches = embeddingBatches(train, {
    batchSize: o.batchSize,
    seed: o.seed,
    shard: trainingShard(),
  });

  const validate = val
    ? async () =>
        tf.tidy(() => {
          const x = tf.tensor2d(val.embeddings, [val.labels.length, val.dim]);
          const predicted = (model.predict(x) as tf.Tensor).argMax(1).dataSync();
          let correct = 0;
          for (let i = 0; i < predicted.length; i++) if (predicted[i] === val.labels[i]) correct++;
          return {
            val_loss: evalLoss(x, val.labels).dataSync()[0],
            val_accuracy: correct / val.labels.length,
          };
        })
    : undefined;

  const plan: FitPlan<TrainBatch> = {
    model,
    optimizer,
    train: batches,
    epochs: o.epochs,
    seed: o.seed,
    schedule: {
      kind: 'cosine',
      lr: o.lr,
      warmupSteps: Math.min(batches.numBatches, 10, o.epochs * batches.numBatches - 1),
    } satisfies Schedule,
    loss: (batch) => trainLoss(batch.x, batch.labels),
    validate,
    earlyStopping: val
      ? { monitor: 'val_loss', patience: Math.max(3, Math.ceil(o.epochs / 5)) }
      : undefined,
    callbacks: o.callbacks,
    // A plain linear head is a convex problem: solved to optimality instead (probe-solve.ts).
    // Dropout and label smoothing only exist in SGD training, so they keep the loop.
    ...(o.hidden === 0 && o.dropRate === 0 && o.labelSmoothing === 0
      ? {
          solve: (outDir: string | undefined) =>
            solveAsFit(() => {
              const solved = solveProbe(train, val, stats, o.classes);
              setDenseWeights(layers.at(-1)!, solved.weights, o.classes);
              o.log?.(describeSolve(solved.history)!);
              return solved;
            }, outDir),
        }
      : {}),
  };
  return { model, apply, plan };
}

export async function trainLinearHead(
  train: EmbeddingSet,
  val: EmbeddingSet | undefined,
  options: LinearHeadOptions,
): Promise<TrainedHead> {
  const { model, apply, plan } = linearHead(train, val, options);
  try {
    const result = await runFitPlan(plan, { outDir: options.outDir, resume: options.resume });
    return { model, result, apply };
  } finally {
    plan.optimizer.dispose();
  }
}
