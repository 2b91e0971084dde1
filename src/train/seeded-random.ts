// tfjs draws the seeds of unseeded random ops (dropout masks, random initializers) from
// Math.random. Running each training step with Math.random replaced by a generator derived from
// (seed, step) makes those draws a function of the step, so a run resumed from a checkpoint
// repeats exactly what an uninterrupted run would have done.
import { Rng } from '../util/rng.js';

export function withSeededMathRandom<T>(seed: number, step: number, fn: () => T): T {
  const original = Math.random;
  const rng = new Rng(seed).fork('math-random', step);
  Math.random = () => rng.next();
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}
