// What visiontune agrees to read: one process-wide input policy, set once from the command line
// (or by a library user, or a server at start-up) and consulted by every loader and decoder.
// Defaults are safe for data and bundles from someone else; each limit has one flag.
import { z } from 'zod';
import { opt } from '../config/options.js';

/** sharp's own default for limitInputPixels (0x3FFF²): a 16383×16383 image. */
export const DEFAULT_MAX_PIXELS = 0x3fff * 0x3fff;
const MiB = 1024 * 1024;

export const inputPolicySchema = z.object({
  allowOutsideRoot: opt(
    z.boolean().default(false),
    'read files that a manifest, annotation file or data.yaml names outside its own folder',
  ),
  allowSvg: opt(
    z.boolean().default(false),
    'accept SVG images (rendered without loading anything they reference)',
  ),
  maxPixels: opt(
    z.number().int().positive().default(DEFAULT_MAX_PIXELS),
    'largest image to decode, in pixels (width × height)',
    { arg: 'n' },
  ),
  maxDocumentMb: opt(
    // COCO's largest official file (instances_train2017.json) is 448 MiB.
    z.number().positive().default(512),
    'largest annotation, manifest or metadata file (JSON, XML, YAML, CSV) to parse, in MiB',
    { arg: 'mb' },
  ),
  maxModelMb: opt(
    z.number().positive().default(4096),
    'largest model file (weights, ONNX) to read, in MiB',
    { arg: 'mb' },
  ),
  maxImageMb: opt(z.number().positive().default(256), 'largest image file to read, in MiB', {
    arg: 'mb',
  }),
  readTimeout: opt(
    z.number().positive().default(60),
    'seconds a single file read may block before it is given up',
    { arg: 'seconds' },
  ),
});
export type InputPolicy = z.output<typeof inputPolicySchema>;
export type InputPolicyOptions = z.input<typeof inputPolicySchema>;

let current: InputPolicy = inputPolicySchema.parse({});

/** The policy in force. */
export function inputPolicy(): Readonly<InputPolicy> {
  return current;
}

/** Replaces the policy: unset fields take their defaults. Returns the policy in force before. */
export function setInputPolicy(options: InputPolicyOptions = {}): InputPolicy {
  const before = current;
  current = inputPolicySchema.parse(options);
  return before;
}

/** Byte limits of the policy, by kind of file. */
export type InputKind = 'document' | 'model' | 'image';

export function byteLimit(kind: InputKind, policy: InputPolicy = current): number {
  const mb =
    kind === 'document'
      ? policy.maxDocumentMb
      : kind === 'model'
        ? policy.maxModelMb
        : policy.maxImageMb;
  return Math.floor(mb * MiB);
}

/** The flag that raises a kind's limit, for messages. */
export const LIMIT_FLAG: Record<InputKind, string> = {
  document: '--max-document-mb',
  model: '--max-model-mb',
  image: '--max-image-mb',
};
