// The options segment eval and predict share: the bundle, and how it segments images (the
// bundle's inference mode unless overridden, the window overlap, windows per pass).
import { z } from 'zod';
import { opt } from '../../config/options.js';
import type { InferenceOptions } from '../../methods/segmentation/bundle-segmenter.js';
import { bundledOverrideFields } from '../../methods/segmentation/config.js';
import { bundleFields } from './bundle-fields.js';

export const segmenterRunFields = {
  ...bundleFields('segmenter'),
  inference: bundledOverrideFields.inference,
  overlap: opt(
    z.number().min(0).lt(1).optional(),
    'sliding-window overlap, a fraction of the window (default: 1/3)',
    { arg: 'fraction' },
  ),
  batch: opt(z.number().int().positive().default(8), 'windows per forward pass'),
};

export function inferenceOptions(config: {
  inference?: InferenceOptions['mode'];
  overlap?: number;
  batch: number;
}): InferenceOptions {
  return { mode: config.inference, overlap: config.overlap, batch: config.batch };
}
