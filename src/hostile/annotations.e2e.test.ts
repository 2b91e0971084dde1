// Hostile annotation files and dense prediction on large images, through the real commands: COCO
// `file_name`s, VOC `<filename>`s, YOLO `path:`s and segmentation list entries that leave their
// root are refused (the same message whether the outside target exists or not) without reading
// it; malformed COCO entries are problems naming the entry and field, not crashes; a VOC entity
// bomb is refused; a YOLO label line of a file outside the root never reaches the output; an
// image above --max-pixels is refused by `segment predict` and `detect predict`, naming it.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../cli/run-cli.js';
import { makeSquares } from '../data/detection/test-fixture.js';
import { makeShapes } from '../data/segmentation/test-fixture.js';
import { encode, solidJpeg } from '../data/test-fixtures.js';
import { assertRefused, type HostileRoot, hostileRoot, vt } from './harness.js';

let h: HostileRoot;
let secret: string;
let image: Uint8Array;

before(async () => {
  h = await hostileRoot();
  secret = path.join(h.outside, 'secret.txt');
  image = await solidJpeg([120, 90, 60], 32);
  await h.canary('photo.jpg', image);
  await h.canary('images/0.jpg', image);
});
after(() => h.cleanup());

const write = async (file: string, content: string | Uint8Array) => {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, content);
};

/** A one-image COCO file in `dir` whose image is `fileName`; returns its path. */
async function coco(dir: string, fileName: unknown, extra: object = {}): Promise<string> {
  const file = path.join(dir, 'boxes.json');
  await write(path.join(dir, 'ok.jpg'), image);
  await write(
    file,
    JSON.stringify({
      images: [
        { id: 1, file_name: 'ok.jpg', width: 32, height: 32 },
        { id: 2, file_name: fileName, width: 32, height: 32 },
      ],
      annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [2, 2, 8, 8] }],
      categories: [{ id: 1, name: 'thing' }],
      ...extra,
    }),
  );
  return file;
}

const detectTrain = (data: string, ...more: string[]) =>
  vt(
    'detect',
    'train',
    '--data',
    data,
    '--epochs',
    '1',
    '--out',
    path.join(h.root, 'run'),
    ...more,
  );

test('COCO file_name ../ and absolute: refused the same whether the target exists or not', async () => {
  const cases = [
    ['dotdot', '../../outside/secret.txt'],
    ['dotdot-missing', '../../outside/nothing-here.txt'],
    ['absolute', secret],
    ['absolute-missing', path.join(h.outside, 'nothing-here.txt')],
  ] as const;
  const files = await Promise.all(
    cases.map(([name, target]) => coco(path.join(h.data, 'coco', name), target)),
  );
  const runs = await Promise.all(files.map((file) => detectTrain(file)));
  const messages = runs.map((r, i) => {
    assertRefused(r, 2, files[i]!, 'image 2', 'is outside', '--allow-outside-root');
    return r.stderr
      .replaceAll(cases[i]![1], '<entry>')
      .replaceAll(path.dirname(files[i]!), '<dir>');
  });
  assert.equal(messages[0], messages[1]);
  assert.equal(messages[2], messages[3]);
  await h.assertUntouched(...runs);
});

test('COCO malformed entries are problems naming the entry and field, never a crash', async () => {
  const dir = path.join(h.data, 'coco-bad');
  const file = await coco(dir, 'ok.jpg', {
    images: [
      { id: 1, file_name: 'ok.jpg', width: 32, height: 32 },
      null,
      { id: 5, width: 3, height: 3 },
      { id: 6, file_name: 7, width: 3, height: 3 },
    ],
    annotations: [
      { id: 9, image_id: 1, category_id: { name: 'thing' }, bbox: [1, 1, 2, 2] },
      null,
      { id: 10, image_id: 1, category_id: 1, bbox: ['1', 1, 2, 2] },
    ],
  });
  const r = await detectTrain(file);
  assertRefused(
    r,
    2,
    file,
    /images\[1\]: entry: .*expected object/,
    /images\[2\] \(id 5\): file_name: .*expected string/,
    /images\[3\] \(id 6\): file_name: .*expected string, received number/,
    /annotations\[0\] \(id 9\): category_id: .*expected number/,
    /annotations\[1\]: entry: .*expected object/,
    /annotations\[2\] \(id 10\): bbox\.0: .*expected number/,
  );
  const notArray = await coco(path.join(dir, 'not-array'), 'ok.jpg', { images: { 0: 'x' } });
  assertRefused(await detectTrain(notArray), 2, notArray, 'not a COCO file');
  // Deeply nested: refused by depth before parsing.
  const nested = path.join(dir, 'nested.json');
  await write(nested, `{"images":${'['.repeat(100_000)}${']'.repeat(100_000)},"categories":[]}`);
  assertRefused(await detectTrain(nested), 2, nested, 'nested more than');
});

test('VOC <filename> ../ is refused; an entity bomb is refused quickly', async () => {
  const voc = path.join(h.data, 'voc');
  await write(path.join(voc, 'JPEGImages', 'a.jpg'), image);
  const xml = (filename: string, prolog = '') =>
    `<?xml version="1.0"?>${prolog}<annotation><filename>${filename}</filename><size><width>32</width><height>32</height></size><object><name>thing</name><bndbox><xmin>2</xmin><ymin>2</ymin><xmax>9</xmax><ymax>9</ymax></bndbox></object></annotation>`;
  await write(path.join(voc, 'Annotations', 'a.xml'), xml('a.jpg'));
  await write(path.join(voc, 'Annotations', 'b.xml'), xml('../../outside/photo.jpg'));
  let r = await detectTrain(voc);
  assertRefused(r, 2, 'b.xml', "../../outside/photo.jpg' is outside");
  await h.assertUntouched(r);

  let entities = '<!ENTITY lol "lol">';
  for (let i = 1; i < 10; i++)
    entities += `<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`;
  const bomb = path.join(h.data, 'voc-bomb');
  await write(path.join(bomb, 'JPEGImages', 'a.jpg'), image);
  await write(
    path.join(bomb, 'Annotations', 'a.xml'),
    xml('&lol9;', `<!DOCTYPE annotation [${entities}]>`),
  );
  const start = Date.now();
  r = await detectTrain(bomb);
  assertRefused(r, 2, 'a.xml', 'declares XML entities');
  assert.ok(Date.now() - start < 30_000);
});

test('YOLO path: ../ is refused; a label line outside the root never reaches the output', async () => {
  const yolo = path.join(h.data, 'yolo');
  await write(path.join(yolo, 'data.yaml'), 'path: ../../outside\ntrain: images\nnames: [thing]\n');
  let r = await detectTrain(path.join(yolo, 'data.yaml'));
  assertRefused(r, 2, 'data.yaml', '"path"', 'is outside');
  // An image linked from inside to outside, next to the outside label file: neither is read.
  const linked = path.join(h.data, 'yolo-link');
  await write(path.join(linked, 'data.yaml'), 'train: images\nnames: [thing]\n');
  await write(path.join(linked, 'images', 'in.jpg'), image);
  await fs.symlink(path.join(h.outside, 'images'), path.join(linked, 'images', 'out'));
  await fs.symlink(path.join(h.outside, 'images', '0.jpg'), path.join(linked, 'images', 'x.jpg'));
  r = await detectTrain(path.join(linked, 'data.yaml'));
  assertRefused(r, 2, 'x.jpg', 'is outside');
  await h.assertUntouched(r);
});

test('YOLO with --allow-outside-root reads outside but never quotes a line from there', async () => {
  const own = await hostileRoot();
  try {
    await own.canary('pics/0.jpg', image);
    await own.canary('pics/0.txt');
    const yaml = path.join(own.data, 'data.yaml');
    await write(yaml, 'train: ../outside/pics\nnames: [thing]\n');
    const r = await detectTrain(yaml, '--allow-outside-root');
    assertRefused(r, 2, '0.txt:1', 'expected "class cx cy w h", got a line');
    assert.ok(!/CANARY/.test(r.stderr + r.stdout), 'the outside label line leaked');
  } finally {
    await own.cleanup();
  }
});

test('segmentation list stems and COCO mask images that leave the root are refused', async () => {
  const voc = path.join(h.data, 'voc-seg');
  await write(path.join(voc, 'ImageSets', 'Segmentation', 'train.txt'), '../../../outside/photo\n');
  await fs.mkdir(path.join(voc, 'SegmentationClass'), { recursive: true });
  const segTrain = (data: string) =>
    vt('segment', 'train', '--data', data, '--epochs', '1', '--out', path.join(h.root, 'seg-run'));
  const r = await segTrain(voc);
  assertRefused(r, 2, 'is outside');
  const cocoSeg = await coco(path.join(h.data, 'coco-seg'), '../../outside/photo.jpg', {
    annotations: [{ id: 1, image_id: 1, category_id: 1, segmentation: [[1, 1, 8, 1, 8, 8]] }],
  });
  const r2 = await segTrain(cocoSeg);
  assertRefused(r2, 2, cocoSeg, 'image 2', 'is outside');
  await h.assertUntouched(r, r2);
});

test('segment predict and detect predict refuse an image above --max-pixels, naming it', async () => {
  const seg = path.join(h.root, 'seg-train');
  await makeShapes(path.join(seg, 'data'), { images: 8, width: 32, seed: 1 });
  const det = path.join(h.root, 'det-train');
  const squares = await makeSquares(path.join(det, 'data'), { images: 8, size: 32 });
  const common = ['--backbone', 'resnet_tiny', '--strategy', 'scratch', '--image-size', '32'];
  const trained = await Promise.all([
    runCli([
      'segment',
      'train',
      '--data',
      path.join(seg, 'data'),
      ...common,
      '--epochs',
      '1',
      '--out',
      path.join(seg, 'run'),
    ]),
    runCli([
      'detect',
      'train',
      '--data',
      squares.annotationFile,
      ...common,
      '--epochs',
      '1',
      '--out',
      path.join(det, 'run'),
    ]),
  ]);
  for (const t of trained) assert.equal(t.code, 0, t.stderr);
  const big = path.join(h.data, 'big.png');
  await write(big, await encode(Buffer.alloc(400 * 300 * 3, 128), 400, 300, 'png'));
  for (const task of ['segment', 'detect']) {
    // The run folder holds the bundle (its data lies beside it: an --out holds only the run).
    const model = path.join(task === 'segment' ? seg : det, 'run');
    const out = path.join(h.root, `${task}-predict`);
    const r = await vt(
      task,
      'predict',
      '--model',
      model,
      big,
      '--out',
      out,
      '--max-pixels',
      '100000',
    );
    assertRefused(r, 2, big, '400×300', '--max-pixels');
    const ok = await vt(task, 'predict', '--model', model, big, '--out', `${out}-ok`, '--json');
    assert.equal(ok.code, 0, ok.stderr);
  }
});
