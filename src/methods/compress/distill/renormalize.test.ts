// Feeding the teacher the student's batch: the same pixels in the teacher's normalization, checked
// against normalizing the pixels directly, at the same size and resized.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../util/rng.js';
import { renormalize } from './renormalize.js';

await tf.setBackend('cpu');

const rng = new Rng(5);
const pixels = tf.tensor4d(
  Array.from({ length: 2 * 8 * 8 * 3 }, () => rng.next()),
  [2, 8, 8, 3],
);
type Rgb = [number, number, number];
const student = { inputSize: 8, mean: [0.5, 0.5, 0.5] as Rgb, std: [0.5, 0.5, 0.5] as Rgb };
const teacher = {
  inputSize: 8,
  mean: [0.485, 0.456, 0.406] as Rgb,
  std: [0.229, 0.224, 0.225] as Rgb,
};
const normalize = (p: tf.Tensor4D, n: { mean: Rgb; std: Rgb }) =>
  tf.div(tf.sub(p, tf.tensor1d([...n.mean])), tf.tensor1d([...n.std])) as tf.Tensor4D;

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
}

test('renormalize maps one mean/std onto another exactly', () => {
  const got = renormalize(normalize(pixels, student), student, teacher);
  assert.ok(maxDiff(got, normalize(pixels, teacher)) < 1e-5);
});

test('renormalize resizes to the teacher input size', () => {
  const big = { ...teacher, inputSize: 16 };
  const got = renormalize(normalize(pixels, student), student, big);
  assert.deepEqual(got.shape, [2, 16, 16, 3]);
  const want = tf.image.resizeBilinear(normalize(pixels, teacher), [16, 16]);
  assert.ok(maxDiff(got, want) < 1e-5);
});

test('renormalize with identical settings returns a copy the caller may dispose', () => {
  const x = normalize(pixels, student);
  const got = renormalize(x, student, student);
  assert.notEqual(got, x);
  assert.equal(maxDiff(got, x), 0);
});
