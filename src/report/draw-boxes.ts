// Boxes drawn onto an image for the detection report: a rectangle and a small "label 0.87" tag
// per box, composited by sharp as one SVG overlay the size of the image (librsvg renders it;
// the tag text needs a system font such as Debian's fonts-dejavu-core). Node-only (sharp).
import sharp from 'sharp';
import type { BBox } from '../data/detection/types.js';
import { badInput } from '../errors.js';

export interface DrawnBox {
  /** [x, y, width, height] in pixels of the input image, from the top-left corner. */
  bbox: BBox;
  label: string;
  /** Written after the label with two decimals, e.g. `cat 0.87`. */
  score?: number;
  /** Any SVG colour; default `categoryColor(0)`. */
  color?: string;
  /** Dashed outline, e.g. for ground truth next to solid predictions. */
  dashed?: boolean;
}

export interface DrawBoxesOptions {
  /** Default `jpeg` (small enough to embed many in a report). */
  format?: 'jpeg' | 'png';
  /** Shrinks the result so its longer side is at most this many pixels; boxes follow. */
  maxSide?: number;
  /** Enlarges (nearest neighbour, pixels stay sharp) a smaller image to this longer side, so
   * tags on tiny images can be read. */
  minSide?: number;
}

/** Tableau 10: distinct on photos and for most colour-blind readers; repeats past 10. */
const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

/** The fixed colour of category `index`, so one class has one colour on every image. */
export function categoryColor(index: number): string {
  const n = PALETTE.length;
  const i = Number.isFinite(index) ? Math.trunc(index) : 0;
  return PALETTE[((i % n) + n) % n];
}

/** Escapes text for SVG (XML) content and attributes; drops characters XML 1.0 forbids. */
export function escapeXml(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping exactly those.
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

/** Tag text: `label 0.87`, the label alone, or the score alone. */
export function tagText(box: Pick<DrawnBox, 'label' | 'score'>): string {
  const score =
    typeof box.score === 'number' && Number.isFinite(box.score) ? box.score.toFixed(2) : '';
  return [box.label, score].filter(Boolean).join(' ');
}

const FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';
/** DejaVu Sans' mean advance is ~0.55 em; a little more so the tag never clips its text. */
const CHAR_WIDTH_EM = 0.6;

/** The overlay for a `width` × `height` image whose boxes are scaled by `scale`. */
export function boxesSvg(
  width: number,
  height: number,
  boxes: readonly DrawnBox[],
  scale = 1,
): string {
  // Line and text sizes follow the drawn image, so a thumbnail and a full frame both read.
  const short = Math.min(width, height);
  const line = Math.max(2, Math.round(short / 200));
  const font = Math.min(18, Math.max(10, Math.round(short / 30)));
  const pad = Math.max(2, Math.round(font / 4));
  const parts: string[] = [];
  for (const box of boxes) {
    const [bx, by, bw, bh] = box.bbox.map((v) => v * scale);
    if (![bx, by, bw, bh].every(Number.isFinite) || bw <= 0 || bh <= 0) continue;
    const color = escapeXml(box.color ?? categoryColor(0));
    // The stroke sits inside the box, so the drawn outline covers the box's own edge pixels.
    const inset = Math.min(line / 2, bw / 2, bh / 2);
    const dash = box.dashed ? ` stroke-dasharray="${line * 3} ${line * 2}"` : '';
    parts.push(
      `<rect x="${bx + inset}" y="${by + inset}" width="${Math.max(0, bw - 2 * inset)}" height="${Math.max(0, bh - 2 * inset)}" fill="none" stroke="${color}" stroke-width="${line}"${dash}/>`,
    );
    const text = tagText(box);
    if (!text) continue;
    const tagW = Math.ceil(text.length * font * CHAR_WIDTH_EM) + 2 * pad;
    const tagH = font + 2 * pad;
    // Solid boxes tag above, dashed ones below, so a prediction's and its ground truth's tags
    // don't cover each other; inside the box's edge where the image ends, never off the side.
    const tx = Math.max(0, Math.min(bx, width - tagW));
    const ty = box.dashed
      ? by + bh + tagH <= height
        ? by + bh
        : Math.max(0, Math.min(height, by + bh) - tagH)
      : by - tagH >= 0
        ? by - tagH
        : Math.max(0, by);
    parts.push(
      `<rect x="${tx}" y="${ty}" width="${tagW}" height="${tagH}" fill="${color}"/>`,
      `<text x="${tx + pad}" y="${ty + pad + font * 0.82}" font-family="${FONT}" font-size="${font}" fill="#ffffff">${escapeXml(text)}</text>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`;
}

/**
 * Draws `boxes` onto the image (encoded bytes or a file path) and returns it encoded. EXIF
 * orientation is applied first, as the decoder does, so boxes land where the data set put them;
 * alpha is flattened onto white.
 */
export async function drawBoxes(
  image: Buffer | string,
  boxes: readonly DrawnBox[],
  options: DrawBoxesOptions = {},
): Promise<Buffer> {
  const meta = await sharp(image).metadata();
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  if (!width || !height) throw badInput('drawBoxes: the image has no width or height');
  let pipeline = sharp(image).rotate().flatten({ background: '#ffffff' });
  const max = options.maxSide;
  if (max !== undefined && Number.isFinite(max) && max > 0 && Math.max(width, height) > max) {
    pipeline = pipeline.resize(Math.round(max), Math.round(max), { fit: 'inside' });
  }
  const min = options.minSide;
  if (min !== undefined && Number.isFinite(min) && min > 0 && Math.max(width, height) < min) {
    const side = Math.round(min);
    pipeline = pipeline.resize(side, side, { fit: 'inside', kernel: 'nearest' });
  }
  // Resize first, then draw: lines and text stay crisp at the size the reader sees.
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  const scale = info.width / width;
  const overlay = Buffer.from(boxesSvg(info.width, info.height, boxes, scale));
  const drawn = sharp(data, {
    raw: { width: info.width, height: info.height, channels: info.channels },
  }).composite([{ input: overlay, top: 0, left: 0 }]);
  return options.format === 'png'
    ? drawn.png().toBuffer()
    : drawn.jpeg({ quality: 85, mozjpeg: true }).toBuffer();
}
