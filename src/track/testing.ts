// Test helpers for the trackers (not a test): run a tracker over synthetic frames, find the id
// given to an object, two objects moving in straight lines, jittered boxes.
import type { Rng } from '../util/rng.js';
import { iou } from './iou.js';
import type { Box, Detection, Track } from './types.js';

interface Tracker {
  update(detections: readonly Detection[], frame?: number): Track[];
}

/** Runs a tracker over frames 1..n; `detsAt(f)` gives that frame's detections. */
export function runFrames(
  tracker: Tracker,
  n: number,
  detsAt: (f: number) => Detection[],
): Track[][] {
  const out: Track[][] = [];
  for (let f = 1; f <= n; f++) out.push(tracker.update(detsAt(f), f));
  return out;
}

/** The id of the output track overlapping `box` best in a frame's output, or undefined. */
export function idAt(tracks: Track[], box: Box): number | undefined {
  let best: Track | undefined;
  for (const t of tracks)
    if (iou(t.box, box) > 0.5 && (!best || iou(t.box, box) > iou(best.box, box))) best = t;
  return best?.id;
}

/** A box jittered by up to ±amp pixels on each coordinate. */
export function jitter(rng: Rng, b: Box, amp: number): Box {
  return {
    x: b.x + rng.uniform(-amp, amp),
    y: b.y + rng.uniform(-amp, amp),
    w: b.w + rng.uniform(-amp, amp),
    h: b.h + rng.uniform(-amp, amp),
  };
}

/** Object A moves right, object B left and down; they never overlap. */
export const a = (f: number): Box => ({ x: 10 + 5 * f, y: 50, w: 40, h: 80 });
export const b = (f: number): Box => ({ x: 400 - 3 * f, y: 200 + 2 * f, w: 50, h: 50 });
