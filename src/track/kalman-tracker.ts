// What SORT and ByteTrack share: tracks that each carry a constant-velocity Kalman filter,
// the per-frame prediction (dropping filters that diverged), new tracks with fresh ids, the
// frame numbering of the output and the output rows themselves.
import { BoxKalman } from './kalman.js';
import type { Box, Detection, Track } from './types.js';

export interface KalmanTrack {
  id: number;
  kf: BoxKalman;
  /** Frames since the last match (0 when matched this frame). */
  sinceUpdate: number;
  score: number;
  /** The box to report: the filter's estimate after this frame's update. */
  box: Box;
}

/** Throws a RangeError naming the option unless `v` is an IoU in [0, 1]. */
export function checkIou(tracker: string, name: string, v: number): void {
  if (!(v >= 0 && v <= 1)) throw new RangeError(`${tracker}: ${name} must be in [0, 1]`);
}

export abstract class KalmanTracker<T extends KalmanTrack> {
  protected tracks: T[] = [];
  protected frameCount = 0;
  private nextId = 1;

  /**
   * Feeds the detections of one frame (call once per frame, also with [] for empty frames) and
   * returns the tracks reported in it, sorted by id.
   */
  abstract update(detections: readonly Detection[], frame?: number): Track[];

  /** Tracks alive now, reported or not (for inspection and tests). */
  get liveCount(): number {
    return this.tracks.length;
  }

  /** Counts this frame; output frames are `frame`, else the detections' frame, else the count. */
  protected nextFrame(detections: readonly Detection[], frame?: number): number {
    this.frameCount++;
    return frame ?? detections[0]?.frame ?? this.frameCount;
  }

  /**
   * Predicts every track one frame ahead (`beforeMiss` sees each track before its miss count
   * goes up) and keeps the tracks it can still match: a filter that diverged (non-finite box)
   * never matches again, so its track is dropped, as the reference implementations do.
   */
  protected predictTracks(beforeMiss?: (t: T) => void): T[] {
    const alive: T[] = [];
    for (const t of this.tracks) {
      const b = t.kf.predict();
      if (![b.x, b.y, b.w, b.h].every(Number.isFinite)) continue;
      beforeMiss?.(t);
      t.sinceUpdate++;
      t.box = b;
      alive.push(t);
    }
    this.tracks = alive;
    return alive;
  }

  /** A track starting at detection `d`, with the next id. */
  protected startTrack(d: Detection): KalmanTrack {
    const kf = new BoxKalman(d.box);
    return { id: this.nextId++, kf, sinceUpdate: 0, score: d.score, box: kf.box() };
  }

  /** The output rows of the tracks `reported` picks, sorted by id. */
  protected report(frame: number, reported: (t: T) => boolean): Track[] {
    return this.tracks
      .filter(reported)
      .map((t) => ({ id: t.id, frame, box: { ...t.box }, score: t.score }))
      .sort((a, b) => a.id - b.id);
  }
}
