// GET …/image/:id and …/thumb/:id: an image's own bytes, and a JPEG thumbnail of at most 160 px
// (upright by its EXIF orientation), both with an ETag from the file's identity so the browser
// revalidates cheaply (304) and never shows a stale picture under a reused id. Thumbnails are
// kept in memory (a small LRU), since a grid page asks for many at once.
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import sharp from 'sharp';
import { inputPolicy } from '../../guard/policy.js';
import { HttpError } from '../../serve/http-error.js';
import { existingImage, parseId } from './image-ids.js';
import type { ProjectStore } from './store.js';

export const THUMB_SIZE = 160;
const THUMBS_KEPT = 2000;
const thumbs = new Map<string, Buffer>();

const TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.jpe': 'image/jpeg',
  '.jfif': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.avif': 'image/avif',
};

async function locate(store: ProjectStore, project: string, id: string) {
  const { folder, meta } = await store.open(project);
  const file = await existingImage(folder, parseId(meta.task, id));
  const st = await fs.stat(file);
  return {
    file,
    etag: `"${st.ino.toString(36)}-${st.size.toString(36)}-${Math.floor(st.mtimeMs).toString(36)}"`,
  };
}

function cached(request: FastifyRequest, reply: FastifyReply, etag: string): boolean {
  reply.header('etag', etag);
  reply.header('cache-control', 'private, no-cache');
  reply.header('x-content-type-options', 'nosniff');
  return request.headers['if-none-match'] === etag;
}

export async function sendImage(
  store: ProjectStore,
  request: FastifyRequest,
  reply: FastifyReply,
  project: string,
  id: string,
) {
  const { file, etag } = await locate(store, project, id);
  if (cached(request, reply, etag)) return reply.code(304).send();
  const type = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  return reply.type(type).send(createReadStream(file));
}

export async function sendThumb(
  store: ProjectStore,
  request: FastifyRequest,
  reply: FastifyReply,
  project: string,
  id: string,
) {
  const { file, etag } = await locate(store, project, id);
  if (cached(request, reply, etag)) return reply.code(304).send();
  const key = `${file}\0${etag}`;
  let thumb = thumbs.get(key);
  if (!thumb) {
    try {
      thumb = await sharp(file, { pages: 1, limitInputPixels: inputPolicy().maxPixels })
        .rotate()
        .resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true })
        .flatten({ background: '#ffffff' })
        .jpeg({ quality: 80 })
        .toBuffer();
    } catch {
      throw new HttpError(422, 'BAD_IMAGE', `${id}: the image cannot be decoded`);
    }
    if (thumbs.size >= THUMBS_KEPT) thumbs.delete(thumbs.keys().next().value!);
    thumbs.set(key, thumb);
  }
  return reply.type('image/jpeg').send(thumb);
}
