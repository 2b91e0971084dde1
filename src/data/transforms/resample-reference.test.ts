// resample() against a direct float64 evaluation of its definition on random images: each output
// pixel is the normalized 2D sum, over every source pixel, of kernel((x − cx) / s) ·
// kernel((y − cy) / s), where (cx, cy) is the output pixel's center in the source and s =
// max(1, scale) widens the filter when shrinking (antialiasing, as PIL and torchvision with
// antialias=True). No tap tables, no separable passes: an independent check of resample.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../util/rng.js';
import type { DecodedImage } from '../types.js';
import { type Box, resample } from './resample.js';

const KERNELS = {
  bilinear: { support: 1, f: (x: number) => Math.max(0, 1 - Math.abs(x)) },
  bicubic: {
    support: 2,
    f: (x: number) => {
      const a = Math.abs(x);
      if (a < 1) return 1.5 * a ** 3 - 2.5 * a ** 2 + 1;
      if (a < 2) return -0.5 * a ** 3 + 2.5 * a ** 2 - 4 * a + 2;
      return 0;
    },
  },
};

/** Normalized weights of every source index along one axis for output index i. */
function axisWeights(
  n: number,
  offset: number,
  length: number,
  out: number,
  i: number,
  k: keyof typeof KERNELS,
) {
  const scale = length / out;
  const widen = Math.max(1, scale);
  const center = offset + (i + 0.5) * scale - 0.5;
  const w = Array.from({ length: n }, (_, j) => {
    const x = (j - center) / widen;
    return Math.abs(x) < KERNELS[k].support ? KERNELS[k].f(x) : 0;
  });
  const sum = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / sum);
}

function reference(img: DecodedImage, box: Box, ow: number, oh: number, k: keyof typeof KERNELS) {
  const out = new Float64Array(ow * oh * 3);
  const wx = Array.from({ length: ow }, (_, i) =>
    axisWeights(img.width, box.x, box.width, ow, i, k),
  );
  const wy = Array.from({ length: oh }, (_, i) =>
    axisWeights(img.height, box.y, box.height, oh, i, k),
  );
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++)
      for (let y = 0; y < img.height; y++) {
        const a = wy[oy]![y]!;
        if (a === 0) continue;
        for (let x = 0; x < img.width; x++) {
          const w = a * wx[ox]![x]!;
          if (w === 0) continue;
          for (let c = 0; c < 3; c++)
            out[(oy * ow + ox) * 3 + c] += w * img.data[(y * img.width + x) * 3 + c]!;
        }
      }
  return out.map((v) => Math.min(255, Math.max(0, Math.round(v))));
}

function randomImage(rng: Rng, width: number, height: number): DecodedImage {
  const data = Uint8Array.from({ length: width * height * 3 }, () => rng.int(256));
  return { data, width, height };
}

test('resample equals the float64 definition on random images, shrinking and enlarging', () => {
  const rng = new Rng(42);
  let exact = 0;
  let total = 0;
  for (let trial = 0; trial < 24; trial++) {
    const img = randomImage(rng, 8 + rng.int(40), 8 + rng.int(40));
    const k = trial % 2 === 0 ? 'bilinear' : 'bicubic';
    // Whole images and sub-pixel boxes; output sizes from 1/7 to 2x of the box.
    const whole = trial % 3 === 0;
    const x = whole ? 0 : rng.uniform(0, img.width / 3);
    const y = whole ? 0 : rng.uniform(0, img.height / 3);
    const box = {
      x,
      y,
      width: whole ? img.width : rng.uniform(2, img.width - x),
      height: whole ? img.height : rng.uniform(2, img.height - y),
    };
    const ow = Math.max(1, Math.round(box.width * rng.uniform(1 / 7, 2)));
    const oh = Math.max(1, Math.round(box.height * rng.uniform(1 / 7, 2)));
    const got = resample(img, box, ow, oh, k).data;
    const want = reference(img, box, ow, oh, k);
    for (let i = 0; i < got.length; i++) {
      // Float64 sums in another order may round a value at exactly .5 the other way.
      assert.ok(
        Math.abs(got[i]! - want[i]!) <= 1,
        `trial ${trial} (${k}) value ${i}: ${got[i]} vs ${want[i]}`,
      );
      if (got[i] === want[i]) exact++;
      total++;
    }
  }
  assert.ok(exact / total > 0.999, `${total - exact} of ${total} values off by one`);
});

test('shrinking antialiases: 1-pixel stripes become their mean, not an alias of them', () => {
  const width = 256;
  const data = new Uint8Array(width * 8 * 3);
  for (let i = 0; i < width * 8; i++) data.fill(i % 2 === 0 ? 0 : 255, i * 3, i * 3 + 3);
  const out = resample(
    { data, width, height: 8 },
    { x: 0, y: 0, width, height: 8 },
    30,
    1,
    'bilinear',
  );
  for (const v of out.data) assert.ok(Math.abs(v - 127.5) <= 6, `stripe mean ${v}`);
});
