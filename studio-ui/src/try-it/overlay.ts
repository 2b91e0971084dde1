// Drawing predictions over an image, platform-free parts: one colour per class (stable across
// pages), a segmentation label map as translucent RGBA pixels, and score formatting.

/** Distinct colours (RGB), cycled by class index. */
const PALETTE: [number, number, number][] = [
  [230, 25, 75],
  [60, 180, 75],
  [0, 130, 200],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
  [240, 50, 230],
  [210, 245, 60],
  [250, 190, 190],
  [0, 128, 128],
  [170, 110, 40],
  [128, 0, 0],
];

export const classColor = (index: number): [number, number, number] =>
  PALETTE[((index % PALETTE.length) + PALETTE.length) % PALETTE.length]!;

export const cssColor = (index: number, alpha = 1) => {
  const [r, g, b] = classColor(index);
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
};

/**
 * RGBA pixels (for an ImageData) of a label map: each class in its colour at `alpha` (0–255);
 * `transparent` classes (background, index 0 by default) are left clear so the image shows.
 */
export function maskToRgba(
  mask: ArrayLike<number>,
  alpha: number,
  transparent: readonly number[] = [0],
): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(mask.length * 4);
  for (let i = 0; i < mask.length; i++) {
    const c = mask[i]!;
    if (transparent.includes(c)) continue;
    const [r, g, b] = classColor(c);
    out.set([r, g, b, alpha], i * 4);
  }
  return out;
}

/** A probability as a percentage for people, e.g. 0.98765 → "98.8%". */
export const score = (p: number) => `${(p * 100).toFixed(1)}%`;
