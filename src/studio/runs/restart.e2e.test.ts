// A studio that stops while a run trains: closing the app stops the child and marks the run
// interrupted, a queued run stays queued on disk; the next app lists the run as interrupted and
// queues the waiting one again, and resuming the interrupted run completes it from its checkpoint.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { RunDetail, RunSummary } from '../api-types.js';
import type { VisiontuneStudio } from '../app.js';
import { readRunRecord, writeRunRecord } from './run-files.js';
import { makeColourProject, TINY_TRAIN, testStudio, waitFor } from './test-project.js';

const H = { 'x-visiontune-studio': '1' };
const api = '/api/projects/colours';
let dir: string;
let project: string;

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-studio-restart-'));
});
after(() => fs.rm(dir, { recursive: true, force: true }));

const post = async (app: VisiontuneStudio, url: string, payload: object = {}) => {
  const res = await app.inject({ method: 'POST', url, headers: H, payload });
  assert.ok(res.statusCode < 300, `${url}: ${res.statusCode} ${res.body}`);
  return res.json() as RunSummary;
};
const summary = async (app: VisiontuneStudio, id: string) =>
  ((await app.inject({ url: `${api}/runs/${id}` })).json() as RunDetail).summary;

test('close while a run trains → interrupted; the next app lists it, requeues, and resumes it', async () => {
  const first = await testStudio(dir);
  project = await makeColourProject(first.projectsDir, 'colours');
  const long = await post(first, `${api}/runs`, {
    command: 'train',
    options: { ...TINY_TRAIN, epochs: 12 },
  });
  const waiting = await post(first, `${api}/runs`, {
    command: 'train',
    options: { ...TINY_TRAIN, epochs: 1 },
  });
  const runDir = path.join(project, 'runs', long.id);
  await waitFor('the first epoch', async () => {
    const text = await fs.readFile(path.join(runDir, 'metrics.jsonl'), 'utf8').catch(() => '');
    return text.trim() ? true : undefined;
  });
  const pid = (await readRunRecord(runDir))!.pid!;
  // A client following the run's events: its stream ends when the app closes.
  await first.listen({ host: '127.0.0.1', port: 0 });
  const { port } = first.server.address() as { port: number };
  const stream = await fetch(`http://127.0.0.1:${port}${api}/runs/${long.id}/events`);
  const streamed = stream.text();
  await first.close();
  assert.match(await streamed, /"type":"batch"/);
  const record = await readRunRecord(runDir);
  assert.equal(record?.status, 'interrupted');
  assert.throws(() => process.kill(pid, 0), 'the child is gone');
  assert.equal((await readRunRecord(path.join(project, 'runs', waiting.id)))?.status, 'queued');

  const second = await testStudio(dir);
  try {
    const listed = (await second.inject({ url: `${api}/runs` })).json() as RunSummary[];
    assert.equal(listed.find((r) => r.id === long.id)?.status, 'interrupted');
    // The waiting run was queued again and runs first; the resumed one after it.
    const resumed = await post(second, `${api}/runs/${long.id}/resume`);
    assert.equal(resumed.status, 'queued');
    const done = await waitFor(
      'the resumed run',
      async () => {
        const s = await summary(second, long.id);
        return ['queued', 'running'].includes(s.status) ? undefined : s;
      },
      90_000,
    );
    assert.equal(done.status, 'completed', done.error);
    const other = await summary(second, waiting.id);
    assert.equal(other.status, 'completed');
    assert.ok(other.endedAt! <= done.startedAt!, 'the requeued run went first');
    const detail = (await second.inject({ url: `${api}/runs/${long.id}` })).json() as RunDetail;
    assert.deepEqual(
      detail.history.map((r) => r.epoch),
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    const events = await fs.readFile(path.join(runDir, 'events.jsonl'), 'utf8');
    assert.match(events, /resum/i, 'the CLI said it resumed');
  } finally {
    await second.close();
  }
});

test('a run left running by a process that is gone is interrupted at the next start; a damaged one is listed', async () => {
  const runDir = path.join(project, 'runs', 'ghost-run');
  await fs.mkdir(runDir, { recursive: true });
  await writeRunRecord(runDir, {
    command: 'train',
    options: TINY_TRAIN,
    status: 'running',
    createdAt: new Date().toISOString(),
    pid: 2 ** 22 + 12345, // above Linux's pid_max: no such process
  });
  const damaged = path.join(project, 'runs', 'damaged-run');
  await fs.mkdir(damaged, { recursive: true });
  await fs.writeFile(path.join(damaged, 'studio-run.json'), '{"status": "running"');
  const app = await testStudio(dir);
  try {
    assert.equal((await summary(app, 'ghost-run')).status, 'interrupted');
    // A damaged record is listed with what is wrong; the other runs are listed as ever.
    const list = (await app.inject({ url: `${api}/runs` })).json() as RunSummary[];
    const listed = list.find((r) => r.id === 'damaged-run');
    assert.equal(listed?.status, 'failed');
    assert.match(listed?.error ?? '', /studio-run\.json/);
    assert.equal(list.length, 4);
  } finally {
    await app.close();
  }
});
