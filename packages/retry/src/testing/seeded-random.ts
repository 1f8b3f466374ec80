/** Deterministic random sources for tests and plans. */
import type { Random } from '../types.js';

/** A seeded PRNG (mulberry32): the same seed gives the same sequence in [0, 1). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Returns the given values in order, then repeats them; e.g. `fixedRandom(0.5)` always returns 0.5. */
export function fixedRandom(...values: number[]): Random {
  if (values.length === 0 || values.some((v) => !(v >= 0 && v < 1))) {
    throw new RangeError('fixedRandom needs values in [0, 1)');
  }
  let i = 0;
  return () => values[i++ % values.length] as number;
}
