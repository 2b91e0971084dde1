// Test fixture (process-group.test.ts): one rank of a 2-process group on the backend named in
// argv; runs the collectives on seeded random tensors and prints what it got as JSON.
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../engine/index.js';
import { Rng } from '../util/rng.js';
import { joinGroup, leaveGroup } from './process-group.js';

const [backend, rankText, portText] = process.argv.slice(2);
const rank = Number(rankText);
await initEngine({ backend: backend as 'torch' | 'cpu', threads: 1 });
const group = joinGroup({
  rank,
  worldSize: 2,
  masterAddr: '127.0.0.1',
  masterPort: Number(portText),
  timeoutMs: 30_000,
});
const rng = new Rng(100 + rank);
const shapes = [[3, 4], [5], [2, 2, 3], [1000]];
const inputs = shapes.map((shape) =>
  tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.next() * 4 - 2),
    shape,
  ),
);
// 64-byte buckets: several tensors share a bucket, the 4000-byte one is a bucket of its own.
const summed = group.allReduceSum(inputs, 64);
const fromRank1 = group.broadcast(inputs, 1, 64);
const gathered = group.allGather('fixture', { rank, note: `from ${rank}` });
const shared = await group.shareFromMain('fixture', () => ({ bytes: Uint8Array.of(1, 2, 3) }));
const read = (ts: tf.Tensor[]) => ts.map((t) => ({ shape: t.shape, values: [...t.dataSync()] }));
process.stdout.write(
  JSON.stringify({
    backend: tf.getBackend(),
    inputs: read(inputs),
    summed: read(summed),
    fromRank1: read(fromRank1),
    gathered,
    shared: [...shared.bytes],
  }),
);
group.barrier();
leaveGroup();
