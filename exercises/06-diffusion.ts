/**
 * Stage 06 exercises: the heart of DDPM (notebooks/06-diffusion.ipynb, "Your turn"), ending with
 * two "build it" exercises that assemble the training loss (06.4) and the sampling loop (06.5).
 * Replace each `throw new Error("TODO ...")` with your code, then run `npm run check -- 06`
 * (or `await checkExercises("06")` in the notebook). The library's versions (lib/diffusion.ts:
 * linearSchedule and qSample with the same signatures, pSample with an options object where
 * pSampleWithNoise takes z) do the same with more checks and options.
 *
 * Timesteps: the paper counts t = 1..T; arrays are indexed i = 0..T−1 with i ↔ t = i + 1.
 * Shapes: B batch, D data features.
 */
import * as tf from "@tensorflow/tfjs";
import { assertShape } from "../lib/assert";
import { pSample, qSample as qSampleLib, type EpsTheta, type Schedule } from "../lib/diffusion";

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
 * Hint: one loop over i = 0..T−1 that keeps a running product; fill `new Float64Array(T)`s.
 * Take alphaBarsPrev[i] before multiplying the product by α, alphaBars[i] after.
 *
 * @param T number of steps (≥ 2; default 1000)
 * @param betaStart β_1 (default 1e-4)
 * @param betaEnd β_T (default 0.02)
 * @returns { kind: "linear", T, betas, alphas, alphaBars, alphaBarsPrev, posteriorVariances }, each array
 *   of length T, index i ↔ t = i + 1
 */
export function linearSchedule(T = 1000, betaStart = 1e-4, betaEnd = 0.02): Schedule {
  throw new Error(
    "TODO 06.1: betas rising linearly from betaStart to betaEnd, alphas = 1 − betas, alphaBars = the running product of the alphas, " +
      "alphaBarsPrev and posteriorVariances",
  );
}

/**
 * 06.2 Noises clean data to step t in one jump (Ho et al. eq. 4), each example at its own t:
 *
 *   x_t = √ᾱ_t · x_0 + √(1 − ᾱ_t) · ε
 *
 * Hint: when t is a number, make it a [B] tensor with `tf.fill([B], t, "int32")`;
 * `tf.gather(tf.tensor1d(Array.from(schedule.alphaBars)), t)` gives ᾱ per example, [B];
 * `.reshape([-1, 1, ...])` (one 1 per axis of x0 after the first) makes it broadcast over the
 * rest of x0. Check shapes with `assertShape` and work inside `tf.tidy`.
 *
 * @param x0 clean data, shape [B, ...] (e.g. [B, D] or [B, h, w])
 * @param t step indices, shape [B] int32, or one number for the whole batch (index i ↔ t = i + 1)
 * @param eps the noise ε, shape of x0
 * @param schedule needs alphaBars, length T
 * @returns x_t, shape of x0
 */
export function qSample(x0: tf.Tensor, t: number | tf.Tensor1D, eps: tf.Tensor, schedule: Schedule): tf.Tensor {
  throw new Error("TODO 06.2: return √ᾱ_t·x0 + √(1 − ᾱ_t)·eps, with ᾱ_t gathered per example and reshaped to [B, 1, ...]");
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
 * Hint: the coefficients are plain numbers (schedule.betas[t], ...); only ε̂ and x are tensors.
 * `tf.fill([B], t, "int32")` makes the step tensor for epsTheta. Work inside `tf.tidy`.
 *
 * @param epsTheta the noise predictor: (x_t [B, D], t [B] int32) → ε̂ [B, D]
 * @param xt shape [B, D]
 * @param t one step index for the whole batch, 0..T−1
 * @param schedule betas, alphas, alphaBars (index i ↔ t = i + 1)
 * @param z the fresh noise, shape [B, D] (not used at t = 0)
 * @returns x_{t−1}, shape [B, D]
 */
export function pSampleWithNoise(epsTheta: EpsTheta, xt: tf.Tensor2D, t: number, schedule: Schedule, z: tf.Tensor2D): tf.Tensor2D {
  throw new Error("TODO 06.3: ε̂ = epsTheta(xt, t as a [B] int32 tensor); mean = (xt − β_t/√(1 − ᾱ_t)·ε̂)/√α_t; add √β_t·z unless t = 0");
}

/**
 * 06.4 Build it, part 1: the training loss of Ho et al. Algorithm 1 (eq. 14, "L_simple") on one
 * batch, with the steps t and the noise ε given (lib's diffusionLoss draws them):
 *
 *   x_t = √ᾱ_t · x_0 + √(1 − ᾱ_t) · ε          one jump to step t (your qSample of 06.2)
 *   ε̂   = ε_θ(x_t, t)                          the network guesses the noise from x_t and t
 *   L   = mean over b and d of (ε − ε̂)²        averaged over all B·D numbers
 *
 * Hint: three lines inside tf.tidy: qSample(x0, t, eps, schedule) (or lib's, imported as
 * qSampleLib, while 06.2 does not pass yet), epsTheta(xt, t), then tf.mean(tf.square(…)).
 *
 * @param epsTheta the noise predictor: (x_t [B, D], t [B] int32) → ε̂ [B, D]
 * @param x0 clean data, shape [B, D]
 * @param t one step index per example, shape [B] int32, 0..T−1
 * @param eps the noise ε, shape [B, D]
 * @param schedule needs alphaBars (index i ↔ t = i + 1)
 * @returns L, shape []
 */
export function diffusionLossWith(epsTheta: EpsTheta, x0: tf.Tensor2D, t: tf.Tensor1D, eps: tf.Tensor2D, schedule: Schedule): tf.Scalar {
  throw new Error("TODO 06.4: xt = qSample(x0, t, eps, schedule); return the mean of (eps − epsTheta(xt, t))²");
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
 * Hint: a plain for loop counting down; dispose each x you replace (not xT: it is the caller's),
 * or run the loop inside tf.tidy and keep only the last x. lib's
 * pSample(epsTheta, x, t, schedule, { z: zs[t] }) is the same step, if 06.3 does not pass yet.
 *
 * @param epsTheta the noise predictor: (x_t [B, D], t [B] int32) → ε̂ [B, D]
 * @param xT the starting noise x_T, shape [B, D] (read, not disposed)
 * @param schedule T = schedule.T steps; betas, alphas, alphaBars
 * @param zs the noise of each step, T tensors of shape [B, D]: zs[t] for the step from index t (zs[0] unused)
 * @returns x_0, shape [B, D]
 */
export function pSampleLoopWithNoise(epsTheta: EpsTheta, xT: tf.Tensor2D, schedule: Schedule, zs: tf.Tensor2D[]): tf.Tensor2D {
  throw new Error("TODO 06.5: x = xT; for t from T − 1 down to 0, x = pSampleWithNoise(epsTheta, x, t, schedule, zs[t]); return x");
}
