/**
 * Stage 07 exercises: classifier-free guidance and the scoreboard's distances
 * (notebooks/07-conditional-generation.ipynb, "Your turn").
 * Completed versions; the learner writes them in exercises/07-conditional.ts. The library's
 * versions (lib/conditional.ts guidedEps, lib/metrics.ts frechetDistance and kid) do the same
 * with more checks.
 *
 * Shapes: B batch, D data features, N, M set sizes, F features.
 */
import * as tf from "@tensorflow/tfjs";
import { assertShape } from "../lib/assert";
import type { FeatureStats } from "../lib/metrics";
import { symmetricEigen, sqrtmSymmetric } from "../lib/numerics";

/**
 * 07.1 Classifier-free guidance (Ho & Salimans 2021): one network predicts the noise with the
 * class (ε_cond) and without it (ε_uncond); sampling uses
 *
 *   ε̂ = ε_uncond + w·(ε_cond − ε_uncond)
 *
 * so w = 0 is the unconditional model, w = 1 the conditional one, and w > 1 pushes further in
 * the direction "more like the class".
 *
 * @param epsCond ε_θ(x_t, c), shape [B, D]
 * @param epsUncond ε_θ(x_t, ∅), shape [B, D]
 * @param w guidance scale
 * @returns ε̂, shape [B, D]
 */
export function guidedEps(epsCond: tf.Tensor2D, epsUncond: tf.Tensor2D, w: number): tf.Tensor2D {
  assertShape(epsUncond, epsCond.shape, "epsUncond", ["B", "D"]);
  return tf.tidy(() => epsUncond.add(epsCond.sub(epsUncond).mul(w)) as tf.Tensor2D);
}

/**
 * 07.2 The Fréchet distance between two Gaussians fitted to feature sets (the "F" of FID):
 *
 *   d² = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^½)
 *
 * (Σ₁Σ₂)^½ is a matrix square root, not the entrywise one. Σ₁Σ₂ is not symmetric, but it has
 * the same eigenvalues as the symmetric M = Σ₁^½ Σ₂ Σ₁^½, so Tr((Σ₁Σ₂)^½) = Σᵢ √λᵢ(M).
 *
 * @param a μ₁ (length F) and Σ₁ (F × F), plain numbers
 * @param b μ₂ and Σ₂
 * @returns d², a number ≥ 0
 */
export function frechetDistance(a: FeatureStats, b: FeatureStats): number {
  const F = a.mu.length;
  const mm = (A: number[][], B: number[][]) => A.map((row) => B[0].map((_, j) => row.reduce((s, x, k) => s + x * B[k][j], 0)));
  let d2 = 0;
  for (let i = 0; i < F; i++) d2 += (a.mu[i] - b.mu[i]) ** 2 + a.sigma[i][i] + b.sigma[i][i];
  const s1h = sqrtmSymmetric(a.sigma);
  const M = mm(mm(s1h, b.sigma), s1h);
  const sym = M.map((row, i) => row.map((x, j) => (x + M[j][i]) / 2));
  const traceSqrt = symmetricEigen(sym).values.reduce((s, l) => s + Math.sqrt(Math.max(l, 0)), 0);
  return Math.max(d2 - 2 * traceSqrt, 0);
}

/**
 * 07.3 KID (Bińkowski et al. 2018): the unbiased squared MMD between two feature sets with the
 * cubic polynomial kernel k(x, y) = (xᵀy/F + 1)³:
 *
 *   KID = 1/(N(N−1)) Σ_{i≠j} k(xᵢ, xⱼ) + 1/(M(M−1)) Σ_{i≠j} k(yᵢ, yⱼ) − 2/(NM) Σ_{i,j} k(xᵢ, yⱼ)
 *
 * The within-set sums leave out i = j (that is what makes it unbiased).
 *
 * @param real shape [N, F]
 * @param fake shape [M, F]
 * @returns KID, a number (can be slightly negative)
 */
export function kid(real: tf.Tensor2D, fake: tf.Tensor2D): number {
  const [N, F] = real.shape;
  const M = fake.shape[0];
  const parts = tf.tidy(() => {
    const k = (x: tf.Tensor2D, y: tf.Tensor2D) => tf.matMul(x, y, false, true).div(F).add(1).pow(3);
    const kxx = k(real, real); // [N, N]
    const kyy = k(fake, fake); // [M, M]
    const offXX = kxx
      .sum()
      .sub(kxx.mul(tf.eye(N)).sum())
      .div(N * (N - 1));
    const offYY = kyy
      .sum()
      .sub(kyy.mul(tf.eye(M)).sum())
      .div(M * (M - 1));
    return offXX.add(offYY).sub(k(real, fake).mean().mul(2));
  });
  const v = parts.dataSync()[0];
  parts.dispose();
  return v;
}
