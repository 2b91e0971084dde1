// Hostile cases for what visiontune writes (issue 21, "Outputs"): --out that is a file, holds
// someone else's files, is impossible or is in use by another run; disk full during a write
// (VISIONTUNE_FAULT=enospc@N); and SIGKILL at every write step of `fewshot add`,
// `compress quantize`, `import` and checkpointing (VISIONTUNE_FAULT=kill@N, real processes):
// after each kill the output must load and be the old or the new version, and the next run must
// succeed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { normals, singleNodeModel } from '../backbones/onnx/test-graph.js';
import { loadBundle, readBundleMeta } from '../bundle/bundle.js';
import { CLI_ARGV } from '../cli/run-cli.js';
import { writeColorFolder } from '../data/test-fixtures.js';
import { readableDir } from '../guard/replace-dir.js';
import { saveTinyBundle } from '../methods/compress/quantize/test-bundle.js';
import { patternFolder } from '../methods/fewshot/classifier/test-folders.js';
import { loadLatestCheckpoint } from '../train/checkpoint.js';
import { assertRefused } from './harness.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

const WRITER = fileURLToPath(new URL('./checkpoint-writer.ts', import.meta.url));
/** More write steps than any command here takes: a loop that reaches it is broken. */
const MAX_STEPS = 40;

interface Run {
  code: number;
  killed: boolean;
  stdout: string;
  stderr: string;
}

/** `node args` with VISIONTUNE_FAULT=`fault` (none when undefined), on the cpu backend. */
function node(args: string[], fault?: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, VISIONTUNE_BACKEND: 'cpu' };
  delete env.VISIONTUNE_FAULT;
  if (fault) env.VISIONTUNE_FAULT = fault;
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number; signal?: string }) | null;
      resolve({
        code: e ? (e.code ?? 1) : 0,
        killed: e?.signal === 'SIGKILL',
        stdout,
        stderr,
      });
    });
  });
}

const vt = (args: string[], fault?: string) => node([...CLI_ARGV, ...args], fault);

/** Whether a command can run without root's write access: not root, or root with setpriv. */
const canLoseWriteAccess = async () =>
  process.getuid?.() !== 0 || (await fs.stat('/usr/bin/setpriv').then(Boolean, () => false));

/** `visiontune args` as a user without write access where root would have it (uid nobody). */
function vtUnprivileged(args: string[]): Promise<Run> {
  if (process.getuid?.() !== 0) return vt(args);
  return new Promise((resolve) => {
    const env = { ...process.env, VISIONTUNE_BACKEND: 'cpu' };
    const drop = ['--reuid=65534', '--regid=65534', '--clear-groups'];
    execFile(
      '/usr/bin/setpriv',
      [...drop, process.execPath, ...CLI_ARGV, ...args],
      { env },
      (err, stdout, stderr) =>
        resolve({
          code: err ? ((err as { code?: number }).code ?? 1) : 0,
          killed: false,
          stdout,
          stderr,
        }),
    );
  });
}

/**
 * Runs `command(N)` with kill@N for N = 1, 2, … until a run completes; after each kill `check`
 * must accept what is on disk. Returns how many kill points there were.
 */
async function killAtEveryStep(
  command: (fault: string) => Promise<Run>,
  check: (n: number) => Promise<void>,
): Promise<number> {
  for (let n = 1; n <= MAX_STEPS; n++) {
    const run = await command(`kill@${n}`);
    if (!run.killed) {
      assert.equal(run.code, 0, `the run after ${n - 1} kills failed:\n${run.stderr}`);
      return n - 1;
    }
    await check(n);
  }
  throw new Error(`still killed at step ${MAX_STEPS}: the loop never completed`);
}

/** Hidden staging/previous siblings of `dir` (what a killed swap may leave). */
async function leftovers(dir: string): Promise<string[]> {
  const names = await fs.readdir(path.dirname(dir));
  return names.filter((n) => n.startsWith(`.${path.basename(dir)}.`));
}

let work: string;
let images: string;
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-hostile-out-'));
  images = path.join(work, 'colors');
  await writeColorFolder(images, 2, { size: 16 });
});
after(() => fs.rm(work, { recursive: true, force: true }));

test('--out that is a file, holds foreign files, or is the model itself: exit 2; --overwrite moves aside', async () => {
  const model = path.join(work, 'q-model');
  (await saveTinyBundle(model)).dispose();
  const quantize = (out: string, ...more: string[]) =>
    vt(['compress', 'quantize', '--model', model, '--dtype', 'uint8', '--out', out, ...more]);

  const file = path.join(work, 'a-file');
  await fs.writeFile(file, 'mine');
  assertRefused(await quantize(file), 2, file, 'is a file');
  assert.equal(await fs.readFile(file, 'utf8'), 'mine');

  const foreign = path.join(work, 'foreign');
  await fs.mkdir(foreign);
  for (const name of ['model.json', 'notes.txt', 'visiontune.json'])
    await fs.writeFile(path.join(foreign, name), `user's ${name}`);
  assertRefused(await quantize(foreign), 2, foreign, 'model.json', 'notes.txt', '--overwrite');
  assert.deepEqual((await fs.readdir(foreign)).sort(), [
    'model.json',
    'notes.txt',
    'visiontune.json',
  ]);

  const moved = await quantize(foreign, '--overwrite');
  assert.equal(moved.code, 0, moved.stderr);
  const aside = (await fs.readdir(work)).filter((n) => n.startsWith('foreign.replaced-'));
  assert.equal(aside.length, 1, 'the old content is moved to foreign.replaced-<time>');
  assert.equal(
    await fs.readFile(path.join(work, aside[0]!, 'notes.txt'), 'utf8'),
    "user's notes.txt",
  );
  assert.equal((await loadBundle(foreign)).meta.compression?.[0]?.kind, 'quantize');

  // Its own earlier output is replaced without --overwrite; another bundle or the model folder
  // never is.
  assert.equal((await quantize(foreign)).code, 0);
  const other = path.join(work, 'q-other');
  (await saveTinyBundle(other)).dispose();
  assertRefused(
    await quantize(other),
    2,
    'already holds a visiontune bundle output',
    '--overwrite',
  );
  assert.equal((await loadBundle(other)).meta.compression, undefined);
  assertRefused(await quantize(model), 2, 'is the bundle being quantized');
  const link = path.join(work, 'model-link');
  await fs.symlink(model, link);
  assertRefused(await quantize(link), 2, 'is the bundle being quantized');
});

test('train: --out under /proc, a file in the path, or another run holding the lock: exit 2 at once', async () => {
  const train = (out: string) =>
    vt(['train', '--data', images, '--backbone', 'resnet_tiny', '--epochs', '1', '--out', out]);
  assertRefused(await train('/proc/visiontune-x'), 2, '/proc/visiontune-x', 'cannot write');
  const file = path.join(work, 'plain');
  await fs.writeFile(file, 'x');
  assertRefused(await train(path.join(file, 'run')), 2, 'not a folder');

  // A live process (this test) holds the lock: the run is refused and names it.
  const busy = path.join(work, 'busy');
  await fs.mkdir(busy);
  await fs.writeFile(
    path.join(busy, '.visiontune-output'),
    JSON.stringify({ writer: 'visiontune', kind: 'run', version: 'test' }),
  );
  const lock = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  await fs.writeFile(path.join(busy, '.visiontune-lock'), JSON.stringify(lock));
  assertRefused(await train(busy), 2, 'in use by another visiontune run', `pid ${process.pid}`);
  assert.deepEqual((await fs.readdir(busy)).sort(), ['.visiontune-lock', '.visiontune-output']);
});

test('train twice into one --out, a dead run`s lock and temp files, disk full while checkpointing', async () => {
  const out = path.join(work, 'run');
  // A tiny scratch network for two epochs: every write of a run, in seconds.
  const tiny = '--backbone resnet_tiny --strategy scratch --image-size 32 --epochs 2 --batch 4';
  const train = (fault?: string, ...more: string[]) =>
    vt(['train', '--data', images, ...tiny.split(' '), '--out', out, ...more], fault);
  // A second run while the first holds the folder is refused (exit 2); the first is unharmed.
  // The first stops itself at its first write (lock held), so the overlap does not hang on timing.
  const first = train('stop@1');
  const lock = path.join(out, '.visiontune-lock');
  const holder = async () => {
    const pid = await fs.readFile(lock, 'utf8').then(
      (t) => JSON.parse(t).pid as number,
      () => 0,
    );
    const state = pid ? await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '') : '';
    return / T /.test(state.slice(state.lastIndexOf(')'))) ? pid : 0;
  };
  let pid = 0;
  for (let tries = 0; !pid && tries < 1200; tries++) {
    pid = await holder();
    if (!pid) await sleep(50);
  }
  assert.ok(pid, 'the first run stopped while holding its lock');
  try {
    assertRefused(await train(), 2, 'in use by another visiontune run', `pid ${pid}`);
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  let run = await first;
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(
    (await fs.readFile(path.join(out, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).epoch),
    [1, 2],
  );
  // A killed run's report temp file and lock (pid 2^22+1 is beyond any pid_max default).
  const deadTemp = path.join(out, '.report.html.4194305.0badf00d.tmp');
  await fs.writeFile(deadTemp, '<html>half');
  await fs.writeFile(
    path.join(out, '.visiontune-lock'),
    JSON.stringify({ pid: 4194305, host: os.hostname(), since: '2001-01-01' }),
  );
  run = await train();
  assert.equal(run.code, 0, `rerunning into its own output works:\n${run.stderr}`);
  await assert.rejects(fs.access(deadTemp), 'the dead run`s temp file is removed');
  await assert.rejects(fs.access(path.join(out, '.visiontune-lock')), 'the lock is released');

  // Disk full: saving the bundle of a --resume (its epochs are done), then in the second epoch's
  // checkpoint of a fresh run; a resume after that finishes the run.
  run = await train('enospc@3', '--resume');
  assertRefused(run, 1, 'no space left on the device', `the previous bundle at ${out}`);
  assert.deepEqual(await leftovers(path.join(out, 'bundle')), []);
  // Disk full at the first write (metrics.jsonl): no write site words it; the CLI's last resort.
  run = await train('enospc@1');
  assertRefused(run, 1, 'no space left on the device', path.join(out, '.metrics.jsonl'));
  run = await train('enospc@10');
  assertRefused(run, 1, 'no space left on the device', /checkpoints up to epoch 1 are intact/);
  const kept = await loadLatestCheckpoint(path.join(out, 'checkpoints'));
  assert.equal(kept?.state.epoch, 1);
  run = await train(undefined, '--resume');
  assert.equal(run.code, 0, run.stderr);
});

test('disk full or no permission: fewshot add keeps the previous bundle, embed leaves no temp file (exit 1)', async (t) => {
  const support = await patternFolder(path.join(work, 'fs-old'), ['ant', 'bee'], 2);
  const fresh = await patternFolder(path.join(work, 'fs-new'), ['cat'], 2);
  const bundle = path.join(work, 'fs-parent', 'fs-bundle');
  const fit = await vt(fitArgs(support, bundle));
  assert.equal(fit.code, 0, fit.stderr);
  for (const n of [1, 8]) {
    const add = await vt(['fewshot', 'add', '--model', bundle, '--support', fresh], `enospc@${n}`);
    assertRefused(add, 1, 'no space left on the device', `the previous bundle at ${bundle}`);
    assert.deepEqual((await readBundleMeta(bundle)).labels, ['ant', 'bee']);
    assert.deepEqual(await leftovers(bundle), [], `enospc@${n} left temp folders`);
  }

  // A folder the user may not write: the bundle's parent (where the new one is staged), and
  // a train --out below it (refused at once, exit 2, not a hang).
  await fs.chmod(work, 0o755);
  await fs.chmod(path.dirname(bundle), 0o555);
  try {
    if (!(await canLoseWriteAccess())) t.diagnostic('root without setpriv: permissions not tested');
    else {
      const add = await vtUnprivileged(['fewshot', 'add', '--model', bundle, '--support', fresh]);
      assertRefused(add, 1, 'permission denied', `the previous bundle at ${bundle} is unchanged`);
      assert.deepEqual((await readBundleMeta(bundle)).labels, ['ant', 'bee']);
      const out = path.join(path.dirname(bundle), 'run');
      const train = await vtUnprivileged([
        'train',
        '--data',
        support,
        '--epochs',
        '1',
        '--out',
        out,
      ]);
      assertRefused(train, 2, out, 'permission denied');
    }
  } finally {
    await fs.chmod(path.dirname(bundle), 0o755);
  }

  const file = path.join(work, 'emb.jsonl');
  const embed = await vt(
    ['embed', '--data', support, '--backbone', 'resnet_tiny', '--input-size', '32', '--out', file],
    'enospc@1',
  );
  assertRefused(embed, 1, 'no space left on the device', file);
  assert.deepEqual(
    (await fs.readdir(work)).filter((n) => n.startsWith('emb.jsonl')),
    [],
    'no temp file',
  );
});

function fitArgs(support: string, out: string): string[] {
  const backbone = ['--backbone', 'resnet_tiny', '--image-size', '32'];
  return ['fewshot', 'fit', ...backbone, '--support', support, '--out', out];
}

test('SIGKILL at every write step of fewshot add leaves the old or the new bundle', async (t) => {
  const support = await patternFolder(path.join(work, 'k-old'), ['ant', 'bee'], 2);
  const fresh = await patternFolder(path.join(work, 'k-new'), ['cat'], 2);
  const base = path.join(work, 'k-base');
  const fit = await vt(fitArgs(support, base));
  assert.equal(fit.code, 0, fit.stderr);
  const bundle = path.join(work, 'k-bundle');
  await fs.cp(base, bundle, { recursive: true });
  const kills = await killAtEveryStep(
    (fault) => vt(['fewshot', 'add', '--model', bundle, '--support', fresh], fault),
    async (n) => {
      const loaded = await loadBundle(bundle);
      loaded.model.dispose();
      const labels = loaded.meta.labels.join();
      assert.ok(labels === 'ant,bee' || labels === 'ant,bee,cat', `kill@${n}: ${labels}`);
      // The next run starts from what the kill left, unless the add already went through.
      if (labels !== 'ant,bee') {
        await fs.rm(bundle, { recursive: true, force: true });
        await fs.cp(base, bundle, { recursive: true });
      }
    },
  );
  assert.ok(kills >= 5, `${kills} kill points`);
  t.diagnostic(`${kills} kill points`);
  assert.deepEqual((await loadBundle(bundle)).meta.labels, ['ant', 'bee', 'cat']);
  assert.deepEqual(await leftovers(bundle), []);
});

test('SIGKILL at every write step of compress quantize leaves the old or the new bundle', async (t) => {
  const model = path.join(work, 'kq-model');
  (await saveTinyBundle(model)).dispose();
  const out = path.join(work, 'kq-out');
  const quantize = (dtype: string, fault?: string) =>
    vt(['compress', 'quantize', '--model', model, '--dtype', dtype, '--out', out], fault);
  assert.equal((await quantize('float16')).code, 0);
  const kills = await killAtEveryStep(
    (fault) => quantize('uint8', fault),
    async (n) => {
      const loaded = await loadBundle(out);
      loaded.model.dispose();
      const dtype = loaded.meta.compression?.at(-1)?.details?.dtype;
      assert.ok(dtype === 'float16' || dtype === 'uint8', `kill@${n}: ${dtype}`);
    },
  );
  assert.ok(kills >= 5, `${kills} kill points`);
  t.diagnostic(`${kills} kill points`);
  assert.equal((await loadBundle(out)).meta.compression?.at(-1)?.details?.dtype, 'uint8');
  assert.deepEqual(await leftovers(out), []);
});

test('SIGKILL at every write step of import leaves the old or the new backbone', async (t) => {
  const onnx = async (seed: number) => {
    const file = path.join(work, `conv-${seed}.onnx`);
    const weights = { name: 'w', dims: [4, 3, 3, 3], values: normals(108, seed) };
    const attrs = { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] };
    await fs.writeFile(file, singleNodeModel('Conv', [1, 3, 16, 16], attrs, [weights]));
    return file;
  };
  const [oldFile, newFile] = [await onnx(1), await onnx(2)];
  const out = path.join(work, 'backbone');
  assert.equal((await vt(['import', oldFile, '--out', out])).code, 0);
  const source = async () => {
    const dir = await readableDir(out);
    return JSON.parse(await fs.readFile(path.join(dir, 'backbone.json'), 'utf8')).source;
  };
  const kills = await killAtEveryStep(
    (fault) => vt(['import', newFile, '--out', out], fault),
    async (n) => {
      const from = await source();
      assert.ok(from === oldFile || from === newFile, `kill@${n}: ${from}`);
      const dir = await readableDir(out);
      const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
      for (const p of json.weightsManifest[0].paths) await fs.access(path.join(dir, p));
    },
  );
  assert.ok(kills >= 5, `${kills} kill points`);
  t.diagnostic(`${kills} kill points`);
  assert.equal(await source(), newFile);
  assert.deepEqual(await leftovers(out), []);
});

test('SIGKILL at every step of checkpointing a redone epoch leaves a complete checkpoint', async (t) => {
  const run = path.join(work, 'ckpt');
  const writer = (values: string[], fault?: string) =>
    node(['--import', 'tsx', WRITER, run, ...values], fault);
  assert.equal((await writer(['1', '2'])).code, 0);
  // Resuming redoes epoch 2 (value 3): a kill leaves epoch 2 with value 2 or 3, never less.
  const kills = await killAtEveryStep(
    (fault) => writer(['3'], fault),
    async (n) => {
      for (const dir of ['checkpoints', 'checkpoints/best']) {
        const ck = await loadLatestCheckpoint(path.join(run, dir));
        const got = `${ck?.state.epoch}:${ck?.weights[0]?.values[0]}`;
        assert.ok(got === '2:2' || got === '2:3', `kill@${n}, ${dir}: ${got}`);
      }
    },
  );
  assert.ok(kills >= 8, `${kills} kill points`);
  t.diagnostic(`${kills} kill points`);
  const ck = await loadLatestCheckpoint(path.join(run, 'checkpoints'));
  assert.equal(ck?.weights[0]?.values[0], 3);
  const left = await fs.readdir(path.join(run, 'checkpoints'));
  assert.ok(!left.some((n) => n.endsWith('.tmp')), left.join());
});
