// One image through a segmentation model, to a label map of the image's own size. Two ways:
// - resize: the image fitted into the input square (aspect kept, gray padding right and below),
//   one forward pass, the logits of the image's part resized back (bilinear) and arg-maxed;
// - slide: input-sized windows over the image at its own resolution, overlapping by `overlap`,
//   softmax probabilities summed where windows overlap, then arg-maxed (for images much larger
//   than the training size: details stay at the scale the model was trained on).
// 'auto' slides when the image's longer side is more than twice the input size.
// Platform-free: Node's segment predict/eval and the browser entry (web/) run images through here.

import * as tf from '@tensorflow/tfjs';
import { type BatchModel, predictBatch } from '../../bundle/predict-batch.js';
import { PAD_FILL } from '../../data/detection/augment.js';
import type { LabelMap } from '../../data/segmentation/types.js';
import {
  type NormalizeParams,
  normalizeInto,
  normalizeTable,
} from '../../data/transforms/normalize.js';
import { crop, resample } from '../../data/transforms/resample.js';
import type { DecodedImage } from '../../data/types.js';
import { badInput, badUsage } from '../../errors.js';

export type InferenceMode = 'auto' | 'resize' | 'slide';

export interface SegmentImageOptions extends NormalizeParams {
  /** The model's square input size. */
  size: number;
  mode?: InferenceMode;
  /** Sliding windows' overlap as a fraction of the window (default 1/3, as mmsegmentation's
   * common 512-window / 341-stride setting). */
  overlap?: number;
  /** Windows per forward pass (default 8). */
  batch?: number;
}

export interface SegmentedImage {
  mask: LabelMap;
  mode: 'resize' | 'slide';
  /** Forward-pass windows used (1 for resize). */
  windows: number;
}

export function chooseMode(
  image: Pick<DecodedImage, 'width' | 'height'>,
  size: number,
  mode: InferenceMode = 'auto',
): 'resize' | 'slide' {
  if (mode !== 'auto') return mode;
  return Math.max(image.width, image.height) > 2 * size ? 'slide' : 'resize';
}

/** Window starts along one side of `length` pixels: first at 0, last flush with the end. */
export function windowStarts(length: number, window: number, stride: number): number[] {
  if (length <= window) return [0];
  const n = Math.ceil((length - window) / stride) + 1;
  return Array.from({ length: n }, (_, i) => Math.min(i * stride, length - window));
}

function checkOutput(output: tf.Tensor, size: number): number {
  const [, h, w, c] = output.shape;
  if (output.rank !== 4 || h !== size || w !== size)
    throw badInput(
      `the model outputs [${output.shape}]; a segmenter for ${size} px inputs gives [batch, ${size}, ${size}, classes]`,
    );
  return c as number;
}

/** The model's logits for a batch held in `input`. */
async function predictOn(model: BatchModel, input: Float32Array, shape: number[]) {
  const x = tf.tensor(input, shape);
  try {
    return await predictBatch(model, x);
  } finally {
    x.dispose();
  }
}

async function segmentResized(
  model: BatchModel,
  image: DecodedImage,
  lut: Float32Array,
  size: number,
): Promise<LabelMap> {
  const { width, height } = image;
  const scale = size / Math.max(width, height);
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const fitted = resample(image, { x: 0, y: 0, width, height }, w, h, 'bilinear');
  const input = new Float32Array(size * size * 3);
  normalizeInto(crop(fitted, 0, 0, size, size, PAD_FILL), lut, input, 0);
  const logits = await predictOn(model, input, [1, size, size, 3]);
  try {
    checkOutput(logits, size);
    return await regionLabels(logits, 0, { x: 0, y: 0, width: w, height: h }, { width, height });
  } finally {
    logits.dispose();
  }
}

/**
 * Image `index` of a batch of logits [batch, size, size, classes] (kept) as a label map: the
 * input's `region` that holds the image, resized (bilinear) to `to` and arg-maxed. The resize
 * mode's last step, shared with the multi-task pass (bundle/multitask/joint-pass.ts), whose
 * region is a letterbox's.
 */
export async function regionLabels(
  logits: tf.Tensor,
  index: number,
  region: { x: number; y: number; width: number; height: number },
  to: { width: number; height: number },
): Promise<LabelMap> {
  const size = logits.shape[1] as number;
  const labels = tf.tidy(() => {
    const classes = checkOutput(logits, size);
    const part = tf.slice(
      logits,
      [index, region.y, region.x, 0],
      [1, region.height, region.width, classes],
    );
    return tf.argMax(
      tf.image.resizeBilinear(part as tf.Tensor4D, [to.height, to.width], false, true),
      -1,
    );
  });
  const data = Uint8Array.from(await labels.data());
  labels.dispose();
  return { data, width: to.width, height: to.height };
}

async function segmentSliding(
  model: BatchModel,
  image: DecodedImage,
  lut: Float32Array,
  size: number,
  overlap: number,
  batch: number,
): Promise<{ mask: LabelMap; windows: number }> {
  const { width, height } = image;
  const stride = Math.max(1, Math.round(size * (1 - overlap)));
  const windows = windowStarts(height, size, stride).flatMap((top) =>
    windowStarts(width, size, stride).map((left) => ({ left, top })),
  );
  let sums: Float32Array | undefined;
  let classes = 0;
  for (let i = 0; i < windows.length; i += batch) {
    const chunk = windows.slice(i, i + batch);
    const input = new Float32Array(chunk.length * size * size * 3);
    chunk.forEach(({ left, top }, k) => {
      normalizeInto(crop(image, left, top, size, size, PAD_FILL), lut, input, k * size * size * 3);
    });
    const logits = await predictOn(model, input, [chunk.length, size, size, 3]);
    classes = checkOutput(logits, size);
    const probs = tf.softmax(logits);
    logits.dispose();
    const p = (await probs.data()) as Float32Array;
    probs.dispose();
    sums ??= new Float32Array(width * height * classes);
    chunk.forEach(({ left, top }, k) => {
      const base = k * size * size * classes;
      const rows = Math.min(size, height - top);
      const cols = Math.min(size, width - left);
      for (let y = 0; y < rows; y++) {
        for (let x = 0; x < cols; x++) {
          const from = base + (y * size + x) * classes;
          const to = ((top + y) * width + left + x) * classes;
          for (let c = 0; c < classes; c++) sums![to + c] += p[from + c];
        }
      }
    });
  }
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++)
      if (sums![i * classes + c] > sums![i * classes + best]) best = c;
    data[i] = best;
  }
  return { mask: { data, width, height }, windows: windows.length };
}

export async function segmentImage(
  model: BatchModel,
  image: DecodedImage,
  options: SegmentImageOptions,
): Promise<SegmentedImage> {
  const overlap = options.overlap ?? 1 / 3;
  if (!(overlap >= 0 && overlap < 1)) throw badUsage(`overlap: must be in [0, 1) (got ${overlap})`);
  const lut = normalizeTable(options);
  const mode = chooseMode(image, options.size, options.mode);
  if (mode === 'resize')
    return { mask: await segmentResized(model, image, lut, options.size), mode, windows: 1 };
  const slid = await segmentSliding(model, image, lut, options.size, overlap, options.batch ?? 8);
  return { ...slid, mode };
}

/** Share of the mask's pixels per class name, classes present only, in class order. */
export function classShares(mask: LabelMap, classes: readonly string[]): Record<string, number> {
  const counts = new Map<number, number>();
  for (const v of mask.data) counts.set(v, (counts.get(v) ?? 0) + 1);
  return Object.fromEntries(
    [...counts]
      .sort((a, b) => a[0] - b[0])
      .map(([c, n]) => [classes[c] ?? String(c), n / mask.data.length]),
  );
}
