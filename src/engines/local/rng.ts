/**
 * Seeded pseudo-random numbers for the seeded operations (grain, scattered collage): the same
 * request seed gives the same pixels; seed + 1 gives different ones.
 */

/** mulberry32: tiny, fast, good enough for visual noise. Returns floats in [0, 1). */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A per-operation seed: the request seed mixed with the operation's position in the plan. */
export function opSeed(seed: number, opIndex: number): number {
  let h = (seed ^ Math.imul(opIndex + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
