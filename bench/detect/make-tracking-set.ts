// Synthetic multi-object tracking data (issue 8): MNIST digits moving over one fixed crop of a
// natural photo, with MOTChallenge ground truth, plus a simulated detector (noisyDetections) for
// tracking without a trained detector.
//
// Each identity keeps one MNIST digit (the test split by default, so a detector trained on
// make-detection-set.ts's train digits never saw it), one height (24–64 px at size 256, scaled
// with size), one paint (as in the detection set) and one depth. It moves at a roughly constant
// speed (1–3 px per frame at 256) with a little noise on the velocity and bounces off the frame
// edges, so in a small frame the paths cross. Frames are composited nearest first: a nearer
// digit's ink hides what lies under it.
//
// Ground truth conventions:
//   - box = the full (amodal) tight box of the digit's stroke pixels (alpha > 0.3), also where
//     parts are hidden, clipped to the frame;
//   - occlusion is measured on the ink, not the box: visibility = share of the digit's ink
//     (alpha sum) that reaches the image, after nearer digits and the frame edge. Digits are thin
//     strokes, so two crossing digits still show most of each other's ink; box-overlap
//     visibility (MOT16's) would call such a digit hidden while a detector can still see it;
//   - a box is left out of gt.txt in frames where visibility < 0.3 (more than 70% occluded or
//     out of frame). Bouncing keeps every digit inside the frame, so only occlusion drops boxes.
// gt.txt rows are `frame,id,x,y,w,h,1,-1,-1,-1`, frames and ids 1-based; the returned `gt` also
// carries each box's visibility, which noisyDetections uses.
//
// Layout (MOTChallenge's): dir/img1/000001.jpg ..., dir/gt/gt.txt, dir/seqinfo.ini.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { mapLimited } from '../../src/data/limit.js';
import { formatMotTracks } from '../../src/track/mot-format.js';
import type { Box, Detection, Track } from '../../src/track/types.js';
import { Rng } from '../../src/util/rng.js';
import { findPhotos } from '../adapt/mnist-m.js';
import {
  choosePaint,
  composite,
  cutBackground,
  type DigitShape,
  encodeImage,
  glyphBox,
  type ImageFormat,
  type Layer,
  loadBackgroundPhotos,
  openDigits,
  type Paint,
  rasterDigit,
} from './make-detection-set.js';

/** A box is dropped from the ground truth below this visibility (more than 70% occluded). */
export const MIN_VISIBILITY = 0.3;

export interface TrackingOptions {
  dir: string;
  frames: number;
  objects: number;
  /** Frame side in pixels (default 256). */
  size?: number;
  seed: number;
  /** MNIST split of the digits (default 'test'). */
  split?: 'train' | 'test';
  /** Default 'jpeg'. */
  format?: ImageFormat;
  /** Photo files; default: findPhotos() (the mate-backgrounds nature photos). */
  photos?: string[];
  /** Frame encodes in flight (default 8). */
  concurrency?: number;
}

/** A ground-truth box with the share of the digit's ink that is visible. */
export interface GtBox extends Track {
  visibility: number;
}

export interface TrackingSequence {
  framesDir: string;
  gtFile: string;
  gt: GtBox[];
}

interface Identity {
  id: number;
  shape: DigitShape;
  scale: number;
  paint: Paint;
  depth: number;
  /** Top-left corner of the stroke box per frame (index 0 = frame 1). */
  path: { x: number; y: number }[];
}

/** Constant-speed motion with velocity noise, reflected at the frame edges. */
function simulate(rng: Rng, frames: number, size: number, w: number, h: number) {
  const unit = size / 256;
  const speed = rng.uniform(1, 3) * unit;
  const angle = rng.uniform(0, 2 * Math.PI);
  let vx = speed * Math.cos(angle);
  let vy = speed * Math.sin(angle);
  let x = rng.uniform(0, size - w);
  let y = rng.uniform(0, size - h);
  const path = [{ x, y }];
  for (let f = 1; f < frames; f++) {
    vx += 0.1 * speed * rng.normal();
    vy += 0.1 * speed * rng.normal();
    // Keep the speed within 30% of its start: noise, not a random walk.
    const s = Math.hypot(vx, vy);
    const k = Math.min(1.3 * speed, Math.max(0.7 * speed, s)) / (s || 1);
    vx *= k;
    vy *= k;
    x += vx;
    y += vy;
    if (x < 0) [x, vx] = [-x, Math.abs(vx)];
    if (x > size - w) [x, vx] = [2 * (size - w) - x, -Math.abs(vx)];
    if (y < 0) [y, vy] = [-y, Math.abs(vy)];
    if (y > size - h) [y, vy] = [2 * (size - h) - y, -Math.abs(vy)];
    path.push({ x, y });
  }
  return path;
}

/** Writes the sequence described at the top of this file; deterministic for a seed. */
export async function makeTrackingSequence(options: TrackingOptions): Promise<TrackingSequence> {
  const size = options.size ?? 256;
  const format = options.format ?? 'jpeg';
  const { frames, objects, seed } = options;
  if (!Number.isInteger(frames) || frames < 1) throw new RangeError(`frames: bad count ${frames}`);
  if (!Number.isInteger(objects) || objects < 0)
    throw new RangeError(`objects: bad count ${objects}`);
  if (!Number.isInteger(size) || size < 32) throw new RangeError(`size must be >= 32, got ${size}`);
  const root = new Rng(seed).fork('tracking-sequence');

  // Only the chosen photo is decoded.
  const photoPaths = options.photos ?? (await findPhotos());
  const bgRng = root.fork('background');
  const chosen = photoPaths[bgRng.int(photoPaths.length)]!;
  const [photo] = await loadBackgroundPhotos([chosen], size);
  const bg = cutBackground([photo!], size, bgRng);
  const whole: Box = { x: 0, y: 0, w: size, h: size };

  const digits = await openDigits(options.split ?? 'test');
  const depths = root.fork('depth').permutation(objects);
  const identities: Identity[] = [];
  for (let id = 1; id <= objects; id++) {
    const rng = root.fork('identity', id);
    const shape = await digits.get(rng.int(digits.count));
    const side = (rng.uniform(24, 64) * size) / 256;
    const scale = side / Math.max(shape.box.w, shape.box.h);
    const paint = choosePaint(rng, bg.rgb, size, whole);
    const path = simulate(
      rng.fork('motion'),
      frames,
      size,
      shape.box.w * scale,
      shape.box.h * scale,
    );
    identities.push({ id, shape, scale, paint, depth: depths[id - 1]!, path });
  }
  const nearFirst = [...identities].sort((a, b) => a.depth - b.depth);

  const dir = resolve(options.dir);
  const framesDir = join(dir, 'img1');
  const gtFile = join(dir, 'gt', 'gt.txt');
  await rm(framesDir, { recursive: true, force: true });
  await mkdir(framesDir, { recursive: true });
  await mkdir(join(dir, 'gt'), { recursive: true });
  const ext = format === 'png' ? 'png' : 'jpg';

  const perFrame = await mapLimited(
    Array.from({ length: frames }, (_, f) => f),
    options.concurrency ?? 8,
    async (f) => {
      const glyphs = nearFirst.map(({ shape, scale, path }) =>
        rasterDigit(
          shape.grey,
          scale,
          path[f]!.x - shape.box.x * scale,
          path[f]!.y - shape.box.y * scale,
        ),
      );
      const layers: Layer[] = glyphs.map((glyph, k) => ({ glyph, paint: nearFirst[k]!.paint }));
      const { rgb, visibility } = composite(bg.rgb, size, layers);
      await encodeImage(
        rgb,
        size,
        format,
        join(framesDir, `${String(f + 1).padStart(6, '0')}.${ext}`),
      );
      const rows: GtBox[] = [];
      glyphs.forEach((glyph, k) => {
        const box = glyphBox(glyph, size);
        if (!box || visibility[k]! < MIN_VISIBILITY) return;
        rows.push({ id: nearFirst[k]!.id, frame: f + 1, box, visibility: visibility[k]! });
      });
      return rows;
    },
  );
  const gt = perFrame.flat().sort((a, b) => a.frame - b.frame || a.id - b.id);
  await writeFile(
    gtFile,
    formatMotTracks(gt.map(({ id, frame, box }) => ({ id, frame, box, score: 1 }))),
  );
  await writeFile(
    join(dir, 'seqinfo.ini'),
    [
      '[Sequence]',
      `name=${basename(dir)}`,
      'imDir=img1',
      'frameRate=25',
      `seqLength=${frames}`,
      `imWidth=${size}`,
      `imHeight=${size}`,
      `imExt=.${ext}`,
      '',
    ].join('\n'),
  );
  return { framesDir, gtFile, gt };
}

export interface NoiseOptions {
  seed: number;
  /** Box noise relative to the box size: centre shift and log-size spread (default 0.05). */
  jitter?: number;
  /** Share of ground-truth boxes the detector misses (default 0.1). */
  missRate?: number;
  /** Mean false positives per frame, Poisson (default 0.2). */
  falsePositivesPerFrame?: number;
  /** Share of found boxes given a low score, 0.1–0.5 (default 0.2); the rest get 0.6–1.0. */
  lowScoreRate?: number;
  /** Frame size for clipping and false positives; default: the extent of the ground truth. */
  width?: number;
  height?: number;
  /** Frames 1..frames get false positives; default: the last ground-truth frame. */
  frames?: number;
}

/** Poisson draw (Knuth's product of uniforms; fine for the small means used here). */
function poisson(rng: Rng, mean: number): number {
  const limit = Math.exp(-mean);
  let n = 0;
  for (let p = rng.next(); p > limit; p *= rng.next()) n++;
  return n;
}

function clip(box: Box, width: number, height: number): Box | null {
  const x = Math.max(0, box.x);
  const y = Math.max(0, box.y);
  const w = Math.min(width, box.x + box.w) - x;
  const h = Math.min(height, box.y + box.h) - y;
  return w > 0 && h > 0 ? { x, y, w, h } : null;
}

/**
 * A simulated detector's output from ground truth: each box missed with probability missRate,
 * otherwise jittered; lowScoreRate of the found boxes get scores in [0.1, 0.5), chosen among the
 * least visible first where `visibility` is known (as real detectors score occluded objects low:
 * what ByteTrack's second association recovers), at random otherwise; the rest get [0.6, 1.0).
 * False positives: a Poisson number per frame, sized like random ground-truth boxes, anywhere in
 * the frame, scored in [0.1, 0.6). Each box's fate depends only on (seed, frame, id).
 */
export function noisyDetections(
  gt: readonly (Track & { visibility?: number })[],
  options: NoiseOptions,
): Detection[] {
  const jitter = options.jitter ?? 0.05;
  const missRate = options.missRate ?? 0.1;
  const fpRate = options.falsePositivesPerFrame ?? 0.2;
  const lowRate = options.lowScoreRate ?? 0.2;
  // reduce, not Math.max(...): a long sequence's rows would overflow the argument list.
  const most = (f: (t: Track) => number, floor: number) =>
    gt.reduce((m, t) => Math.max(m, f(t)), floor);
  const width = options.width ?? most((t) => t.box.x + t.box.w, 1);
  const height = options.height ?? most((t) => t.box.y + t.box.h, 1);
  const frames = options.frames ?? most((t) => t.frame, 0);
  const root = new Rng(options.seed).fork('noisy-detections');

  const found: { frame: number; id: number; box: Box; key: number; u: number }[] = [];
  for (const t of gt) {
    const rng = root.fork('gt', t.frame, t.id);
    if (rng.bool(missRate)) continue;
    const { x, y, w, h } = t.box;
    const cx = x + w / 2 + jitter * w * rng.normal();
    const cy = y + h / 2 + jitter * h * rng.normal();
    const jw = w * Math.exp(jitter * rng.normal());
    const jh = h * Math.exp(jitter * rng.normal());
    const box = clip({ x: cx - jw / 2, y: cy - jh / 2, w: jw, h: jh }, width, height);
    if (!box) continue;
    // Occlusion outranks chance: 25% hidden beats any unoccluded box's random key.
    const key = rng.next() + 4 * (1 - (t.visibility ?? 1));
    found.push({ frame: t.frame, id: t.id, box, key, u: rng.next() });
  }
  const byKey = [...found].sort((a, b) => b.key - a.key || a.frame - b.frame || a.id - b.id);
  const low = new Set(byKey.slice(0, Math.round(lowRate * found.length)));
  const out: Detection[] = found.map((d) => ({
    frame: d.frame,
    box: d.box,
    score: low.has(d) ? 0.1 + 0.4 * d.u : 0.6 + 0.4 * d.u,
  }));

  for (let frame = 1; frame <= frames; frame++) {
    const rng = root.fork('false-positives', frame);
    for (let n = poisson(rng, fpRate); n > 0; n--) {
      const like = gt.length > 0 ? gt[rng.int(gt.length)]!.box : { w: width / 10, h: height / 10 };
      const w = Math.min(width, like.w * Math.exp(0.3 * rng.normal()));
      const h = Math.min(height, like.h * Math.exp(0.3 * rng.normal()));
      const box = { x: rng.uniform(0, width - w), y: rng.uniform(0, height - h), w, h };
      out.push({ frame, box, score: rng.uniform(0.1, 0.6) });
    }
  }
  return out.sort((a, b) => a.frame - b.frame || b.score - a.score);
}
