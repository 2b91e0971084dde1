// The bundle the throughput benchmarks serve and export: a pretrained backbone with a fresh
// 10-class head (seeded), ImageNet normalization, saved as a user's trained bundle would be.
import { createModel } from '../src/backbones/index.js';
import { saveBundle } from '../src/bundle/bundle.js';

export async function savePretrainedClassifier(
  dir: string,
  backbone: string,
  inputSize: number,
  classes: number,
): Promise<void> {
  const { model } = await createModel(backbone, { numClasses: classes, inputSize, seed: 1 });
  await saveBundle(dir, model, {
    task: 'classification',
    labels: Array.from({ length: classes }, (_, i) => `class${i}`),
    preprocessing: {
      inputSize,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      interpolation: 'bilinear',
      cropPct: 0.875,
    },
    backbone: { name: backbone },
    training: {},
    metrics: {},
  });
  model.dispose();
}
