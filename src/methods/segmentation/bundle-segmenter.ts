// A segmentation bundle at work: load it (refusing other tasks), evaluate it on labelled data in
// any layout, or segment image files, writing per image an index PNG (the class of each pixel, what
// mask readers load back), a coloured mask and an overlay on the photo.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type BatchModel, openBundle, type RunnableBundle } from '../../bundle/batch-model.js';
import { notA } from '../../bundle/multitask/task-view.js';
import { sharpDecoder } from '../../data/decode-sharp.js';
import { checkedImageSize, type ImageSize } from '../../data/detection/image-size.js';
import { openSegmentationData } from '../../data/segmentation/open.js';
import type { LabelMap, MaskMode, SegmentationDataset } from '../../data/segmentation/types.js';
import type { DecodedImage, SkipReport } from '../../data/types.js';
import { uniqueNames } from '../../data/unique-names.js';
import { recordSkip } from '../../data/validate.js';
import { writeFileAtomic } from '../../engine/file-io.js';
import { badInput, VisiontuneError } from '../../errors.js';
import { encodeColorPng, encodeIndexPng, overlayMask } from '../../report/mask-images.js';
import { evaluateSegmenter, type SegmenterEvaluation } from './evaluate.js';
import {
  classShares,
  type InferenceMode,
  type SegmentedImage,
  segmentImage,
} from './segment-image.js';
import { enlargeMask, workingHint } from './working-size.js';

export interface SegmenterBundle {
  bundle: RunnableBundle;
  model: BatchModel;
  classes: string[];
  size: number;
  ignoreIndex: number;
  maskMode: MaskMode;
  inference: InferenceMode;
}

/** A segmenter bundle on TF.js, or (engine 'onnx') on ONNX Runtime, from a folder or a .onnx file. */
export async function openSegmenterBundle(
  dir: string,
  options: { engine?: string; threads?: number } = {},
): Promise<SegmenterBundle> {
  return segmenterOf(await openBundle(dir, options));
}

/** An opened bundle as a segmenter (refused when it is not one). */
export function segmenterOf(bundle: RunnableBundle): SegmenterBundle {
  const { meta } = bundle;
  if (meta.task !== 'segmentation' || !meta.segmentation) throw notA(bundle, 'segmenter');
  return {
    bundle,
    model: bundle.model,
    classes: meta.labels,
    size: meta.preprocessing.inputSize,
    ignoreIndex: meta.segmentation.ignoreIndex,
    maskMode: meta.segmentation.maskMode,
    inference: meta.segmentation.inference,
  };
}

export interface InferenceOptions {
  /** Default: the bundle's (as trained). */
  mode?: InferenceMode;
  overlap?: number;
  batch?: number;
}

export function inferenceSettings(d: SegmenterBundle, options: InferenceOptions) {
  const { mean, std } = d.bundle.meta.preprocessing;
  return {
    mean,
    std,
    size: d.size,
    mode: options.mode ?? d.inference,
    overlap: options.overlap,
    batch: options.batch ?? 8,
  };
}

export async function evaluateSegmenterBundle(
  d: SegmenterBundle,
  location: string,
  options: InferenceOptions & {
    images?: string;
    split?: 'train' | 'val' | 'test';
    maskMode?: MaskMode;
    skipBad?: boolean;
    keep?: number;
  } = {},
): Promise<SegmenterEvaluation & { data: SegmentationDataset }> {
  const data = await openSegmentationData(location, {
    defaultClasses: d.classes,
    maskMode: options.maskMode ?? d.maskMode,
    ignoreIndex: d.ignoreIndex,
    images: options.images,
    split: options.split,
    skipBad: options.skipBad,
  });
  if (data.classes.join('\u0000') !== d.classes.join('\u0000'))
    throw badInput(
      `${location}: its classes (${data.classes.join(', ')}) differ from the model's (${d.classes.join(', ')})`,
    );
  const evaluation = await evaluateSegmenter(d.model, data.samples, {
    ...inferenceSettings(d, options),
    decoder: sharpDecoder(),
    source: data,
    skipBad: options.skipBad,
    keep: options.keep,
  });
  return { ...evaluation, data };
}

export interface PredictedMask {
  file: string;
  width: number;
  height: number;
  mode: 'resize' | 'slide';
  windows: number;
  /** Set when the image was too large to segment at its own size (working-size.ts): the size it
   * was segmented at; the coloured mask and overlay have this size, the index PNG the image's. */
  segmentedAt?: { width: number; height: number };
  /** Written files: the index PNG, and unless turned off, the coloured mask and the overlay. */
  mask: string;
  color?: string;
  overlay?: string;
  /** Share of the image's pixels per class name (classes present only). */
  classShares: Record<string, number>;
}

/**
 * An image to segment, decoded: its size checked from the header (pixel limit) first, decoded at
 * a working size the class scores fit in (working-size.ts). `bytes`: the image itself, else the
 * file `id` is read.
 */
export async function decodeForSegmenter(
  d: SegmenterBundle,
  id: string,
  bytes?: Uint8Array,
): Promise<{ image: DecodedImage; size: ImageSize }> {
  const size = await checkedImageSize(id, bytes);
  const image = await sharpDecoder().decode(bytes ?? id, id, workingHint(size, d.classes.length));
  return { image, size };
}

/** A decoded image segmented, its label map at the image's true `size`, and each class's share. */
export async function segmentDecoded(
  d: SegmenterBundle,
  image: DecodedImage,
  size: ImageSize,
  settings: ReturnType<typeof inferenceSettings>,
): Promise<{ segmented: SegmentedImage; mask: LabelMap; shares: Record<string, number> }> {
  const segmented = await segmentImage(d.model, image, settings);
  const mask = await enlargeMask(segmented.mask, size);
  return { segmented, mask, shares: classShares(mask, d.classes) };
}

/** Segments each file, writing out/masks/<name>.png, out/color/<name>.png, out/overlay/<name>.jpg. */
export async function predictMasks(
  d: SegmenterBundle,
  files: readonly string[],
  options: InferenceOptions & { out: string; draw?: boolean; skipBad?: boolean },
): Promise<{ predictions: PredictedMask[]; skipped: SkipReport }> {
  const names = uniqueNames(files);
  const dirs = { masks: 'masks', color: 'color', overlay: 'overlay' };
  for (const dir of options.draw === false ? [dirs.masks] : Object.values(dirs))
    await fs.mkdir(path.join(options.out, dir), { recursive: true });
  const settings = inferenceSettings(d, options);
  const skipped: SkipReport = { count: 0, examples: [] };
  const predictions: PredictedMask[] = [];
  for (const [i, file] of files.entries()) {
    let image: DecodedImage;
    let size: ImageSize;
    try {
      ({ image, size } = await decodeForSegmenter(d, file));
    } catch (err) {
      if (!options.skipBad || !(err instanceof VisiontuneError)) throw err;
      recordSkip(skipped, err.message);
      continue;
    }
    const { segmented, mask, shares } = await segmentDecoded(d, image, size, settings);
    const { mode, windows } = segmented;
    const written: Pick<PredictedMask, 'mask' | 'color' | 'overlay'> = {
      mask: path.join(options.out, dirs.masks, `${names[i]}.png`),
    };
    await writeFileAtomic(written.mask, await encodeIndexPng(mask));
    if (options.draw !== false) {
      written.color = path.join(options.out, dirs.color, `${names[i]}.png`);
      written.overlay = path.join(options.out, dirs.overlay, `${names[i]}.jpg`);
      await writeFileAtomic(written.color, await encodeColorPng(segmented.mask));
      await writeFileAtomic(
        written.overlay,
        await overlayMask(image, segmented.mask, { ignoreIndex: d.ignoreIndex }),
      );
    }
    const scaled = image.width !== size.width || image.height !== size.height;
    predictions.push({
      file,
      width: mask.width,
      height: mask.height,
      mode,
      windows,
      ...(scaled ? { segmentedAt: { width: image.width, height: image.height } } : {}),
      ...written,
      classShares: shares,
    });
  }
  return { predictions, skipped };
}
