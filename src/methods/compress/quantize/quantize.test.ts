// quantizeBundle end to end on a tiny conv + BN + dense bundle: the reloaded model against the
// float one (a bound from the quantization step), the stored codes against an independent
// float64 dequantization, sizes, exact zeros, the recorded step, and bad input.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { loadBundle, readBundleMeta } from '../../../bundle/bundle.js';
import { VisiontuneError } from '../../../errors.js';
import { compareAccuracy } from './accuracy.js';
import { fromFloat16Bits } from './float16.js';
import { quantizeBundle } from './quantize.js';
import { randomImageSource, saveTinyBundle, tinyMeta } from './test-bundle.js';
import { type QuantizeDtype, quantizeWeights } from './weights.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

let work: string;
let floatDir: string;
let floatModel: tf.LayersModel;
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-quantize-'));
  floatDir = path.join(work, 'float');
  floatModel = await saveTinyBundle(floatDir);
});
after(() => fs.rm(work, { recursive: true, force: true }));

const floatWeights = (): Map<string, Float32Array> =>
  new Map(floatModel.weights.map((w) => [w.originalName, w.read().dataSync() as Float32Array]));

/** Every stored tensor of a bundle, decoded here from model.json + the .bin, not by TF.js. */
async function storedWeights(dir: string) {
  const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
  const [group] = json.weightsManifest as tf.io.WeightsManifestConfig;
  const bin = await fs.readFile(path.join(dir, group!.paths[0]!));
  const out = new Map<string, { spec: tf.io.WeightsManifestEntry; values: Float64Array }>();
  let offset = 0;
  for (const spec of group!.weights) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const q = spec.quantization;
    const width = q ? (q.dtype === 'uint8' ? 1 : 2) : 4;
    const view = new DataView(bin.buffer, bin.byteOffset + offset, n * width);
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (!q) values[i] = view.getFloat32(i * 4, true);
      else if (q.dtype === 'float16') values[i] = fromFloat16Bits(view.getUint16(i * 2, true));
      else {
        const code = q.dtype === 'uint8' ? view.getUint8(i) : view.getUint16(i * 2, true);
        // What the manifest promises, in float64, then rounded once to the float32 tensor.
        values[i] = Math.fround(code * q.scale! + q.min!);
      }
    }
    out.set(spec.name, { spec, values });
    offset += n * width;
  }
  assert.equal(offset, bin.byteLength, 'the manifest covers the whole weights file');
  return out;
}

async function folderBytes(dir: string): Promise<number> {
  const files = await fs.readdir(dir);
  const sizes = await Promise.all(files.map(async (f) => (await fs.stat(path.join(dir, f))).size));
  return sizes.reduce((a, b) => a + b, 0);
}

/** The largest error quantizing `values` may make: half an affine step, or half a float16 ULP. */
function halfStep(spec: tf.io.WeightsManifestEntry, values: Float32Array): number {
  const q = spec.quantization;
  if (!q) return 0;
  if (q.dtype !== 'float16') return q.scale! / 2;
  const top = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return 2 ** (Math.max(Math.floor(Math.log2(top)), -14) - 11);
}

const DTYPES: [QuantizeDtype, number][] = [
  ['uint8', 1],
  ['uint16', 2],
  ['float16', 2],
];

for (const [dtype, width] of DTYPES) {
  test(`${dtype}: stored codes decode within half a step, zeros stay zero, sizes shrink`, async () => {
    const dir = path.join(work, `${dtype}-kernels`);
    const report = await quantizeBundle(floatDir, dir, { dtype, rounding: 'nearest' });
    const loaded = await loadBundle(dir);
    const stored = await storedWeights(dir);
    const original = floatWeights();
    const live = new Map(loaded.model.weights.map((w) => [w.originalName, w.read().dataSync()]));

    // Default scope: the rank ≥ 2 kernels are quantized, BN and bias vectors stay float32.
    const quantizedNames = [...stored.values()].filter((s) => s.spec.quantization);
    assert.deepEqual(quantizedNames.map((s) => s.spec.name).sort(), ['conv/kernel', 'head/kernel']);
    assert.equal(report.tensors.quantized, 2);
    assert.equal(report.tensors.kept, 6);

    for (const [name, { spec, values }] of stored) {
      const w = original.get(name)!;
      const bound = halfStep(spec, w);
      let worst = 0;
      for (let i = 0; i < w.length; i++) {
        assert.equal(live.get(name)![i], values[i], `${name}[${i}]: TF.js decodes what we decode`);
        const error = Math.abs(values[i]! - w[i]!);
        worst = Math.max(worst, error);
        // Half a step, plus half a float32 ULP: the decoded value is rounded to float32 once.
        const limit = bound + 2 ** -24 * (Math.abs(w[i]!) + bound);
        assert.ok(error <= limit, `${name}[${i}]: error ${error} > half step ${bound}`);
        if (w[i] === 0) assert.ok(Object.is(values[i], 0), `${name}[${i}] was pruned, stays +0`);
      }
      const reported = report.perTensor.find((t) => t.name === name);
      if (spec.quantization) assert.ok(Math.abs(reported!.maxAbsError - worst) < 1e-9, name);
      else assert.equal(worst, 0, `${name} is kept exactly`);
      const q = spec.quantization;
      if (q?.dtype === 'uint8' || q?.dtype === 'uint16') {
        const zero = -q.min! / q.scale!;
        assert.ok(q.min! > 0 || Math.abs(zero - Math.round(zero)) < 1e-6, `${name}: 0 is a code`);
      }
    }
    assert.equal(
      stored.get('conv/kernel')!.values.slice(0, 20).join(),
      new Array(20).fill(0).join(),
    );

    // Size: kernels shrink to `width` bytes a value, every other tensor keeps its 4.
    let expected = 0;
    let floatBytes = 0;
    for (const [name, w] of original) {
      floatBytes += w.length * 4;
      expected += w.length * (stored.get(name)!.spec.quantization ? width : 4);
    }
    assert.deepEqual(report.weightBytes, { before: floatBytes, after: expected });
    assert.deepEqual(report.bundleBytes, {
      before: await folderBytes(floatDir),
      after: await folderBytes(dir),
    });
    loaded.model.dispose();
  });

  test(`${dtype}: predictions stay within the bound the quantization step allows`, async () => {
    const dir = path.join(work, `${dtype}-kernels`);
    await quantizeBundle(floatDir, dir, { dtype, rounding: 'nearest' });
    const loaded = await loadBundle(dir);
    const stored = await storedWeights(dir);
    const w = floatWeights();
    const x = tf.randomNormal([5, 8, 8, 3], 0, 1, 'float32', 11);
    const features = tf.model({
      inputs: floatModel.inputs,
      outputs: floatModel.getLayer('pool').output as tf.SymbolicTensor,
    });
    const h = (features.predict(x) as tf.Tensor).arraySync() as number[][];
    const a = (floatModel.predict(x) as tf.Tensor).arraySync() as number[][];
    const b = (loaded.model.predict(x) as tf.Tensor).arraySync() as number[][];
    // Mean over positions of Σ|x| over each 3x3x3 window: how much a kernel error can move a
    // pooled conv output per unit of error.
    const window = tf
      .conv2d(tf.abs(x) as tf.Tensor4D, tf.ones([3, 3, 3, 1]) as tf.Tensor4D, 1, 'same')
      .mean([1, 2, 3])
      .arraySync() as number[];
    const eConv = halfStep(stored.get('conv/kernel')!.spec, w.get('conv/kernel')!);
    const eHead = halfStep(stored.get('head/kernel')!.spec, w.get('head/kernel')!);
    const gamma = w.get('bn/gamma')!;
    const variance = w.get('bn/moving_variance')!;
    const gain = Array.from(gamma, (g, j) => Math.abs(g) / Math.sqrt(variance[j]! + 1e-3));
    const headQ = stored.get('head/kernel')!.values; // [6, 3] row-major
    let moved = 0;
    for (let n = 0; n < a.length; n++) {
      for (let k = 0; k < 3; k++) {
        // logits' - logits = W'·(h' - h) + (W' - W)·h, and the network is linear up to W.
        let bound = 0;
        for (let j = 0; j < 6; j++) {
          bound += Math.abs(headQ[j * 3 + k]!) * gain[j]! * eConv * window[n]!;
          bound += eHead * Math.abs(h[n]![j]!);
        }
        const diff = Math.abs(b[n]![k]! - a[n]![k]!);
        moved = Math.max(moved, diff);
        assert.ok(diff <= bound * 1.001 + 1e-5, `[${n},${k}] moved ${diff} > bound ${bound}`);
      }
    }
    assert.ok(moved > 0, 'quantization changed the logits at all');
    loaded.model.dispose();
    tf.dispose([x]);
  });
}

test('scope all: every float tensor is stored at 1/4 or 1/2 the size', async () => {
  for (const [dtype, width] of DTYPES) {
    const report = await quantizeBundle(floatDir, path.join(work, `${dtype}-all`), {
      dtype,
      scope: 'all',
      rounding: 'nearest',
    });
    assert.equal(report.tensors.kept, 0);
    assert.equal(report.weightBytes.after * 4, report.weightBytes.before * width, dtype);
  }
  const stored = await storedWeights(path.join(work, 'uint8-all'));
  const variance = floatWeights().get('bn/moving_variance')!;
  const { spec, values } = stored.get('bn/moving_variance')!;
  // All variances are positive: the range need not reach 0, so it is not stretched to.
  assert.equal(spec.quantization!.min, Math.min(...variance));
  const limit = spec.quantization!.scale! / 2;
  for (let i = 0; i < values.length; i++) {
    assert.ok(Math.abs(values[i]! - variance[i]!) <= limit * (1 + 1e-6) + 2 ** -24 * 4);
  }
});

test('the new bundle keeps the old metadata and records the step', async () => {
  const once = path.join(work, 'meta-1');
  const twice = path.join(work, 'meta-2');
  const first = await quantizeBundle(floatDir, once, { dtype: 'uint16' });
  await quantizeBundle(once, twice, { dtype: 'uint8', scope: 'all' });
  const meta = await readBundleMeta(twice);
  assert.deepEqual(meta.labels, tinyMeta.labels);
  assert.deepEqual(meta.preprocessing, tinyMeta.preprocessing);
  assert.deepEqual(meta.training, tinyMeta.training);
  assert.deepEqual(
    meta.compression?.map((s) => [s.kind, s.from, s.details.dtype, s.details.scope]),
    [
      ['quantize', floatDir, 'uint16', 'kernels'],
      ['quantize', once, 'uint8', 'all'],
    ],
  );
  assert.deepEqual(meta.compression![0]!.details.tensors, { quantized: 2, kept: 6 });
  assert.equal(meta.compression![0]!.details.maxAbsError, first.maxAbsError.max);
  assert.deepEqual(first.meta, await readBundleMeta(once));
  // Nothing but the bundle itself beside it: the save was staged and renamed.
  assert.ok((await fs.readdir(work)).every((f) => !f.includes('.saving-')));
});

test('a run folder is quantized from its bundle/, which --out may not name', async () => {
  const run = path.join(work, 'run');
  await fs.cp(floatDir, path.join(run, 'bundle'), { recursive: true });
  const report = await quantizeBundle(run, path.join(work, 'from-run'), { dtype: 'float16' });
  assert.equal(report.from, path.join(run, 'bundle'));
  assert.equal((await readBundleMeta(report.out)).compression?.at(-1)?.from, report.from);
  await assert.rejects(
    quantizeBundle(run, path.join(run, 'bundle'), { dtype: 'uint8' }),
    (err: unknown) => err instanceof VisiontuneError && /needs its own folder/.test(err.message),
  );
});

test('non-float tensors are copied byte for byte', () => {
  const floats = new Float32Array([0.5, -1, 0, 2]);
  const ints = new Int32Array([7, -3, 1 << 30]);
  const data = new Uint8Array(28);
  data.set(new Uint8Array(ints.buffer), 0);
  data.set(new Uint8Array(floats.buffer), 12);
  const out = quantizeWeights(
    [
      { name: 'steps', shape: [3], dtype: 'int32' },
      { name: 'w', shape: [2, 2], dtype: 'float32' },
    ],
    data.buffer,
    'uint8',
    'all',
  );
  assert.deepEqual(out.kept, ['steps']);
  assert.deepEqual(new Int32Array(out.weightData.slice(0, 12)), ints);
  const decoded = tf.io.decodeWeights(out.weightData, out.weightSpecs);
  assert.deepEqual(Array.from(decoded.steps!.dataSync()), Array.from(ints));
  assert.equal(decoded.w!.dataSync()[2], 0);
});

test('bad input and usage are exit-2 errors naming the problem', async () => {
  const isUsage = (pattern: RegExp) => (err: unknown) => {
    assert.ok(err instanceof VisiontuneError, String(err));
    assert.equal(err.exitCode, 2);
    assert.match(err.message, pattern);
    return true;
  };
  const empty = await fs.mkdtemp(path.join(work, 'empty-'));
  await assert.rejects(
    quantizeBundle(empty, path.join(work, 'x'), { dtype: 'uint8' }),
    isUsage(new RegExp(`${path.basename(empty)} is not a visiontune bundle`)),
  );
  await assert.rejects(
    quantizeBundle(floatDir, path.join(work, 'x'), { dtype: 'int4' as QuantizeDtype }),
    isUsage(/unknown quantization dtype 'int4'/),
  );
  await assert.rejects(
    quantizeBundle(floatDir, `${floatDir}/`, { dtype: 'uint8' }),
    isUsage(/needs its own folder/),
  );
});

test('compareAccuracy scores both bundles on the same images', async () => {
  const source = randomImageSource(30);
  const samples = source.splits.test!;
  const same = await compareAccuracy(floatDir, floatDir, source, samples);
  assert.equal(same.difference, 0);
  assert.equal(same.samples, 30);
  const change = await compareAccuracy(floatDir, path.join(work, 'uint8-kernels'), source, samples);
  // Independent reference: argmax agreement computed here from the two models' logits.
  const loaded = await loadBundle(path.join(work, 'uint8-kernels'));
  const predicted = async (m: tf.LayersModel) => {
    const images = await Promise.all(samples.map((s) => source.read(s)));
    const x = tf.tidy(() =>
      tf
        .stack(images.map((im) => tf.tensor3d(im.data, [8, 8, 3], 'float32')))
        .div(255)
        .sub(0.5)
        .div(0.5),
    );
    return (m.predict(x) as tf.Tensor).argMax(1).arraySync() as number[];
  };
  const accuracy = (p: number[]) => p.filter((c, i) => c === samples[i]!.label).length / 30;
  assert.equal(change.before, accuracy(await predicted(floatModel)));
  assert.equal(change.after, accuracy(await predicted(loaded.model)));
  assert.equal(change.difference, change.after - change.before);
});
