// Training checkpoints that survive a crash at any instant. Each checkpoint is a folder built
// under a temporary name and renamed into place whole under a name not in use (epoch-0003/, or
// epoch-0003-1/ when that epoch is redone), then `latest.json` is replaced atomically; a reader therefore only ever sees complete checkpoints. Weights and
// optimizer slots are flat float32 blobs, restored by position with shape checks, so resuming
// needs no model rebuild or re-download.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../engine/file-io.js';
import { badInput, VisiontuneError } from '../errors.js';
import { writeStep } from '../guard/fault.js';
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

/**
 * Checkpoint folders: epoch-0003, and when that epoch is redone (a resumed run), epoch-0003-1,
 * epoch-0003-2, …: a new name each time, so the complete old folder stays until latest.json names
 * the new one. Ordered by (epoch, revision).
 */
const FOLDER = /^epoch-(\d+)(?:-(\d+))?$/;
const folderName = (epoch: number, revision: number) =>
  `epoch-${String(epoch).padStart(4, '0')}${revision ? `-${revision}` : ''}`;

function folderKey(name: string): [number, number] | undefined {
  const m = FOLDER.exec(name);
  return m ? [Number(m[1]), Number(m[2] ?? 0)] : undefined;
}

/** Checkpoint folder names in `names`, oldest first. */
function checkpointFolders(names: string[]): string[] {
  const keyed = names.flatMap((n) => {
    const key = folderKey(n);
    return key ? [{ n, key }] : [];
  });
  keyed.sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1]);
  return keyed.map((k) => k.n);
}

/** An unused folder name for `epoch`: one revision past any folder of that epoch already there. */
function freshName(names: string[], epoch: number): string {
  const revisions = names.map(folderKey).filter((k) => k?.[0] === epoch);
  return revisions.length === 0
    ? folderName(epoch, 0)
    : folderName(epoch, Math.max(...revisions.map((k) => k![1])) + 1);
}

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
  // A redone epoch gets a new folder name, so nothing complete is removed before latest.json
  // names its replacement: a kill at any step leaves latest.json naming a complete checkpoint.
  const name = freshName(await fs.readdir(dir), state.epoch);
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
    writeStep(`${staging}/weights.bin written`);
    await fs.writeFile(path.join(staging, 'optimizer.bin'), slots.data);
    writeStep(`${staging}/optimizer.bin written`);
    await fs.writeFile(path.join(staging, 'state.json'), JSON.stringify(file));
    writeStep(`${staging}/state.json written`);
    await fs.rename(staging, final);
    writeStep(`${final} in place`);
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true });
    throw err;
  }
  await writeFileAtomic(path.join(dir, LATEST), JSON.stringify({ epoch: state.epoch, path: name }));
  await prune(dir, name, options.keep ?? 2);
  return final;
}

/**
 * Keeps the newest `keep` checkpoints (always `current`, the one latest.json names) and removes
 * staging folders and temp files left by killed writers.
 */
async function prune(dir: string, current: string, keep: number): Promise<void> {
  const names = await fs.readdir(dir);
  const others = checkpointFolders(names).filter((n) => n !== current);
  const stale = names.filter((n) => n.startsWith('.') && n.endsWith('.tmp'));
  for (const old of [...others.slice(0, Math.max(0, others.length - (keep - 1))), ...stale]) {
    await fs.rm(path.join(dir, old), { recursive: true, force: true });
    writeStep(`${path.join(dir, old)} removed`);
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
  const candidates = checkpointFolders(names).reverse();
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
