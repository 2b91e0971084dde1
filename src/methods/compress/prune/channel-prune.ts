// Structured channel pruning: removes the least important channels of every prunable channel
// group and rebuilds a physically smaller model (fewer conv filters / dense units, weights sliced
// to match). The pruned model computes exactly what the original computes with the removed
// channels' outgoing weights zeroed. The source model is left untouched.
import '../../../backbones/batchnorm-fix.js';
import '../../../backbones/relu-layer.js';
import * as tf from '@tensorflow/tfjs';
import { asFunctional } from '../../../backbones/rebuild.js';
import { badUsage } from '../../../errors.js';
import { analyzeChannelGroups, type ChannelGraph, type ChannelGroup } from './channel-groups.js';
import { type ChannelImportance, channelScores, topChannels } from './channel-importance.js';
import { keptPositions, sliceWeights } from './channel-slice.js';

export type { ChannelImportance } from './channel-importance.js';

export interface ChannelPruneOptions {
  /** Fraction of channels removed from every prunable group, in [0, 1). */
  amount: number;
  /** 'l1': filter norms of the producing conv/dense layers; 'bn-gamma': |gamma| of BatchNorms. */
  importance: ChannelImportance;
  /** Kept counts are rounded up to a multiple of this (hardware-friendly widths). Default 1. */
  multipleOf?: number;
  /** Never keep fewer channels than this in a group. Default 1. */
  minChannels?: number;
  /**
   * Keep every channel of groups that several layers write into (the residual streams tied by
   * an Add): each of their channels passes through many blocks, so cutting them costs the most
   * accuracy for the least compute. Default false.
   */
  keepTied?: boolean;
  /**
   * Scores from elsewhere (e.g. measured on data); a group it returns undefined for is scored by
   * `importance`.
   */
  scorer?: (group: ChannelGroup) => Float64Array | undefined;
}

export interface ChannelGroupReport {
  id: number;
  /** Every layer whose output carries the group's channels. */
  layers: string[];
  producers: string[];
  perChannel: string[];
  consumers: string[];
  before: number;
  after: number;
  /** Indices (in the original channel order) that were kept, ascending. */
  kept: number[];
  prunable: boolean;
  /** Why the group was left whole, when it was. */
  reason?: string;
  /**
   * The criterion actually used ('bn-gamma' falls back to 'l1' for a group without BatchNorm;
   * 'measured' when the scorer option scored it).
   */
  importance?: ChannelImportance | 'measured';
}

export interface ChannelPruneReport {
  amount: number;
  importance: ChannelImportance;
  groups: ChannelGroupReport[];
  paramsBefore: number;
  paramsAfter: number;
}

function validate(options: ChannelPruneOptions): Required<ChannelPruneOptions> {
  const { amount, importance, multipleOf = 1, minChannels = 1, keepTied = false } = options;
  const scorer = options.scorer ?? (() => undefined);
  if (!(typeof amount === 'number' && amount >= 0 && amount < 1))
    throw badUsage(`amount: must be a fraction in [0, 1) (got ${amount})`);
  if (importance !== 'l1' && importance !== 'bn-gamma')
    throw badUsage(`importance: must be 'l1' or 'bn-gamma' (got '${importance}')`);
  if (!(Number.isInteger(multipleOf) && multipleOf >= 1))
    throw badUsage(`multipleOf: must be a positive whole number (got ${multipleOf})`);
  if (!(Number.isInteger(minChannels) && minChannels >= 1))
    throw badUsage(`minChannels: must be a positive whole number (got ${minChannels})`);
  return { amount, importance, multipleOf, minChannels, keepTied, scorer };
}

/** Whether more than one conv/dense layer writes the group's channels (tied by a merge). */
export function isTied(group: ChannelGroup): boolean {
  return new Set(group.producers.map((p) => p.layer)).size > 1;
}

/** How many of `channels` to keep. */
export function keepCount(channels: number, options: Required<ChannelPruneOptions>): number {
  const { amount, multipleOf, minChannels } = options;
  let keep = Math.max(minChannels, Math.round(channels * (1 - amount)));
  keep = Math.ceil(keep / multipleOf) * multipleOf;
  return Math.min(channels, keep);
}

/** Kept channel indices per group that loses channels. */
function chooseChannels(
  model: tf.LayersModel,
  graph: ChannelGraph,
  options: Required<ChannelPruneOptions>,
): { kept: Map<number, number[]>; used: Map<number, ChannelImportance | 'measured'> } {
  const kept = new Map<number, number[]>();
  const used = new Map<number, ChannelImportance | 'measured'>();
  for (const group of graph.groups) {
    if (!group.prunable || (options.keepTied && isTied(group))) continue;
    const keep = keepCount(group.channels, options);
    const measured = options.scorer(group);
    const { scores, used: criterion } = measured
      ? { scores: measured, used: 'measured' as const }
      : channelScores(model, graph, group, options.importance);
    used.set(group.id, criterion);
    if (keep < group.channels) kept.set(group.id, topChannels(scores, keep));
  }
  return { kept, used };
}

/** The config with conv filters / dense units (and channel-keeping reshapes) cut to size. */
function editConfig(graph: ChannelGraph, kept: Map<number, number[]>) {
  const json = structuredClone(graph.json);
  for (const layer of json.config.layers) {
    const { rule, output } = graph.layers.get(layer.name)!;
    const width = keptPositions(output, kept).length;
    if (rule.kind === 'produce') layer.config[rule.configKey] = width;
    if (rule.kind === 'preserve' && rule.lastDimKey) {
      const shape = [...(layer.config[rule.lastDimKey] as number[])];
      shape[shape.length - 1] = width;
      layer.config[rule.lastDimKey] = shape;
    }
  }
  return json;
}

function groupReport(
  group: ChannelGroup,
  kept: Map<number, number[]>,
  used: Map<number, ChannelImportance | 'measured'>,
): ChannelGroupReport {
  const keep = kept.get(group.id) ?? [...Array(group.channels).keys()];
  const names = (refs: { layer: string }[]) => [...new Set(refs.map((r) => r.layer))];
  return {
    id: group.id,
    layers: group.layers,
    producers: names(group.producers),
    perChannel: names(group.perChannel),
    consumers: names(group.consumers),
    before: group.channels,
    after: keep.length,
    kept: keep,
    prunable: group.prunable,
    ...(group.reason ? { reason: group.reason } : {}),
    ...(used.has(group.id) ? { importance: used.get(group.id) } : {}),
  };
}

/**
 * A smaller copy of `model` with `amount` of the channels of every prunable group removed.
 * Groups holding the model's input or outputs, or channels a layer mixes (softmax, spatial
 * flatten), keep every channel. Throws badUsage for a layer class it does not know.
 */
export async function pruneChannels(
  model: tf.LayersModel,
  options: ChannelPruneOptions,
): Promise<{ model: tf.LayersModel; report: ChannelPruneReport }> {
  const opts = validate(options);
  const source = asFunctional(model);
  const graph = analyzeChannelGroups(source);
  const { kept, used } = chooseChannels(source, graph, opts);
  const pruned = await tf.models.modelFromJSON({
    modelTopology: editConfig(graph, kept) as never,
  });
  for (const layer of pruned.layers) {
    const from = source.getLayer(layer.name);
    if (!from.weights.length) continue;
    const { rule, input, output } = graph.layers.get(layer.name)!;
    const rules = rule.kind === 'produce' || rule.kind === 'preserve' ? rule.weights : {};
    const weights = sliceWeights(from, rules, input, output, kept);
    layer.setWeights(weights);
    tf.dispose(weights);
  }
  return {
    model: pruned,
    report: {
      amount: opts.amount,
      importance: opts.importance,
      groups: graph.groups.map((g) => groupReport(g, kept, used)),
      paramsBefore: model.countParams(),
      paramsAfter: pruned.countParams(),
    },
  };
}
