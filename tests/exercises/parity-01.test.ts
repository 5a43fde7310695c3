// Parity, stage 01: each solution in solutions/01-autoregression.ts against its lib counterpart
// (lib/autoregression.ts) on seeded series, so the two independent versions cannot drift apart.
// Same names, same signatures: difference, integrate, acf. Different names: fitARLeastSquares
// ↔ fitAR (method "ols"), forecastNext ↔ forecast(model, 1), sampleAR ↔ simulate with a history
// (the same standard-normal draws, from seed(n)'s global stream), sampleARMA ↔ simulate of an
// ARMA model without history (the same draws from a seeded generator, the same burn-in).
import * as tf from "@tensorflow/tfjs";
import { describe, it } from "vitest";
import { acf, difference, fitAR, fitARIMA, forecast, integrate, simulate } from "../../lib/autoregression";
import { makeRng, normalFrom, randn, seed } from "../../lib/random";
import type * as exercise from "../../exercises/01-autoregression";
import * as solution from "../../solutions/01-autoregression";
import { expectClose } from "../helpers/close";
import { parityHooks, type Same } from "./parity";

const TOL = { rtol: 1e-9, atol: 1e-9 }; // both in float64

/** A seeded AR(2) series of length T: x_t = 1 + 0.6 x_{t−1} − 0.3 x_{t−2} + e_t, e_t ~ N(0, 1). */
function arSeries(T: number, seedValue: number): number[] {
  const uniform = makeRng(seedValue);
  const normal = () => normalFrom(uniform);
  const x = [0, 0];
  while (x.length < T) x.push(1 + 0.6 * x[x.length - 1] - 0.3 * x[x.length - 2] + normal());
  return x;
}

/** A seeded random walk with drift (needs a difference to become stationary). */
function randomWalk(T: number, seedValue: number): number[] {
  const uniform = makeRng(seedValue);
  const x = [10];
  while (x.length < T) x.push(x[x.length - 1] + 0.2 + (uniform() - 0.5));
  return x;
}

parityHooks();

// One signature per name, checked by tsc -p: each entry is `true` only while lib, the solution and
// the exercise stub agree on the parameters and the return type.
export const sameSignatures: [
  Same<typeof difference, typeof solution.difference>,
  Same<typeof difference, typeof exercise.difference>,
  Same<typeof integrate, typeof solution.integrate>,
  Same<typeof integrate, typeof exercise.integrate>,
  Same<typeof acf, typeof solution.acf>,
  Same<typeof acf, typeof exercise.acf>,
] = [true, true, true, true, true, true];

describe("stage 01: solutions = lib", () => {
  it("difference(x, d) = lib difference for d = 0..3, and on a tf.Tensor1D", () => {
    const x = randomWalk(40, 1);
    for (const d of [0, 1, 2, 3]) expectClose(solution.difference(x, d), difference(x, d), TOL);
    expectClose(solution.difference(x), difference(x), TOL);
    const xt = tf.tensor1d(x.slice(0, 10));
    expectClose(solution.difference(xt, 2), difference(xt, 2), { rtol: 1e-6, atol: 1e-6 });
    xt.dispose();
  });

  it("integrate(w, start) = lib integrate for d = 0..3 (and both undo difference)", () => {
    const x = randomWalk(40, 2);
    for (const d of [0, 1, 2, 3]) {
      const w = difference(x, d);
      const start = x.slice(0, d);
      expectClose(solution.integrate(w, start), integrate(w, start), TOL);
      expectClose(solution.integrate(w, start), x, { rtol: 1e-9, atol: 1e-7 });
    }
  });

  it("acf(x, nlags) = lib acf, on an array and on a tf.Tensor1D", () => {
    const x = arSeries(200, 3);
    expectClose(solution.acf(x, 12), acf(x, 12), TOL);
    expectClose(solution.acf(x, 0), acf(x, 0), TOL);
    const xt = tf.tensor1d(x);
    expectClose(solution.acf(xt, 5), acf(xt, 5), { rtol: 1e-6, atol: 1e-6 });
    xt.dispose();
  });

  it('fitARLeastSquares(x, p) = lib fitAR(x, p) (method "ols"): the same intercept and phi', () => {
    const x = arSeries(300, 4);
    for (const p of [1, 2, 5]) {
      const mine = solution.fitARLeastSquares(x, p);
      const lib = fitAR(x, p, { method: "ols" });
      expectClose([mine.intercept, ...mine.phi], [lib.intercept, ...lib.phi], { rtol: 1e-7, atol: 1e-9 });
    }
  });

  it("forecastNext(model, history) = lib forecast(model, 1, { history }).mean[0]", () => {
    const x = arSeries(300, 5);
    const model = fitAR(x, 3);
    expectClose(solution.forecastNext(model, x), forecast(model, 1).mean[0], TOL);
    const history = x.slice(0, 150);
    expectClose(solution.forecastNext(model, history), forecast(model, 1, { history }).mean[0], TOL);
  });

  it("sampleAR(model, start, z) = lib simulate(model, n, { history }) on the same standard-normal draws", () => {
    const x = arSeries(300, 6);
    const model = fitAR(x, 2);
    const n = 25;
    // simulate with a history draws its n shocks as sigma·randn(), in order, from the global stream
    seed(11);
    const z = Array.from({ length: n }, () => randn());
    seed(11);
    const lib = simulate(model, n, { history: x });
    expectClose(solution.sampleAR(model, x.slice(-2), z), lib, TOL);
  });

  it("sampleARMA(model, z, burnIn) = lib simulate(model, n, { seed, burnIn }) of an ARMA(2, 1) and an ARMA(1, 2)", () => {
    const x = arSeries(300, 7);
    for (const order of [
      { p: 2, d: 0, q: 1 },
      { p: 1, d: 0, q: 2 },
    ]) {
      const model = fitARIMA(x, order, { intercept: true });
      const n = 40;
      const burnIn = 25;
      // simulate without history draws its burnIn + n shocks as sigma·randn(rng), in order
      const rng = makeRng(12);
      const z = Array.from({ length: burnIn + n }, () => randn(rng));
      expectClose(solution.sampleARMA(model, z, burnIn), simulate(model, n, { seed: 12, burnIn }), TOL);
    }
  });
});
