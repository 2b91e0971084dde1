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

/** `input`: a file path, or an image's bytes (a server's request body). */
export async function imageSize(
  input: string | Uint8Array,
): Promise<ImageSize | { reason: string }> {
  const refused = await sharpDecoder().probe(input);
  if (refused) return { reason: refused };
  try {
    const meta = await sharp(input).metadata();
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

/** The image's size, refused (BAD_INPUT naming `file`) when unreadable or above the pixel limit;
 * `bytes`, when given, are the image itself (`file` then only names it). */
export async function checkedImageSize(file: string, bytes?: Uint8Array): Promise<ImageSize> {
  const size = await imageSize(bytes ?? file);
  const reason = 'reason' in size ? size.reason : pixelLimitReason(size);
  if (reason) throw badInput(`Cannot decode image ${file}: ${reason}`, [`${file}: ${reason}`]);
  return size as ImageSize;
}
