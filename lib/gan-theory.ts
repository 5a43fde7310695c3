/**
 * The GAN game solved exactly on a 1-D toy: Goodfellow et al. 2014, "Generative Adversarial
 * Nets", Proposition 1 (the optimal discriminator for a fixed G) and Theorem 1 (the virtual
 * training criterion C(G) = −log 4 + 2·JSD(p_data ‖ p_g)), checked by quadrature with
 * p_data = N(0, 1) and p_g = N(μ, 1), so that μ alone says how far G is from the data.
 *
 *   optimalDiscriminator1D   D*(x) = p_data(x) / (p_data(x) + p_g(x))        (Proposition 1)
 *   value1D                  V(D, G) for any D, by Simpson's rule
 *   trainingCriterion1D      C(G) = V(D*, G), in log space                   (Theorem 1)
 *   jsDivergence1D           JSD of two 1-D densities from its definition
 *
 * The quadrature and densities come from lib/numerics.ts. Analysis, not a GAN: the networks
 * and their training are in lib/gan.ts. Taught in notebooks/05-gan.ipynb ("The game solved on a
 * 1-D toy"). No tensors: every number is a plain float64.
 */
import { assertInt } from "./assert";
import { logAddExp, normalLogPdf, normalPdf, plogq, simpson } from "./numerics";

/**
 * The optimal discriminator for a fixed G (Proposition 1): D*(x) = p_data(x) / (p_data(x) + p_g(x)),
 * here with p_data = N(0, 1) and p_g = N(μ, 1); equal to σ(log p_data − log p_g) = σ(μ²/2 − μx).
 */
export function optimalDiscriminator1D(x: number, mu: number): number {
  return 1 / (1 + Math.exp(normalLogPdf(x, mu) - normalLogPdf(x, 0)));
}

export interface QuadratureOptions {
  /** Integrate over [min(0, μ) − halfWidth, max(0, μ) + halfWidth] (default 12 standard deviations). */
  halfWidth?: number;
  /** Number of Simpson intervals, even (default 4000). */
  intervals?: number;
}

function range(mu: number, options: QuadratureOptions): [number, number, number] {
  const { halfWidth = 12, intervals = 4000 } = options;
  if (!Number.isFinite(mu)) throw new Error(`mu must be a finite number, got ${mu}`);
  assertInt(intervals, "options.intervals", 2);
  if (intervals % 2 !== 0) throw new Error(`options.intervals must be even, got ${intervals}`);
  return [Math.min(0, mu) - halfWidth, Math.max(0, mu) + halfWidth, intervals];
}

/**
 * V(D, G) = ∫ p_data(x) log D(x) + p_g(x) log(1 − D(x)) dx on the 1-D toy, by quadrature.
 * @param mu the mean μ of p_g = N(μ, 1)
 * @param d any discriminator x ↦ D(x) in [0, 1]
 */
export function value1D(mu: number, d: (x: number) => number, options: QuadratureOptions = {}): number {
  const [lo, hi, n] = range(mu, options);
  return simpson(
    (x) => {
      const dx = d(x);
      return plogq(normalPdf(x, 0), dx) + plogq(normalPdf(x, mu), 1 - dx);
    },
    lo,
    hi,
    n,
  );
}

/**
 * The virtual training criterion C(G) = max_D V(D, G) = V(D*, G) on the 1-D toy, by quadrature
 * in log space (log D* = log p_data − log(p_data + p_g)). Theorem 1: C(G) = −log 4 + 2·JSD,
 * with its minimum −log 4 exactly at μ = 0.
 * @param mu the mean μ of p_g = N(μ, 1)
 */
export function trainingCriterion1D(mu: number, options: QuadratureOptions = {}): number {
  const [lo, hi, n] = range(mu, options);
  return simpson(
    (x) => {
      const lp = normalLogPdf(x, 0);
      const lg = normalLogPdf(x, mu);
      const lm = logAddExp(lp, lg); // log(p_data + p_g)
      return Math.exp(lp) * (lp - lm) + Math.exp(lg) * (lg - lm);
    },
    lo,
    hi,
    n,
  );
}

/**
 * The Jensen–Shannon divergence of two 1-D densities, by quadrature on [lo, hi]:
 *   JSD(p‖q) = ½ KL(p‖m) + ½ KL(q‖m),  m = (p + q)/2;  between 0 and ln 2.
 * @param p density x ↦ p(x)
 * @param q density x ↦ q(x)
 * @param intervals Simpson intervals, even (default 4000)
 */
export function jsDivergence1D(p: (x: number) => number, q: (x: number) => number, lo: number, hi: number, intervals = 4000): number {
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) throw new Error(`need finite lo < hi, got lo = ${lo}, hi = ${hi}`);
  return simpson(
    (x) => {
      const px = p(x);
      const qx = q(x);
      const m = (px + qx) / 2;
      return 0.5 * ((px > 0 ? px * Math.log(px / m) : 0) + (qx > 0 ? qx * Math.log(qx / m) : 0));
    },
    lo,
    hi,
    intervals,
  );
}
