// Test support for the project routes (not a test): a real studio on a temp folder, requests
// through fastify's inject with the studio's header, multipart bodies made by the platform's own
// FormData encoder, and real images made with sharp.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { STUDIO_HEADER } from '../api-types.js';
import { createStudio, type VisiontuneStudio } from '../app.js';

/** A JSON answer, read loosely by the tests (they assert its shape). */
// biome-ignore lint/suspicious/noExplicitAny: tests check answers field by field
type Json = any;

export interface TestStudio {
  app: VisiontuneStudio;
  dir: string;
  /** A JSON request with the studio header; answers status and parsed body. */
  call<T = Json>(method: string, url: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** A multipart upload of `files` (name, bytes) with text `fields`. */
  upload<T = Json>(
    url: string,
    files: { name: string; bytes: Uint8Array }[],
    fields?: Record<string, string>,
  ): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export async function startStudio(options: { uploadLimitMb?: number } = {}): Promise<TestStudio> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-studio-projects-'));
  const ui = path.join(root, 'ui');
  await fs.mkdir(ui);
  await fs.writeFile(path.join(ui, 'index.html'), '<!doctype html><title>studio</title>');
  const dir = path.join(root, 'projects');
  const app = await createStudio({ dir, port: 0, uiDir: ui, ...options });
  const parse = (text: string) => {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  };
  return {
    app,
    dir,
    async call(method, url, body) {
      const r = await app.inject({
        method: method as 'GET',
        url,
        headers: {
          [STUDIO_HEADER]: '1',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      });
      return { status: r.statusCode, body: parse(r.body) };
    },
    async upload(url, files, fields = {}) {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      for (const f of files) form.append('file', new Blob([new Uint8Array(f.bytes)]), f.name);
      const encoded = new Request('http://localhost/', { method: 'POST', body: form });
      const r = await app.inject({
        method: 'POST',
        url,
        headers: {
          [STUDIO_HEADER]: '1',
          'content-type': encoded.headers.get('content-type')!,
        },
        payload: Buffer.from(await encoded.arrayBuffer()),
      });
      return { status: r.statusCode, body: parse(r.body) };
    },
    async close() {
      await app.close();
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}

/** A width×height image of one colour with a square of another (PNG or JPEG bytes). */
export async function shapeImage(
  options: {
    width?: number;
    height?: number;
    background?: [number, number, number];
    color?: [number, number, number];
    square?: [number, number, number, number];
    format?: 'png' | 'jpeg' | 'webp';
  } = {},
): Promise<Buffer> {
  const { width = 32, height = 32, background = [128, 128, 128], color = [220, 40, 40] } = options;
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(background, i * 3);
  const [sx, sy, sw, sh] = options.square ?? [8, 8, 12, 12];
  for (let y = sy; y < Math.min(height, sy + sh); y++)
    for (let x = sx; x < Math.min(width, sx + sw); x++) data.set(color, (y * width + x) * 3);
  const img = sharp(data, { raw: { width, height, channels: 3 } });
  const format = options.format ?? 'png';
  return format === 'jpeg'
    ? img.jpeg().toBuffer()
    : format === 'webp'
      ? img.webp().toBuffer()
      : img.png().toBuffer();
}

/** An image id as one URL segment. */
export const seg = (id: string) => encodeURIComponent(id);
