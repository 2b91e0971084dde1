// Parameter-efficient fine-tuning: BitFit, residual adapters and LoRA applied to a built model
// (apply.ts), LoRA merged back into plain layers (merge.ts), the config fields (config.ts) and the
// bundle record of which weights trained (bundle-meta.ts).
export { applyPeft, copyWeightsByName, describePeft } from './apply.js';
export { type PeftMeta, peftMeta, peftMetaSchema, readPeftMeta } from './bundle-meta.js';
export { checkPeftConfig, type PeftConfig, peftFields, peftOptions } from './config.js';
export { isLoraLayer, LORA_CLASS_OF, loraKernel } from './lora-layers.js';
export { mergePeft } from './merge.js';
export {
  DEFAULT_LORA_RANK,
  PEFT_METHODS,
  type PeftMethod,
  type PeftModel,
  type PeftOptions,
  type PeftSummary,
} from './types.js';
