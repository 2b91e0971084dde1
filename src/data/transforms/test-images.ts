// Test helpers: small images whose pixels encode their own coordinates.
import type { DecodedImage } from '../types.js';

/** R = x * 10, G = y * 10, B = 200: every pixel says where it came from. */
export function coordImage(width: number, height: number): DecodedImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = x * 10;
      data[i + 1] = y * 10;
      data[i + 2] = 200;
    }
  }
  return { data, width, height };
}

export function pixel(img: DecodedImage, x: number, y: number): [number, number, number] {
  const i = (y * img.width + x) * 3;
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
}

export function solidImage(
  width: number,
  height: number,
  rgb: [number, number, number],
): DecodedImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(rgb, i);
  return { data, width, height };
}
