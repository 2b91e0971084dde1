// One run's process group, as this process sees it: PyTorch's c10d (TCPStore rendezvous, Gloo
// collectives) through the native addon. Collectives work on the engine's tensors: on the torch
// backend by handle, without copies through JS; on another backend through a host copy. Small
// structured values (a resumed checkpoint, a finished run's result) travel through the store.
// One group per process, so it is process-wide like the engine: `currentGroup()` (current.ts).
import v8 from 'node:v8';
import * as tf from '@tensorflow/tfjs';
import type { Handle, TorchAddon } from '../engine/torch/addon.js';
import { loadTorchAddon } from '../engine/torch/addon.js';
import type { TorchBackend } from '../engine/torch/backend.js';
import { badUsage, VisiontuneError } from '../errors.js';
import { type Collectives, currentGroup, setCurrentGroup } from './current.js';

/** Where a rank meets the others, and who it is. */
export interface GroupSettings {
  rank: number;
  worldSize: number;
  masterAddr: string;
  masterPort: number;
  /** How long joining, a collective or a wait for rank 0 may take before the run stops. */
  timeoutMs: number;
  /** Network interface for Gloo ($GLOO_SOCKET_IFNAME, as PyTorch reads it). */
  iface?: string;
}

/** DDP's default bucket size (25 MB): large enough for few messages, small enough to overlap. */
export const BUCKET_BYTES = 25 * 1024 * 1024;

/** A collective failed: a rank died, hung past the timeout, or the network broke. */
export class CollectiveError extends VisiontuneError {
  constructor(message: string) {
    super('RUNTIME', message);
  }
}

interface DistAddon extends TorchAddon {
  distributed?: boolean;
  distInit(o: {
    rank: number;
    size: number;
    masterAddr: string;
    masterPort: number;
    timeoutMs: number;
    iface?: string;
  }): void;
  distAllReduce(handles: Handle[], bucketBytes: number): Handle[];
  distBroadcast(handles: Handle[], root: number, bucketBytes: number): Handle[];
  distBarrier(): void;
  distStoreSet(key: string, bytes: Uint8Array): void;
  distStoreGet(key: string, timeoutMs?: number): Buffer;
  distStoreDelete(key: string): void;
  distDestroy(): void;
}

const ENABLE = 'apt-get install -y libtorch-dev libgloo-dev && npm run build:native';

/** Whether this machine can run data-parallel training, and if not why and how to enable it. */
export function collectivesStatus():
  | { available: true; addon: DistAddon }
  | { available: false; reason: string; enable: string } {
  const status = loadTorchAddon();
  if (!status.ok) return { available: false, reason: status.reason, enable: ENABLE };
  const addon = status.addon as DistAddon;
  if (!addon.distributed)
    return {
      available: false,
      reason: 'the native engine was built without Gloo headers (libgloo-dev)',
      enable: ENABLE,
    };
  return { available: true, addon };
}

/** The addon with collectives, or a usage error saying what is missing. */
function collectivesAddon(): DistAddon {
  const status = collectivesStatus();
  if (!status.available)
    throw badUsage(
      `data-parallel training runs on PyTorch's c10d in the native engine, and ${status.reason}; to enable it: ${status.enable}`,
    );
  return status.addon;
}

export class ProcessGroup implements Collectives {
  private sequence = 0;

  private constructor(
    private readonly addon: DistAddon,
    readonly settings: GroupSettings,
  ) {}

  get rank(): number {
    return this.settings.rank;
  }

  get size(): number {
    return this.settings.worldSize;
  }

  get isMain(): boolean {
    return this.settings.rank === 0;
  }

  /** Joins the group; blocks until every rank has (or the timeout passes). */
  static join(settings: GroupSettings): ProcessGroup {
    const addon = collectivesAddon();
    const { rank, worldSize, masterAddr, masterPort, timeoutMs, iface } = settings;
    try {
      addon.distInit({ rank, size: worldSize, masterAddr, masterPort, timeoutMs, iface });
    } catch (err) {
      const message = (err as Error).message;
      const at = `${masterAddr}:${masterPort}`;
      if (/address already in use/i.test(message))
        throw badUsage(
          `rank 0 cannot listen on ${at}: port ${masterPort} is in use (another run?); choose another --master-port`,
        );
      throw new CollectiveError(
        `rank ${rank} of ${worldSize} could not meet the others at ${at} within ${timeoutMs / 1000} s (${message})`,
      );
    }
    return new ProcessGroup(addon, settings);
  }

  /** Each tensor summed over the ranks (new tensors; the inputs are left as they were). */
  allReduceSum(tensors: readonly tf.Tensor[], bucketBytes = BUCKET_BYTES): tf.Tensor[] {
    return this.collective('all-reduce', tensors, (handles) =>
      this.addon.distAllReduce(handles, bucketBytes),
    );
  }

  /** Rank `root`'s values of the tensors, on every rank (new tensors). */
  broadcast(tensors: readonly tf.Tensor[], root = 0, bucketBytes = BUCKET_BYTES): tf.Tensor[] {
    return this.collective('broadcast', tensors, (handles) =>
      this.addon.distBroadcast(handles, root, bucketBytes),
    );
  }

  barrier(): void {
    this.guard('barrier', () => this.addon.distBarrier());
  }

  /**
   * Rank 0's value of `produce()` on every rank (others do not call it): structured data that
   * v8 can serialize (typed arrays included), through the store.
   */
  async shareFromMain<T>(
    what: string,
    produce: () => T | Promise<T>,
    options: { waitMs?: number } = {},
  ): Promise<T> {
    const key = `${what}#${this.sequence++}`;
    let value: T;
    if (this.isMain) {
      value = await produce();
      this.guard(what, () => this.addon.distStoreSet(key, v8.serialize(value)));
    } else
      value = this.guard(
        what,
        () => v8.deserialize(this.addon.distStoreGet(key, options.waitMs)) as T,
      );
    this.release(what, this.isMain ? [key] : []);
    return value;
  }

  /** Every rank's `value`, in rank order, on every rank. */
  allGather<T>(what: string, value: T): T[] {
    const key = `${what}#${this.sequence++}/`;
    this.guard(what, () => this.addon.distStoreSet(`${key}${this.rank}`, v8.serialize(value)));
    const all = Array.from({ length: this.size }, (_, r) =>
      this.guard(what, () => v8.deserialize(this.addon.distStoreGet(`${key}${r}`)) as T),
    );
    this.release(what, [`${key}${this.rank}`]);
    return all;
  }

  /** Once every rank has read them, deletes `keys` (the store lives in rank 0's memory). */
  private release(what: string, keys: string[]): void {
    this.barrier();
    for (const key of keys) this.guard(what, () => this.addon.distStoreDelete(key));
  }

  /** Leaves the group (its sockets close; rank 0's store stops serving). */
  destroy(): void {
    this.addon.distDestroy();
  }

  private guard<T>(what: string, work: () => T): T {
    try {
      return work();
    } catch (err) {
      throw new CollectiveError(
        `rank ${this.rank} of ${this.size}: ${what} failed — another rank stopped, hung past the ${this.settings.timeoutMs / 1000} s timeout, or the network broke (${(err as Error).message})`,
      );
    }
  }

  private collective(
    what: string,
    tensors: readonly tf.Tensor[],
    run: (handles: Handle[]) => Handle[],
  ): tf.Tensor[] {
    if (tensors.length === 0) return [];
    const backend = tf.backend();
    if (tf.getBackend() === 'torch') {
      const torch = backend as TorchBackend;
      const out = this.guard(what, () => run(tensors.map((t) => torch.handleOf(t))));
      return out.map((h, i) =>
        tf.engine().makeTensorFromTensorInfo(torch.output(h, [...tensors[i]!.shape], 'float32')),
      );
    }
    // Another engine: copy to native tensors and back (the collectives still run in c10d).
    const handles = tensors.map((t) =>
      this.addon.create(t.dataSync() as Float32Array, [...t.shape], 'float32'),
    );
    try {
      const out = this.guard(what, () => run(handles));
      return out.map((h, i) => {
        const values = this.addon.read(h) as Float32Array;
        this.addon.free(h);
        return tf.tensor(values, [...tensors[i]!.shape], 'float32');
      });
    } finally {
      for (const h of handles) this.addon.free(h);
    }
  }
}

/** Joins the run's group (once per process) and makes it current. */
export function joinGroup(settings: GroupSettings): ProcessGroup {
  if (currentGroup()) throw new Error('this process already belongs to a process group');
  const group = ProcessGroup.join(settings);
  setCurrentGroup(group);
  return group;
}

/** Leaves the current group, if any. */
export function leaveGroup(): void {
  currentGroup()?.destroy();
  setCurrentGroup(undefined);
}
