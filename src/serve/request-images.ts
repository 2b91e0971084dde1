// The images of one predict request, in the three forms the API takes: the raw body (image/* or
// application/octet-stream), multipart/form-data (each file part one image, in order) or JSON
// {"images": [base64, …]} (a data: URL prefix is allowed). Each is checked before any decoding:
// its bytes must be an image the policy accepts (415) and of at most --max-pixels pixels,
// read from the header (413: the decoded image would be too large, as a body over the byte limit
// is), so a decompression bomb never allocates its pixels.
import type { FastifyRequest } from 'fastify';
import sharp from 'sharp';
import { sniffImage } from '../data/decode-policy.js';
import { describeDecodeError } from '../data/decode-sharp.js';
import { pixelLimitReason } from '../data/detection/image-size.js';
import { HttpError } from './http-error.js';

export interface RequestImage {
  id: string;
  bytes: Uint8Array;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DATA_URL = /^data:[\w.+-]+\/[\w.+-]+(;[\w-]+=[\w.-]+)*;base64,/;

function fromBase64(text: unknown, index: number): Uint8Array {
  if (typeof text !== 'string')
    throw new HttpError(400, 'BAD_REQUEST', `images[${index}]: expected a base64 string`);
  const body = text.replace(DATA_URL, '').replace(/\s+/g, '');
  if (body.length % 4 !== 0 || !BASE64.test(body))
    throw new HttpError(400, 'BAD_BASE64', `images[${index}]: not valid base64`);
  return Buffer.from(body, 'base64');
}

async function multipartImages(request: FastifyRequest, maxImages: number) {
  const images: RequestImage[] = [];
  for await (const part of request.parts()) {
    if (part.type !== 'file') continue;
    if (images.length >= maxImages)
      throw new HttpError(
        400,
        'TOO_MANY_IMAGES',
        `more than ${maxImages} images in one request (--max-images)`,
      );
    images.push({
      id: part.filename || `${part.fieldname}[${images.length}]`,
      bytes: await part.toBuffer(),
    });
  }
  return images;
}

/** The request's images, not yet checked. */
export async function requestImages(
  request: FastifyRequest,
  maxImages: number,
): Promise<RequestImage[]> {
  let images: RequestImage[];
  if (request.isMultipart()) images = await multipartImages(request, maxImages);
  else if (Buffer.isBuffer(request.body)) images = [{ id: 'body', bytes: request.body }];
  else {
    const list = (request.body as { images?: unknown } | undefined)?.images;
    if (!Array.isArray(list))
      throw new HttpError(400, 'BAD_REQUEST', 'expected a JSON object {"images": [base64, …]}');
    if (list.length > maxImages)
      throw new HttpError(
        400,
        'TOO_MANY_IMAGES',
        `more than ${maxImages} images in one request (--max-images)`,
      );
    images = list.map((text, i) => ({ id: `images[${i}]`, bytes: fromBase64(text, i) }));
  }
  if (images.length === 0) throw new HttpError(400, 'NO_IMAGE', 'the request holds no image');
  return images;
}

/** Refuses an image before decoding: not an accepted image (415), too many pixels (413). */
export async function admitImage(image: RequestImage): Promise<void> {
  const sniffed = sniffImage(image.bytes);
  if ('reason' in sniffed)
    throw new HttpError(415, 'NOT_AN_IMAGE', `${image.id}: ${sniffed.reason}`);
  // The header alone (no limit: nothing is decoded), so the size can be compared here.
  const meta = await sharp(image.bytes, { limitInputPixels: false, pages: 1 })
    .metadata()
    .catch((err: unknown) => {
      throw new HttpError(422, 'BAD_IMAGE', `${image.id}: ${describeDecodeError(err)}`);
    });
  if (!meta.width || !meta.height)
    throw new HttpError(422, 'BAD_IMAGE', `${image.id}: image has no dimensions`);
  const tooLarge = pixelLimitReason({ width: meta.width, height: meta.height });
  if (tooLarge) throw new HttpError(413, 'TOO_MANY_PIXELS', `${image.id}: ${tooLarge}`);
}
