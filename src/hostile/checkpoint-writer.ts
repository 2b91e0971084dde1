// Test support (not a test): a child process for the checkpoint kill tests in outputs.e2e.test.ts.
// `node --import tsx checkpoint-writer.ts <run-dir> <value>...` checkpoints a one-variable model
// once per value, as a training run does at each epoch end (RunFiles.save, best included); a
// value's epoch is its position, unless the run folder already holds epochs, when the first value
// redoes the latest one (a resumed run). VISIONTUNE_FAULT=kill@N kills it mid-way.
import * as tf from '@tensorflow/tfjs';
import { loadLatestCheckpoint } from '../train/checkpoint.js';
import { RunFiles } from '../train/run-files.js';

const [dir, ...values] = process.argv.slice(2);
await tf.setBackend('cpu');
const files = new RunFiles(dir!);
const previous = await loadLatestCheckpoint(files.checkpoints);
const first = previous ? previous.state.epoch : 1;
await files.openLog(previous ? first - 1 : undefined);
const weight = tf.variable(tf.zeros([4]), true, 'w');
for (const [i, v] of values.entries()) {
  weight.assign(tf.fill([4], Number(v)));
  const state = {
    epoch: first + i,
    step: first + i,
    optimizer: { kind: 'sgd', step: first + i, slots: {} },
    extra: { value: Number(v) },
  };
  await files.save([weight], state, true);
}
