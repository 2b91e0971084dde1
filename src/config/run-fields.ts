// The fields every run configuration shares, declared once: where it writes, whether it resumes,
// its seed, and what it does with bad images.
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

/**
 * Moving-average momentum of BatchNorm layers that train. Keras MobileNetV2/InceptionV3 ship
 * 0.999, which barely moves in a short run, so evaluation would use statistics the network
 * never trained with; 0.9 is PyTorch's default (0.1 there).
 */
export const bnMomentumField = opt(
  z.number().min(0).max(1).default(0.9),
  'moving-average momentum of BatchNorms that train (Keras convention)',
);
