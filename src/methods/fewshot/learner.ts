// What every few-shot method is: something that, given an episode's labelled support set,
// labels its queries — and may be meta-trained on episodes first. Methods whose embedding is
// fixed at test time ('embedding' learners: centroid, finetune-head, protonet, anil) let the
// evaluator embed each test image once; 'adapting' learners (maml, reptile) change the body per
// episode and see the episode's cut features.
import type * as tf from '@tensorflow/tfjs';
import type { NamedArray } from '../../train/tensor-blob.js';

/** A registered few-shot method's name (methods/index.ts: the built-ins, registerFewShotMethod). */
export type FewShotMethodName = string;

/** An episode as tensors of cut features; labels are episode labels 0..ways-1. */
export interface EpisodeTensors {
  support: tf.Tensor;
  supportLabels: Int32Array;
  query: tf.Tensor;
  queryLabels: Int32Array;
  ways: number;
}

export interface MetaStepResult {
  /** Mean query loss over the step's episodes (after adaptation, for MAML-style methods). */
  loss: number;
  /** Mean query accuracy over the step's episodes. */
  accuracy: number;
}

/** What a meta-training step changes besides the metaVariables' values, for checkpoints. */
export interface MetaTrainingState {
  /** Optimizer slots (moments), in the learner's own order. */
  slots: NamedArray[];
  /** Step counts and flags (optimizer iterations, annealing step, variables created lazily). */
  counters: Record<string, number>;
}

interface LearnerBase {
  readonly method: FewShotMethodName;
  /** One outer update from a batch of episodes. Absent: the method has nothing to meta-train. */
  metaStep?(episodes: EpisodeTensors[]): Promise<MetaStepResult>;
  /** The meta-learned state (body and head weights): snapshotted to keep the best validation step. */
  metaVariables(): tf.Variable[];
  /**
   * Variables meta-training changes without a gradient (the body's BatchNorm moving statistics):
   * checkpointed with metaVariables so a resumed run continues from the very same network.
   */
  statisticVariables?(): tf.Variable[];
  /** With metaStep: the rest of its state, so meta-training can resume from a checkpoint. */
  getTrainingState?(): Promise<MetaTrainingState>;
  /** Restores that state on a fresh learner, before its metaVariables are assigned (it may add some). */
  setTrainingState?(state: MetaTrainingState): Promise<void>;
  /** Settings worth reporting (inner steps, learning rates, metric, …). */
  describe(): Record<string, unknown>;
  dispose(): void;
}

export interface EmbeddingLearner extends LearnerBase {
  readonly kind: 'embedding';
  /** Cut features → embeddings, inference mode. */
  embed(x: tf.Tensor): tf.Tensor2D;
  /** Episode labels of the queries, from embedded support and queries. Leaves the learner unchanged. */
  classify(
    support: tf.Tensor2D,
    supportLabels: Int32Array,
    query: tf.Tensor2D,
    ways: number,
  ): Promise<Int32Array>;
}

export interface AdaptingLearner extends LearnerBase {
  readonly kind: 'adapting';
  /** Episode labels of the queries after adapting to the support set. Leaves the learner unchanged. */
  predict(episode: Omit<EpisodeTensors, 'queryLabels'>): Promise<Int32Array>;
}

export type FewShotLearner = EmbeddingLearner | AdaptingLearner;
