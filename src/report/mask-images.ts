// Label maps as pictures for the segmentation report and for saved predictions: the VOC
// palette colours, a greyscale PNG of the raw class indices (what mask readers load back),
// a colour overlay on the photo, and an image | truth | prediction strip. Node-only (sharp).
import sharp, { type Sharp } from 'sharp';
import type { LabelMap } from '../data/segmentation/types.js';
import { DEFAULT_IGNORE_INDEX } from '../data/segmentation/types.js';
import { vocColormap } from '../data/segmentation/voc-colormap.js';
import type { DecodedImage } from '../data/types.js';
import { badInput } from '../errors.js';

export type Palette = readonly (readonly [number, number, number])[];

/** Built once: every call would otherwise regenerate the same 256 colours. */
const VOC = vocColormap();

export interface OverlayOptions {
  /** Weight of the class colour, 0..1. Default 0.5. */
  alpha?: number;
  /** Pixels with this label stay as in the photo (unlabelled / VOC border). Default 255. */
  ignoreIndex?: number;
  /** Pixels of this class stay as in the photo, so only objects are tinted; null tints all. Default 0. */
  backgroundIndex?: number | null;
  palette?: Palette;
  /** Default `jpeg` (small enough to embed many in a report). */
  format?: 'jpeg' | 'png';
}

export interface TripletOptions {
  /** Longer side of each panel in pixels (never enlarged). Default 320. */
  maxSide?: number;
  palette?: Palette;
  /** Pixels with this label are drawn in the palette's colour for 255 (VOC's border). Default 255. */
  ignoreIndex?: number;
}

/** Gap between triplet panels, in px of white. */
const GAP = 4;

function checkMask(mask: LabelMap, what: string): void {
  const { width, height, data } = mask;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw badInput(`${what}: mask size ${width}x${height} is not a positive integer size`);
  }
  if (data.length !== width * height) {
    throw badInput(`${what}: mask has ${data.length} values, expected ${width}x${height}`);
  }
}

function checkImage(image: DecodedImage, what: string): void {
  if (image.data.length !== image.width * image.height * 3) {
    throw badInput(
      `${what}: image has ${image.data.length} bytes, expected ${image.width}x${image.height}x3 (RGB)`,
    );
  }
}

function checkSameSize(image: DecodedImage, mask: LabelMap, what: string): void {
  if (image.width !== mask.width || image.height !== mask.height) {
    throw badInput(
      `${what}: image is ${image.width}x${image.height} but the mask is ${mask.width}x${mask.height}; resize the mask (nearest neighbour) first`,
    );
  }
}

/**
 * RGB bytes (row-major HWC) with each label's palette colour. Labels past a short palette take
 * the VOC colour, and `ignoreIndex` pixels the palette's colour for 255, VOC's border cream.
 */
export function colorizeMask(
  mask: LabelMap,
  palette: Palette = VOC,
  ignoreIndex = DEFAULT_IGNORE_INDEX,
): Uint8Array {
  checkMask(mask, 'colorizeMask');
  const ignore = palette[255] ?? VOC[255];
  const out = new Uint8Array(mask.data.length * 3);
  for (let i = 0; i < mask.data.length; i++) {
    const v = mask.data[i];
    const c = v === ignoreIndex ? ignore : (palette[v] ?? VOC[v]);
    out[3 * i] = c[0];
    out[3 * i + 1] = c[1];
    out[3 * i + 2] = c[2];
  }
  return out;
}

/**
 * A single-channel 8-bit greyscale PNG whose pixel values are the class indices: what readMask's
 * 'index' mode loads back exactly. (sharp writes 1-channel raw input as RGB unless told b-w.)
 */
export async function encodeIndexPng(mask: LabelMap): Promise<Buffer> {
  checkMask(mask, 'encodeIndexPng');
  return sharp(Buffer.from(mask.data.buffer, mask.data.byteOffset, mask.data.byteLength), {
    raw: { width: mask.width, height: mask.height, channels: 1 },
  })
    .toColourspace('b-w')
    .png()
    .toBuffer();
}

function rawSharp(rgb: Uint8Array, width: number, height: number) {
  return sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), {
    raw: { width, height, channels: 3 },
  });
}

/** An RGB PNG of `colorizeMask`: what a person looks at, not what a reader loads. */
export async function encodeColorPng(mask: LabelMap, palette: Palette = VOC): Promise<Buffer> {
  return rawSharp(colorizeMask(mask, palette), mask.width, mask.height).png().toBuffer();
}

function encode(pipeline: Sharp, format: 'jpeg' | 'png' | undefined): Promise<Buffer> {
  return format === 'png'
    ? pipeline.png().toBuffer()
    : pipeline.jpeg({ quality: 85, mozjpeg: true }).toBuffer();
}

/**
 * The class colours blended over the photo: out = (1 − alpha)·image + alpha·colour, rounded.
 * Background and ignored pixels are left as they were, so the objects stand out.
 */
export async function overlayMask(
  image: DecodedImage,
  mask: LabelMap,
  options: OverlayOptions = {},
): Promise<Buffer> {
  checkImage(image, 'overlayMask');
  checkMask(mask, 'overlayMask');
  checkSameSize(image, mask, 'overlayMask');
  const alpha = options.alpha ?? 0.5;
  if (!(alpha >= 0 && alpha <= 1)) throw badInput(`overlayMask: alpha ${alpha} is not in [0, 1]`);
  const ignore = options.ignoreIndex ?? DEFAULT_IGNORE_INDEX;
  const background = options.backgroundIndex === undefined ? 0 : options.backgroundIndex;
  const colours = colorizeMask(mask, options.palette ?? VOC, ignore);
  const out = Uint8Array.from(image.data);
  for (let i = 0; i < mask.data.length; i++) {
    const v = mask.data[i];
    if (v === ignore || v === background) continue;
    for (let k = 3 * i; k < 3 * i + 3; k++) {
      out[k] = Math.round((1 - alpha) * image.data[k] + alpha * colours[k]);
    }
  }
  return encode(rawSharp(out, image.width, image.height), options.format);
}

/**
 * Image | ground truth | prediction side by side as one JPEG (image | prediction when there is
 * no ground truth), each panel scaled to fit `maxSide`; masks resize nearest-neighbour so their
 * colours stay exact palette colours. Masks must match the image's size.
 */
export async function maskTriplet(
  image: DecodedImage,
  truth: LabelMap | null,
  prediction: LabelMap,
  options: TripletOptions = {},
): Promise<Buffer> {
  checkImage(image, 'maskTriplet');
  const masks = truth ? [truth, prediction] : [prediction];
  for (const m of masks) {
    checkMask(m, 'maskTriplet');
    checkSameSize(image, m, 'maskTriplet');
  }
  const maxSide = options.maxSide ?? 320;
  if (!(maxSide >= 1)) throw badInput(`maskTriplet: maxSide ${maxSide} must be at least 1`);
  const { width, height } = image;
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const fit = (rgb: Uint8Array, kernel: 'nearest' | 'lanczos3') =>
    rawSharp(rgb, width, height).resize(w, h, { fit: 'fill', kernel }).raw().toBuffer();
  const panels = await Promise.all([
    fit(image.data, 'lanczos3'),
    ...masks.map((m) =>
      fit(colorizeMask(m, options.palette ?? VOC, options.ignoreIndex), 'nearest'),
    ),
  ]);
  const total = panels.length * w + (panels.length - 1) * GAP;
  const strip = sharp({
    create: { width: total, height: h, channels: 3, background: { r: 255, g: 255, b: 255 } },
  }).composite(
    panels.map((input, i) => ({
      input,
      raw: { width: w, height: h, channels: 3 as const },
      left: i * (w + GAP),
      top: 0,
    })),
  );
  return encode(strip, 'jpeg');
}
