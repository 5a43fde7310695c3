/**
 * Seeded randomness: one call, `seed(n)`, makes everything the course draws reproducible.
 *
 * tfjs draws its random numbers (weight initialisers, `tf.randomNormal`, `tf.dropout`,
 * shuffles) from generators that it seeds with `Math.random()` whenever no explicit seed is
 * passed. So `seed(n)` replaces `Math.random` with a seeded generator (sfc32, seeded through
 * splitmix32): after it, the same seed gives the same numbers on every backend. Every seed is
 * valid, 0 included (tfjs itself would treat an explicit seed 0 as "no seed").
 * `unseed()` puts the original `Math.random` back.
 */

const originalRandom = Math.random;
let seeded = false;

/** splitmix32: spreads one 32-bit seed into well-mixed state words. */
function splitmix32(a: number): () => number {
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t = t ^ (t >>> 15);
    t = Math.imul(t, 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
}

/** sfc32 (Small Fast Counting generator): uniform numbers in [0, 1). */
function sfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** A standalone seeded generator of uniform numbers in [0, 1) (does not touch Math.random). */
export function makeRng(seedValue: number): () => number {
  if (!Number.isInteger(seedValue)) {
    throw new Error(`seed must be an integer, got ${seedValue}`);
  }
  const mix = splitmix32(seedValue | 0);
  const next = sfc32(mix(), mix(), mix(), mix());
  for (let i = 0; i < 12; i++) next(); // warm up
  return next;
}

/** Seeds everything the course draws (Math.random, hence tfjs's unseeded ops). */
export function seed(seedValue: number): void {
  Math.random = makeRng(seedValue);
  seeded = true;
}

/** Restores the unseeded Math.random. */
export function unseed(): void {
  Math.random = originalRandom;
  seeded = false;
}

/** True after `seed(...)` and before `unseed()`. */
export function isSeeded(): boolean {
  return seeded;
}

/** A uniform number in [0, 1), from the (possibly seeded) global stream. */
export function rand(): number {
  return Math.random();
}

/** A standard normal number (Box–Muller), from the global stream. */
export function randn(): number {
  let u = 0;
  while (u === 0) u = Math.random();
  const v = Math.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A uniform integer in [0, n). */
export function randInt(n: number): number {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`randInt: n must be a positive integer, got ${n}`);
  return Math.floor(Math.random() * n);
}

/** Shuffles a copy of `items` (Fisher–Yates). */
export function shuffled<T>(items: readonly T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Draws an index with probability proportional to `weights` (non-negative, not all zero). */
export function sampleIndex(weights: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (!(w >= 0) || !Number.isFinite(w)) {
      throw new Error(`sampleIndex: weights must be finite and non-negative; weights[${i}] = ${w}`);
    }
    total += w;
  }
  if (total <= 0) throw new Error("sampleIndex: weights must not all be zero");
  let r = Math.random() * total;
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i];
    if (r < 0) return i;
  }
  return weights.length - 1;
}
