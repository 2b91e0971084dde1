// Every error the server answers is JSON {error: {code, message}} with a fitting status; this file
// owns the codes and turns anything thrown (our HttpError, a visiontune user error, fastify's own
// errors for bodies and content types) into that shape. A bug stays a 500 without its stack.
import { VisiontuneError } from '../errors.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface ErrorBody {
  error: { code: string; message: string };
}

/** fastify's and its plugins' error codes that have a clearer name here. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_REQ_FILE_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_PARTS_LIMIT: 'TOO_MANY_IMAGES',
  FST_FILES_LIMIT: 'TOO_MANY_IMAGES',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_JSON',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'BAD_MULTIPART',
  FST_ERR_VALIDATION: 'BAD_REQUEST',
};

/** The status, headers and body for `err`. */
export function errorReply(err: unknown): {
  status: number;
  headers: Record<string, string>;
  body: ErrorBody;
} {
  if (err instanceof HttpError)
    return {
      status: err.status,
      headers: err.headers,
      body: { error: { code: err.code, message: err.message } },
    };
  // A bundle or image the library refused: the request's content, not the server, is at fault.
  if (err instanceof VisiontuneError && err.code !== 'RUNTIME')
    return {
      status: 422,
      headers: {},
      body: { error: { code: 'BAD_INPUT', message: err.message } },
    };
  const e = err as { statusCode?: number; code?: string; message?: string };
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const code =
      FASTIFY_CODES[e.code ?? ''] ?? (e.statusCode === 404 ? 'NOT_FOUND' : 'BAD_REQUEST');
    // Fastify says "Body Validation Error" style things; keep its message, it names the field.
    return {
      status: e.statusCode,
      headers: {},
      body: { error: { code, message: e.message ?? code } },
    };
  }
  return {
    status: 500,
    headers: {},
    body: { error: { code: 'INTERNAL', message: 'internal error (a bug, please report it)' } },
  };
}
