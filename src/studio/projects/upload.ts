// Multipart uploads (POST …/images and …/target): the parts are read as they stream in, each
// file written to a staging folder under the studio dir (fields may come after the files, so
// nothing is stored before the whole request is read), at most `limitMb` per file (a larger one
// is cut off by the parser and refused by name). The staging folder goes when the request ends.
import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../../serve/http-error.js';
import type { AddImagesResult } from '../api-types.js';
import { type Candidate, shownName } from './images-add.js';

export const STAGING_DIR = '.visiontune-staging';

export interface Upload {
  fields: Record<string, string>;
  candidates: Candidate[];
  rejected: AddImagesResult['rejected'];
  /** Removes the staged files. */
  discard(): Promise<void>;
}

export async function readUpload(
  request: FastifyRequest,
  dir: string,
  limitMb: number,
): Promise<Upload> {
  if (!request.isMultipart())
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the images as multipart/form-data');
  const staging = path.join(dir, STAGING_DIR, randomBytes(8).toString('hex'));
  await fs.mkdir(staging, { recursive: true });
  const upload: Upload = {
    fields: {},
    candidates: [],
    rejected: [],
    discard: () => fs.rm(staging, { recursive: true, force: true }),
  };
  try {
    let n = 0;
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (typeof part.value !== 'string')
          throw new HttpError(400, 'BAD_REQUEST', `${part.fieldname}: must be text`);
        upload.fields[part.fieldname] = part.value;
        continue;
      }
      const name = shownName(part.filename || `file-${n + 1}`);
      const file = path.join(staging, String(n++));
      await pipeline(part.file, createWriteStream(file));
      if (part.file.truncated) {
        upload.rejected.push({ name, reason: `larger than the upload limit of ${limitMb} MiB` });
        continue;
      }
      upload.candidates.push({ name, read: () => fs.readFile(file) });
    }
  } catch (err) {
    await upload.discard();
    throw err;
  }
  return upload;
}
