// The weight cache against a real HTTP server on 127.0.0.1: download, resume after a cut
// connection (a Range request continues the part), digest refusal, cache hits without a request,
// offline errors, first-download pinning, a folder mirror, and one download for two callers.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { VisiontuneError } from '../errors.js';
import type { ZooSettings } from './settings.js';
import type { WeightsFile } from './types.js';
import { ensureWeightsFile } from './weights-file.js';

const BODY = randomBytes(300_000);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

/** What the server saw, and whether the next full response is cut half-way. */
const seen: { url: string; range?: string }[] = [];
let cutNext = false;
let server: http.Server;
let base: string;
let root: string;

before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-zoo-'));
  server = http.createServer((req, res) => {
    seen.push({ url: req.url!, range: req.headers.range });
    if (!req.url!.startsWith('/w/')) return res.writeHead(404).end();
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const from = m ? Number(m[1]) : 0;
    if (from >= BODY.length) return res.writeHead(416).end();
    res.writeHead(m ? 206 : 200, { 'content-length': BODY.length - from });
    if (cutNext) {
      cutNext = false;
      // Cut once the client has had time to store what was sent.
      res.write(BODY.subarray(from, from + 100_000), () => setTimeout(() => res.destroy(), 100));
      return;
    }
    res.end(BODY.subarray(from));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await fs.rm(root, { recursive: true, force: true });
});

let n = 0;
/** A fresh cache folder and a file entry served by the test server. */
async function fresh(file: Partial<WeightsFile> = {}) {
  const cacheDir = path.join(root, `cache-${n++}`);
  const settings: ZooSettings = { cacheDir, offline: false };
  const entry: WeightsFile = { url: `${base}/w/model.h5`, path: 'family/model.h5', ...file };
  return { settings, entry, dest: path.join(cacheDir, 'family', 'model.h5') };
}

const isError =
  (code: string, ...words: string[]) =>
  (e: unknown) =>
    e instanceof VisiontuneError && e.code === code && words.every((w) => e.message.includes(w));

test('downloads, verifies against the published digest, then serves from the cache', async () => {
  const { settings, entry, dest } = await fresh({ digest: { algorithm: 'md5', value: md5(BODY) } });
  const before = seen.length;
  assert.equal(await ensureWeightsFile(entry, 'x.imagenet', { settings }), dest);
  assert.deepEqual(await fs.readFile(dest), BODY);
  assert.equal((await fs.readFile(`${dest}.sha256`, 'utf8')).split(/\s+/)[0], sha256(BODY));
  await assert.rejects(fs.access(`${dest}.part`));
  assert.equal(seen.length, before + 1);
  // A hit makes no request, online or offline.
  assert.equal(await ensureWeightsFile(entry, 'x.imagenet', { settings }), dest);
  assert.equal(
    await ensureWeightsFile(entry, 'x.imagenet', { settings: { ...settings, offline: true } }),
    dest,
  );
  assert.equal(seen.length, before + 1);
});

test('a cut connection keeps the part; the next call resumes it with a Range request', async () => {
  const { settings, entry, dest } = await fresh({
    digest: { algorithm: 'sha256', value: sha256(BODY) },
  });
  cutNext = true;
  await assert.rejects(
    ensureWeightsFile(entry, 'x.imagenet', { settings, attempts: 1 }),
    isError('RUNTIME', 'run again to resume', `${dest}.part`),
  );
  const kept = (await fs.stat(`${dest}.part`)).size;
  assert.ok(kept > 0 && kept <= 100_000, `part holds what arrived (${kept} bytes)`);
  await assert.rejects(fs.access(dest), 'nothing half-downloaded is in place');
  await ensureWeightsFile(entry, 'x.imagenet', { settings });
  assert.equal(seen.at(-1)!.range, `bytes=${kept}-`);
  assert.deepEqual(await fs.readFile(dest), BODY);
});

test('without attempts left to spare, a cut transfer is retried from where it stopped', async () => {
  const { settings, entry, dest } = await fresh();
  cutNext = true;
  await ensureWeightsFile(entry, 'x.imagenet', { settings });
  assert.match(seen.at(-1)!.range ?? '', /^bytes=[1-9]\d*-$/);
  assert.deepEqual(await fs.readFile(dest), BODY);
});

test('a wrong digest is refused as bad input naming the weights and the file; nothing is kept', async () => {
  const { settings, entry, dest } = await fresh({
    digest: { algorithm: 'sha256', value: '0'.repeat(64) },
  });
  await assert.rejects(
    ensureWeightsFile(entry, 'x.imagenet', { settings }),
    isError(
      'BAD_INPUT',
      'x.imagenet',
      entry.url,
      `expected sha256 ${'0'.repeat(64)}`,
      sha256(BODY),
    ),
  );
  await assert.rejects(fs.access(dest));
  await assert.rejects(fs.access(`${dest}.part`));
});

test('offline: a missing file is bad input naming it, with no request', async () => {
  const { settings, entry, dest } = await fresh();
  const before = seen.length;
  await assert.rejects(
    ensureWeightsFile(entry, 'x.imagenet', { settings: { ...settings, offline: true } }),
    isError('BAD_INPUT', 'offline', dest, 'visiontune pull x.imagenet'),
  );
  assert.equal(seen.length, before);
});

test('without a published digest the first download is pinned; a changed file is caught', async () => {
  const { settings, entry, dest } = await fresh();
  await ensureWeightsFile(entry, 'x.imagenet', { settings });
  const bytes = Buffer.from(BODY);
  bytes[1234] ^= 0xff;
  await fs.writeFile(dest, bytes);
  await assert.rejects(
    ensureWeightsFile(entry, 'x.imagenet', { settings: { ...settings, offline: true } }),
    isError('BAD_INPUT', dest, 'damaged', `expected sha256 ${sha256(BODY)}`),
  );
  // Online, a damaged copy is replaced — by a download that matches the pin.
  await ensureWeightsFile(entry, 'x.imagenet', { settings });
  assert.deepEqual(await fs.readFile(dest), BODY);
});

test('a pinned file is not replaced by other bytes from the server', async () => {
  const { settings, entry, dest } = await fresh();
  await ensureWeightsFile(entry, 'x.imagenet', { settings });
  const other = 'f'.repeat(64);
  await fs.writeFile(`${dest}.sha256`, `${other}  model.h5\n`);
  await assert.rejects(
    ensureWeightsFile(entry, 'x.imagenet', { settings }),
    isError('BAD_INPUT', `expected sha256 ${other}`, `${dest}.sha256`, 'discarded'),
  );
  await assert.rejects(fs.access(dest));
});

test('a mirror replaces the origin: an http base or a folder, under the same path', async () => {
  const digest = { algorithm: 'sha256' as const, value: sha256(BODY) };
  const http1 = await fresh({ url: 'http://192.0.2.1/unreachable', path: 'model.h5', digest });
  await ensureWeightsFile(http1.entry, 'x', {
    settings: { ...http1.settings, mirror: `${base}/w/` },
  });
  assert.equal(seen.at(-1)!.url, '/w/model.h5');

  const folder = path.join(root, 'mirror');
  await fs.mkdir(path.join(folder, 'family'), { recursive: true });
  await fs.writeFile(path.join(folder, 'family', 'model.h5'), BODY);
  const local = await fresh({ url: 'http://192.0.2.1/unreachable', digest });
  await ensureWeightsFile(local.entry, 'x', { settings: { ...local.settings, mirror: folder } });
  assert.deepEqual(await fs.readFile(local.dest), BODY);
});

test('two callers at once: one download, both get the file', async () => {
  const { settings, entry, dest } = await fresh();
  const before = seen.length;
  const got = await Promise.all([
    ensureWeightsFile(entry, 'x', { settings }),
    ensureWeightsFile(entry, 'x', { settings }),
  ]);
  assert.deepEqual(got, [dest, dest]);
  assert.equal(seen.length, before + 1);
});

test('an HTTP error names the URL; a path that climbs out of the cache is refused', async () => {
  const { settings, entry } = await fresh({ url: `${base}/missing.h5` });
  await assert.rejects(
    ensureWeightsFile(entry, 'x', { settings }),
    isError('RUNTIME', `${base}/missing.h5`, '404'),
  );
  // A refused connection says why, not only "fetch failed".
  const shut = http.createServer();
  await new Promise<void>((r) => shut.listen(0, '127.0.0.1', r));
  const port = (shut.address() as AddressInfo).port;
  await new Promise((r) => shut.close(r));
  const closed = await fresh({ url: `http://127.0.0.1:${port}/weights.h5` });
  await assert.rejects(
    ensureWeightsFile(closed.entry, 'x', { settings: closed.settings, attempts: 1 }),
    isError('RUNTIME', `127.0.0.1:${port}/weights.h5`, 'ECONNREFUSED'),
  );
  const bad = await fresh({ path: '../outside.h5' });
  await assert.rejects(
    ensureWeightsFile(bad.entry, 'x', { settings: bad.settings }),
    isError('BAD_USAGE', '..'),
  );
});
