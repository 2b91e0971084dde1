// The studio's runs end to end, with real `visiontune` CLI children on a tiny project: a run's
// live events over SSE, its details (history, evaluation), the queue, cancel and resume, a run
// the CLI made, the exports (zip, ONNX, quantized), info and schemas, and bad requests.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { unzipSync } from 'fflate';
import { createModel } from '../../backbones/create-model.js';
import { setupBackend } from '../../backbones/test-setup.js';
import { runCli } from '../../cli/run-cli.js';
import type {
  CommandSchema,
  ExportState,
  QueueState,
  RunDetail,
  RunEvent,
  RunSummary,
  StudioInfo,
} from '../api-types.js';
import type { VisiontuneStudio } from '../app.js';
import { makeColourProject, TINY_TRAIN, testStudio, waitFor } from './test-project.js';

const H = { 'x-visiontune-studio': '1' };
let dir: string;
let app: VisiontuneStudio;
let base: string;
let project: string;
const api = '/api/projects/colours';

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-studio-runs-'));
  app = await testStudio(dir);
  project = await makeColourProject(app.projectsDir, 'colours');
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  base = `http://127.0.0.1:${address.port}`;
});
after(async () => {
  await app.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function get<T>(url: string): Promise<T> {
  const res = await app.inject({ method: 'GET', url });
  assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
  return res.json() as T;
}

async function post<T>(url: string, body: unknown = {}, status?: number): Promise<T> {
  const res = await app.inject({ method: 'POST', url, headers: H, payload: body as object });
  if (status !== undefined) assert.equal(res.statusCode, status, res.body);
  else assert.ok(res.statusCode < 300, `${url}: ${res.statusCode} ${res.body}`);
  return res.json() as T;
}

const startRun = (options: Record<string, unknown> = TINY_TRAIN) =>
  post<RunSummary>(`${api}/runs`, { command: 'train', options }, 201);

const ended = (id: string) =>
  waitFor(`run ${id} to end`, async () => {
    const s = (await get<RunDetail>(`${api}/runs/${id}`)).summary;
    return ['queued', 'running'].includes(s.status) ? undefined : s;
  });

/** The run's events file has a batch event (the child is training). */
const training = (id: string) =>
  waitFor(`run ${id} to train`, async () => {
    const file = path.join(project, 'runs', id, 'events.jsonl');
    const text = await fs.readFile(file, 'utf8').catch(() => '');
    return text.includes('"type":"batch"') ? true : undefined;
  });

/** Reads a run's SSE stream until it ends. */
async function readStream(id: string): Promise<{ events: RunEvent[]; type: string | null }> {
  const res = await fetch(`${base}${api}/runs/${id}/events`);
  const events: RunEvent[] = [];
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>)
    text += decoder.decode(chunk, { stream: true });
  for (const block of text.split('\n\n'))
    for (const line of block.split('\n'))
      if (line.startsWith('data: ')) events.push(JSON.parse(line.slice(6)));
  return { events, type: res.headers.get('content-type') };
}

let first: RunSummary;

test('a run: SSE replays and follows its events to done; details; report and bundle files', async () => {
  first = await startRun();
  assert.equal(first.status, 'queued');
  assert.equal(first.origin, 'studio');
  assert.match(first.id, /^\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d-\d{3}-[0-9a-f]{6}$/);
  const { events, type } = await readStream(first.id);
  assert.match(type ?? '', /^text\/event-stream/);
  const types = events.map((e) => e.type);
  assert.equal(types[0], 'status');
  assert.ok(types.includes('log'));
  const batches = events.filter((e) => e.type === 'batch');
  assert.ok(batches.length >= 4, `${batches.length} batch events`);
  assert.deepEqual(
    events.filter((e) => e.type === 'epoch').map((e) => e.record.epoch),
    [1, 2],
  );
  assert.ok(types.includes('result'));
  const done = events.at(-1)!;
  assert.equal(done.type, 'done');
  assert.equal(done.summary.status, 'completed');
  assert.ok(done.summary.hasBundle && done.summary.hasReport);
  assert.equal(typeof done.summary.metrics?.accuracy, 'number');
  assert.deepEqual([done.summary.epoch, done.summary.epochs], [2, 2]);

  const detail = await get<RunDetail>(`${api}/runs/${first.id}`);
  assert.deepEqual(detail.config, TINY_TRAIN);
  assert.deepEqual(
    detail.history.map((r) => r.epoch),
    [1, 2],
  );
  assert.match(detail.cli ?? '', /^visiontune train --data \S+\/colours\/data --out \S+ --config /);
  const evaluation = detail.evaluation!;
  assert.equal(evaluation.evaluatedOn, 'test');
  assert.equal(evaluation.predictions.length, 6);
  for (const p of evaluation.predictions) {
    assert.match(p.id, /^data\/test\/(red|green|blue)\/\w+-\d\.png$/);
    await fs.access(path.join(project, p.id));
  }

  const report = await app.inject({ url: `${api}/runs/${first.id}/report` });
  assert.equal(report.statusCode, 200);
  assert.match(report.headers['content-type'] as string, /text\/html/);
  const meta = await get<{ task: string; labels: string[] }>(
    `${api}/runs/${first.id}/bundle/visiontune.json`,
  );
  assert.deepEqual([meta.task, meta.labels], ['classification', ['blue', 'green', 'red']]);
  const model = await app.inject({ url: `${api}/runs/${first.id}/bundle/model.json` });
  assert.equal(model.statusCode, 200);
  // The stream of an ended run replays and ends at once.
  const again = await readStream(first.id);
  assert.equal(again.events.at(-1)?.type, 'done');
});

test('runs queue: the second starts after the first ended; a queued run cancels', async () => {
  const a = await startRun({ ...TINY_TRAIN, epochs: 1 });
  const b = await startRun({ ...TINY_TRAIN, epochs: 1 });
  const c = await startRun({ ...TINY_TRAIN, epochs: 1 });
  const queue = await get<QueueState>('/api/queue');
  assert.deepEqual(queue.running, { project: 'colours', run: a.id });
  assert.deepEqual(queue.queued, [
    { project: 'colours', run: b.id },
    { project: 'colours', run: c.id },
  ]);
  // A queued run is just taken out of the queue.
  const removed = await post<RunSummary>(`${api}/runs/${c.id}/cancel`);
  assert.equal(removed.status, 'cancelled');
  assert.equal(removed.startedAt, undefined);
  assert.deepEqual((await get<QueueState>('/api/queue')).queued, [
    { project: 'colours', run: b.id },
  ]);
  const [endA, endB] = [await ended(a.id), await ended(b.id)];
  assert.equal(endA.status, 'completed');
  assert.equal(endB.status, 'completed');
  assert.ok(endB.startedAt! >= endA.endedAt!, `${endB.startedAt} < ${endA.endedAt}`);
  const list = await get<RunSummary[]>(`${api}/runs`);
  assert.deepEqual(
    list.slice(0, 3).map((r) => r.id),
    [c.id, b.id, a.id],
    'newest first',
  );
  assert.deepEqual(await get<QueueState>('/api/queue'), { queued: [] });
});

test('fewshot-fit: prototypes from the train split, its bundle in the run folder', async () => {
  const run = await post<RunSummary>(
    `${api}/runs`,
    { command: 'fewshot-fit', options: { backbone: 'resnet_tiny', imageSize: 32 } },
    201,
  );
  const done = await ended(run.id);
  assert.equal(done.status, 'completed', done.error);
  assert.ok(done.hasBundle);
  const meta = await get<{ labels: string[] }>(`${api}/runs/${run.id}/bundle/visiontune.json`);
  assert.deepEqual(meta.labels, ['blue', 'green', 'red']);
  const detail = await get<RunDetail>(`${api}/runs/${run.id}`);
  assert.match(
    detail.cli ?? '',
    /^visiontune fewshot fit --support \S+\/data\/train --out \S+\/bundle /,
  );
});

test('cancel mid-run, then resume: it continues from its last checkpoint to completion', async () => {
  const run = await startRun({ ...TINY_TRAIN, epochs: 15 });
  await training(run.id);
  const cancelled = await post<RunSummary>(`${api}/runs/${run.id}/cancel`);
  assert.equal(cancelled.status, 'cancelled');
  assert.ok((cancelled.epoch ?? 0) < 15);
  await post(`${api}/runs/${run.id}/cancel`, {}, 409);
  const queued = await post<RunSummary>(`${api}/runs/${run.id}/resume`);
  assert.equal(queued.status, 'queued');
  const done = await ended(run.id);
  assert.equal(done.status, 'completed', done.error);
  const detail = await get<RunDetail>(`${api}/runs/${run.id}`);
  assert.deepEqual(
    detail.history.map((r) => r.epoch),
    Array.from({ length: 15 }, (_, i) => i + 1),
  );
});

test('exports: the bundle zip, ONNX and the quantized zip, made once and downloaded', async () => {
  const url = `${api}/runs/${first.id}/exports`;
  assert.equal((await get<ExportState>(`${url}/onnx`)).status, 'missing');
  const zip = await post<ExportState>(url, { format: 'bundle-zip' });
  assert.equal(zip.status, 'ready');
  const download = await app.inject({ url: `${url}/bundle-zip/download` });
  assert.equal(download.statusCode, 200);
  assert.match(download.headers['content-disposition'] as string, /^attachment; filename="/);
  const files = unzipSync(new Uint8Array(download.rawPayload));
  const bundleFiles = await fs.readdir(path.join(project, 'runs', first.id, 'bundle'));
  for (const name of bundleFiles) assert.ok(files[name], `${name} in the zip`);
  assert.ok(files['model.json'] && files['visiontune.json']);

  const onnx = await post<ExportState>(url, { format: 'onnx' });
  assert.ok(['queued', 'running'].includes(onnx.status), onnx.status);
  const quantized = await post<ExportState>(url, { format: 'quantized-zip' });
  for (const format of ['onnx', 'quantized-zip']) {
    const state = await waitFor(`${format} export`, async () => {
      const s = await get<ExportState>(`${url}/${format}`);
      return ['queued', 'running'].includes(s.status) ? undefined : s;
    });
    assert.equal(state.status, 'ready', state.error);
    assert.ok((state.bytes ?? 0) > 0);
  }
  assert.ok(quantized);
  const model = await fs.readFile(path.join(project, 'runs', first.id, 'exports', 'model.onnx'));
  assert.ok(model.byteLength > 1000);
  const q = unzipSync(
    new Uint8Array((await app.inject({ url: `${url}/quantized-zip/download` })).rawPayload),
  );
  assert.ok(q['visiontune.json'] && q['model.json']);
  // Made once: asking again answers the file that is there.
  const stat = await fs.stat(path.join(project, 'runs', first.id, 'exports', 'bundle.zip'));
  await post(url, { format: 'bundle-zip' });
  const statAgain = await fs.stat(path.join(project, 'runs', first.id, 'exports', 'bundle.zip'));
  assert.equal(statAgain.mtimeMs, stat.mtimeMs);
});

test('a run the CLI wrote into PROJECT/runs/ shows up with origin cli', async () => {
  const out = path.join(project, 'runs', 'by-hand');
  const cli = await runCli([
    'train',
    '--data',
    path.join(project, 'data'),
    '--backbone',
    'resnet_tiny',
    '--strategy',
    'scratch',
    '--epochs',
    '1',
    '--image-size',
    '32',
    '--out',
    out,
  ]);
  assert.equal(cli.code, 0, cli.stderr);
  const list = await get<RunSummary[]>(`${api}/runs`);
  const byHand = list.find((r) => r.id === 'by-hand')!;
  assert.equal(byHand.origin, 'cli');
  assert.equal(byHand.command, 'cli');
  assert.equal(byHand.status, 'completed');
  assert.equal(typeof byHand.metrics?.accuracy, 'number');
  const detail = await get<RunDetail>(`${api}/runs/by-hand`);
  assert.equal(detail.config.backbone, 'resnet_tiny');
  assert.equal(detail.history.length, 1);
  assert.equal(detail.evaluation?.predictions.length, 6);
  const resume = await app.inject({
    method: 'POST',
    url: `${api}/runs/by-hand/resume`,
    headers: H,
  });
  assert.equal(resume.statusCode, 409);
});

test('info and option schemas', async () => {
  const info = await get<StudioInfo>('/api/info');
  assert.equal(info.dir, app.projectsDir);
  assert.ok(['torch', 'tensorflow', 'wasm', 'cpu'].includes(info.backend), info.backend);
  const tiny = info.backbones.find((b) => b.name === 'resnet_tiny')!;
  assert.deepEqual([tiny.pretrained, tiny.downloads], [false, false]);
  assert.ok(info.backbones.some((b) => b.downloads === true || b.downloads === false));

  const schema = await get<CommandSchema>('/api/schemas/train');
  assert.equal(schema.cli, 'visiontune train');
  const names = schema.fields.map((f) => f.name);
  for (const hidden of ['data', 'out', 'resume', 'overwrite', 'cacheDir'])
    assert.ok(!names.includes(hidden), hidden);
  const backbone = schema.fields.find((f) => f.name === 'backbone')!;
  assert.equal(backbone.kind, 'enum');
  assert.ok(backbone.choices?.includes('resnet_tiny') && backbone.common);
  const epochs = schema.fields.find((f) => f.name === 'epochs')!;
  assert.deepEqual(
    [epochs.kind, epochs.default, epochs.flag, epochs.common],
    ['integer', 10, '--epochs', true],
  );
  const imageSize = schema.fields.find((f) => f.name === 'imageSize')!;
  assert.equal(imageSize.kind, 'number-or-enum');
  assert.ok(!schema.fields.find((f) => f.name === 'mixup')!.common);
  for (const command of ['adapt', 'fewshot-fit', 'detect-train', 'segment-train']) {
    const s = await get<CommandSchema>(`/api/schemas/${command}`);
    assert.ok(s.fields.length > 3, command);
    assert.ok(
      !s.fields.some((f) =>
        ['data', 'source', 'target', 'support', 'out', 'images'].includes(f.name),
      ),
    );
  }
});

test('bad requests answer with the field and the reason', async () => {
  const res = (
    method: 'GET' | 'POST',
    url: string,
    payload?: object,
    headers: Record<string, string> = H,
  ) => app.inject({ method, url, headers, ...(payload && { payload }) });
  const unknown = await res('POST', `${api}/runs`, { command: 'fly', options: {} });
  assert.equal(unknown.statusCode, 400);
  assert.match(unknown.json().error.message, /command: 'fly'/);
  const invalid = await res('POST', `${api}/runs`, { command: 'train', options: { epochs: -1 } });
  assert.equal(invalid.statusCode, 400);
  assert.match(invalid.json().error.message, /epochs/);
  const typo = await res('POST', `${api}/runs`, { command: 'train', options: { epoks: 2 } });
  assert.equal(typo.statusCode, 400);
  assert.match(typo.json().error.message, /epoks/);
  const filled = await res('POST', `${api}/runs`, { command: 'train', options: { out: '/tmp/x' } });
  assert.equal(filled.statusCode, 400);
  assert.match(filled.json().error.message, /options\.out/);
  const wrongTask = await res('POST', `${api}/runs`, { command: 'detect-train', options: {} });
  assert.equal(wrongTask.statusCode, 400);
  assert.equal((await res('GET', '/api/schemas/fly')).statusCode, 400);
  assert.equal((await res('GET', `${api}/runs/no-such-run`)).statusCode, 404);
  assert.equal((await res('GET', '/api/projects/nope/runs')).statusCode, 404);
  // '..' as a segment is resolved by the URL itself; encoded, it reaches the route and is refused.
  assert.equal((await res('GET', `${api}/runs/..%2E`)).statusCode, 400);
  assert.equal(
    (await res('GET', `${api}/runs/${encodeURIComponent('../colours')}`)).statusCode,
    400,
  );
  assert.equal((await res('GET', `${api}/runs/.hidden/events`)).statusCode, 400);
  const outside = await res('GET', `${api}/runs/${first.id}/bundle/..%2F${'studio-run.json'}`);
  assert.equal(outside.statusCode, 400);
  const outside2 = await res(
    'GET',
    `${api}/runs/${first.id}/bundle/..%2F..%2F..%2Fvisiontune-project.json`,
  );
  assert.equal(outside2.statusCode, 400);
  assert.equal((await res('GET', `${api}/runs/${first.id}/bundle/nothing.bin`)).statusCode, 404);
  const noHeader = await res('POST', `${api}/runs`, { command: 'train', options: {} }, {});
  assert.equal(noHeader.statusCode, 403);
  const badFormat = await res('POST', `${api}/runs/${first.id}/exports`, { format: 'gif' });
  assert.equal(badFormat.statusCode, 400);
  assert.equal((await res('GET', `${api}/runs/${first.id}/exports/gif/download`)).statusCode, 400);
  // Nothing was queued by any of them.
  assert.deepEqual(await get<QueueState>('/api/queue'), { queued: [] });
});

test('a model saved into the studio folder’s backbones/ is offered and trains as a backbone', async () => {
  // A user's own network (here a small ResNet saved by TF.js), as `visiontune import --out`
  // would place it: the studio lists it and a run fine-tunes it through the CLI.
  await setupBackend();
  const location = path.join(app.projectsDir, 'backbones', 'mynet');
  const { model } = await createModel('resnet_tiny', { pretrained: false, numClasses: 4, seed: 3 });
  await model.save(`file://${location}`);
  model.dispose();
  const info = await get<StudioInfo>('/api/info');
  const mine = info.backbones.find((b) => b.name === location);
  assert.ok(mine?.description.includes('mynet'), JSON.stringify(info.backbones.at(-1)));
  const schema = await get<CommandSchema>('/api/schemas/train');
  assert.ok(schema.fields.find((f) => f.name === 'backbone')!.choices?.includes(location));
  const run = await startRun({ ...TINY_TRAIN, backbone: location, strategy: 'finetune' });
  const done = await ended(run.id);
  assert.equal(done.status, 'completed', done.error);
  const detail = await get<RunDetail>(`${api}/runs/${run.id}`);
  assert.equal(detail.config.backbone, location);
  // No project may take the folder's name.
  const taken = await app.inject({
    method: 'POST',
    url: '/api/projects',
    headers: H,
    payload: { name: 'backbones', task: 'classification' },
  });
  assert.equal(taken.statusCode, 400, taken.body);
});

test('two studios on one machine train one run at a time; a run waiting for the other cancels', async () => {
  // A second studio over another projects folder, sharing this one's machine lock.
  const otherDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-studio-other-'));
  const other = await testStudio(otherDir, path.join(dir, 'run.lock'));
  try {
    await makeColourProject(other.projectsDir, 'colours');
    const mine = await startRun({ ...TINY_TRAIN, epochs: 6 });
    await training(mine.id);
    const start = await other.inject({
      method: 'POST',
      url: `${api}/runs`,
      headers: H,
      payload: { command: 'train', options: TINY_TRAIN },
    });
    assert.equal(start.statusCode, 201, start.body);
    const theirs = start.json() as RunSummary;
    const theirStatus = async () =>
      ((await other.inject({ url: `${api}/runs/${theirs.id}` })).json() as RunDetail).summary;
    // While this studio's run trains, the other's waits (queued, no process).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal((await theirStatus()).status, 'queued');
    const done = await ended(mine.id);
    assert.equal(done.status, 'completed', done.error);
    const after = await waitFor('the other studio’s run to end', async () => {
      const s = await theirStatus();
      return ['queued', 'running'].includes(s.status) ? undefined : s;
    });
    assert.equal(after.status, 'completed', after.error);
    assert.ok(after.startedAt! >= done.endedAt!, 'it started after the first ended');

    // A run waiting for the machine cancels at once.
    const long = await startRun({ ...TINY_TRAIN, epochs: 40 });
    await training(long.id);
    const waiting = (
      await other.inject({
        method: 'POST',
        url: `${api}/runs`,
        headers: H,
        payload: { command: 'train', options: TINY_TRAIN },
      })
    ).json() as RunSummary;
    const cancel = await other.inject({
      method: 'POST',
      url: `${api}/runs/${waiting.id}/cancel`,
      headers: H,
    });
    assert.equal(cancel.statusCode, 200, cancel.body);
    assert.equal((cancel.json() as RunSummary).status, 'cancelled');
    // It stays cancelled when the machine frees up: no process ever starts for it.
    await post(`${api}/runs/${long.id}/cancel`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const record = JSON.parse(
      await fs.readFile(
        path.join(other.projectsDir, 'colours', 'runs', waiting.id, 'studio-run.json'),
        'utf8',
      ),
    );
    assert.deepEqual(
      [record.status, record.pid, record.startedAt],
      ['cancelled', undefined, undefined],
    );
  } finally {
    await other.close();
    await fs.rm(otherDir, { recursive: true, force: true });
  }
});
