// Shared by the ONNX export and browser tests (not a test itself): random weights for any model,
// a test bundle's preprocessing, and the tfjs (cpu backend) vs ONNX Runtime comparison of an export.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../util/rng.js';
import { checkOnnxExport, type ExportCheck } from './check.js';
import { layersModelToOnnx } from './export-model.js';

/** ImageNet-style preprocessing for a test bundle of `inputSize` px. */
export const preprocessing = (inputSize: number) => ({
  inputSize,
  mean: [0.485, 0.456, 0.406] as [number, number, number],
  std: [0.229, 0.224, 0.225] as [number, number, number],
  interpolation: 'bilinear' as const,
  cropPct: 0.875,
});

/** The training record of a test bundle that was never trained. */
export const RUN = { training: { epochs: 0 }, metrics: {} };

/**
 * Every weight random, at scales that keep deep random networks' outputs moderate: kernels
 * ~N(0, gain²/fan-in), BN scales and variances in [0.5, 1.5] (so BN does something), other
 * vectors (biases, BN means, PReLU slopes) ~N(0, 0.1²).
 */
export function randomizeWeights(model: tf.LayersModel, seed = 0, gain = 1): void {
  const rng = new Rng(seed);
  for (const layer of model.layers) {
    const values = layer.weights.map((w) => {
      const shape = w.shape as number[];
      const n = shape.reduce((a, b) => a * b, 1);
      const name = w.originalName;
      // HWIO kernels: fan-in kh·kw·C; a depthwise kernel's is kh·kw.
      const fanIn = /depthwise/.test(name) ? shape[0] * shape[1] : n / shape[shape.length - 1];
      const draw = /variance|std|gamma/.test(name)
        ? () => rng.uniform(0.5, 1.5)
        : shape.length >= 2
          ? () => (rng.normal() * gain) / Math.sqrt(fanIn)
          : () => rng.normal() * 0.1;
      return tf.tensor(Float32Array.from({ length: n }, draw), shape);
    });
    if (values.length > 0) layer.setWeights(values);
    tf.dispose(values);
  }
}

export function compareWithOnnx(model: tf.LayersModel, batch = 2): Promise<ExportCheck> {
  return checkOnnxExport(model, layersModelToOnnx(model), { batch });
}
