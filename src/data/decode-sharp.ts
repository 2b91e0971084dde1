// Node image decoding with sharp (libvips): JPEG, PNG, WebP, GIF (first frame), TIFF (first page),
// AVIF, and SVG where the policy allows it (decode-policy.ts). Files are read through the guard
// (regular files only, size limit, read timeout) and handed to sharp as bytes, so sharp never
// opens a path itself; the format is told by content and the policy's pixel limit applies to
// decode and probe alike. Alpha is flattened onto white (transparent cut-outs look as drawn
// rather than turning black), gray and CMYK become RGB, EXIF orientation is applied, and sharp
// errors become one-line user errors.
import sharp from 'sharp';
import { badInput } from '../errors.js';
import { inputPolicy, readInputFile } from '../guard/index.js';
import type { ImageDecoder } from './decode.js';
import { type ImageFormat, sniffImage } from './decode-policy.js';
import { nativePath } from './native-path.js';
import type { DecodedImage, DecodeHint, Interpolation } from './types.js';

const KERNELS: Record<Interpolation, 'nearest' | 'linear' | 'cubic'> = {
  nearest: 'nearest',
  bilinear: 'linear',
  bicubic: 'cubic',
};

/** A refusal that is already a complete reason (not a sharp error to translate). */
class Refused extends Error {}

/** The bytes of an image file, read under the policy; `input` bytes are taken as they are. */
async function bytesOf(input: Uint8Array | string, id: string): Promise<Uint8Array> {
  if (typeof input !== 'string') return input;
  const file = await nativePath(input);
  if (file === undefined) throw new Refused('file not found');
  try {
    return await readInputFile(file, 'image', id);
  } catch (err) {
    // The guard names the file first; the decoder's messages do that themselves.
    const message = err instanceof Error ? err.message : String(err);
    throw new Refused(message.startsWith(`${id}: `) ? message.slice(id.length + 2) : message);
  }
}

/** The sniffed format of `data`, or a Refused error saying why it is not decoded. */
function formatOf(data: Uint8Array): ImageFormat {
  const sniffed = sniffImage(data);
  if ('reason' in sniffed) throw new Refused(sniffed.reason);
  return sniffed.format;
}

/** Options every sharp instance gets: the policy's pixel limit and the first frame or page. */
function sharpOptions(failOn: 'error' | 'none') {
  return { failOn, pages: 1, limitInputPixels: inputPolicy().maxPixels } as const;
}

/** The reason for an image over the pixel limit, with its size (read from the header alone). */
async function pixelLimitReason(data: Uint8Array): Promise<string> {
  const { maxPixels } = inputPolicy();
  const meta = await sharp(data, { limitInputPixels: false, pages: 1 })
    .metadata()
    .catch(() => undefined);
  const size =
    meta?.width && meta.height
      ? `${meta.width}×${meta.height} = ${(meta.width * meta.height).toLocaleString('en-US')} pixels`
      : 'too many pixels';
  return `image too large: ${size}, above the limit of ${maxPixels.toLocaleString('en-US')} (raise it with --max-pixels)`;
}

/** Why decoding failed, in words: a refusal as it is, a sharp error translated. */
async function failureReason(err: unknown, data: Uint8Array | undefined): Promise<string> {
  if (err instanceof Refused) return err.message;
  if (data && /pixel limit/i.test(err instanceof Error ? err.message : String(err)))
    return pixelLimitReason(data);
  return describeDecodeError(err);
}

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
    let bytes: Uint8Array | undefined;
    try {
      bytes = await bytesOf(input, id);
      formatOf(bytes);
      // failOn 'error': truncated or corrupt pixel data aborts; harmless warnings do not.
      let img = sharp(bytes, sharpOptions('error')).rotate();
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
      const reason = await failureReason(err, bytes);
      throw badInput(`Cannot decode image ${id}: ${reason}`, [`${id}: ${reason}`]);
    }
  }

  async probe(input: Uint8Array | string): Promise<string | null> {
    let data: Uint8Array | undefined;
    try {
      data = await bytesOf(input, typeof input === 'string' ? input : 'image');
      const format = formatOf(data);
      const meta = await sharp(data, sharpOptions('none')).metadata();
      if (meta.format !== format.sharp)
        return `${format.name} by its first bytes, but ${meta.format ?? 'unknown'} to the decoder`;
      if (!meta.width || !meta.height) return 'image has no dimensions';
      return null;
    } catch (err) {
      return failureReason(err, data);
    }
  }
}

let shared: SharpDecoder | undefined;

/** The process-wide sharp decoder. */
export function sharpDecoder(): SharpDecoder {
  shared ??= new SharpDecoder();
  return shared;
}
