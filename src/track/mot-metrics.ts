// Multi-object tracking scores for a whole sequence:
// - CLEAR MOT (Bernardin & Stiefelhagen 2008): MOTA = 1 - (FN + FP + IDSW) / GT, MOTP, ID
//   switches and fragmentations, from a per-frame matching of ground truth to hypotheses.
// - Identity scores (Ristani et al. 2016, "Performance Measures and a Data Set for Multi-Target,
//   Multi-Camera Tracking"): IDTP / IDFP / IDFN from one global one-to-one matching of whole
//   ground-truth trajectories to whole predicted trajectories, IDF1 = 2 IDTP / (2 IDTP + IDFP +
//   IDFN).
// A ground-truth box and a prediction may match only when IoU >= iouThreshold (0.5, as the
// MOTChallenge devkit). MOTP here is the mean IoU of matched pairs (higher is better): the
// devkit reports it as (1 - mean distance) with distance 1 - IoU, which is the same number.

import { badInput } from '../errors.js';
import { assign } from './hungarian.js';
import { iou } from './iou.js';
import type { Track } from './types.js';

export interface MotOptions {
  /** Minimum IoU for a ground-truth box and a prediction to match (default 0.5). */
  iouThreshold?: number;
}

export interface MotMetrics {
  /** Ground-truth boxes over all frames. */
  gt: number;
  /** Predicted boxes over all frames. */
  predictions: number;
  matches: number;
  fp: number;
  fn: number;
  idsw: number;
  /** Times a ground-truth trajectory goes from tracked to missed and is tracked again later. */
  frag: number;
  /** 1 - (fn + fp + idsw) / gt; NaN when there is no ground truth. */
  mota: number;
  /** Mean IoU of matched pairs; NaN when nothing matched. */
  motp: number;
  idtp: number;
  idfp: number;
  idfn: number;
  idf1: number;
  /** IDTP / (IDTP + IDFP). */
  idp: number;
  /** IDTP / (IDTP + IDFN). */
  idr: number;
}

/** Scores `pred` against `gt`; each (frame, id) may occur once in each. */
export function motMetrics(
  gt: readonly Track[],
  pred: readonly Track[],
  opts: MotOptions = {},
): MotMetrics {
  const thr = opts.iouThreshold ?? 0.5;
  const gtByFrame = byFrame(gt, 'ground truth');
  const predByFrame = byFrame(pred, 'predictions');
  const frames = [...new Set([...gtByFrame.keys(), ...predByFrame.keys()])].sort((x, y) => x - y);

  let matches = 0;
  let fp = 0;
  let fn = 0;
  let idsw = 0;
  let iouSum = 0;
  /** Last hypothesis each ground-truth id was matched to, ever (for switches). */
  const lastHyp = new Map<number, number>();
  /** Matches of the previous processed frame, gt id -> hyp id (for keeping correspondences). */
  let prevMatches = new Map<number, number>();
  /** Per ground-truth id, whether it was tracked in each frame it is present in, in order. */
  const trackedSeq = new Map<number, boolean[]>();

  for (const f of frames) {
    const gs = gtByFrame.get(f) ?? [];
    const ps = predByFrame.get(f) ?? [];
    const gUsed = new Array<boolean>(gs.length).fill(false);
    const pUsed = new Array<boolean>(ps.length).fill(false);
    const matched: [number, number][] = [];

    // 1. Keep last frame's correspondences that are still valid, so a tracker that stays on its
    //    target is not switched away by a marginally better overlap (CLEAR MOT, step 1).
    for (let i = 0; i < gs.length; i++) {
      const h = prevMatches.get(gs[i]!.id);
      if (h === undefined) continue;
      const j = ps.findIndex((p, k) => !pUsed[k] && p.id === h);
      if (j >= 0 && iou(gs[i]!.box, ps[j]!.box) >= thr) {
        gUsed[i] = pUsed[j] = true;
        matched.push([i, j]);
      }
    }
    // 2. Optimal matching of the rest by IoU distance, gated at the threshold.
    const gi = gs.map((_, i) => i).filter((i) => !gUsed[i]);
    const pj = ps.map((_, j) => j).filter((j) => !pUsed[j]);
    const cost = gi.map((i) => pj.map((j) => 1 - iou(gs[i]!.box, ps[j]!.box)));
    for (const [r, c] of assign(cost, { maxCost: 1 - thr }).pairs) {
      const i = gi[r]!;
      const j = pj[c]!;
      const prev = lastHyp.get(gs[i]!.id);
      if (prev !== undefined && prev !== ps[j]!.id) idsw++;
      gUsed[i] = pUsed[j] = true;
      matched.push([i, j]);
    }

    const next = new Map<number, number>();
    for (const [i, j] of matched) {
      next.set(gs[i]!.id, ps[j]!.id);
      lastHyp.set(gs[i]!.id, ps[j]!.id);
      iouSum += iou(gs[i]!.box, ps[j]!.box);
    }
    prevMatches = next;
    matches += matched.length;
    fn += gs.length - matched.length;
    fp += ps.length - matched.length;
    gs.forEach((g, i) => {
      const seq = trackedSeq.get(g.id) ?? [];
      seq.push(gUsed[i]!);
      trackedSeq.set(g.id, seq);
    });
  }

  let frag = 0;
  for (const seq of trackedSeq.values()) {
    // Only gaps between the first and last tracked frame count: a late start or early end is
    // a miss, not a broken trajectory.
    const first = seq.indexOf(true);
    const last = seq.lastIndexOf(true);
    if (first < 0) continue;
    for (let k = first + 1; k <= last; k++) if (seq[k - 1] && !seq[k]) frag++;
  }

  const { idtp } = identityMatch(gt, pred, thr);
  const idfn = gt.length - idtp;
  const idfp = pred.length - idtp;
  return {
    gt: gt.length,
    predictions: pred.length,
    matches,
    fp,
    fn,
    idsw,
    frag,
    mota: gt.length === 0 ? Number.NaN : 1 - (fn + fp + idsw) / gt.length,
    motp: matches === 0 ? Number.NaN : iouSum / matches,
    idtp,
    idfp,
    idfn,
    idf1: ratio(2 * idtp, 2 * idtp + idfp + idfn),
    idp: ratio(idtp, idtp + idfp),
    idr: ratio(idtp, idtp + idfn),
  };
}

/**
 * Ristani et al.'s global trajectory matching. Pairing ground truth g with prediction p costs
 * IDFN + IDFP = |g| + |p| - 2 * overlap(g, p), and leaving either unpaired costs its length, so
 * the minimum-cost matching is exactly the one maximising total overlap (IDTP); overlap counts
 * the frames where both are present with IoU >= threshold.
 */
function identityMatch(gt: readonly Track[], pred: readonly Track[], thr: number) {
  const gIds = [...new Set(gt.map((t) => t.id))];
  const pIds = [...new Set(pred.map((t) => t.id))];
  const gIndex = new Map(gIds.map((id, i) => [id, i]));
  const pIndex = new Map(pIds.map((id, i) => [id, i]));
  const overlap = gIds.map(() => new Array<number>(pIds.length).fill(0));
  const predByFrame = byFrame(pred, 'predictions');
  for (const g of gt) {
    for (const p of predByFrame.get(g.frame) ?? []) {
      if (iou(g.box, p.box) >= thr) overlap[gIndex.get(g.id)!]![pIndex.get(p.id)!]!++;
    }
  }
  const { pairs } = assign(overlap.map((row) => row.map((v) => -v)));
  return { idtp: pairs.reduce((s, [i, j]) => s + overlap[i]![j]!, 0) };
}

function byFrame(tracks: readonly Track[], what: string): Map<number, Track[]> {
  const out = new Map<number, Track[]>();
  const seen = new Set<string>();
  for (const t of tracks) {
    const key = `${t.frame}:${t.id}`;
    if (seen.has(key)) throw badInput(`${what}: id ${t.id} occurs twice in frame ${t.frame}`);
    seen.add(key);
    const list = out.get(t.frame);
    if (list) list.push(t);
    else out.set(t.frame, [t]);
  }
  return out;
}

function ratio(num: number, den: number): number {
  return den === 0 ? Number.NaN : num / den;
}
