// How a training command runs data-parallel: the flags (torchrun's names: --nproc, --nnodes,
// --node-rank, --master-addr, --master-port) or torchrun's environment (RANK, WORLD_SIZE,
// LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT), and what this process is: a plain
// single run, the launcher of this machine's workers, or one worker (rank) of the run.
import net from 'node:net';
import { z } from 'zod';
import { opt } from '../config/options.js';
import { badUsage } from '../errors.js';
import type { GroupSettings } from './process-group.js';

/** torchrun's default rendezvous port, for runs across machines. */
export const DEFAULT_MASTER_PORT = 29500;
/** Set by the launcher in its workers' environment, so a worker does not launch again. */
export const WORKER_ENV = 'VISIONTUNE_DIST_WORKER';

export const distributedOptionsSchema = z.object({
  nproc: opt(
    z.number().int().min(1).max(512).default(1),
    'worker processes on this machine: data-parallel training on PyTorch c10d/Gloo (--batch is per process)',
  ),
  nnodes: opt(
    z.number().int().min(1).max(4096).default(1),
    'machines in the run: start the same command on each, with its own --node-rank',
  ),
  nodeRank: opt(
    z.number().int().min(0).default(0),
    "this machine's index among --nnodes (0 hosts rank 0)",
  ),
  masterAddr: opt(
    z.string().min(1).optional(),
    'address of the machine with rank 0 (default $MASTER_ADDR, else 127.0.0.1 on one machine)',
    { arg: 'host' },
  ),
  masterPort: opt(
    z.number().int().min(1).max(65535).optional(),
    `rendezvous port on that machine (default $MASTER_PORT, else a free port on one machine, ${DEFAULT_MASTER_PORT} across machines)`,
    { arg: 'port' },
  ),
  syncBn: opt(
    z.boolean().default(false),
    "BatchNorm layers that train use the statistics of every process's images (as PyTorch SyncBatchNorm), not each one's own",
  ),
  distTimeout: opt(
    z.number().positive().default(300),
    'seconds a rank waits for the others (joining, a collective) before the run stops with an error',
    { arg: 'seconds' },
  ),
});
export type DistributedOptions = z.output<typeof distributedOptionsSchema>;

export interface LaunchPlan {
  nproc: number;
  nnodes: number;
  nodeRank: number;
  masterAddr: string;
  masterPort: number;
  timeoutMs: number;
}

export type Role =
  | { kind: 'single' }
  | { kind: 'launch'; plan: LaunchPlan }
  | { kind: 'worker'; settings: GroupSettings; localWorldSize: number };

type Env = Record<string, string | undefined>;

function envInt(env: Env, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw badUsage(`$${name}: expected a whole number, got '${text}'`);
  return value;
}

/** A port nothing listens on now (for a run on this machine alone). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** What this process is, from the flags and the environment. */
export async function resolveRole(
  options: DistributedOptions,
  env: Env = process.env,
): Promise<Role> {
  const timeoutMs = options.distTimeout * 1000;
  const envWorld = envInt(env, 'WORLD_SIZE');
  const envRank = envInt(env, 'RANK');
  const launched = env[WORKER_ENV] === '1';
  const flagsAskForMore = options.nproc > 1 || options.nnodes > 1;
  // A worker: started by our launcher, or by another (torchrun, a scheduler) with its variables.
  if (launched || (!flagsAskForMore && envWorld !== undefined && envRank !== undefined)) {
    if (envWorld === undefined || envRank === undefined)
      throw badUsage('a worker needs $RANK and $WORLD_SIZE');
    if (envRank >= envWorld)
      throw badUsage(`$RANK ${envRank} is not below $WORLD_SIZE ${envWorld}`);
    if (envWorld === 1) return { kind: 'single' };
    const masterAddr = env.MASTER_ADDR || options.masterAddr;
    const masterPort = envInt(env, 'MASTER_PORT') ?? options.masterPort;
    if (!masterAddr || masterPort === undefined)
      throw badUsage(
        'a worker needs $MASTER_ADDR and $MASTER_PORT (or --master-addr, --master-port)',
      );
    return {
      kind: 'worker',
      settings: {
        rank: envRank,
        worldSize: envWorld,
        masterAddr,
        masterPort,
        timeoutMs,
        ...(env.GLOO_SOCKET_IFNAME ? { iface: env.GLOO_SOCKET_IFNAME } : {}),
      },
      localWorldSize: envInt(env, 'LOCAL_WORLD_SIZE') ?? 1,
    };
  }
  if (!flagsAskForMore) return { kind: 'single' };
  if (options.nodeRank >= options.nnodes)
    throw badUsage(`--node-rank ${options.nodeRank} must be below --nnodes ${options.nnodes}`);
  const acrossMachines = options.nnodes > 1;
  const masterAddr =
    options.masterAddr ?? env.MASTER_ADDR ?? (acrossMachines ? undefined : '127.0.0.1');
  if (!masterAddr)
    throw badUsage(
      '--nnodes above 1 needs --master-addr (the address of the machine with --node-rank 0)',
    );
  const masterPort =
    options.masterPort ??
    envInt(env, 'MASTER_PORT') ??
    (acrossMachines ? DEFAULT_MASTER_PORT : await freePort(masterAddr));
  return {
    kind: 'launch',
    plan: {
      nproc: options.nproc,
      nnodes: options.nnodes,
      nodeRank: options.nodeRank,
      masterAddr,
      masterPort,
      timeoutMs,
    },
  };
}
