// Splits a backbone model into ordered blocks (stem, block 1..K, top), the units of
// `--unfreeze N`: "the last N blocks" are the N blocks nearest the head. A registry entry declares
// its split (BackboneEntry.blocks: by layer name, or by the layers that end each block, read from
// the graph); any other model is split from the graph. The head (`pool`, `head_drop`, `head*`)
// and the input layer are in no block: the head always trains.
import type * as tf from '@tensorflow/tfjs';
import { cutPoints } from '../../backbones/graph.js';
import type { BlockRule } from '../../backbones/types.js';

export type BlockKind = 'stem' | 'block' | 'top';

export interface Block {
  /** 'stem', 'top', or the block's name (`block_3`, `mixed4`, `stage2_block1`, a layer name). */
  name: string;
  kind: BlockKind;
  /** Names of the block's layers, in the model's (topological) order. */
  layers: string[];
}

export interface BlockOptions {
  /** Names of the head's layers. Default: `pool`, `head_drop` and names starting `head`. */
  headLayers?: string[];
}

/** Head layers as createModel names them (and as buildParamGroups finds the head by default). */
export function isHeadLayer(name: string, headLayers?: string[]): boolean {
  if (headLayers) return headLayers.includes(name);
  return /^pool(_\d+)?$/.test(name) || name.startsWith('head');
}

/** Layers that belong to blocks: everything but the input layers and the head. */
function bodyLayers(model: tf.LayersModel, options: BlockOptions): tf.layers.Layer[] {
  return model.layers.filter(
    (l) => l.getClassName() !== 'InputLayer' && !isHeadLayer(l.name, options.headLayers),
  );
}

function kindOf(name: string): BlockKind {
  return name === 'stem' ? 'stem' : name === 'top' ? 'top' : 'block';
}

/** Groups layers by block name, blocks ordered by their first layer. */
function group(entries: [string, string][]): Block[] {
  const blocks = new Map<string, Block>();
  for (const [layer, block] of entries) {
    let b = blocks.get(block);
    if (!b) {
      b = { name: block, kind: kindOf(block), layers: [] };
      blocks.set(block, b);
    }
    b.layers.push(layer);
  }
  return [...blocks.values()];
}

function inboundLayers(layer: tf.layers.Layer): tf.layers.Layer[] {
  return layer.inboundNodes.flatMap((node) => node.inboundLayers);
}

/** The layer itself and every layer it depends on. */
function ancestors(layer: tf.layers.Layer): Set<tf.layers.Layer> {
  const seen = new Set<tf.layers.Layer>();
  const stack = [layer];
  while (stack.length) {
    const l = stack.pop() as tf.layers.Layer;
    if (seen.has(l)) continue;
    seen.add(l);
    stack.push(...inboundLayers(l));
  }
  return seen;
}

function byNames(
  layers: tf.layers.Layer[],
  blockOf: (name: string) => string | undefined,
): Block[] {
  const unknown = layers.filter((l) => blockOf(l.name) === undefined).map((l) => l.name);
  if (unknown.length) {
    throw new Error(
      `blocks: the backbone's block rule places no block for layers ${unknown.slice(0, 8).join(', ')}`,
    );
  }
  return group(layers.map((l) => [l.name, blockOf(l.name) as string]));
}

function byEnds(layers: tf.layers.Layer[], stemEnd: string, ends: string[]): Block[] {
  const byName = new Map(layers.map((l) => [l.name, l]));
  // Ends cut away from this model (an earlier embedding layer) have no block.
  const present = [['stem', stemEnd], ...ends.map((e) => [e, e])].filter(([, end]) =>
    byName.has(end),
  );
  const reach = present.map(([, end]) => ancestors(byName.get(end) as tf.layers.Layer));
  return group(
    layers.map((l) => {
      const i = reach.findIndex((set) => set.has(l));
      return [l.name, i < 0 ? 'top' : present[i][0]];
    }),
  );
}

/**
 * Graph fallback: a block starts at a layer with weights (other than a normalization layer) that
 * follows a cut point, i.e. where every later layer depends on the input only through the layer
 * before. A plain chain gets one block per conv / dense layer (with its BatchNorm and activation);
 * a residual or multi-branch block (ResNet, Inception) stays whole. Weightless layers before the
 * first such layer (padding) join the first block.
 */
function byGraph(model: tf.LayersModel, body: tf.layers.Layer[]): Block[] {
  const cuts = new Set(cutPoints(model));
  const inBody = new Set(body);
  const entries: [string, string][] = [];
  const leading: string[] = [];
  let current: string | undefined;
  model.layers.forEach((layer, i) => {
    if (!inBody.has(layer)) return;
    const weighted = layer.weights.length > 0;
    const starts =
      weighted &&
      !/Normalization$/.test(layer.getClassName()) &&
      (i === 0 || cuts.has(model.layers[i - 1]));
    if (starts || (current === undefined && weighted)) {
      current = layer.name;
      // Weightless layers before the first block (padding, rescaling) join it.
      for (const name of leading.splice(0)) entries.push([name, current]);
    }
    if (current === undefined) leading.push(layer.name);
    else entries.push([layer.name, current]);
  });
  // A body without weights is one block.
  for (const name of leading) entries.push([name, leading[0]]);
  return group(entries);
}

/**
 * The model's blocks in topological order, by the entry's rule when given (`created.entry.blocks`),
 * else from the graph. Every body layer is in exactly one block; empty blocks are left out.
 */
export function splitBlocks(
  model: tf.LayersModel,
  rule?: BlockRule,
  options: BlockOptions = {},
): Block[] {
  const body = bodyLayers(model, options);
  if (!rule) return byGraph(model, body);
  if ('blockOf' in rule) return byNames(body, rule.blockOf);
  return byEnds(body, rule.stemEnd, rule.ends);
}

/** A one-line summary for logs and errors: "19 blocks (stem, expanded_conv … block_16, top)". */
export function describeBlocks(blocks: readonly Block[]): string {
  const names = blocks.map((b) => b.name);
  const shown =
    names.length <= 5
      ? names.join(', ')
      : `${names.slice(0, 2).join(', ')} … ${names.slice(-2).join(', ')}`;
  return `${blocks.length} blocks (${shown})`;
}
