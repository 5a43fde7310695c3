import * as tf from "@tensorflow/tfjs";
import * as fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import {
  type ArimaModel,
  acf,
  armaResiduals,
  autocovariance,
  difference,
  fitAR,
  fitARIMA,
  forecast,
  heldOutLogLik,
  integrate,
  pacf,
  selectOrder,
  simulate,
} from "../../lib/autoregression";
import { seed, unseed } from "../../lib/random";
import { reindexMonthly } from "../../lib/series";
import { expectClose } from "../helpers/close";

// Reference numbers: statsmodels 0.13.5 (and scipy for CSS), written by
// tests/reference/autoregression_reference.py, which documents where each number comes from.
const ref = JSON.parse(fs.readFileSync("tests/reference/autoregression.json", "utf8"));
const S = ref.sunspots;
const C = ref.co2;

function readColumn(file: string, column: number): string[] {
  return fs
    .readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split(",")[column]);
}
const sun = readColumn("data/sunspots-yearly.csv", 1).map(Number);
const co2 = reindexMonthly(readColumn("data/co2-monthly.csv", 0), readColumn("data/co2-monthly.csv", 1).map(Number)).values;

afterEach(() => unseed());

/** Compares a fit with a reference block of the JSON. */
function expectModel(m: ArimaModel, r: Record<string, unknown>, rtol: number): void {
  expectClose(m.intercept, r.intercept as number, { rtol, atol: 1e-9 });
  expectClose(m.phi, r.phi as number[], { rtol });
  if (r.theta) expectClose(m.theta, r.theta as number[], { rtol });
  expectClose(m.sigma2, r.sigma2 as number, { rtol });
  if (r.logLik !== undefined) {
    expectClose(m.logLik, r.logLik as number, { rtol });
    expectClose(m.aic, r.aic as number, { rtol });
    expectClose(m.bic, r.bic as number, { rtol });
    expect(m.nobs).toBe(r.nobs);
    expectClose(m.logLikPerStep, (r.logLik as number) / (r.nobs as number), { rtol });
  }
}

describe("difference and integrate", () => {
  it("difference takes d differences; integrate rebuilds x from the first d values", () => {
    const x = [3, 5, 4, 8, 13, 12, 20];
    expect(difference(x, 0)).toEqual(x);
    expect(difference(x)).toEqual([2, -1, 4, 5, -1, 8]);
    expect(difference(x, 2)).toEqual([-3, 5, 1, -6, 9]);
    for (let d = 0; d <= 4; d++) expect(integrate(difference(x, d), x.slice(0, d))).toEqual(x);
    expectClose(integrate(difference(sun, 2), sun.slice(0, 2)), sun, { rtol: 1e-12, atol: 1e-9 });
  });
  it("differences the CO2 series as numpy.diff does", () => {
    expectClose(difference(co2).slice(0, 5), C.diff1First5, { rtol: 1e-12, atol: 1e-12 });
  });
  it("names the bad argument", () => {
    expect(() => difference([1, 2, 3], 3)).toThrow(/d = 3 would leave nothing.*at most 2/);
    expect(() => difference([1, 2, 3], -1)).toThrow(/d must be an integer ≥ 0/);
    expect(() => difference([1, 2, 3], 1.5)).toThrow(/d must be an integer/);
    expect(() => difference([1, NaN, 3])).toThrow(/x must be finite, but element 1 is NaN/);
    expect(() => difference([])).toThrow(/x must not be empty/);
    expect(() => integrate([1, 2], [0, Infinity])).toThrow(/start must be finite/);
    expect(() => integrate([1, 2], null as unknown as number[])).toThrow(/start must be an array/);
    expect(() => integrate([], [1])).toThrow(/w must not be empty/);
  });
});

describe("acf and pacf", () => {
  it("reproduces the sunspot autocorrelations (statsmodels acf, adjusted=False)", () => {
    expectClose(acf(sun, 5).slice(1), [0.8202, 0.4513, 0.0396, -0.2758, -0.4252], { atol: 5e-5, rtol: 0 });
    expectClose(acf(sun, 20), S.acf, { rtol: 1e-10, atol: 1e-12 });
    expect(acf(sun, 0)).toEqual([1]);
  });
  it("reproduces statsmodels pacf: Durbin–Levinson on denominator-T and T − k autocovariances", () => {
    expectClose(pacf(sun, 20), S.pacfMle, { rtol: 1e-9, atol: 1e-12 });
    expectClose(pacf(sun, 20, { adjusted: true }), S.pacfAdjusted, { rtol: 1e-9, atol: 1e-12 });
    // statsmodels' default method ("ywadjusted", solving each Yule–Walker system) agrees
    expectClose(pacf(sun, 20, { adjusted: true }), S.pacfYwDefault, { rtol: 1e-9, atol: 1e-12 });
  });
  it("on the differenced CO2 series shows the 12-month cycle", () => {
    const d1 = difference(co2);
    const r = acf(d1, 24);
    expectClose(r, C.acfDiff1, { rtol: 1e-9, atol: 1e-12 });
    expectClose(pacf(d1, 24), C.pacfDiff1, { rtol: 1e-9, atol: 1e-12 });
    expect(r[12]).toBeGreaterThan(0.5);
  });
  it("accepts a rank-1 tensor like an array", () => {
    const x = tf.tensor1d(sun, "float32");
    expectClose(acf(x, 3), acf(Array.from(x.dataSync()), 3), { rtol: 1e-12 });
    expect(() => acf(tf.zeros([2, 2]) as unknown as tf.Tensor1D, 1)).toThrow(/x must have shape \[\?\] \(T\), got \[2, 2\]/);
    x.dispose();
  });
  it("names the bad argument", () => {
    expect(() => acf([2, 2, 2], 1)).toThrow(/x is constant/);
    expect(() => acf(sun, 309)).toThrow(/nlags must be an integer in \[0, 308\]/);
    expect(() => acf([1], 0)).toThrow(/x must have at least 2 values/);
    expect(() => pacf([1, 1], 1)).toThrow(/x is constant/);
    expect(() => pacf(sun, -1)).toThrow(/nlags must be an integer/);
    expect(() => autocovariance([1, 2, 3], 3)).toThrow(/nlags must be an integer in \[0, 2\]/);
  });
});

describe("fitAR", () => {
  it("AR(2) by least squares matches statsmodels AutoReg on the sunspots", () => {
    const m = fitAR(sun, 2);
    // the numbers quoted in the course (statsmodels' AutoReg documentation)
    expectClose(m.intercept, 14.9071, { rtol: 1e-3 });
    expectClose(m.phi, [1.3918, -0.6903], { rtol: 1e-3 });
    expectClose(m.sigma2, 275.44, { rtol: 1e-3 });
    expectModel(m, S.ar2, 1e-9);
    expect(m.nobs).toBe(307);
    expect(m.nParams).toBe(4);
    expect(m.residuals.length).toBe(307);
    expect(m.method).toBe("ols");
  });
  it("AR(9), and AR(12) on the differenced CO2 series, match AutoReg", () => {
    expectModel(fitAR(sun, 9), S.ar9, 1e-8);
    expectModel(fitAR(difference(co2), 12), C.ar12Diff1, 1e-7);
  });
  it("Yule–Walker matches statsmodels yule_walker (mle and adjusted)", () => {
    for (const [r, adjusted] of [
      [S.yuleWalkerMle, false],
      [S.yuleWalkerAdjusted, true],
      [S.yuleWalkerMle9, false],
    ] as const) {
      const m = fitAR(sun, r.p, { method: "yule-walker", adjusted });
      expectModel(m, r, 1e-9);
      expect(m.method).toBe("yule-walker");
    }
  });
  it("without an intercept has one parameter fewer", () => {
    const m = fitAR(sun, 2, { intercept: false });
    expect(m.intercept).toBe(0);
    expect(m.nParams).toBe(3);
  });
  it("names the bad argument", () => {
    expect(() => fitAR(sun, 200)).toThrow(/p = 200 is too large for a series of length 309.*at most 153/);
    expect(() => fitAR(sun.slice(0, 4), 2)).toThrow(/p = 2 is too large for a series of length 4/);
    expect(() => fitAR(sun, 400, { method: "yule-walker" })).toThrow(/p = 400 is too large.*T − 1 = 308/);
    expect(() => fitAR(sun, -1)).toThrow(/p must be an integer ≥ 0/);
    expect(() => fitAR([], 1)).toThrow(/x must not be empty/);
    expect(() => fitAR([5, 5, 5, 5, 5, 5], 1)).toThrow(/x is constant/);
    expect(() => fitAR([1, 2, NaN, 4, 5, 6], 1)).toThrow(/x must be finite, but element 2 is NaN/);
    expect(() => fitAR(sun, 2, { method: "burg" as "ols" })).toThrow(/options.method must be "ols" or "yule-walker"/);
    expect(() => fitAR("sunspots" as unknown as number[], 2)).toThrow(/x must be an array of numbers or a rank-1 tensor, got string/);
    expect(() => fitAR(["1", "2"] as unknown as number[], 2)).toThrow(/x must contain numbers, but element 0 is string/);
  });
});

describe("selectOrder", () => {
  it("AIC and BIC choose p = 9 over 0..13 on the sunspots, on statsmodels' common sample", () => {
    for (const [criterion, r] of [
      ["aic", S.selectAic],
      ["bic", S.selectBic],
    ] as const) {
      const s = selectOrder(sun, { maxP: 13, criterion });
      expect(s.p).toBe(r.selected);
      expect(s.p).toBe(9);
      expectClose(
        s.table.map((row) => row.aic),
        r.table.map((row: { aic: number }) => row.aic),
        { rtol: 1e-9 },
      );
      expectClose(
        s.table.map((row) => row.bic),
        r.table.map((row: { bic: number }) => row.bic),
        { rtol: 1e-9 },
      );
      expect(s.table.every((row) => row.nobs === 309 - 13)).toBe(true);
      expectModel(s.model, S.ar9, 1e-8); // refit on the whole series
    }
  });
  it("restricts to [minP, maxP] and defaults maxP to 10 log10 T", () => {
    expect(selectOrder(sun, { minP: 1, maxP: 13 }).table.map((r) => r.p)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    expect(selectOrder(sun).table.length).toBe(Math.floor(10 * Math.log10(309)) + 1);
  });
  it("names the bad argument", () => {
    expect(() => selectOrder(sun, { maxP: 200 })).toThrow(/options.maxP = 200 is too large.*at most 153/);
    expect(() => selectOrder(sun, { maxP: 5, minP: 6 })).toThrow(/options.minP must be an integer in \[0, 5\]/);
    expect(() => selectOrder(sun, { criterion: "hqic" as "aic" })).toThrow(/options.criterion must be "aic" or "bic"/);
    expect(() => selectOrder([3, 3, 3])).toThrow(/x is constant/);
  });
});

describe("fitARIMA (conditional sum of squares)", () => {
  it("ARMA(2, 1) with intercept on the sunspots matches the scipy CSS reference", () => {
    const m = fitARIMA(sun, { p: 2, d: 0, q: 1 });
    expectModel(m, S.arma21, 1e-6);
    expectClose(m.residuals.slice(0, 5), S.arma21.residualsFirst5, { rtol: 1e-5, atol: 1e-5 });
    expectClose(m.residuals.slice(-5), S.arma21.residualsLast5, { rtol: 1e-5, atol: 1e-5 });
    expect(m.method).toBe("css");
    // CSS is close to the exact maximum likelihood of statsmodels' ARIMA
    expectClose(m.phi, S.arma21.exactMLE.params.slice(1, 3), { rtol: 5e-3 });
  });
  it("ARIMA(1, 1, 1) on the sunspots and ARIMA(2, 1, 1) with drift on CO2 match too", () => {
    expectModel(fitARIMA(sun, { p: 1, d: 1, q: 1 }), S.arima111, 1e-5);
    const m = fitARIMA(co2, { p: 2, d: 1, q: 1 }, { intercept: true });
    expectModel(m, C.arima211, 1e-5);
    expect(m.nobs).toBe(co2.length - 1 - 2);
  });
  it("with q = 0 is least squares AR", () => {
    const a = fitARIMA(sun, { p: 3, d: 0, q: 0 });
    const b = fitAR(sun, 3);
    expectClose(a.phi, b.phi, { rtol: 1e-12 });
    expectClose(a.logLik, b.logLik, { rtol: 1e-12 });
  });
  it("its residuals are armaResiduals of the differenced series", () => {
    const m = fitARIMA(sun, { p: 1, d: 1, q: 1 });
    expectClose(armaResiduals(difference(sun), m.intercept, m.phi, m.theta), m.residuals, { rtol: 1e-12 });
    expect(armaResiduals([1, 2, 3], 0, [], [0.5])).toEqual([1, 1.5, 2.25]);
  });
  it("names the bad argument", () => {
    expect(() => fitARIMA(sun, { p: 1, d: 309, q: 0 })).toThrow(/order.d = 309 would leave nothing/);
    expect(() => fitARIMA(sun.slice(0, 6), { p: 2, d: 1, q: 1 })).toThrow(
      /order \(p = 2, d = 1, q = 1\) is too large for a series of length 6/,
    );
    expect(() => fitARIMA([1, 2, 3, 4, 5, 6, 7, 8], { p: 1, d: 1, q: 1 })).toThrow(/x differenced d = 1 times is constant/);
    expect(() => fitARIMA(sun, { p: 1, d: 0, q: -1 })).toThrow(/order.q must be an integer ≥ 0/);
    expect(() => fitARIMA(sun, null as unknown as { p: 1; d: 0; q: 0 })).toThrow(/order must be an object/);
    expect(() => fitARIMA(sun, { p: 1, d: 0, q: 1 }, { maxIter: 0 })).toThrow(/options.maxIter/);
    expect(() => armaResiduals([1], 0, [0.5, 0.1], [])).toThrow(/w has 1 values but phi has p = 2/);
    expect(() => armaResiduals([1, 2], NaN, [], [])).toThrow(/intercept must be a finite number/);
    expect(() => armaResiduals([1, 2], 0, [NaN], [])).toThrow(/phi must be finite/);
  });
});

describe("forecast", () => {
  it("AR(2) forecasts and 95% intervals match AutoReg.get_prediction", () => {
    const f = forecast(fitAR(sun, 2), 10);
    expectClose(f.mean, S.ar2.forecastMean, { rtol: 1e-9 });
    expectClose(f.lower, S.ar2.forecastLower95, { rtol: 1e-7 });
    expectClose(f.upper, S.ar2.forecastUpper95, { rtol: 1e-7 });
    expect(f.level).toBe(0.95);
  });
  it("ARIMA forecasts are on the original scale, with psi-weight intervals", () => {
    for (const [m, r] of [
      [fitARIMA(sun, { p: 1, d: 1, q: 1 }), S.arima111],
      [fitARIMA(co2, { p: 2, d: 1, q: 1 }, { intercept: true }), C.arima211],
      [fitARIMA(sun, { p: 2, d: 0, q: 1 }), S.arma21],
    ] as const) {
      const f = forecast(m, 12);
      expectClose(f.mean, r.forecastMean, { rtol: 1e-5 });
      expectClose(f.se, r.forecastSe, { rtol: 1e-5 });
      expectClose(f.lower, r.forecastLower95, { rtol: 1e-5, atol: 1e-4 });
      expectClose(f.upper, r.forecastUpper95, { rtol: 1e-5 });
    }
  });
  it("the interval widens with the level, and the history option forecasts from other data", () => {
    const m = fitAR(sun, 2);
    const f80 = forecast(m, 3, { level: 0.8 });
    const f99 = forecast(m, 3, { level: 0.99 });
    expect(f99.upper[0] - f99.lower[0]).toBeGreaterThan(f80.upper[0] - f80.lower[0]);
    expectClose((f80.upper[0] - f80.mean[0]) / f80.se[0], 1.2815515655446004, { rtol: 1e-9 });
    const early = forecast(m, 1, { history: sun.slice(0, 100) });
    expectClose(early.mean[0], m.intercept + m.phi[0] * sun[99] + m.phi[1] * sun[98], { rtol: 1e-12 });
  });
  it("names the bad argument", () => {
    const m = fitAR(sun, 2);
    expect(() => forecast(m, 0)).toThrow(/h must be an integer ≥ 1/);
    expect(() => forecast(m, 3, { level: 1 })).toThrow(/options.level must be in \(0, 1\)/);
    expect(() => forecast(m, 3, { history: [1, 2] })).toThrow(/options.history has 2 values.*at least p \+ d \+ 1 = 3/);
    expect(() => forecast({ ...m, phi: [] }, 3)).toThrow(/model must be a fitted model/);
  });
});

describe("simulate", () => {
  it("repeats with a seed, and with the global seed()", () => {
    const m = fitARIMA(sun, { p: 2, d: 0, q: 1 });
    expect(simulate(m, 50, { seed: 7 })).toEqual(simulate(m, 50, { seed: 7 }));
    expect(simulate(m, 50, { seed: 8 })).not.toEqual(simulate(m, 50, { seed: 7 }));
    seed(3);
    const a = simulate(m, 20);
    seed(3);
    expect(simulate(m, 20)).toEqual(a);
  });
  it("a long simulated AR(2) refit recovers phi, intercept and sigma2", () => {
    const truth = fitAR(sun, 2);
    const x = simulate(truth, 20000, { seed: 1 });
    const m = fitAR(x, 2);
    expectClose(m.phi, truth.phi, { atol: 0.02, rtol: 0 });
    expectClose(m.sigma2, truth.sigma2, { rtol: 0.05 });
    expectClose(m.intercept / (1 - m.phi[0] - m.phi[1]), truth.intercept / (1 - truth.phi[0] - truth.phi[1]), { rtol: 0.05 });
  });
  it("a long simulated ARMA(1, 1) refit by CSS recovers phi and theta", () => {
    const truth = fitARIMA(sun, { p: 1, d: 1, q: 1 });
    const x = simulate(truth, 20000, { seed: 2 });
    const m = fitARIMA(x, { p: 1, d: 1, q: 1 });
    expectClose([...m.phi, ...m.theta], [...truth.phi, ...truth.theta], { atol: 0.03, rtol: 0 });
  });
  it("continues a history: sample paths average to the forecast", () => {
    const m = fitARIMA(co2, { p: 2, d: 1, q: 1 }, { intercept: true });
    const f = forecast(m, 6);
    const paths = Array.from({ length: 2000 }, (_, i) => simulate(m, 6, { seed: 100 + i, history: co2 }));
    for (let k = 0; k < 6; k++) {
      const col = paths.map((p) => p[k]);
      const mu = col.reduce((s, v) => s + v, 0) / col.length;
      const sd = Math.sqrt(col.reduce((s, v) => s + (v - mu) ** 2, 0) / col.length);
      expectClose(mu, f.mean[k], { atol: (4 * f.se[k]) / Math.sqrt(2000), rtol: 0 });
      expectClose(sd, f.se[k], { rtol: 0.1 });
    }
  });
  it("unconditional draws with d = 1 start from options.start", () => {
    const m = fitARIMA(co2, { p: 2, d: 1, q: 1 }, { intercept: true });
    const x = simulate(m, 120, { seed: 5, start: [400] });
    expect(x.length).toBe(120);
    expect(Math.abs(x[0] - 400)).toBeLessThan(5);
  });
  it("names the bad argument", () => {
    const m = fitAR(sun, 2);
    expect(() => simulate(m, 0)).toThrow(/n must be an integer ≥ 1/);
    expect(() => simulate(m, 5, { seed: 1.5 })).toThrow(/options.seed must be an integer/);
    expect(() => simulate(m, 5, { burnIn: -1 })).toThrow(/options.burnIn must be an integer ≥ 0/);
    expect(() => simulate(m, 5, { history: [1] })).toThrow(/options.history has 1 values/);
    const m1 = fitARIMA(sun, { p: 1, d: 1, q: 0 });
    expect(() => simulate(m1, 5, { start: [1, 2] })).toThrow(/options.start must hold d = 1 values, got 2/);
  });
});

describe("heldOutLogLik", () => {
  it("on the training series equals the fit's logLik (least squares: sigma2 is the MLE)", () => {
    const m = fitAR(sun, 2);
    const h = heldOutLogLik(m, sun);
    expectClose(h.logLik, m.logLik, { rtol: 1e-12 });
    expect(h.nobs).toBe(m.nobs);
    expectClose(h.logLikPerStep, m.logLikPerStep, { rtol: 1e-12 });
  });
  it("splits additively: the first part alone plus the rest given the first part as history", () => {
    const m = fitARIMA(sun, { p: 2, d: 1, q: 1 });
    const a = heldOutLogLik(m, sun.slice(0, 250));
    const b = heldOutLogLik(m, sun.slice(250), { history: sun.slice(0, 250) });
    expect(b.nobs).toBe(59);
    expectClose(a.logLik + b.logLik, m.logLik, { rtol: 1e-10 });
  });
  it("scores a model on data it was not fit to, per step in nats", () => {
    const m = fitAR(sun.slice(0, 250), 9);
    const test = heldOutLogLik(m, sun.slice(250), { history: sun.slice(0, 250) });
    expect(test.logLikPerStep).toBeLessThan(m.logLikPerStep + 0.5);
    expect(Number.isFinite(test.logLikPerStep)).toBe(true);
  });
  it("names the bad argument", () => {
    const m = fitAR(sun, 2);
    expect(() => heldOutLogLik(m, [1, 2])).toThrow(/x has 2 values.*at least p \+ d \+ 1 = 3/);
    expect(() => heldOutLogLik(m, [1, NaN, 3, 4])).toThrow(/x must be finite/);
    expect(() => heldOutLogLik(m, [1, 2, 3], { history: [Infinity] })).toThrow(/options.history must be finite/);
    expect(() => heldOutLogLik({} as ArimaModel, sun)).toThrow(/model must be a fitted model/);
  });
});
