// Seeds for tfjs initializers. tfjs treats a seed of 0 as "no seed" (`seed ? seed : Math.random()`
// in its random generators), so seed 0 would silently give a different model on every build;
// this maps (seed, index) to distinct positive integers.
export function initializerSeed(seed: number, index = 0): number {
  return seed * 100_003 + index + 1;
}
