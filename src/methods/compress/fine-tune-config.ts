// The training settings every compression method shares (distillation trains a student, pruning
// fine-tunes the pruned network): data, budget, optimizer and outputs. Each method's schema
// extends this one; precedence is the same as `train` (defaults < config file < flags < call).
import { z } from 'zod';

export const fineTuneFields = {
  /** Labelled images: image folder, manifest, or a built-in dataset. */
  data: z.string().min(1),
  epochs: z.number().int().positive().default(10),
  batch: z.number().int().positive().default(32),
  /** AdamW peak lr, cosine schedule with one epoch of warm-up. */
  lr: z.number().positive().default(1e-3),
  weightDecay: z.number().nonnegative().default(1e-4),
  clipNorm: z.number().positive().optional(),
  /** As in `train`: 'light' keeps 60–100% of the image and flips, 'none' uses eval preprocessing. */
  augment: z.enum(['none', 'light', 'standard']).default('light'),
  /** Fraction of the training images held out for validation when the data has no val split. */
  val: z.number().min(0).max(0.9).default(0.2),
  /** Use only K labelled training images per class (seeded). */
  labelsPerClass: z.number().int().positive().optional(),
  /** Evaluate on at most N test images per class (seeded). */
  testPerClass: z.number().int().positive().optional(),
  out: z.string(),
  resume: z.boolean().default(false),
  seed: z.number().int().nonnegative().default(0),
  skipBad: z.boolean().default(false),
};

export const fineTuneSchema = z.object(fineTuneFields);
export type FineTuneSettings = z.infer<typeof fineTuneSchema>;
