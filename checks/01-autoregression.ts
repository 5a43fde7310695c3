/**
 * Checks for stage 01 (exercises/01-autoregression.ts). Reference values are either worked out
 * by hand on tiny series (the arithmetic is in the comments) or statsmodels 0.13.5's numbers on
 * the yearly sunspots, copied from tests/reference/autoregression.json (written by
 * tests/reference/autoregression_reference.py; tests/exercises/01-reference.test.ts checks the
 * copy). Nothing here calls the solution or lib's fits.
 *
 * The exercises return plain numbers, so the comparisons here are on arrays, not tensors.
 */
import fs from "node:fs";
import path from "node:path";
import {
  CheckFailure,
  allClose,
  close,
  defineCheck,
  describeValue,
  expectNumber,
  expectNumbers,
  formatNumber,
  formatValues,
} from "../lib/checker/define";
import * as tf from "@tensorflow/tfjs";
import type { SeriesInput } from "../lib/autoregression";

type Numbers = number[];
type ARParams = { intercept: number; phi: number[] };

const ROOT = path.resolve(__dirname, "..");

/** The yearly sunspot numbers 1700–2008 (T = 309), read straight from the CSV. */
function sunspots(): number[] {
  const lines = fs
    .readFileSync(path.join(ROOT, "data", "sunspots-yearly.csv"), "utf8")
    .trim()
    .split(/\r?\n/);
  return lines.slice(1).map((line) => Number(line.split(",")[1]));
}

/**
 * statsmodels 0.13.5 on the sunspots, copied from tests/reference/autoregression.json ("sunspots":
 * `acf` lags 0..5, `ar2`'s intercept, phi and first forecastMean), so the checker does not read the
 * test folder; tests/exercises/01-reference.test.ts checks that they still equal the JSON's.
 */
export const STATSMODELS = {
  acf: [1.0, 0.8202012944200222, 0.45126849200956753, 0.03957655157031839, -0.2757919611176016, -0.4252394308237747],
  ar2: { intercept: 14.907148336569222, phi: [1.3918052477893526, -0.6902869279589956], forecastMean: [13.766231595465879] },
};

/** Said after a NaN in a result: this stage's usual cause. */
const INDEX_NAN = "an index outside the array gives undefined, and arithmetic with it NaN";

function fmt(v: readonly number[]): string {
  return formatValues(v, [v.length]);
}

/** True when every element of `got` is `want`'s plus the same constant; returns that constant. */
function constantOffset(got: readonly number[], want: readonly number[]): number | undefined {
  if (got.length !== want.length || got.length === 0) return undefined;
  const c = got[0] - want[0];
  return got.every((g, i) => Math.abs(g - want[i] - c) <= 1e-6 * (1 + Math.abs(want[i]))) ? c : undefined;
}

/** Throws a CheckFailure unless `got` is `{ intercept, phi }` close to `want`. */
function expectAR(
  got: unknown,
  want: ARParams,
  options: { call: string; rtol?: number; hint?: (got: ARParams) => string | undefined },
): void {
  const { call, rtol = 1e-6 } = options;
  const p = want.phi.length;
  const g = got as Partial<ARParams> | null;
  if (g === null || typeof g !== "object" || Array.isArray(g)) {
    throw new CheckFailure(`${call} returned ${describeValue(got)}; expected an object { intercept, phi }`);
  }
  if (typeof g.intercept !== "number" || !Array.isArray(g.phi)) {
    throw new CheckFailure(
      `${call} returned an object without a number \`intercept\` and an array \`phi\` (keys: ${Object.keys(g).join(", ") || "none"})`,
    );
  }
  if (g.phi.length !== p) {
    throw new CheckFailure(
      `${call}: phi must hold p = ${p} coefficients, got ${g.phi.length}: ${fmt(g.phi)} (is the intercept inside phi?)`,
      "shape",
    );
  }
  const all = [g.intercept, ...g.phi];
  if (all.some((v) => !Number.isFinite(v))) {
    throw new CheckFailure(
      `${call} returned intercept ${g.intercept} and phi ${fmt(g.phi)}: not finite (an index outside x gives undefined, and arithmetic with it NaN)`,
      "nan",
    );
  }
  if (!allClose(all, [want.intercept, ...want.phi], { rtol, atol: 1e-9 })) {
    const hint = options.hint?.(g as ARParams);
    throw new CheckFailure(
      `${call}: expected intercept ${formatNumber(want.intercept)} and phi ${fmt(want.phi)}, got intercept ${formatNumber(g.intercept)} and phi ${fmt(g.phi)}` +
        (hint ? `. Hint: ${hint}` : ""),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Hints for the usual mistakes

function differenceHint(x: Numbers, want: Numbers): (got: number[]) => string | undefined {
  return (got) => {
    if (got.length === x.length) return `w has one value per step BETWEEN neighbours: T − 1 = ${x.length - 1} values for T = ${x.length}`;
    if (
      allClose(
        got,
        want.map((v) => -v),
      )
    )
      return "the signs are flipped: w_t = x_{t+1} − x_t (the later value minus the earlier one)";
    return undefined;
  };
}

function integrateHint(w: Numbers, start: number, want: Numbers): (got: number[]) => string | undefined {
  return (got) => {
    if (got.length === w.length && allClose(got, want.slice(1)))
      return `your values are right but start (${start}) is missing: it is the first value of the result`;
    if (got.length === w.length) return `the result has one value more than w: it starts with start = ${start}, then adds each difference`;
    const c = constantOffset(got, want);
    if (c !== undefined && Math.abs(c + start) < 1e-9)
      return `every value is off by −${formatNumber(start)}: the sum starts from 0, but it must start from start = ${formatNumber(start)} (x_0 = start)`;
    if (c !== undefined)
      return `every value is off by ${formatNumber(c)}: the wrong start value; x_0 must be start = ${formatNumber(start)}`;
    return undefined;
  };
}

/**
 * @param adjusted the answer with lag k divided by T − k (worked out by hand)
 * @param raw the answer without subtracting the mean (worked out by hand)
 */
function acfHint(nlags: number, adjusted: Numbers, raw: Numbers): (got: number[]) => string | undefined {
  return (got) => {
    if (got.length === nlags) return `return nlags + 1 = ${nlags + 1} values: rho_0 = 1 first, then lags 1..${nlags}`;
    if (got.length === nlags + 1 && Math.abs(got[0] - 1) > 1e-9)
      return `rho_0 is ${formatNumber(got[0])}, not 1: divide every gamma_k by gamma_0`;
    if (allClose(got, adjusted)) return "that divides lag k's sum by T − k; the ACF divides every lag's sum by T (then |rho_k| ≤ 1)";
    if (allClose(got, raw)) return "subtract the mean x̄ from x before multiplying";
    return undefined;
  };
}

function arHint(want: ARParams, noIntercept?: ARParams): (got: ARParams) => string | undefined {
  return (got) => {
    const p = want.phi.length;
    if (Math.abs(got.intercept) < 1e-9 && Math.abs(got.phi[0] - 1) < 1e-6 && got.phi.slice(1).every((v) => Math.abs(v) < 1e-6)) {
      return "phi_1 = 1 and everything else 0 is a perfect fit of x_t on ITSELF: lag i of row t is x[t − i] for i = 1..p, not x[t − i + 1]";
    }
    if (noIntercept && allClose([got.intercept, ...got.phi], [noIntercept.intercept, ...noIntercept.phi])) {
      return "that is the fit without an intercept: each row of X starts with a 1 (a column of ones), and beta[0] is the intercept";
    }
    if (Math.abs(got.intercept) < 1e-12)
      return "the intercept is 0: each row of X starts with a 1 (a column of ones), and beta[0] is the intercept";
    if (p > 1 && allClose(got.phi.slice().reverse(), want.phi, { rtol: 1e-5, atol: 1e-7 })) {
      return "phi is reversed: phi[0] goes with the most recent value x_{t−1}, phi[p − 1] with x_{t−p}";
    }
    return undefined;
  };
}

/** Hand-worked wrong answers of forecastNext → what they mean. */
function forecastHint(mistakes: {
  offByOne: number;
  reversed?: number;
  noIntercept: number;
  first?: number;
}): (got: number) => string | undefined {
  return (got) => {
    const near = (v: number | undefined) => v !== undefined && close(got, v, { rtol: 1e-6, atol: 1e-9 });
    if (near(mistakes.offByOne))
      return "phi_1 went with history[T − 2]: the most recent value is history[T − 1], so phi[i − 1] multiplies history[T − i]";
    if (near(mistakes.reversed)) return "phi is applied in reverse: phi[0] multiplies the LAST value history[T − 1]";
    if (near(mistakes.first)) return "phi_1 went with the first value of history; it goes with the last one, history[T − 1]";
    if (near(mistakes.noIntercept)) return "you left out the intercept";
    return undefined;
  };
}

export const checks = [
  defineCheck({
    id: "01.1",
    name: "difference",
    title: "first difference: w_t = x_{t+1} − x_t, taken d times",
    run(difference: (x: SeriesInput, d?: number) => number[]) {
      // x = [1, 4, 9, 16, 25] (squares): steps 4−1 = 3, 9−4 = 5, 16−9 = 7, 25−16 = 9.
      const x1 = [1, 4, 9, 16, 25];
      const w1 = [3, 5, 7, 9];
      expectNumbers(difference(x1), w1, { call: "difference([1, 4, 9, 16, 25])", whyNaN: INDEX_NAN, hint: differenceHint(x1, w1) });
      // x = [2, −1, 3]: −1 − 2 = −3, 3 − (−1) = 4.
      const x2 = [2, -1, 3];
      const w2 = [-3, 4];
      expectNumbers(difference(x2), w2, { call: "difference([2, -1, 3])", whyNaN: INDEX_NAN, hint: differenceHint(x2, w2) });
      // d = 2 on the squares: the differences 3, 5, 7, 9 differenced again are 2, 2, 2.
      expectNumbers(difference(x1, 2), [2, 2, 2], {
        call: "difference([1, 4, 9, 16, 25], 2)",
        whyNaN: INDEX_NAN,
        hint: (got) => (allClose(got, w1) ? "that is one difference: with d = 2, difference the result again" : undefined),
      });
      // d = 0 differences nothing: x itself.
      expectNumbers(difference(x2, 0), x2, {
        call: "difference([2, -1, 3], 0)",
        whyNaN: INDEX_NAN,
        hint: () => "d = 0 returns x unchanged",
      });
      // The series may be a tf.Tensor1D (lib's SeriesInput): [2, −1, 3] as a tensor gives [−3, 4] again.
      const x2t = tf.tensor1d(x2);
      let wt: number[];
      try {
        wt = difference(x2t);
      } finally {
        x2t.dispose();
      }
      expectNumbers(wt, w2, {
        call: "difference(tf.tensor1d([2, -1, 3]))",
        whyNaN: INDEX_NAN,
        hint: () => 'read x with the given toNumbers(x, "x") first',
      });
    },
  }),
  defineCheck({
    id: "01.2",
    name: "integrate",
    title: "undo the difference from a start value",
    run(integrate: (w: SeriesInput, start: ArrayLike<number>) => number[]) {
      // w = [3, 5, 7, 9] from x_0 = 1: 1, 1+3 = 4, 4+5 = 9, 9+7 = 16, 16+9 = 25.
      const w1 = [3, 5, 7, 9];
      const x1 = [1, 4, 9, 16, 25];
      expectNumbers(integrate(w1, [1]), x1, { call: "integrate([3, 5, 7, 9], [1])", whyNaN: INDEX_NAN, hint: integrateHint(w1, 1, x1) });
      // w = [−3, 4] from x_0 = 2: 2, 2−3 = −1, −1+4 = 3.
      const w2 = [-3, 4];
      const x2 = [2, -1, 3];
      expectNumbers(integrate(w2, [2]), x2, { call: "integrate([-3, 4], [2])", whyNaN: INDEX_NAN, hint: integrateHint(w2, 2, x2) });
      // A forecast of CO2 differences continues from the LAST observed level, here 400:
      // 400, 400.5, 400.5−0.25 = 400.25.
      const w3 = [0.5, -0.25];
      const x3 = [400, 400.5, 400.25];
      expectNumbers(integrate(w3, [400]), x3, {
        call: "integrate([0.5, -0.25], [400])",
        whyNaN: INDEX_NAN,
        hint: integrateHint(w3, 400, x3),
      });
      // d = 2: w = [2, 2, 2] (the squares differenced twice) with start = [1, 4], the first two squares.
      // Level 1 starts at 4 − 1 = 3: 3, 5, 7, 9; level 0 starts at 1: 1, 4, 9, 16, 25.
      expectNumbers(integrate([2, 2, 2], [1, 4]), [1, 4, 9, 16, 25], {
        call: "integrate([2, 2, 2], [1, 4])",
        whyNaN: INDEX_NAN,
        hint: (got) =>
          got.length === 4
            ? "start holds d = 2 values, so integrate twice: first from difference(start, 1)[0] = 3, then from start[0] = 1"
            : undefined,
      });
      // d = 0: nothing to undo, w itself.
      expectNumbers(integrate([2, -1, 3], []), [2, -1, 3], {
        call: "integrate([2, -1, 3], [])",
        whyNaN: INDEX_NAN,
        hint: () => "an empty start (d = 0) returns w unchanged",
      });
    },
  }),
  defineCheck({
    id: "01.3",
    name: "acf",
    title: "sample autocorrelations rho_0..rho_nlags",
    run(acf: (x: number[], nlags: number) => number[]) {
      // x = [1, 2, 3, 4], T = 4: mean 2.5, z = [−1.5, −0.5, 0.5, 1.5].
      //   gamma_0 = (2.25 + 0.25 + 0.25 + 2.25)/4 = 5/4
      //   gamma_1 = (z1 z0 + z2 z1 + z3 z2)/4 = (0.75 − 0.25 + 0.75)/4 = 1.25/4 → rho_1 = 0.25
      //   gamma_2 = (z2 z0 + z3 z1)/4 = (−0.75 − 0.75)/4 = −1.5/4       → rho_2 = −0.3
      //   gamma_3 = z3 z0 / 4 = −2.25/4                                 → rho_3 = −0.45
      // Mistakes worked out the same way: sums divided by T − k (3, 2, 1) instead of 4 give
      // [1, (1.25/3)/1.25, (−1.5/2)/1.25, −2.25/1.25] = [1, 1/3, −0.6, −1.8]; no mean
      // subtracted gives gamma = [30, 20, 11, 4]/4, so [1, 2/3, 11/30, 4/30].
      expectNumbers(acf([1, 2, 3, 4], 3), [1, 0.25, -0.3, -0.45], {
        call: "acf([1, 2, 3, 4], 3)",
        whyNaN: INDEX_NAN,
        hint: acfHint(3, [1, 1 / 3, -0.6, -1.8], [1, 2 / 3, 11 / 30, 4 / 30]),
      });
      // x = [2, 0, 4, 2]: mean 2, z = [0, −2, 2, 0]; gamma_0 = 8/4 = 2,
      // gamma_1 = (0 − 4 + 0)/4 = −1 → rho_1 = −0.5, gamma_2 = (0 + 0)/4 = 0 → rho_2 = 0.
      // (T − k: [1, (−4/3)/2, 0] = [1, −2/3, 0]; no mean: gamma = [24, 8, 4]/4 → [1, 1/3, 1/6].)
      expectNumbers(acf([2, 0, 4, 2], 2), [1, -0.5, 0], {
        call: "acf([2, 0, 4, 2], 2)",
        whyNaN: INDEX_NAN,
        hint: acfHint(2, [1, -2 / 3, 0], [1, 1 / 3, 1 / 6]),
      });
      // The yearly sunspots, lags 0..5, against statsmodels' acf(x, adjusted=False).
      const ref = STATSMODELS.acf;
      expectNumbers(acf(sunspots(), 5), ref, { call: "acf(sunspots, 5)", whyNaN: INDEX_NAN, rtol: 1e-6, atol: 1e-8 });
    },
  }),
  defineCheck({
    id: "01.4",
    name: "fitARLeastSquares",
    title: "AR(p) with intercept by the normal equations",
    run(fitARLeastSquares: (x: number[], p: number) => ARParams) {
      // AR(1) on x = [1, 2, 4, 3, 5]: rows t = 1..4 give (x_{t−1}, x_t) = (1,2), (2,4), (4,3), (3,5).
      //   n = 4, Σu = 10, Σu² = 30, Σy = 14, Σuy = 2 + 8 + 12 + 15 = 37
      //   [4 10; 10 30] [c; phi] = [14; 37], det = 120 − 100 = 20
      //   c = (30·14 − 10·37)/20 = 2.5,  phi = (4·37 − 10·14)/20 = 0.4
      // (Without the intercept: phi = Σuy/Σu² = 37/30.)
      expectAR(
        fitARLeastSquares([1, 2, 4, 3, 5], 1),
        { intercept: 2.5, phi: [0.4] },
        {
          call: "fitARLeastSquares([1, 2, 4, 3, 5], 1)",
          hint: arHint({ intercept: 2.5, phi: [0.4] }, { intercept: 0, phi: [37 / 30] }),
        },
      );
      // An AR(2) without noise, x_t = 1 + 0.5 x_{t−1} − 0.25 x_{t−2}, from x_0 = 0, x_1 = 2:
      //   x_2 = 1 + 1 − 0 = 2, x_3 = 1 + 1 − 0.5 = 1.5, x_4 = 1 + 0.75 − 0.5 = 1.25,
      //   x_5 = 1 + 0.625 − 0.375 = 1.25, x_6 = 1 + 0.625 − 0.3125 = 1.3125.
      // Every equation holds exactly, and X's rows [1, 2, 0], [1, 2, 2], [1, 1.5, 2] already have
      // determinant 1·(4 − 3) − 2·(2 − 2) + 0 = 1 ≠ 0, so least squares recovers the coefficients.
      const exact = [0, 2, 2, 1.5, 1.25, 1.25, 1.3125];
      const want = { intercept: 1, phi: [0.5, -0.25] };
      expectAR(fitARLeastSquares(exact, 2), want, { call: "fitARLeastSquares([0, 2, 2, 1.5, 1.25, 1.25, 1.3125], 2)", hint: arHint(want) });
      // The yearly sunspots, AR(2), against statsmodels' AutoReg(x, 2, trend="c"):
      // intercept 14.9071, phi [1.3918, −0.6903].
      const ref = STATSMODELS.ar2;
      expectAR(
        fitARLeastSquares(sunspots(), 2),
        { intercept: ref.intercept, phi: ref.phi },
        {
          call: "fitARLeastSquares(sunspots, 2)",
          rtol: 1e-6,
          hint: arHint({ intercept: ref.intercept, phi: ref.phi }),
        },
      );
    },
  }),
  defineCheck({
    id: "01.5",
    name: "forecastNext",
    title: "one-step forecast: intercept + Σ phi_i x_{T−i}",
    run(forecastNext: (model: ARParams, history: number[]) => number) {
      // AR(1), intercept 2.5, phi [0.4], history ending in 5: 2.5 + 0.4·5 = 4.5.
      // (phi with history[T − 2] = 3: 3.7; with the first value 1: 2.9; no intercept: 2.)
      expectNumber(forecastNext({ intercept: 2.5, phi: [0.4] }, [1, 2, 4, 3, 5]), 4.5, {
        call: "forecastNext({ intercept: 2.5, phi: [0.4] }, [1, 2, 4, 3, 5])",
        whyNaN: INDEX_NAN,
        hint: forecastHint({ offByOne: 3.7, first: 2.9, noIntercept: 2 }),
      });
      // AR(2), intercept 1, phi [0.5, −0.25], history [0, 2, 2, 1.5]:
      //   1 + 0.5·1.5 − 0.25·2 = 1.25.
      // (one step too far back: 1 + 0.5·2 − 0.25·2 = 1.5; reversed: 1 + 0.5·2 − 0.25·1.5 =
      //  1.625; no intercept: 0.25.)
      expectNumber(forecastNext({ intercept: 1, phi: [0.5, -0.25] }, [0, 2, 2, 1.5]), 1.25, {
        call: "forecastNext({ intercept: 1, phi: [0.5, -0.25] }, [0, 2, 2, 1.5])",
        whyNaN: INDEX_NAN,
        hint: forecastHint({ offByOne: 1.5, reversed: 1.625, noIntercept: 0.25 }),
      });
      // statsmodels' AR(2) fit of the sunspots and its first forecast (2009): 13.7662.
      const ref = STATSMODELS.ar2;
      expectNumber(forecastNext({ intercept: ref.intercept, phi: ref.phi }, sunspots()), ref.forecastMean[0], {
        call: "forecastNext(statsmodels' AR(2) of the sunspots, sunspots)",
        whyNaN: INDEX_NAN,
        rtol: 1e-8,
      });
    },
  }),
  defineCheck({
    id: "01.6",
    name: "sampleAR",
    title: "sample a series from an AR(p), given the noise",
    run(sampleAR: (model: ARParams & { sigma2: number }, start: number[], z: number[]) => number[]) {
      // intercept 1, phi [0.5, −0.25], sigma2 4 (sigma 2), start [0, 2], z [1, 0, −1]:
      //   x_2 = 1 + 0.5·2 − 0.25·0 + 2·1 = 4
      //   x_3 = 1 + 0.5·4 − 0.25·2 + 2·0 = 2.5
      //   x_4 = 1 + 0.5·2.5 − 0.25·4 + 2·(−1) = −0.75
      // Mistakes worked out the same way: z times sigma2 instead of sigma → [6, 3.5, −2.75];
      // z not scaled → [3, 2, 0.25]; no noise at all → [2, 1.5, 1.25]; the means fed back instead
      // of the drawn values → [4, 1.5, −0.75].
      const model = { intercept: 1, phi: [0.5, -0.25], sigma2: 4 };
      expectNumbers(sampleAR(model, [0, 2], [1, 0, -1]), [4, 2.5, -0.75], {
        call: "sampleAR({ intercept: 1, phi: [0.5, -0.25], sigma2: 4 }, [0, 2], [1, 0, -1])",
        whyNaN: INDEX_NAN,
        hint: (got) => {
          if (got.length === 5) return "return only the n = 3 new values, not start";
          if (allClose(got, [6, 3.5, -2.75]))
            return "the shocks are z times sigma2 = 4; they are z times the standard deviation sqrt(sigma2) = 2";
          if (allClose(got, [3, 2, 0.25])) return "the shocks are z unscaled; they are sqrt(sigma2)·z";
          if (allClose(got, [2, 1.5, 1.25])) return "no shocks were added: that is the forecast path; add sqrt(sigma2)·z_t to each value";
          if (allClose(got, [4, 1.5, -0.75]))
            return "the next value must depend on the values you DREW (pushed onto x), not on the noise-free means";
          return undefined;
        },
      });
      // A random walk: intercept 0, phi [1], sigma2 1, start [10], z [1, −2, 0.5]:
      //   10 + 1 = 11, 11 − 2 = 9, 9 + 0.5 = 9.5.
      expectNumbers(sampleAR({ intercept: 0, phi: [1], sigma2: 1 }, [10], [1, -2, 0.5]), [11, 9, 9.5], {
        call: "sampleAR({ intercept: 0, phi: [1], sigma2: 1 }, [10], [1, -2, 0.5])",
        whyNaN: INDEX_NAN,
      });
    },
  }),
];
