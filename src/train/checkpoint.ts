// Training checkpoints that survive a crash at any instant. Each checkpoint is a folder built
// under a temporary name and renamed into place whole (epoch-0003/), then `latest.json` is
// replaced atomically; a reader therefore only ever sees complete checkpoints. Weights and
// optimizer slots are flat float32 blobs, restored by position with shape checks, so resuming
// needs no model rebuild or re-download.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../engine/file-io.js';
import { badInput, VisiontuneError } from '../errors.js';
import { type BlobIndexEntry, type NamedArray, packArrays, unpackArrays } from './tensor-blob.js';
import { orderedWeights } from './weight-order.js';

// 2: weights in orderedWeights order (1 used model.weights, which unfreezing reorders).
export const CHECKPOINT_FORMAT = 2;
const LATEST = 'latest.json';

export interface OptimizerState {
  kind: string;
  step: number;
  slots: Record<string, NamedArray>;
}

export interface TrainingState {
  /** Epochs completed. */
  epoch: number;
  /** Optimizer steps taken so far. */
  step: number;
  optimizer: OptimizerState;
  /** JSON state of schedules, plateau/early-stopping trackers, RNG, metric history. */
  extra: Record<string, unknown>;
}

export interface Checkpoint {
  path: string;
  state: TrainingState;
  /** Model weights in `orderedWeights` order (independent of which layers train). */
  weights: NamedArray[];
}

interface StateFile {
  format: number;
  epoch: number;
  step: number;
  optimizer: { kind: string; step: number; index: BlobIndexEntry[] };
  weights: BlobIndexEntry[];
  extra: Record<string, unknown>;
}

const folderName = (epoch: number) => `epoch-${String(epoch).padStart(4, '0')}`;

/**
 * What a checkpoint holds the weights of: a model (every weight, in `orderedWeights` order), or
 * plain variables in the caller's order (a few-shot learner's meta-variables).
 */
export type WeightOwner = tf.LayersModel | readonly tf.Variable[];

interface WeightSlot {
  name: string;
  shape: readonly (number | null)[];
  read(): tf.Tensor;
  write(value: tf.Tensor): void;
}

function slotsOf(owner: WeightOwner): WeightSlot[] {
  if (isVariableList(owner)) {
    return owner.map((v) => ({
      name: v.name,
      shape: v.shape,
      read: () => v,
      write: (t) => {
        v.assign(t);
      },
    }));
  }
  return orderedWeights(owner).map((w) => ({
    name: w.originalName,
    shape: w.shape,
    read: () => w.read(),
    write: (t) => w.write(t),
  }));
}

function isVariableList(owner: WeightOwner): owner is readonly tf.Variable[] {
  return Array.isArray(owner);
}

/** Reads every weight (trainable or not: BatchNorm statistics matter too). */
export function modelWeights(owner: WeightOwner): NamedArray[] {
  return slotsOf(owner).map((w) => {
    const t = w.read();
    return { shape: [...t.shape], values: Float32Array.from(t.dataSync()) };
  });
}

/** Writes weights back by position, refusing a checkpoint whose shapes do not fit. */
export function assignWeights(owner: WeightOwner, weights: NamedArray[], origin: string): void {
  const ws = slotsOf(owner);
  if (weights.length !== ws.length) {
    throw badInput(`${origin}: holds ${weights.length} weights, the model has ${ws.length}`);
  }
  ws.forEach((w, i) => {
    const saved = weights[i];
    if (saved.shape.join('x') !== w.shape.join('x')) {
      throw badInput(
        `${origin}: weight ${i} (${w.name}) has shape [${saved.shape}], model expects [${w.shape}]`,
      );
    }
  });
  tf.tidy(() => {
    ws.forEach((w, i) => {
      w.write(tf.tensor(weights[i].values, weights[i].shape));
    });
  });
}

/** Writes the checkpoint for `state.epoch` and points latest.json at it; keeps the newest `keep`. */
export async function saveCheckpoint(
  dir: string,
  model: WeightOwner,
  state: TrainingState,
  options: { keep?: number } = {},
): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const name = folderName(state.epoch);
  const final = path.join(dir, name);
  const staging = path.join(dir, `.${name}.${process.pid}.${Date.now()}.tmp`);
  await fs.mkdir(staging);
  try {
    const weights = packArrays(
      Object.fromEntries(modelWeights(model).map((w, i) => [String(i), w])),
    );
    const slots = packArrays(state.optimizer.slots);
    const file: StateFile = {
      format: CHECKPOINT_FORMAT,
      epoch: state.epoch,
      step: state.step,
      optimizer: { kind: state.optimizer.kind, step: state.optimizer.step, index: slots.index },
      weights: weights.index,
      extra: state.extra,
    };
    await fs.writeFile(path.join(staging, 'weights.bin'), weights.data);
    await fs.writeFile(path.join(staging, 'optimizer.bin'), slots.data);
    await fs.writeFile(path.join(staging, 'state.json'), JSON.stringify(file));
    // Replacing an existing folder of the same epoch (a resumed run redoing it) is two renames;
    // latest.json still names the old one until the new one is complete.
    await fs.rm(final, { recursive: true, force: true });
    await fs.rename(staging, final);
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true });
    throw err;
  }
  await writeFileAtomic(path.join(dir, LATEST), JSON.stringify({ epoch: state.epoch, path: name }));
  await prune(dir, options.keep ?? 2);
  return final;
}

/** Keeps the newest `keep` checkpoints and removes staging folders left by killed runs. */
async function prune(dir: string, keep: number): Promise<void> {
  const names = await fs.readdir(dir);
  const done = names.filter((n) => /^epoch-\d+$/.test(n)).sort();
  // Staging folders and temp files (latest.json's included) of a writer that was killed.
  const stale = names.filter((n) => n.startsWith('.') && n.endsWith('.tmp'));
  for (const old of [...done.slice(0, Math.max(0, done.length - keep)), ...stale]) {
    await fs.rm(path.join(dir, old), { recursive: true, force: true });
  }
}

async function readCheckpoint(folder: string): Promise<Checkpoint> {
  const file = JSON.parse(await fs.readFile(path.join(folder, 'state.json'), 'utf8')) as StateFile;
  if (file.format !== CHECKPOINT_FORMAT) {
    throw badInput(
      `${folder}: checkpoint format ${file.format}, this visiontune reads format ${CHECKPOINT_FORMAT}; train without --resume or into a new folder`,
    );
  }
  const weights = unpackArrays(
    file.weights,
    await fs.readFile(path.join(folder, 'weights.bin')),
    `${folder}/weights.bin`,
  );
  const slots = unpackArrays(
    file.optimizer.index,
    await fs.readFile(path.join(folder, 'optimizer.bin')),
    `${folder}/optimizer.bin`,
  );
  return {
    path: folder,
    state: {
      epoch: file.epoch,
      step: file.step,
      optimizer: { kind: file.optimizer.kind, step: file.optimizer.step, slots },
      extra: file.extra,
    },
    weights: file.weights.map((e) => weights[e.name]),
  };
}

/**
 * The newest readable checkpoint in `dir`, or undefined when there is none. latest.json is
 * tried first; if it or its folder cannot be read, older folders are tried in turn.
 */
export async function loadLatestCheckpoint(dir: string): Promise<Checkpoint | undefined> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const candidates = names
    .filter((n) => /^epoch-\d+$/.test(n))
    .sort()
    .reverse();
  try {
    const latest = JSON.parse(await fs.readFile(path.join(dir, LATEST), 'utf8')) as {
      path: string;
    };
    candidates.unshift(latest.path);
  } catch {
    // No or unreadable pointer: fall back to scanning.
  }
  for (const name of new Set(candidates)) {
    try {
      return await readCheckpoint(path.join(dir, name));
    } catch (err) {
      // A damaged checkpoint (disk trouble, manual edits) is passed over for an older one;
      // one from another format version is not damaged, and resuming from scratch would hide it.
      if (err instanceof VisiontuneError) throw err;
    }
  }
  return undefined;
}
