/**
 * Linear autoregression and ARIMA: the course's first generative model of a series.
 *
 *   difference / integrate     the "I" of ARIMA: w = (1 − B)^d x and back
 *   autocovariance, acf, pacf  sample autocorrelations; partial ones by Durbin–Levinson
 *   fitAR                      AR(p) by least squares (conditional on the first p values) or Yule–Walker
 *   selectOrder                p by AIC or BIC, every candidate fit on the same sample
 *   fitARIMA                   ARIMA(p, d, q) by conditional sum of squares (Levenberg–Marquardt)
 *   armaResiduals              the CSS recursion itself (the one-step prediction errors e_t)
 *   forecast                   h-step forecasts on the original scale with prediction intervals
 *   simulate                   draw new series from a fitted model, seeded
 *   heldOutLogLik              log-likelihood per step (nats) of a fitted model on new data
 *
 * Taught in notebooks/01-autoregression.ipynb; the learner writes its core (differencing, ACF,
 * the least-squares fit, forecast, sampling) in exercises/01-autoregression.ts.
 *
 * Sources: G. E. P. Box & G. M. Jenkins, "Time Series Analysis: Forecasting and Control" (1970),
 * chapters 3–7 (model, CSS estimation, psi-weight forecast variances); J. Durbin, "The fitting of
 * time-series models" (1960) and N. Levinson (1947) for the recursion; H. Akaike (1974) and
 * G. Schwarz (1978) for AIC and BIC. The conventions match statsmodels 0.13.5's `AutoReg`, which the
 * tests compare against (tests/reference/autoregression_reference.py).
 *
 * The model, with B the backshift operator (B x_t = x_{t−1}):
 *   w_t = (1 − B)^d x_t
 *   w_t = intercept + Σ_{i=1..p} phi_i w_{t−i} + e_t + Σ_{j=1..q} theta_j e_{t−j},   e_t ~ N(0, sigma2)
 * The intercept is not a mean: with d = 0 the series' mean is intercept / (1 − Σ phi); with d ≥ 1
 * that is the mean of the differenced series w, so with d = 1 the drift (the mean growth per step)
 * is intercept / (1 − Σ phi), not the intercept itself (CO₂ in the notebook: 0.0409 vs 0.134 ppm/month).
 *
 * Likelihood conventions (the same for every fit, as in statsmodels' AutoReg):
 *   - conditional on the first d + p values of x; pre-sample shocks e_t (t < p) are 0;
 *   - nobs = T − d − p, the number of one-step prediction errors e_t that are scored;
 *   - sigma2 = Σ e_t² / nobs (the maximum-likelihood value, not Σ e_t² / (nobs − k));
 *   - logLik = Σ_t log N(e_t; 0, sigma2) = −nobs/2 · (log(2π sigma2) + 1), in nats;
 *     logLikPerStep = logLik / nobs (differencing has Jacobian 1, so this is also the
 *     log-density per value of x, comparable with later stages' per-step numbers);
 *   - k = p + q + (1 if intercept) + 1 (sigma2 counts), aic = −2 logLik + 2k,
 *     bic = −2 logLik + log(nobs) k.
 * (R's `arima(method = "CSS")` has the same estimates and sigma2 but counts T − d in its logLik.)
 *
 * Shapes: T series length, h forecast horizon, p AR order, q MA order, d differences.
 */
import * as tf from "@tensorflow/tfjs";
import { assertFinite, assertInt, assertShape } from "./assert";
import { leastSquares, normalQuantile, trySolveLinearSystem } from "./numerics";
import { makeRng, randn } from "./random";

/** A series: a plain array, a typed array, or a rank-1 tensor; shape [T]. */
export type SeriesInput = ArrayLike<number> | tf.Tensor1D;

/** The orders of an ARIMA(p, d, q) model. */
export interface ArimaOrder {
  /** AR order: how many past values of w enter each prediction. */
  p: number;
  /** Number of differences taken before the ARMA part. */
  d: number;
  /** MA order: how many past shocks e enter each prediction. */
  q: number;
}

/** A fitted AR or ARIMA model (an AR(p) fit is ARIMA(p, 0, 0)). */
export interface ArimaModel {
  order: ArimaOrder;
  /** How the coefficients were estimated. */
  method: "ols" | "yule-walker" | "css";
  /** Whether an intercept was estimated (with d ≥ 1 it sets the drift, intercept / (1 − Σ phi)); if not, `intercept` is 0. */
  hasIntercept: boolean;
  /** The constant of the differenced series' equation (see the file header). */
  intercept: number;
  /** AR coefficients phi_1..phi_p; shape [p]. */
  phi: number[];
  /** MA coefficients theta_1..theta_q; shape [q]. */
  theta: number[];
  /** Variance of the shocks e_t (Σ e² / nobs). */
  sigma2: number;
  /** Conditional Gaussian log-likelihood in nats. */
  logLik: number;
  /** logLik / nobs: nats per predicted step. */
  logLikPerStep: number;
  aic: number;
  bic: number;
  /** Number of scored steps, T − d − p. */
  nobs: number;
  /** Number of estimated parameters k (sigma2 included). */
  nParams: number;
  /** One-step prediction errors e_t for t = d + p .. T − 1; shape [nobs]. */
  residuals: number[];
  /** The training series (a copy); shape [T]. */
  x: number[];
}

// ---------------------------------------------------------------------------------------
// Input checks
// ---------------------------------------------------------------------------------------

/** Copies a series into a plain array after checking it is rank 1, finite and long enough. */
function toSeries(x: SeriesInput, name: string, minLength = 1): number[] {
  let values: number[];
  if (x instanceof tf.Tensor) {
    assertShape(x, [null], name, ["T"]);
    values = Array.from(x.dataSync());
  } else if (x !== null && typeof x === "object" && typeof (x as ArrayLike<number>).length === "number") {
    values = Array.from(x as ArrayLike<number>);
    const bad = values.findIndex((v) => typeof v !== "number");
    if (bad >= 0) throw new Error(`${name} must contain numbers, but element ${bad} is ${typeof values[bad]}`);
  } else {
    throw new Error(`${name} must be an array of numbers or a rank-1 tensor, got ${x === null ? "null" : typeof x}`);
  }
  if (values.length === 0) throw new Error(`${name} must not be empty`);
  assertFinite(values, name);
  if (values.length < minLength) {
    throw new Error(`${name} must have at least ${minLength} values, got ${values.length}`);
  }
  return values;
}

function assertNotConstant(x: readonly number[], name: string, what = ""): void {
  if (x.every((v) => v === x[0])) {
    throw new Error(`${name}${what} is constant (every value is ${x[0]}): it has no variation to model`);
  }
}

function mean(x: readonly number[]): number {
  let s = 0;
  for (const v of x) s += v;
  return s / x.length;
}

// ---------------------------------------------------------------------------------------
// Differencing: the "I" in ARIMA
// ---------------------------------------------------------------------------------------

/**
 * Differences a series d times: w = (1 − B)^d x, e.g. d = 1 gives w_t = x_{t+1} − x_t.
 * @param x shape [T], finite
 * @param d number of differences, an integer in [0, T − 1] (default 1)
 * @returns shape [T − d]
 */
export function difference(x: SeriesInput, d = 1): number[] {
  let w = toSeries(x, "x");
  assertInt(d, "d", 0);
  if (d >= w.length) {
    throw new Error(
      `d = ${d} would leave nothing: differencing a series of length ${w.length} d times leaves ${w.length} − d values; d must be at most ${w.length - 1}`,
    );
  }
  for (let k = 0; k < d; k++) {
    const next = new Array<number>(w.length - 1);
    for (let t = 0; t < next.length; t++) next[t] = w[t + 1] - w[t];
    w = next;
  }
  return w;
}

/**
 * Undoes {@link difference}: given w = difference(x, d) and the first d values of x, rebuilds x.
 * Level by level, x^(k)_{t+1} = x^(k)_t + x^(k+1)_t, where x^(k) is x differenced k times and
 * each level's first value comes from `start`.
 * @param w shape [T − d], the d-times differenced series
 * @param start shape [d], the first d values of x (empty for d = 0)
 * @returns shape [T], x itself
 */
export function integrate(w: SeriesInput, start: ArrayLike<number>): number[] {
  const values = toSeries(w, "w");
  if (start === null || typeof start !== "object" || typeof start.length !== "number") {
    throw new Error(`start must be an array of the first d values of x, got ${start === null ? "null" : typeof start}`);
  }
  const s = Array.from(start);
  assertFinite(s, "start");
  const d = s.length;
  // firsts[k] = first value of x differenced k times, k = 0..d−1
  const firsts: number[] = [];
  let level = s;
  for (let k = 0; k < d; k++) {
    firsts.push(level[0]);
    const next: number[] = [];
    for (let t = 0; t + 1 < level.length; t++) next.push(level[t + 1] - level[t]);
    level = next;
  }
  let out = values;
  for (let k = d - 1; k >= 0; k--) {
    const up = new Array<number>(out.length + 1);
    up[0] = firsts[k];
    for (let t = 0; t < out.length; t++) up[t + 1] = up[t] + out[t];
    out = up;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Autocorrelation
// ---------------------------------------------------------------------------------------

/** Options of {@link autocovariance} and {@link pacf}. */
export interface AutocovarianceOptions {
  /**
   * Divide lag k's sum by T − k instead of T (default false). The default (denominator T)
   * gives a positive-definite sequence, as statsmodels' `acf(adjusted=False)` and R's `acf`;
   * statsmodels' `pacf` default ("ywadjusted") uses T − k.
   */
  adjusted?: boolean;
}

/**
 * Sample autocovariances gamma_k = (1/T) Σ_{t=k}^{T−1} (x_t − x̄)(x_{t−k} − x̄), k = 0..nlags.
 * @param x shape [T], finite
 * @param nlags an integer in [0, T − 1]
 * @returns shape [nlags + 1]
 */
export function autocovariance(x: SeriesInput, nlags: number, options: AutocovarianceOptions = {}): number[] {
  const values = toSeries(x, "x");
  const T = values.length;
  assertInt(nlags, "nlags", 0, T - 1);
  const xbar = mean(values);
  const z = values.map((v) => v - xbar);
  const gamma: number[] = [];
  for (let k = 0; k <= nlags; k++) {
    let s = 0;
    for (let t = k; t < T; t++) s += z[t] * z[t - k];
    gamma.push(s / (options.adjusted ? T - k : T));
  }
  return gamma;
}

/**
 * Sample autocorrelations rho_k = gamma_k / gamma_0, k = 0..nlags (rho_0 = 1), with the
 * denominator-T autocovariances (statsmodels' `acf` with `adjusted=False`, R's `acf`).
 * @param x shape [T], finite, not constant
 * @param nlags an integer in [0, T − 1]
 * @returns shape [nlags + 1]
 */
export function acf(x: SeriesInput, nlags: number): number[] {
  const values = toSeries(x, "x", 2);
  assertNotConstant(values, "x");
  const gamma = autocovariance(values, nlags);
  return gamma.map((g) => g / gamma[0]);
}

/**
 * The Durbin–Levinson recursion: solves the Yule–Walker equations of orders 1..p from
 * autocovariances gamma_0..gamma_p.
 *   phi_kk = (gamma_k − Σ_{j<k} phi_{k−1,j} gamma_{k−j}) / v_{k−1}
 *   phi_kj = phi_{k−1,j} − phi_kk phi_{k−1,k−j},   v_k = v_{k−1} (1 − phi_kk²),   v_0 = gamma_0
 * @returns phi of order p (shape [p]), the partial autocorrelations phi_kk (shape [p + 1],
 *   first entry 1) and the innovation variance v_p.
 */
function durbinLevinson(gamma: readonly number[], p: number): { phi: number[]; partial: number[]; v: number } {
  let phi: number[] = [];
  const partial = [1];
  let v = gamma[0];
  for (let k = 1; k <= p; k++) {
    let num = gamma[k];
    for (let j = 1; j < k; j++) num -= phi[j - 1] * gamma[k - j];
    const phikk = num / v;
    const next = new Array<number>(k);
    for (let j = 1; j < k; j++) next[j - 1] = phi[j - 1] - phikk * phi[k - j - 1];
    next[k - 1] = phikk;
    phi = next;
    v *= 1 - phikk * phikk;
    partial.push(phikk);
  }
  return { phi, partial, v };
}

/**
 * Sample partial autocorrelations by Durbin–Levinson on the sample autocovariances: entry k is
 * the last coefficient of the Yule–Walker AR(k) fit (entry 0 is 1). Matches statsmodels'
 * `pacf(method="ldbiased")` (default) or `"ldadjusted"` with `adjusted: true`.
 * @param x shape [T], finite, not constant
 * @param nlags an integer in [0, T − 1]
 * @returns shape [nlags + 1]
 */
export function pacf(x: SeriesInput, nlags: number, options: AutocovarianceOptions = {}): number[] {
  const values = toSeries(x, "x", 2);
  assertNotConstant(values, "x");
  assertInt(nlags, "nlags", 0, values.length - 1);
  const gamma = autocovariance(values, nlags, options);
  return durbinLevinson(gamma, nlags).partial;
}

// ---------------------------------------------------------------------------------------
// AR(p)
// ---------------------------------------------------------------------------------------

/** Options of {@link fitAR}. */
export interface FitAROptions {
  /**
   * "ols" (default): least squares of x_t on [1, x_{t−1}, …, x_{t−p}] for t = p..T−1,
   * conditional on the first p values (statsmodels' `AutoReg(x, p, trend="c")`).
   * "yule-walker": phi from the sample autocovariances (statsmodels' `yule_walker`),
   * intercept = x̄ (1 − Σ phi), sigma2 = gamma_0 − Σ phi_i gamma_i; logLik is then the same
   * conditional Gaussian log-likelihood evaluated at these values.
   */
  method?: "ols" | "yule-walker";
  /** Estimate an intercept (default true). Without it, Yule–Walker does not demean x. */
  intercept?: boolean;
  /** Yule–Walker only: autocovariances with denominator T − k (default false: T, "mle"). */
  adjusted?: boolean;
}

/** The largest p least squares allows for T values: T − p > p + (intercept ? 1 : 0). */
function maxOlsOrder(T: number, withIntercept: boolean): number {
  return Math.max(-1, Math.ceil((T - (withIntercept ? 1 : 0)) / 2) - 1);
}

/** Conditional Gaussian log-likelihood of residuals e under N(0, sigma2), in nats. */
function gaussianLogLik(e: readonly number[], sigma2: number): number {
  let sse = 0;
  for (const v of e) sse += v * v;
  return -0.5 * e.length * Math.log(2 * Math.PI * sigma2) - sse / (2 * sigma2);
}

/** Fills in logLik, aic, bic, … from the residuals, sigma2 and the number of coefficients. */
function finishModel(
  base: Pick<ArimaModel, "order" | "method" | "hasIntercept" | "intercept" | "phi" | "theta" | "x">,
  residuals: number[],
  sigma2: number,
): ArimaModel {
  const nobs = residuals.length;
  if (!(sigma2 > 0)) {
    throw new Error(
      `x is predicted exactly by an ARIMA(${base.order.p}, ${base.order.d}, ${base.order.q}) (sigma2 = ${sigma2}): the likelihood is unbounded`,
    );
  }
  const logLik = gaussianLogLik(residuals, sigma2);
  const nParams = base.order.p + base.order.q + (base.hasIntercept ? 1 : 0) + 1;
  return {
    ...base,
    sigma2,
    logLik,
    logLikPerStep: logLik / nobs,
    aic: -2 * logLik + 2 * nParams,
    bic: -2 * logLik + Math.log(nobs) * nParams,
    nobs,
    nParams,
    residuals,
  };
}

/**
 * Least squares AR(p) on the sample t = start..T−1 (start ≥ p): residuals and coefficients.
 * Used by fitAR (start = p) and selectOrder (a common start for every p).
 */
function olsAR(
  x: readonly number[],
  p: number,
  withIntercept: boolean,
  start: number,
): { intercept: number; phi: number[]; residuals: number[] } {
  const rows: number[][] = [];
  const y: number[] = [];
  for (let t = start; t < x.length; t++) {
    const row = withIntercept ? [1] : [];
    for (let i = 1; i <= p; i++) row.push(x[t - i]);
    rows.push(row);
    y.push(x[t]);
  }
  let intercept = 0;
  let phi: number[] = [];
  if (rows[0].length > 0) {
    const beta = leastSquares(rows, y, "fitAR: the regressors (intercept and lagged values)");
    intercept = withIntercept ? beta[0] : 0;
    phi = withIntercept ? beta.slice(1) : beta;
  }
  const residuals = y.map((yt, r) => {
    let pred = intercept;
    for (let i = 0; i < p; i++) pred += phi[i] * rows[r][i + (withIntercept ? 1 : 0)];
    return yt - pred;
  });
  return { intercept, phi, residuals };
}

/**
 * Fits an AR(p): x_t = intercept + Σ_{i=1..p} phi_i x_{t−i} + e_t, e_t ~ N(0, sigma2).
 * See the file header for sigma2, logLik, aic and bic (they match statsmodels' AutoReg).
 * @param x shape [T], finite, not constant
 * @param p AR order, an integer ≥ 0; least squares needs T − p > p + 1
 * @example fitAR(sunspots, 2) // intercept 14.907, phi [1.3918, −0.6903], sigma2 275.44
 */
export function fitAR(x: SeriesInput, p: number, options: FitAROptions = {}): ArimaModel {
  const values = toSeries(x, "x", 2);
  assertNotConstant(values, "x");
  assertInt(p, "p", 0);
  const method = options.method ?? "ols";
  const withIntercept = options.intercept ?? true;
  const T = values.length;
  const order = { p, d: 0, q: 0 };
  if (method === "ols") {
    const pmax = maxOlsOrder(T, withIntercept);
    if (p > pmax) {
      throw new Error(
        `p = ${p} is too large for a series of length ${T}: least squares needs more equations (T − p = ${T - p}) than coefficients (p${withIntercept ? " + 1" : ""}), so p must be at most ${pmax}`,
      );
    }
    const fit = olsAR(values, p, withIntercept, p);
    const sse = fit.residuals.reduce((s, e) => s + e * e, 0);
    return finishModel(
      { order, method, hasIntercept: withIntercept, intercept: fit.intercept, phi: fit.phi, theta: [], x: values },
      fit.residuals,
      sse / fit.residuals.length,
    );
  }
  if (method === "yule-walker") {
    if (p > T - 1) throw new Error(`p = ${p} is too large for a series of length ${T}: Yule–Walker needs p ≤ T − 1 = ${T - 1}`);
    const xbar = withIntercept ? mean(values) : 0;
    const z = values.map((v) => v - xbar);
    // autocovariances of z about 0 (z is already demeaned when there is an intercept)
    const gamma: number[] = [];
    for (let k = 0; k <= p; k++) {
      let s = 0;
      for (let t = k; t < T; t++) s += z[t] * z[t - k];
      gamma.push(s / (options.adjusted ? T - k : T));
    }
    const { phi } = durbinLevinson(gamma, p);
    // sigma2 = gamma_0 − Σ phi_i gamma_i (statsmodels' yule_walker returns its square root)
    let sigma2 = gamma[0];
    for (let i = 1; i <= p; i++) sigma2 -= phi[i - 1] * gamma[i];
    const intercept = xbar * (1 - phi.reduce((s, v) => s + v, 0));
    const residuals = armaResiduals(values, intercept, phi, []);
    return finishModel({ order, method, hasIntercept: withIntercept, intercept, phi, theta: [], x: values }, residuals, sigma2);
  }
  throw new Error(`options.method must be "ols" or "yule-walker", got "${String(method)}"`);
}

/** Options of {@link selectOrder}. */
export interface SelectOrderOptions {
  /** Largest p tried (default: min(⌊10 log10 T⌋, the largest p the sample allows), as R's `ar`). */
  maxP?: number;
  /** Smallest p tried (default 0: a constant-only model, as statsmodels' ar_select_order). */
  minP?: number;
  /** "aic" (default) or "bic". */
  criterion?: "aic" | "bic";
  /** Estimate an intercept (default true). */
  intercept?: boolean;
}

/** One row of {@link selectOrder}'s table. */
export interface OrderScore {
  p: number;
  aic: number;
  bic: number;
  logLik: number;
  sigma2: number;
  nobs: number;
}

/**
 * Chooses the AR order p in [minP, maxP] by AIC or BIC. Every candidate is fit by least squares
 * on the same sample, t = maxP..T−1, so the criteria compare likelihoods of the same values
 * (as statsmodels' `ar_select_order`); the chosen order is then refit on the whole series.
 * @param x shape [T], finite, not constant
 * @returns the chosen p, the table of criteria (one row per p) and the refit model
 */
export function selectOrder(
  x: SeriesInput,
  options: SelectOrderOptions = {},
): { p: number; criterion: "aic" | "bic"; table: OrderScore[]; model: ArimaModel } {
  const values = toSeries(x, "x", 2);
  assertNotConstant(values, "x");
  const T = values.length;
  const withIntercept = options.intercept ?? true;
  const criterion = options.criterion ?? "aic";
  if (criterion !== "aic" && criterion !== "bic") throw new Error(`options.criterion must be "aic" or "bic", got "${String(criterion)}"`);
  // common sample t = maxP..T−1 needs T − maxP > maxP + 1 equations
  const pmax = maxOlsOrder(T, withIntercept);
  const maxP = options.maxP ?? Math.max(0, Math.min(Math.floor(10 * Math.log10(T)), pmax));
  const minP = options.minP ?? 0;
  assertInt(maxP, "options.maxP", 0);
  if (maxP > pmax) {
    throw new Error(
      `options.maxP = ${maxP} is too large for a series of length ${T}: least squares needs T − maxP > maxP${withIntercept ? " + 1" : ""}, so maxP must be at most ${pmax}`,
    );
  }
  assertInt(minP, "options.minP", 0, maxP);
  const table: OrderScore[] = [];
  for (let p = minP; p <= maxP; p++) {
    const fit = olsAR(values, p, withIntercept, maxP);
    const sse = fit.residuals.reduce((s, e) => s + e * e, 0);
    const model = finishModel(
      {
        order: { p, d: 0, q: 0 },
        method: "ols",
        hasIntercept: withIntercept,
        intercept: fit.intercept,
        phi: fit.phi,
        theta: [],
        x: values,
      },
      fit.residuals,
      sse / fit.residuals.length,
    );
    table.push({ p, aic: model.aic, bic: model.bic, logLik: model.logLik, sigma2: model.sigma2, nobs: model.nobs });
  }
  let best = table[0];
  for (const row of table) if (row[criterion] < best[criterion]) best = row;
  return { p: best.p, criterion, table, model: fitAR(values, best.p, { intercept: withIntercept }) };
}

// ---------------------------------------------------------------------------------------
// ARIMA(p, d, q) by conditional sum of squares
// ---------------------------------------------------------------------------------------

/**
 * The conditional-sum-of-squares recursion: the one-step prediction errors of an ARMA(p, q)
 * on an already-differenced series w, conditional on its first p values, with the shocks
 * before t = p set to 0:
 *   e_t = w_t − intercept − Σ_{i=1..p} phi_i w_{t−i} − Σ_{j=1..q} theta_j e_{t−j},   t = p..M−1
 * CSS = Σ e_t² is what {@link fitARIMA} minimises.
 * @param w shape [M], finite, M ≥ p
 * @param phi shape [p]
 * @param theta shape [q]
 * @returns e_p..e_{M−1}; shape [M − p]
 */
export function armaResiduals(w: SeriesInput, intercept: number, phi: readonly number[], theta: readonly number[]): number[] {
  const values = toSeries(w, "w");
  if (!Number.isFinite(intercept)) throw new Error(`intercept must be a finite number, got ${intercept}`);
  assertFinite(phi, "phi");
  assertFinite(theta, "theta");
  const p = phi.length;
  const q = theta.length;
  if (values.length < p) throw new Error(`w has ${values.length} values but phi has p = ${p}: w needs at least p values to condition on`);
  const e = new Array<number>(values.length).fill(0); // e_t = 0 for t < p
  for (let t = p; t < values.length; t++) {
    let pred = intercept;
    for (let i = 1; i <= p; i++) pred += phi[i - 1] * values[t - i];
    for (let j = 1; j <= q && t - j >= p; j++) pred += theta[j - 1] * e[t - j];
    e[t] = values[t] - pred;
  }
  return e.slice(p);
}

/** Options of {@link fitARIMA}. */
export interface FitARIMAOptions {
  /** Estimate an intercept (with d ≥ 1 it sets the drift, intercept / (1 − Σ phi)); default: true when d = 0, false otherwise. */
  intercept?: boolean;
  /** Most Levenberg–Marquardt iterations (default 500). */
  maxIter?: number;
  /** Stop when an accepted step lowers CSS by less than this fraction (default 1e-14). */
  tol?: number;
}

/**
 * Fits ARIMA(p, d, q) by conditional sum of squares (Box & Jenkins 1970, ch. 7): differences x
 * d times, then minimises CSS = Σ e_t² (see {@link armaResiduals}) over (intercept, phi, theta)
 * with Levenberg–Marquardt, whose Jacobian follows the same recursion:
 *   ∂e_t/∂beta = −(regressor of beta at t) − Σ_j theta_j ∂e_{t−j}/∂beta.
 * Starts from the least-squares AR(p) fit and theta = 0. With q = 0 CSS is exactly least squares.
 * Invertibility of theta is not enforced; check `theta` (|theta_1| < 1 for an MA(1)).
 * @param x shape [T], finite; differenced d times it must not be constant
 * @param order p, d, q: integers ≥ 0 with T − d − p > p + q (+ 1 with an intercept)
 * @example fitARIMA(co2, { p: 2, d: 1, q: 1 }, { intercept: true })
 */
export function fitARIMA(x: SeriesInput, order: ArimaOrder, options: FitARIMAOptions = {}): ArimaModel {
  const values = toSeries(x, "x", 2);
  if (order === null || typeof order !== "object")
    throw new Error(`order must be an object { p, d, q }, got ${order === null ? "null" : typeof order}`);
  const { p, d, q } = order;
  assertInt(p, "order.p", 0);
  assertInt(d, "order.d", 0);
  assertInt(q, "order.q", 0);
  const T = values.length;
  if (d >= T) throw new Error(`order.d = ${d} would leave nothing: a series of length ${T} can be differenced at most ${T - 1} times`);
  const w = difference(values, d);
  assertNotConstant(w, "x", d > 0 ? ` differenced d = ${d} times` : "");
  const withIntercept = options.intercept ?? d === 0;
  const k = (withIntercept ? 1 : 0) + p + q;
  const M = w.length;
  if (M - p <= k) {
    throw new Error(
      `order (p = ${p}, d = ${d}, q = ${q}) is too large for a series of length ${T}: it leaves T − d − p = ${M - p} residuals for ${k} coefficients; more residuals than coefficients are needed`,
    );
  }
  const maxIter = options.maxIter ?? 500;
  const tol = options.tol ?? 1e-14;
  assertInt(maxIter, "options.maxIter", 1);
  if (!(tol >= 0)) throw new Error(`options.tol must be a number ≥ 0, got ${tol}`);

  const unpack = (beta: readonly number[]) => ({
    intercept: withIntercept ? beta[0] : 0,
    phi: beta.slice(withIntercept ? 1 : 0, (withIntercept ? 1 : 0) + p),
    theta: beta.slice((withIntercept ? 1 : 0) + p),
  });
  const sumSq = (e: readonly number[]) => e.reduce((s, v) => s + v * v, 0);

  // start: least-squares AR(p) (or the mean), theta = 0
  const start = olsAR(w, p, withIntercept, p);
  let beta = [...(withIntercept ? [start.intercept] : []), ...start.phi, ...new Array<number>(q).fill(0)];
  if (q > 0) {
    let params = unpack(beta);
    let e = armaResiduals(w, params.intercept, params.phi, params.theta);
    let css = sumSq(e);
    let lambda = 1e-3;
    let small = 0;
    for (let iter = 0; iter < maxIter && small < 2; iter++) {
      // Jacobian J[r][c] = ∂e_{p+r}/∂beta_c, by the recursion in the doc comment
      const J: number[][] = [];
      for (let r = 0; r < e.length; r++) {
        const t = p + r;
        const row = new Array<number>(k);
        let c = 0;
        if (withIntercept) row[c++] = -1;
        for (let i = 1; i <= p; i++) row[c++] = -w[t - i];
        for (let j = 1; j <= q; j++) row[c++] = r - j >= 0 ? -e[r - j] : 0;
        for (let j = 1; j <= q && r - j >= 0; j++) {
          const prev = J[r - j];
          for (let cc = 0; cc < k; cc++) row[cc] -= params.theta[j - 1] * prev[cc];
        }
        J.push(row);
      }
      // normal equations of the linearised problem: (JᵀJ + λ diag JᵀJ) δ = −Jᵀe
      const JtJ = Array.from({ length: k }, () => new Array<number>(k).fill(0));
      const Jte = new Array<number>(k).fill(0);
      for (let r = 0; r < J.length; r++) {
        const row = J[r];
        for (let a = 0; a < k; a++) {
          Jte[a] += row[a] * e[r];
          for (let b = a; b < k; b++) JtJ[a][b] += row[a] * row[b];
        }
      }
      for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) JtJ[a][b] = JtJ[b][a];
      let accepted = false;
      while (!accepted && lambda < 1e16) {
        const A = JtJ.map((row, a) => row.map((v, b) => (a === b ? v * (1 + lambda) : v)));
        const delta = trySolveLinearSystem(
          A,
          Jte.map((v) => -v),
        );
        if (delta) {
          const trial = beta.map((v, c) => v + delta[c]);
          const tp = unpack(trial);
          const te = armaResiduals(w, tp.intercept, tp.phi, tp.theta);
          const tcss = sumSq(te);
          if (Number.isFinite(tcss) && tcss <= css) {
            small = css - tcss <= tol * css ? small + 1 : 0;
            beta = trial;
            params = tp;
            e = te;
            css = tcss;
            lambda = Math.max(lambda / 10, 1e-12);
            accepted = true;
            break;
          }
        }
        lambda *= 10;
      }
      if (!accepted) break; // no step lowers CSS: at a minimum to machine precision
    }
  }
  const params = unpack(beta);
  const residuals = armaResiduals(w, params.intercept, params.phi, params.theta);
  return finishModel(
    {
      order: { p, d, q },
      method: "css",
      hasIntercept: withIntercept,
      intercept: params.intercept,
      phi: params.phi,
      theta: params.theta,
      x: values,
    },
    residuals,
    sumSq(residuals) / residuals.length,
  );
}

// ---------------------------------------------------------------------------------------
// Using a fitted model: forecast, simulate, held-out likelihood
// ---------------------------------------------------------------------------------------

function assertModel(model: ArimaModel, name = "model"): void {
  const ok =
    model !== null &&
    typeof model === "object" &&
    model.order !== undefined &&
    Array.isArray(model.phi) &&
    Array.isArray(model.theta) &&
    model.phi.length === model.order.p &&
    model.theta.length === model.order.q &&
    Number.isFinite(model.intercept) &&
    model.sigma2 > 0;
  if (!ok)
    throw new Error(`${name} must be a fitted model from fitAR or fitARIMA (with phi of length p, theta of length q and sigma2 > 0)`);
}

/**
 * psi-weights of phi(B)(1 − B)^d x_t = theta(B) e_t: x_t's response to a shock j steps back.
 * psi_0 = 1, psi_j = theta_j + Σ_{i=1..min(j, p+d)} phiStar_i psi_{j−i}, where
 * 1 − Σ phiStar_i B^i = (1 − Σ phi_i B^i)(1 − B)^d.
 * @returns shape [h]
 */
function psiWeights(phi: readonly number[], d: number, theta: readonly number[], h: number): number[] {
  let poly = [1, ...phi.map((v) => -v)]; // coefficients of 1 − Σ phi_i B^i
  for (let k = 0; k < d; k++) {
    const next = new Array<number>(poly.length + 1).fill(0);
    for (let i = 0; i < poly.length; i++) {
      next[i] += poly[i];
      next[i + 1] -= poly[i];
    }
    poly = next;
  }
  const phiStar = poly.slice(1).map((v) => -v);
  const psi = [1];
  for (let j = 1; j < h; j++) {
    let s = j <= theta.length ? theta[j - 1] : 0;
    for (let i = 1; i <= Math.min(j, phiStar.length); i++) s += phiStar[i - 1] * psi[j - i];
    psi.push(s);
  }
  return psi;
}

/** Options of {@link forecast}. */
export interface ForecastOptions {
  /** Coverage of the prediction interval, in (0, 1) (default 0.95). */
  level?: number;
  /** The series to forecast from, on the original scale (default: the training series model.x). */
  history?: SeriesInput;
}

/** What {@link forecast} returns; every array has shape [h]. */
export interface Forecast {
  /** Conditional means x̂_{T+1..T+h} on the original scale. */
  mean: number[];
  /** Standard errors sqrt(sigma2 Σ_{j<k} psi_j²) of the k-step forecast. */
  se: number[];
  lower: number[];
  upper: number[];
  level: number;
}

/**
 * h-step forecasts and Gaussian prediction intervals mean ± z se. The differenced series is
 * forecast by the ARMA recursion with future shocks set to 0 and past shocks the residuals,
 * then integrated back from the last observed values; se follows the psi-weights of
 * phi(B)(1 − B)^d, so intervals widen without bound when d ≥ 1. Parameter uncertainty is
 * ignored (as statsmodels' AutoReg and ARIMA do).
 * @param model from fitAR or fitARIMA
 * @param h horizon, an integer ≥ 1
 */
export function forecast(model: ArimaModel, h: number, options: ForecastOptions = {}): Forecast {
  assertModel(model);
  assertInt(h, "h", 1);
  const level = options.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new Error(`options.level must be in (0, 1), got ${level}`);
  const { p, d, q } = model.order;
  const history = toSeries(options.history ?? model.x, options.history ? "options.history" : "model.x");
  if (history.length < p + d + 1) {
    throw new Error(
      `${options.history ? "options.history" : "model.x"} has ${history.length} values; an ARIMA(${p}, ${d}, ${q}) forecast needs at least p + d + 1 = ${p + d + 1}`,
    );
  }
  const w = difference(history, d);
  const e = [...new Array<number>(p).fill(0), ...armaResiduals(w, model.intercept, model.phi, model.theta)];
  const wAll = w.slice();
  for (let k = 0; k < h; k++) {
    const t = wAll.length;
    let pred = model.intercept;
    for (let i = 1; i <= p; i++) pred += model.phi[i - 1] * wAll[t - i];
    for (let j = 1; j <= q; j++) pred += t - j >= p ? model.theta[j - 1] * e[t - j] : 0;
    wAll.push(pred);
    e.push(0); // future shocks have mean 0
  }
  const mean = integrate(wAll, history.slice(0, d)).slice(history.length);
  const psi = psiWeights(model.phi, d, model.theta, h);
  const z = normalQuantile((1 + level) / 2);
  const se: number[] = [];
  let cum = 0;
  for (let k = 0; k < h; k++) {
    cum += psi[k] * psi[k];
    se.push(Math.sqrt(model.sigma2 * cum));
  }
  return { mean, se, lower: mean.map((m, k) => m - z * se[k]), upper: mean.map((m, k) => m + z * se[k]), level };
}

/** Options of {@link simulate}. */
export interface SimulateOptions {
  /** Seed of a private generator (lib/random's makeRng); default: the global stream (seed(n) makes it repeat). */
  seed?: number;
  /**
   * Continue this series (original scale): the draws are sample paths of its future, whose
   * average is {@link forecast}'s mean. Default: none, an unconditional draw.
   */
  history?: SeriesInput;
  /** Unconditional draws: steps run and discarded before the n kept, so the start is forgotten (default 100). */
  burnIn?: number;
  /** Unconditional draws with d ≥ 1: the d values the draw is integrated from (default: the first d of model.x). */
  start?: ArrayLike<number>;
}

/**
 * Draws a new series from a fitted model: e_t ~ N(0, sigma2) fed through the ARMA recursion,
 * then integrated d times. Without `history`, the ARMA part starts at its mean
 * intercept / (1 − Σ phi) (0 if Σ phi = 1) and runs `burnIn` steps first; with `history`, the
 * draw continues that series, its past shocks being the model's residuals on it.
 * @param model from fitAR or fitARIMA
 * @param n number of values drawn, an integer ≥ 1
 * @returns shape [n], on the original scale (the values after `history` or after `start`)
 */
export function simulate(model: ArimaModel, n: number, options: SimulateOptions = {}): number[] {
  assertModel(model);
  assertInt(n, "n", 1);
  const { p, d, q } = model.order;
  const burnIn = options.burnIn ?? 100;
  assertInt(burnIn, "options.burnIn", 0);
  if (options.seed !== undefined) assertInt(options.seed, "options.seed");
  const rng = options.seed === undefined ? undefined : makeRng(options.seed); // undefined: the global stream
  const normal = () => randn(rng);
  const sigma = Math.sqrt(model.sigma2);
  let w: number[];
  let e: number[];
  let base: number[]; // the values x is integrated from, original scale
  let drop: number;
  if (options.history !== undefined) {
    base = toSeries(options.history, "options.history");
    if (base.length < p + d + 1) {
      throw new Error(
        `options.history has ${base.length} values; continuing an ARIMA(${p}, ${d}, ${q}) needs at least p + d + 1 = ${p + d + 1}`,
      );
    }
    w = difference(base, d);
    e = [...new Array<number>(p).fill(0), ...armaResiduals(w, model.intercept, model.phi, model.theta)];
    drop = w.length;
  } else {
    const sumPhi = model.phi.reduce((s, v) => s + v, 0);
    const mu = Math.abs(1 - sumPhi) > 1e-12 ? model.intercept / (1 - sumPhi) : 0;
    w = new Array<number>(p).fill(mu);
    e = new Array<number>(p).fill(0);
    drop = p + burnIn;
    base = d > 0 ? Array.from(options.start ?? model.x.slice(0, d)) : [];
    if (base.length !== d) throw new Error(`options.start must hold d = ${d} values, got ${base.length}`);
    assertFinite(base, "options.start");
  }
  const steps = options.history !== undefined ? n : burnIn + n;
  for (let k = 0; k < steps; k++) {
    const t = w.length;
    const shock = sigma * normal();
    let value = model.intercept + shock;
    for (let i = 1; i <= p; i++) value += model.phi[i - 1] * w[t - i];
    for (let j = 1; j <= q; j++) value += t - j >= 0 ? model.theta[j - 1] * e[t - j] : 0;
    w.push(value);
    e.push(shock);
  }
  if (options.history !== undefined) return integrate(w, base.slice(0, d)).slice(base.length);
  return integrate(w.slice(drop), base).slice(d);
}

/** Options of {@link heldOutLogLik}. */
export interface HeldOutOptions {
  /**
   * Values just before `x` (e.g. the training series): the first prediction of x then
   * conditions on them, and every value of x is scored. Default: none, so the first d + p
   * values of x are conditioned on and not scored.
   */
  history?: SeriesInput;
}

/**
 * Log-likelihood of new data under a fitted model, with the model's parameters and sigma2
 * fixed: the sum of log N(e_t; 0, sigma2) over the one-step prediction errors of x, in nats,
 * and its mean per scored step (comparable with `model.logLikPerStep` and later stages).
 * @param model from fitAR or fitARIMA
 * @param x shape [T'], finite, on the original scale
 */
export function heldOutLogLik(
  model: ArimaModel,
  x: SeriesInput,
  options: HeldOutOptions = {},
): { logLik: number; nobs: number; logLikPerStep: number } {
  assertModel(model);
  const { p, d } = model.order;
  const newValues = toSeries(x, "x");
  const past = options.history !== undefined ? toSeries(options.history, "options.history") : [];
  const all = [...past, ...newValues];
  if (all.length < p + d + 1) {
    throw new Error(
      `x${past.length ? " with options.history" : ""} has ${all.length} values; scoring an ARIMA(${p}, ${d}, ${model.order.q}) needs at least p + d + 1 = ${p + d + 1}`,
    );
  }
  const w = difference(all, d);
  const e = armaResiduals(w, model.intercept, model.phi, model.theta); // e[r] predicts all[d + p + r]
  const scored = e.filter((_, r) => d + p + r >= past.length);
  if (scored.length === 0) {
    throw new Error(
      `x has ${newValues.length} values, all used as conditioning values (d + p = ${d + p}); pass options.history or a longer x`,
    );
  }
  const logLik = gaussianLogLik(scored, model.sigma2);
  return { logLik, nobs: scored.length, logLikPerStep: logLik / scored.length };
}
