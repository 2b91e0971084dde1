// `--layer auto` (and `--image-size auto`): the candidate layer (or pair of layers), at one of the
// candidate input sizes, whose pooled features score best by LogME on a seeded, class-balanced
// subsample of the training images, never the test images. The choice, the candidates' scores
// and the time it took are returned for the bundle and report.
import type { Sample } from '../../data/types.js';
import { takePerClass } from '../classification/splits.js';
import { type EmbedCandidatesOptions, embedCandidates } from './embed-candidates.js';
import { type LayerScore, type ScoreLayersOptions, scoreLayers } from './score-layers.js';

/** The value of `--layer` that asks for the automatic choice. */
export const AUTO_LAYER = 'auto';

/**
 * Images scored at most: LogME's cost grows with min(n, dim)³, and a few hundred labelled images
 * rank layers as well as thousands (You et al. 2021, fig. 5).
 */
export const DEFAULT_SCORE_IMAGES = 512;

/** A candidate's score at the input size its features were embedded at. */
export interface SizedLayerScore extends LayerScore {
  imageSize: number;
}

export interface LayerChoice {
  /** The chosen spec: a layer name, or 'a+b'. */
  layer: string;
  /** The square input size the chosen layer was scored at. */
  imageSize: number;
  /** The input sizes scored, when more than one was (`--image-size auto`). */
  sizes?: number[];
  score: 'logme';
  /** Every candidate's score, best first. */
  scores: SizedLayerScore[];
  /** Training images the scores were computed on. */
  images: number;
  seconds: number;
}

export interface ChooseLayerOptions extends EmbedCandidatesOptions {
  numClasses: number;
  /** Cap on the images scored (class-balanced, seeded); default DEFAULT_SCORE_IMAGES. */
  maxImages?: number;
  combine?: boolean;
  /** Candidate input sizes (`--image-size auto`); default only `inputSize`. */
  sizes?: readonly number[];
}

/** The scores of one input size's candidates, from one embedding pass. */
export interface SizeScores {
  imageSize: number;
  /** Best first. */
  scores: LayerScore[];
  /** Images embedded (bad ones skipped under skipBad are left out). */
  images: number;
  /** Wall time of the embedding pass; cache hits make it short. */
  embedSeconds: number;
  /** Images the pass computed (0: all came from the cache). */
  computed: number;
}

export interface ScoreSizesOptions extends EmbedCandidatesOptions {
  numClasses: number;
  /** Input sizes to embed at; default only `inputSize` (the native size when unset). */
  sizes?: readonly number[];
  combine?: boolean;
  /** Called after each candidate is scored, with its standardized features and labels. */
  onScore?: (
    score: LayerScore,
    features: Float64Array,
    at: { imageSize: number; labels: Int32Array },
  ) => void;
}

/** The training images scored: all of them, or a seeded class-balanced subsample. */
export function scoringSubsample(
  samples: readonly Sample[],
  numClasses: number,
  maxImages: number,
  seed: number,
): readonly Sample[] {
  if (samples.length <= maxImages) return samples;
  return takePerClass(samples, Math.max(2, Math.floor(maxImages / numClasses)), seed);
}

/**
 * One embedding pass per input size (every candidate layer at once), then LogME of each layer
 * (scoreLayers) on exactly the samples given.
 */
export async function scoreSizes(options: ScoreSizesOptions): Promise<SizeScores[]> {
  const results: SizeScores[] = [];
  for (const size of options.sizes ?? [options.inputSize]) {
    const embedded = await embedCandidates({ ...options, inputSize: size });
    const imageSize = embedded.config.inputSize;
    const onScore: ScoreLayersOptions['onScore'] = options.onScore
      ? (score, features) =>
          options.onScore!(score, features, { imageSize, labels: embedded.labels })
      : undefined;
    const scores = scoreLayers(embedded.layers, embedded.labels, options.numClasses, {
      combine: options.combine,
      onScore,
    });
    results.push({
      imageSize,
      scores,
      images: embedded.labels.length,
      embedSeconds: embedded.seconds,
      computed: embedded.computed,
    });
  }
  return results;
}

export async function chooseLayer(options: ChooseLayerOptions): Promise<LayerChoice> {
  const started = performance.now();
  const samples = scoringSubsample(
    options.samples,
    options.numClasses,
    options.maxImages ?? DEFAULT_SCORE_IMAGES,
    options.seed,
  );
  const perSize = await scoreSizes({ ...options, samples });
  // Stable: equal scores keep the smaller size (listed first) and the shallower layer.
  const scores = perSize
    .flatMap((s) => s.scores.map((score) => ({ ...score, imageSize: s.imageSize })))
    .sort((a, b) => b.score - a.score);
  const best = scores[0]!;
  return {
    layer: best.layer,
    imageSize: best.imageSize,
    ...(perSize.length > 1 ? { sizes: perSize.map((s) => s.imageSize) } : {}),
    score: 'logme',
    scores,
    images: perSize[0]!.images,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * One line for logs, reports and bundles: what was chosen, by what, over how many candidates;
 * with several input sizes scored, the size too.
 */
export function describeChoice(choice: LayerChoice, shown = 4): string {
  const sized = (choice.sizes?.length ?? 0) > 1;
  const top = choice.scores
    .slice(0, shown)
    .map((s) => `${s.layer}${sized ? ` @${s.imageSize}` : ''} ${s.score.toFixed(3)}`)
    .join(', ');
  const what = sized
    ? `layer ${choice.layer} at ${choice.imageSize} px chosen by LogME over ${choice.scores.length} candidates (sizes ${choice.sizes!.join(', ')} px)`
    : `layer ${choice.layer} chosen by LogME over ${choice.scores.length} candidates`;
  return (
    `${what} on ${choice.images} training images (${choice.seconds.toFixed(1)} s); scores: ${top}` +
    (choice.scores.length > shown ? ', …' : '')
  );
}
