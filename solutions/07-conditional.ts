/**
 * Stage 07 exercises: classifier-free guidance, the guided sampler and the scoreboard's distances
 * (notebooks/07-conditional-generation.ipynb, "Your turn").
 * Completed versions; the learner writes them in exercises/07-conditional.ts. The library's
 * versions (lib/conditional.ts guidedEps, lib/metrics.ts frechetDistance and kid; 07.4 is lib's
 * guidedEpsTheta inside pSampleLoop) do the same with more checks.
 *
 * Shapes: B batch, D data features, N, M set sizes, F features.
 */
import * as tf from "@tensorflow/tfjs";
import { assertShape } from "../lib/assert";
import { nullCondition, type CondEpsTheta } from "../lib/conditional";
import { pSample, type EpsTheta, type Schedule } from "../lib/diffusion";
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

/**
 * 07.4 Build it: the guided sampler. Draw x_0 for the classes `labels` with classifier-free
 * guidance, by ancestral sampling (stage 6's DDPM) from the given x_T, step by step:
 *
 *   for t = T−1, T−2, …, 0  (index t ↔ the paper's t + 1):
 *     ε_c = ε_θ(x_t, t, labels)              the conditional prediction
 *     ε_∅ = ε_θ(x_t, t, ∅)                   the unconditional one: every label replaced by ∅ = NULL_CLASS
 *     ε̂   = ε_∅ + w·(ε_c − ε_∅)              your guidedEps (07.1), at every step
 *     x_{t−1} = 1/√α_t · (x_t − β_t/√(1 − ᾱ_t) · ε̂) + √β_t · noise[t]     no noise at t = 0
 *
 * so w = 0 is the unconditional model, w = 1 the conditional model alone (one pass with the labels
 * gives the same draw). The noise is given, so the result is a fixed number: noise[t] is the z of
 * step t, and noise[0] is never used (the last step returns the mean).
 *
 * Hint: write the guided ε̂ as a function (xt, t) => …, an `EpsTheta` (lib/diffusion.ts), and hand
 * it to lib's `pSample(eps, x, t, schedule, { z: noise[t] })` for one step (σ_t² = β_t, its
 * default); `nullCondition(labels)` (lib/conditional.ts) is the ∅ batch. Do not use lib's
 * guidedEpsTheta: that is what you are building. Dispose each x_t once x_{t−1} is made, and not xT.
 *
 * @param epsTheta ε_θ(x_t, t, c): x_t [B, D], t int32 [B], c int32 [B] (NULL_CLASS for ∅) → [B, D]
 * @param labels the classes to draw, int32 [B]
 * @param w guidance scale
 * @param schedule the noise schedule (T steps)
 * @param xT the starting noise x_T, shape [B, D] (read, not disposed)
 * @param noise T tensors [B, D]: noise[t] is added at step t (noise[0] is not used)
 * @returns x_0, shape [B, D]
 */
export function guidedSample(
  epsTheta: CondEpsTheta,
  labels: tf.Tensor1D,
  w: number,
  schedule: Schedule,
  xT: tf.Tensor2D,
  noise: tf.Tensor2D[],
): tf.Tensor2D {
  assertShape(labels, [xT.shape[0]], "labels (one per row of xT)", ["B"]);
  if (noise.length !== schedule.T) throw new Error(`noise must hold T = ${schedule.T} tensors, got ${noise.length}`);
  // ε̂(x_t, t): both branches at every step, combined by guidedEps
  const eps: EpsTheta = (xt, t) =>
    tf.tidy(() => {
      const epsCond = epsTheta(xt, t, labels); // [B, D]
      const epsUncond = epsTheta(xt, t, nullCondition(labels)); // [B, D]
      return guidedEps(epsCond, epsUncond, w);
    });
  let x = xT.clone(); // [B, D]
  for (let t = schedule.T - 1; t >= 0; t--) {
    const next = pSample(eps, x, t, schedule, t > 0 ? { z: noise[t] } : {}); // [B, D]
    x.dispose();
    x = next;
  }
  return x;
}
