// Draws the image the model saw on a canvas, with detections (boxes, labels, scores) or a
// segmentation mask (translucent class colours) over it. Colours: overlay.ts.
import type { DecodedImage } from '../../../src/data/types.js';
import { cssColor, maskToRgba, score } from './overlay.js';
import type { Outcome } from './predict.js';

/** Mask opacity (0–255): the image must stay readable under it. */
const MASK_ALPHA = 115;

function rgbaOf(image: DecodedImage): ImageData {
  const rgba = new Uint8ClampedArray(image.width * image.height * 4);
  for (let i = 0, j = 0; i < image.data.length; i += 3, j += 4) {
    rgba[j] = image.data[i]!;
    rgba[j + 1] = image.data[i + 1]!;
    rgba[j + 2] = image.data[i + 2]!;
    rgba[j + 3] = 255;
  }
  return new ImageData(rgba, image.width, image.height);
}

/** Small images are drawn enlarged (crisp pixels) so labels and lines stay legible. */
const MIN_DRAWN_PX = 480;

export function drawOutcome(canvas: HTMLCanvasElement, image: DecodedImage, outcome?: Outcome) {
  const scale = Math.max(1, Math.ceil(MIN_DRAWN_PX / Math.max(image.width, image.height)));
  canvas.width = image.width * scale;
  canvas.height = image.height * scale;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(layerOf(rgbaOf(image)), 0, 0, canvas.width, canvas.height);
  if (outcome?.task === 'segmentation') {
    const { mask } = outcome.result;
    const data = maskToRgba(mask.data, MASK_ALPHA);
    const layer = layerOf(new ImageData(data, mask.width, mask.height));
    ctx.drawImage(layer, 0, 0, canvas.width, canvas.height);
  }
  if (outcome?.task === 'detection') {
    // Line width and font follow the drawn size so small and large images read alike.
    const unit = Math.max(1, Math.round(Math.max(canvas.width, canvas.height) / MIN_DRAWN_PX));
    ctx.lineWidth = 2 * unit;
    ctx.font = `${12 * unit}px system-ui, sans-serif`;
    ctx.textBaseline = 'top';
    for (const d of outcome.result) {
      const [x, y, w, h] = d.bbox.map((v) => v * scale) as [number, number, number, number];
      const color = cssColor(d.category);
      ctx.strokeStyle = color;
      ctx.strokeRect(x, y, w, h);
      const text = `${d.label} ${score(d.score)}`;
      const tw = ctx.measureText(text).width + 6 * unit;
      const th = 16 * unit;
      const ty = y >= th ? y - th : y;
      ctx.fillStyle = color;
      ctx.fillRect(x, ty, tw, th);
      ctx.fillStyle = '#fff';
      ctx.fillText(text, x + 3 * unit, ty + 2 * unit);
    }
  }
}

/** Pixels on a canvas of their own, to be drawn scaled. */
function layerOf(pixels: ImageData): HTMLCanvasElement {
  const layer = document.createElement('canvas');
  layer.width = pixels.width;
  layer.height = pixels.height;
  layer.getContext('2d')?.putImageData(pixels, 0, 0);
  return layer;
}
