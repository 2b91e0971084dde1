// `--layer auto` for the commands that pool a frozen embedding outside `train` (embed, few-shot):
// resolves the layer value to pool, choosing it by LogME on the labelled images the caller
// allows (never test images), or falling back to the backbone's default frozen layer (its
// registry entry's measured `frozenLayer`, else its embedding layer) — with the reason — when
// those images cannot be scored.
import { isModelLocation } from '../../backbones/layers-backbone.js';
import { getBackbone } from '../../backbones/registry.js';
import type { Sample } from '../../data/types.js';
import {
  AUTO_LAYER,
  type ChooseLayerOptions,
  chooseLayer,
  describeChoice,
  type LayerChoice,
} from './choose-layer.js';

/** Labelled images a class needs to count in the choice: LogME needs a spread within classes. */
export const MIN_IMAGES_PER_CLASS = 2;

export interface ResolvedLayer {
  /** The layer spec to pool; undefined: the backbone's embedding layer. */
  layer: string | undefined;
  /** How auto chose it (absent when a layer was named or auto fell back). */
  choice?: LayerChoice;
  /** Why auto fell back to the backbone's default frozen layer. */
  fallback?: string;
}

/**
 * What auto falls back to: a registry backbone's measured `frozenLayer`; undefined (the
 * backbone's embedding layer) for one without, or an imported model.
 */
export function fallbackLayer(backbone: string): string | undefined {
  return isModelLocation(backbone) ? undefined : getBackbone(backbone).config.frozenLayer;
}

export interface ResolveLayerOptions extends Omit<ChooseLayerOptions, 'numClasses'> {
  /** The value given: a layer spec, or 'auto'. */
  layer: string;
  /** What the images are, for the fall-back message ("the support images"). */
  what: string;
}

/**
 * The labelled samples of classes with at least MIN_IMAGES_PER_CLASS images, their labels
 * renumbered 0..k-1 in class order (a few-shot pool holds only some of the source's classes).
 */
export function scorableSamples(samples: readonly Sample[]): {
  samples: Sample[];
  classes: number;
} {
  const counts = new Map<number, number>();
  for (const s of samples) if (s.label >= 0) counts.set(s.label, (counts.get(s.label) ?? 0) + 1);
  const kept = [...counts]
    .filter(([, n]) => n >= MIN_IMAGES_PER_CLASS)
    .map(([label]) => label)
    .sort((a, b) => a - b);
  const index = new Map(kept.map((label, i) => [label, i]));
  return {
    samples: samples.flatMap((s) => {
      const label = index.get(s.label);
      return label === undefined ? [] : [{ ...s, label }];
    }),
    classes: kept.length,
  };
}

export async function resolveLayer(options: ResolveLayerOptions): Promise<ResolvedLayer> {
  const { layer, what, ...choose } = options;
  if (layer !== AUTO_LAYER) return { layer };
  const { samples, classes } = scorableSamples(options.samples);
  if (classes < 2) {
    const labelled = options.samples.some((s) => s.label >= 0);
    return {
      layer: fallbackLayer(options.backbone),
      fallback: labelled
        ? `${what} have fewer than two classes with ${MIN_IMAGES_PER_CLASS}+ labelled images each, so LogME cannot rank layers`
        : `${what} have no labels, so LogME cannot rank layers`,
    };
  }
  const choice = await chooseLayer({ ...choose, samples, numClasses: classes });
  return { layer: choice.layer, choice };
}

/** One line for logs and reports: the choice, or the fall-back and its reason. */
export function describeResolved(resolved: ResolvedLayer, pooled: string): string | undefined {
  if (resolved.choice) return describeChoice(resolved.choice);
  if (resolved.fallback)
    return `layer auto fell back to the backbone's default layer ${pooled}: ${resolved.fallback}`;
  return undefined;
}

/** What a bundle's `backbone.layerChoice` records of a choice (bundle/meta.ts). */
export function layerChoiceMeta(choice: LayerChoice) {
  return {
    score: choice.score,
    imageSize: choice.imageSize,
    ...(choice.sizes ? { sizes: choice.sizes } : {}),
    images: choice.images,
    seconds: choice.seconds,
    scores: choice.scores,
  };
}
