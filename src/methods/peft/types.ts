// The PEFT methods and what applying one reports: the names every other PEFT file shares.
import type { BlockRule } from '../../backbones/types.js';

/** Parameter-efficient fine-tuning methods (`none` in configs: ordinary training). */
export const PEFT_METHODS = ['bitfit', 'adapter', 'lora'] as const;
export type PeftMethod = (typeof PEFT_METHODS)[number];

/** LoRA rank when none is given. */
export const DEFAULT_LORA_RANK = 8;

export interface PeftOptions {
  method: PeftMethod;
  /** LoRA rank r (default DEFAULT_LORA_RANK). */
  rank?: number;
  /** LoRA α: ΔW is scaled by α / r (default α = r, scale 1, Hu et al.'s convention). */
  alpha?: number;
  /** Layers that train fully (the task's head). Default: `pool`, `head_drop`, names starting `head`. */
  headLayers?: string[];
  /** The backbone's block split (its registry entry's `blocks`); adapters go one per block. */
  blocks?: BlockRule;
  /** Seeds LoRA's A initialization. */
  seed?: number;
}

export interface PeftSummary {
  method: PeftMethod;
  /** LoRA only. */
  rank?: number;
  alpha?: number;
  /** Parameters of the model before PEFT (every weight, BatchNorm statistics included). */
  baseParams: number;
  /** Parameters PEFT added (adapter kernels, LoRA A and B). */
  addedParams: number;
  /** Parameters that train: the PEFT weights and the head. */
  trainableParams: number;
  /** Of which in the head. */
  headParams: number;
  /** trainableParams / baseParams. */
  fraction: number;
  /** Adapter layers or LoRA layers added / converted. */
  layers: string[];
  /** Blocks that got no adapter, and why. */
  skipped: { block: string; reason: string }[];
}

export interface PeftModel {
  model: import('@tensorflow/tfjs').LayersModel;
  /** Weight names (`<layer>/<weight>`) that train: what a delta bundle stores. */
  trainableWeights: string[];
  summary: PeftSummary;
}
