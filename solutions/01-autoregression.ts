/**
 * Stage 01 exercises: linear autoregression by hand (notebooks/01-autoregression.ipynb,
 * "Exercises"). Completed versions; the learner writes them in exercises/01-autoregression.ts.
 *
 * Plain number arrays in and out, as in lib/autoregression.ts (which has the library versions:
 * `difference`, `integrate` and `acf` with the same signatures, and `fitAR`, `forecast`,
 * `simulate`). A series may also be given as a tf.Tensor1D (lib's `SeriesInput`): the given
 * `toNumbers` below reads either kind into a plain array.
 *
 * The model: x_t = intercept + Σ_{i=1..p} phi_i x_{t−i} + e_t,   e_t ~ N(0, sigma2).
 * phi[0] is phi_1, the weight of the most recent value x_{t−1}.
 * 01.7 adds q past shocks, + Σ_{j=1..q} theta_j e_{t−j}: the ARMA(p, q) of the notebook's section 10.
 *
 * Shapes: T series length, p AR order, q MA order, n values drawn.
 */
import * as tf from "@tensorflow/tfjs";
import { assertFinite, assertInt } from "../lib/assert";
import type { SeriesInput } from "../lib/autoregression";
import { solveLinearSystem } from "../lib/numerics";

/** The parameters of an AR(p) (a fitted model from lib's `fitAR` has these fields too). */
export interface ARParams {
  /** The constant term. */
  intercept: number;
  /** phi_1..phi_p; phi[0] multiplies x_{t−1}; shape [p]. */
  phi: number[];
}

/** Given (not an exercise): a series as a plain array of numbers (a tf.Tensor1D is read back), checked finite. */
function toNumbers(x: SeriesInput, name: string): number[] {
  const values = x instanceof tf.Tensor ? Array.from(x.dataSync()) : Array.from(x);
  assertFinite(values, name);
  return values;
}

/**
 * 01.1 The first difference: how much the series moved at each step, taken d times.
 *
 *   w_t = x_{t+1} − x_t,   t = 0..T−2           (d = 1)
 *
 * d = 2 differences w again (the change of the change), d = 0 returns x itself.
 *
 * @param x shape [T]
 * @param d number of differences, an integer in [0, T − 1] (default 1)
 * @returns w, shape [T − d]
 */
export function difference(x: SeriesInput, d = 1): number[] {
  let w = toNumbers(x, "x");
  assertInt(d, "d (the number of differences, at most T − 1)", 0, w.length - 1);
  for (let k = 0; k < d; k++) {
    const next: number[] = [];
    for (let t = 0; t + 1 < w.length; t++) next.push(w[t + 1] - w[t]);
    w = next;
  }
  return w;
}

/**
 * 01.2 Undoes `difference`: rebuilds the series from its d-times differences and its first d
 * values (d = start.length). For d = 1:
 *
 *   x_0 = start[0],   x_{t+1} = x_t + w_t
 *
 * so integrate(difference(x), [x[0]]) gives x back, and integrate(difference(x, d), x.slice(0, d))
 * too: level by level, from the d-times differenced series up to x, each level's first value
 * being difference(start, k)[0] for level k.
 * @param w shape [T − d], the d-times differenced series
 * @param start shape [d], the first d values of x (for d = 1: [x_0], the value the series starts from)
 * @returns x, shape [T] (start first)
 */
export function integrate(w: SeriesInput, start: ArrayLike<number>): number[] {
  let x = toNumbers(w, "w");
  if (start === null || typeof start !== "object" || typeof start.length !== "number") {
    throw new Error(`start must be an array of the first d values of x, got ${start === null ? "null" : typeof start}`);
  }
  const s = Array.from(start);
  assertFinite(s, "start");
  for (let k = s.length - 1; k >= 0; k--) {
    const up = [difference(s, k)[0]]; // the first value of x differenced k times
    for (let t = 0; t < x.length; t++) up.push(up[t] + x[t]);
    x = up; // x differenced k times
  }
  return x;
}

/**
 * 01.3 Sample autocorrelations rho_0..rho_nlags: how strongly x_t goes with x_{t−k}.
 *
 *   x̄ = (1/T) Σ_t x_t
 *   gamma_k = (1/T) Σ_{t=k}^{T−1} (x_t − x̄)(x_{t−k} − x̄)    (divide by T at every lag)
 *   rho_k = gamma_k / gamma_0                                  (so rho_0 = 1)
 *
 * @param x shape [T], not constant
 * @param nlags an integer in [0, T − 1]
 * @returns shape [nlags + 1]
 */
export function acf(x: SeriesInput, nlags: number): number[] {
  const values = toNumbers(x, "x");
  const T = values.length;
  assertInt(nlags, "nlags", 0, T - 1);
  const mean = values.reduce((s, v) => s + v, 0) / T;
  const z = values.map((v) => v - mean);
  const gamma: number[] = [];
  for (let k = 0; k <= nlags; k++) {
    let s = 0;
    for (let t = k; t < T; t++) s += z[t] * z[t - k];
    gamma.push(s / T);
  }
  if (gamma[0] === 0) throw new Error("x is constant: its autocorrelation is undefined");
  return gamma.map((g) => g / gamma[0]);
}

/**
 * 01.4 Fits an AR(p) with intercept by least squares, conditional on the first p values: one
 * equation per t = p..T−1, solved through the normal equations.
 *
 *   row t of X:  [1, x_{t−1}, x_{t−2}, …, x_{t−p}]       X shape [T − p, p + 1]
 *   y_t = x_t                                          y shape [T − p]
 *   (Xᵀ X) beta = Xᵀ y,   beta = [intercept, phi_1, …, phi_p]
 *
 * @param x shape [T], T − p > p + 1 (more equations than coefficients)
 * @param p AR order, an integer ≥ 1
 */
export function fitARLeastSquares(x: number[], p: number): ARParams {
  assertFinite(x, "x");
  assertInt(p, "p", 1);
  const T = x.length;
  if (T - p <= p + 1) {
    throw new Error(
      `p = ${p} is too large for a series of length ${T}: there are T − p = ${T - p} equations for p + 1 = ${p + 1} coefficients`,
    );
  }
  const X: number[][] = [];
  const y: number[] = [];
  for (let t = p; t < T; t++) {
    const row = [1];
    for (let i = 1; i <= p; i++) row.push(x[t - i]);
    X.push(row);
    y.push(x[t]);
  }
  const K = p + 1;
  const XtX = Array.from({ length: K }, () => new Array<number>(K).fill(0)); // [K, K]
  const Xty = new Array<number>(K).fill(0); // [K]
  for (let r = 0; r < X.length; r++) {
    for (let a = 0; a < K; a++) {
      Xty[a] += X[r][a] * y[r];
      for (let b = 0; b < K; b++) XtX[a][b] += X[r][a] * X[r][b];
    }
  }
  const beta = solveLinearSystem(XtX, Xty);
  return { intercept: beta[0], phi: beta.slice(1) };
}

/**
 * 01.5 The one-step forecast: the model's mean of the next value given the history.
 *
 *   x̂_T = intercept + Σ_{i=1..p} phi_i x_{T−i}      (phi_1 with the LAST value x_{T−1})
 *
 * @param model intercept and phi (shape [p])
 * @param history shape [T], T ≥ p
 */
export function forecastNext(model: ARParams, history: number[]): number {
  const { intercept, phi } = model;
  assertFinite(phi, "model.phi");
  assertFinite(history, "history");
  const p = phi.length;
  const T = history.length;
  if (T < p) throw new Error(`history has ${T} values but an AR(${p}) needs the last p = ${p}`);
  let mean = intercept;
  for (let i = 1; i <= p; i++) mean += phi[i - 1] * history[T - i];
  return mean;
}

/**
 * 01.6 Samples a series from an AR(p): each new value is the model's mean given the values
 * before it (the start, then the values already drawn) plus a shock sigma · z_t.
 *
 *   x_t = intercept + Σ_{i=1..p} phi_i x_{t−i} + sqrt(sigma2) · z_t
 *
 * The standard-normal draws z are given, so the result is deterministic.
 * @param model intercept, phi (shape [p]) and sigma2, the variance of the shocks
 * @param start shape [p], the p values the series starts from (oldest first)
 * @param z shape [n], standard-normal draws, one per new value
 * @returns shape [n], the n new values (start not included)
 */
export function sampleAR(model: ARParams & { sigma2: number }, start: number[], z: number[]): number[] {
  const { intercept, phi, sigma2 } = model;
  assertFinite(phi, "model.phi");
  if (!(sigma2 >= 0)) throw new Error(`model.sigma2 must be a variance ≥ 0, got ${sigma2}`);
  assertFinite(start, "start");
  assertFinite(z, "z");
  const p = phi.length;
  if (start.length !== p) throw new Error(`start must hold p = ${p} values (one per lag), got ${start.length}`);
  const sigma = Math.sqrt(sigma2);
  const x = start.slice();
  for (let k = 0; k < z.length; k++) {
    const t = x.length;
    let value = intercept + sigma * z[k];
    for (let i = 1; i <= p; i++) value += phi[i - 1] * x[t - i];
    x.push(value);
  }
  return x.slice(p);
}

/** An ARMA(p, q)'s parameters: the AR part of {@link ARParams}, the MA weights and the shock variance. */
export interface ARMAParams extends ARParams {
  /** theta_1..theta_q; theta[0] multiplies e_{t−1}, the previous shock; shape [q]. */
  theta: number[];
  /** The variance of the shocks e_t. */
  sigma2: number;
}

/**
 * 01.7 Build it: samples a path of an ARMA(p, q), the model of the notebook's section 10 before its
 * integration (lib's `simulate` does this with its own random draws). The standard-normal draws z
 * are given, so the path is checkable by hand.
 *
 *   e_t = sqrt(sigma2) · z_t                                              the shock of step t
 *   x_t = intercept + Σ_{i=1..p} phi_i x_{t−i} + e_t + Σ_{j=1..q} theta_j e_{t−j}
 *
 * The start (the pre-sample): the p values before t = 0 are the process mean
 * mu = intercept / (1 − Σ phi), and every shock before t = 0 is 0. Run one step per z (t = 0..n − 1
 * for n = z.length), then drop the first burnIn values, which still remember that artificial start,
 * and return the rest.
 *
 * @param model intercept, phi (shape [p]), theta (shape [q]) and sigma2; Σ phi ≠ 1
 * @param z shape [n], standard-normal draws, one per step
 * @param burnIn how many of the first values to drop, an integer in [0, n] (default 0)
 * @returns shape [n − burnIn]
 */
export function sampleARMA(model: ARMAParams, z: number[], burnIn = 0): number[] {
  const { intercept, phi, theta, sigma2 } = model;
  assertFinite(phi, "model.phi");
  assertFinite(theta, "model.theta");
  assertFinite(z, "z");
  if (!(sigma2 >= 0)) throw new Error(`model.sigma2 must be a variance ≥ 0, got ${sigma2}`);
  assertInt(burnIn, "burnIn", 0, z.length);
  const p = phi.length;
  const q = theta.length;
  const sumPhi = phi.reduce((s, v) => s + v, 0);
  if (sumPhi === 1) throw new Error("Σ phi = 1: the process has no mean to start from (a unit root; difference the series first)");
  const mu = intercept / (1 - sumPhi);
  const sigma = Math.sqrt(sigma2);
  const x = new Array<number>(p).fill(mu); // the pre-sample values, then x_0, x_1, …
  const e = new Array<number>(p).fill(0); // the pre-sample shocks, then e_0, e_1, … (aligned with x)
  for (let k = 0; k < z.length; k++) {
    const t = x.length;
    const shock = sigma * z[k];
    let value = intercept + shock;
    for (let i = 1; i <= p; i++) value += phi[i - 1] * x[t - i];
    for (let j = 1; j <= q; j++) if (t - j >= 0) value += theta[j - 1] * e[t - j]; // shocks before e's start are 0
    x.push(value);
    e.push(shock);
  }
  return x.slice(p + burnIn);
}
