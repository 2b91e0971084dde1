// The contract every backbone family meets: how to build it and what it expects.
import type * as tf from '@tensorflow/tfjs';
import type { WeightsFile } from '../zoo/types.js';

/** Where a backbone exposes a feature map, at a given output stride. */
export interface FeatureTap {
  stride: 4 | 8 | 16 | 32;
  /** Layer whose output is the tap. */
  layer: string;
  channels: number;
}

/** What a pretrained weight set expects and offers (timm's pretrained_cfg). */
export interface PretrainedConfig {
  /** Native square input size the weights were trained at. */
  inputSize: number;
  /** Smallest square input the body accepts (32 for stride-32 nets). */
  minInputSize: number;
  /** Input = (pixel / 255 - mean) / std, per RGB channel. [0,1] is mean 0, std 1; [-1,1] is 0.5/0.5. */
  mean: [number, number, number];
  std: [number, number, number];
  interpolation: 'bilinear' | 'bicubic' | 'nearest';
  /**
   * The body's output: the layer whose pooled output the networks of finetune, scratch,
   * adaptation and compression end at, and the default embedding of a backbone without a
   * `frozenLayer`.
   */
  embeddingLayer: string;
  /**
   * Layer pooled for a frozen embedding (linear probe, `embed`, few-shot) when `--layer auto`
   * cannot choose one (no labels to score): the best fixed layer measured, with the evidence
   * beside it. Absent: embeddingLayer.
   */
  frozenLayer?: string;
  embeddingDim: number;
  taps: FeatureTap[];
  licence: string;
  source: string;
}

export interface BuildOptions {
  pretrained: boolean;
  /** Square input size; defaults to config.inputSize. */
  inputSize?: number;
  /** Seed for random initialization (from-scratch bodies and `pretrained: false`), where tfjs allows. */
  seed?: number;
}

/**
 * How a body splits into blocks, the units of `--unfreeze N` (methods/freeze). Blocks are ordered
 * stem, block 1..K, top; 'stem' and 'top' are reserved block names. Without a rule, blocks are
 * found from the graph (methods/freeze/blocks.ts).
 */
export type BlockRule =
  /** Block of each body layer from its name alone: 'stem', 'top' or a block name. */
  | { blockOf: (layerName: string) => string | undefined }
  /**
   * Graph rule: the last layer of the stem, then the last layer of each block (the block's name).
   * A layer belongs to the first of these that depends on it; layers after the last form 'top'.
   */
  | { stemEnd: string; ends: string[] };

export interface BackboneEntry {
  name: string;
  description: string;
  /** Whether pretrained weights exist for this entry. */
  hasPretrained: boolean;
  /**
   * The file the pretrained weights download from on first use (zoo/); absent where they ship
   * with the dependencies or the entry has none.
   */
  weights?: WeightsFile;
  config: PretrainedConfig;
  /** Block split for freezing; absent: found from the graph. */
  blocks?: BlockRule;
  /** Builds the convolutional body: NHWC image input -> last feature map (no head, no pooling). */
  build(options: BuildOptions): Promise<tf.LayersModel>;
}
