// The ONNX importer's coverage of torchvision 0.14: every classification architecture, the
// segmentation models and the FPN detection backbones, exported by Debian's PyTorch
// (scripts/onnx/zoo_export.py: opset 13, random weights, randomized BatchNorm statistics, small
// inputs) one at a time, imported, and run on the same seeded input. Per architecture: exported
// (or PyTorch's error), imported (or the importer's refusal, with the unsupported operators),
// max abs error against PyTorch and whether it matches: within 1e-4 absolute or 1e-5 relative to
// the output's scale (its largest |value|) — or, where PyTorch's own float32 outputs miss that
// (random deep nets can amplify rounding), "to float32 rounding": no further from PyTorch's
// float64 outputs than FLOAT32_FACTOR × PyTorch's float32 ones are. Each export is deleted once compared. Prints JSON;
// --out FILE also writes it (after each architecture), --table prints the README's markdown table from such a file.
// Usage: node --import tsx bench/zoo-import.ts [--models a,b,...] [--backend torch] [--out FILE]
//          [--resume FILE]
//        node --import tsx bench/zoo-import.ts --table FILE
import { execFileSync } from 'node:child_process';
import { promises as fs, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { convertGraph } from '../src/backbones/onnx/convert.js';
import { externalDataReader } from '../src/backbones/onnx/external-data.js';
import { parseOnnx } from '../src/backbones/onnx/parse.js';
import { allowedError, PYTORCH_TOLERANCE } from '../src/backbones/onnx/pytorch-tolerance.js';
import { initEngine } from '../src/engine/index.js';
import { VisiontuneError } from '../src/errors.js';
import { machineInfo } from './machine.js';
import { runAsScript } from './run-as-script.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXPORTER = path.join(ROOT, 'scripts/onnx/zoo_export.py');
const PYTHON = '/usr/bin/python3';
const FLOAT32_FACTOR = 4;

interface Exported {
  name: string;
  file: string;
  error?: string;
  inputShape?: number[];
  outputShapes?: number[][];
  outputScale?: number;
  /** max |PyTorch float32 − PyTorch float64| over the outputs. */
  pytorchFloat32Error?: number;
  opTypes?: string[];
  onnxBytes?: number;
  parameters?: number;
}

export interface ZooRow {
  name: string;
  family: 'classification' | 'segmentation' | 'detection backbone';
  exported: boolean;
  imported: boolean;
  matches: boolean;
  /** Not within the tolerance, but no further from PyTorch's float64 outputs than
   * FLOAT32_FACTOR × PyTorch's own float32 outputs are: the net amplifies rounding. */
  roundingLimited?: boolean;
  maxError?: number;
  /** max |ours − PyTorch float64|, and max |PyTorch float32 − PyTorch float64|. */
  errorVsFloat64?: number;
  pytorchFloat32Error?: number;
  outputScale?: number;
  refused?: string;
  unsupported?: string[];
  onnxMB?: number;
  importSeconds?: number;
  runSeconds?: number;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const familyOf = (name: string): ZooRow['family'] =>
  name.startsWith('seg:')
    ? 'segmentation'
    : name.startsWith('fpn:')
      ? 'detection backbone'
      : 'classification';

function readFloats(file: string): Float32Array {
  const b = readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** The model's outputs on NCHW `input`, each flattened NCHW, one after the other. */
function run(model: tf.LayersModel, input: Float32Array, shape: number[]): Float32Array {
  return tf.tidy(() => {
    const [n, c, h, w] = shape;
    const x = tf.transpose(tf.tensor4d(input, [n, c, h, w]), [0, 2, 3, 1]);
    const out = model.predict(x);
    const ys = (Array.isArray(out) ? out : [out]).map((y) =>
      (y.rank === 4 ? tf.transpose(y, [0, 3, 1, 2]) : y).flatten(),
    );
    return tf.concat(ys).dataSync() as Float32Array;
  });
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** Imports and compares one exported architecture (its files are in `dir`). */
function compare(dir: string, e: Exported): ZooRow {
  const row: ZooRow = {
    name: e.name,
    family: familyOf(e.name),
    exported: !e.error,
    imported: false,
    matches: false,
  };
  if (e.error) return { ...row, refused: `PyTorch: ${e.error}` };
  row.onnxMB = Math.round((e.onnxBytes ?? 0) / 1e5) / 10;
  row.outputScale = e.outputScale;
  const file = path.join(dir, e.file);
  let model: tf.LayersModel;
  const t0 = performance.now();
  try {
    const graph = parseOnnx(readFileSync(file), file, { externalData: externalDataReader(file) });
    model = convertGraph(graph, { name: 'zoo' });
  } catch (err) {
    if (!(err instanceof VisiontuneError)) throw err;
    const unsupported = err.message.match(/^unsupported ONNX operators: (.*)$/)?.[1];
    return { ...row, refused: err.message, unsupported: unsupported?.split(', ') };
  }
  row.imported = true;
  row.importSeconds = Math.round((performance.now() - t0) / 100) / 10;
  const stem = file.replace(/\.onnx$/, '');
  const want = readFloats(`${stem}.output.bin`);
  const t1 = performance.now();
  const got = run(model, readFloats(`${stem}.input.bin`), e.inputShape!);
  row.runSeconds = Math.round((performance.now() - t1) / 100) / 10;
  model.dispose();
  row.maxError = maxAbsDifference(got, want);
  row.matches = row.maxError <= allowedError(e.outputScale ?? 0);
  if (!row.matches && e.pytorchFloat32Error !== undefined) {
    row.errorVsFloat64 = maxAbsDifference(got, readFloats(`${stem}.output64.bin`));
    row.pytorchFloat32Error = e.pytorchFloat32Error;
    row.roundingLimited = row.errorVsFloat64 <= FLOAT32_FACTOR * e.pytorchFloat32Error;
  }
  return row;
}

function exportOne(dir: string, name: string): Exported {
  execFileSync(PYTHON, [EXPORTER, '--out', dir, '--models', name], { stdio: 'pipe' });
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  return manifest.models[0];
}

/** A refusal in a few words: PyTorch's missing operator, or the importer's operator list. */
function reason(r: ZooRow): string {
  if (!r.exported) {
    const op = r.refused?.match(/operator '([^']+)'/)?.[1];
    return op ? `not exported: PyTorch cannot export \`${op}\`` : `not exported: ${r.refused}`;
  }
  return `refused: ${r.unsupported?.join(', ') ?? r.refused}`;
}

const e1 = (v: number | undefined) => v?.toExponential(1) ?? '';

/** An imported row's verdict in words. */
function verdict(r: ZooRow): string {
  if (r.matches) return 'matches';
  if (r.roundingLimited)
    return `matches to float32 rounding (vs float64 ${e1(r.errorVsFloat64)}; PyTorch float32 ${e1(r.pytorchFloat32Error)})`;
  return `**differs**${r.errorVsFloat64 === undefined ? '' : ` (vs float64 ${e1(r.errorVsFloat64)}; PyTorch float32 ${e1(r.pytorchFloat32Error)})`}`;
}

function cell(r: ZooRow): string {
  if (!r.imported) return reason(r);
  return `${verdict(r)} (max error ${e1(r.maxError)}, scale ${r.outputScale?.toPrecision(2)})`;
}

/** The README's table: one line per architecture. */
export function markdownTable(rows: ZooRow[]): string {
  const lines = [
    '| architecture | family | ONNX MB | max abs error | output scale | result |',
    '|---|---|--:|--:|--:|---|',
  ];
  const order: ZooRow['family'][] = ['classification', 'segmentation', 'detection backbone'];
  const sorted = [...rows].sort(
    (a, b) => order.indexOf(a.family) - order.indexOf(b.family) || (a.name < b.name ? -1 : 1),
  );
  for (const r of sorted) {
    const scale = r.outputScale === undefined ? '' : r.outputScale.toPrecision(2);
    const result = r.imported ? verdict(r) : reason(r);
    lines.push(
      `| ${r.name} | ${r.family} | ${r.onnxMB ?? ''} | ${e1(r.maxError)} | ${scale} | ${result} |`,
    );
  }
  const count = (f: (r: ZooRow) => boolean) => rows.filter(f).length;
  lines.push(
    '',
    `${count((r) => r.matches)} of ${rows.length} match PyTorch within the tolerance and ${count((r) => !!r.roundingLimited)} to float32 rounding (no further from PyTorch's float64 outputs than ${FLOAT32_FACTOR}× PyTorch's own float32 error); ${count((r) => !r.exported)} fail on the PyTorch side; ${count((r) => r.exported && !r.imported)} are refused; ${count((r) => r.imported && !r.matches && !r.roundingLimited)} differ.`,
  );
  return lines.join('\n');
}

async function main() {
  const tableFrom = arg('table');
  if (tableFrom) {
    console.log(markdownTable(JSON.parse(readFileSync(tableFrom, 'utf8')).rows));
    return;
  }
  const engine = await initEngine({ backend: (arg('backend') as 'torch') ?? 'auto' });
  const names: string[] =
    arg('models')?.split(',') ??
    JSON.parse(execFileSync(PYTHON, [EXPORTER, '--list'], { encoding: 'utf8' }));
  const out = arg('out');
  // --resume FILE: the rows of an interrupted sweep are kept and their architectures skipped.
  const resumed = arg('resume');
  const rows: ZooRow[] = resumed ? JSON.parse(readFileSync(resumed, 'utf8')).rows : [];
  const done = new Set(rows.map((r) => r.name));
  const started = performance.now();
  const result = () => ({
    bench: 'zoo-import',
    date: new Date().toISOString(),
    machine: machineInfo(),
    backend: engine.backend,
    tolerance: {
      ...PYTORCH_TOLERANCE,
      float32RoundingFactor: FLOAT32_FACTOR,
    },
    seconds: Math.round((performance.now() - started) / 1000),
    summary: {
      architectures: rows.length,
      exported: rows.filter((r) => r.exported).length,
      imported: rows.filter((r) => r.imported).length,
      matches: rows.filter((r) => r.matches).length,
      roundingLimited: rows.filter((r) => r.roundingLimited).length,
    },
    rows,
  });
  for (const name of names.filter((n) => !done.has(n))) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'zoo-import-'));
    try {
      const row = compare(dir, exportOne(dir, name));
      rows.push(row);
      console.error(`${name}: ${cell(row)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Written after each architecture: a sweep of most of an hour can be read while it runs.
    if (out) await fs.writeFile(out, `${JSON.stringify(result(), null, 2)}\n`);
  }
  console.log(JSON.stringify(result(), null, 2));
}

await runAsScript(import.meta.url, main);
