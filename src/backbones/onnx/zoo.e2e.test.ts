// One small instance of each torchvision family beyond plain convnets — ShuffleNetV2, DenseNet,
// ConvNeXt, ViT, Swin, MaxViT, LR-ASPP segmentation, an FPN detection backbone — exported by Debian's PyTorch
// (scripts/onnx/zoo_export.py) and imported: the outputs match PyTorch's on the seeded input
// (1e-4 absolute or 1e-5 relative to the output's scale), the model saves and loads back as a
// plain TF.js layers model with the same outputs, and every weight gets a finite gradient.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { convertGraph } from './convert.js';
import { parseOnnx } from './parse.js';
import { allowedError } from './pytorch-tolerance.js';
import { ZOO_FIXTURES, type ZooFixture, zooFixtures } from './test-fixtures.js';
import { maxAbsError, saveAndLoad, weightGradients } from './test-graph.js';

/** The model's outputs on the fixture's NCHW input, NCHW where 4-D, one after the other. */
function outputOf(model: tf.LayersModel, f: ZooFixture): Float32Array {
  return tf.tidy(() => {
    const [n, c, h, w] = f.inputShape;
    const x = tf.transpose(tf.tensor4d(f.input, [n, c, h, w]), [0, 2, 3, 1]);
    const out = model.predict(x);
    const ys = (Array.isArray(out) ? out : [out]).map((y) =>
      (y.rank === 4 ? tf.transpose(y, [0, 3, 1, 2]) : y).flatten(),
    );
    return tf.concat(ys).dataSync() as Float32Array;
  });
}

const { skip, models } = zooFixtures();

test('torchvision families import and match PyTorch, save and load, and train', {
  skip,
}, async (context) => {
  await tf.setBackend('cpu');
  assert.deepEqual(
    models.map((m) => m.name),
    [...ZOO_FIXTURES],
    'fixtures/onnx-zoo is stale: delete the folder to regenerate it',
  );
  for (const f of models) {
    const model = convertGraph(parseOnnx(readFileSync(f.file), f.file), { name: f.name });
    const error = maxAbsError(outputOf(model, f), f.output);
    context.diagnostic(
      `${f.name}: max abs error ${error.toExponential(2)} (scale ${f.outputScale})`,
    );
    assert.ok(error <= allowedError(f.outputScale), `${f.name}: max abs error ${error}`);
    const loaded = await saveAndLoad(model);
    assert.ok(maxAbsError(outputOf(loaded, f), f.output) === error, `${f.name}: reloaded`);
    loaded.dispose();
    const grads = weightGradients(model, [1, f.inputShape[2], f.inputShape[3], 3]);
    const names = Object.keys(grads);
    assert.ok(names.length > 0, f.name);
    for (const name of names) assert.ok(grads[name].every(Number.isFinite), `${f.name}: ${name}`);
    assert.ok(
      names.filter((n) => grads[n].some((v) => v !== 0)).length > names.length / 2,
      `${f.name}: most weights get a gradient`,
    );
    model.dispose();
  }
});
