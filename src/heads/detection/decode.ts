// From the detector's raw output to detections in input pixels, as FCOS infers (Tian et al.
// 2019): score every (location, class), keep those above a threshold, the best few of those,
// turn each location's (l, t, r, b) into a box clipped to the input square, then class-wise NMS.
// Plain arrays after one read of the output: the work left is small and branchy.
import type * as tf from '@tensorflow/tfjs';
import type { Location } from './layout.js';
import { channelsPerLocation, type DetectorLayout, distanceFromRaw, locations } from './layout.js';
import { classwiseNms } from './nms.js';

export interface Detection {
  /** [x, y, width, height] in input pixels, inside [0, inputSize]. */
  bbox: [number, number, number, number];
  category: number;
  score: number;
}

/** A detection before NMS, with the index of the output location it came from. */
export interface Candidate extends Detection {
  location: number;
}

export interface DecodeOptions {
  /** Keep (location, class) pairs scoring above this (default 0.05). */
  scoreThreshold?: number;
  /** Of those, the best this many go to NMS (default 1000). */
  preNmsTopK?: number;
  /** Class-wise NMS threshold (default 0.6, FCOS's). */
  iouThreshold?: number;
  /** Detections kept per image (default 100). */
  maxDetections?: number;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function checkLength(length: number, expected: number, what: string): void {
  if (length !== expected) {
    throw new RangeError(`${what}: got ${length} values, the layout needs ${expected}`);
  }
}

/**
 * Positions of the `k` highest scores, best first, equal scores in position order. The k-th
 * score comes from one native numeric sort, so only the survivors meet a comparator.
 */
function bestFirst(scores: readonly number[], k: number): number[] {
  k = Math.floor(k);
  if (!(k > 0)) return [];
  let cut = Number.NEGATIVE_INFINITY;
  if (scores.length > k) cut = Float64Array.from(scores).sort()[scores.length - k]!;
  const above: number[] = [];
  const atCut: number[] = [];
  scores.forEach((s, i) => {
    if (s > cut) above.push(i);
    else if (s === cut) atCut.push(i);
  });
  // Ties at the cut are taken in position order until k are chosen.
  const chosen = above.concat(atCut.slice(0, Math.max(0, k - above.length)));
  return chosen.sort((a, b) => scores[b]! - scores[a]! || a - b);
}

function candidatesIn(
  values: Float32Array,
  layout: DetectorLayout,
  locs: readonly Location[],
  options: DecodeOptions,
): Candidate[] {
  const threshold = options.scoreThreshold ?? 0.05;
  const topK = options.preNmsTopK ?? 1000;
  const c = layout.numClasses;
  const per = channelsPerLocation(layout);
  // Flat (location · C + class) ids and scores: an untrained head can pass hundreds of thousands
  // of pairs, too many for an object each.
  const ids: number[] = [];
  const scores: number[] = [];
  for (let n = 0; n < locs.length; n++) {
    const base = n * per;
    const centreness = sigmoid(values[base + c + 4]!);
    for (let k = 0; k < c; k++) {
      // The geometric mean of class probability and centre-ness keeps a probability's scale
      // (a product of two would shrink towards 0), so one score threshold suits both.
      const score = Math.sqrt(sigmoid(values[base + k]!) * centreness);
      if (score > threshold) {
        ids.push(n * c + k);
        scores.push(score);
      }
    }
  }
  const size = layout.inputSize;
  return bestFirst(scores, topK).map((i) => {
    const location = Math.floor(ids[i]! / c);
    const category = ids[i]! - location * c;
    const score = scores[i]!;
    const { x, y, stride } = locs[location]!;
    const base = location * per + c;
    const x1 = Math.max(0, x - distanceFromRaw(values[base]!, stride));
    const y1 = Math.max(0, y - distanceFromRaw(values[base + 1]!, stride));
    const x2 = Math.min(size, x + distanceFromRaw(values[base + 2]!, stride));
    const y2 = Math.min(size, y + distanceFromRaw(values[base + 3]!, stride));
    return { bbox: [x1, y1, x2 - x1, y2 - y1], category, score, location };
  });
}

function decodeIn(
  values: Float32Array,
  layout: DetectorLayout,
  locs: readonly Location[],
  options: DecodeOptions,
): Detection[] {
  const kept = classwiseNms(candidatesIn(values, layout, locs, options), {
    iouThreshold: options.iouThreshold ?? 0.6,
    maxPerImage: options.maxDetections ?? 100,
  });
  return kept.map(({ bbox, category, score }) => ({ bbox, category, score }));
}

/** One image's candidates above the score threshold, best first, before NMS. */
export function detectionCandidates(
  output: Float32Array,
  layout: DetectorLayout,
  options: DecodeOptions = {},
): Candidate[] {
  const locs = locations(layout);
  checkLength(output.length, locs.length * channelsPerLocation(layout), 'detectionCandidates');
  return candidatesIn(output, layout, locs, options);
}

/** One image's detections, best first: `output` is its [N, C + 5] values, row-major. */
export function decodeDetections(
  output: Float32Array,
  layout: DetectorLayout,
  options: DecodeOptions = {},
): Detection[] {
  const locs = locations(layout);
  checkLength(output.length, locs.length * channelsPerLocation(layout), 'decodeDetections');
  return decodeIn(output, layout, locs, options);
}

/** One list per image from a whole batch's [batch, N, C + 5] values, row-major. */
export function decodeBatch(
  data: Float32Array,
  batchSize: number,
  layout: DetectorLayout,
  options: DecodeOptions = {},
): Detection[][] {
  const locs = locations(layout);
  const size = locs.length * channelsPerLocation(layout);
  checkLength(data.length, batchSize * size, 'decodeBatch');
  return Array.from({ length: batchSize }, (_, b) =>
    decodeIn(data.subarray(b * size, (b + 1) * size), layout, locs, options),
  );
}

/** decodeBatch on the detector's output tensor (read once, asynchronously; not disposed). */
export async function decodeTensor(
  output: tf.Tensor3D,
  layout: DetectorLayout,
  options: DecodeOptions = {},
): Promise<Detection[][]> {
  const data = (await output.data()) as Float32Array;
  return decodeBatch(data, output.shape[0], layout, options);
}
