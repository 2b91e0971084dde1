// What visiontune.json says about a delta bundle (one that stores only the weights a parameter-
// efficient run changed): the base it applies to — enough to build that base again, and the
// SHA-256 of its weights to know it is the same — and the names of the weights stored. Platform-
// free, as meta.ts that includes it.
import { z } from 'zod';
import { MAX_INPUT_SIZE } from '../../backbones/input-size.js';

/** More weights than any network here has (mobilenet_v2: 262, a ViT-L: ~400). */
const MAX_DELTA_WEIGHTS = 1_000_000;

/** How to build the base again: createModel's choices that decide the base's weight values. */
export const deltaBaseSpecSchema = z.object({
  /** A registry name, or the absolute path of a TF.js layers model. */
  backbone: z.string().min(1).max(10_000),
  pretrained: z.boolean(),
  /** Random-init seed (bodies without pretrained weights). */
  seed: z.number().int().optional(),
  /** Model paths: the layer that ends the body. */
  cut: z.string().max(10_000).optional(),
  inputSize: z.number().int().positive().max(MAX_INPUT_SIZE),
});

export const deltaMetaSchema = z.object({
  base: deltaBaseSpecSchema.extend({
    /** SHA-256 over the base's weights, sorted by name: name, dtype, shape and bytes of each. */
    weightsSha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits'),
  }),
  /** The weights stored in the bundle's model.json; every other one comes from the base. */
  weights: z.array(z.string().min(1)).max(MAX_DELTA_WEIGHTS),
});

export type DeltaBaseSpec = z.infer<typeof deltaBaseSpecSchema>;
export type DeltaMeta = z.infer<typeof deltaMetaSchema>;

/** The base in words, for messages: 'resnet_tiny (random init, seed 0) at 32 px'. */
export function describeBase(base: DeltaBaseSpec): string {
  const weights = base.pretrained
    ? 'pretrained'
    : `random init${base.seed === undefined ? '' : `, seed ${base.seed}`}`;
  const cut = base.cut === undefined ? '' : `, cut at ${base.cut}`;
  return `${base.backbone} (${weights}${cut}) at ${base.inputSize} px`;
}
