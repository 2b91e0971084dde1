// A classification or embedding bundle's input, from a decoded image: visiontune.json's eval
// preprocessing (resize the shorter side, center crop, normalize) in pure TS. Node's predict, eval
// and few-shot paths and the browser entry all call this, so the model sees the same floats from
// the same pixels everywhere (the decoder only decodes; it never resizes).
import { evalTransform } from '../data/transforms/presets.js';
import type { Transform } from '../data/transforms/types.js';
import type { DecodedImage } from '../data/types.js';
import { Rng } from '../util/rng.js';
import type { Preprocessing } from './meta.js';

/** The bundle's eval transform (deterministic: the rng it is given is never drawn from). */
export function bundleTransform(p: Preprocessing): Transform {
  return evalTransform(p, { size: p.inputSize, cropPct: p.cropPct });
}

/** Normalized HWC floats of `images`, one after another: an NHWC batch of inputSize squares. */
export function preprocessImages(p: Preprocessing, images: readonly DecodedImage[]): Float32Array {
  const transform = bundleTransform(p);
  const per = transform.size * transform.size * 3;
  const out = new Float32Array(images.length * per);
  const rng = new Rng(0);
  images.forEach((img, i) => {
    transform.apply(img, rng, out, i * per);
  });
  return out;
}
