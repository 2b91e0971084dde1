// Label-map geometry: masks resampled by nearest neighbour (labels are never averaged) and
// mirrored, with a fill label (the ignore index) wherever the new map reaches outside the old one.
import type { LabelMap } from '../segmentation/types.js';

/**
 * The mask's `box` (source pixels) resampled to outWidth × outHeight by nearest neighbour: each
 * output pixel takes the label under its centre; outside the mask, `fill`.
 */
export function resampleMask(
  mask: LabelMap,
  box: { x: number; y: number; width: number; height: number },
  outWidth: number,
  outHeight: number,
  fill: number,
): LabelMap {
  const data = new Uint8Array(outWidth * outHeight);
  const sx = box.width / outWidth;
  const sy = box.height / outHeight;
  for (let y = 0; y < outHeight; y++) {
    const my = Math.floor(box.y + (y + 0.5) * sy);
    for (let x = 0; x < outWidth; x++) {
      const mx = Math.floor(box.x + (x + 0.5) * sx);
      const inside = mx >= 0 && mx < mask.width && my >= 0 && my < mask.height;
      data[y * outWidth + x] = inside ? mask.data[my * mask.width + mx] : fill;
    }
  }
  return { data, width: outWidth, height: outHeight };
}

export function flipMask(mask: LabelMap): LabelMap {
  const data = new Uint8Array(mask.data.length);
  for (let y = 0; y < mask.height; y++)
    for (let x = 0; x < mask.width; x++)
      data[y * mask.width + x] = mask.data[y * mask.width + mask.width - 1 - x];
  return { data, width: mask.width, height: mask.height };
}
