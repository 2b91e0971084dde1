// SORT: Simple Online and Realtime Tracking (Bewley, Ge, Ott, Ramos, Upcroft, ICIP 2016).
// Per frame: predict every track with its constant-velocity Kalman filter, associate
// detections to predictions by IoU with the Hungarian algorithm (pairs under the IoU threshold
// rejected), update matched tracks, start a track for every unmatched detection, drop tracks
// unseen for more than maxAge frames, and report only tracks that have earned trust.
//
// "Earned trust" follows the paper's reference implementation: a track is reported in a frame
// when it was matched in that frame and its run of consecutive matches (hit streak) is at least
// minHits, or while the tracker itself is still in its first minHits frames (so objects present
// from the start are not withheld). A track that coasts through a miss keeps its id but has to
// rebuild its streak, which suppresses one-off false positives after gaps.

import { assign } from './hungarian.js';
import { iouMatrix } from './iou.js';
import { checkIou, type KalmanTrack, KalmanTracker } from './kalman-tracker.js';
import type { Detection, Track } from './types.js';

export interface SortOptions {
  /** Frames a track may go unmatched before it is deleted (paper: 1). */
  maxAge?: number;
  /** Consecutive matches before a track is reported (paper: 3). */
  minHits?: number;
  /** Minimum IoU for a detection to match a track's prediction (paper: 0.3). */
  iouThreshold?: number;
}

interface LiveTrack extends KalmanTrack {
  hits: number;
  hitStreak: number;
}

export class SortTracker extends KalmanTracker<LiveTrack> {
  readonly maxAge: number;
  readonly minHits: number;
  readonly iouThreshold: number;

  constructor(opts: SortOptions = {}) {
    super();
    this.maxAge = opts.maxAge ?? 1;
    this.minHits = opts.minHits ?? 3;
    this.iouThreshold = opts.iouThreshold ?? 0.3;
    if (!(this.maxAge >= 0) || !(this.minHits >= 0)) {
      throw new RangeError('SortTracker: maxAge and minHits must be >= 0');
    }
    checkIou('SortTracker', 'iouThreshold', this.iouThreshold);
  }

  /**
   * Feeds the detections of one frame (call once per frame, also with [] for empty frames) and
   * returns the confirmed tracks in it. Output frames are `frame`, else the detections' frame,
   * else the count of update calls.
   */
  update(detections: readonly Detection[], frame?: number): Track[] {
    const outFrame = this.nextFrame(detections, frame);
    const alive = this.predictTracks((t) => {
      if (t.sinceUpdate > 0) t.hitStreak = 0;
    });

    const ious = iouMatrix(
      detections.map((d) => d.box),
      alive.map((t) => t.box),
    );
    const cost = ious.map((row) => row.map((v) => 1 - v));
    const { pairs, unmatchedRows } = assign(cost, { maxCost: 1 - this.iouThreshold });

    for (const [di, ti] of pairs) {
      const t = this.tracks[ti]!;
      const d = detections[di]!;
      t.kf.update(d.box);
      t.sinceUpdate = 0;
      t.hits++;
      t.hitStreak++;
      t.score = d.score;
      t.box = t.kf.box();
    }
    for (const di of unmatchedRows) {
      this.tracks.push({ ...this.startTrack(detections[di]!), hits: 1, hitStreak: 1 });
    }

    const out = this.report(outFrame, (t) => {
      const confirmed = t.hitStreak >= this.minHits || this.frameCount <= this.minHits;
      return t.sinceUpdate < 1 && confirmed;
    });
    this.tracks = this.tracks.filter((t) => t.sinceUpdate <= this.maxAge);
    return out;
  }
}
