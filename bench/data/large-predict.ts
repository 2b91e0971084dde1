// `segment predict` and `detect predict` on one very large photo: wall time and the command's
// peak RSS (GNU time), for each. Trains a tiny segmenter and detector first (1 epoch, resnet_tiny).
// Prints JSON. Usage: node --import tsx bench/data/large-predict.ts [--side 16000] [--input 128]
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { CLI_ARGV, runCli } from '../../src/cli/run-cli.js';
import { makeSquares } from '../../src/data/detection/test-fixture.js';
import { makeShapes } from '../../src/data/segmentation/test-fixture.js';
import { runAsScript } from '../run-as-script.js';

/** Runs the CLI under GNU time: seconds, peak RSS in MiB, and the JSON result. */
function timed(args: string[]): Promise<{ seconds: number; peakRssMb: number; result: unknown }> {
  return new Promise((resolve, reject) => {
    const argv = ['-f', 'TIME %e %M', process.execPath, ...CLI_ARGV, ...args, '--json'];
    execFile('/usr/bin/time', argv, { maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      const m = /TIME ([\d.]+) (\d+)/.exec(stderr);
      if (err || !m) return reject(new Error(`${args.join(' ')}: ${stderr.slice(-2000)}`));
      resolve({
        seconds: Number(m[1]),
        peakRssMb: Math.round(Number(m[2]) / 1024),
        result: JSON.parse(stdout),
      });
    });
  });
}

async function train(task: string, data: string, out: string, input: number): Promise<string> {
  const common = ['--backbone', 'resnet_tiny', '--strategy', 'scratch', '--epochs', '1'];
  const r = await runCli([
    task,
    'train',
    '--data',
    data,
    ...common,
    '--image-size',
    String(input),
    '--out',
    out,
  ]);
  if (r.code !== 0) throw new Error(`${task} train: ${r.stderr}`);
  return path.join(out, 'bundle');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { side: { type: 'string' }, input: { type: 'string' } },
  });
  const side = Number(values.side ?? 16000);
  const input = Number(values.input ?? 128);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-bench-large-'));
  try {
    await makeShapes(path.join(dir, 'seg'), { images: 8, width: 64, seed: 1 });
    const squares = await makeSquares(path.join(dir, 'det'), { images: 8, size: 64 });
    const segmenter = await train(
      'segment',
      path.join(dir, 'seg'),
      path.join(dir, 'seg-run'),
      input,
    );
    const detector = await train(
      'detect',
      squares.annotationFile,
      path.join(dir, 'det-run'),
      input,
    );
    const photo = path.join(dir, 'large.jpg');
    const red = {
      create: { width: side >> 2, height: side >> 3, channels: 3 as const, background: '#dc2828' },
    };
    await sharp({
      limitInputPixels: false,
      create: { width: side, height: side, channels: 3, background: '#5a8c3c' },
    })
      .composite([{ input: red, left: side >> 3, top: side >> 2 }])
      .jpeg()
      .toFile(photo);
    const segment = await timed([
      'segment',
      'predict',
      '--model',
      segmenter,
      photo,
      '--out',
      path.join(dir, 'sp'),
    ]);
    const detect = await timed([
      'detect',
      'predict',
      '--model',
      detector,
      photo,
      '--out',
      path.join(dir, 'dp'),
    ]);
    const shown = (r: typeof segment) => ({ seconds: r.seconds, peakRssMb: r.peakRssMb });
    const [p] = (segment.result as { predictions: Record<string, unknown>[] }).predictions;
    console.log(
      JSON.stringify(
        {
          node: process.version,
          cpus: os.cpus().length,
          image: `${side}x${side} JPEG`,
          input,
          segmentPredict: {
            ...shown(segment),
            mode: p?.mode,
            windows: p?.windows,
            segmentedAt: p?.segmentedAt,
          },
          detectPredict: shown(detect),
        },
        null,
        2,
      ),
    );
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

await runAsScript(import.meta.url, main);
