// The methods the PEFT benchmark compares (issue 27), each as the `train` configuration fields
// that select it, and their learning rates. All fine-tuning methods use AdamW with the cosine
// schedule at the same base lr, 1e-3 (train's finetune default). Under full fine-tuning that lr
// trains the head and the backbone trains at 0.1× (backboneLrMult), 1e-4; under PEFT the PEFT
// weights train at the base lr (README, "Parameter-efficient fine-tuning"), i.e. 10× the
// full-fine-tuning backbone lr. That is the papers' practice: BitFit (Ben Zaken et al. 2022)
// and LoRA (Hu et al. 2021) train their few weights at roughly 10–20× the lr of full
// fine-tuning (e.g. LoRA on RoBERTa-base 5e-4 against 1e-5…3e-5). The lr is the same on every
// set and was not chosen on any test set; `--lr name=value` overrides one method's.
// The linear probe is solved by L-BFGS on cached embeddings of the backbone's embedding layer
// (the layer the fine-tuning heads sit on), so it has no lr or epochs to choose.
import type { TrainConfigInput } from '../../src/methods/classification/config.js';

export interface BenchMethod {
  name: string;
  /** The fields of `train`'s configuration that select the method. */
  fields: Partial<TrainConfigInput>;
  /** A PEFT method: its bundle is a delta on the pretrained base. */
  peft: boolean;
}

export const FINETUNE_LR = 1e-3;

const lora = (rank: number): BenchMethod => ({
  name: `lora-r${rank}`,
  fields: { strategy: 'finetune', peft: 'lora', rank, lr: FINETUNE_LR },
  peft: true,
});

/** In the order the results list them: fewest stored bytes first, full fine-tuning last. */
export function benchMethods(embeddingLayer: string): BenchMethod[] {
  return [
    { name: 'linear', fields: { strategy: 'linear', layer: embeddingLayer }, peft: false },
    {
      name: 'bitfit',
      fields: { strategy: 'finetune', peft: 'bitfit', lr: FINETUNE_LR },
      peft: true,
    },
    {
      name: 'adapter',
      fields: { strategy: 'finetune', peft: 'adapter', lr: FINETUNE_LR },
      peft: true,
    },
    lora(4),
    lora(8),
    lora(16),
    { name: 'full', fields: { strategy: 'finetune', lr: FINETUNE_LR }, peft: false },
  ];
}

/** `--lr bitfit=3e-3,lora-r8=2e-3`: per-method lr overrides, checked against the methods. */
export function applyLrOverrides(methods: BenchMethod[], text: string | undefined): BenchMethod[] {
  if (!text) return methods;
  const overrides = new Map<string, number>();
  for (const part of text.split(',')) {
    const [name, value] = part.split('=') as [string, string | undefined];
    const lr = Number(value);
    if (!methods.some((m) => m.name === name) || !(lr > 0))
      throw new Error(
        `--lr: '${part}' is not <method>=<positive lr> (methods: ${methods.map((m) => m.name).join(', ')})`,
      );
    overrides.set(name, lr);
  }
  return methods.map((m) =>
    overrides.has(m.name) ? { ...m, fields: { ...m.fields, lr: overrides.get(m.name) } } : m,
  );
}
