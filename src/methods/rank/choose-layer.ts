// `--layer auto`: the candidate layer (or pair of layers) whose pooled features score best by
// LogME on a seeded, class-balanced subsample of the training images, never the test images.
// The choice, the candidates' scores and the time it took are returned for the bundle and report.
import type { Sample } from '../../data/types.js';
import { takePerClass } from '../classification/splits.js';
import { type EmbedCandidatesOptions, embedCandidates } from './embed-candidates.js';
import { type LayerScore, scoreLayers } from './score-layers.js';

/** The value of `--layer` that asks for the automatic choice. */
export const AUTO_LAYER = 'auto';

/**
 * Images scored at most: LogME's cost grows with min(n, dim)³, and a few hundred labelled images
 * rank layers as well as thousands (You et al. 2021, fig. 5).
 */
export const DEFAULT_SCORE_IMAGES = 512;

export interface LayerChoice {
  /** The chosen spec: a layer name, or 'a+b'. */
  layer: string;
  score: 'logme';
  /** Every candidate's score, best first. */
  scores: LayerScore[];
  /** Training images the scores were computed on. */
  images: number;
  seconds: number;
}

export interface ChooseLayerOptions extends EmbedCandidatesOptions {
  numClasses: number;
  /** Cap on the images scored (class-balanced, seeded); default DEFAULT_SCORE_IMAGES. */
  maxImages?: number;
  combine?: boolean;
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

export async function chooseLayer(options: ChooseLayerOptions): Promise<LayerChoice> {
  const started = performance.now();
  const samples = scoringSubsample(
    options.samples,
    options.numClasses,
    options.maxImages ?? DEFAULT_SCORE_IMAGES,
    options.seed,
  );
  const embedded = await embedCandidates({ ...options, samples });
  const scores = scoreLayers(embedded.layers, embedded.labels, options.numClasses, {
    combine: options.combine,
  });
  return {
    layer: scores[0]!.layer,
    score: 'logme',
    scores,
    images: embedded.labels.length,
    seconds: (performance.now() - started) / 1000,
  };
}

/** One line for logs, reports and bundles: what was chosen, by what, over how many candidates. */
export function describeChoice(choice: LayerChoice, shown = 4): string {
  const top = choice.scores
    .slice(0, shown)
    .map((s) => `${s.layer} ${s.score.toFixed(3)}`)
    .join(', ');
  return (
    `layer ${choice.layer} chosen by LogME over ${choice.scores.length} candidates ` +
    `on ${choice.images} training images (${choice.seconds.toFixed(1)} s); scores: ${top}` +
    (choice.scores.length > shown ? ', …' : '')
  );
}
