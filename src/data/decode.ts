// The one image-I/O interface the data layer depends on. Platform-free: the sharp
// implementation lives in decode-sharp.ts so a browser build can supply its own decoder.
import type { DecodedImage, DecodeHint } from './types.js';

export interface ImageDecoder {
  /**
   * Decodes to 8-bit RGB HWC with EXIF orientation applied. `id` names the image in errors.
   * Throws VisiontuneError (BAD_INPUT) naming `id` and the reason for unreadable data.
   */
  decode(input: Uint8Array | string, id: string, hint?: DecodeHint): Promise<DecodedImage>;
  /**
   * Cheap header check (format and dimensions, no pixel decode). Resolves to a reason string
   * when the file is not a readable image, `null` when it looks fine.
   */
  probe(input: Uint8Array | string): Promise<string | null>;
}

export { IMAGE_EXTENSIONS } from './decode-policy.js';
