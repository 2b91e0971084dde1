// Test helpers (not a test): the browser side of the Chromium tests. esbuild bundles a page entry
// in memory, a node:http server on 127.0.0.1 (ephemeral port) serves it with a folder of test
// files and onnxruntime-web's wasm, and puppeteer-core drives Debian's chromium headless.
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CHROMIUM = '/usr/bin/chromium';

/** esbuild's bundle of `entry` for the browser, in memory; errors as esbuild reports them. */
export async function bundleForBrowser(entry: string) {
  return build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
};

/** Serves `/` (the page), `/page.js`, `/ort/*` (onnxruntime-web's dist) and `/files/*` (root). */
export async function serveTestPage(root: string) {
  const result = await bundleForBrowser(path.join(here, 'test-page.ts'));
  const script = result.outputFiles[0]!.contents;
  const ortDist = path.join(here, '../../node_modules/onnxruntime-web/dist');
  const html =
    '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>';
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (body: string | Uint8Array, type: string) => {
      res.writeHead(200, { 'content-type': type });
      res.end(body);
    };
    if (url.pathname === '/') return send(html, TYPES['.html']!);
    if (url.pathname === '/page.js') return send(script, TYPES['.js']!);
    const [dir, prefix] = url.pathname.startsWith('/ort/')
      ? [ortDist, '/ort/']
      : url.pathname.startsWith('/files/')
        ? [root, '/files/']
        : [undefined, ''];
    const file = dir && path.join(dir, decodeURIComponent(url.pathname.slice(prefix.length)));
    if (!dir || !file?.startsWith(dir + path.sep)) {
      res.writeHead(404).end();
      return;
    }
    try {
      send(await fs.readFile(file), TYPES[path.extname(file)] ?? 'application/octet-stream');
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Headless chromium with a fresh profile; `close` also removes the profile. `extraArgs` adds
 * switches (e.g. a fake camera: --use-fake-device-for-media-stream --use-fake-ui-for-media-stream).
 */
export async function launchChromium(
  extraArgs: string[] = [],
): Promise<{ browser: Browser; close(): Promise<void> }> {
  const profile = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
      await fs.rm(profile, { recursive: true, force: true });
    },
  };
}

/** A page of the test server with the bundle loaded (globalThis.vt, tf, ort). */
export async function openTestPage(browser: Browser, origin: string): Promise<Page> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.goto(`${origin}/`, { waitUntil: 'load' });
  await page.waitForFunction('globalThis.vt !== undefined', { timeout: 20_000 }).catch(() => {
    throw new Error(`the test page did not start: ${errors.join('; ') || 'no error reported'}`);
  });
  return page;
}
