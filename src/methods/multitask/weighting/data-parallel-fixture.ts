// Test fixture (data-parallel.e2e.test.ts): one process of a multi-task run, alone or as one rank
// of a 2-process group with synchronized BatchNorm. Mode `hook`: a FitConfig.gradients hook that
// computes what tf.variableGrads would; mode `pcgrad`: the equal weighting with PCGrad. Prints the
// trained weights and the history as JSON.
import * as tf from '@tensorflow/tfjs';
import { joinGroup, leaveGroup } from '../../../distributed/process-group.js';
import { WHOLE } from '../../../distributed/shard.js';
import { enableSyncBatchNorm } from '../../../distributed/sync-batchnorm.js';
import { initEngine } from '../../../engine/index.js';
import { fit } from '../../../train/loop.js';
import { multiTaskRun, valuesOf } from './objective-test-setup.js';

const [mode, rankText, worldText, portText] = process.argv.slice(2);
const rank = Number(rankText);
const world = Number(worldText);
await initEngine({ backend: 'cpu', threads: 1 });
if (world > 1) {
  joinGroup({
    rank,
    worldSize: world,
    masterAddr: '127.0.0.1',
    masterPort: Number(portText),
    timeoutMs: 60_000,
  });
  enableSyncBatchNorm(true);
}
const run = multiTaskRun('equal', mode === 'pcgrad', {
  batchSize: 8 / world,
  shard: world > 1 ? { rank, size: world } : WHOLE,
  epochs: 2,
});
if (mode === 'hook') {
  const { loss } = run.config;
  run.config.gradients = (batch, info, variables) =>
    tf.variableGrads(() => loss(batch, info), variables);
}
const initial = valuesOf(run.trained);
const { history } = await fit(run.config);
process.stdout.write(JSON.stringify({ initial, weights: valuesOf(run.trained), history }));
if (world > 1) leaveGroup();
