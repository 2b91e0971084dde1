// Node image decoding with sharp (libvips): JPEG, PNG, WebP, GIF (first frame), TIFF (first page).
// Alpha is flattened onto white (transparent cut-outs look as drawn rather than turning black),
// gray becomes RGB, EXIF orientation is applied, and sharp errors become one-line user errors.
import sharp from 'sharp';
import { badInput } from '../errors.js';
import type { ImageDecoder } from './decode.js';
import type { DecodedImage, DecodeHint, Interpolation } from './types.js';

const KERNELS: Record<Interpolation, 'nearest' | 'linear' | 'cubic'> = {
  nearest: 'nearest',
  bilinear: 'linear',
  bicubic: 'cubic',
};

const FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff']);

/** Turns a libvips/sharp message into a short reason a user can act on. */
export function describeDecodeError(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  const msg = raw.split('\n')[0]!.trim();
  if (/premature end|truncated|unexpected end|not enough data|read error/i.test(msg)) {
    return `truncated image data (${msg})`;
  }
  // libvips' error text is sometimes lost when several decodes fail at once.
  if (/^unknown error$/i.test(msg))
    return 'corrupt or truncated image data (the decoder gave no detail)';
  if (/unsupported image format/i.test(msg))
    return 'not a supported image (unrecognized or corrupt data)';
  if (/input file is missing/i.test(msg)) return 'file not found';
  if (/pixel limit/i.test(msg)) return `image too large (${msg})`;
  return `corrupt image data (${msg})`;
}

export class SharpDecoder implements ImageDecoder {
  async decode(input: Uint8Array | string, id: string, hint?: DecodeHint): Promise<DecodedImage> {
    try {
      // failOn 'error': truncated or corrupt pixel data aborts; harmless warnings do not.
      let img = sharp(input, { failOn: 'error', pages: 1 }).rotate();
      if (hint) {
        const opts = {
          kernel: KERNELS[hint.interpolation],
          withoutEnlargement: hint.downscaleOnly === true,
          fit: hint.mode === 'shorter' ? ('outside' as const) : ('fill' as const),
        };
        img = img.resize(hint.size, hint.size, opts);
      }
      const { data, info } = await img
        .flatten({ background: '#ffffff' })
        .toColourspace('srgb')
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
      if (info.channels !== 3) throw new Error(`unexpected channel count ${info.channels}`);
      return {
        data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
        width: info.width,
        height: info.height,
      };
    } catch (err) {
      const reason = describeDecodeError(err);
      throw badInput(`Cannot decode image ${id}: ${reason}`, [`${id}: ${reason}`]);
    }
  }

  async probe(input: Uint8Array | string): Promise<string | null> {
    try {
      const meta = await sharp(input).metadata();
      if (!meta.format || !FORMATS.has(meta.format)) {
        return `unsupported image format ${meta.format ?? 'unknown'}`;
      }
      if (!meta.width || !meta.height) return 'image has no dimensions';
      return null;
    } catch (err) {
      return describeDecodeError(err);
    }
  }
}

let shared: SharpDecoder | undefined;

/** The process-wide sharp decoder. */
export function sharpDecoder(): SharpDecoder {
  shared ??= new SharpDecoder();
  return shared;
}
