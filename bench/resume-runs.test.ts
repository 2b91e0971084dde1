// Tests for the benchmarks' --resume (run explicitly: node --import tsx --test
// bench/resume-runs.test.ts): earlier runs are taken by key, the first file's copy wins, and an
// output of other settings or another benchmark is refused naming the file.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { resumedLookup, resumeRuns } from './resume-runs.js';

interface Run {
  name: string;
  accuracy: number;
}
let root = '';
const settingsOf = (report: Record<string, unknown>) => {
  const { epochs, size } = report.setup as Record<string, unknown>;
  return { epochs, size };
};
const output = async (file: string, benchmark: string, epochs: number, runs: Run[]) => {
  const path = join(root, file);
  // `seeds` differs between the files: it is not among the compared settings.
  await writeFile(
    path,
    JSON.stringify({ benchmark, setup: { epochs, size: 64, seeds: [runs.length] }, runs }),
  );
  return path;
};

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'resume-runs-'));
});
after(() => rm(root, { recursive: true, force: true }));

test('runs of outputs with the same settings are taken by key, the first copy winning', async () => {
  const a = await output('a.json', 'peft', 6, [
    { name: 'x', accuracy: 0.5 },
    { name: 'y', accuracy: 0.6 },
  ]);
  const b = await output('b.json', 'peft', 6, [
    { name: 'y', accuracy: 0.9 },
    { name: 'z', accuracy: 0.7 },
  ]);
  const runs = await resumeRuns<Run>([a, b], 'peft', { epochs: 6, size: 64 }, settingsOf);
  assert.equal(runs.length, 4);
  const lookup = resumedLookup(runs, (r) => r.name);
  assert.deepEqual(
    ['x', 'y', 'z', 'w'].map((k) => lookup(k)?.accuracy),
    [0.5, 0.6, 0.7, undefined],
  );
  assert.deepEqual(await resumeRuns<Run>([], 'peft', {}, settingsOf), []);
});

test('an output of other settings or of another benchmark is refused, naming the file', async () => {
  const other = await output('other.json', 'peft', 10, [{ name: 'x', accuracy: 0.5 }]);
  await assert.rejects(
    resumeRuns<Run>([other], 'peft', { epochs: 6, size: 64 }, settingsOf),
    /--resume .*other\.json: its settings \{"epochs":10,"size":64\} differ/,
  );
  const multi = await output('multi.json', 'multitask', 6, []);
  await assert.rejects(
    resumeRuns<Run>([multi], 'peft', { epochs: 6, size: 64 }, settingsOf),
    /multi\.json: a 'multitask' output, not 'peft'/,
  );
});
