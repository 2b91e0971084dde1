// What a bundle records about its PEFT run, in `training.peft` of visiontune.json: the method,
// LoRA's rank and alpha, and the names of the weights that trained (the PEFT weights and the head,
// the only ones that differ from the base backbone: what a delta bundle stores). BatchNorm
// statistics never change under PEFT (the backbone's run in inference mode).
import { z } from 'zod';
import type { PeftModel } from './types.js';
import { PEFT_METHODS } from './types.js';

export const peftMetaSchema = z.object({
  method: z.enum(PEFT_METHODS),
  rank: z.number().int().positive().optional(),
  alpha: z.number().positive().optional(),
  /** `<layer>/<weight>` names of every weight that trained. */
  trainableWeights: z.array(z.string()),
  trainableParams: z.number().int().nonnegative(),
  baseParams: z.number().int().nonnegative(),
});

export type PeftMeta = z.infer<typeof peftMetaSchema>;

export function peftMeta({ trainableWeights, summary }: PeftModel): PeftMeta {
  const { method, rank, alpha, trainableParams, baseParams } = summary;
  return { method, rank, alpha, trainableWeights, trainableParams, baseParams };
}

/** The PEFT record of a bundle's `training` metadata, or undefined for an ordinary bundle. */
export function readPeftMeta(training: Record<string, unknown>): PeftMeta | undefined {
  const record = training.peft;
  if (record === undefined || record === 'none') return undefined;
  const parsed = peftMetaSchema.safeParse(record);
  if (!parsed.success)
    throw new Error(`visiontune.json training.peft is malformed: ${parsed.error.message}`);
  return parsed.data;
}
