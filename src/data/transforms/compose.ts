// Builds a Transform from image ops plus normalization. Each op draws from its own fork of the
// sample's rng, so adding or removing one op leaves the others' randomness unchanged.
import type { Rng } from '../../util/rng.js';
import type { DecodedImage, DecodeHint } from '../types.js';
import { type NormalizeParams, normalizeInto, normalizeTable } from './normalize.js';
import type { ImageOp, Transform } from './types.js';

export interface ComposeOptions extends NormalizeParams {
  size: number;
  decodeHint?: DecodeHint;
}

/** Runs the ops only (no normalization): handy for previews and tests. */
export function applyOps(ops: readonly ImageOp[], img: DecodedImage, rng: Rng): DecodedImage {
  let out = img;
  ops.forEach((op, i) => {
    out = op.apply(out, rng.fork(i));
  });
  return out;
}

export function compose(ops: readonly ImageOp[], options: ComposeOptions): Transform {
  const lut = normalizeTable(options);
  const { size } = options;
  return {
    size,
    decodeHint: options.decodeHint,
    apply(img, rng, out, offset = 0) {
      const result = applyOps(ops, img, rng);
      if (result.width !== size || result.height !== size) {
        const names = ops.map((o) => o.name).join(' -> ');
        throw new Error(
          `transform produced ${result.width}x${result.height}, expected ${size}x${size} (${names})`,
        );
      }
      const target = out ?? new Float32Array(size * size * 3);
      normalizeInto(result, lut, target, offset);
      return target;
    },
  };
}
