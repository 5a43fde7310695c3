/**
 * Stage 06 exercises: the heart of DDPM (notebooks/06-diffusion.ipynb, "Your turn"), ending with
 * two "build it" exercises that assemble the training loss (06.4) and the sampling loop (06.5).
 * Completed versions; the learner writes them in exercises/06-diffusion.ts. The library's
 * versions (lib/diffusion.ts: linearSchedule and qSample with the same signatures, pSample with
 * an options object where pSampleWithNoise takes z) do the same with more checks and options.
 *
 * Timesteps: the paper counts t = 1..T; arrays are indexed i = 0..T−1 with i ↔ t = i + 1.
 * Shapes: B batch, D data features.
 */
import * as tf from "@tensorflow/tfjs";
import { assertShape } from "../lib/assert";
import type { EpsTheta, Schedule } from "../lib/diffusion";

/**
 * 06.1 The linear noise schedule of Ho et al. (2020) and the quantities derived from it:
 *
 *   β_t = betaStart + (betaEnd − betaStart)·(t − 1)/(T − 1)     t = 1..T  (linear, rising)
 *   α_t = 1 − β_t
 *   ᾱ_t = α_1·α_2·…·α_t                                          (ᾱ_1 = α_1, not 1)
 *   ᾱ_{t−1}                                                      (ᾱ_0 = 1: alphaBarsPrev[0] = 1)
 *   β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t                        (the variance of q(x_{t−1} | x_t, x_0))
 *
 * It returns lib's `Schedule` (lib/diffusion.ts), so lib's samplers can use your schedule.
 *
 * @param T number of steps (≥ 2; default 1000)
 * @param betaStart β_1 (default 1e-4)
 * @param betaEnd β_T (default 0.02)
 * @returns { kind: "linear", T, betas, alphas, alphaBars, alphaBarsPrev, posteriorVariances }, each array
 *   of length T, index i ↔ t = i + 1
 */
export function linearSchedule(T = 1000, betaStart = 1e-4, betaEnd = 0.02): Schedule {
  const betas = new Float64Array(T);
  const alphas = new Float64Array(T);
  const alphaBars = new Float64Array(T);
  const alphaBarsPrev = new Float64Array(T);
  const posteriorVariances = new Float64Array(T);
  let prod = 1;
  for (let i = 0; i < T; i++) {
    betas[i] = betaStart + ((betaEnd - betaStart) * i) / (T - 1);
    alphas[i] = 1 - betas[i];
    alphaBarsPrev[i] = prod;
    prod *= alphas[i];
    alphaBars[i] = prod;
    posteriorVariances[i] = ((1 - alphaBarsPrev[i]) / (1 - alphaBars[i])) * betas[i];
  }
  return { kind: "linear", T, betas, alphas, alphaBars, alphaBarsPrev, posteriorVariances };
}

/**
 * 06.2 Noises clean data to step t in one jump (Ho et al. eq. 4), each example at its own t:
 *
 *   x_t = √ᾱ_t · x_0 + √(1 − ᾱ_t) · ε
 *
 * @param x0 clean data, shape [B, ...] (e.g. [B, D] or [B, h, w])
 * @param t step indices, shape [B] int32, or one number for the whole batch (index i ↔ t = i + 1)
 * @param eps the noise ε, shape of x0
 * @param schedule needs alphaBars, length T
 * @returns x_t, shape of x0
 */
export function qSample(x0: tf.Tensor, t: number | tf.Tensor1D, eps: tf.Tensor, schedule: Schedule): tf.Tensor {
  const B = x0.shape[0];
  assertShape(eps, x0.shape, "eps (the same shape as x0)");
  if (typeof t !== "number") assertShape(t, [B], "t", ["B"]);
  return tf.tidy(() => {
    const steps = typeof t === "number" ? (tf.fill([B], t, "int32") as tf.Tensor1D) : t; // [B]
    const perExample = [-1, ...new Array<number>(x0.rank - 1).fill(1)]; // [B, 1, ...]
    const alphaBar = tf.gather(tf.tensor1d(Array.from(schedule.alphaBars)), steps).reshape(perExample); // [B, 1, ...]
    return alphaBar.sqrt().mul(x0).add(tf.sub(1, alphaBar).sqrt().mul(eps)); // shape of x0
  });
}

/**
 * 06.3 One step of ancestral sampling, x_{t−1} ~ p_θ(x_{t−1} | x_t) (Ho et al. Algorithm 2),
 * with σ_t² = β_t and the noise z given:
 *
 *   ε̂       = ε_θ(x_t, t)
 *   x_{t−1} = 1/√α_t · (x_t − β_t/√(1 − ᾱ_t) · ε̂) + σ_t · z      σ_t = √β_t
 *
 * At the last step (index t = 0, the paper's t = 1) there is no noise: return the mean.
 * lib's `pSample(epsTheta, xt, t, schedule, { z })` is the same step with more options.
 *
 * @param epsTheta the noise predictor: (x_t [B, D], t [B] int32) → ε̂ [B, D]
 * @param xt shape [B, D]
 * @param t one step index for the whole batch, 0..T−1
 * @param schedule betas, alphas, alphaBars (index i ↔ t = i + 1)
 * @param z the fresh noise, shape [B, D] (not used at t = 0)
 * @returns x_{t−1}, shape [B, D]
 */
export function pSampleWithNoise(epsTheta: EpsTheta, xt: tf.Tensor2D, t: number, schedule: Schedule, z: tf.Tensor2D): tf.Tensor2D {
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

/**
 * 06.4 Build it, part 1: the training loss of Ho et al. Algorithm 1 (eq. 14, "L_simple") on one
 * batch, with the steps t and the noise ε given (lib's diffusionLoss draws them):
 *
 *   x_t = √ᾱ_t · x_0 + √(1 − ᾱ_t) · ε          one jump to step t (your qSample of 06.2)
 *   ε̂   = ε_θ(x_t, t)                          the network guesses the noise from x_t and t
 *   L   = mean over b and d of (ε − ε̂)²        averaged over all B·D numbers
 *
 *
 * @param epsTheta the noise predictor: (x_t [B, D], t [B] int32) → ε̂ [B, D]
 * @param x0 clean data, shape [B, D]
 * @param t one step index per example, shape [B] int32, 0..T−1
 * @param eps the noise ε, shape [B, D]
 * @param schedule needs alphaBars (index i ↔ t = i + 1)
 * @returns L, shape []
 */
export function diffusionLossWith(epsTheta: EpsTheta, x0: tf.Tensor2D, t: tf.Tensor1D, eps: tf.Tensor2D, schedule: Schedule): tf.Scalar {
  return tf.tidy(() => {
    const xt = qSample(x0, t, eps, schedule) as tf.Tensor2D; // [B, D]
    return tf.mean(tf.square(tf.sub(eps, epsTheta(xt, t)))) as tf.Scalar;
  });
}

/**
 * 06.5 Build it, part 2: the whole of ancestral sampling (Ho et al. Algorithm 2), from x_T down
 * to x_0, with every step's noise given:
 *
 *   x = x_T
 *   for t = T−1, T−2, …, 1, 0:   x ← one reverse step from x at t with z = zs[t]
 *                                 (your pSampleWithNoise of 06.3; at t = 0 it adds no noise)
 *   return x                      (= x_0)
 *
 * Every index from T−1 down to 0 is one step: T steps in all, the last one (t = 0, the paper's
 * t = 1) returns the mean, so zs[0] is never used.
 *
 * @param epsTheta the noise predictor: (x_t [B, D], t [B] int32) → ε̂ [B, D]
 * @param xT the starting noise x_T, shape [B, D] (read, not disposed)
 * @param schedule T = schedule.T steps; betas, alphas, alphaBars
 * @param zs the noise of each step, T tensors of shape [B, D]: zs[t] for the step from index t (zs[0] unused)
 * @returns x_0, shape [B, D]
 */
export function pSampleLoopWithNoise(epsTheta: EpsTheta, xT: tf.Tensor2D, schedule: Schedule, zs: tf.Tensor2D[]): tf.Tensor2D {
  if (zs.length !== schedule.T) throw new Error(`zs has ${zs.length} noises; expected T = ${schedule.T} (zs[t] for step t)`);
  return tf.tidy(() => {
    let x = xT; // [B, D]
    for (let t = schedule.T - 1; t >= 0; t--) x = pSampleWithNoise(epsTheta, x, t, schedule, zs[t]); // [B, D]
    return x;
  });
}
