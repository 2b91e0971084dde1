// The training settings every compression method shares (distillation trains a student, pruning
// fine-tunes the pruned network): data, budget, optimizer and outputs. Each method's schema
// spreads this block, built from its own defaults; precedence is the same as `train` (defaults <
// config file < flags < call).
import { z } from 'zod';
import { opt } from '../../config/options.js';
import { outFields, resumeField, seedField, skipBadField } from '../../config/run-fields.js';

/** What differs between the methods: their budget, step size and output folder. */
export interface FineTuneDefaults {
  epochs: number;
  lr: number;
  out: string;
}

export function fineTuneFields(defaults: FineTuneDefaults) {
  return {
    /** Labelled images: image folder, manifest, or a built-in dataset. */
    data: opt(
      z.string().min(1),
      'labelled images: image folder, manifest, or mnist / fashion-mnist',
      { arg: 'source' },
    ),
    epochs: opt(z.number().int().positive().default(defaults.epochs), 'epochs'),
    batch: opt(z.number().int().positive().default(32), 'labelled images per step'),
    /** AdamW peak lr, cosine schedule with one epoch of warm-up. */
    lr: opt(z.number().positive().default(defaults.lr), 'AdamW peak lr, cosine schedule'),
    weightDecay: opt(z.number().nonnegative().default(1e-4), 'weight decay'),
    clipNorm: opt(z.number().positive().optional(), 'clip gradients to this global norm'),
    /** As in `train`: 'light' keeps 60–100% of the image and flips, 'none' uses eval preprocessing. */
    augment: opt(z.enum(['none', 'light', 'standard']).default('light'), 'training augmentation', {
      arg: 'kind',
    }),
    /** Fraction of the training images held out for validation when the data has no val split. */
    val: opt(z.number().min(0).max(0.9).default(0.2), 'validation fraction', { arg: 'fraction' }),
    /** Use only K labelled training images per class (seeded). */
    labelsPerClass: opt(
      z.number().int().positive().optional(),
      'use K labelled training images per class',
      { arg: 'k' },
    ),
    /** Evaluate on at most N test images per class (seeded). */
    testPerClass: opt(
      z.number().int().positive().optional(),
      'evaluate on at most N test images per class',
    ),
    ...outFields(defaults.out),
    resume: resumeField,
    seed: seedField,
    skipBad: skipBadField,
  };
}

export type FineTuneSettings = z.infer<z.ZodObject<ReturnType<typeof fineTuneFields>>>;
