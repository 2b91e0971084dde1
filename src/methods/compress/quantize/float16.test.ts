// The float16 encoder against known IEEE bit patterns and against TF.js's own decoder.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { encodeFloat16, fromFloat16Bits, toFloat16Bits } from './float16.js';

await tf.setBackend('cpu');

test('known bit patterns', () => {
  const cases: [number, number][] = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff], // largest finite half
    [65519.99, 0x7bff], // just under the halfway point to 2^16 still rounds down
    [65520, 0x7c00], // halfway to 2^16 rounds to even = Inf
    [1e6, 0x7c00],
    [-1e6, 0xfc00],
    [Number.POSITIVE_INFINITY, 0x7c00],
    [Number.NEGATIVE_INFINITY, 0xfc00],
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // halfway to the smallest subnormal: ties to even (0)
    [1.5 * 2 ** -25, 0x0001],
    [3 * 2 ** -25, 0x0002], // 1.5 subnormal units: tie, rounds to even (2)
    [1023 * 2 ** -24, 0x03ff], // largest subnormal
    [2 ** -14 - 2 ** -25, 0x0400], // tie between the largest subnormal and 2^-14: to even
    [1e-10, 0x0000],
    [1 + 2 ** -11, 0x3c00], // tie between 1 and 1+2^-10: to even (1)
    [1 + 3 * 2 ** -11, 0x3c02], // tie between 1+2^-10 and 1+2^-9: to even (1+2^-9)
    [1 + 2 ** -11 + 2 ** -20, 0x3c01], // just above the tie rounds up
    [0.1, 0x2e66],
  ];
  for (const [value, bits] of cases) {
    assert.equal(toFloat16Bits(value), bits, `${value} -> 0x${bits.toString(16)}`);
  }
});

test('NaN stays NaN, quiet, with its sign', () => {
  for (const h of [toFloat16Bits(Number.NaN), ...encodeFloat16(new Float32Array([Number.NaN]))]) {
    assert.equal(h & 0x7c00, 0x7c00);
    assert.notEqual(h & 0x3ff, 0);
  }
  const negNaN = new Float32Array(new Uint32Array([0xffc00001]).buffer);
  assert.equal(encodeFloat16(negNaN)[0]! & 0x8000, 0x8000);
  assert.ok(Number.isNaN(fromFloat16Bits(0x7e00)));
});

test('our decoder agrees with every half pattern decoded by TF.js', () => {
  const all = Uint16Array.from({ length: 0x10000 }, (_, i) => i);
  const spec: tf.io.WeightsManifestEntry = {
    name: 'w',
    shape: [all.length],
    dtype: 'float32',
    quantization: { dtype: 'float16' },
  };
  const theirs = tf.io.decodeWeights(all.buffer, [spec]).w!.dataSync();
  for (let h = 0; h < all.length; h++) {
    const ours = fromFloat16Bits(h);
    if (Number.isNaN(ours)) assert.ok(Number.isNaN(theirs[h]!), `0x${h.toString(16)}`);
    else assert.equal(theirs[h], ours, `0x${h.toString(16)}`);
    // Every finite half is exactly representable, so encoding it gives back its own pattern.
    if (!Number.isNaN(ours)) assert.equal(toFloat16Bits(ours), h);
  }
});

test('random values round-trip through TF.js within half an ULP', () => {
  // A fixed LCG so the test is deterministic; magnitudes span subnormal to near-max halves.
  let state = 12345;
  const rand = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const values = Float32Array.from({ length: 20000 }, () => {
    const sign = rand() < 0.5 ? -1 : 1;
    return sign * 2 ** (rand() * 40 - 25) * (1 + rand());
  });
  const encoded = encodeFloat16(values);
  const spec: tf.io.WeightsManifestEntry = {
    name: 'w',
    shape: [values.length],
    dtype: 'float32',
    quantization: { dtype: 'float16' },
  };
  const decoded = tf.io.decodeWeights(encoded.buffer as ArrayBuffer, [spec]).w!.dataSync();
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    const ax = Math.abs(x);
    if (ax >= 65520) {
      assert.equal(decoded[i], Math.sign(x) * Number.POSITIVE_INFINITY);
      continue;
    }
    // ULP of a half near x: 2^(e - 10) for normals, 2^-24 (fixed) for subnormals.
    const ulp = ax < 2 ** -14 ? 2 ** -24 : 2 ** (Math.floor(Math.log2(ax)) - 10);
    assert.ok(
      Math.abs(decoded[i]! - x) <= ulp / 2,
      `${x} -> ${decoded[i]} (error ${Math.abs(decoded[i]! - x)}, half-ULP ${ulp / 2})`,
    );
  }
});
