// The transform contract: image ops map a uint8 RGB image to another (seeded), and a Transform
// is a finished pipeline that ends in normalized float32 HWC of a fixed square size.
import type { Rng } from '../../util/rng.js';
import type { DecodedImage, DecodeHint } from '../types.js';

export interface ImageOp {
  readonly name: string;
  /** Pure given (img, rng): the same rng stream gives the same output. May return `img` itself. */
  apply(img: DecodedImage, rng: Rng): DecodedImage;
}

export interface Transform {
  /** Output side length: `apply` writes size * size * 3 floats. */
  readonly size: number;
  /** Resize the decoder may do up front (saves decoding huge arrays); the ops stay correct without it. */
  readonly decodeHint?: DecodeHint;
  /** Runs the ops and normalizes into `out` at `offset` (allocated when omitted); returns `out`. */
  apply(img: DecodedImage, rng: Rng, out?: Float32Array, offset?: number): Float32Array;
}

export function makeImage(width: number, height: number): DecodedImage {
  return { data: new Uint8Array(width * height * 3), width, height };
}
