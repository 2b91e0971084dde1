// Data-parallel training end to end, with the real CLI: two worker processes on this machine
// (c10d/Gloo over loopback) against one process, a resume in another world size, and the faults
// a run must survive with a clear error: a killed rank, a hung rank, a port in use.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { type CliRun, runCli } from '../cli/run-cli.js';
import { loadTorchAddon } from '../engine/torch/addon.js';
import { Rng } from '../util/rng.js';
import { freePort } from './options.js';

const addon = loadTorchAddon();
const collectives = addon.ok && (addon.addon as { distributed?: boolean }).distributed === true;
if (!collectives && process.env.VISIONTUNE_REQUIRE_TORCH)
  throw new Error('VISIONTUNE_REQUIRE_TORCH is set but the native engine has no collectives');
const skip = collectives ? false : 'the native engine has no c10d collectives';

let work: string;
/** The --nproc 2 run's epochs, for the two-machine run to match. */
let twoProcessEpochs: Record<string, number>[] | undefined;
let data: string;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-ddp-'));
  data = path.join(work, 'data');
  // 3 classes x 30 noisy colour images: 72 train / 18 val. 72 = 4 x 16 + 8, so the last global
  // batch of each epoch is a partial one (4 images per rank).
  const rng = new Rng(7);
  const colours = [
    [200, 40, 40],
    [40, 200, 40],
    [40, 40, 200],
  ];
  for (const [c, rgb] of colours.entries()) {
    await fs.mkdir(path.join(data, `c${c}`), { recursive: true });
    for (let i = 0; i < 30; i++) {
      const px = Buffer.alloc(32 * 32 * 3);
      for (let p = 0; p < px.length; p++)
        px[p] = Math.max(0, Math.min(255, rgb[p % 3]! + (rng.next() - 0.5) * 160));
      await sharp(px, { raw: { width: 32, height: 32, channels: 3 } })
        .png()
        .toFile(path.join(data, `c${c}`, `${i}.png`));
    }
  }
});
after(() => fs.rm(work, { recursive: true, force: true }));

const TRAIN = ['train', '--backbone', 'resnet_tiny', '--strategy', 'scratch', '--image-size', '32'];
const train = (out: string, ...more: string[]) =>
  runCli([...TRAIN, '--data', data, '--augment', 'none', '--out', out, ...more], 'torch');

const epochs = async (out: string) =>
  (await fs.readFile(path.join(out, 'metrics.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, number>);

async function bundleWeights(out: string): Promise<Float32Array> {
  const dir = path.join(out, 'bundle');
  const bin = (await fs.readdir(dir)).find((f) => f.endsWith('.bin'))!;
  const bytes = await fs.readFile(path.join(dir, bin));
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

function assertOk(run: CliRun, what: string) {
  assert.equal(run.code, 0, `${what}: exit ${run.code}\n${run.stderr}`);
}

/** The pid of the worker with `rank` of the run rendezvousing at `port`, once it exists. */
async function workerPid(rank: number, port: number): Promise<number> {
  for (let tries = 0; tries < 600; tries++) {
    for (const entry of await fs.readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const env = await fs.readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
      const vars = env.split('\0');
      if (vars.includes(`RANK=${rank}`) && vars.includes(`MASTER_PORT=${port}`))
        return Number(entry);
    }
    await sleep(100);
  }
  throw new Error(`no worker with rank ${rank} at port ${port}`);
}

/** Waits until the run at `out` has finished `n` epochs (so every rank is training). */
async function epochsDone(out: string, n: number): Promise<void> {
  for (let tries = 0; tries < 1200; tries++) {
    const done = await epochs(out).catch(() => []);
    if (done.length >= n) return;
    await sleep(100);
  }
  throw new Error(`${out}: no epoch finished`);
}

test('2 processes x batch 8 train exactly as 1 process x batch 16 (synchronized BatchNorm); a 2-process checkpoint resumes in 1 process', {
  skip,
}, async () => {
  const two = path.join(work, 'two');
  const one = path.join(work, 'one');
  // 2 epochs of 5 steps: 10 optimizer steps, BatchNorm training (scratch), the last step of each
  // epoch a partial batch.
  const [a, b] = [
    await train(two, '--epochs', '2', '--batch', '8', '--nproc', '2', '--sync-bn'),
    await train(one, '--epochs', '2', '--batch', '16'),
  ];
  assertOk(a, '--nproc 2');
  assertOk(b, 'one process');
  const [ea, eb] = [await epochs(two), await epochs(one)];
  twoProcessEpochs = ea;
  assert.equal(ea.length, 2);
  for (const [i, record] of ea.entries()) {
    for (const key of ['loss', 'val_loss', 'lr'])
      assert.ok(
        Math.abs(record[key]! - eb[i]![key]!) <= 1e-5 * Math.max(1, Math.abs(eb[i]![key]!)),
        `epoch ${i + 1} ${key}: ${record[key]} vs ${eb[i]![key]}`,
      );
  }
  const [wa, wb] = [await bundleWeights(two), await bundleWeights(one)];
  assert.equal(wa.length, wb.length);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < wa.length; i++) {
    worst = Math.max(worst, Math.abs(wa[i]! - wb[i]!));
    scale = Math.max(scale, Math.abs(wb[i]!));
  }
  assert.ok(worst <= 1e-4 * Math.max(1, scale), `weights differ by ${worst} (largest ${scale})`);
  // The run trained: its weights are not the same as where a fresh run starts.
  assert.ok(ea[1]!.loss! < ea[0]!.loss!, 'loss went down');
  // Rank 0 alone wrote; the other rank's files went nowhere else.
  assert.deepEqual((await fs.readdir(two)).filter((f) => !f.startsWith('.')).sort(), [
    'bundle',
    'checkpoints',
    'evaluation.json',
    'metrics.jsonl',
    'report.html',
  ]);

  // Resume the 2-process run's checkpoint in one process (another world size), one more epoch.
  const resumed = await train(two, '--epochs', '3', '--batch', '16', '--resume');
  assertOk(resumed, 'resume in 1 process');
  const after3 = await epochs(two);
  assert.equal(after3.length, 3);
  assert.deepEqual(after3.slice(0, 2), ea);
});

test('two machines (torchrun flags: --nnodes 2, --node-rank, --master-addr) train as --nproc 2 does', {
  skip,
}, async () => {
  assert.ok(twoProcessEpochs, 'the --nproc 2 run ran first');
  const out = path.join(work, 'nodes');
  const port = await freePort();
  const node = (rank: number) =>
    train(
      out,
      ...['--epochs', '2', '--batch', '8', '--sync-bn', '--nproc', '1', '--nnodes', '2'],
      ...['--node-rank', `${rank}`, '--master-addr', '127.0.0.1', '--master-port', `${port}`],
    );
  const [first, second] = await Promise.all([node(0), node(1)]);
  assertOk(first, 'node 0');
  assertOk(second, 'node 1');
  const seen = await epochs(out);
  for (const [i, record] of seen.entries())
    assert.ok(Math.abs(record.loss! - twoProcessEpochs[i]!.loss!) <= 1e-6, `epoch ${i + 1} loss`);
});

test('a killed rank ends the run: exit 1 naming the rank and the signal, the other rank stopped', {
  skip,
}, async () => {
  const out = path.join(work, 'killed');
  const port = await freePort();
  const run = train(
    out,
    '--epochs',
    '200',
    '--batch',
    '8',
    '--nproc',
    '2',
    '--master-port',
    `${port}`,
  );
  const victim = await workerPid(1, port);
  const survivor = await workerPid(0, port);
  await epochsDone(out, 1);
  const killedAt = performance.now();
  process.kill(victim, 'SIGKILL');
  const result = await run;
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`rank 1 \\(pid ${victim}\\) was killed by SIGKILL`));
  assert.ok(performance.now() - killedAt < 30_000, 'the run ended within the grace period');
  // The surviving rank is gone too, and the last checkpoint is whole.
  await assert.rejects(fs.access(`/proc/${survivor}`));
  assert.ok((await epochs(out)).length >= 1);
});

test('a hung rank ends the run after --dist-timeout with the collective named', {
  skip,
}, async () => {
  const out = path.join(work, 'hung');
  const port = await freePort();
  const run = train(
    out,
    ...['--epochs', '200', '--batch', '8', '--nproc', '2', '--master-port', `${port}`],
    ...['--dist-timeout', '3'],
  );
  const victim = await workerPid(1, port);
  await epochsDone(out, 1);
  process.kill(victim, 'SIGSTOP');
  const stoppedAt = performance.now();
  const result = await run;
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /rank 0 of 2: .* failed .*3 s timeout/);
  assert.match(result.stderr, /rank 0 \(pid \d+\) exited with code 1/);
  assert.ok(performance.now() - stoppedAt < 60_000, 'stopped within the timeout and grace period');
});

test('a rendezvous port in use is named (exit 2)', { skip }, async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    const out = path.join(work, 'port');
    const result = await train(
      out,
      '--epochs',
      '1',
      '--nproc',
      '2',
      '--master-port',
      `${port}`,
      '--dist-timeout',
      '10',
    );
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`port ${port} is in use`));
  } finally {
    server.close();
  }
});

test('bad data-parallel flags are usage errors naming the flag (exit 2)', async () => {
  const out = path.join(work, 'bad-flags');
  for (const [flags, message] of [
    [['--nproc', '0'], /--nproc/],
    [['--dist-timeout', '-1'], /--dist-timeout/],
    [['--nproc', '2', '--nnodes', '2'], /needs --master-addr/],
  ] as const) {
    const result = await train(out, ...flags);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, message);
  }
});
