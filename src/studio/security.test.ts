// The studio's guard through a real app: a non-loopback bind needs a token; a foreign Host (DNS
// rebinding) or Origin is refused; changes need the studio header; with a token, every request
// needs it (Bearer, or the cookie that opening /?token=… sets), compared as a whole.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createStudio, type VisiontuneStudio } from './app.js';

const TOKEN = 'a-studio-token-of-32-characters!';
let dir: string;
let ui: string;

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-studio-guard-'));
  ui = path.join(dir, 'ui');
  await fs.mkdir(ui);
  await fs.writeFile(path.join(ui, 'index.html'), '<!doctype html><title>studio</title>');
});
after(() => fs.rm(dir, { recursive: true, force: true }));

async function studio(options: { host?: string; token?: string }, name: string) {
  return createStudio({ dir: path.join(dir, name), uiDir: ui, port: 0, ...options });
}

const code = (err: unknown) => (err as { code?: string }).code;

test('beyond loopback without a token the studio does not start; a short token is refused', async () => {
  await assert.rejects(studio({ host: '0.0.0.0' }, 'a'), (err) => {
    assert.equal(code(err), 'BAD_USAGE');
    assert.match((err as Error).message, /0\.0\.0\.0 is not a loopback address.*--token/);
    return true;
  });
  await assert.rejects(studio({ host: '0.0.0.0', token: 'short' }, 'b'), /16 characters/);
});

test('loopback: a foreign Host or Origin is refused, changes need the header', async () => {
  const app: VisiontuneStudio = await studio({}, 'c');
  try {
    const get = (headers: Record<string, string>) =>
      app.inject({ url: '/api/projects', headers: { host: '127.0.0.1:5170', ...headers } });
    assert.equal((await get({})).statusCode, 200);
    assert.equal((await get({ host: 'localhost:5170' })).statusCode, 200);
    assert.equal((await get({ host: '[::1]:5170' })).statusCode, 200);
    const rebound = await get({ host: 'evil.example:5170' });
    assert.equal(rebound.statusCode, 403);
    assert.equal(rebound.json().error.code, 'FORBIDDEN_HOST');
    const foreign = await get({ origin: 'http://evil.example' });
    assert.equal(foreign.statusCode, 403);
    assert.equal(foreign.json().error.code, 'FORBIDDEN_ORIGIN');
    assert.equal((await get({ origin: 'http://127.0.0.1:5170' })).statusCode, 200);
    const post = (headers: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url: '/api/projects',
        headers: { host: '127.0.0.1:5170', ...headers },
        payload: { name: 'p', task: 'classification' },
      });
    const bare = await post({});
    assert.equal(bare.statusCode, 403);
    assert.equal(bare.json().error.code, 'MISSING_HEADER');
    assert.equal((await post({ 'x-visiontune-studio': '1' })).statusCode, 201);
  } finally {
    await app.close();
  }
});

test('with a token: none, a wrong one or a prefix is 401; Bearer or the cookie from /?token= pass', async () => {
  const app = await studio({ host: '0.0.0.0', token: TOKEN }, 'd');
  try {
    const get = (url: string, headers: Record<string, string> = {}) =>
      app.inject({ url, headers: { host: '192.0.2.7:5170', ...headers } });
    const none = await get('/api/projects');
    assert.equal(none.statusCode, 401);
    assert.match(none.json().error.message, /token/);
    assert.equal((await get('/api/projects', { authorization: 'Bearer wrong' })).statusCode, 401);
    const prefix = `Bearer ${TOKEN.slice(0, -1)}`;
    assert.equal((await get('/api/projects', { authorization: prefix })).statusCode, 401);
    assert.equal((await get('/', { authorization: 'Bearer wrong' })).statusCode, 401);
    assert.equal(
      (await get('/api/projects', { authorization: `Bearer ${TOKEN}` })).statusCode,
      200,
    );
    const opened = await get(`/?token=${encodeURIComponent(TOKEN)}`);
    assert.equal(opened.statusCode, 200);
    const cookie = String(opened.headers['set-cookie']);
    assert.match(cookie, /HttpOnly; SameSite=Strict/);
    const withCookie = await get('/api/projects', { cookie: cookie.split(';')[0]! });
    assert.equal(withCookie.statusCode, 200);
  } finally {
    await app.close();
  }
});
