// Peak memory of `visiontune import` on one ONNX file: the process's max RSS after importOnnx
// (parse, convert, find taps, save), against the file's size — the importer should stay within
// about twice the model. Prints JSON.
// Usage: node --import tsx bench/onnx/import-memory.ts FILE.onnx [--input-size 224]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { importOnnx } from '../../src/backbones/onnx/import.js';
import { runAsScript } from '../run-as-script.js';

async function main() {
  const file = process.argv[2];
  if (!file) throw new Error('usage: import-memory.ts FILE.onnx');
  await tf.setBackend('cpu');
  const baseline = process.resourceUsage().maxRSS * 1024;
  const out = mkdtempSync(path.join(os.tmpdir(), 'import-memory-'));
  const started = performance.now();
  try {
    await importOnnx(file, { out: path.join(out, 'model') });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const peak = process.resourceUsage().maxRSS * 1024;
  const mb = (bytes: number) => Math.round(bytes / 1e6);
  const onnx = statSync(file).size;
  console.log(
    JSON.stringify({
      bench: 'onnx-import-memory',
      file: path.basename(file),
      onnxMB: mb(onnx),
      baselineRssMB: mb(baseline),
      peakRssMB: mb(peak),
      peakOverOnnx: Math.round((peak / onnx) * 10) / 10,
      // What the import itself adds (node + tfjs alone take baselineRssMB).
      addedOverOnnx: Math.round(((peak - baseline) / onnx) * 10) / 10,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    }),
  );
}

await runAsScript(import.meta.url, main);
