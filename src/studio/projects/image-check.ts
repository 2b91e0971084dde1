// The check every incoming image passes before it is stored (uploads and folder imports): bytes
// the CLI's own decoder reads in full (format told by content, corrupt or truncated data refused,
// the input policy's pixel limit), then stored as the CLI's segmentation reader needs and every
// reader takes: JPEG and PNG as they are; WebP, GIF, TIFF and AVIF converted to PNG (their first
// frame or page, turned upright by its EXIF orientation). Anything else is refused with why.
import sharp from 'sharp';
import { sniffImage } from '../../data/decode-policy.js';
import { sharpDecoder } from '../../data/decode-sharp.js';
import { imageSize } from '../../data/detection/image-size.js';
import { inputPolicy } from '../../guard/policy.js';

export interface CheckedImage {
  bytes: Uint8Array;
  /** The stored file's extension: '.jpg', '.jpeg' or '.png'. */
  ext: string;
  width: number;
  height: number;
}

/** Why `bytes` (an upload called `name`) cannot be stored, or the image to store. */
export async function checkImage(
  bytes: Uint8Array,
  name: string,
): Promise<CheckedImage | { reason: string }> {
  const sniffed = sniffImage(bytes);
  if ('reason' in sniffed) return { reason: sniffed.reason };
  const refused = await sharpDecoder().probe(bytes);
  if (refused) return { reason: refused };
  try {
    await sharpDecoder().decode(bytes, name);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { reason: message.replace(/^Cannot decode image .*?: /, '') };
  }
  const size = await imageSize(bytes);
  if ('reason' in size) return size;
  const format = sniffed.format.sharp;
  if (format === 'jpeg') {
    const ext = /\.jpeg$/i.test(name) ? '.jpeg' : '.jpg';
    return { bytes, ext, ...size };
  }
  if (format === 'png') return { bytes, ext: '.png', ...size };
  const png = await sharp(bytes, { pages: 1, limitInputPixels: inputPolicy().maxPixels })
    .rotate()
    .png()
    .toBuffer({ resolveWithObject: true });
  return { bytes: png.data, ext: '.png', width: png.info.width, height: png.info.height };
}
