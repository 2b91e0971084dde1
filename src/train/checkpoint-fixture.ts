// Test fixture (not a test): writes checkpoints in a loop until killed. Every weight and slot of
// checkpoint N holds the value N, so a reader can tell a torn checkpoint from a whole one.
import * as tf from '@tensorflow/tfjs';
import { saveCheckpoint } from './checkpoint.js';

const dir = process.argv[2];
await tf.setBackend('cpu');
tf.env().set('PROD', true);
const input = tf.input({ shape: [512] });
const output = tf.layers.dense({ units: 1024 }).apply(input) as tf.SymbolicTensor;
const model = tf.model({ inputs: input, outputs: output });
for (let epoch = 1; ; epoch++) {
  for (const w of model.weights) w.write(tf.fill(w.shape as number[], epoch));
  const slot = { shape: [1024], values: new Float32Array(1024).fill(epoch) };
  await saveCheckpoint(dir, model, {
    epoch,
    step: epoch * 10,
    optimizer: { kind: 'sgd', step: epoch * 10, slots: { m: slot } },
    extra: { epoch },
  });
  process.stdout.write(`${epoch}\n`);
}
