// The studio API from the page: JSON requests with the studio's header on every change, errors
// thrown as ApiError with the server's code and message (shown to the user as they are).
import { STUDIO_HEADER } from '../../src/studio/api-types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function parse<T>(response: Response): Promise<T> {
  if (response.ok) {
    const type = response.headers.get('content-type') ?? '';
    return (type.includes('json') ? await response.json() : await response.text()) as T;
  }
  let code = 'HTTP_ERROR';
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = (await response.json()) as { error?: { code: string; message: string } };
    if (body.error) ({ code, message } = body.error);
  } catch {}
  throw new ApiError(response.status, code, message);
}

export const get = <T>(url: string) => fetch(url).then((r) => parse<T>(r));

function send<T>(method: string, url: string, body?: unknown): Promise<T> {
  const form = body instanceof FormData;
  return fetch(url, {
    method,
    headers: {
      [STUDIO_HEADER]: '1',
      ...(body === undefined || form ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : form ? body : JSON.stringify(body),
  }).then((r) => parse<T>(r));
}

export const post = <T>(url: string, body?: unknown) => send<T>('POST', url, body);
export const put = <T>(url: string, body?: unknown) => send<T>('PUT', url, body);
export const patch = <T>(url: string, body?: unknown) => send<T>('PATCH', url, body);
export const del = <T>(url: string, body?: unknown) => send<T>('DELETE', url, body);

/** URL pieces: a project, an image id (one encoded segment), a run. */
export const projectUrl = (project: string) => `/api/projects/${encodeURIComponent(project)}`;
export const imageUrl = (project: string, id: string, kind: 'image' | 'thumb' = 'image') =>
  `${projectUrl(project)}/${kind}/${encodeURIComponent(id)}`;
export const runUrl = (project: string, run: string) =>
  `${projectUrl(project)}/runs/${encodeURIComponent(run)}`;
