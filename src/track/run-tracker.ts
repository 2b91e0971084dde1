// Runs a tracker over a whole sequence: frame by frame from 1 to the last frame (empty frames
// too, so tracks age). SORT has no use for low-score boxes: it sees only detections scoring at
// least `sortMinScore` (default ByteTrack's high threshold, 0.6, so both trackers start from the
// same confident boxes and only ByteTrack's second association differs).
import { ByteTracker } from './bytetrack.js';
import { SortTracker } from './sort.js';
import type { Detection, Track } from './types.js';

export type TrackerName = 'sort' | 'bytetrack';

export const SORT_MIN_SCORE = 0.6;

export function runTracker(
  detections: readonly Detection[],
  tracker: TrackerName,
  options: { sortMinScore?: number; lastFrame?: number } = {},
): Track[] {
  const minScore = tracker === 'sort' ? (options.sortMinScore ?? SORT_MIN_SCORE) : 0;
  const t = tracker === 'sort' ? new SortTracker() : new ByteTracker();
  const byFrame = new Map<number, Detection[]>();
  for (const d of detections) {
    if (d.score < minScore) continue;
    const list = byFrame.get(d.frame);
    if (list) list.push(d);
    else byFrame.set(d.frame, [d]);
  }
  // A loop, not Math.max(...frames): a long det.txt would overflow the argument stack.
  let last = options.lastFrame ?? 0;
  if (options.lastFrame === undefined) for (const d of detections) last = Math.max(last, d.frame);
  const tracks: Track[] = [];
  for (let frame = 1; frame <= last; frame++)
    tracks.push(...t.update(byFrame.get(frame) ?? [], frame));
  return tracks;
}
