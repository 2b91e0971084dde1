#!/usr/bin/env node
// Builds the studio's frontend (studio-ui/) into dist/studio-ui/ with esbuild: one ES module with
// everything it imports (preact, visiontune/web, TF.js), a stylesheet and index.html. Run by
// `npm run build` (and so by `npm install` in a clone); the published package ships the result,
// and the studio serves it from there: no CDN, works offline.
// Usage: node scripts/build-studio-ui.js [outDir]
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function buildStudioUi(outDir = path.join(root, 'dist', 'studio-ui')) {
  const ui = path.join(root, 'studio-ui');
  await fs.mkdir(outDir, { recursive: true });
  const result = await build({
    entryPoints: { app: path.join(ui, 'src', 'main.tsx') },
    outdir: outDir,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    logLevel: 'warning',
  });
  await fs.copyFile(path.join(ui, 'index.html'), path.join(outDir, 'index.html'));
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildStudioUi(process.argv[2] && path.resolve(process.argv[2]));
}
