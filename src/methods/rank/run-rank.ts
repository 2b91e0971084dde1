// `rankCandidates` (`visiontune rank`): every backbone × input size × layer candidate scored on
// the same seeded, class-balanced subsample of the training split — LogME (the default score, as
// `--layer auto` computes it), the shrinkage H-score, optionally a cross-validated linear probe —
// with the embedding time and dimension, best first, and the recommendation.
import { getBackbone, isModelLocation, listBackbones } from '../../backbones/index.js';
import { openSource } from '../../data/index.js';
import type { DataSource } from '../../data/types.js';
import { badInput, badUsage } from '../../errors.js';
import {
  DEFAULT_SCORE_IMAGES,
  describeChoice,
  type LayerChoice,
  scoreSizes,
  scoringSubsample,
} from './choose-layer.js';
import type { LayerSet } from './embed-candidates.js';
import { shrinkageHScore } from './hscore.js';
import { backboneSizes } from './image-sizes.js';
import { crossValidatedProbe } from './probe.js';
import { sourceHeadScores } from './source-head.js';

/** Why LEEP and NCE are n/a for the backbones named. */
export function sourceHeadNote(backbones: readonly string[]): string {
  return `LEEP and NCE: n/a for ${backbones.join(', ')} — they read the probabilities of the source task's classifier head, which registry backbones do not keep (an imported model that still ends in a classifier gets them).`;
}

export interface RankOptions {
  /** Image folder, .csv/.jsonl manifest, or mnist / fashion-mnist; or an opened source. */
  data: string | DataSource;
  /** Backbone names or model paths; 'all': every registry backbone with pretrained weights. */
  backbones?: readonly string[] | 'all';
  layers?: LayerSet;
  /** Input sizes; default each backbone's native size. */
  imageSizes?: readonly number[];
  /** Cap on the training images scored (class-balanced, seeded). */
  maxImages?: number;
  /** Also pair the best layers as 'a+b' candidates (as `--layer auto` does). */
  combine?: boolean;
  /** Add a 5-fold cross-validated logistic probe's accuracy (slow). */
  probe?: boolean;
  seed?: number;
  cacheDir?: string;
  batchSize?: number;
  skipBad?: boolean;
  /** Called as each backbone × size is embedded and scored. */
  onProgress?: (line: string) => void;
}

export interface RankRow {
  backbone: string;
  imageSize: number;
  /** A layer name, or 'a+b' (both pooled, concatenated). */
  layer: string;
  /** Position among the backbone's candidates, shallow to deep; null for a pair. */
  depth: number | null;
  dim: number;
  logme: number;
  /** Shrinkage H-score (Ibrahim et al. 2022) of the same standardized features. */
  hscore: number;
  /**
   * From the backbone's source classifier head (an imported model that keeps one), at the
   * model's own input size: one value for the whole model. Null (n/a) without a head.
   */
  leep: number | null;
  nce: number | null;
  /** Mean held-out accuracy of a 5-fold logistic probe; only with `probe`. */
  probe?: number;
  /** The embedding pass of this backbone × size (every layer at once); short on cache hits. */
  embedSeconds: number;
  cached: boolean;
  /** Computing this candidate's H-score (and probe). */
  hscoreSeconds: number;
  probeSeconds?: number;
}

export interface RankResult {
  data: string;
  classes: string[];
  /** Training images scored. */
  images: number;
  /** Best LogME first. */
  rows: RankRow[];
  best: RankRow;
  /** One line: the winner and the runners-up, as `--layer auto` reports its choice. */
  recommendation: string;
  notes: string[];
  seconds: number;
}

function backboneNames(wanted: RankOptions['backbones']): string[] {
  if (wanted === undefined) return ['mobilenet_v2'];
  if (wanted === 'all') return listBackbones().flatMap((b) => (b.hasPretrained ? [b.name] : []));
  if (wanted.length === 0) throw badUsage('--backbones: name at least one backbone');
  // Unknown names fail before any backbone is embedded.
  for (const name of wanted) if (!isModelLocation(name)) getBackbone(name);
  return [...new Set(wanted)];
}

/**
 * The sizes `backbone` is embedded at: the listed ones it accepts (the rest named in `notes`), or
 * [undefined] for its native size.
 */
async function sizesFor(
  backbone: string,
  listed: readonly number[] | undefined,
  notes: string[],
): Promise<(number | undefined)[]> {
  if (!listed?.length) return [undefined];
  const { minInputSize } = await backboneSizes(backbone);
  const small = listed.filter((s) => s < minInputSize);
  if (small.length === listed.length)
    throw badUsage(`--image-sizes: ${backbone} needs inputs of at least ${minInputSize} px`);
  if (small.length)
    notes.push(
      `${backbone}: ${small.join(', ')} px skipped (its smallest input is ${minInputSize} px).`,
    );
  return listed.filter((s) => s >= minInputSize);
}

/** The recommendation line: describeChoice's wording, with the backbone in front. */
export function describeRanking(result: Omit<RankResult, 'recommendation'>, shown = 4): string {
  const choice: LayerChoice = {
    layer: result.best.layer,
    imageSize: result.best.imageSize,
    sizes: [...new Set(result.rows.map((r) => r.imageSize))].sort((a, b) => a - b),
    score: 'logme',
    scores: result.rows.map((r) => ({
      layer: r.layer,
      dim: r.dim,
      score: r.logme,
      imageSize: r.imageSize,
    })),
    images: result.images,
    seconds: result.seconds,
  };
  const backbones = new Set(result.rows.map((r) => r.backbone));
  return `${backbones.size > 1 ? `backbone ${result.best.backbone}, ` : ''}${describeChoice(choice, shown)}`;
}

export async function rankCandidates(options: RankOptions): Promise<RankResult> {
  const started = performance.now();
  const seed = options.seed ?? 0;
  const source =
    typeof options.data === 'string'
      ? await openSource(options.data, { skipBad: options.skipBad })
      : options.data;
  const train = source.splits.train ?? [];
  if (train.length === 0) throw badInput(`${source.name} has no training images to score`);
  const numClasses = source.classes.length;
  if (new Set(train.map((s) => s.label)).size < 2)
    throw badInput(`${source.name}: ranking needs training images of at least two classes`);
  const samples = scoringSubsample(
    train,
    numClasses,
    options.maxImages ?? DEFAULT_SCORE_IMAGES,
    seed,
  );
  const rows: RankRow[] = [];
  const notes: string[] = [];
  const headless: string[] = [];
  let images = 0;
  for (const backbone of backboneNames(options.backbones)) {
    const sizes = await sizesFor(backbone, options.imageSizes, notes);
    const head = await sourceHeadScores(backbone, source, samples, numClasses, options.batchSize);
    if (head)
      notes.push(
        `LEEP and NCE of ${backbone}: its ${head.sourceClasses}-class source head at the model's own input size (one value for the whole model).`,
      );
    else headless.push(backbone);
    for (const size of sizes) {
      const scored: Omit<RankRow, 'embedSeconds' | 'cached'>[] = [];
      const [result] = await scoreSizes({
        backbone,
        inputSize: size,
        layers: options.layers,
        combine: options.combine,
        source,
        samples,
        seed,
        cacheDir: options.cacheDir,
        batchSize: options.batchSize,
        numClasses,
        onScore: (score, features, at) => {
          const input = { features, dim: score.dim, labels: at.labels, numClasses };
          const t0 = performance.now();
          const hscore = shrinkageHScore(input);
          const t1 = performance.now();
          const probe = options.probe ? crossValidatedProbe(input) : undefined;
          scored.push({
            backbone,
            imageSize: at.imageSize,
            layer: score.layer,
            depth: score.layer.includes('+') ? null : scored.filter((s) => s.depth !== null).length,
            dim: score.dim,
            logme: score.score,
            hscore,
            leep: null,
            nce: null,
            hscoreSeconds: (t1 - t0) / 1000,
            ...(probe === undefined
              ? {}
              : { probe, probeSeconds: (performance.now() - t1) / 1000 }),
          });
        },
      });
      const pass = result!;
      images = pass.images;
      for (const row of scored)
        rows.push({
          ...row,
          ...(head ? { leep: head.leep, nce: head.nce } : {}),
          embedSeconds: pass.embedSeconds,
          cached: pass.computed === 0,
        });
      options.onProgress?.(
        `${backbone} @${pass.imageSize} px: ${scored.length} candidates, embedded in ${pass.embedSeconds.toFixed(1)} s${pass.computed === 0 ? ' (cached)' : ''}`,
      );
    }
  }
  // Stable: ties keep the order scored (backbones and sizes as listed, shallow layers first).
  rows.sort((a, b) => b.logme - a.logme);
  const partial = {
    data: source.name,
    classes: source.classes,
    images,
    rows,
    best: rows[0]!,
    notes: headless.length ? [...notes, sourceHeadNote(headless)] : notes,
    seconds: (performance.now() - started) / 1000,
  };
  return { ...partial, recommendation: describeRanking(partial) };
}
