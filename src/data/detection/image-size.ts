// An image's width × height from its header, as decoding will produce it (EXIF orientations 5–8
// swap the stored sides): for loaders that need sizes without decoding (YOLO boxes, mask pairs,
// the pixel limit of dense prediction). The decoder's probe runs first, so an image the decoder
// would refuse (format, policy) is refused here with the same reason; an image above the pixel
// limit is refused before anything allocates its pixels.
import sharp from 'sharp';
import { badInput } from '../../errors.js';
import { inputPolicy } from '../../guard/index.js';
import { describeDecodeError, sharpDecoder } from '../decode-sharp.js';

export type ImageSize = { width: number; height: number };

export async function imageSize(file: string): Promise<ImageSize | { reason: string }> {
  const refused = await sharpDecoder().probe(file);
  if (refused) return { reason: refused };
  try {
    const meta = await sharp(file).metadata();
    if (!meta.width || !meta.height) return { reason: 'image has no dimensions' };
    const swap = (meta.orientation ?? 1) >= 5;
    return swap
      ? { width: meta.height, height: meta.width }
      : { width: meta.width, height: meta.height };
  } catch (err) {
    return { reason: describeDecodeError(err) };
  }
}

/** Why an image of `size` is too large to decode under the policy, or null. */
export function pixelLimitReason(size: ImageSize): string | null {
  const limit = inputPolicy().maxPixels;
  const pixels = size.width * size.height;
  if (pixels <= limit) return null;
  return `${size.width}×${size.height} = ${pixels} pixels, above the --max-pixels limit of ${limit} (raise it with --max-pixels, or downscale the image)`;
}

/** The image's size, refused (BAD_INPUT naming `file`) when unreadable or above the pixel limit. */
export async function checkedImageSize(file: string): Promise<ImageSize> {
  const size = await imageSize(file);
  const reason = 'reason' in size ? size.reason : pixelLimitReason(size);
  if (reason) throw badInput(`Cannot decode image ${file}: ${reason}`, [`${file}: ${reason}`]);
  return size as ImageSize;
}
