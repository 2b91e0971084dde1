// Does an exported model compute what the TF.js model does? Both run on the same random batch
// (seeded normal values, the input's scale after normalization); `visiontune export` reports the
// result and the tests bound it.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../util/rng.js';
import { createOnnxRunner } from './runtime.js';

export interface ExportCheck {
  /** Largest |tfjs − ONNX Runtime| over every output value. */
  maxAbsError: number;
  /** Largest |tfjs| output, to read the error against. */
  maxAbs: number;
  shapes: number[][];
  batch: number;
}

export async function checkOnnxExport(
  model: tf.LayersModel,
  onnxModel: Uint8Array,
  options: { batch?: number; seed?: number } = {},
): Promise<ExportCheck> {
  const batch = options.batch ?? 2;
  const rng = new Rng(options.seed ?? 1);
  const shape = [batch, ...(model.inputs[0].shape.slice(1) as number[])];
  const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
  const x = tf.tensor(data, shape);
  const expected = [model.predict(x)].flat() as tf.Tensor[];
  const runner = await createOnnxRunner(onnxModel);
  try {
    const actual = await runner.run(data, shape);
    let maxAbsError = 0;
    let maxAbs = 0;
    const shapes = expected.map((t, i) => {
      if (actual[i].shape.join() !== t.shape.join())
        throw new Error(`output ${i}: ONNX Runtime gives [${actual[i].shape}], tfjs [${t.shape}]`);
      const want = t.dataSync();
      for (let j = 0; j < want.length; j++) {
        maxAbs = Math.max(maxAbs, Math.abs(want[j]));
        // NaN on either side makes the error NaN, which fails any bound.
        const diff = Math.abs(want[j] - actual[i].data[j]);
        maxAbsError = Number.isNaN(diff) ? Number.NaN : Math.max(maxAbsError, diff);
        if (Number.isNaN(maxAbsError)) break;
      }
      return t.shape;
    });
    return { maxAbsError, maxAbs, shapes, batch };
  } finally {
    tf.dispose([x, ...expected]);
    await runner.release();
  }
}
