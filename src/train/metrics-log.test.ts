import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { MetricsLog } from './metrics-log.js';

const tempFile = async () =>
  path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'vt-log-')), 'metrics.jsonl');

test('records append one line per epoch; non-finite numbers become null', async () => {
  const file = await tempFile();
  const log = await MetricsLog.create(file);
  await log.append({ epoch: 1, loss: 0.5, lr: 0.01 });
  await log.append({ epoch: 2, loss: Number.NaN, lr: 0.005 });
  assert.deepEqual(await MetricsLog.read(file), [
    { epoch: 1, loss: 0.5, lr: 0.01 },
    { epoch: 2, loss: null, lr: 0.005 },
  ]);
});

test('resume cuts the log back to the checkpoint epoch and drops a torn last line', async () => {
  const file = await tempFile();
  const log = await MetricsLog.create(file);
  for (const epoch of [1, 2, 3]) await log.append({ epoch, loss: 1 / epoch });
  await fs.appendFile(file, '{"epoch":4,"lo');
  assert.deepEqual(
    (await MetricsLog.read(file)).map((r) => r.epoch),
    [1, 2, 3],
  );
  const resumed = await MetricsLog.resume(file, 2);
  await resumed.append({ epoch: 3, loss: 0.3 });
  assert.deepEqual(await MetricsLog.read(file), [
    { epoch: 1, loss: 1 },
    { epoch: 2, loss: 0.5 },
    { epoch: 3, loss: 0.3 },
  ]);
});
