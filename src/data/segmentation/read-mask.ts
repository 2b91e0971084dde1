// Reads a mask file into a label map. Three encodings: 'index' (8-bit single-channel PNG holding
// class indices), 'palette' (VOC-style paletted PNG; sharp expands palettes to RGB, so colours are
// mapped back to indices through the palette) and 'binary' (anything; bright pixels are class 1).
import sharp from 'sharp';
import { badInput } from '../../errors.js';
import { inputPolicy } from '../../guard/index.js';
import { describeDecodeError } from '../decode-sharp.js';
import { DEFAULT_IGNORE_INDEX, type LabelMap, type MaskMode } from './types.js';
import { vocColormap } from './voc-colormap.js';

export interface ReadMaskOptions {
  mode: MaskMode;
  numClasses: number;
  /** Default 255. */
  ignoreIndex?: number;
  /** 'palette' mode: `[r, g, b]` per palette index (default: the Pascal VOC colormap). */
  palette?: readonly (readonly [number, number, number])[];
}

const rgbKey = (r: number, g: number, b: number) => (r << 16) | (g << 8) | b;

export async function readMask(file: string, options: ReadMaskOptions): Promise<LabelMap> {
  const ignoreIndex = options.ignoreIndex ?? DEFAULT_IGNORE_INDEX;
  let raw: { data: Buffer; width: number; height: number; channels: number };
  let isPalette = false;
  try {
    const limitInputPixels = inputPolicy().maxPixels;
    const img = sharp(file, { failOn: 'error', pages: 1, limitInputPixels });
    const meta = await img.metadata();
    isPalette = meta.isPalette === true;
    // A 16-bit mask would be scaled to 8 bits by libvips, silently changing the indices.
    if (meta.depth && meta.depth !== 'uchar' && options.mode !== 'binary')
      throw badInput(`Mask ${file}: ${meta.depth} samples; class masks must be 8-bit`);
    const out = await img
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    raw = {
      data: out.data,
      width: out.info.width,
      height: out.info.height,
      channels: out.info.channels,
    };
  } catch (err) {
    if (err instanceof Error && err.name === 'VisiontuneError') throw err;
    const reason = describeDecodeError(err);
    throw badInput(`Cannot read mask ${file}: ${reason}`, [`${file}: ${reason}`]);
  }
  const { data, width, height, channels } = raw;
  const n = width * height;
  const labels = new Uint8Array(n);

  if (options.mode === 'binary') {
    for (let i = 0; i < n; i++) {
      let max = 0;
      for (let c = 0; c < channels; c++) max = Math.max(max, data[i * channels + c]!);
      labels[i] = max > 127 ? 1 : 0;
    }
    return { data: labels, width, height };
  }

  if (options.mode === 'index') {
    // sharp has already turned palette indices into colours: they cannot be recovered here.
    if (isPalette)
      throw badInput(`Mask ${file} is a paletted PNG; read it with mask mode 'palette'`);
    for (let i = 0; i < n; i++) {
      const v = data[i * channels]!;
      // Gray saved as RGB (R = G = B) is accepted; real colour is not an index mask.
      for (let c = 1; c < channels; c++)
        if (data[i * channels + c] !== v)
          throw badInput(
            `Mask ${file} has colour pixels (at x=${i % width}, y=${Math.floor(i / width)}); index masks are single-channel — use mask mode 'palette' for coloured masks`,
          );
      labels[i] = v;
    }
  } else {
    const palette = options.palette ?? vocColormap();
    const index = new Map<number, number>();
    // The first index wins if a palette repeats a colour.
    for (let p = palette.length - 1; p >= 0; p--) index.set(rgbKey(...palette[p]!), p);
    const unknown = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const o = i * channels;
      const key =
        channels >= 3
          ? rgbKey(data[o]!, data[o + 1]!, data[o + 2]!)
          : rgbKey(data[o]!, data[o]!, data[o]!);
      const p = index.get(key);
      if (p === undefined) unknown.set(key, (unknown.get(key) ?? 0) + 1);
      else labels[i] = p;
    }
    if (unknown.size > 0) {
      const list = [...unknown].map(
        ([k, count]) =>
          `colour (${k >> 16}, ${(k >> 8) & 255}, ${k & 255}) in ${count} pixel${count === 1 ? '' : 's'}`,
      );
      throw badInput(
        `Mask ${file}: ${unknown.size} colour${unknown.size === 1 ? '' : 's'} not in the palette (an anti-aliased or JPEG-saved mask?)`,
        list.slice(0, 20).map((l) => `${file}: ${l}`),
      );
    }
  }
  checkRange(file, labels, options.numClasses, ignoreIndex);
  return { data: labels, width, height };
}

/** Fails naming every value outside [0, numClasses) that is not the ignore index, with its count. */
function checkRange(
  file: string,
  labels: Uint8Array,
  numClasses: number,
  ignoreIndex: number,
): void {
  const counts = new Map<number, number>();
  for (const v of labels)
    if (v >= numClasses && v !== ignoreIndex) counts.set(v, (counts.get(v) ?? 0) + 1);
  if (counts.size === 0) return;
  const list = [...counts]
    .sort((a, b) => a[0] - b[0])
    .map(([v, count]) => `value ${v} in ${count} pixel${count === 1 ? '' : 's'}`);
  throw badInput(
    `Mask ${file}: ${list.join(', ')} outside the ${numClasses} classes (0..${numClasses - 1}; ignore index ${ignoreIndex})`,
    list.map((l) => `${file}: ${l}`),
  );
}
