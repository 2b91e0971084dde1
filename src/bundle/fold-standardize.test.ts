import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { Standardize } from '../heads/standardize.js';
import { tinyMeta } from '../methods/compress/quantize/test-bundle.js';
import { Rng } from '../util/rng.js';
import { loadBundle, type NewBundleMeta, saveBundle } from './bundle.js';
import { foldedDense } from './fold-standardize.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let work: string;
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-fold-'));
});
after(() => fs.rm(work, { recursive: true, force: true }));

const meta: NewBundleMeta = { ...tinyMeta, labels: ['a', 'b', 'c'] };

/** Statistics like a backbone's: offsets, spreads on several scales, a dead feature (std 1). */
function statistics(dim: number, rng: Rng) {
  const mean = Array.from({ length: dim }, (_, i) => (i === 0 ? 0 : rng.uniform(0, 3)));
  const std = Array.from({ length: dim }, (_, i) => (i === 0 ? 1 : 10 ** rng.uniform(-1, 1)));
  return { mean, std };
}

test('the folded Dense computes Dense(standardize(x)) (float64 reference, random inputs)', () => {
  const rng = new Rng(1);
  const [dim, units] = [7, 4];
  const { mean, std } = statistics(dim, rng);
  const kernel = Float32Array.from({ length: dim * units }, () => rng.normal());
  const bias = Float32Array.from({ length: units }, () => rng.normal());
  const folded = foldedDense(mean, std, kernel, bias);
  for (let trial = 0; trial < 20; trial++) {
    const x = Array.from({ length: dim }, (_, i) => mean[i]! + 5 * std[i]! * rng.normal());
    for (let k = 0; k < units; k++) {
      let want = bias[k]!;
      let got = folded.bias[k]!;
      let scale = Math.abs(want);
      for (let i = 0; i < dim; i++) {
        const term = ((x[i]! - mean[i]!) / std[i]!) * kernel[i * units + k]!;
        want += term;
        scale += Math.abs(term) + Math.abs(x[i]! * folded.kernel[i * units + k]!);
        got += x[i]! * folded.kernel[i * units + k]!;
      }
      // Only the float32 rounding of the folded weights separates the two.
      assert.ok(
        Math.abs(got - want) <= 1e-6 * scale,
        `trial ${trial}, unit ${k}: ${got} vs ${want}`,
      );
    }
  }
});

/** The saved model.json loaded and run by a process that imports only @tensorflow/tfjs. */
async function predictInPlainTfjs(dir: string, x: tf.Tensor): Promise<Float32Array> {
  const script = `
    import * as tf from '@tensorflow/tfjs';
    import { readFileSync } from 'node:fs';
    import { join } from 'node:path';
    const { dir, values, shape } = JSON.parse(readFileSync(0, 'utf8'));
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const bytes = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p)))));
    const model = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    }));
    const y = model.predict(tf.tensor(values, shape));
    process.stdout.write('\\n' + JSON.stringify(Array.from(y.dataSync())));
  `;
  const child = execFile(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH },
  });
  child.stdin!.end(JSON.stringify({ dir, values: Array.from(x.dataSync()), shape: x.shape }));
  const { stdout } = await promisify((cb: (e: Error | null, r: { stdout: string }) => void) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    child.on('close', (code) =>
      code === 0
        ? cb(null, { stdout: out })
        : cb(new Error(`plain tfjs: exit ${code}: ${err}`), { stdout: out }),
    );
  })();
  return Float32Array.from(JSON.parse(stdout.trim().split('\n').at(-1)!) as number[]);
}

function closeTo(got: ArrayLike<number>, want: ArrayLike<number>, what: string) {
  const scale = Math.max(...Array.from(want, Math.abs));
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) {
    assert.ok(
      Math.abs(got[i]! - want[i]!) <= 1e-5 * scale,
      `${what} ${i}: ${got[i]} vs ${want[i]}`,
    );
  }
}

async function modelJsonClasses(dir: string): Promise<string[]> {
  const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
  return json.modelTopology.config.layers.map((l: { class_name: string }) => l.class_name);
}

for (const drop of [false, true]) {
  test(`a linear-probe bundle saves with its standardization folded and loads in plain TF.js${drop ? ' (dropout before the head)' : ''}`, async () => {
    const rng = new Rng(2);
    const input = tf.input({ shape: [6] });
    const features = tf.layers.dense({ units: 5, activation: 'relu' }).apply(input);
    const layers = [
      new Standardize({ ...statistics(5, rng), name: 'head_standardize' }),
      ...(drop ? [tf.layers.dropout({ rate: 0.5 })] : []),
      tf.layers.dense({ units: 3, name: 'head', biasInitializer: 'randomNormal' }),
    ];
    const apply = (x: tf.SymbolicTensor) =>
      layers.reduce((y, layer) => layer.apply(y) as tf.SymbolicTensor, x);
    // As in linear-head.ts: the same layers also make a head-only model, so they have two nodes.
    const embedding = tf.input({ shape: [5] });
    tf.model({ inputs: embedding, outputs: apply(embedding) });
    const model = tf.model({ inputs: input, outputs: apply(features as tf.SymbolicTensor) });
    const dir = path.join(work, `linear-${drop}`);
    await saveBundle(dir, model, meta);

    const classes = ['InputLayer', 'Dense', ...(drop ? ['Dropout'] : []), 'Dense'];
    assert.deepEqual(await modelJsonClasses(dir), classes);
    const x = tf.randomNormal([8, 6], 0, 3, 'float32', 3);
    const want = (model.predict(x) as tf.Tensor).dataSync();
    closeTo(await predictInPlainTfjs(dir, x), want, 'plain tfjs logit');
    const loaded = await loadBundle(dir);
    closeTo((loaded.model.predict(x) as tf.Tensor).dataSync(), want, 'bundle logit');
  });
}

test('a Standardize that is an output, feeds two layers, or sits in a few-shot bundle is kept', async () => {
  const rng = new Rng(3);
  const input = tf.input({ shape: [4] });
  const z = new Standardize(statistics(4, rng)).apply(input) as tf.SymbolicTensor;
  const outputs = [
    tf.model({ inputs: input, outputs: z }),
    tf.model({
      inputs: input,
      outputs: tf.layers
        .add()
        .apply([
          tf.layers.dense({ units: 2 }).apply(z),
          tf.layers.dense({ units: 2 }).apply(z),
        ] as tf.SymbolicTensor[]) as tf.SymbolicTensor,
    }),
  ];
  const dense = tf.model({
    inputs: input,
    outputs: tf.layers.dense({ units: 3 }).apply(z) as tf.SymbolicTensor,
  });
  const fewshot: NewBundleMeta = {
    ...meta,
    fewshot: { metric: 'euclidean', scale: 1, classes: [] },
  };
  const x = tf.randomNormal([5, 4], 0, 2, 'float32', 4);
  for (const [i, [model, m]] of [
    ...outputs.map((o) => [o, meta] as const),
    [dense, fewshot] as const,
  ].entries()) {
    const dir = path.join(work, `kept-${i}`);
    const units = model.outputs[0]!.shape[1]!;
    await saveBundle(dir, model, {
      ...m,
      labels: Array.from({ length: units }, (_, k) => `c${k}`),
    });
    assert.ok((await modelJsonClasses(dir)).includes('VisiontuneStandardize'), `model ${i}`);
    const again = ((await loadBundle(dir)).model.predict(x) as tf.Tensor).dataSync();
    assert.deepEqual(Array.from(again), Array.from((model.predict(x) as tf.Tensor).dataSync()));
  }
});
