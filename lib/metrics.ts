/**
 * One scoreboard for every generative model of the course: distances between sets of features
 * (FID, KID), sample diversity and likelihood units. The features come from the digit classifier
 * of lib/classifier.ts ("the judge"), which also gives conditional accuracy.
 * Taught in notebooks/07-conditional-generation.ipynb.
 *
 *   featureStats, frechetDistance    μ, Σ of a feature set; ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^½)
 *   fid                              Fréchet distance between two feature sets                (Heusel et al. 2017)
 *   kid                              unbiased MMD² with the cubic polynomial kernel           (Bińkowski et al. 2018)
 *   sampleDiversity                  mean pairwise Euclidean distance within a set
 *   meanNearestDistance              mean distance from each point of one set to the nearest of
 *                                    another: precision (samples → data) and coverage (data → samples)
 *   likelihoodUnits                  nats per image → nats/dim and bits/dim
 *   anomalyAUC                       how well a score separates anomalies: ROC AUC (Mann–Whitney)
 *   classShares                      the share of each class among predicted labels (mode coverage)
 *   borderIntensity                  the mean pixel of a frame along the image's edge (grain shows there)
 *   borderParts                      that frame's mean split into faint haze and bright strokes
 *   separatedOrder                   a ranking from repeated measurements that orders only what their ranges separate
 *
 * Sources: M. Heusel et al., "GANs Trained by a Two Time-Scale Update Rule Converge to a Local
 * Nash Equilibrium" (2017), eq. (6) for FID; M. Bińkowski, D. Sutherland, M. Arbel, A. Gretton,
 * "Demystifying MMD GANs" (2018), section 4 for KID (kernel k(x, y) = (xᵀy/F + 1)³).
 *
 * Shapes: N, M set sizes, F features, D pixels, K classes (10).
 */
import * as tf from "@tensorflow/tfjs";
import { assertInt, assertShape } from "./assert";
import { matMul, sqrtmSymmetric, symmetricEigen, type Matrix } from "./numerics";

// ---------------------------------------------------------------------------------------------
// FID
// ---------------------------------------------------------------------------------------------

/** Mean and covariance of a feature set. */
export interface FeatureStats {
  /** μ, length F. */
  mu: number[];
  /** Σ, F × F, with the unbiased 1/(N − 1) normalisation (as numpy.cov and the FID code). */
  sigma: Matrix;
}

/** Rows of a [N, F] tensor (or plain rows) as float64 arrays. */
function rowsOf(x: tf.Tensor2D | Matrix, name: string): Matrix {
  if (Array.isArray(x)) return x;
  assertShape(x, [null, null], name, ["N", "F"]);
  return x.arraySync();
}

/**
 * μ and Σ of a feature set, in float64.
 * @param features shape [N, F], N ≥ 2
 */
export function featureStats(features: tf.Tensor2D | Matrix): FeatureStats {
  const X = rowsOf(features, "features");
  const N = X.length;
  if (N < 2) throw new Error(`featureStats: features needs at least 2 rows [N, F] for a covariance, got N = ${N}`);
  const F = X[0].length;
  const mu = new Array(F).fill(0);
  for (const row of X) for (let j = 0; j < F; j++) mu[j] += row[j] / N;
  const sigma: Matrix = Array.from({ length: F }, () => new Array(F).fill(0));
  for (const row of X) {
    for (let i = 0; i < F; i++) {
      const di = row[i] - mu[i];
      for (let j = i; j < F; j++) sigma[i][j] += (di * (row[j] - mu[j])) / (N - 1);
    }
  }
  for (let i = 0; i < F; i++) for (let j = 0; j < i; j++) sigma[i][j] = sigma[j][i];
  return { mu, sigma };
}

/**
 * The Fréchet (2-Wasserstein) distance between N(μ₁, Σ₁) and N(μ₂, Σ₂) (Heusel et al. eq. 6):
 *   d² = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^½)
 * Σ₁Σ₂ is not symmetric, but it is similar to the symmetric PSD M = Σ₁^½ Σ₂ Σ₁^½, so
 * Tr((Σ₁Σ₂)^½) = Tr(M^½) = Σᵢ √λᵢ(M), computed with Jacobi eigenvalues.
 */
export function frechetDistance(a: FeatureStats, b: FeatureStats): number {
  const F = a.mu.length;
  if (b.mu.length !== F) throw new Error(`frechetDistance: the two sets have ${F} and ${b.mu.length} features; they must match`);
  let meanTerm = 0;
  for (let i = 0; i < F; i++) meanTerm += (a.mu[i] - b.mu[i]) ** 2;
  let trace = 0;
  for (let i = 0; i < F; i++) trace += a.sigma[i][i] + b.sigma[i][i];
  const s1h = sqrtmSymmetric(a.sigma);
  const M = matMul(matMul(s1h, b.sigma), s1h);
  for (let i = 0; i < F; i++) for (let j = 0; j < i; j++) M[i][j] = M[j][i] = (M[i][j] + M[j][i]) / 2; // exact symmetry
  const traceSqrt = symmetricEigen(M).values.reduce((s, l) => s + Math.sqrt(Math.max(l, 0)), 0);
  return Math.max(meanTerm + trace - 2 * traceSqrt, 0);
}

/**
 * FID between two feature sets (e.g. classifier features of real and generated digits).
 * @param real shape [N, F]
 * @param fake shape [M, F]
 */
export function fid(real: tf.Tensor2D | Matrix, fake: tf.Tensor2D | Matrix): number {
  return frechetDistance(featureStats(real), featureStats(fake));
}

// ---------------------------------------------------------------------------------------------
// KID
// ---------------------------------------------------------------------------------------------

/**
 * KID: the unbiased estimate of the squared MMD with the cubic polynomial kernel
 * k(x, y) = (xᵀy/F + 1)³ (Bińkowski et al. 2018):
 *   MMD²_u = 1/(N(N−1)) Σ_{i≠j} k(xᵢ, xⱼ) + 1/(M(M−1)) Σ_{i≠j} k(yᵢ, yⱼ) − 2/(NM) Σ_{i,j} k(xᵢ, yⱼ)
 * Unbiased: it can be slightly negative when the sets come from the same distribution.
 * @param real shape [N, F], N ≥ 2
 * @param fake shape [M, F], M ≥ 2
 */
export function kid(real: tf.Tensor2D, fake: tf.Tensor2D): number {
  assertShape(real, [null, null], "real", ["N", "F"]);
  const [N, F] = real.shape;
  assertShape(fake, [null, F], "fake", ["M", "F"]);
  const M = fake.shape[0];
  if (N < 2 || M < 2) throw new Error(`kid: both sets need at least 2 rows, got N = ${N}, M = ${M}`);
  const sums = tf.tidy(() => {
    const k = (a: tf.Tensor2D, b: tf.Tensor2D) => tf.matMul(a, b, false, true).div(F).add(1).pow(3); // [·, ·]
    const kxx = k(real, real); // [N, N]
    const kyy = k(fake, fake); // [M, M]
    const kxy = k(real, fake); // [N, M]
    return tf.stack([kxx.sum(), kxx.mul(tf.eye(N)).sum(), kyy.sum(), kyy.mul(tf.eye(M)).sum(), kxy.sum()]);
  });
  const [sxx, dxx, syy, dyy, sxy] = Array.from(sums.dataSync());
  sums.dispose();
  return (sxx - dxx) / (N * (N - 1)) + (syy - dyy) / (M * (M - 1)) - (2 * sxy) / (N * M);
}

// ---------------------------------------------------------------------------------------------
// Diversity and likelihood units
// ---------------------------------------------------------------------------------------------

/**
 * Mean Euclidean distance between two different members of a set, (1/(N(N−1))) Σ_{i≠j} ‖xᵢ − xⱼ‖:
 * 0 for a collapsed generator that always draws the same thing, larger for varied samples.
 * @param x shape [N, F] (pixels or features), N ≥ 2
 */
export function sampleDiversity(x: tf.Tensor2D): number {
  assertShape(x, [null, null], "x", ["N", "F"]);
  const N = x.shape[0];
  if (N < 2) throw new Error(`sampleDiversity: x needs at least 2 rows, got N = ${N}`);
  const total = tf.tidy(() => {
    const sq = x.square().sum(1); // [N]
    // ‖xᵢ − xⱼ‖² = ‖xᵢ‖² + ‖xⱼ‖² − 2xᵢ·xⱼ
    const d2 = sq
      .reshape([N, 1])
      .add(sq.reshape([1, N]))
      .sub(tf.matMul(x, x, false, true).mul(2)); // [N, N]
    return d2.relu().sqrt().sum();
  });
  const s = total.dataSync()[0];
  total.dispose();
  return s / (N * (N - 1));
}

/**
 * Mean distance from each row of `a` to its nearest row of `b`, (1/Na) Σᵢ minⱼ ‖aᵢ − bⱼ‖.
 * With a = samples and b = held-out data it measures precision (are the samples on the data?);
 * with a = data and b = samples, coverage (is every part of the data reached?). Not symmetric.
 * Taught in notebooks/06-diffusion.ipynb (section 7).
 * @param a shape [Na, D]
 * @param b shape [Nb, D], Nb ≥ 1
 */
export function meanNearestDistance(a: tf.Tensor2D, b: tf.Tensor2D): number {
  assertShape(a, [null, null], "a", ["Na", "D"]);
  assertShape(b, [null, a.shape[1]], "b (the same feature count D as a)", ["Nb", "D"]);
  if (a.shape[0] === 0 || b.shape[0] === 0)
    throw new Error(`meanNearestDistance: a and b need at least one row, got ${a.shape[0]} and ${b.shape[0]}`);
  const mean = tf.tidy(() => {
    // ‖aᵢ − bⱼ‖² = ‖aᵢ‖² + ‖bⱼ‖² − 2aᵢ·bⱼ, clipped at 0 against rounding
    const d2 = a
      .square()
      .sum(1, true)
      .add(b.square().sum(1).reshape([1, -1]))
      .sub(tf.matMul(a, b, false, true).mul(2)); // [Na, Nb]
    return d2.min(1).relu().sqrt().mean();
  });
  const value = mean.dataSync()[0];
  mean.dispose();
  return value;
}

/**
 * A likelihood (or a bound on it) per image in the two usual per-dimension units.
 * @param natsPerImage −log p(x) in nats for one image (e.g. −ELBO)
 * @param dims D, the number of pixels
 * @returns nats/dim = nats/D and bits/dim = nats/(D·ln 2)
 */
export function likelihoodUnits(natsPerImage: number, dims: number): { natsPerDim: number; bitsPerDim: number } {
  assertInt(dims, "dims", 1);
  return { natsPerDim: natsPerImage / dims, bitsPerDim: natsPerImage / (dims * Math.LN2) };
}

/**
 * How well an anomaly score separates anomalies from normal data: the area under the ROC curve,
 * = the probability that a random anomaly scores higher than a random normal example (ties
 * count ½; Mann–Whitney). 1 is perfect separation, 0.5 is chance. With the VAE, use −ELBO (or
 * −IWAE) as the score: anomalies are images the model finds improbable.
 */
export function anomalyAUC(normalScores: ArrayLike<number>, anomalyScores: ArrayLike<number>): number {
  const n0 = normalScores.length;
  const n1 = anomalyScores.length;
  if (n0 === 0 || n1 === 0) throw new Error(`anomalyAUC needs at least one score of each kind, got ${n0} normal and ${n1} anomaly scores`);
  const all = [...Array.from(normalScores, (s) => ({ s, anomaly: false })), ...Array.from(anomalyScores, (s) => ({ s, anomaly: true }))];
  if (all.some((a) => Number.isNaN(a.s))) throw new Error("anomalyAUC: a score is NaN");
  all.sort((a, b) => a.s - b.s);
  // Mann–Whitney: sum of the anomalies' ranks (ties get their average rank).
  let rankSum = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j].s === all[i].s) j++;
    const avgRank = (i + 1 + j) / 2;
    for (let t = i; t < j; t++) if (all[t].anomaly) rankSum += avgRank;
    i = j;
  }
  return (rankSum - (n1 * (n1 + 1)) / 2) / (n0 * n1);
}

/**
 * The share of each class 0..K−1 among predicted labels: with a digit classifier's predictions on
 * unconditional samples, how evenly a model covers the ten digits (each ≈ 10% on real data).
 * @param labels predicted classes, N of them
 * @returns K shares summing to 1
 */
export function classShares(labels: ArrayLike<number>, K = 10): number[] {
  assertInt(K, "K", 1);
  const n = labels.length;
  if (n === 0) throw new Error("classShares: labels is empty");
  const counts = new Array<number>(K).fill(0);
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    if (!(Number.isInteger(c) && c >= 0 && c < K)) throw new Error(`classShares: labels[${i}] = ${c} is not a class in 0..${K - 1}`);
    counts[c]++;
  }
  return counts.map((c) => c / n);
}

/**
 * The mean intensity of the frame of pixels within `width` of the edge of side × side images in
 * [0, 1]. Real digits are black there (MNIST centres each digit in a 20 × 20 box), so a generator
 * whose backgrounds are grainy or grey shows it here first.
 * @param images shape [N, side·side], values in [0, 1]
 */
export function borderIntensity(images: tf.Tensor2D, side: number, width = 2): number {
  assertInt(side, "side", 1);
  assertShape(images, [null, side * side], "images", ["N", `side² = ${side * side}`]);
  assertInt(width, "width", 1, Math.floor((side - 1) / 2));
  const mask = new Float32Array(side * side);
  for (let r = 0; r < side; r++)
    for (let c = 0; c < side; c++) if (r < width || c < width || r >= side - width || c >= side - width) mask[r * side + c] = 1;
  const inFrame = mask.reduce((a, b) => a + b, 0);
  return tf.tidy(() => tf.sum(tf.mul(images, tf.tensor2d(mask, [1, side * side]))).dataSync()[0] / (images.shape[0] * inFrame));
}

/** The border frame's mean intensity split by pixel brightness (see {@link borderParts}). */
export interface BorderParts {
  /** The whole frame's mean, = {@link borderIntensity}; = haze + strokes. */
  total: number;
  /** What the faint pixels (≤ `faint`) add to the mean: a grey haze. */
  haze: number;
  /** What the bright pixels (> `faint`) add: strokes that reach into the frame. */
  strokes: number;
}

/**
 * The border frame's mean intensity ({@link borderIntensity}) split in two: the part of faint
 * pixels (at most `faint`, a grey haze or grain) and the part of bright ones (strokes that reach
 * into the frame). A generator with grainy backgrounds differs from real digits in the first,
 * one that draws digits too large or off-centre in the second.
 * @param images shape [N, side·side], values in [0, 1]
 * @param options width of the frame (default 2), faint: the brightest pixel counted as haze (default 0.1)
 */
export function borderParts(images: tf.Tensor2D, side: number, options: { width?: number; faint?: number } = {}): BorderParts {
  const { width = 2, faint = 0.1 } = options;
  if (!(faint >= 0 && faint < 1)) throw new Error(`options.faint must be a pixel value in [0, 1), got ${faint}`);
  const total = borderIntensity(images, side, width);
  const haze = tf.tidy(() => {
    const dim = tf.mul(images, tf.cast(tf.lessEqual(images, faint), "float32")) as tf.Tensor2D; // the faint pixels only
    return borderIntensity(dim, side, width);
  });
  return { total, haze, strokes: total - haze };
}

/**
 * A ranking from repeated measurements (e.g. FID over 3 seeds), lowest first, that claims an order
 * only where the ranges separate: "A < B ≈ C" when A's largest value is below B's smallest, while
 * B's and C's ranges overlap. Neighbours are compared after sorting by the mean.
 * @param entries a name and at least one value each
 */
export function separatedOrder(entries: { name: string; values: number[] }[]): string {
  if (entries.length === 0) throw new Error("separatedOrder: entries is empty");
  for (const e of entries) if (e.values.length === 0) throw new Error(`separatedOrder: "${e.name}" has no values`);
  const stats = entries
    .map((e) => ({
      name: e.name,
      mean: e.values.reduce((a, b) => a + b, 0) / e.values.length,
      lo: Math.min(...e.values),
      hi: Math.max(...e.values),
    }))
    .sort((a, b) => a.mean - b.mean);
  return stats.map((s, i) => (i === 0 ? s.name : `${stats[i - 1].hi < s.lo ? " < " : " ≈ "}${s.name}`)).join("");
}
