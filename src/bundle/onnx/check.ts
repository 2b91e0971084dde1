// Does an exported model compute what the TF.js model does? Both run on the same random batch
// (seeded normal values, the input's scale after normalization) and must agree within a
// tolerance read against the output's scale; `visiontune export` refuses an export that does not.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../util/rng.js';
import { createOnnxRunner } from './runtime.js';

/**
 * Two float32 engines summing in different orders differ by rounding that grows with the size of
 * the values summed: a dot product of K terms is off by up to ~K·2⁻²⁴·Σ|terms| (1e-4 relative
 * for K = 1280, the widest embedding here), typically far less. So the bound is relative to the
 * largest output, never below an absolute floor for outputs of order 1 and smaller. A wrong
 * export (a transposed kernel, a wrong op, a weight off by 1%) is off by far more than 1e-4 of
 * the output.
 */
export const EXPORT_TOLERANCE = { absolute: 1e-4, relative: 1e-4 } as const;

/** The largest |tfjs − ONNX| an export may show when the largest |output| is `maxAbs`. */
export function exportTolerance(maxAbs: number): number {
  return Math.max(EXPORT_TOLERANCE.absolute, EXPORT_TOLERANCE.relative * maxAbs);
}

export interface ExportCheck {
  /** Largest |tfjs − ONNX Runtime| over every output value. */
  maxAbsError: number;
  /** Largest |tfjs| output, to read the error against. */
  maxAbs: number;
  /** exportTolerance(maxAbs) */
  tolerance: number;
  /** Whether maxAbsError is within the tolerance (false when either side gave NaN). */
  passed: boolean;
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
    const tolerance = exportTolerance(maxAbs);
    return { maxAbsError, maxAbs, tolerance, passed: maxAbsError <= tolerance, shapes, batch };
  } finally {
    tf.dispose([x, ...expected]);
    await runner.release();
  }
}
