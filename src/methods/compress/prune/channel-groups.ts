// Splits a functional model's channels into groups that must be pruned together. Every tensor's
// channel axis is a list of segments, each a slice of one channel space; conv/dense layers start
// spaces, channelwise layers pass them on, elementwise merges (Add, …) tie their inputs' spaces
// into one group (union-find), and Concatenate lays spaces end to end. Works on the Keras JSON
// (what gets edited and rebuilt) and reads shapes from the built model.
import type * as tf from '@tensorflow/tfjs';
import { asFunctional } from '../../../backbones/rebuild.js';
import {
  isFunctionalJson,
  type KerasLayerJson,
  type KerasModelJson,
} from '../../../backbones/topology.js';
import { badUsage } from '../../../errors.js';
import { type LayerRule, ruleFor, type Shape } from './channel-rules.js';

/** `size` channels of group `group`, at `offset` in a tensor's channel axis. */
export interface ChannelSegment {
  group: number;
  offset: number;
  size: number;
}

/** A layer touching a group, and where the group's channels sit in that layer's channel axis. */
export interface ChannelRef {
  layer: string;
  className: string;
  offset: number;
}

export interface ChannelGroup {
  id: number;
  channels: number;
  /** False when pruning would change what the model returns (or a layer mixes the channels). */
  prunable: boolean;
  reason?: string;
  /** Conv/dense layers whose output channels these are. */
  producers: ChannelRef[];
  /** BatchNorm / depthwise / PReLU layers holding one weight per channel of the group. */
  perChannel: ChannelRef[];
  /** Conv/dense layers reading these channels as input. */
  consumers: ChannelRef[];
  /** Every layer whose output carries these channels. */
  layers: string[];
}

/** How one layer's channel axes map to groups. */
export interface LayerChannels {
  name: string;
  className: string;
  rule: LayerRule;
  /** The layer's input channel axis (all inputs end to end for a concat; the first otherwise). */
  input: ChannelSegment[];
  output: ChannelSegment[];
}

export interface ChannelGraph {
  /** The functional config the groups refer to; edit a copy of it to rebuild. */
  json: KerasModelJson;
  groups: ChannelGroup[];
  layers: Map<string, LayerChannels>;
}

/** Layout of one channel axis before groups are resolved: segments of raw space ids. */
type Layout = { space: number; offset: number; size: number }[];

class UnionFind {
  private parent: number[] = [];
  add(): number {
    this.parent.push(this.parent.length);
    return this.parent.length - 1;
  }
  find(x: number): number {
    while (this.parent[x] !== x) {
      this.parent[x] = this.parent[this.parent[x]];
      x = this.parent[x];
    }
    return x;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

function inputRefs(layer: KerasLayerJson): string[] {
  if (layer.inbound_nodes.length > 1) {
    throw badUsage(
      `channel pruning: layer '${layer.name}' (${layer.class_name}) is shared (called ${layer.inbound_nodes.length} times); not supported`,
    );
  }
  const node = layer.inbound_nodes[0];
  if (!Array.isArray(node)) return [];
  return node.map((ref) => {
    const [name, , tensorIndex] = ref as [string, number, number];
    if (tensorIndex !== 0) {
      throw badUsage(
        `channel pruning: layer '${layer.name}' reads output ${tensorIndex} of '${name}'; multi-output layers are not supported`,
      );
    }
    return name;
  });
}

function shapesOf(built: tf.layers.Layer): Shape[] {
  const shapes = built.inboundNodes[0]?.inputShapes as Shape | Shape[] | undefined;
  if (!Array.isArray(shapes) || shapes.length === 0) return [];
  return Array.isArray(shapes[0]) ? (shapes as Shape[]) : [shapes as Shape];
}

function total(layout: Layout): number {
  return layout.reduce((n, s) => n + s.size, 0);
}

/**
 * tfjs 4.22's SeparableConv2D.getConfig leaves out depth_multiplier, so its JSON rebuilds with 1
 * and cannot take its own weights back; read it from the built layer.
 */
export function restoreDepthMultipliers(json: KerasModelJson, model: tf.LayersModel): void {
  for (const layer of json.config.layers) {
    if (layer.class_name !== 'SeparableConv2D' || layer.config.depth_multiplier !== undefined)
      continue;
    const built = model.getLayer(layer.name) as unknown as { depthMultiplier?: number };
    layer.config.depth_multiplier = built.depthMultiplier ?? 1;
  }
}

/** The channel groups of `model`'s graph. Throws badUsage for a layer it cannot follow. */
export function analyzeChannelGroups(model: tf.LayersModel): ChannelGraph {
  const source = asFunctional(model);
  const json = source.toJSON(null, false);
  if (!isFunctionalJson(json)) {
    throw badUsage(`channel pruning: model '${model.name}' is not a Keras functional model`);
  }
  restoreDepthMultipliers(json, source);
  const uf = new UnionFind();
  const spaceSize: number[] = [];
  const pinned = new Map<number, string>();
  const newSpace = (size: number, pin?: string) => {
    const id = uf.add();
    spaceSize.push(size);
    if (pin) pinned.set(id, pin);
    return [{ space: id, offset: 0, size }];
  };
  const pin = (layout: Layout, reason: string) => {
    for (const s of layout) if (!pinned.has(s.space)) pinned.set(s.space, reason);
  };

  const byName = new Map(json.config.layers.map((l) => [l.name, l]));
  const outputs = new Map<string, Layout>();
  const plans = new Map<string, { rule: LayerRule; input: Layout; output: Layout }>();

  const visit = (name: string, stack: Set<string>): Layout => {
    const done = outputs.get(name);
    if (done) return done;
    const layer = byName.get(name);
    if (!layer) throw badUsage(`channel pruning: the model config has no layer '${name}'`);
    if (stack.has(name)) throw badUsage(`channel pruning: the graph has a cycle at '${name}'`);
    stack.add(name);
    const inputs = inputRefs(layer).map((n) => visit(n, stack));
    stack.delete(name);
    const rule = ruleFor(layer, shapesOf(source.getLayer(name)));
    const { input, output } = layoutOf(layer, rule, inputs);
    outputs.set(name, output);
    plans.set(name, { rule, input, output });
    return output;
  };

  const layoutOf = (
    layer: KerasLayerJson,
    rule: LayerRule,
    inputs: Layout[],
  ): { input: Layout; output: Layout } => {
    const first = inputs[0] ?? [];
    switch (rule.kind) {
      case 'input': {
        const shape = layer.config.batch_input_shape as Shape;
        return { input: [], output: newSpace(shape.at(-1) as number, 'it is the model input') };
      }
      case 'produce':
        return { input: first, output: newSpace(rule.channels, rule.pinOutput) };
      case 'preserve':
        if (rule.pin) pin(first, rule.pin);
        return { input: first, output: first };
      case 'opaque': {
        pin(first, rule.reason);
        const shape = source.getLayer(layer.name).outputShape as Shape;
        return { input: first, output: newSpace(shape.at(-1) as number, rule.reason) };
      }
      case 'concat': {
        const output: Layout = [];
        let offset = 0;
        for (const layout of inputs) {
          for (const s of layout)
            output.push({ space: s.space, offset: offset + s.offset, size: s.size });
          offset += total(layout);
        }
        return { input: output, output };
      }
      case 'tie':
        return { input: first, output: tie(layer, inputs) };
    }
  };

  /** Unions the inputs' spaces segment by segment; a size-1 input is a broadcast, not a tie. */
  const tie = (layer: KerasLayerJson, inputs: Layout[]): Layout => {
    const widest = Math.max(...inputs.map(total));
    const tied = inputs.filter((l) => total(l) === widest || widest === 1);
    const base = tied[0];
    const sameCut = (l: Layout) =>
      l.length === base.length && l.every((s, i) => s.size === base[i].size);
    if (!tied.every(sameCut) || inputs.some((l) => total(l) !== widest && total(l) !== 1)) {
      // Inputs concatenated differently: keep every channel rather than guess a mapping.
      for (const l of inputs) pin(l, `'${layer.name}' merges differently split inputs`);
      return base;
    }
    for (const l of tied) {
      l.forEach((s, i) => {
        uf.union(base[i].space, s.space);
      });
    }
    return base;
  };

  for (const layer of json.config.layers) visit(layer.name, new Set());
  for (const [name] of json.config.output_layers) {
    pin(outputs.get(name) ?? [], `it is a model output ('${name}')`);
  }
  return resolve(json, plans, uf, spaceSize, pinned);
}

/** Replaces space ids by group ids and collects each group's members. */
function resolve(
  json: KerasModelJson,
  plans: Map<string, { rule: LayerRule; input: Layout; output: Layout }>,
  uf: UnionFind,
  spaceSize: number[],
  pinned: Map<number, string>,
): ChannelGraph {
  const groupOf = new Map<number, ChannelGroup>();
  const groups: ChannelGroup[] = [];
  const group = (space: number): ChannelGroup => {
    const root = uf.find(space);
    let g = groupOf.get(root);
    if (!g) {
      g = {
        id: groups.length,
        channels: spaceSize[root],
        prunable: true,
        producers: [],
        perChannel: [],
        consumers: [],
        layers: [],
      };
      groupOf.set(root, g);
      groups.push(g);
    }
    return g;
  };
  // Roots of pinned spaces; reasons applied once every group exists.
  const reasons = new Map<number, string>();
  for (const [space, reason] of pinned) {
    const root = uf.find(space);
    if (!reasons.has(root)) reasons.set(root, reason);
  }

  const layers = new Map<string, LayerChannels>();
  const toSegments = (layout: Layout) =>
    layout.map((s) => ({ group: group(s.space).id, offset: s.offset, size: s.size }));
  for (const layer of json.config.layers) {
    const plan = plans.get(layer.name)!;
    const input = toSegments(plan.input);
    const output = toSegments(plan.output);
    const ref = (s: ChannelSegment) => ({
      layer: layer.name,
      className: layer.class_name,
      offset: s.offset,
    });
    for (const s of output) {
      const g = groups[s.group];
      if (!g.layers.includes(layer.name)) g.layers.push(layer.name);
    }
    if (plan.rule.kind === 'produce') {
      for (const s of output) groups[s.group].producers.push(ref(s));
      for (const s of input) groups[s.group].consumers.push(ref(s));
    }
    if (plan.rule.kind === 'preserve' && Object.keys(plan.rule.weights).length) {
      for (const s of input) groups[s.group].perChannel.push(ref(s));
    }
    layers.set(layer.name, {
      name: layer.name,
      className: layer.class_name,
      rule: plan.rule,
      input,
      output,
    });
  }
  for (const [root, reason] of reasons) {
    const g = groupOf.get(root)!;
    g.prunable = false;
    g.reason = reason;
  }
  return { json, groups, layers };
}
