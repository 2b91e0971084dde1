import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Rng } from '../util/rng.js';
import { inputPolicy, setInputPolicy } from './policy.js';
import {
  jsonDepth,
  MAX_JSON_DEPTH,
  parseJsonDocument,
  readInputFile,
  readJsonDocument,
  refuseReason,
} from './read-input.js';
import { refusal, tempFolder } from './test-support.js';

const temp = tempFolder('vt-read-');

test('a regular file is read whole', async () => {
  const file = path.join(temp.dir, 'a.bin');
  const bytes = new Uint8Array(70_000).map((_, i) => (i * 31) % 256);
  await fs.writeFile(file, bytes);
  assert.deepEqual(new Uint8Array(await readInputFile(file, 'image')), bytes);
});

test('a FIFO is refused at once instead of blocking', async () => {
  const fifo = path.join(temp.dir, 'pipe.jpg');
  execFileSync('mkfifo', [fifo]);
  assert.match(
    await refusal(readInputFile(fifo, 'image')),
    /pipe\.jpg: a FIFO .*not a regular file/,
  );
});

test('devices, folders and missing files are refused by name', async () => {
  assert.match(await refusal(readInputFile('/dev/zero', 'model')), /\/dev\/zero: a device/);
  assert.match(await refusal(readInputFile(temp.dir, 'document')), /a folder, not a regular file/);
  assert.match(
    await refusal(readInputFile(path.join(temp.dir, 'nope.json'), 'document', 'labels.json')),
    /^labels\.json: file not found$/,
  );
  assert.equal(await refuseReason('/dev/null', 'image'), 'a device, not a regular file');
});

test('the size limit is checked before reading, and names its flag', async () => {
  const file = path.join(temp.dir, 'big.json');
  await fs.writeFile(file, Buffer.alloc(3 * 1024 * 1024, 32));
  const before = inputPolicy();
  setInputPolicy({ maxDocumentMb: 2 });
  try {
    assert.match(
      await refusal(readInputFile(file, 'document')),
      /3 MiB, larger than the 2 MiB limit \(raise it with --max-document-mb\)/,
    );
    assert.equal((await readInputFile(file, 'image')).length, 3 * 1024 * 1024);
  } finally {
    setInputPolicy(before);
  }
});

/** Nesting depth of a parsed JSON value, the reference for the byte scanner. */
function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (value && typeof value === 'object')
    return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

function randomJson(rng: Rng, depth: number): unknown {
  const r = rng.int(10);
  if (depth > 7 || r < 3) {
    // Strings full of brackets, quotes and backslashes must not count as nesting.
    const pool = ['[', ']', '{', '}', '"', '\\', 'a', '\\"', '"]'];
    return r === 0
      ? rng.int(100)
      : Array.from({ length: rng.int(6) }, () => pool[rng.int(pool.length)]).join('');
  }
  const n = rng.int(4);
  if (r < 6) return Array.from({ length: n }, () => randomJson(rng, depth + 1));
  return Object.fromEntries(
    Array.from({ length: n }, (_, i) => [`k[${i}"`, randomJson(rng, depth + 1)]),
  );
}

test('jsonDepth equals the parsed depth on random documents with tricky strings', () => {
  const rng = new Rng(7);
  for (let i = 0; i < 300; i++) {
    const value = randomJson(rng, 0);
    assert.equal(jsonDepth(JSON.stringify(value)), depthOf(value));
  }
});

test('deep nesting is refused before parsing; invalid JSON names the file', async () => {
  const deep = `${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`;
  assert.throws(() => parseJsonDocument(deep, 'coco.json'), /coco\.json: JSON nested more than/);
  assert.deepEqual(parseJsonDocument('{"a":[1]}', 'x'), { a: [1] });
  const file = path.join(temp.dir, 'bad.json');
  await fs.writeFile(file, '{"a":');
  assert.match(await refusal(readJsonDocument(file)), /bad\.json: invalid JSON/);
});
