// An image's width × height from its header, as decoding will produce it (EXIF orientations 5–8
// swap the stored sides): for loaders that need sizes without decoding (YOLO boxes, mask pairs,
// the pixel limit of dense prediction). The decoder's probe runs first, so an image the decoder
// would refuse (format, policy) is refused here with the same reason.
import sharp from 'sharp';
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
