// VOC and YOLO files from someone else: entity declarations refused, entries confined to their
// folder, data.yaml checked by schema, label lines quoted short.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import type { VisiontuneError } from '../../errors.js';
import { openVoc, parseVocXml } from './voc.js';
import { openYolo } from './yolo.js';

let root: string;
before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-hostile-formats-'));
});
after(() => fs.rm(root, { recursive: true, force: true }));

async function write(file: string, content: string | Buffer) {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, content);
}
const jpeg = (w: number, h: number) =>
  sharp({ create: { width: w, height: h, channels: 3, background: '#888' } })
    .jpeg()
    .toBuffer();

const voc = (filename: string, prolog = '') =>
  `<?xml version="1.0"?>${prolog}<annotation><filename>${filename}</filename><size><width>20</width><height>20</height></size></annotation>`;

test('VOC XML: entity declarations are refused, entities never expanded, fields checked', () => {
  let entities = '<!ENTITY a "aaaaaaaaaa">';
  for (let i = 1; i < 9; i++)
    entities += `<!ENTITY a${i} "${`&a${i === 1 ? '' : i - 1};`.repeat(10)}">`;
  const bomb = parseVocXml(voc('&a8;', `<!DOCTYPE annotation [${entities}]>`));
  assert.deepEqual(bomb, { reason: 'declares XML entities (refused: VOC files have none)' });
  const plain = parseVocXml(voc('x&amp;y.jpg'));
  assert.ok('doc' in plain && plain.doc.filename === 'x&amp;y.jpg');
  const noSize = parseVocXml('<annotation><filename>a.jpg</filename></annotation>');
  assert.ok('reason' in noSize && /needs <filename> and a <size>.*size/.test(noSize.reason));
  assert.ok('reason' in parseVocXml('<other/>'));
});

test('VOC <filename> leaving the folder is refused; bad objects name their field', async () => {
  const dir = path.join(root, 'voc');
  await write(path.join(dir, 'JPEGImages', 'a.jpg'), await jpeg(20, 20));
  await write(path.join(root, 'secret.jpg'), await jpeg(20, 20));
  await write(path.join(dir, 'Annotations', 'a.xml'), voc('../../secret.jpg'));
  await write(
    path.join(dir, 'Annotations', 'b.xml'),
    voc('a.jpg').replace('</annotation>', '<object><name>cat</name></object></annotation>'),
  );
  await assert.rejects(openVoc(dir, { classes: ['cat'] }), (err: VisiontuneError) => {
    const text = err.details.join('\n');
    assert.match(text, /a\.xml: <filename> 'JPEGImages\/\.\.\/\.\.\/secret\.jpg' is outside/);
    assert.match(text, /b\.xml: object 1: needs <name> and <bndbox> \(bndbox: /);
    return true;
  });
});

test('YOLO: path:, split folders and linked images are confined; label lines quoted short', async () => {
  const dir = path.join(root, 'yolo');
  await write(path.join(dir, 'images', 'a.jpg'), await jpeg(20, 20));
  await write(path.join(dir, 'labels', 'a.txt'), `0 0.5 ${'x'.repeat(200)}\n`);
  const yaml = path.join(dir, 'data.yaml');
  for (const [text, field] of [
    ['path: ..\ntrain: images\nnames: [a]\n', '"path"'],
    ['train: /etc\nnames: [a]\n', '"train"'],
  ]) {
    await write(yaml, text!);
    await assert.rejects(openYolo(yaml), new RegExp(`data\\.yaml: ${field}: .* is outside`));
  }
  await write(yaml, 'train: images\nnames: {a: 1}\n');
  await assert.rejects(openYolo(yaml), /must number classes/);
  await write(yaml, 'train: [1, 2]\nnames: [a]\n');
  await assert.rejects(openYolo(yaml), /not a YOLO data\.yaml \(train: /);
  await write(yaml, 'train: images\nnames: [a]\n');
  await fs.symlink(path.join(root, 'secret.jpg'), path.join(dir, 'images', 'b.jpg'));
  await assert.rejects(openYolo(yaml), (err: VisiontuneError) => {
    const text = err.details.join('\n');
    assert.match(text, /b\.jpg: '.*b\.jpg' is outside/);
    assert.match(text, /a\.txt:1: expected "class cx cy w h", got "0 0\.5 x{34}…"/);
    return true;
  });
});
