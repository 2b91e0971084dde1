// ByteTrack (Zhang, Sun, Jiang, Yu, Weng, Yuan, Luo, Liu, Wang; ECCV 2022, "ByteTrack:
// Multi-Object Tracking by Associating Every Detection Box"). Its association step, BYTE, keeps
// the low-score detection boxes that SORT-style trackers throw away: an occluded object's
// detector score drops, but its box still overlaps the track's prediction, so it can carry the
// track through the occlusion while background false positives (which overlap no track) are
// discarded. Per frame:
//   1. split detections into high (score >= highThreshold) and low
//      (lowThreshold <= score < highThreshold) ones; scores under lowThreshold are dropped;
//   2. predict every track (tracked and lost) with its Kalman filter;
//   3. first association: high detections vs tracked + lost tracks, 1 - IoU cost, Hungarian,
//      pairs with IoU < matchIou rejected; a lost track matched here is re-activated, id kept;
//   4. second association: low detections vs the *tracked* (not lost) tracks left over, with the
//      stricter gate secondMatchIou; low detections left over are discarded;
//   5. tracks still unmatched become lost; lost tracks unmatched for more than maxAge frames
//      are removed;
//   6. unconfirmed tracks (born last frame) are matched to the high detections left after step
//      3 (gate unconfirmedMatchIou) and confirmed if they match, removed if not;
//   7. high detections still unmatched with score >= newTrackThreshold start unconfirmed tracks
//      (confirmed at once on the tracker's first frame, so objects present from the start are
//      reported there).
// update() reports confirmed tracks matched in this frame (lost tracks are not reported).
//
// Defaults:
//   highThreshold 0.6, matchIou 0.2 (reject first-stage pairs with IoU < 0.2), maxAge 30 (lost
//     tracklets kept 30 frames): the paper's implementation details (Sec. 4.1);
//   lowThreshold 0.1: the paper's low score threshold, also the hard-coded low bound of the
//     authors' code;
//   newTrackThreshold = highThreshold + 0.1, secondMatchIou 0.5 (cost 1 - IoU <= 0.5),
//     unconfirmedMatchIou 0.3 (cost <= 0.7): the authors' released code (ifzhang/ByteTrack),
//     which derives the new-track threshold from its track_thresh (0.5 there) plus 0.1.
// Deviations from the released code: boxes use SORT's Kalman filter (BoxKalman, [cx, cy, area,
// aspect]) instead of the code's [cx, cy, aspect, h] filter; the first-stage cost is plain
// 1 - IoU (no fusion with the detection score); duplicate tracked/lost tracks are not pruned.

import { assign } from './hungarian.js';
import { iouMatrix } from './iou.js';
import { checkIou, type KalmanTrack, KalmanTracker } from './kalman-tracker.js';
import type { Detection, Track } from './types.js';

export interface ByteTrackOptions {
  /** Detections scoring at least this take part in the first association (paper: 0.6). */
  highThreshold?: number;
  /** Detections scoring under this are dropped; [low, high) is the low band (paper: 0.1). */
  lowThreshold?: number;
  /** Score an unmatched high detection needs to start a track (code: highThreshold + 0.1). */
  newTrackThreshold?: number;
  /** Minimum IoU in the first association, high detections vs all tracks (paper: 0.2). */
  matchIou?: number;
  /** Minimum IoU in the second association, low detections vs tracked tracks (code: 0.5). */
  secondMatchIou?: number;
  /** Minimum IoU for an unconfirmed track to match a leftover high detection (code: 0.3). */
  unconfirmedMatchIou?: number;
  /** Frames a lost track is kept for re-identification before removal (paper: 30). */
  maxAge?: number;
}

type State = 'tracked' | 'lost';

interface ByteTrack extends KalmanTrack {
  state: State;
  confirmed: boolean;
}

export class ByteTracker extends KalmanTracker<ByteTrack> {
  readonly highThreshold: number;
  readonly lowThreshold: number;
  readonly newTrackThreshold: number;
  readonly matchIou: number;
  readonly secondMatchIou: number;
  readonly unconfirmedMatchIou: number;
  readonly maxAge: number;

  constructor(opts: ByteTrackOptions = {}) {
    super();
    this.highThreshold = opts.highThreshold ?? 0.6;
    this.lowThreshold = opts.lowThreshold ?? 0.1;
    this.newTrackThreshold = opts.newTrackThreshold ?? this.highThreshold + 0.1;
    this.matchIou = opts.matchIou ?? 0.2;
    this.secondMatchIou = opts.secondMatchIou ?? 0.5;
    this.unconfirmedMatchIou = opts.unconfirmedMatchIou ?? 0.3;
    this.maxAge = opts.maxAge ?? 30;
    if (!(this.lowThreshold <= this.highThreshold)) {
      throw new RangeError('ByteTracker: lowThreshold must be <= highThreshold');
    }
    if (Number.isNaN(this.newTrackThreshold)) {
      throw new RangeError('ByteTracker: newTrackThreshold must be a number');
    }
    checkIou('ByteTracker', 'matchIou', this.matchIou);
    checkIou('ByteTracker', 'secondMatchIou', this.secondMatchIou);
    checkIou('ByteTracker', 'unconfirmedMatchIou', this.unconfirmedMatchIou);
    if (!(this.maxAge >= 0)) throw new RangeError('ByteTracker: maxAge must be >= 0');
  }

  /**
   * Feeds the detections of one frame (call once per frame, also with [] for empty frames) and
   * returns the confirmed tracks matched in it, sorted by id. Output frames are `frame`, else the
   * detections' frame, else the count of update calls.
   */
  update(detections: readonly Detection[], frame?: number): Track[] {
    const outFrame = this.nextFrame(detections, frame);

    const high = detections.filter((d) => d.score >= this.highThreshold);
    const low = detections.filter(
      (d) => d.score >= this.lowThreshold && d.score < this.highThreshold,
    );

    const alive = this.predictTracks();
    const confirmed = alive.filter((t) => t.confirmed);
    const unconfirmed = alive.filter((t) => !t.confirmed);

    // 1st association: high detections vs tracked + lost confirmed tracks.
    const first = match(high, confirmed, this.matchIou);
    for (const [d, t] of first.pairs) this.hit(t, d);

    // 2nd association: low detections vs the tracked (not lost) tracks left over.
    const leftTracked = first.tracks.filter((t) => t.state === 'tracked');
    const second = match(low, leftTracked, this.secondMatchIou);
    for (const [d, t] of second.pairs) this.hit(t, d);
    for (const t of second.tracks) t.state = 'lost';

    // Unconfirmed tracks get one chance, against the high detections nobody took.
    const third = match(first.detections, unconfirmed, this.unconfirmedMatchIou);
    for (const [d, t] of third.pairs) {
      this.hit(t, d);
      t.confirmed = true;
    }
    const dropped = new Set(third.tracks);

    // New tracks from confident leftovers; confirmed at once only on the first frame.
    const born: ByteTrack[] = [];
    for (const d of third.detections) {
      if (d.score < this.newTrackThreshold) continue;
      born.push({ ...this.startTrack(d), state: 'tracked', confirmed: this.frameCount === 1 });
    }

    this.tracks = this.tracks
      .filter((t) => !dropped.has(t) && t.sinceUpdate <= this.maxAge)
      .concat(born);

    return this.report(
      outFrame,
      (t) => t.confirmed && t.state === 'tracked' && t.sinceUpdate === 0,
    );
  }

  /** Lost tracks kept now for re-identification. */
  get lostCount(): number {
    return this.tracks.filter((t) => t.state === 'lost').length;
  }

  private hit(t: ByteTrack, d: Detection): void {
    t.kf.update(d.box);
    t.state = 'tracked';
    t.sinceUpdate = 0;
    t.score = d.score;
    t.box = t.kf.box();
  }
}

/** Hungarian matching on 1 - IoU gated at minIou; returns pairs and both leftovers. */
function match(
  dets: readonly Detection[],
  tracks: readonly ByteTrack[],
  minIou: number,
): { pairs: [Detection, ByteTrack][]; detections: Detection[]; tracks: ByteTrack[] } {
  // assign() cannot tell the column count of a matrix without rows, so handle empties here.
  if (dets.length === 0 || tracks.length === 0) {
    return { pairs: [], detections: [...dets], tracks: [...tracks] };
  }
  const cost = iouMatrix(
    dets.map((d) => d.box),
    tracks.map((t) => t.box),
  ).map((row) => row.map((v) => 1 - v));
  // IoU 0 never matches, even with a zero gate: such a pair has nothing in common.
  const gate = Math.min(1 - minIou, 1 - 1e-12);
  const { pairs, unmatchedRows, unmatchedCols } = assign(cost, { maxCost: gate });
  return {
    pairs: pairs.map(([d, t]) => [dets[d]!, tracks[t]!]),
    detections: unmatchedRows.map((i) => dets[i]!),
    tracks: unmatchedCols.map((j) => tracks[j]!),
  };
}
