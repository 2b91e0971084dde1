// The fields every run configuration shares, declared once: where it writes, whether it resumes,
// its seed, and what it does with bad images; and how commands that read images read them.
import { z } from 'zod';
import { opt } from './options.js';

export const outField = (defaultDir: string) =>
  opt(z.string().default(defaultDir), 'output folder', { arg: 'dir' });

export const resumeField = opt(
  z.boolean().default(false),
  'continue from the last complete checkpoint in --out',
);

export const seedField = opt(z.number().int().nonnegative().default(0), 'random seed', {
  arg: 'n',
});

export const skipBadField = opt(
  z.boolean().default(false),
  'skip bad images (counted and named) instead of failing',
);

// The fields of commands that read labelled images through a model (compare, quantize's check,
// few-shot fit/add): batch size, image checks, and which split to score.

export const batchSizeField = opt(z.number().int().positive().default(32), 'images per batch', {
  arg: 'n',
});

export const verifyField = opt(
  z.enum(['none', 'header', 'full']).default('header'),
  'check images before starting: header (fast) or full decode',
  { arg: 'level' },
);

/** Unset: the test split, else val, else all images. */
export const scoreSplitField = opt(
  z.enum(['all', 'train', 'val', 'test']).optional(),
  'split to score on (default: test, else val, else all)',
  { arg: 'name' },
);
