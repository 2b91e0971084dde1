// Frames for tracking: a folder of images in name order (frame 1 = the first), or a video decoded
// to such a folder by ffmpeg (Debian's `ffmpeg` package) when it is installed; then the detector's
// boxes on every frame as tracker input (all classes; the tracker ignores the class).
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { IMAGE_EXTENSIONS } from '../../data/decode.js';
import { badInput } from '../../errors.js';
import type { Detection } from '../../track/types.js';
import { type DetectorBundle, runDetector, unannotated } from './bundle-detector.js';

export async function listFrames(dir: string): Promise<string[]> {
  const names = await fs.readdir(dir).catch(() => {
    throw badInput(`--frames ${dir}: not a readable folder`);
  });
  const frames = names
    .filter((n) => IMAGE_EXTENSIONS.has(path.extname(n).toLowerCase()))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((n) => path.join(dir, n));
  if (frames.length === 0) throw badInput(`--frames ${dir}: no images`);
  return frames;
}

/** Decodes `video` into numbered PNGs under `dir` with ffmpeg; resolves to the frame files. */
export async function videoToFrames(video: string, dir: string): Promise<string[]> {
  await fs.access(video).catch(() => {
    throw badInput(`--video ${video}: not found`);
  });
  await fs.mkdir(dir, { recursive: true });
  const stderr: string[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('ffmpeg', ['-v', 'error', '-i', video, path.join(dir, '%06d.png')]);
    child.stderr.on('data', (d) => stderr.push(String(d)));
    child.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'ENOENT'
        ? reject(badInput('--video needs ffmpeg (apt-get install ffmpeg); or pass --frames DIR'))
        : reject(err),
    );
    child.on('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw badInput(`--video ${video}: ffmpeg failed: ${stderr.join('').trim()}`);
  return listFrames(dir);
}

/** Detections on each frame (frame numbers from 1), at the given score threshold. */
export async function detectFrames(
  detector: DetectorBundle,
  frames: readonly string[],
  options: { scoreThreshold: number; batch?: number },
): Promise<Detection[]> {
  const samples = unannotated(frames);
  const { results } = await runDetector(detector, samples, {
    batch: options.batch,
    decode: { scoreThreshold: options.scoreThreshold },
  });
  return samples.flatMap((s, i) =>
    (results.get(s) ?? []).map((f) => ({
      frame: i + 1,
      box: { x: f.bbox[0], y: f.bbox[1], w: f.bbox[2], h: f.bbox[3] },
      score: f.score,
      classId: f.category,
    })),
  );
}
