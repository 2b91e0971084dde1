// The options detect eval and predict share: the bundle, the batch, and the decode settings as
// overrides of the bundle's; and those overrides as runDetector takes them.
import { z } from 'zod';
import { opt } from '../../config/options.js';
import { decodeOverrideFields } from '../../methods/detection/config.js';
import type { DecodeSettings } from '../../methods/detection/detect-samples.js';
import { mergeLayers } from '../../util/merge-layers.js';
import { bundleFields } from './bundle-fields.js';

export const detectorRunFields = {
  ...bundleFields('detector'),
  batch: opt(z.number().int().positive().default(8), 'images per batch'),
  ...decodeOverrideFields,
};

/** The decode settings given (a setting not given keeps the bundle's). */
export function decodeOverrides(config: Partial<DecodeSettings>): Partial<DecodeSettings> {
  const { scoreThreshold, nmsIou, maxDetections } = config;
  return mergeLayers({ scoreThreshold, nmsIou, maxDetections });
}
