/**
 * Stage 06 exercises: the heart of DDPM (notebooks/06-diffusion.ipynb, "Your turn").
 * Completed versions; the learner writes them in exercises/06-diffusion.ts. The library's
 * versions (lib/diffusion.ts: linearSchedule, qSample, pSample) do the same with more checks
 * and options.
 *
 * Timesteps: the paper counts t = 1..T; arrays are indexed i = 0..T−1 with i ↔ t = i + 1.
 * Shapes: B batch, D data features.
 */
import * as tf from "@tensorflow/tfjs";
import { assertShape } from "../lib/assert";

/**
 * 06.1 The linear noise schedule of Ho et al. (2020) and the quantities derived from it:
 *
 *   β_t = betaStart + (betaEnd − betaStart)·(t − 1)/(T − 1)     t = 1..T  (linear, rising)
 *   α_t = 1 − β_t
 *   ᾱ_t = α_1·α_2·…·α_t                                          (ᾱ_1 = α_1, not 1)
 *
 * @param T number of steps (≥ 2)
 * @param betaStart β_1, e.g. 1e-4
 * @param betaEnd β_T, e.g. 0.02
 * @returns betas, alphas, alphaBars: plain arrays of length T, index i ↔ t = i + 1
 */
export function linearSchedule(T: number, betaStart: number, betaEnd: number): { betas: number[]; alphas: number[]; alphaBars: number[] } {
  const betas: number[] = [];
  const alphas: number[] = [];
  const alphaBars: number[] = [];
  let prod = 1;
  for (let i = 0; i < T; i++) {
    const beta = betaStart + ((betaEnd - betaStart) * i) / (T - 1);
    betas.push(beta);
    alphas.push(1 - beta);
    prod *= 1 - beta;
    alphaBars.push(prod);
  }
  return { betas, alphas, alphaBars };
}

/**
 * 06.2 Noises clean data to step t in one jump (Ho et al. eq. 4), each example at its own t:
 *
 *   x_t = √ᾱ_t · x_0 + √(1 − ᾱ_t) · ε
 *
 * @param x0 clean data, shape [B, D]
 * @param t step indices, shape [B] int32 (index i ↔ t = i + 1)
 * @param eps the noise ε, shape [B, D]
 * @param schedule needs alphaBars, length T
 * @returns x_t, shape [B, D]
 */
export function qSample(x0: tf.Tensor2D, t: tf.Tensor1D, eps: tf.Tensor2D, schedule: { alphaBars: ArrayLike<number> }): tf.Tensor2D {
  assertShape(x0, [null, null], "x0", ["B", "D"]);
  assertShape(t, [x0.shape[0]], "t", ["B"]);
  assertShape(eps, x0.shape, "eps", ["B", "D"]);
  return tf.tidy(() => {
    const alphaBar = tf.gather(tf.tensor1d(Array.from(schedule.alphaBars)), t).reshape([-1, 1]); // [B, 1]
    return alphaBar.sqrt().mul(x0).add(tf.sub(1, alphaBar).sqrt().mul(eps)) as tf.Tensor2D; // [B, D]
  });
}

/**
 * 06.3 One step of ancestral sampling, x_{t−1} ~ p_θ(x_{t−1} | x_t) (Ho et al. Algorithm 2),
 * with σ_t² = β_t:
 *
 *   ε̂       = ε_θ(x_t, t)
 *   x_{t−1} = 1/√α_t · (x_t − β_t/√(1 − ᾱ_t) · ε̂) + σ_t · z      σ_t = √β_t
 *
 * At the last step (index t = 0, the paper's t = 1) there is no noise: return the mean.
 *
 * @param epsTheta the noise predictor: (x_t [B, D], t [B] int32) → ε̂ [B, D]
 * @param xt shape [B, D]
 * @param t one step index for the whole batch, 0..T−1
 * @param schedule betas, alphas, alphaBars (index i ↔ t = i + 1)
 * @param z the fresh noise, shape [B, D] (not used at t = 0)
 * @returns x_{t−1}, shape [B, D]
 */
export function pSample(
  epsTheta: (xt: tf.Tensor2D, t: tf.Tensor1D) => tf.Tensor2D,
  xt: tf.Tensor2D,
  t: number,
  schedule: { betas: ArrayLike<number>; alphas: ArrayLike<number>; alphaBars: ArrayLike<number> },
  z: tf.Tensor2D,
): tf.Tensor2D {
  assertShape(xt, [null, null], "xt", ["B", "D"]);
  assertShape(z, xt.shape, "z", ["B", "D"]);
  const beta = schedule.betas[t];
  const alpha = schedule.alphas[t];
  const alphaBar = schedule.alphaBars[t];
  return tf.tidy(() => {
    const epsHat = epsTheta(xt, tf.fill([xt.shape[0]], t, "int32") as tf.Tensor1D); // [B, D]
    const mean = xt.sub(epsHat.mul(beta / Math.sqrt(1 - alphaBar))).div(Math.sqrt(alpha)) as tf.Tensor2D; // [B, D]
    if (t === 0) return mean;
    return mean.add(z.mul(Math.sqrt(beta))) as tf.Tensor2D;
  });
}
