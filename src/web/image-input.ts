/// <reference lib="dom" />
// What a page can hand visiontune/web as an image, turned into the decoded RGB image Node's
// decoder would give for the same file: pixels read through a 2D canvas (OffscreenCanvas where
// the browser has one), alpha flattened onto white (flatten.ts). Files and blobs are decoded
// with createImageBitmap without colour conversion or premultiplication and with the EXIF
// orientation applied, as sharp decodes them (sharp: .rotate(), no ICC transform for sRGB).
import type { DecodedImage } from '../data/types.js';
import { badInput } from '../errors.js';
import { flattenRgba } from './flatten.js';

export type ImageInput =
  | Blob
  | ImageBitmap
  | ImageData
  | HTMLImageElement
  | HTMLVideoElement
  | HTMLCanvasElement
  | OffscreenCanvas
  | DecodedImage;

const BITMAP_OPTIONS: ImageBitmapOptions = {
  colorSpaceConversion: 'none',
  premultiplyAlpha: 'none',
  imageOrientation: 'from-image',
};

function context(width: number, height: number): OffscreenCanvasRenderingContext2D {
  const canvas: OffscreenCanvas | HTMLCanvasElement =
    typeof OffscreenCanvas !== 'undefined'
      ? new OffscreenCanvas(width, height)
      : Object.assign(document.createElement('canvas'), { width, height });
  const ctx = canvas.getContext('2d', {
    willReadFrequently: true,
  }) as OffscreenCanvasRenderingContext2D | null;
  if (!ctx) throw badInput('this browser gives no 2D canvas to read image pixels with');
  return ctx;
}

/** Pixels of something a canvas can draw, at its own size. */
function drawn(source: CanvasImageSource, width: number, height: number, what: string) {
  if (!(width > 0 && height > 0))
    throw badInput(`${what} has no pixels yet (${width}x${height}): wait until it has loaded`);
  const ctx = context(width, height);
  ctx.drawImage(source, 0, 0, width, height);
  return flattenRgba(ctx.getImageData(0, 0, width, height).data, width, height);
}

function isDecoded(input: ImageInput): input is DecodedImage {
  return (
    typeof (input as DecodedImage).width === 'number' &&
    (input as DecodedImage).data instanceof Uint8Array &&
    (input as DecodedImage).data.length ===
      (input as DecodedImage).width * (input as DecodedImage).height * 3
  );
}

/** Decodes image file bytes (a fetched JPEG, a file input's File). */
export async function decodeBlob(blob: Blob): Promise<DecodedImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, BITMAP_OPTIONS);
  } catch (err) {
    throw badInput(`Cannot decode image: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return drawn(bitmap, bitmap.width, bitmap.height, 'the image');
  } finally {
    bitmap.close();
  }
}

/** Fetches and decodes the image at `url`. */
export async function fetchImage(url: string): Promise<DecodedImage> {
  const response = await fetch(url);
  if (!response.ok) throw badInput(`${url}: HTTP ${response.status} ${response.statusText}`);
  return decodeBlob(await response.blob());
}

/** Any supported input as a decoded RGB image (a video gives its current frame). */
export async function toDecodedImage(input: ImageInput): Promise<DecodedImage> {
  if (isDecoded(input)) return input;
  if (typeof Blob !== 'undefined' && input instanceof Blob) return decodeBlob(input);
  if (typeof ImageData !== 'undefined' && input instanceof ImageData)
    return flattenRgba(input.data, input.width, input.height);
  if (typeof HTMLImageElement !== 'undefined' && input instanceof HTMLImageElement) {
    if (!input.complete || input.naturalWidth === 0)
      throw badInput(`image ${input.src}: not loaded (await img.decode() first)`);
    // Re-decoded as a bitmap so the browser applies no colour management, as for a Blob.
    const bitmap = await createImageBitmap(input, BITMAP_OPTIONS);
    try {
      return drawn(bitmap, bitmap.width, bitmap.height, `image ${input.src}`);
    } finally {
      bitmap.close();
    }
  }
  if (typeof HTMLVideoElement !== 'undefined' && input instanceof HTMLVideoElement)
    return drawn(input, input.videoWidth, input.videoHeight, 'the video');
  const sized = input as ImageBitmap | HTMLCanvasElement | OffscreenCanvas;
  return drawn(sized, sized.width, sized.height, 'the image');
}
