import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { VisiontuneError } from '../../errors.js';
import { inputPolicy, setInputPolicy } from '../../guard/index.js';
import { GREEN, put, RED, randomBytes, solidJpeg, tempDir } from '../test-fixtures.js';
import { parseCsv } from './csv.js';
import { openManifest } from './manifest.js';
import { openSource } from './open.js';

async function images(root: string) {
  await put(join(root, 'img', 'a.jpg'), await solidJpeg(RED));
  await put(join(root, 'img', 'b.jpg'), await solidJpeg(GREEN));
  await put(join(root, 'img', 'c, d.jpg'), await solidJpeg(GREEN));
}

test('CSV parser: quotes, doubled quotes, CRLF, BOM, blank lines', () => {
  const rows = parseCsv('\ufeffpath,label\r\n"x, ""y"".jpg",cat\r\n\r\nz.jpg,"multi\nline"\n');
  assert.deepEqual(rows, [
    { line: 1, fields: ['path', 'label'] },
    { line: 2, fields: ['x, "y".jpg', 'cat'] },
    { line: 4, fields: ['z.jpg', 'multi\nline'] },
  ]);
});

test('CSV manifest: paths relative to the manifest, classes sorted, optional split column', async (t) => {
  const root = await tempDir(t);
  await images(root);
  const file = join(root, 'data.csv');
  await put(
    file,
    'path,label,split\nimg/b.jpg,zebra,\n"img/c, d.jpg",ant,val\nimg/a.jpg,zebra,train\n',
  );
  const src = await openSource(file);
  assert.deepEqual(src.classes, ['ant', 'zebra']);
  assert.deepEqual(
    src.splits.train!.map((s) => [s.id, s.label]),
    [
      [join(root, 'img', 'b.jpg'), 1],
      [join(root, 'img', 'a.jpg'), 1],
    ],
  );
  assert.deepEqual(
    src.splits.val!.map((s) => s.label),
    [0],
  );
  const img = await src.read(src.splits.train![1]!);
  assert.ok(img.data[0]! > 200);
});

test('CSV manifest with a missing file, an unknown label and a corrupt image: all named', async (t) => {
  const root = await tempDir(t);
  await images(root);
  await put(join(root, 'img', 'junk.jpg'), randomBytes(200));
  const file = join(root, 'data.csv');
  await put(
    file,
    'path,label\nimg/a.jpg,cat\nimg/gone.jpg,cat\nimg/b.jpg,horse\nimg/junk.jpg,dog\nimg/b.jpg\n',
  );
  await assert.rejects(openManifest(file, { labels: ['cat', 'dog'] }), (err: unknown) => {
    assert.ok(err instanceof VisiontuneError);
    assert.equal(err.code, 'BAD_INPUT');
    assert.deepEqual(err.details, [
      `${file} line 6: expected 2 fields, got 1`,
      `${join(root, 'img', 'gone.jpg')}: file not found (${file} line 3)`,
      `${join(root, 'img', 'b.jpg')}: label 'horse' is not in the label set (${file} line 4)`,
      `${join(root, 'img', 'junk.jpg')}: not a supported image (unrecognized or corrupt data)`,
    ]);
    return true;
  });
  const src = await openManifest(file, { labels: ['cat', 'dog'], skipBad: true });
  assert.deepEqual(src.classes, ['cat', 'dog']);
  assert.deepEqual(
    src.splits.train!.map((s) => s.id),
    [join(root, 'img', 'a.jpg')],
  );
  assert.equal(src.skipped!.count, 4);
});

test('JSONL manifest: numeric-aware class order, bad JSON and missing files reported', async (t) => {
  const root = await tempDir(t);
  await images(root);
  const file = join(root, 'm.jsonl');
  const lines = [
    { path: 'img/a.jpg', label: 10 },
    { path: 'img/b.jpg', label: 2 },
    { path: 'img/nope.jpg', label: 2 },
  ].map((o) => JSON.stringify(o));
  await put(file, `${lines.join('\n')}\n{oops\n`);
  await assert.rejects(openManifest(file), (err: unknown) => {
    assert.ok(err instanceof VisiontuneError);
    assert.deepEqual(err.details, [
      `${file} line 4: invalid JSON`,
      `${join(root, 'img', 'nope.jpg')}: file not found (${file} line 3)`,
    ]);
    return true;
  });
  const src = await openManifest(file, { skipBad: true });
  assert.deepEqual(src.classes, ['2', '10']);
  assert.deepEqual(
    src.splits.train!.map((s) => s.label),
    [1, 0],
  );
  assert.equal(src.skipped!.count, 2);
});

test('JSONL without labels gives unlabelled samples (-1)', async (t) => {
  const root = await tempDir(t);
  await images(root);
  const file = join(root, 'u.jsonl');
  await put(file, `${JSON.stringify({ path: join(root, 'img', 'a.jpg') })}\n`);
  const src = await openManifest(file);
  assert.deepEqual(src.classes, []);
  assert.equal(src.splits.train![0]!.label, -1);
});

test('a manifest over the document size limit is refused before parsing, naming the flag', async (t) => {
  const root = await tempDir(t);
  const file = join(root, 'big.csv');
  await put(file, `path,label\n${'img/a.jpg,red\n'.repeat(200)}`);
  const before = setInputPolicy({ ...inputPolicy(), maxDocumentMb: 0.001 });
  try {
    await assert.rejects(openManifest(file), (err: VisiontuneError) => {
      assert.match(
        err.message,
        /^Manifest .*big\.csv: .*larger than .* limit \(raise it with --max-document-mb\)/,
      );
      return true;
    });
  } finally {
    setInputPolicy(before);
  }
});
