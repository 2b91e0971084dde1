// Freezing for fine-tuning: `unfreezeLast(model, n, blocks)` leaves the last n blocks and the head
// trainable and freezes the rest (`--unfreeze N|all`). Frozen BatchNorm layers run in inference
// mode while training (moving statistics, no updates), as in Keras/TF2: tfjs-layers does not do
// this on its own; the registered BatchNormalization in backbones/batchnorm-fix.ts does.
import type * as tf from '@tensorflow/tfjs';
import { freezesToInference } from '../../backbones/batchnorm-fix.js';
import { badUsage } from '../../errors.js';
import { type Block, describeBlocks } from './blocks.js';

/** How many of the last blocks train: 0 = head only, 'all' = every block. */
export type Unfreeze = number | 'all';

export interface FreezeResult {
  /** Blocks that train, in model order (the last `count`). */
  trainable: string[];
  /** Blocks that are frozen, in model order. */
  frozen: string[];
  /** Number of trainable blocks. */
  count: number;
  /** Layers whose `trainable` this call changed. */
  changed: { layer: string; trainable: boolean }[];
}

/** Parses `--unfreeze N|all`. */
export function parseUnfreeze(value: string, flag = '--unfreeze'): Unfreeze {
  const v = value.trim().toLowerCase();
  if (v === 'all') return 'all';
  if (/^\d+$/.test(v)) return Number(v);
  throw badUsage(`${flag}: expected a number of blocks (0 = head only) or 'all', got '${value}'`);
}

/** The number of blocks `n` means for this split; throws badUsage when out of range. */
export function resolveUnfreeze(
  n: Unfreeze,
  blocks: readonly Block[],
  flag = '--unfreeze',
): number {
  if (n === 'all') return blocks.length;
  if (!Number.isInteger(n) || n < 0) {
    throw badUsage(`${flag}: expected a whole number >= 0 or 'all', got ${n}`);
  }
  if (n > blocks.length) {
    throw badUsage(
      `${flag}: ${n} is more than the model's ${describeBlocks(blocks)}; use ${blocks.length} or 'all'`,
    );
  }
  return n;
}

/** Layers that stay frozen whatever block they are in (e.g. BatchNorm when fine-tuning). */
export type KeepFrozen = (layer: tf.layers.Layer) => boolean;

/**
 * Sets `trainable` on a layer and, for a nested model, on every layer inside it (Keras does);
 * layers `keepFrozen` picks are set untrainable.
 */
function setTrainable(
  layer: tf.layers.Layer,
  value: boolean,
  keepFrozen: KeepFrozen,
  changed: FreezeResult['changed'],
) {
  const v = value && !keepFrozen(layer);
  if (layer.trainable !== v) {
    layer.trainable = v;
    changed.push({ layer: layer.name, trainable: v });
  }
  const inner = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
  if (Array.isArray(inner)) for (const l of inner) setTrainable(l, value, keepFrozen, changed);
}

function frozenBatchNormsInTrainingMode(layer: tf.layers.Layer): string[] {
  const inner = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
  if (Array.isArray(inner)) return inner.flatMap(frozenBatchNormsInTrainingMode);
  return freezesToInference(layer) ? [] : [layer.name];
}

/**
 * Makes only the last `n` blocks (and every layer in no block: the head) trainable, except the
 * layers `keepFrozen` picks. Idempotent; returns what changed. Throws when a layer to freeze is a BatchNormalization that would still
 * use batch statistics (built in code with tf.layers.batchNormalization rather than the
 * registered class: use `batchNormalization` from backbones/batchnorm-fix.ts).
 */
export function unfreezeLast(
  model: tf.LayersModel,
  n: Unfreeze,
  blocks: readonly Block[],
  keepFrozen: KeepFrozen = () => false,
): FreezeResult {
  const count = resolveUnfreeze(n, blocks);
  const firstTrainable = blocks.length - count;
  const blockOfLayer = new Map<string, number>();
  blocks.forEach((b, i) => {
    for (const name of b.layers) blockOfLayer.set(name, i);
  });
  const toFreeze = model.layers.filter((l) => {
    const i = blockOfLayer.get(l.name);
    return i !== undefined && i < firstTrainable;
  });
  const unsafe = toFreeze.flatMap(frozenBatchNormsInTrainingMode);
  if (unsafe.length) {
    throw new Error(
      `freeze: BatchNormalization layers ${unsafe.slice(0, 5).join(', ')} are not the registered class (backbones/batchnorm-fix.ts); frozen, they would still train their statistics`,
    );
  }
  const frozen = new Set(toFreeze);
  const changed: FreezeResult['changed'] = [];
  for (const layer of model.layers) {
    // Input layers hold no weights and are built untrainable; leave them be.
    if (layer.getClassName() !== 'InputLayer')
      setTrainable(layer, !frozen.has(layer), keepFrozen, changed);
  }
  return {
    trainable: blocks.slice(firstTrainable).map((b) => b.name),
    frozen: blocks.slice(0, firstTrainable).map((b) => b.name),
    count,
    changed,
  };
}
