/**
 * Two-dimensional toy distributions for the GAN and diffusion stages: small enough to train on
 * in seconds, easy to look at, and (for the ring) easy to score.
 *
 *   ringOfGaussians   8 Gaussians on a circle, the mode-collapse benchmark of Metz et al.
 *                     2017 ("Unrolled generative adversarial networks") and Srivastava et al.
 *                     2017 (VEEGAN): radius 2, std 0.02 there
 *   twoMoons          two interleaved half circles (as scikit-learn's make_moons)
 *   swissRoll         a 2-D spiral (as scikit-learn's make_swiss_roll, x and z kept, scaled)
 *   modeCoverage      how many of the ring's modes a set of samples covers, and the share of
 *                     "good" samples (within `threshold` standard deviations of a mode centre)
 *
 * Every sampler draws with `makeRng(options.seed)` when a seed is given, else from the global
 * stream that `seed(n)` (lib/random.ts) seeds; the same seed gives the same points on every
 * backend (the numbers are drawn in JavaScript, then copied into one tensor).
 * Taught in notebooks/05-gan.ipynb ("The ring of 8 Gaussians") and used again in 06.
 *
 * Shape letters: N points, K modes.
 */
import * as tf from "@tensorflow/tfjs";
import { assertInt, assertShape } from "./assert";
import { makeRng, normalFrom } from "./random";

/** The source of uniform numbers: a seeded generator, or the global (seedable) stream. */
function uniformSource(seedValue: number | undefined): () => number {
  return seedValue === undefined ? Math.random : makeRng(seedValue);
}

function checkPositive(value: number, name: string): void {
  if (!(typeof value === "number" && Number.isFinite(value) && value > 0)) {
    throw new Error(`${name} must be a positive number, got ${value}`);
  }
}

function checkNonNegative(value: number, name: string): void {
  if (!(typeof value === "number" && Number.isFinite(value) && value >= 0)) {
    throw new Error(`${name} must be a non-negative number, got ${value}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The ring of Gaussians

export interface RingOptions {
  /** Number of Gaussians K, evenly spaced on the circle (default 8). */
  modes?: number;
  /** Radius of the circle (default 2). */
  radius?: number;
  /** Standard deviation of each Gaussian, per coordinate (default 0.02, as in those papers). */
  std?: number;
  /** Seed for these points only (default: the global stream, see lib/random.ts `seed`). */
  seed?: number;
}

/** The resolved ring parameters (every default filled in). */
export interface Ring {
  modes: number;
  radius: number;
  std: number;
}

function resolveRing(options: RingOptions): Ring {
  const { modes = 8, radius = 2, std = 0.02 } = options;
  assertInt(modes, "options.modes", 1);
  checkPositive(radius, "options.radius");
  checkPositive(std, "options.std");
  return { modes, radius, std };
}

/**
 * The centres of the ring's modes: mode k at angle 2πk/K.
 * @returns shape [K, 2]
 */
export function ringCentres(options: RingOptions = {}): tf.Tensor2D {
  const { modes, radius } = resolveRing(options);
  return tf.tensor2d(centreList(modes, radius), [modes, 2]); // [K, 2]
}

function centreList(modes: number, radius: number): number[][] {
  return Array.from({ length: modes }, (_, k) => [
    radius * Math.cos((2 * Math.PI * k) / modes),
    radius * Math.sin((2 * Math.PI * k) / modes),
  ]);
}

/**
 * Samples from an equal mixture of K Gaussians N(c_k, std²·I) with centres c_k on a circle.
 * @param n number of points N
 * @returns shape [N, 2]
 */
export function ringOfGaussians(n: number, options: RingOptions = {}): tf.Tensor2D {
  assertInt(n, "n", 1);
  const { modes, radius, std } = resolveRing(options);
  const uniform = uniformSource(options.seed);
  const centres = centreList(modes, radius);
  const values = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const c = centres[Math.min(modes - 1, Math.floor(uniform() * modes))];
    values[2 * i] = c[0] + std * normalFrom(uniform);
    values[2 * i + 1] = c[1] + std * normalFrom(uniform);
  }
  return tf.tensor2d(values, [n, 2]); // [N, 2]
}

// ---------------------------------------------------------------------------------------------
// Two moons and the swiss roll

export interface NoiseOptions {
  /** Standard deviation of Gaussian noise added to each coordinate (default 0.05). */
  noise?: number;
  /** Seed for these points only (default: the global stream). */
  seed?: number;
}

/**
 * Two interleaved half circles, as scikit-learn's `make_moons`: the upper moon is
 * (cos t, sin t), the lower (1 − cos t, 0.5 − sin t), t uniform in [0, π]; each point picks a
 * moon with probability ½. Centred by subtracting (0.5, 0.25).
 * @param n number of points N
 * @returns shape [N, 2]
 */
export function twoMoons(n: number, options: NoiseOptions = {}): tf.Tensor2D {
  assertInt(n, "n", 1);
  const { noise = 0.05 } = options;
  checkNonNegative(noise, "options.noise");
  const uniform = uniformSource(options.seed);
  const values = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const t = Math.PI * uniform();
    const upper = uniform() < 0.5;
    const x = upper ? Math.cos(t) : 1 - Math.cos(t);
    const y = upper ? Math.sin(t) : 0.5 - Math.sin(t);
    values[2 * i] = x - 0.5 + noise * normalFrom(uniform);
    values[2 * i + 1] = y - 0.25 + noise * normalFrom(uniform);
  }
  return tf.tensor2d(values, [n, 2]); // [N, 2]
}

/**
 * A 2-D swiss roll: t = 1.5π(1 + 2u) with u uniform in [0, 1), the point (t cos t, t sin t)
 * scaled by 1/5 so that it fits in about [−3, 3]², plus noise.
 * @param n number of points N
 * @returns shape [N, 2]
 */
export function swissRoll(n: number, options: NoiseOptions = {}): tf.Tensor2D {
  assertInt(n, "n", 1);
  const { noise = 0.05 } = options;
  checkNonNegative(noise, "options.noise");
  const uniform = uniformSource(options.seed);
  const values = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const t = 1.5 * Math.PI * (1 + 2 * uniform());
    values[2 * i] = (t * Math.cos(t)) / 5 + noise * normalFrom(uniform);
    values[2 * i + 1] = (t * Math.sin(t)) / 5 + noise * normalFrom(uniform);
  }
  return tf.tensor2d(values, [n, 2]); // [N, 2]
}

// ---------------------------------------------------------------------------------------------
// Scoring samples against the ring

export interface CoverageOptions extends RingOptions {
  /** A sample is "good" when it lies within `threshold`·std of its nearest centre (default 3). */
  threshold?: number;
  /**
   * A mode counts as covered when at least this many good samples are nearest to it
   * (default: 1% of the samples, at least 1).
   */
  minCount?: number;
}

export interface Coverage {
  /** Modes with at least `minCount` good samples (0 … K). */
  modesCovered: number;
  /** Share of all samples that are good (0 … 1). */
  goodFraction: number;
  /** Good samples per mode, length K (mode k at angle 2πk/K). */
  goodPerMode: number[];
  /** The rule that was applied, resolved: minCount, the distance limit threshold·std. */
  minCount: number;
  maxDistance: number;
}

/**
 * Scores samples against the ring (the metric of Srivastava et al. 2017): each sample is
 * assigned to its nearest centre; it is good when that distance is at most threshold·std;
 * a mode is covered when it receives at least `minCount` good samples.
 * @param samples shape [N, 2]
 */
export function modeCoverage(samples: tf.Tensor2D, options: CoverageOptions = {}): Coverage {
  assertShape(samples, [null, 2], "samples", ["N", "2"]);
  const { modes, radius, std } = resolveRing(options);
  const { threshold = 3 } = options;
  checkPositive(threshold, "options.threshold");
  const n = samples.shape[0];
  const minCount = options.minCount ?? Math.max(1, Math.ceil(0.01 * n));
  assertInt(minCount, "options.minCount", 1);
  const maxDistance = threshold * std;
  const centres = centreList(modes, radius);
  const xy = samples.dataSync();
  const goodPerMode = new Array<number>(modes).fill(0);
  let good = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestDist = Infinity;
    for (let k = 0; k < modes; k++) {
      const d = Math.hypot(xy[2 * i] - centres[k][0], xy[2 * i + 1] - centres[k][1]);
      if (d < bestDist) {
        bestDist = d;
        best = k;
      }
    }
    if (bestDist <= maxDistance) {
      goodPerMode[best]++;
      good++;
    }
  }
  return {
    modesCovered: goodPerMode.filter((c) => c >= minCount).length,
    goodFraction: n > 0 ? good / n : 0,
    goodPerMode,
    minCount,
    maxDistance,
  };
}

/**
 * The 7×5 bitmap font of {@link letterImages}: A E F H K L T X Y Z, each 7 rows of 5 cells ("#" ink).
 * Letters made of straight strokes, some (L, T, Z) close to digits: the anomalies of stage 4.
 */
export const LETTER_FONT: Readonly<Record<string, readonly string[]>> = {
  A: [".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"],
  E: ["#####", "#....", "#....", "####.", "#....", "#....", "#####"],
  F: ["#####", "#....", "#....", "####.", "#....", "#....", "#...."],
  H: ["#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"],
  K: ["#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"],
  L: ["#....", "#....", "#....", "#....", "#....", "#....", "#####"],
  T: ["#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."],
  X: ["#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"],
  Y: ["#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."],
  Z: ["#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"],
};

/** Options of {@link letterImages}. */
export interface LetterImagesOptions {
  /** Seed of the shifts (default: the global stream, see the header). */
  seed?: number;
}

/**
 * Letters as 28×28 binary images, MNIST's size, for anomaly detection (notebooks/04-vae.ipynb,
 * "Anomaly detection"): image i is letter i mod 10 of {@link LETTER_FONT}, each font cell a 3×3
 * block (strokes about as thick as MNIST's), the 21×15 letter placed at row 3, column 6 and
 * shifted by dr, dc ∈ {−2, …, 2} rows and columns, drawn uniformly (dr first, then dc, per image).
 * @param count number of images N ≥ 0
 * @returns shape [N, 784], pixels 0 or 1
 */
export function letterImages(count: number, options: LetterImagesOptions = {}): tf.Tensor2D {
  assertInt(count, "count", 0);
  const uniform = uniformSource(options.seed);
  const names = Object.keys(LETTER_FONT);
  const pixels = new Float32Array(count * 784);
  for (let n = 0; n < count; n++) {
    const rows = LETTER_FONT[names[n % names.length]];
    const dr = Math.floor(uniform() * 5) - 2;
    const dc = Math.floor(uniform() * 5) - 2;
    rows.forEach((line, r) =>
      [...line].forEach((ch, c) => {
        if (ch !== "#") return;
        for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) pixels[n * 784 + (3 + dr + 3 * r + i) * 28 + (6 + dc + 3 * c + j)] = 1;
      }),
    );
  }
  return tf.tensor2d(pixels, [count, 784]);
}
