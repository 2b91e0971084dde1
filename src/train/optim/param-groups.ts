// Splits a model's trainable weights into optimizer parameter groups: head vs backbone (the
// backbone gets `backboneLrMult`), optional layer-wise lr decay (BEiT / ELECTRA: a level d steps
// below the head trains at decay^d), and weight decay only where it regularizes. Frozen layers
// (trainable = false) contribute nothing, so freezing is decided by the model, not here; a loop
// that unfreezes layers later rebuilds the groups and hands them to `optimizer.setGroups`, which
// keeps the state of the variables that were already training.
import type * as tf from '@tensorflow/tfjs';
import { badInput } from '../../errors.js';
import type { ParamGroup } from './types.js';

export interface ParamGroupOptions {
  /** Names of the top-level layers forming the head. Default: `head` or names starting `head`. */
  headLayers?: string[];
  /** lr multiple for every backbone weight (e.g. 0.1). Default 1. */
  backboneLrMult?: number;
  /** Layer-wise decay factor in (0, 1]; the backbone level d steps below the head gets decay^d. */
  layerDecay?: number;
  /**
   * Which level a backbone layer belongs to for layer-wise decay. Default: each layer that has
   * weights is its own level. For MobileNetV2, `(n) => n.match(/^block_\d+/)?.[0] ?? n` makes
   * each inverted-residual block one level (its conv, BN and depthwise layers share a multiple).
   */
  levelOf?: (layerName: string) => string;
  /** Weight decay for the weights that take it (see `takesWeightDecay`). Default 0. */
  weightDecay?: number;
}

/**
 * Whether weight decay applies. Not to BatchNorm gamma/beta, biases or any other weight of rank
 * <= 1: shrinking a scale or an offset toward 0 does not limit capacity (BN re-normalizes) but
 * does bias the outputs, so common fine-tuning recipes (timm, BEiT, ConvNeXt) exclude them.
 */
export function takesWeightDecay(v: tf.LayerVariable): boolean {
  if (v.shape.length <= 1) return false;
  return !/\/(bias|gamma|beta)(_\d+)?$/.test(v.originalName);
}

interface Placed {
  variable: tf.LayerVariable;
  head: boolean;
  level: string;
}

/** A layer that contains layers (a nested model used as a layer). */
function sublayers(layer: tf.layers.Layer): tf.layers.Layer[] | undefined {
  const inner = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
  return Array.isArray(inner) ? inner : undefined;
}

export function buildParamGroups(
  model: tf.LayersModel,
  options: ParamGroupOptions = {},
): ParamGroup[] {
  const backboneLrMult = options.backboneLrMult ?? 1;
  const weightDecay = options.weightDecay ?? 0;
  const layerDecay = options.layerDecay;
  const levelOf = options.levelOf ?? ((name: string) => name);
  if (!Number.isFinite(backboneLrMult) || backboneLrMult < 0) {
    throw badInput(`param groups: backboneLrMult must be >= 0, got ${backboneLrMult}`);
  }
  if (!Number.isFinite(weightDecay) || weightDecay < 0) {
    throw badInput(`param groups: weightDecay must be >= 0, got ${weightDecay}`);
  }
  if (layerDecay !== undefined && !(layerDecay > 0 && layerDecay <= 1)) {
    throw badInput(`param groups: layerDecay must be in (0, 1], got ${layerDecay}`);
  }
  const names = model.layers.map((l) => l.name);
  for (const name of options.headLayers ?? []) {
    if (!names.includes(name)) {
      throw badInput(`param groups: head layer ${name} is not in the model (layers: ${names})`);
    }
  }
  const isHead = options.headLayers
    ? (name: string) => options.headLayers!.includes(name)
    : (name: string) => name.startsWith('head');

  const placed: Placed[] = [];
  const seen = new Set<number>();
  const walk = (layer: tf.layers.Layer, head: boolean): void => {
    if (!layer.trainable) return;
    const inner = sublayers(layer);
    if (inner) {
      for (const l of inner) walk(l, head);
      return;
    }
    for (const v of layer.trainableWeights) {
      if (seen.has(v.id)) continue; // a layer shared between two places
      seen.add(v.id);
      placed.push({ variable: v, head, level: levelOf(layer.name) });
    }
  };
  for (const layer of model.layers) walk(layer, isHead(layer.name));

  const expected = model.trainableWeights.map((v) => v.name).sort();
  const found = placed.map((p) => p.variable.name).sort();
  if (expected.join('\n') !== found.join('\n')) {
    throw new Error(
      `param groups: walked ${found.length} weights, model trains ${expected.length}`,
    );
  }
  const anyHead = placed.some((p) => p.head);
  if (!anyHead && (backboneLrMult !== 1 || layerDecay !== undefined)) {
    throw badInput(
      `param groups: no trainable head layer found (${
        options.headLayers
          ? `headLayers: ${options.headLayers}`
          : 'looked for names starting "head"'
      }), so backboneLrMult / layerDecay have nothing to be relative to; name the head with headLayers`,
    );
  }

  // Levels of the backbone in model order; the last one sits directly under the head (depth 1).
  const levels: string[] = [];
  for (const p of placed) if (!p.head && !levels.includes(p.level)) levels.push(p.level);
  const lrMultOf = (p: Placed): number => {
    if (p.head) return 1;
    if (layerDecay === undefined) return backboneLrMult;
    return backboneLrMult * layerDecay ** (levels.length - levels.indexOf(p.level));
  };

  const groups = new Map<string, ParamGroup>();
  const ordered = [...placed.filter((p) => !p.head), ...placed.filter((p) => p.head)];
  for (const p of ordered) {
    const decays = takesWeightDecay(p.variable);
    const base = p.head ? 'head' : layerDecay === undefined ? 'backbone' : `backbone/${p.level}`;
    const name = decays ? base : `${base}/no_decay`;
    let group = groups.get(name);
    if (!group) {
      group = { name, variables: [], lrMult: lrMultOf(p), weightDecay: decays ? weightDecay : 0 };
      groups.set(name, group);
    }
    group.variables.push(p.variable);
  }
  return [...groups.values()];
}
