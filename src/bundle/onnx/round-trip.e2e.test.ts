// PyTorch → ONNX → visiontune → ONNX: each imported fixture (torchvision CNNs, the timm-style
// SE/HardSwish net, the FCN with dilated convs and ConvTranspose), exported again and run in
// ONNX Runtime, still computes PyTorch's output on PyTorch's input (within the importer's tolerance: pytorch-tolerance.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { convertGraph } from '../../backbones/onnx/convert.js';
import { parseOnnx } from '../../backbones/onnx/parse.js';
import { allowedError, scaleOf } from '../../backbones/onnx/pytorch-tolerance.js';
import { onnxFixtures } from '../../backbones/onnx/test-fixtures.js';
import { transposeValues } from './context.js';
import { layersModelToOnnx } from './export-model.js';
import { createOnnxRunner } from './runtime.js';

for (const kind of ['folded', 'opset17'] as const) {
  const { skip, models } = onnxFixtures(kind);
  test(`imported ${kind} fixtures export back to ONNX with PyTorch's outputs`, {
    skip,
  }, async (context) => {
    for (const f of models) {
      const model = convertGraph(parseOnnx(readFileSync(f.file), f.file), { name: f.name });
      const runner = await createOnnxRunner(layersModelToOnnx(model));
      model.dispose();
      const [n, c, h, w] = f.inputShape;
      const nhwc = transposeValues(f.input, f.inputShape, [0, 2, 3, 1]);
      const [out] = await runner.run(nhwc, [n, h, w, c]);
      await runner.release();
      // Per-pixel outputs come back NHWC; PyTorch's are NCHW.
      const got =
        out.shape.length === 4 ? transposeValues(out.data, out.shape, [0, 3, 1, 2]) : out.data;
      assert.equal(got.length, f.output.length, f.name);
      const error = f.output.reduce((worst, v, i) => Math.max(worst, Math.abs(got[i] - v)), 0);
      context.diagnostic(`${f.name}: max abs error ${error.toExponential(2)}`);
      assert.ok(error <= allowedError(scaleOf(f.output)), `${f.name}: max abs error ${error}`);
    }
  });
}
