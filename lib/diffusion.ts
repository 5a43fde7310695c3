/**
 * Denoising diffusion: a fixed forward process adds Gaussian noise step by step, a network
 * ε_θ learns to predict that noise, and the reverse process turns pure noise into data.
 * Taught in notebooks/06-diffusion.ipynb (section numbers below).
 *
 *   linearSchedule, cosineSchedule   β_1..β_T and everything derived from them (float64)         §1
 *   qSample                          x_t ~ q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I), in one jump    §2
 *   qPosterior                       q(x_{t−1} | x_t, x_0) = N(μ̃_t, β̃_t I)                       §3
 *   timeEmbedding                    sinusoidal embedding of t (Vaswani et al. 2017)              §4
 *   createEpsMLP                     a small ε_θ(x_t, t): an MLP on [x_t, embedding(t)]           §4, §8
 *   diffusionLoss                    L_simple = E_{t, x_0, ε} ‖ε − ε_θ(√ᾱ_t x_0 + √(1 − ᾱ_t) ε, t)‖²   §4–5
 *   pSample, pSampleLoop             ancestral sampling, one step of p_θ(x_{t−1} | x_t) and the loop   §3, §6
 *   ddimStep, ddimSampleLoop         DDIM sampling on a subsequence of the steps (η = 0: deterministic)   §7
 *   inpaint                          fill the unknown pixels, keep the known ones (RePaint)       §9
 *   variationalBound                 −log p_θ(x_0) ≤ L_T + Σ_t L_{t−1} + L_0 in nats (Ho et al. eq. 5)
 *
 * Sources: J. Ho, A. Jain, P. Abbeel, "Denoising Diffusion Probabilistic Models" (2020):
 * equations (4), (6), (7), (11), (14) and Algorithms 1–2; A. Nichol & P. Dhariwal, "Improved
 * Denoising Diffusion Probabilistic Models" (2021), equation (17) for the cosine schedule;
 * J. Song, C. Meng, S. Ermon, "Denoising Diffusion Implicit Models" (2021), equation (12);
 * A. Lugmayr et al., "RePaint: Inpainting using Denoising Diffusion Probabilistic Models" (2022).
 *
 * Timesteps: the paper counts t = 1..T; arrays here are indexed i = 0..T−1 with i ↔ t = i + 1,
 * so `alphaBars[0]` is ᾱ_1 and `alphaBars[T − 1]` is ᾱ_T. Every `t` argument is such an index.
 * ᾱ_0 = 1 (no noise) is `alphaBarsPrev[0]`.
 *
 * Shapes: B batch, D data features (2 for points, h·w for flattened images), E embedding size, Hd hidden width,
 * T diffusion steps, S sampling steps.
 */
import * as tf from "@tensorflow/tfjs";
import { assertInt, assertShape, assertTensor } from "./assert";
import { applyDense, dense, layerVariables, type Dense } from "./layers";
import { erfc } from "./numerics";

// ---------------------------------------------------------------------------------------------
// Noise schedules
// ---------------------------------------------------------------------------------------------

/** A noise schedule and the quantities the forward and reverse processes use, all float64. */
export interface Schedule {
  /** Which schedule made it. */
  kind: "linear" | "cosine";
  /** Number of diffusion steps T. */
  T: number;
  /** β_t, the variance of the noise added at step t; shape [T]. */
  betas: Float64Array;
  /** α_t = 1 − β_t; shape [T]. */
  alphas: Float64Array;
  /** ᾱ_t = Π_{s ≤ t} α_s, the signal fraction left after t steps; shape [T]. */
  alphaBars: Float64Array;
  /** ᾱ_{t−1} (ᾱ_0 = 1); shape [T]. */
  alphaBarsPrev: Float64Array;
  /** β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t, the variance of q(x_{t−1} | x_t, x_0); β̃_1 = 0; shape [T]. */
  posteriorVariances: Float64Array;
}

/** Builds the derived arrays of a schedule from its betas. */
function fromBetas(kind: Schedule["kind"], betas: Float64Array): Schedule {
  const T = betas.length;
  const alphas = new Float64Array(T);
  const alphaBars = new Float64Array(T);
  const alphaBarsPrev = new Float64Array(T);
  const posteriorVariances = new Float64Array(T);
  let prod = 1;
  for (let i = 0; i < T; i++) {
    alphas[i] = 1 - betas[i];
    alphaBarsPrev[i] = prod;
    prod *= alphas[i];
    alphaBars[i] = prod;
    // (7): β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t
    posteriorVariances[i] = ((1 - alphaBarsPrev[i]) / (1 - alphaBars[i])) * betas[i];
  }
  return { kind, T, betas, alphas, alphaBars, alphaBarsPrev, posteriorVariances };
}

/**
 * The linear schedule of Ho et al. (2020): β_t rises linearly from `betaStart` (t = 1) to
 * `betaEnd` (t = T).
 * @param T number of steps (default 1000)
 * @param betaStart β_1 (default 1e-4)
 * @param betaEnd β_T (default 0.02)
 */
export function linearSchedule(T = 1000, betaStart = 1e-4, betaEnd = 0.02): Schedule {
  assertInt(T, "T", 1);
  if (!(betaStart > 0 && betaEnd < 1 && betaStart <= betaEnd)) {
    throw new Error(`linearSchedule needs 0 < betaStart ≤ betaEnd < 1, got betaStart = ${betaStart}, betaEnd = ${betaEnd}`);
  }
  const betas = new Float64Array(T);
  for (let i = 0; i < T; i++) betas[i] = T === 1 ? betaStart : betaStart + ((betaEnd - betaStart) * i) / (T - 1);
  return fromBetas("linear", betas);
}

/**
 * The cosine schedule of Nichol & Dhariwal (2021), eq. (17): ᾱ(t) = f(t)/f(0) with
 * f(t) = cos²(((t/T) + s)/(1 + s) · π/2), so log-SNR falls almost linearly and the last steps are
 * not wasted on pure noise. As in their code, β_t = min(1 − f(t)/f(t − 1), `maxBeta`) and ᾱ is
 * the product of the clipped 1 − β.
 * @param T number of steps (default 1000)
 * @param s small offset that keeps β_1 from being tiny (default 0.008)
 * @param maxBeta clip for β near t = T (default 0.999)
 */
export function cosineSchedule(T = 1000, s = 0.008, maxBeta = 0.999): Schedule {
  assertInt(T, "T", 1);
  if (!(s >= 0)) throw new Error(`cosineSchedule needs s ≥ 0, got ${s}`);
  const f = (t: number) => Math.cos(((t / T + s) / (1 + s)) * (Math.PI / 2)) ** 2;
  const betas = new Float64Array(T);
  for (let i = 0; i < T; i++) betas[i] = Math.min(1 - f(i + 1) / f(i), maxBeta);
  return fromBetas("cosine", betas);
}

/** Checks that `t` is an integer step index of `schedule`. */
function checkStep(t: number, schedule: Schedule, name = "t"): void {
  assertInt(t, `${name} (a step index 0..T−1 with index i ↔ paper's t = i + 1)`, 0, schedule.T - 1);
}

/**
 * Gathers per-example coefficients `values[t_b]` and shapes them to broadcast over x: [B, 1, ...].
 * @param t step indices, shape [B]
 */
function perExample(values: Float64Array, t: tf.Tensor1D, rank: number): tf.Tensor {
  return tf.tidy(() => {
    const table = tf.tensor1d(Float32Array.from(values)); // [T]
    const c = tf.gather(table, t); // [B]
    return c.reshape([t.shape[0], ...new Array(rank - 1).fill(1)]); // [B, 1, ...]
  });
}

/** Checks a tensor of step indices t [B] against x [B, ...]. */
function checkSteps(t: tf.Tensor, x: tf.Tensor, schedule: Schedule): asserts t is tf.Tensor1D {
  assertTensor(t, "t");
  assertShape(t, [x.shape[0]], "t (one step index per example)", ["B"]);
  if (t.dtype !== "int32") throw new Error(`t must be an int32 tensor of step indices, got dtype ${t.dtype}`);
  const v = t.dataSync();
  for (let b = 0; b < v.length; b++) {
    if (v[b] < 0 || v[b] >= schedule.T) {
      throw new Error(`t[${b}] = ${v[b]} is not a step index 0..${schedule.T - 1} (index i ↔ paper's t = i + 1)`);
    }
  }
}

/** A tensor of step indices [B] from a number or a tensor. */
function stepsTensor(t: number | tf.Tensor1D, x: tf.Tensor, schedule: Schedule): tf.Tensor1D {
  if (typeof t === "number") {
    checkStep(t, schedule);
    return tf.fill([x.shape[0]], t, "int32") as tf.Tensor1D;
  }
  checkSteps(t, x, schedule);
  return t;
}

// ---------------------------------------------------------------------------------------------
// Forward process
// ---------------------------------------------------------------------------------------------

/**
 * Samples x_t from q(x_t | x_0) in one jump (Ho et al. eq. 4):
 *   x_t = √ᾱ_t · x_0 + √(1 − ᾱ_t) · ε,   ε ~ N(0, I)
 * @param x0 clean data, shape [B, ...] (e.g. [B, D] or [B, h, w])
 * @param t step indices, shape [B] int32 (or one number for the whole batch); index i ↔ t = i + 1
 * @param eps the noise ε, shape of x0
 * @returns x_t, shape of x0
 */
export function qSample(x0: tf.Tensor, t: number | tf.Tensor1D, eps: tf.Tensor, schedule: Schedule): tf.Tensor {
  assertTensor(x0, "x0");
  assertTensor(eps, "eps");
  assertShape(eps, x0.shape, "eps (the same shape as x0)");
  return tf.tidy(() => qSampleAt(x0, stepsTensor(t, x0, schedule), eps, schedule));
}

/** {@link qSample} for step indices already known to be valid (no read-back to check them). */
function qSampleAt(x0: tf.Tensor, t: tf.Tensor1D, eps: tf.Tensor, schedule: Schedule): tf.Tensor {
  return tf.tidy(() => {
    const sqrtAlphaBar = perExample(schedule.alphaBars.map(Math.sqrt), t, x0.rank); // [B, 1, ...]
    const sqrtOneMinusAlphaBar = perExample(
      schedule.alphaBars.map((a) => Math.sqrt(1 - a)),
      t,
      x0.rank,
    );
    return sqrtAlphaBar.mul(x0).add(sqrtOneMinusAlphaBar.mul(eps));
  });
}

/**
 * The forward-process posterior q(x_{t−1} | x_t, x_0) = N(μ̃_t, β̃_t I) (Ho et al. eqs. 6–7):
 *   μ̃_t = √ᾱ_{t−1} β_t / (1 − ᾱ_t) · x_0 + √α_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · x_t
 *   β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t
 * @param x0 shape [B, ...]
 * @param xt shape of x0
 * @param t step indices, shape [B] int32 (or one number)
 * @returns mean, shape of x0, and variance, shape [B, 1, ...] (broadcasts over x0)
 */
export function qPosterior(
  x0: tf.Tensor,
  xt: tf.Tensor,
  t: number | tf.Tensor1D,
  schedule: Schedule,
): { mean: tf.Tensor; variance: tf.Tensor } {
  assertTensor(x0, "x0");
  assertTensor(xt, "xt");
  assertShape(xt, x0.shape, "xt (the same shape as x0)");
  const { betas, alphas, alphaBars, alphaBarsPrev, posteriorVariances, T } = schedule;
  const coef0 = new Float64Array(T);
  const coefT = new Float64Array(T);
  for (let i = 0; i < T; i++) {
    coef0[i] = (Math.sqrt(alphaBarsPrev[i]) * betas[i]) / (1 - alphaBars[i]);
    coefT[i] = (Math.sqrt(alphas[i]) * (1 - alphaBarsPrev[i])) / (1 - alphaBars[i]);
  }
  return tf.tidy(() => {
    const tt = stepsTensor(t, x0, schedule);
    const mean = perExample(coef0, tt, x0.rank)
      .mul(x0)
      .add(perExample(coefT, tt, x0.rank).mul(xt));
    const variance = perExample(posteriorVariances, tt, x0.rank);
    return { mean, variance };
  });
}

// ---------------------------------------------------------------------------------------------
// The noise-prediction network ε_θ(x_t, t)
// ---------------------------------------------------------------------------------------------

/**
 * Sinusoidal embedding of the step index (Vaswani et al. 2017, as in Ho et al.):
 *   emb[b, k] = sin(t_b · ω_k),  emb[b, E/2 + k] = cos(t_b · ω_k),  ω_k = maxPeriod^(−k / (E/2))
 * Nearby steps get similar vectors; the network sees t at every scale from 1 to `maxPeriod`.
 * The sines and the cosines fill two halves, as in Ho et al.'s code; lib/attention.ts's
 * positionalEncoding interleaves them, as in Vaswani et al.'s paper. Same columns, another order.
 * @param t step indices, shape [B] (int32 or float32)
 * @param E embedding size, even
 * @param maxPeriod the longest wavelength (default 10000)
 * @returns shape [B, E]
 */
export function timeEmbedding(t: tf.Tensor1D, E: number, maxPeriod = 10000): tf.Tensor2D {
  assertTensor(t, "t");
  assertShape(t, [null], "t", ["B"]);
  assertInt(E, "E (embedding size, even)", 2);
  if (E % 2 !== 0) throw new Error(`E (embedding size) must be even, got ${E}`);
  const half = E / 2;
  return tf.tidy(() => {
    const omega = tf.tensor1d(Float32Array.from({ length: half }, (_, k) => Math.exp((-Math.log(maxPeriod) * k) / half))); // [E/2]
    const angles = t
      .toFloat()
      .reshape([-1, 1])
      .mul(omega.reshape([1, half])); // [B, E/2]
    return tf.concat([tf.sin(angles), tf.cos(angles)], 1) as tf.Tensor2D; // [B, E]
  });
}

/** A noise-prediction network: ε̂ = ε_θ(x_t, t). */
export interface EpsTheta {
  /**
   * Predicts the noise in x_t.
   * @param xt shape [B, D]
   * @param t step indices, shape [B] int32
   * @returns ε̂, shape [B, D]
   */
  (xt: tf.Tensor2D, t: tf.Tensor1D): tf.Tensor2D;
}

export interface EpsMLPOptions {
  /** Data features D (2 for points, h·w for flattened images). Required. */
  dataDim: number;
  /** Hidden layer widths (default [128, 128, 128]); with `residual`, one block per entry, all equal. */
  hidden?: number[];
  /** Time-embedding size E (default 16). */
  embedDim?: number;
  /** Give every hidden layer the time embedding too, not only the first (default false). */
  timeEveryLayer?: boolean;
  /**
   * Residual blocks instead of plain layers (default false): h ← h + W₂·relu(W₁·[relu(h), emb]),
   * which trains much better on images (every block sees the time embedding).
   */
  residual?: boolean;
}

/** An ε_θ made of plain variables, with its variables for the optimiser and a dispose. */
export interface EpsMLP {
  epsTheta: EpsTheta;
  /** Every trainable variable (weights [in, out] and biases [out]). */
  variables: tf.Variable[];
  /** Frees the variables. */
  dispose(): void;
}

/**
 * A small ε_θ on flat inputs.
 *
 * Plain (default): an MLP with ReLU on [x_t, timeEmbedding(t)] (with `timeEveryLayer`, each
 * hidden layer also sees the embedding):  (D + E) → hidden[0] → … → hidden[L−1] → D.
 *
 * Residual: h = W_in·[x_t, emb]; then per block h ← h + W₂·relu(W₁·[relu(h), emb]) (W₂ starts
 * small, so each block starts near the identity); ε̂ = W_out·relu(h).
 */
export function createEpsMLP(options: EpsMLPOptions): EpsMLP {
  const { dataDim: D, hidden = [128, 128, 128], embedDim: E = 16, timeEveryLayer = false, residual = false } = options;
  assertInt(D, "options.dataDim", 1);
  if (hidden.length === 0) throw new Error("options.hidden must list at least one hidden layer width");
  hidden.forEach((h, i) => assertInt(h, `options.hidden[${i}]`, 1));
  if (residual) return residualMLP(D, hidden, E);
  const layers: Dense[] = [];
  const sizes = [D, ...hidden, D];
  for (let l = 0; l < sizes.length - 1; l++) {
    const inDim = sizes[l] + (l === 0 || (timeEveryLayer && l < sizes.length - 2) ? E : 0);
    layers.push(dense(inDim, sizes[l + 1]));
  }
  const epsTheta: EpsTheta = (xt, t) => {
    assertShape(xt, [null, D], "xt", ["B", "D"]);
    assertShape(t, [xt.shape[0]], "t", ["B"]);
    return tf.tidy(() => {
      const emb = timeEmbedding(t, E); // [B, E]
      let h: tf.Tensor2D = xt;
      layers.forEach((layer, l) => {
        const last = l === layers.length - 1;
        const input = l === 0 || (timeEveryLayer && !last) ? (tf.concat([h, emb], 1) as tf.Tensor2D) : h; // [B, in]
        h = applyDense(layer, input, last ? "linear" : "relu");
      });
      return h; // [B, D]
    });
  };
  const variables = layers.flatMap(layerVariables);
  return { epsTheta, variables, dispose: () => tf.dispose(variables) };
}

/** The residual variant of `createEpsMLP` (see there). */
function residualMLP(D: number, hidden: number[], E: number): EpsMLP {
  const Hd = hidden[0];
  if (hidden.some((h) => h !== Hd)) throw new Error(`options.hidden must be all equal with residual: true, got [${hidden.join(", ")}]`);
  const input = dense(D + E, Hd);
  const blocks = hidden.map(() => ({ w1: dense(Hd + E, Hd), w2: dense(Hd, Hd, { scale: 0.1 }) }));
  const output = dense(Hd, D);
  const epsTheta: EpsTheta = (xt, t) => {
    assertShape(xt, [null, D], "xt", ["B", "D"]);
    assertShape(t, [xt.shape[0]], "t", ["B"]);
    return tf.tidy(() => {
      const emb = timeEmbedding(t, E); // [B, E]
      let h = applyDense(input, tf.concat([xt, emb], 1) as tf.Tensor2D); // [B, Hd]
      for (const { w1, w2 } of blocks) {
        const u = applyDense(w1, tf.concat([tf.relu(h), emb], 1) as tf.Tensor2D, "relu"); // [B, Hd]
        h = h.add(applyDense(w2, u)) as tf.Tensor2D; // [B, Hd]
      }
      return applyDense(output, tf.relu(h) as tf.Tensor2D); // [B, D]
    });
  };
  const variables = [input, ...blocks.flatMap((b) => [b.w1, b.w2]), output].flatMap(layerVariables);
  return { epsTheta, variables, dispose: () => tf.dispose(variables) };
}

// ---------------------------------------------------------------------------------------------
// Training objective
// ---------------------------------------------------------------------------------------------

export interface DiffusionLossOptions {
  /** Step indices [B] int32 (default: uniform over 0..T−1, one per example). */
  t?: tf.Tensor1D;
  /** The noise ε, shape of x0 (default: standard normal). */
  eps?: tf.Tensor;
}

/**
 * The simplified objective of Ho et al. (eq. 14, Algorithm 1), with a random step per example:
 *   L_simple = mean over b, d of (ε − ε_θ(√ᾱ_t x_0 + √(1 − ᾱ_t) ε, t))²
 * @param x0 clean data, shape [B, D]
 * @returns the loss, shape []
 */
export function diffusionLoss(epsTheta: EpsTheta, x0: tf.Tensor2D, schedule: Schedule, options: DiffusionLossOptions = {}): tf.Scalar {
  assertShape(x0, [null, null], "x0", ["B", "D"]);
  if (options.t !== undefined) checkSteps(options.t, x0, schedule);
  if (options.eps !== undefined) assertShape(options.eps, x0.shape, "options.eps (the same shape as x0)");
  return tf.tidy(() => {
    const [B] = x0.shape;
    // Drawn in range here, so no read-back to check it in the training loop's hot path.
    const t = options.t ?? (tf.randomUniform([B], 0, schedule.T, "int32") as tf.Tensor1D); // [B]
    const eps = options.eps ?? tf.randomNormal(x0.shape); // [B, D]
    const xt = qSampleAt(x0, t, eps, schedule) as tf.Tensor2D; // [B, D]
    return tf.mean(tf.square(eps.sub(epsTheta(xt, t)))) as tf.Scalar;
  });
}

// ---------------------------------------------------------------------------------------------
// Ancestral sampling (DDPM)
// ---------------------------------------------------------------------------------------------

export interface PSampleOptions {
  /** The fresh noise z, shape of xt (default: standard normal). Not used at t = 0. */
  z?: tf.Tensor;
  /**
   * σ_t² of p_θ(x_{t−1} | x_t): "beta" is β_t, "posterior" is β̃_t (Ho et al. found both
   * similar; default "beta").
   */
  variance?: "beta" | "posterior";
  /**
   * Clip the implied x̂_0 = (x_t − √(1 − ᾱ_t) ε̂)/√ᾱ_t to [lo, hi] and step with the posterior
   * mean μ̃_t(x_t, x̂_0), as Ho et al.'s code does for images in [−1, 1] (default: no clipping,
   * which gives exactly Algorithm 2).
   */
  clipX0?: [number, number];
}

/**
 * One step of ancestral sampling, x_{t−1} ~ p_θ(x_{t−1} | x_t) (Ho et al. Algorithm 2):
 *   x_{t−1} = 1/√α_t · (x_t − β_t/√(1 − ᾱ_t) · ε_θ(x_t, t)) + σ_t z,   z ~ N(0, I)
 * with no noise at the last step (t = 0 here, the paper's t = 1): it returns the mean.
 * @param xt shape [B, D]
 * @param t one step index for the whole batch, 0..T−1
 * @returns x_{t−1}, shape [B, D]
 */
export function pSample(epsTheta: EpsTheta, xt: tf.Tensor2D, t: number, schedule: Schedule, options: PSampleOptions = {}): tf.Tensor2D {
  assertShape(xt, [null, null], "xt", ["B", "D"]);
  checkStep(t, schedule);
  if (options.z) assertShape(options.z, xt.shape, "options.z (the same shape as xt)");
  const { betas, alphas, alphaBars, alphaBarsPrev, posteriorVariances } = schedule;
  const sigma2 = (options.variance ?? "beta") === "beta" ? betas[t] : posteriorVariances[t];
  return tf.tidy(() => {
    const tt = tf.fill([xt.shape[0]], t, "int32") as tf.Tensor1D; // [B]
    const epsHat = epsTheta(xt, tt); // [B, D]
    let mean: tf.Tensor2D;
    if (options.clipX0) {
      const [lo, hi] = options.clipX0;
      // x̂_0 from eq. (4) solved for x_0, clipped, then the posterior mean μ̃_t(x_t, x̂_0) of eq. (7)
      const x0Hat = xt
        .sub(epsHat.mul(Math.sqrt(1 - alphaBars[t])))
        .div(Math.sqrt(alphaBars[t]))
        .clipByValue(lo, hi);
      const coef0 = (Math.sqrt(alphaBarsPrev[t]) * betas[t]) / (1 - alphaBars[t]);
      const coefT = (Math.sqrt(alphas[t]) * (1 - alphaBarsPrev[t])) / (1 - alphaBars[t]);
      mean = x0Hat.mul(coef0).add(xt.mul(coefT)) as tf.Tensor2D;
    } else {
      // μ_θ = 1/√α_t · (x_t − β_t/√(1 − ᾱ_t) · ε̂)   (eq. 11)
      mean = xt.sub(epsHat.mul(betas[t] / Math.sqrt(1 - alphaBars[t]))).div(Math.sqrt(alphas[t])) as tf.Tensor2D;
    }
    if (t === 0) return mean; // the last step returns the mean: no noise
    const z = options.z ?? tf.randomNormal(xt.shape);
    return mean.add(z.mul(Math.sqrt(sigma2))) as tf.Tensor2D;
  });
}

export interface SampleLoopOptions {
  /** The starting noise x_T, shape [B, D] (default: standard normal). Read, not disposed. */
  xT?: tf.Tensor2D;
  /** Keep x every this many steps (and x_T and x_0) in `trajectory` (default 0: keep none). */
  keepEvery?: number;
  /** Called after each step with the step index just taken and the 0-based count (e.g. for progress). */
  onStep?: (t: number, k: number) => void;
}

export interface SampleLoopResult {
  /** The samples x_0, shape [B, D]. */
  x0: tf.Tensor2D;
  /** Snapshots of x, first x_T, last x_0, each [B, D] (the caller disposes them). */
  trajectory: tf.Tensor2D[];
  /** The paper's t of each snapshot (T for x_T, 0 for x_0). */
  trajectorySteps: number[];
}

/** Runs `step` from x_T down to x_0 over `ts` (descending step indices), keeping snapshots. */
function runLoop(
  shape: [number, number],
  ts: number[],
  options: SampleLoopOptions,
  step: (x: tf.Tensor2D, k: number) => tf.Tensor2D,
  T: number,
): SampleLoopResult {
  const { keepEvery = 0 } = options;
  assertInt(keepEvery, "options.keepEvery", 0);
  if (options.xT) assertShape(options.xT, shape, "options.xT", ["B", "D"]);
  let x = options.xT ? options.xT.clone() : (tf.randomNormal(shape) as tf.Tensor2D);
  const trajectory: tf.Tensor2D[] = [];
  const trajectorySteps: number[] = [];
  if (keepEvery > 0) {
    trajectory.push(x.clone());
    trajectorySteps.push(T);
  }
  ts.forEach((t, k) => {
    const next = step(x, k);
    x.dispose();
    x = next;
    options.onStep?.(t, k);
    const last = k === ts.length - 1;
    if (keepEvery > 0 && (last || (k + 1) % keepEvery === 0)) {
      trajectory.push(x.clone());
      trajectorySteps.push(last ? 0 : t);
    }
  });
  return { x0: x, trajectory, trajectorySteps };
}

/**
 * Ancestral sampling (Ho et al. Algorithm 2): x_T ~ N(0, I), then `pSample` for
 * t = T−1, …, 0 (the paper's T, …, 1).
 * @param shape [B, D] of the samples
 */
export function pSampleLoop(
  epsTheta: EpsTheta,
  shape: [number, number],
  schedule: Schedule,
  options: SampleLoopOptions & Pick<PSampleOptions, "variance" | "clipX0"> = {},
): SampleLoopResult {
  const ts = Array.from({ length: schedule.T }, (_, k) => schedule.T - 1 - k);
  const { variance, clipX0 } = options;
  return runLoop(shape, ts, options, (x, k) => pSample(epsTheta, x, ts[k], schedule, { variance, clipX0 }), schedule.T);
}

// ---------------------------------------------------------------------------------------------
// DDIM (Song et al. 2021)
// ---------------------------------------------------------------------------------------------

export interface DDIMStepOptions {
  /** η: 0 is deterministic DDIM, 1 matches DDPM's posterior variance (default 0). */
  eta?: number;
  /** Fresh noise z, shape of xt (default: standard normal; only drawn when σ > 0). */
  z?: tf.Tensor;
  /** Clip x̂_0 to [lo, hi] and use the ε̂ it implies (default: no clipping). */
  clipX0?: [number, number];
}

/**
 * One DDIM step from step t to an earlier step tPrev (Song et al. eq. 12):
 *   x̂_0 = (x_t − √(1 − ᾱ_t) ε̂) / √ᾱ_t
 *   σ   = η · √((1 − ᾱ_prev)/(1 − ᾱ_t)) · √(1 − ᾱ_t/ᾱ_prev)
 *   x_prev = √ᾱ_prev · x̂_0 + √(1 − ᾱ_prev − σ²) · ε̂ + σ z
 * tPrev = −1 means "to x_0" (ᾱ_prev = ᾱ_0 = 1): the step returns x̂_0.
 * @param xt shape [B, D]
 * @param t step index 0..T−1
 * @param tPrev step index −1..t−1
 * @returns x_prev, shape [B, D]
 */
export function ddimStep(
  epsTheta: EpsTheta,
  xt: tf.Tensor2D,
  t: number,
  tPrev: number,
  schedule: Schedule,
  options: DDIMStepOptions = {},
): tf.Tensor2D {
  assertShape(xt, [null, null], "xt", ["B", "D"]);
  checkStep(t, schedule);
  assertInt(tPrev, "tPrev (a step index below t, or −1 for x_0)", -1, t - 1);
  const { eta = 0 } = options;
  if (!(eta >= 0)) throw new Error(`options.eta must be ≥ 0, got ${eta}`);
  const alphaBar = schedule.alphaBars[t];
  const alphaBarPrev = tPrev >= 0 ? schedule.alphaBars[tPrev] : 1;
  const sigma = eta * Math.sqrt((1 - alphaBarPrev) / (1 - alphaBar)) * Math.sqrt(1 - alphaBar / alphaBarPrev);
  return tf.tidy(() => {
    const tt = tf.fill([xt.shape[0]], t, "int32") as tf.Tensor1D; // [B]
    let epsHat = epsTheta(xt, tt); // [B, D]
    let x0Hat = xt.sub(epsHat.mul(Math.sqrt(1 - alphaBar))).div(Math.sqrt(alphaBar)) as tf.Tensor2D;
    if (options.clipX0) {
      x0Hat = x0Hat.clipByValue(options.clipX0[0], options.clipX0[1]) as tf.Tensor2D;
      // The noise that the clipped x̂_0 implies, so that x_t = √ᾱ_t x̂_0 + √(1 − ᾱ_t) ε̂ still holds.
      epsHat = xt.sub(x0Hat.mul(Math.sqrt(alphaBar))).div(Math.sqrt(1 - alphaBar)) as tf.Tensor2D;
    }
    let out = x0Hat.mul(Math.sqrt(alphaBarPrev)).add(epsHat.mul(Math.sqrt(Math.max(0, 1 - alphaBarPrev - sigma * sigma))));
    if (sigma > 0) out = out.add((options.z ?? tf.randomNormal(xt.shape)).mul(sigma));
    return out as tf.Tensor2D;
  });
}

/**
 * The S step indices DDIM visits, descending, evenly spaced and ending at T − 1
 * ("trailing" spacing): t_k = round((k + 1)·T/S) − 1, e.g. T = 1000, S = 10 → 999, 899, …, 99.
 */
export function ddimTimesteps(T: number, S: number): number[] {
  assertInt(S, "steps S", 1, T);
  const out: number[] = [];
  for (let k = S - 1; k >= 0; k--) out.push(Math.round(((k + 1) * T) / S) - 1);
  return out;
}

/**
 * DDIM sampling with S ≤ T steps: `ddimStep` along `ddimTimesteps(T, S)`, the last step to x_0.
 * @param shape [B, D] of the samples
 */
export function ddimSampleLoop(
  epsTheta: EpsTheta,
  shape: [number, number],
  schedule: Schedule,
  options: SampleLoopOptions & { steps?: number; eta?: number; clipX0?: [number, number] } = {},
): SampleLoopResult {
  const { steps = 50, eta = 0, clipX0 } = options;
  const ts = ddimTimesteps(schedule.T, steps);
  return runLoop(
    shape,
    ts,
    options,
    (x, k) => ddimStep(epsTheta, x, ts[k], k + 1 < ts.length ? ts[k + 1] : -1, schedule, { eta, clipX0 }),
    schedule.T,
  );
}

// ---------------------------------------------------------------------------------------------
// Inpainting (RePaint)
// ---------------------------------------------------------------------------------------------

export interface InpaintOptions {
  /** RePaint's resampling: repeat each step this many times, re-noising in between (default 1: none). */
  resample?: number;
  /** σ_t² choice, as in `pSample` (default "beta"). */
  variance?: "beta" | "posterior";
  /** Clip x̂_0 to [lo, hi], as in `pSample` (default: no clipping). */
  clipX0?: [number, number];
  /** The starting noise x_T, shape [B, D] (default: standard normal). */
  xT?: tf.Tensor2D;
}

/**
 * Inpainting with an unconditional model (RePaint, Lugmayr et al. 2022, Algorithm 1): at every
 * reverse step the known pixels are replaced by the known image noised to the same level,
 *   x_{t−1} = m ⊙ q-sample(x_0^known, t − 1) + (1 − m) ⊙ pSample(x_t),
 * so the model only ever generates the unknown part, in harmony with a consistent noisy context.
 * With `resample` = U > 1 each step is repeated U times, going back with one forward step
 * x_t = √α_t x_{t−1} + √β_t z in between, which lets the two parts agree better.
 * @param known the image with its known pixels, shape [B, D] (values where mask = 0 are ignored)
 * @param mask 1 where a pixel is known, 0 where it is to be generated, shape [B, D] or [1, D]
 * @returns the completed images, shape [B, D] (exactly `known` where mask = 1)
 */
export function inpaint(
  epsTheta: EpsTheta,
  known: tf.Tensor2D,
  mask: tf.Tensor2D,
  schedule: Schedule,
  options: InpaintOptions = {},
): tf.Tensor2D {
  assertShape(known, [null, null], "known", ["B", "D"]);
  assertShape(mask, [null, known.shape[1]], "mask", ["B or 1", "D"]);
  if (mask.shape[0] !== 1 && mask.shape[0] !== known.shape[0]) {
    throw new Error(`mask must have shape [1, D] or [B, D] = [${known.shape.join(", ")}], got [${mask.shape.join(", ")}]`);
  }
  const { resample = 1, variance, clipX0 } = options;
  assertInt(resample, "options.resample", 1);
  if (options.xT) assertShape(options.xT, known.shape, "options.xT", ["B", "D"]);
  const { T, alphas, betas } = schedule;
  let x = options.xT ? options.xT.clone() : (tf.randomNormal(known.shape) as tf.Tensor2D);
  for (let t = T - 1; t >= 0; t--) {
    for (let u = 0; u < resample; u++) {
      const next = tf.tidy(() => {
        const unknownPart = pSample(epsTheta, x, t, schedule, { variance, clipX0 }); // [B, D]
        // The known part at noise level t − 1 (no noise at all for t = 0, i.e. x_0 itself).
        const knownPart = t > 0 ? qSample(known, t - 1, tf.randomNormal(known.shape), schedule) : known;
        const xPrev = mask.mul(knownPart).add(tf.sub(1, mask).mul(unknownPart)) as tf.Tensor2D;
        if (u === resample - 1 || t === 0) return xPrev;
        // Back to x_t with one forward step: q(x_t | x_{t−1}) = N(√α_t x_{t−1}, β_t I)
        return xPrev.mul(Math.sqrt(alphas[t])).add(tf.randomNormal(known.shape).mul(Math.sqrt(betas[t]))) as tf.Tensor2D;
      });
      x.dispose();
      x = next;
      if (t === 0) break;
    }
  }
  return x;
}

// ---------------------------------------------------------------------------------------------
// The variational bound (a likelihood)
// ---------------------------------------------------------------------------------------------

export interface VariationalBoundOptions {
  /**
   * How Σ_{t=2}^{T} L_{t−1} is computed: a number K draws K steps t uniformly from 2..T per image
   * and takes (T − 1)·mean (an unbiased Monte-Carlo estimate, K network calls per image;
   * default 8); "all" sums every step exactly (T − 1 calls per image).
   */
  steps?: number | "all";
  /** σ_t² of p_θ(x_{t−1} | x_t), as in `pSample` (default "beta"). */
  variance?: "beta" | "posterior";
  /** With steps "all" only: the noise ε of step index i in row i, shape [T, B, D] (default: fresh draws). */
  eps?: tf.Tensor3D;
}

/** The three parts of the bound per image, in nats, and their sum. */
export interface VariationalBound {
  /** L_T = KL(q(x_T | x_0) ‖ N(0, I)), shape [B]. */
  prior: Float64Array;
  /** Σ_{t=2}^{T} L_{t−1}, L_{t−1} = KL(q(x_{t−1} | x_t, x_0) ‖ p_θ(x_{t−1} | x_t)) (estimated unless steps "all"), shape [B]. */
  diffusion: Float64Array;
  /** L_0 = −log p_θ(x_0 | x_1), the discretised Gaussian decoder over 256 levels, shape [B]. */
  decoder: Float64Array;
  /** The bound on −log p_θ(x_0): the sum of the three, shape [B]. */
  total: Float64Array;
}

/**
 * The variational bound of Ho et al. (eq. 5) on 8-bit images scaled to [−1, 1]:
 *   −log p_θ(x_0) ≤ L_T + Σ_{t=2}^{T} L_{t−1} + L_0,
 *   L_{t−1} = Σ_d ½ log(σ_t²/β̃_t) + (β̃_t + (μ̃_t − μ_θ)²)/(2σ_t²) − ½,
 *   μ̃_t − μ_θ = β_t/(√α_t·√(1 − ᾱ_t)) · (ε_θ(x_t, t) − ε),   x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε,
 * and the decoder p_θ(x_0 | x_1) = Π_d ∫ N(x; μ_θ(x_1, 1), β_1) over the pixel's bin of width
 * 2/255 (the end bins reach to ±∞), Ho et al. eq. (13). In nats per image; lib/metrics's
 * `likelihoodUnits` turns them into bits/dim.
 * @param x0 shape [B, D], every value on the 256-level grid −1 + 2k/255
 */
export function variationalBound(
  epsTheta: EpsTheta,
  x0: tf.Tensor2D,
  schedule: Schedule,
  options: VariationalBoundOptions = {},
): VariationalBound {
  assertShape(x0, [null, null], "x0", ["B", "D"]);
  const [B, D] = x0.shape;
  const { T, betas, alphas, alphaBars, posteriorVariances } = schedule;
  const steps = options.steps ?? 8;
  if (steps !== "all") assertInt(steps, 'options.steps (draws per image, or "all")', 1);
  if (options.eps && steps !== "all") throw new Error('options.eps needs options.steps: "all"');
  if (options.eps) assertShape(options.eps, [T, B, D], "options.eps", ["T", "B", "D"]);
  if (T < 2) throw new Error(`variationalBound needs T ≥ 2 steps, got ${T}`);
  const x = x0.dataSync();
  for (let j = 0; j < x.length; j++) {
    const k = ((x[j] + 1) / 2) * 255;
    if (!(Math.abs(k - Math.round(k)) < 1e-3 && k > -1e-3 && k < 255 + 1e-3))
      throw new Error(`x0 must be 8-bit images scaled to [−1, 1] (values −1 + 2k/255), got ${x[j]} at index ${j}`);
  }
  const variance = options.variance ?? "beta";
  const noiseAt = (i: number) =>
    options.eps
      ? (tf.tidy(() => options.eps!.slice([i, 0, 0], [1, B, D]).reshape([B, D])) as tf.Tensor2D)
      : (tf.randomNormal([B, D]) as tf.Tensor2D);

  // L_T, closed form: KL(N(m, v) ‖ N(0, 1)) = ½ (m² + v − 1 − log v), m = √ᾱ_T x_0, v = 1 − ᾱ_T.
  const aT = alphaBars[T - 1];
  const prior = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let d = 0; d < D; d++) s += 0.5 * (aT * x[b * D + d] ** 2 + (1 - aT) - 1 - Math.log(1 - aT));
    prior[b] = s;
  }

  /** Σ_d (ε̂ − ε)² per image at step indices i[b] (each ≥ 1). */
  const squaredErrors = (iPerRow: number[], eps: tf.Tensor2D): Float64Array => {
    const err = tf.tidy(() => {
      const t = tf.tensor1d(iPerRow, "int32"); // [B]
      const xt = qSampleAt(x0, t, eps, schedule) as tf.Tensor2D; // [B, D]
      return tf.sum(tf.square(epsTheta(xt, t).sub(eps)), 1); // [B]
    });
    const out = Float64Array.from(err.dataSync());
    err.dispose();
    return out;
  };
  /** L_{t−1} for one image at step index i ≥ 1 from Σ_d (ε̂ − ε)². */
  const klAt = (i: number, se: number) => {
    const bt = posteriorVariances[i];
    const s2 = variance === "beta" ? betas[i] : bt;
    const c = betas[i] ** 2 / (alphas[i] * (1 - alphaBars[i])); // (μ̃ − μ_θ)² = c·(ε̂ − ε)²
    return D * (0.5 * Math.log(s2 / bt) + bt / (2 * s2) - 0.5) + (c * se) / (2 * s2);
  };

  const diffusion = new Float64Array(B);
  if (steps === "all") {
    for (let i = 1; i < T; i++) {
      const eps = noiseAt(i);
      const se = squaredErrors(new Array(B).fill(i), eps);
      eps.dispose();
      for (let b = 0; b < B; b++) diffusion[b] += klAt(i, se[b]);
    }
  } else {
    for (let k = 0; k < steps; k++) {
      const iPerRow = Array.from({ length: B }, () => 1 + Math.floor(Math.random() * (T - 1))); // uniform over 1..T−1 (t = 2..T)
      const eps = tf.randomNormal([B, D]) as tf.Tensor2D;
      const se = squaredErrors(iPerRow, eps);
      eps.dispose();
      for (let b = 0; b < B; b++) diffusion[b] += ((T - 1) * klAt(iPerRow[b], se[b])) / steps;
    }
  }

  // L_0: the discretised Gaussian N(μ_θ(x_1, 1), β_1) over each pixel's bin.
  const eps0 = noiseAt(0);
  const muTensor = tf.tidy(() => {
    const t = tf.fill([B], 0, "int32") as tf.Tensor1D;
    const x1 = qSampleAt(x0, t, eps0, schedule) as tf.Tensor2D; // [B, D]
    return x1.sub(epsTheta(x1, t).mul(betas[0] / Math.sqrt(1 - alphaBars[0]))).div(Math.sqrt(alphas[0])); // μ_θ(x_1, 1) [B, D]
  });
  const mu = muTensor.dataSync();
  tf.dispose([muTensor, eps0]);
  const sigma = Math.sqrt(betas[0]);
  const cdf = (z: number) => 0.5 * erfc(-z / Math.SQRT2);
  const decoder = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let d = 0; d < D; d++) {
      const v = x[b * D + d];
      const m = mu[b * D + d];
      const upper = v > 1 - 1e-6 ? 1 : cdf((v + 1 / 255 - m) / sigma);
      const lower = v < -1 + 1e-6 ? 0 : cdf((v - 1 / 255 - m) / sigma);
      s -= Math.log(Math.max(upper - lower, 1e-12));
    }
    decoder[b] = s;
  }
  const total = prior.map((p, b) => p + diffusion[b] + decoder[b]);
  return { prior, diffusion, decoder, total };
}
