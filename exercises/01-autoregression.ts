/**
 * Stage 01 exercises: linear autoregression by hand (notebooks/01-autoregression.ipynb,
 * "Exercises"). Replace each `throw new Error("TODO ...")` with your code, then run
 * `npm run check -- 01` (or `await checkExercises("01")` in the notebook).
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
 * Hint: read x with `toNumbers(x, "x")` and check d with `assertInt(d, "d", 0, T − 1)`; then d times,
 * a loop over t = 0..T−2 pushing w[t + 1] − w[t] makes the next, one value shorter, array.
 *
 * @param x shape [T]
 * @param d number of differences, an integer in [0, T − 1] (default 1)
 * @returns w, shape [T − d]
 */
export function difference(x: SeriesInput, d = 1): number[] {
  throw new Error("TODO 01.1: return w with w[t] = x[t + 1] − x[t], one value shorter than x, and repeat that d times");
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
 *
 * Hint: for d = 1, start the output with start[0], then keep adding the next difference to the
 * last value: the result is one value LONGER than w. For d values, do that d times, for
 * k = d − 1 down to 0, each time starting from difference(start, k)[0]. Read w with `toNumbers`.
 *
 * @param w shape [T − d], the d-times differenced series
 * @param start shape [d], the first d values of x (for d = 1: [x_0], the value the series starts from)
 * @returns x, shape [T] (start first)
 */
export function integrate(w: SeriesInput, start: ArrayLike<number>): number[] {
  throw new Error("TODO 01.2: for d = 1 return [start[0], start[0] + w[0], start[0] + w[0] + w[1], …]; d = start.length levels");
}

/**
 * 01.3 Sample autocorrelations rho_0..rho_nlags: how strongly x_t goes with x_{t−k}.
 *
 *   x̄ = (1/T) Σ_t x_t
 *   gamma_k = (1/T) Σ_{t=k}^{T−1} (x_t − x̄)(x_{t−k} − x̄)    (divide by T at every lag)
 *   rho_k = gamma_k / gamma_0                                  (so rho_0 = 1)
 *
 * Hint: read x with `toNumbers(x, "x")`, subtract the mean once, then for each lag k sum z[t]·z[t − k] over t = k..T−1 and divide
 * by T (not T − k); finally divide every gamma_k by gamma_0.
 *
 * @param x shape [T], not constant
 * @param nlags an integer in [0, T − 1]
 * @returns shape [nlags + 1]
 */
export function acf(x: SeriesInput, nlags: number): number[] {
  throw new Error("TODO 01.3: return [rho_0 = 1, rho_1, …, rho_nlags] with the denominator-T autocovariances");
}

/**
 * 01.4 Fits an AR(p) with intercept by least squares, conditional on the first p values: one
 * equation per t = p..T−1, solved through the normal equations.
 *
 *   row t of X:  [1, x_{t−1}, x_{t−2}, …, x_{t−p}]       X shape [T − p, p + 1]
 *   y_t = x_t                                          y shape [T − p]
 *   (Xᵀ X) beta = Xᵀ y,   beta = [intercept, phi_1, …, phi_p]
 *
 * Hint: build X and y in one loop over t = p..T−1 (row = [1, x[t − 1], …, x[t − p]]: lag i is
 * x[t − i] for i = 1..p), accumulate XᵀX (shape [p + 1, p + 1]) and Xᵀy (shape [p + 1]), then
 * `solveLinearSystem(XtX, Xty)` (from lib/numerics.ts, imported above) returns [intercept, phi_1, …, phi_p].
 *
 * @param x shape [T], T − p > p + 1 (more equations than coefficients)
 * @param p AR order, an integer ≥ 1
 */
export function fitARLeastSquares(x: number[], p: number): ARParams {
  throw new Error("TODO 01.4: build X = [1, x_{t−1}, …, x_{t−p}] and y = x_t, solve (XᵀX) beta = Xᵀy");
}

/**
 * 01.5 The one-step forecast: the model's mean of the next value given the history.
 *
 *   x̂_T = intercept + Σ_{i=1..p} phi_i x_{T−i}      (phi_1 with the LAST value x_{T−1})
 *
 * Hint: the last value of history is history[T − 1]; phi[i − 1] multiplies history[T − i].
 *
 * @param model intercept and phi (shape [p])
 * @param history shape [T], T ≥ p
 */
export function forecastNext(model: ARParams, history: number[]): number {
  throw new Error("TODO 01.5: return intercept + Σ phi_i · history[T − i]");
}

/**
 * 01.6 Samples a series from an AR(p): each new value is the model's mean given the values
 * before it (the start, then the values already drawn) plus a shock sigma · z_t.
 *
 *   x_t = intercept + Σ_{i=1..p} phi_i x_{t−i} + sqrt(sigma2) · z_t
 *
 * The standard-normal draws z are given, so the result is deterministic.
 *
 * Hint: copy start into a working array x; for each z[k] compute the mean from the last p values
 * of x (exactly as `forecastNext` does), add Math.sqrt(sigma2) · z[k], push it onto x. Feed
 * the values you drew back in: they are the history of the next step. Return x without start.
 *
 * @param model intercept, phi (shape [p]) and sigma2, the variance of the shocks
 * @param start shape [p], the p values the series starts from (oldest first)
 * @param z shape [n], standard-normal draws, one per new value
 * @returns shape [n], the n new values (start not included)
 */
export function sampleAR(model: ARParams & { sigma2: number }, start: number[], z: number[]): number[] {
  throw new Error("TODO 01.6: draw x_t = intercept + Σ phi_i x_{t−i} + sqrt(sigma2) · z_t, one value per z");
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
 * Hint: this is 01.6's loop with a second array: keep x (p copies of mu first) and e (p zeros
 * first); for each z[k] compute e_t, add the AR part from the last p values of x and the MA part from
 * the last q values of e (a shock before the start of e is 0, not e[−1], which is undefined), push both;
 * return x.slice(p + burnIn).
 *
 * @param model intercept, phi (shape [p]), theta (shape [q]) and sigma2; Σ phi ≠ 1
 * @param z shape [n], standard-normal draws, one per step
 * @param burnIn how many of the first values to drop, an integer in [0, n] (default 0)
 * @returns shape [n − burnIn]
 */
export function sampleARMA(model: ARMAParams, z: number[], burnIn = 0): number[] {
  throw new Error(
    "TODO 01.7: from p values mu = intercept / (1 − Σ phi) and p zero shocks, x_t = intercept + Σ phi_i x_{t−i} + e_t + Σ theta_j e_{t−j}; drop burnIn",
  );
}
