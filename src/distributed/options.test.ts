import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VisiontuneError } from '../errors.js';
import {
  DEFAULT_MASTER_PORT,
  distributedOptionsSchema,
  resolveRole,
  WORKER_ENV,
} from './options.js';

const flags = (input: Record<string, unknown> = {}) => distributedOptionsSchema.parse(input);

test('no flags and no torchrun environment: a single process', async () => {
  assert.deepEqual(await resolveRole(flags(), {}), { kind: 'single' });
  // WORLD_SIZE=1 from a launcher is a single process too.
  assert.deepEqual(await resolveRole(flags(), { RANK: '0', WORLD_SIZE: '1' }), { kind: 'single' });
});

test('--nproc on one machine launches on loopback at a free port', async () => {
  const role = await resolveRole(flags({ nproc: 2, distTimeout: 7 }), {});
  assert.equal(role.kind, 'launch');
  if (role.kind !== 'launch') return;
  assert.equal(role.plan.masterAddr, '127.0.0.1');
  assert.ok(role.plan.masterPort > 0 && role.plan.masterPort < 65536);
  assert.equal(role.plan.timeoutMs, 7000);
  assert.equal(role.plan.nproc, 2);
});

test('across machines: --master-addr is required, the port defaults to torchrun`s', async () => {
  await assert.rejects(
    resolveRole(flags({ nproc: 2, nnodes: 2, nodeRank: 1 }), {}),
    /--master-addr/,
  );
  const role = await resolveRole(
    flags({ nproc: 2, nnodes: 2, nodeRank: 1, masterAddr: '10.0.0.1' }),
    {},
  );
  assert.ok(role.kind === 'launch' && role.plan.masterPort === DEFAULT_MASTER_PORT);
  await assert.rejects(
    resolveRole(flags({ nnodes: 2, nodeRank: 2, masterAddr: 'h' }), {}),
    /below --nnodes 2/,
  );
  // MASTER_ADDR / MASTER_PORT from the environment stand in for the flags.
  const fromEnv = await resolveRole(flags({ nnodes: 2 }), {
    MASTER_ADDR: 'h',
    MASTER_PORT: '1234',
  });
  assert.ok(
    fromEnv.kind === 'launch' &&
      fromEnv.plan.masterAddr === 'h' &&
      fromEnv.plan.masterPort === 1234,
  );
});

test('a worker: started by the launcher, or by torchrun-style variables alone', async () => {
  const env = {
    RANK: '3',
    WORLD_SIZE: '4',
    LOCAL_WORLD_SIZE: '2',
    MASTER_ADDR: 'h',
    MASTER_PORT: '29501',
  };
  for (const e of [env, { ...env, [WORKER_ENV]: '1' }]) {
    const role = await resolveRole(flags(), e);
    assert.deepEqual(role, {
      kind: 'worker',
      settings: { rank: 3, worldSize: 4, masterAddr: 'h', masterPort: 29501, timeoutMs: 300_000 },
      localWorldSize: 2,
    });
  }
  // A launched worker does not launch again although its command line says --nproc 2.
  const launched = await resolveRole(flags({ nproc: 2 }), { ...env, [WORKER_ENV]: '1' });
  assert.equal(launched.kind, 'worker');
});

test('bad torchrun variables are usage errors naming the variable', async () => {
  const bad = [
    [{ RANK: 'x', WORLD_SIZE: '2' }, /\$RANK: expected a whole number/],
    [{ RANK: '2', WORLD_SIZE: '2', MASTER_ADDR: 'h', MASTER_PORT: '1' }, /not below \$WORLD_SIZE/],
    [{ RANK: '1', WORLD_SIZE: '2' }, /\$MASTER_ADDR and \$MASTER_PORT/],
  ] as const;
  for (const [env, message] of bad) {
    const err = await resolveRole(flags(), env).catch((e: unknown) => e);
    assert.ok(err instanceof VisiontuneError && err.exitCode === 2, String(err));
    assert.match((err as Error).message, message);
  }
});
