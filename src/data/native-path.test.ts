import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeName, nativePath } from './native-path.js';
import { tempDir } from './test-fixtures.js';

const latin1 = (dir: string, name: number[]) =>
  Buffer.concat([Buffer.from(`${dir}/`), Buffer.from(name)]);

test('decodeName: valid UTF-8 is exact; a Latin-1 byte shows as U+FFFD and is not', () => {
  assert.deepEqual(decodeName(Buffer.from('café')), { name: 'café', exact: true });
  assert.deepEqual(decodeName(Buffer.from([0x63, 0xe9])), { name: 'c\uFFFD', exact: false });
});

test('nativePath: the U+FFFD form finds the raw name; folders too; ambiguity and absence are undefined', async (t) => {
  const dir = await tempDir(t);
  assert.equal(await nativePath(join(dir, 'plain.jpg')), join(dir, 'plain.jpg'));
  const raw = latin1(dir, [0x63, 0xe9]); // 'c' 0xE9
  await writeFile(raw, 'one');
  const found = await nativePath(join(dir, 'c\uFFFD'));
  assert.ok(Buffer.isBuffer(found));
  assert.equal(await readFile(found!, 'utf8'), 'one');
  assert.equal(await nativePath(join(dir, 'x\uFFFD')), undefined);
  await writeFile(latin1(dir, [0x63, 0xe8]), 'two'); // also shows as 'c\uFFFD'
  assert.equal(await nativePath(join(dir, 'c\uFFFD')), undefined);
  await writeFile(join(dir, 'c\uFFFD'), 'exact'); // a name that really holds U+FFFD wins
  assert.equal(await readFile((await nativePath(join(dir, 'c\uFFFD')))!, 'utf8'), 'exact');
});
