// SORT's per-track motion model (Bewley et al. 2016, "Simple Online and Realtime Tracking"):
// a linear constant-velocity Kalman filter on x = [cx, cy, s, r, vcx, vcy, vs], where (cx, cy)
// is the box centre, s its area and r its aspect ratio w/h. The aspect ratio is taken as
// constant (no velocity), because it changes little and noisily for pedestrians and cars.
//
// Noise settings, as published with the paper's reference implementation (abewley/sort):
//   measurement noise R = diag(1, 1, 10, 10): area and aspect measurements are trusted less
//     than the centre;
//   initial covariance P0 = diag(10, 10, 10, 10, 1e4, 1e4, 1e4): velocities are unobserved at
//     birth, so they start very uncertain and are learnt from the next few updates;
//   process noise Q = diag(1, 1, 1, 1, 0.01, 0.01, 1e-4): velocities are nearly constant,
//     area velocity most of all.
// Predict also zeroes the area velocity when it would drive the area to or below zero, as the
// reference implementation does, so a shrinking box never inverts.

import { add, diag, identity, inverse, type Mat, mul, sub, transpose } from './matrix.js';
import type { Box } from './types.js';

const DIM_X = 7;
const DIM_Z = 4;

/** Transition: position/area advance by their velocity each frame. */
const F: Mat = (() => {
  const f = identity(DIM_X);
  f[0]![4] = 1;
  f[1]![5] = 1;
  f[2]![6] = 1;
  return f;
})();
const FT = transpose(F);
/** Observation: the first four state entries. */
const H: Mat = Array.from({ length: DIM_Z }, (_, i) =>
  Array.from({ length: DIM_X }, (_, j) => (i === j ? 1 : 0)),
);
const HT = transpose(H);
const R = diag([1, 1, 10, 10]);
const Q = diag([1, 1, 1, 1, 0.01, 0.01, 1e-4]);
const P0 = [10, 10, 10, 10, 1e4, 1e4, 1e4];

/** [cx, cy, s, r] of a box. */
export function boxToZ(b: Box): number[] {
  return [b.x + b.w / 2, b.y + b.h / 2, b.w * b.h, b.h > 0 ? b.w / b.h : 0];
}

/** The box of a state's [cx, cy, s, r]; degenerate (negative area) states give an empty box. */
export function zToBox(z: readonly number[]): Box {
  const [cx, cy, s, r] = z as [number, number, number, number];
  const w = s > 0 && r > 0 ? Math.sqrt(s * r) : 0;
  const h = w > 0 ? s / w : 0;
  return { x: cx - w / 2, y: cy - h / 2, w, h };
}

export class BoxKalman {
  /** State column vector, 7x1. */
  private x: Mat;
  private p: Mat;

  constructor(initial: Box) {
    this.x = [...boxToZ(initial), 0, 0, 0].map((v) => [v]);
    this.p = diag(P0);
  }

  /** Advances one frame and returns the predicted box. */
  predict(): Box {
    if (this.x[6]![0]! + this.x[2]![0]! <= 0) this.x[6]![0] = 0;
    this.x = mul(F, this.x);
    this.p = add(mul(mul(F, this.p), FT), Q);
    return this.box();
  }

  /** Corrects the state with an observed box. */
  update(measured: Box): void {
    const z = boxToZ(measured).map((v) => [v]);
    const y = sub(z, mul(H, this.x));
    const pht = mul(this.p, HT);
    const s = add(mul(H, pht), R);
    const k = mul(pht, inverse(s));
    this.x = add(this.x, mul(k, y));
    // Joseph form keeps P symmetric positive definite despite rounding.
    const ikh = sub(identity(DIM_X), mul(k, H));
    this.p = add(mul(mul(ikh, this.p), transpose(ikh)), mul(mul(k, R), transpose(k)));
  }

  box(): Box {
    return zToBox(this.x.slice(0, DIM_Z).map((row) => row[0]!));
  }

  /** The full state [cx, cy, s, r, vcx, vcy, vs] (a copy). */
  state(): number[] {
    return this.x.map((row) => row[0]!);
  }
}
