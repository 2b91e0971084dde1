import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadTorchAddon } from '../engine/torch/addon.js';
import { freePort } from './options.js';

const addon = loadTorchAddon();
const collectives = addon.ok && (addon.addon as { distributed?: boolean }).distributed === true;
if (!collectives && process.env.VISIONTUNE_REQUIRE_TORCH)
  throw new Error('VISIONTUNE_REQUIRE_TORCH is set but the native engine has no collectives');
const skip = collectives ? false : 'the native engine has no c10d collectives';
const FIXTURE = fileURLToPath(new URL('./process-group-fixture.ts', import.meta.url));

interface Tensor {
  shape: number[];
  values: number[];
}
interface Seen {
  backend: string;
  inputs: Tensor[];
  summed: Tensor[];
  fromRank1: Tensor[];
  gathered: { rank: number; note: string }[];
  shared: number[];
}

function rank(backend: string, r: number, port: number): Promise<Seen> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', FIXTURE, backend, String(r), String(port)],
      { env: { ...process.env, GLOG_minloglevel: '2' } },
      (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout)),
    );
  });
}

for (const backend of ['torch', 'cpu']) {
  test(`collectives on the ${backend} backend: sums against a float64 reference, broadcast, gather, share`, {
    skip,
  }, async () => {
    const port = await freePort();
    const seen = await Promise.all([rank(backend, 0, port), rank(backend, 1, port)]);
    for (const [r, s] of seen.entries()) {
      assert.equal(s.backend, backend);
      s.summed.forEach((t, i) => {
        assert.deepEqual(t.shape, s.inputs[i]!.shape);
        t.values.forEach((v, k) => {
          const exact = seen[0]!.inputs[i]!.values[k]! + seen[1]!.inputs[i]!.values[k]!;
          assert.ok(Math.abs(v - exact) <= 1e-6, `rank ${r} tensor ${i}[${k}]: ${v} vs ${exact}`);
        });
      });
      assert.deepEqual(s.fromRank1, seen[1]!.inputs);
      assert.deepEqual(s.gathered, [
        { rank: 0, note: 'from 0' },
        { rank: 1, note: 'from 1' },
      ]);
      assert.deepEqual(s.shared, [1, 2, 3]);
    }
    // The inputs really differ between the ranks (the sums are not just doubling).
    assert.notDeepEqual(seen[0]!.inputs[0]!.values, seen[1]!.inputs[0]!.values);
  });
}
