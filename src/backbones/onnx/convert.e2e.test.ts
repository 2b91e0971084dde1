// Imported torchvision / timm-style CNNs (and a tiny FCN with dilated convs and ConvTranspose)
// compute what PyTorch computed: each ONNX fixture's PyTorch output on its seeded input against
// the converted layers model, max abs error < 1e-4 or 1e-5 of the output scale (the sweep's criterion).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { VisiontuneError } from '../../errors.js';
import { convertGraph } from './convert.js';
import { OnnxPad2D } from './layers.js';
import { parseOnnx } from './parse.js';
import { allowedError, scaleOf } from './pytorch-tolerance.js';
import { type OnnxFixture, onnxFixtures } from './test-fixtures.js';
import { weightGradients } from './test-graph.js';

function maxError(model: tf.LayersModel, f: OnnxFixture): number {
  const got = tf.tidy(() => {
    const [n, c, h, w] = f.inputShape;
    const x = tf.transpose(tf.tensor4d(f.input, [n, c, h, w]), [0, 2, 3, 1]);
    const y = model.predict(x) as tf.Tensor;
    // Per-pixel outputs (segmentation) come back NHWC; PyTorch's are NCHW.
    return (y.rank === 4 ? tf.transpose(y, [0, 3, 1, 2]) : y).dataSync();
  });
  assert.equal(got.length, f.output.length);
  return f.output.reduce((worst, v, i) => Math.max(worst, Math.abs(got[i] - v)), 0);
}

for (const kind of ['folded', 'batchnorm', 'opset11', 'opset17'] as const) {
  const { skip, models } = onnxFixtures(kind);
  test(`ONNX import (${kind}): outputs match PyTorch within 1e-4 (or 1e-5 of the output scale)`, {
    skip,
  }, async (context) => {
    await tf.setBackend('cpu');
    if (kind === 'folded')
      assert.ok(
        models.some((f) => f.name === 'fcn_tiny'),
        'fixtures/onnx predates fcn_tiny: delete the folder to regenerate it',
      );
    for (const f of models) {
      const graph = parseOnnx(readFileSync(f.file), f.file);
      if (kind === 'opset17' && f.name === 'se_hardswish_net')
        assert.ok(
          graph.nodes.some((n) => n.opType === 'HardSwish'),
          'a HardSwish node',
        );
      if (kind === 'batchnorm')
        assert.ok(
          graph.nodes.some((n) => n.opType === 'BatchNormalization'),
          f.name,
        );
      const model = convertGraph(graph, { name: f.name });
      const error = maxError(model, f);
      const scale = scaleOf(f.output);
      context.diagnostic(`${f.name}: max abs error ${error.toExponential(2)}, scale ${scale}`);
      assert.ok(error <= allowedError(scale), `${f.name}: max abs error ${error}`);
      model.dispose();
    }
  });
}

const small = onnxFixtures('folded');
const fixture = (name: string) => small.models.find((m) => m.name === name)!;

test('an imported model saves as a plain TF.js layers model and loads back with the same outputs', {
  skip: small.skip,
}, async () => {
  await tf.setBackend('cpu');
  const f = fixture('se_hardswish_net');
  const model = convertGraph(parseOnnx(readFileSync(f.file), f.file));
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
  assert.ok(maxError(loaded, f) < 1e-4);
  const layers = loaded.layers.map((l) => l.getClassName());
  assert.ok(layers.includes('VisiontuneOnnxUnary'), layers.join());
  // Max pooling pads with -Infinity, which JSON cannot hold: it survives as a string.
  const pad = new OnnxPad2D({
    padding: [
      [1, 0],
      [0, 1],
    ],
    value: -Infinity,
  });
  const config = JSON.parse(JSON.stringify(pad.getConfig()));
  assert.equal(new OnnxPad2D(config).value, -Infinity);
});

test('the imported FCN (dilated convs, ConvTranspose, BatchNorm) has finite gradients', {
  skip: small.skip,
}, async () => {
  await tf.setBackend('cpu');
  const f = fixture('fcn_tiny');
  const model = convertGraph(parseOnnx(readFileSync(f.file), f.file));
  const classes = model.layers.map((l) => l.getClassName());
  assert.ok(classes.includes('VisiontuneOnnxDilatedConv2D'), classes.join());
  assert.ok(classes.includes('VisiontuneOnnxConvTranspose2D'), classes.join());
  const grads = weightGradients(model, [1, 64, 64, 3]);
  const kernels = Object.entries(grads).filter(([name]) => name.includes('/kernel'));
  assert.equal(kernels.length, 7);
  for (const [name, g] of kernels) {
    assert.ok(g.every(Number.isFinite), name);
    assert.ok(
      g.some((v) => v !== 0),
      name,
    );
  }
  model.dispose();
});

test('unsupported operators are listed by type and node name', { skip: small.skip }, () => {
  const f = fixture('se_hardswish_net');
  const graph = parseOnnx(readFileSync(f.file), f.file);
  graph.nodes[1].opType = 'LRN';
  graph.nodes[3].opType = 'NonMaxSuppression';
  assert.throws(
    () => convertGraph(graph),
    (err: VisiontuneError) =>
      /unsupported ONNX operators: LRN, NonMaxSuppression/.test(err.message) &&
      err.details.length === 2 &&
      err.details[0].includes(graph.nodes[1].name),
  );
});

test('a file that is not ONNX is refused by name', () => {
  assert.throws(
    () => parseOnnx(new TextEncoder().encode('not a model at all'), 'x.onnx'),
    /x\.onnx: not an ONNX model|x\.onnx: the ONNX model has no graph/,
  );
});
