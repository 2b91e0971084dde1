// `visiontune serve` as a user starts it: the real binary (as runCli runs it), a request in flight
// when SIGTERM arrives is still answered and the process exits 0; a non-loopback bind without an
// API key is refused with exit code 2.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { noiseImage, saveTinyBundles } from '../../serve/test-bundles.js';
import { CLI_ARGV, runCli } from '../run-cli.js';

test('SIGTERM: the in-flight request is answered, new connections are refused, exit 0', async () => {
  const { classifier } = await saveTinyBundles();
  // A long batch wait keeps the request in flight while the signal arrives.
  const args = [
    'serve',
    '--model',
    `cls=${classifier}`,
    '--port',
    '0',
    '--json',
    '--max-wait-ms',
    '1500',
  ];
  const child = spawn(process.execPath, [...CLI_ARGV, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = once(child, 'exit');
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        try {
          resolve((JSON.parse(stdout) as { url: string }).url);
        } catch {}
      });
      child.once('exit', () => reject(new Error(`serve exited early:\n${stdout}\n${stderr}`)));
    });
    const photo = await noiseImage(24, 24, 3);
    const inFlight = fetch(`${url}/v1/models/cls/predict`, {
      method: 'POST',
      body: new Uint8Array(photo),
      headers: { 'content-type': 'image/jpeg' },
    });
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    const response = await inFlight;
    assert.equal(response.status, 200);
    const body = (await response.json()) as { results: { classes: unknown[] }[] };
    assert.equal(body.results[0].classes.length, 3);
    const [code] = await exited;
    assert.equal(code, 0, stderr);
    await assert.rejects(fetch(`${url}/healthz`));
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('a non-loopback host without --api-key is refused (exit 2, naming the flag)', async () => {
  const run = await runCli(['serve', '--model', 'a=somewhere', '--host', '0.0.0.0'], 'cpu');
  assert.equal(run.code, 2);
  assert.match(run.stderr, /--host.*0\.0\.0\.0 is not a loopback address.*--api-key/);
});
