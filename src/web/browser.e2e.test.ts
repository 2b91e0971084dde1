// visiontune/web in real Chromium against visiontune in Node on the same JPEG: the page fetches
// and decodes it itself (createImageBitmap + canvas) and preprocesses with the shared TS code.
// One browser and one server for every case. Tolerances: model input 1/255 per value (in pixel
// units), probabilities 1e-4, boxes 0.5 px, masks 0.5% of pixels; measured values are printed.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'puppeteer-core';
import sharp from 'sharp';
import { createModel } from '../backbones/index.js';
import { closeBundle, openBundle } from '../bundle/batch-model.js';
import { loadBundle, saveBundle } from '../bundle/bundle.js';
import { writeBundleOnnx } from '../bundle/onnx/export-bundle.js';
import { preprocessing, RUN, randomizeWeights } from '../bundle/onnx/test-models.js';
import { predictSamples } from '../bundle/predict.js';
import { preprocessImages } from '../bundle/preprocess.js';
import { sharpDecoder } from '../data/decode-sharp.js';
import { openFiles, openFolder } from '../data/index.js';
import { initEngine } from '../engine/index.js';
import { buildDetector } from '../heads/detection/fcos-model.js';
import { buildDeeplabV3Plus } from '../heads/segmentation/deeplab.js';
import { openDetectorBundle, runDetector } from '../methods/detection/bundle-detector.js';
import { addClasses } from '../methods/fewshot/classifier/add.js';
import { fitFewShotClassifier } from '../methods/fewshot/classifier/fit.js';
import { patternFolder } from '../methods/fewshot/classifier/test-folders.js';
import { openSegmenterBundle, predictMasks } from '../methods/segmentation/bundle-segmenter.js';
import { Rng } from '../util/rng.js';
import { launchChromium, openTestPage, serveTestPage } from './test-browser.js';
import type { TestPage } from './test-page.js';
import { writePhotoJpeg } from './test-photo.js';

let work: string;
let photo: string;
let server: Awaited<ReturnType<typeof serveTestPage>>;
let chromium: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;

/** The classification bundle both the TF.js and the ONNX cases run. */
async function saveClassifier() {
  const size = 96;
  const labels = ['a', 'b', 'c', 'd', 'e'];
  const { model } = await createModel('mobilenet_v2_035', {
    numClasses: labels.length,
    pretrained: false,
    inputSize: size,
  });
  randomizeWeights(model, 3);
  const meta = await saveBundle(path.join(work, 'classifier'), model, {
    task: 'classification',
    labels,
    preprocessing: preprocessing(size),
    backbone: { name: 'mobilenet_v2_035' },
    ...RUN,
  });
  model.dispose();
  return { meta, labels };
}
let classifier: Awaited<ReturnType<typeof saveClassifier>>;

before(async () => {
  await initEngine({ backend: 'auto' });
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-web-'));
  photo = path.join(work, 'photo.jpg');
  await writePhotoJpeg(photo, 640, 480, 1);
  classifier = await saveClassifier();
  server = await serveTestPage(work);
  chromium = await launchChromium();
  page = await openTestPage(chromium.browser, server.origin);
  await page.evaluate(() => (globalThis as unknown as TestPage).tf.setBackend('cpu'));
});
after(async () => {
  await chromium?.close();
  await server?.close();
  await fs.rm(work, { recursive: true, force: true });
});

function maxAbsDiff(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  scale: (i: number) => number = () => 1,
) {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!) * scale(i));
  return max;
}

test('classification: the page decodes and resizes the JPEG as Node does; same probabilities', async (t) => {
  const { meta, labels } = classifier;
  const dir = path.join(work, 'classifier');

  const decoded = await sharpDecoder().decode(photo, photo);
  const nodeInput = preprocessImages(meta.preprocessing, [decoded]);
  const bundle = await openBundle(dir, { engine: 'tfjs' });
  const source = await openFiles([photo]);
  const [prediction] = await predictSamples(bundle, source, source.splits.test ?? [], {
    topK: labels.length,
  });
  await closeBundle(bundle);
  const nodeProbs = labels.map((_, i) => prediction!.top.find((s) => s.index === i)!.probability);

  const web = await page.evaluate(async () => {
    const { vt } = globalThis as unknown as TestPage;
    const b = await vt.loadBundle('/files/classifier/');
    const image = await vt.fetchImage('/files/photo.jpg');
    const input: Float32Array = await vt.preprocess(b, image);
    const result = await vt.classify(b, image, { topK: 5 });
    let bin = '';
    for (const v of image.data as Uint8Array) bin += String.fromCharCode(v);
    return {
      pixels: btoa(bin),
      width: image.width,
      height: image.height,
      input: Array.from(input),
      probabilities: Array.from(result.probabilities as Float32Array),
      top: result.top,
    };
  });
  assert.deepEqual([web.width, web.height], [decoded.width, decoded.height]);
  const pixels = Buffer.from(web.pixels, 'base64');
  const decodeDiff = maxAbsDiff(pixels, decoded.data);
  const differing = pixels.reduce((n, v, i) => n + (v !== decoded.data[i] ? 1 : 0), 0);
  const std = meta.preprocessing.std;
  const inputDiff = maxAbsDiff(web.input, nodeInput, (i) => std[i % 3]! * 255);
  const probDiff = maxAbsDiff(web.probabilities, nodeProbs);
  t.diagnostic(
    `JPEG decode: max |Δ| ${decodeDiff}/255, ${differing} of ${pixels.length} values differ; model input max |Δ| ${inputDiff.toFixed(4)}/255; probabilities max |Δ| ${probDiff.toExponential(2)}`,
  );
  assert.ok(inputDiff <= 1 + 1e-3, `model input differs by ${inputDiff}/255`);
  assert.ok(probDiff <= 1e-4, `probabilities differ by ${probDiff}`);
  assert.deepEqual(
    web.top.map((s: { label: string }) => s.label),
    prediction!.top.map((s) => s.label),
  );
  assert.ok(Math.max(...nodeProbs) - Math.min(...nodeProbs) > 0.01, 'probabilities not trivial');
});

test('detection: same boxes in image pixels as `detect predict`', async (t) => {
  const size = 96;
  const d = await buildDetector({
    backbone: 'mobilenet_v2_035',
    pretrained: false,
    numClasses: 2,
    inputSize: size,
    channels: 16,
  });
  randomizeWeights(d.model, 9);
  const dir = path.join(work, 'detector');
  await saveBundle(dir, d.model, {
    task: 'detection',
    labels: ['one', 'two'],
    preprocessing: preprocessing(size),
    backbone: { name: 'mobilenet_v2_035' },
    detection: {
      head: 'fcos',
      strides: [...d.layout.strides],
      scoreThreshold: 0.3,
      nmsIou: 0.5,
      maxDetections: 20,
    },
    ...RUN,
  });
  d.model.dispose();

  const detector = await openDetectorBundle(dir, { engine: 'tfjs' });
  const sample = { id: photo, width: 0, height: 0, boxes: [] };
  const { results } = await runDetector(detector, [sample]);
  await closeBundle(detector.bundle);
  const nodeBoxes = results.get(sample)!;

  const webBoxes = await page.evaluate(async () => {
    const { vt } = globalThis as unknown as TestPage;
    const b = await vt.loadBundle('/files/detector/');
    return vt.detect(b, await vt.fetchImage('/files/photo.jpg'));
  });
  assert.ok(nodeBoxes.length > 0, 'the detector finds something to compare');
  assert.equal(webBoxes.length, nodeBoxes.length);
  let boxDiff = 0;
  let scoreDiff = 0;
  nodeBoxes.forEach((n, i) => {
    const w = webBoxes[i]!;
    assert.equal(w.category, n.category);
    assert.equal(w.label, ['one', 'two'][n.category]);
    boxDiff = Math.max(boxDiff, maxAbsDiff(w.bbox, n.bbox));
    scoreDiff = Math.max(scoreDiff, Math.abs(w.score - n.score));
  });
  t.diagnostic(
    `${nodeBoxes.length} boxes; max |Δ| box ${boxDiff.toExponential(2)} px, score ${scoreDiff.toExponential(2)}`,
  );
  assert.ok(boxDiff <= 0.5, `boxes differ by ${boxDiff} px`);
  assert.ok(scoreDiff <= 1e-4, `scores differ by ${scoreDiff}`);
});

test('segmentation: the same mask at image size as `segment predict`', async (t) => {
  const size = 64;
  const labels = ['background', 'x', 'y'];
  const s = await buildDeeplabV3Plus({
    backbone: 'mobilenet_v2_035',
    pretrained: false,
    numClasses: labels.length,
    inputSize: size,
    channels: 16,
  });
  randomizeWeights(s.model, 8);
  const dir = path.join(work, 'segmenter');
  await saveBundle(dir, s.model, {
    task: 'segmentation',
    labels,
    preprocessing: preprocessing(size),
    backbone: { name: 'mobilenet_v2_035' },
    segmentation: {
      decoder: 'deeplabv3plus',
      ignoreIndex: 255,
      maskMode: 'index',
      inference: 'resize',
    },
    ...RUN,
  });
  s.model.dispose();

  const segmenter = await openSegmenterBundle(dir, { engine: 'tfjs' });
  const out = path.join(work, 'masks');
  const { predictions } = await predictMasks(segmenter, [photo], { out, draw: false });
  await closeBundle(segmenter.bundle);
  const [predicted] = predictions;
  const nodeMask = await sharp(predicted!.mask).extractChannel(0).raw().toBuffer();

  const web = await page.evaluate(async () => {
    const { vt } = globalThis as unknown as TestPage;
    const b = await vt.loadBundle('/files/segmenter/');
    const result = await vt.segment(b, await vt.fetchImage('/files/photo.jpg'));
    return {
      mask: Array.from(result.mask.data),
      width: result.mask.width,
      height: result.mask.height,
      classShares: result.classShares,
    };
  });
  assert.deepEqual([web.width, web.height], [640, 480]);
  assert.equal(nodeMask.length, web.mask.length);
  const differing = web.mask.reduce((n, v, i) => n + (v !== nodeMask[i] ? 1 : 0), 0);
  const shareDiff = maxAbsDiff(
    labels.map((l) => web.classShares[l] ?? 0),
    labels.map((l) => predicted!.classShares[l] ?? 0),
  );
  t.diagnostic(
    `${differing} of ${web.mask.length} mask pixels differ (${((100 * differing) / web.mask.length).toFixed(4)}%); class shares max |Δ| ${shareDiff.toExponential(2)}`,
  );
  assert.ok(new Set(nodeMask).size > 1, 'the mask is not one class');
  assert.ok(differing <= 0.005 * web.mask.length, `${differing} mask pixels differ`);
});

test('ONNX export: onnxruntime-web (wasm) in the page gives the probabilities of Node ONNX Runtime', async (t) => {
  const dir = path.join(work, 'classifier');
  const file = path.join(work, 'classifier.onnx');
  const loaded = await loadBundle(dir);
  await writeBundleOnnx(loaded, file);
  loaded.model.dispose();
  const bundle = await openBundle(file, { engine: 'onnx' });
  const source = await openFiles([photo]);
  const [prediction] = await predictSamples(bundle, source, source.splits.test ?? [], {
    topK: loaded.meta.labels.length,
  });
  await closeBundle(bundle);
  const nodeProbs = loaded.meta.labels.map(
    (_, i) => prediction!.top.find((s) => s.index === i)!.probability,
  );

  const web = await page.evaluate(async () => {
    const { vt, ort } = globalThis as unknown as TestPage;
    ort.env.wasm.wasmPaths = '/ort/';
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create('/files/classifier.onnx', {
      executionProviders: ['wasm'],
    });
    const { meta } = await vt.loadBundle('/files/classifier/');
    const b = { url: '/files/classifier.onnx', meta, model: vt.onnxRunner(ort, session) };
    const result = await vt.classify(b, await vt.fetchImage('/files/photo.jpg'), { topK: 5 });
    return Array.from(result.probabilities);
  });
  const probDiff = maxAbsDiff(web, nodeProbs);
  t.diagnostic(`probabilities max |Δ| ${probDiff.toExponential(2)}`);
  assert.ok(probDiff <= 1e-4, `probabilities differ by ${probDiff}`);
});

test('few-shot: classes added in the page from its own images match `fewshot add`', async (t) => {
  const first = path.join(work, 'fewshot');
  const grown = path.join(work, 'fewshot-grown');
  const old = await openFolder(await patternFolder(path.join(work, 'old'), ['ant', 'bee'], 3));
  await fitFewShotClassifier({ backbone: 'resnet_tiny', imageSize: 32, support: old, out: first });
  const added = { cat: [11, 12], dog: [21, 22] };
  for (const [label, seeds] of Object.entries(added)) {
    await fs.mkdir(path.join(work, 'new', label), { recursive: true });
    for (const seed of seeds)
      await writePhotoJpeg(path.join(work, 'new', label, `${seed}.jpg`), 160, 120, seed);
  }
  await addClasses({
    bundle: first,
    support: await openFolder(path.join(work, 'new')),
    out: grown,
  });
  const bundle = await openBundle(grown, { engine: 'tfjs' });
  const labels = bundle.meta.labels;
  const source = await openFiles([photo]);
  const [prediction] = await predictSamples(bundle, source, source.splits.test ?? [], {
    topK: labels.length,
  });
  await closeBundle(bundle);
  const nodeProbs = labels.map((_, i) => prediction!.top.find((s) => s.index === i)!.probability);

  const web = await page.evaluate(async (added: Record<string, number[]>) => {
    const { vt } = globalThis as unknown as TestPage;
    const b = await vt.loadBundle('/files/fewshot/');
    // No named helper functions in here: tsx would wrap them in a __name the page lacks.
    const classes = await Promise.all(
      Object.entries(added).map(async ([label, seeds]) => ({
        label,
        images: await Promise.all(
          seeds.map(async (s) => (await fetch(`/files/new/${label}/${s}.jpg`)).blob()),
        ),
      })),
    );
    const grownBundle = await vt.addClasses(b, classes);
    const result = await vt.classify(grownBundle, await (await fetch('/files/photo.jpg')).blob(), {
      topK: 4,
    });
    return {
      labels: grownBundle.meta.labels,
      records: grownBundle.meta.fewshot?.classes.map((c) => [c.label, c.shots, c.addedBy]),
      probabilities: Array.from(result.probabilities),
    };
  }, added);
  assert.deepEqual(web.labels, labels);
  assert.deepEqual(web.records, [
    ['ant', 3, 'fit'],
    ['bee', 3, 'fit'],
    ['cat', 2, 'add'],
    ['dog', 2, 'add'],
  ]);
  const probDiff = maxAbsDiff(web.probabilities, nodeProbs);
  t.diagnostic(`probabilities after adding 2 classes: max |Δ| ${probDiff.toExponential(2)}`);
  assert.ok(probDiff <= 1e-4, `probabilities differ by ${probDiff}`);
  assert.ok(Math.max(...nodeProbs.slice(2)) > 0.01, 'the added classes take part');
});

test('a PNG with alpha: the page flattens it onto white as Node does', async (t) => {
  const rng = new Rng(4);
  const [width, height] = [64, 48];
  const rgba = Uint8Array.from({ length: width * height * 4 }, () => rng.int(256));
  const file = path.join(work, 'alpha.png');
  await sharp(rgba, { raw: { width, height, channels: 4 } })
    .png()
    .toFile(file);
  const node = await sharpDecoder().decode(file, file);
  const web = await page.evaluate(async () => {
    const { vt } = globalThis as unknown as TestPage;
    return Array.from((await vt.fetchImage('/files/alpha.png')).data);
  });
  const diff = maxAbsDiff(web, node.data);
  const differing = web.reduce((n, v, i) => n + (v !== node.data[i] ? 1 : 0), 0);
  // The canvas stores premultiplied alpha: a translucent pixel's colour is quantized there.
  t.diagnostic(`max |Δ| ${diff}/255, ${differing} of ${web.length} values differ`);
  assert.ok(diff <= 1, `pixels differ by ${diff}/255`);
});
