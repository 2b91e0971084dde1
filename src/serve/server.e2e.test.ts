// The server over real HTTP on 127.0.0.1 (ephemeral ports), with tiny bundles of each task: every
// route, answers equal to the library's predict paths, every limit as a JSON error, and after each
// bad request a good one still answered correctly.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { openBundle } from '../bundle/batch-model.js';
import { predictSamples } from '../bundle/predict.js';
import { openFiles } from '../data/index.js';
import { ConfigError } from '../errors.js';
import { setInputPolicy } from '../guard/index.js';
import {
  openDetectorBundle,
  runDetector,
  unannotated,
} from '../methods/detection/bundle-detector.js';
import { openSegmenterBundle, predictMasks } from '../methods/segmentation/bundle-segmenter.js';
import { createServer, type VisiontuneServer } from './app.js';
import { noiseImage, saveTinyBundles } from './test-bundles.js';

await tf.setBackend('cpu');

let bundles: Awaited<ReturnType<typeof saveTinyBundles>>;
let app: VisiontuneServer;
let base: string;
let photo: Buffer;
let photoFile: string;
let other: Buffer;

async function start(server: VisiontuneServer): Promise<string> {
  await server.listen({ port: 0, host: '127.0.0.1' });
  const address = server.server.address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
}

before(async () => {
  bundles = await saveTinyBundles();
  photo = await noiseImage(48, 36, 1);
  other = await noiseImage(20, 30, 2, 'png');
  photoFile = path.join(bundles.dir, 'photo.jpg');
  await fs.writeFile(photoFile, photo);
  app = createServer({
    model: [`cls=${bundles.classifier}`, `det=${bundles.detector}`, `seg=${bundles.segmenter}`],
    maxWaitMs: 20,
    bodyLimitMb: 0.5,
  });
  base = await start(app);
});
after(() => app.close());

const post = (url: string, body: BodyInit | Buffer, type?: string) =>
  fetch(url, {
    method: 'POST',
    body: body as BodyInit,
    headers: type ? { 'content-type': type } : {},
  });

// biome-ignore lint/suspicious/noExplicitAny: response bodies of several shapes, read field by field
type Body = any;

async function json(response: Response) {
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Body,
  };
}

/** The classifier's answer for `photo` as `visiontune predict` computes it (TF.js, loader path). */
let expectedClasses: { label: string; probability: number }[];

async function assertServesPhoto(where: string) {
  const { status, body } = await json(
    await post(`${base}/v1/models/cls/predict?top=3`, photo, 'image/jpeg'),
  );
  assert.equal(status, 200, `${where}: ${JSON.stringify(body)}`);
  assertSameClasses(body.results[0].classes, expectedClasses, where);
}

function assertSameClasses(
  got: { label: string; probability: number }[],
  want: { label: string; probability: number }[],
  where: string,
) {
  assert.deepEqual(
    got.map((c) => c.label),
    want.map((c) => c.label),
    where,
  );
  got.forEach((c, i) => {
    assert.ok(Math.abs(c.probability - want[i].probability) < 1e-4, where);
  });
}

test('classification: raw bytes, multipart and JSON base64 all answer what predict computes', async () => {
  const bundle = await openBundle(bundles.classifier, { engine: 'tfjs' });
  const source = await openFiles([photoFile]);
  const [reference] = await predictSamples(bundle, source, source.splits.test ?? [], { topK: 3 });
  expectedClasses = reference.top;
  await assertServesPhoto('raw image/jpeg');
  const octet = await json(
    await post(`${base}/v1/models/cls/predict?top=3`, photo, 'application/octet-stream'),
  );
  assertSameClasses(octet.body.results[0].classes, expectedClasses, 'octet-stream');

  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(other)], { type: 'image/png' }), 'other.png');
  form.append('image', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'photo.jpg');
  const multi = await json(await post(`${base}/v1/models/cls/predict?top=3`, form));
  assert.equal(multi.status, 200, JSON.stringify(multi.body));
  assert.deepEqual(
    multi.body.results.map((r: Body) => r.id),
    ['other.png', 'photo.jpg'],
  );
  assertSameClasses(multi.body.results[1].classes, expectedClasses, 'multipart');

  const b64 = {
    images: [other.toString('base64'), `data:image/jpeg;base64,${photo.toString('base64')}`],
  };
  const viaJson = await json(
    await post(`${base}/v1/models/cls/predict?top=3`, JSON.stringify(b64), 'application/json'),
  );
  assert.equal(viaJson.status, 200);
  assertSameClasses(viaJson.body.results[1].classes, expectedClasses, 'json');
  assert.deepEqual(viaJson.body.results[0], { ...multi.body.results[0], id: 'images[0]' });
  // ?top=k
  const one = await json(await post(`${base}/v1/models/cls/predict?top=1`, photo, 'image/jpeg'));
  assert.equal(one.body.results[0].classes.length, 1);
});

test('detection: COCO boxes in image pixels, as detect predict finds them', async () => {
  const detector = await openDetectorBundle(bundles.detector, { engine: 'onnx' });
  const samples = unannotated([photoFile]);
  const { results } = await runDetector(detector, samples);
  const want = results.get(samples[0])!;
  assert.ok(want.length > 0, 'the test detector should find something');
  const { status, body } = await json(
    await post(`${base}/v1/models/det/predict`, photo, 'image/jpeg'),
  );
  assert.equal(status, 200);
  const got = body.results[0];
  assert.deepEqual([got.width, got.height], [48, 36]);
  assert.equal(got.boxes.length, want.length);
  got.boxes.forEach((b: Body, i: number) => {
    assert.equal(b.label, detector.categories[want[i].category]);
    assert.ok(Math.abs(b.score - want[i].score) < 1e-6);
    b.bbox.forEach((v: number, k: number) => {
      assert.ok(Math.abs(v - want[i].bbox[k]) < 1e-6);
    });
  });
});

test('segmentation: an index mask PNG at the image size and class shares, as segment predict writes', async () => {
  const segmenter = await openSegmenterBundle(bundles.segmenter, { engine: 'onnx' });
  const out = path.join(bundles.dir, 'masks-out');
  const { predictions } = await predictMasks(segmenter, [photoFile], { out, draw: false });
  const { status, body } = await json(
    await post(`${base}/v1/models/seg/predict`, photo, 'image/jpeg'),
  );
  assert.equal(status, 200);
  const got = body.results[0];
  assert.deepEqual(got.classShares, predictions[0].classShares);
  assert.deepEqual([got.width, got.height], [48, 36]);
  const served = await sharp(Buffer.from(got.mask.data, 'base64')).raw().toBuffer();
  const written = await sharp(predictions[0].mask).raw().toBuffer();
  assert.deepEqual(served, written);
});

test('models, health, readiness, OpenAPI and the page', async () => {
  const list = await json(await fetch(`${base}/v1/models`));
  assert.deepEqual(
    list.body.models.map((m: Body) => [m.name, m.task]),
    [
      ['cls', 'classification'],
      ['det', 'detection'],
      ['seg', 'segmentation'],
    ],
  );
  const cls = await json(await fetch(`${base}/v1/models/cls`));
  assert.deepEqual(cls.body.labels, ['cat', 'dog', 'fox']);
  assert.deepEqual(cls.body.input, { width: 16, height: 16, channels: 3 });
  assert.equal(cls.body.preprocessing.cropPct, 0.875);
  assert.match(cls.body.engine, /^(onnx|tfjs)$/);
  assert.deepEqual((await json(await fetch(`${base}/healthz`))).body, { status: 'ok' });
  const ready = await json(await fetch(`${base}/readyz`));
  assert.equal(ready.status, 200);
  assert.equal(ready.body.ready, true);
  const openapi = await json(await fetch(`${base}/openapi.json`));
  assert.match(openapi.body.openapi, /^3\./);
  const predict = openapi.body.paths['/v1/models/{name}/predict'].post;
  assert.ok(predict.requestBody.content['multipart/form-data']);
  assert.ok(predict.requestBody.content['image/*']);
  assert.ok(predict.responses['429']);
  const page = await fetch(`${base}/`);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await page.text(), /\/v1\/models/);
});

test('concurrent requests share forward passes (batch-size metric above 1)', async () => {
  const metricsBefore = await (await fetch(`${base}/metrics`)).text();
  const statuses = await Promise.all(
    Array.from({ length: 8 }, () =>
      post(`${base}/v1/models/cls/predict`, photo, 'image/jpeg').then((r) => r.status),
    ),
  );
  assert.deepEqual(statuses, Array(8).fill(200));
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const read = (text: string, name: string) =>
    Number(new RegExp(`^${name}\\{model="cls"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  const images =
    read(metrics, 'visiontune_batch_size_sum') - read(metricsBefore, 'visiontune_batch_size_sum');
  const batches =
    read(metrics, 'visiontune_batch_size_count') -
    read(metricsBefore, 'visiontune_batch_size_count');
  assert.equal(images, 8);
  assert.ok(batches < 8, `8 concurrent requests ran in ${batches} batches`);
  assert.match(
    metrics,
    /^visiontune_http_requests_total\{route="\/v1\/models\/:name\/predict",method="POST",status="200"\} \d+$/m,
  );
  assert.match(
    metrics,
    /^visiontune_http_request_duration_seconds_bucket\{route="\/v1\/models\/:name\/predict",le="\+Inf"\} \d+$/m,
  );
  assert.match(metrics, /^visiontune_queue_depth\{model="cls"\} 0$/m);
});

/** A bad request gets `status` and `code` as JSON, and the server then still answers correctly. */
async function refused(response: Promise<Response>, status: number, code: string, where: string) {
  const r = await json(await response);
  assert.equal(r.status, status, `${where}: ${JSON.stringify(r.body)}`);
  assert.equal(r.body.error?.code, code, where);
  assert.ok(r.body.error.message.length > 0);
  await assertServesPhoto(`after ${where}`);
  return r;
}

test('limits: body size, pixels, non-images, corrupt data, unknown model, bad JSON and base64', async () => {
  const cls = `${base}/v1/models/cls/predict`;
  const big = Buffer.alloc(600 * 1024, 7);
  await refused(
    post(cls, big, 'application/octet-stream'),
    413,
    'BODY_TOO_LARGE',
    'raw body over --body-limit-mb',
  );
  const bigForm = new FormData();
  bigForm.append('image', new Blob([new Uint8Array(big)]), 'big.jpg');
  await refused(post(cls, bigForm), 413, 'BODY_TOO_LARGE', 'multipart file over --body-limit-mb');

  // A 4000×4000 PNG of one colour: a few kB of bytes, 16 megapixels decoded.
  const bomb = await sharp({
    create: { width: 4000, height: 4000, channels: 3, background: '#000' },
  })
    .png()
    .toBuffer();
  assert.ok(bomb.length < 100_000);
  const policy = setInputPolicy({ maxPixels: 1_000_000 });
  try {
    for (const model of ['cls', 'det', 'seg'])
      await refused(
        post(`${base}/v1/models/${model}/predict`, bomb, 'image/png'),
        413,
        'TOO_MANY_PIXELS',
        `pixel bomb (${model})`,
      );
  } finally {
    setInputPolicy(policy);
  }

  await refused(
    post(cls, Buffer.from('hello, not an image'), 'image/jpeg'),
    415,
    'NOT_AN_IMAGE',
    'text sent as image/jpeg',
  );
  await refused(post(cls, 'hello', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE', 'text/plain body');
  await refused(
    post(cls, photo.subarray(0, photo.length - 200), 'image/jpeg'),
    422,
    'BAD_IMAGE',
    'truncated JPEG',
  );
  await refused(
    post(`${base}/v1/models/nope/predict`, photo, 'image/jpeg'),
    404,
    'UNKNOWN_MODEL',
    'unknown model',
  );
  await refused(fetch(`${base}/v1/models/nope`), 404, 'UNKNOWN_MODEL', 'unknown model info');
  await refused(post(cls, '{"images": [', 'application/json'), 400, 'BAD_JSON', 'malformed JSON');
  await refused(
    post(cls, '{"images": ["@@not base64@@"]}', 'application/json'),
    400,
    'BAD_BASE64',
    'bad base64',
  );
  await refused(
    post(cls, '{"image": "x"}', 'application/json'),
    400,
    'BAD_REQUEST',
    'JSON without images',
  );
  await refused(post(`${cls}?top=0`, photo, 'image/jpeg'), 400, 'BAD_REQUEST', 'top=0');
  const many = JSON.stringify({ images: Array(40).fill(other.toString('base64')) });
  await refused(
    post(cls, many, 'application/json'),
    400,
    'TOO_MANY_IMAGES',
    'more than --max-images',
  );
});

test('a full queue answers 429 with Retry-After; the waiting requests are still answered', async () => {
  const small = createServer({
    model: [`cls=${bundles.classifier}`],
    engine: 'tfjs',
    maxBatch: 8,
    queueLimit: 2,
    maxWaitMs: 300,
  });
  const url = `${await start(small)}/v1/models/cls/predict`;
  try {
    const waiting = [post(url, photo, 'image/jpeg'), post(url, photo, 'image/jpeg')];
    await new Promise((r) => setTimeout(r, 100));
    const full = await json(await post(url, photo, 'image/jpeg'));
    assert.equal(full.status, 429);
    assert.equal(full.body.error.code, 'QUEUE_FULL');
    assert.ok(Number(full.headers.get('retry-after')) >= 1);
    for (const r of await Promise.all(waiting)) {
      const { status, body } = await json(r);
      assert.equal(status, 200);
      assertSameClasses(body.results[0].classes.slice(0, 3), expectedClasses, 'queued request');
    }
    assert.equal((await post(url, photo, 'image/jpeg')).status, 200);
  } finally {
    await small.close();
  }
});

test('a request past --timeout-ms answers 503 and leaves the queue; full batches still run', async () => {
  const slow = createServer({
    model: [`cls=${bundles.classifier}`],
    engine: 'tfjs',
    maxBatch: 2,
    maxWaitMs: 5000,
    timeoutMs: 300,
  });
  const url = `${await start(slow)}/v1/models/cls/predict?top=3`;
  try {
    const late = await json(await post(url, photo, 'image/jpeg'));
    assert.equal(late.status, 503);
    assert.equal(late.body.error.code, 'TIMEOUT');
    assert.ok(late.headers.get('retry-after'));
    const metrics = await (await fetch(url.replace(/\/v1.*/, '/metrics'))).text();
    assert.match(metrics, /^visiontune_queue_depth\{model="cls"\} 0$/m);
    // Two images fill a batch, which runs at once.
    const pair = await json(
      await post(
        url,
        JSON.stringify({ images: [photo.toString('base64'), photo.toString('base64')] }),
        'application/json',
      ),
    );
    assert.equal(pair.status, 200);
    assertSameClasses(pair.body.results[1].classes, expectedClasses, 'after a timeout');
  } finally {
    await slow.close();
  }
});

test('an API key guards /v1 routes; a non-loopback host without one is refused', async () => {
  const key = 'k'.repeat(24);
  const guarded = createServer({
    model: [`cls=${bundles.classifier}`],
    engine: 'tfjs',
    apiKey: key,
  });
  const url = await start(guarded);
  try {
    const none = await json(await fetch(`${url}/v1/models`));
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'UNAUTHORIZED');
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');
    const wrong = await fetch(`${url}/v1/models`, {
      headers: { authorization: `Bearer ${'x'.repeat(24)}` },
    });
    assert.equal(wrong.status, 401);
    const right = await fetch(`${url}/v1/models/cls/predict`, {
      method: 'POST',
      body: new Uint8Array(photo),
      headers: { authorization: `Bearer ${key}`, 'content-type': 'image/jpeg' },
    });
    assert.equal(right.status, 200);
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
  } finally {
    await guarded.close();
  }
  assert.throws(
    () => createServer({ model: ['cls=x'], host: '0.0.0.0' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /host: 0\.0\.0\.0 is not a loopback address/);
      return true;
    },
  );
  assert.doesNotThrow(() => createServer({ model: ['cls=x'], host: '::1' }));
});
