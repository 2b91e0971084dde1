// Rotation about the image center by an angle drawn uniformly from [-degrees, degrees];
// same output size, bilinear sampling, uncovered corners filled with `fill`.
import type { DecodedImage } from '../types.js';
import type { ImageOp } from './types.js';
import { makeImage } from './types.js';

/** Rotates counter-clockwise by `degrees` (as torchvision's rotate). */
export function rotateImage(
  img: DecodedImage,
  degrees: number,
  fill: [number, number, number] = [0, 0, 0],
): DecodedImage {
  const { width: w, height: h, data } = img;
  const out = makeImage(w, h);
  const rad = (degrees * Math.PI) / 180;
  const cos = Math.cos(rad);
  const sin = Math.sin(rad);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Inverse map: output (x, y) samples the source rotated back by the angle. Image y
      // points down, so a counter-clockwise turn on screen is clockwise in these coordinates.
      const dx = x - cx;
      const dy = y - cy;
      const sx = cos * dx - sin * dy + cx;
      const sy = sin * dx + cos * dy + cy;
      const q = (y * w + x) * 3;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let j = 0; j < 2; j++) {
          for (let i = 0; i < 2; i++) {
            const px = x0 + i;
            const py = y0 + j;
            const wgt = (i ? fx : 1 - fx) * (j ? fy : 1 - fy);
            if (wgt === 0) continue;
            const v =
              px < 0 || py < 0 || px >= w || py >= h ? fill[c]! : data[(py * w + px) * 3 + c]!;
            acc += wgt * v;
          }
        }
        out.data[q + c] = Math.round(acc);
      }
    }
  }
  return out;
}

export function randomRotation(
  degrees: number,
  fill: [number, number, number] = [0, 0, 0],
): ImageOp {
  return {
    name: `rotate(±${degrees})`,
    apply: (img, rng) => rotateImage(img, rng.uniform(-degrees, degrees), fill),
  };
}
