// The decode policy: which image formats visiontune decodes, told by content (never by the file
// name: a .jpg holding SVG is SVG), and the checks an SVG must pass before it is rendered. The
// extension list the sources use is derived from the same table. SVG is refused unless the
// policy allows it; an allowed SVG must not reference anything outside itself (only '#fragment'
// and data: URLs, no entity declarations, no CSS @import), and it is rendered from memory, so
// librsvg has no base location to resolve a reference against either.
import { inputPolicy } from '../guard/policy.js';

export interface ImageFormat {
  /** The name used in messages. */
  name: string;
  /** sharp's name for the format (`sharp.format`, `metadata().format`). */
  sharp: string;
  extensions: readonly string[];
  /** Whether `head` (the first bytes of a file) is this format. */
  sniff(head: Uint8Array): boolean;
}

const ascii = (head: Uint8Array, at: number, text: string) =>
  head.length >= at + text.length && [...text].every((c, i) => head[at + i] === c.charCodeAt(0));
const bytes = (head: Uint8Array, at: number, ...values: number[]) =>
  head.length >= at + values.length && values.every((v, i) => head[at + i] === v);

/** ISO-BMFF brands that mean AVIF (AV1 in HEIF); HEIC (HEVC) is not decodable here. */
const AVIF_BRANDS = new Set(['avif', 'avis']);

/** Compatible brands read at most: real files list a handful; the box size is untrusted. */
const MAX_BRANDS = 64;

/** The major and compatible brands of an ISO-BMFF file's leading 'ftyp' box. */
function isoBrands(head: Uint8Array): string[] {
  if (!ascii(head, 4, 'ftyp')) return [];
  const size = Math.min(
    ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0,
    16 + 4 * MAX_BRANDS,
    head.length,
  );
  const brands = [String.fromCharCode(...head.subarray(8, 12))];
  for (let at = 16; at + 4 <= size; at += 4)
    brands.push(String.fromCharCode(...head.subarray(at, at + 4)));
  return brands;
}

/** The formats decoded, in sniffing order. */
export const IMAGE_FORMATS: readonly ImageFormat[] = [
  {
    name: 'JPEG',
    sharp: 'jpeg',
    extensions: ['.jpg', '.jpeg', '.jpe', '.jfif'],
    sniff: (h) => bytes(h, 0, 0xff, 0xd8, 0xff),
  },
  {
    name: 'PNG',
    sharp: 'png',
    extensions: ['.png'],
    sniff: (h) => bytes(h, 0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
  },
  {
    name: 'GIF',
    sharp: 'gif',
    extensions: ['.gif'],
    sniff: (h) => ascii(h, 0, 'GIF87a') || ascii(h, 0, 'GIF89a'),
  },
  {
    name: 'WebP',
    sharp: 'webp',
    extensions: ['.webp'],
    sniff: (h) => ascii(h, 0, 'RIFF') && ascii(h, 8, 'WEBP'),
  },
  {
    name: 'TIFF',
    sharp: 'tiff',
    extensions: ['.tif', '.tiff'],
    // Classic and BigTIFF, either byte order.
    sniff: (h) =>
      bytes(h, 0, 0x49, 0x49, 0x2a, 0) ||
      bytes(h, 0, 0x4d, 0x4d, 0, 0x2a) ||
      bytes(h, 0, 0x49, 0x49, 0x2b, 0) ||
      bytes(h, 0, 0x4d, 0x4d, 0, 0x2b),
  },
  {
    name: 'AVIF',
    sharp: 'heif',
    extensions: ['.avif'],
    sniff: (h) => isoBrands(h).some((b) => AVIF_BRANDS.has(b)),
  },
];

const SVG_FORMAT: ImageFormat = {
  name: 'SVG',
  sharp: 'svg',
  extensions: ['.svg'],
  // XML text: an optional byte-order mark and white space, then '<'.
  sniff: (h) => {
    let i = bytes(h, 0, 0xef, 0xbb, 0xbf) ? 3 : 0;
    while (i < h.length && (h[i] === 0x20 || h[i] === 0x09 || h[i] === 0x0a || h[i] === 0x0d)) i++;
    return h[i] === 0x3c;
  },
};

/**
 * File extensions the sources take for images. SVG's are among them even while SVG is refused,
 * so that an SVG file is reported as such (with the flag that accepts it), not passed over.
 */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(
  [...IMAGE_FORMATS, SVG_FORMAT].flatMap((f) => f.extensions),
);

/** A sniffed image: its format, or why the bytes are refused. */
export type Sniffed = { format: ImageFormat } | { reason: string };

/** The format of `data` by content, checked against the policy (SVG refused unless allowed). */
export function sniffImage(data: Uint8Array): Sniffed {
  if (data.length === 0) return { reason: 'empty file (0 bytes)' };
  const format = IMAGE_FORMATS.find((f) => f.sniff(data));
  if (format) return { format };
  if (SVG_FORMAT.sniff(data)) {
    if (!inputPolicy().allowSvg)
      return { reason: 'SVG (or other XML) image refused (--allow-svg accepts SVG)' };
    const reference = svgReference(
      Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'),
    );
    if (reference)
      return {
        reason: `SVG refused: it ${reference} (only '#…' and data: references are rendered)`,
      };
    return { format: SVG_FORMAT };
  }
  const isoBrand = isoBrands(data)[0];
  if (isoBrand)
    return {
      reason: `ISO media file of brand '${isoBrand}' (HEIC, video) is not supported; AVIF is`,
    };
  if (bytes(data, 0, 0x1f, 0x8b))
    return { reason: 'compressed data (gzip, e.g. .svgz) is not a supported image' };
  return { reason: 'not a supported image (unrecognized or corrupt data)' };
}

/** URL-valued places in SVG text: href/src attributes (any prefix), url(…) and CSS @import. */
const ATTRIBUTE = /(?:^|[\s:])(?:href|src)\s*=\s*(["'])([\s\S]*?)\1/gi;
const CSS_URL = /url\(\s*(["']?)([\s\S]*?)\1\s*\)/gi;

/** Whether a reference stays inside the document: a fragment or inline data. */
const internal = (ref: string) => /^\s*(#|data:)/i.test(ref);

/** What an SVG references outside itself, in words, or null when it references nothing. */
export function svgReference(text: string): string | null {
  if (/<!ENTITY/i.test(text)) return 'declares XML entities';
  if (/<!DOCTYPE[^>]*\b(SYSTEM|PUBLIC)\b/i.test(text)) return 'names an external DTD';
  if (/@import/i.test(text)) return 'imports a style sheet';
  // Text that reads differently to the XML or CSS parser than to the checks here.
  if (/<\?xml[^>]*\bencoding\s*=\s*["'](?!\s*(utf-?8|us-ascii)\s*["'])/i.test(text))
    return 'declares a text encoding other than UTF-8';
  if (/\\[0-9a-f]/i.test(text)) return 'uses CSS escapes';
  for (const re of [ATTRIBUTE, CSS_URL]) {
    for (const match of text.matchAll(re)) {
      const ref = match[2]!;
      if (!internal(ref)) return `references '${ref.length > 60 ? `${ref.slice(0, 60)}…` : ref}'`;
    }
  }
  return null;
}
