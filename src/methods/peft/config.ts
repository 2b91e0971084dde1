// The PEFT configuration fields, one schema entry each, shared by `train` and the dense trainers
// (detect/segment train), and the rules on them: which strategy PEFT needs, which fields only
// apply to LoRA, and which other fields contradict a frozen backbone.
import { z } from 'zod';
import { DELTA_DTYPES, type DeltaDtype } from '../../bundle/delta/save-delta.js';
import { opt } from '../../config/options.js';
import { configError } from '../../errors.js';
import { DEFAULT_LORA_RANK, PEFT_METHODS, type PeftMethod, type PeftOptions } from './types.js';

export const PEFT_CHOICES = ['none', ...PEFT_METHODS] as const;

export const peftFields = {
  /**
   * Parameter-efficient fine-tuning of the pretrained backbone (strategy finetune): its weights
   * stay frozen and its BatchNorms keep their statistics; bitfit trains its biases and BatchNorm
   * gamma/beta, adapter a zero-initialized 1×1 conv beside each block, lora a rank-r update of each
   * conv/dense kernel. The head trains fully; the PEFT weights train at the base lr.
   */
  peft: opt(
    z.enum(PEFT_CHOICES).default('none'),
    'finetune: train only bitfit (biases, BN affine), adapter (1x1 conv per block) or lora weights of the backbone',
    { arg: 'method' },
  ),
  /** LoRA rank r: ΔW = (α / r)·A·B with A [fan-in, r], B [r, out]. */
  rank: opt(
    z.number().int().positive().optional(),
    `peft lora: rank r of each kernel's update (default ${DEFAULT_LORA_RANK})`,
    { arg: 'r' },
  ),
  /** LoRA α; the update is scaled by α / r. Default α = r (scale 1; Hu et al. fix α and vary r). */
  loraAlpha: opt(
    z.number().positive().optional(),
    'peft lora: scale alpha, the update is (alpha / rank)·A·B (default alpha = rank)',
    { arg: 'alpha' },
  ),
  /**
   * A PEFT run saves a delta bundle (only what it trained, on the base's weights); `merge` saves
   * a standalone bundle instead, LoRA folded into the kernels.
   */
  merge: opt(
    z.boolean().default(false),
    'peft: save a standalone bundle (LoRA folded in) instead of a delta on the base backbone',
  ),
  /** The delta's stored weights: float16 halves its bytes (values rounded to half precision). */
  deltaDtype: opt(
    z.enum(DELTA_DTYPES).default('float32'),
    "peft: store the delta bundle's weights as float32 or float16 (half the bytes)",
    { arg: 'dtype' },
  ),
};

export interface PeftConfig {
  peft: (typeof PEFT_CHOICES)[number];
  rank?: number;
  loraAlpha?: number;
  merge?: boolean;
  deltaDtype?: DeltaDtype;
}

/**
 * How a run's bundle is saved (run-template's `delta`/`merge`): a PEFT run as a delta on its
 * pretrained base at `inputSize`, or merged with `merge`; any other run as it is.
 */
export function peftBundleSave(
  config: PeftConfig & { backbone: string },
  inputSize: number,
): {
  delta?: { base: { backbone: string; pretrained: true; inputSize: number }; dtype?: DeltaDtype };
  merge?: true;
} {
  if (config.peft === 'none') return {};
  if (config.merge) return { merge: true };
  return {
    delta: {
      base: { backbone: config.backbone, pretrained: true, inputSize },
      ...(config.deltaDtype === 'float16' ? { dtype: 'float16' as const } : {}),
    },
  };
}

/** The run's PEFT method and LoRA settings, or undefined without PEFT. */
export function peftOptions(config: PeftConfig): PeftOptions | undefined {
  if (config.peft === 'none') return undefined;
  const method: PeftMethod = config.peft;
  if (method !== 'lora') return { method };
  const rank = config.rank ?? DEFAULT_LORA_RANK;
  return { method, rank, alpha: config.loraAlpha ?? rank };
}

/**
 * Refuses PEFT fields that would do nothing: PEFT with a strategy other than finetune, rank or
 * loraAlpha without LoRA, and `conflicts` (fields of the caller's schema that train or change the
 * frozen backbone) when PEFT is on. `what` names the configuration in the error.
 */
export function checkPeftConfig(
  config: PeftConfig & { strategy: string },
  what: string,
  conflicts: Record<string, boolean>,
): void {
  const loraOnly = [
    config.rank !== undefined && 'rank',
    config.loraAlpha !== undefined && 'loraAlpha',
  ].filter((f): f is string => typeof f === 'string');
  if (config.peft !== 'lora' && loraOnly.length)
    throw configError(what, loraOnly, `only apply to peft lora, not peft ${config.peft}`);
  if (config.peft === 'none' && config.merge)
    throw configError(
      what,
      ['merge', 'peft'],
      'merge folds a PEFT run into a standalone bundle: it needs peft',
    );
  if ((config.peft === 'none' || config.merge) && (config.deltaDtype ?? 'float32') !== 'float32')
    throw configError(
      what,
      ['deltaDtype', config.merge ? 'merge' : 'peft'],
      'deltaDtype is how a PEFT run stores its delta bundle: it needs peft, without merge',
    );
  if (config.peft === 'none') return;
  if (config.strategy !== 'finetune')
    throw configError(
      what,
      ['peft', 'strategy'],
      `peft ${config.peft} trains part of a pretrained backbone: it needs strategy finetune, not ${config.strategy}`,
    );
  const set = Object.keys(conflicts).filter((f) => conflicts[f]);
  if (set.length)
    throw configError(
      what,
      set,
      `cannot be used with peft ${config.peft}, which keeps the backbone (and its BatchNorm statistics) frozen and trains only its PEFT weights`,
    );
}
