import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { EmbeddedBatch } from './embed.js';
import { readEmbeddings, writeEmbeddings } from './embeddings-file.js';

async function* batches(): AsyncGenerator<EmbeddedBatch> {
  yield {
    samples: [
      { id: 'a.jpg', label: 0 },
      { id: 'b.jpg', label: 1 },
    ],
    labels: Int32Array.from([0, 1]),
    embeddings: Float32Array.from([0.5, -1.25, 3, 1e-7, 2, 0]),
    dim: 3,
  };
  yield {
    samples: [{ id: 'c.jpg', label: 1 }],
    labels: Int32Array.from([1]),
    embeddings: Float32Array.from([7, 8, 9]),
    dim: 3,
  };
}

const header = {
  backbone: 'mobilenet_v2',
  layer: 'out_relu',
  inputSize: 224,
  dim: 3,
  classes: ['cat', 'dog'],
  data: 'photos',
};

test('embeddings stream to disk and read back exactly', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-emb-'));
  const file = path.join(dir, 'e.jsonl');
  assert.equal(await writeEmbeddings(file, header, batches()), 3);
  assert.deepEqual(await fs.readdir(dir), ['e.jsonl']);
  const { header: h, set } = await readEmbeddings(file);
  assert.equal(h.backbone, 'mobilenet_v2');
  assert.deepEqual(set.ids, ['a.jpg', 'b.jpg', 'c.jpg']);
  assert.deepEqual(Array.from(set.labels), [0, 1, 1]);
  assert.deepEqual(
    Array.from(set.embeddings),
    Array.from(Float32Array.from([0.5, -1.25, 3, 1e-7, 2, 0, 7, 8, 9])),
  );
});

test('a failed write leaves no file behind', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-emb-'));
  const file = path.join(dir, 'e.jsonl');
  async function* failing(): AsyncGenerator<EmbeddedBatch> {
    yield* batches();
    throw new Error('decoder exploded');
  }
  await assert.rejects(writeEmbeddings(file, header, failing()), /decoder exploded/);
  assert.deepEqual(await fs.readdir(dir), []);
});

test('a row with the wrong dimension is named by line', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-emb-'));
  const file = path.join(dir, 'e.jsonl');
  await writeEmbeddings(file, header, batches());
  const text = await fs.readFile(file, 'utf8');
  await fs.writeFile(file, text.replace('[7,8,9]', '[7,8]'));
  await assert.rejects(readEmbeddings(file), /e\.jsonl:4: embedding has 2 values, header says 3/);
});
