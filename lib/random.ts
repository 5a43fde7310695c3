/**
 * Seeded randomness: one call, `seed(n)`, makes everything the course draws reproducible.
 *
 * tfjs draws its random numbers (weight initialisers, `tf.randomNormal`, `tf.dropout`,
 * shuffles) from generators that it seeds with `Math.random()` whenever no explicit seed is
 * passed. So `seed(n)` replaces `Math.random` with a seeded generator (sfc32, seeded through
 * splitmix32): after it, the same seed gives the same numbers on every backend. Every seed is
 * valid, 0 included (tfjs itself would treat an explicit seed 0 as "no seed").
 * `unseed()` puts the original `Math.random` back.
 *
 * Next to that global stream, explicit streams: `makeRng(seed)` is a generator of its own (it does
 * not touch Math.random), for draws that must repeat whatever else has been drawn (a data split,
 * a mini-batch order). Every draw below takes such a generator as its optional last argument:
 *
 *   rand, uniformFrom, randInt, choice      uniform numbers, integers, elements
 *   normalFrom, randn                       standard normal numbers (Box–Muller)
 *   shuffleInPlace, shuffled                random permutations (Fisher–Yates)
 *   sampleIndex                             an index drawn in proportion to weights
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

// ---------------------------------------------------------------------------------------------
// Draws. Each takes an optional `rng` (a uniform generator in [0, 1), e.g. `makeRng(seed)`); without
// one it draws from the global stream, Math.random, which `seed(n)` makes repeat.

/** A uniform generator of numbers in [0, 1): `makeRng(seed)`, or Math.random. */
export type Rng = () => number;

/** A uniform number in [0, 1), from the (possibly seeded) global stream. */
export function rand(): number {
  return Math.random();
}

/**
 * A standard normal number from `rng` by the Box–Muller transform (G. E. P. Box & M. E. Muller,
 * "A note on the generation of random normal deviates", 1958): with u, v uniform on (0, 1),
 * √(−2 ln u)·cos(2πv) ~ N(0, 1). It draws u first (again while u = 0, so that ln u is finite),
 * then v: two uniform numbers per normal one (the sine partner is not kept).
 */
export function normalFrom(rng: Rng): number {
  let u = 0;
  while (u === 0) u = rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A standard normal number (Box–Muller, {@link normalFrom}) from `rng` (default the global stream). */
export function randn(rng: Rng = Math.random): number {
  return normalFrom(rng);
}

/** A uniform number in [lo, hi): lo + (hi − lo)·u, u from `rng` (default the global stream). */
export function uniformFrom(lo: number, hi: number, rng: Rng = Math.random): number {
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi)) {
    throw new Error(`uniformFrom: need finite lo ≤ hi, got lo = ${lo}, hi = ${hi}`);
  }
  return lo + (hi - lo) * rng();
}

/** A uniform integer in [0, n): ⌊n·u⌋, u from `rng` (default the global stream). */
export function randInt(n: number, rng: Rng = Math.random): number {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`randInt: n must be a positive integer, got ${n}`);
  return Math.floor(rng() * n);
}

/** One element of `items`, each with probability 1/length, drawn with `rng` (default the global stream). */
export function choice<T>(items: ArrayLike<T>, rng: Rng = Math.random): T {
  if (items.length === 0) throw new Error("choice: items must not be empty");
  return items[randInt(items.length, rng)];
}

/**
 * Shuffles `items` in place by the Fisher–Yates shuffle (R. A. Fisher & F. Yates, 1938; in the
 * form of Knuth, TAOCP vol. 2, §3.4.2, Algorithm P): for i = length − 1 down to 1, swap items[i]
 * with items[j], j = ⌊(i + 1)·u⌋ uniform in [0, i]. Every permutation is equally likely.
 * @param items any array or typed array; it is modified
 * @param rng uniform generator (default the global stream)
 * @returns items itself
 */
export function shuffleInPlace<A extends { [index: number]: unknown; length: number }>(items: A, rng: Rng = Math.random): A {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
  return items;
}

/** A shuffled copy of `items` (Fisher–Yates, {@link shuffleInPlace}), drawn with `rng` (default the global stream). */
export function shuffled<T>(items: readonly T[], rng: Rng = Math.random): T[] {
  return shuffleInPlace(items.slice(), rng);
}

/**
 * Draws an index with probability proportional to `weights` (non-negative, not all zero), by
 * inversion: the first i whose running sum of weights exceeds u·Σweights, u from `rng`
 * (default the global stream).
 */
export function sampleIndex(weights: ArrayLike<number>, rng: Rng = Math.random): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (!(w >= 0) || !Number.isFinite(w)) {
      throw new Error(`sampleIndex: weights must be finite and non-negative; weights[${i}] = ${w}`);
    }
    total += w;
  }
  if (total <= 0) throw new Error("sampleIndex: weights must not all be zero");
  let r = rng() * total;
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i];
    if (r < 0) return i;
  }
  return weights.length - 1;
}
