/**
 * Checks for stage 01 (exercises/01-autoregression.ts). Reference values are either worked out
 * by hand on tiny series (the arithmetic is in the comments) or statsmodels 0.13.5's numbers on
 * the yearly sunspots, copied from tests/reference/autoregression.json (written by
 * tests/reference/autoregression_reference.py; tests/exercises/01-reference.test.ts checks the
 * copy). Nothing here calls the solution or lib's fits.
 *
 * The exercises return plain numbers, so the comparisons here are on arrays, not tensors. A NaN
 * in a result is explained by its cause: an index outside an array (the inputs of 01.4–01.7 are
 * wrapped in a Proxy that records reads outside them) or 0/0, or both where the values cannot
 * tell them apart. 01.7's hints compare with each mistake's own path, computed by `armaMistake`.
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
  runCases,
} from "../lib/checker/define";
import * as tf from "@tensorflow/tfjs";
import type { SeriesInput } from "../lib/autoregression";

type Numbers = number[];
type ARParams = { intercept: number; phi: number[] };
type ARMAParams = ARParams & { theta: number[]; sigma2: number };

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

// ---------------------------------------------------------------------------------------------
// Why a result is NaN. Two causes give NaN here: an index outside an array (undefined, and
// arithmetic with undefined is NaN) and 0/0. Each exercise's explanation names the one its values
// and inputs leave possible, or both when they cannot be told apart.

/** An input array wrapped in a Proxy that records every read of an index outside 0..length − 1. */
interface Watched {
  values: number[];
  name: string;
  length: number;
  outside: number[];
}

/** Wraps `values` (named `name` in messages) so that reads outside its indices are recorded. */
function watch(values: number[], name: string): Watched {
  const outside: number[] = [];
  const proxy = new Proxy(values, {
    get(target, key, receiver) {
      if (typeof key === "string" && /^-?\d+$/.test(key)) {
        const k = Number(key);
        if (k < 0 || k >= target.length) outside.push(k);
      }
      return Reflect.get(target, key, receiver);
    },
  });
  return { values: proxy, name, length: values.length, outside };
}

/** "x[-1] was read, …" for the first recorded read outside a watched input; undefined when there was none. */
function outsideRead(...watched: Watched[]): string | undefined {
  for (const w of watched) {
    if (w.outside.length > 0) {
      const k = w.outside[0];
      return `${w.name}[${k}] was read, outside its indices 0..${w.length - 1}: it is undefined, and arithmetic with undefined gives NaN`;
    }
  }
  return undefined;
}

/**
 * The NaN of an exercise that only adds and subtracts (difference, integrate): no 0/0 is possible,
 * so it is an index outside an array; where in the result says which end.
 */
function indexWhy(what: string): (got: unknown) => string {
  return (got) => {
    const base = `Hint: ${what} only adds and subtracts, so a NaN comes from an index outside an array: reading one gives undefined, and arithmetic with undefined gives NaN`;
    if (!Array.isArray(got)) return base;
    const k = got.findIndex((v) => typeof v === "number" && !Number.isFinite(v));
    if (k > 0 && k === got.length - 1) return `${base} (here the last value: the loop read one index past the end)`;
    if (k === 0) return `${base} (here the first value: an index before the start, such as t − 1 at t = 0)`;
    return base;
  };
}

/**
 * The NaN or ±Infinity of an acf result.
 * @param zeroLags the lags k ≥ 1 whose sum Σ z_t z_{t−k} is exactly 0 on this input (worked out by
 *   hand): only there can a NaN at lag k be a 0/0
 */
function acfWhy(got: unknown, zeroLags: readonly number[]): string {
  const why = acfCause(got, zeroLags);
  return why ? `Hint: ${why}` : "";
}

function acfCause(got: unknown, zeroLags: readonly number[]): string {
  if (!Array.isArray(got)) return "";
  const values = got as number[];
  if (values.some((v) => v === Infinity || v === -Infinity)) {
    return "a finite series gives ±Infinity only through a division by 0: every gamma_k is divided by T, and every rho_k by gamma_0 > 0";
  }
  if (Number.isNaN(values[0])) {
    return (
      "rho_0 = gamma_0 / gamma_0 is NaN, so gamma_0 itself is NaN or 0 (0/0). Either its sum read an index outside z " +
      "(undefined, and arithmetic with undefined gives NaN: sum t = 0..T − 1), or it is 0: gamma_0 = (1/T) Σ_t (x_t − x̄)² is positive"
    );
  }
  const k = values.findIndex((v) => Number.isNaN(v));
  if (k > 0 && !zeroLags.includes(k)) {
    return (
      `rho_0 is fine but rho_${k} is NaN, and lag ${k}'s sum is not 0 on this input, so it is no 0/0: the sum read ` +
      `z[t − ${k}] with t < ${k}, before the start (undefined, and arithmetic with undefined gives NaN); sum over t = k..T − 1`
    );
  }
  if (k > 0) {
    return (
      `rho_${k} is NaN: lag ${k}'s sum is exactly 0 on this input, so either it was divided by 0 (0/0; divide by T) ` +
      `or it read z[t − ${k}] with t < ${k}, before the start (undefined, and arithmetic with undefined gives NaN)`
    );
  }
  return "";
}

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
  options: { call: string; rtol?: number; hint?: (got: ARParams) => string | undefined; whyNaN?: string },
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
      `${call} returned intercept ${g.intercept} and phi ${fmt(g.phi)}: not finite. Hint: ` +
        (options.whyNaN ??
          "either an index outside an array of yours (undefined, and arithmetic with it NaN) or a 0/0 in your own elimination (XᵀX singular)"),
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

/** The ways of getting 01.7's ARMA recursion wrong that its hints name. */
type ArmaMistake = "startZero" | "currentShock" | "maUnscaled" | "swapped" | "noMA" | "sigma2";

/**
 * The path a mistaken sampleARMA returns, computed here for the hints (the right path of each case is
 * worked out by hand in the check): the pre-sample at 0 instead of mu, the current shock in the MA
 * sum, the MA sum over unscaled z, phi and theta swapped, no MA part, shocks z·sigma2.
 */
function armaMistake(model: ARMAParams, z: readonly number[], burnIn: number, mistake: ArmaMistake): number[] {
  const phi = mistake === "swapped" ? model.theta : model.phi;
  const theta = mistake === "swapped" ? model.phi : model.theta;
  const p = phi.length;
  const mu = mistake === "startZero" ? 0 : model.intercept / (1 - phi.reduce((s, v) => s + v, 0));
  const scale = mistake === "sigma2" ? model.sigma2 : Math.sqrt(model.sigma2);
  const x = new Array<number>(p).fill(mu);
  const e: number[] = []; // e[k]: the shock of step k
  for (let k = 0; k < z.length; k++) {
    const shock = scale * z[k];
    let value = model.intercept + shock;
    for (let i = 1; i <= p; i++) value += phi[i - 1] * x[p + k - i];
    for (let j = 1; j <= theta.length && mistake !== "noMA"; j++) {
      const back = mistake === "currentShock" ? k - j + 1 : k - j;
      const past = back < 0 ? 0 : back === k ? shock : mistake === "maUnscaled" ? z[back] : e[back];
      value += theta[j - 1] * past;
    }
    x.push(value);
    e.push(shock);
  }
  return x.slice(p + burnIn);
}

/** Names 01.7's mistakes: the output's length (burn-in, pre-sample) first, then each mistake's path. */
function armaHint(model: ARMAParams, z: readonly number[], burnIn: number): (got: number[]) => string | undefined {
  const p = model.phi.length;
  const q = model.theta.length;
  const n = z.length - burnIn;
  const mu = model.intercept / (1 - model.phi.reduce((s, v) => s + v, 0));
  const messages: Record<ArmaMistake, string> = {
    startZero: `the pre-sample values are the process mean mu = intercept / (1 − Σ phi) = ${formatNumber(mu)}, not 0`,
    currentShock:
      "the MA part used e_t, this step's shock, as theta_1's: theta_j multiplies e_{t−j}, the shock j steps BACK (e_t enters once, on its own)",
    maUnscaled: "the MA part used z_{t−j}; the past shocks are e_{t−j} = sqrt(sigma2)·z_{t−j}",
    swapped: `phi and theta are swapped: phi (p = ${p} here) weighs past VALUES x_{t−i}, theta (q = ${q}) past SHOCKS e_{t−j}`,
    noMA: "that is the AR(p) path: the MA part Σ theta_j e_{t−j} is missing",
    sigma2: "the shocks are z times sigma2; they are z times the standard deviation sqrt(sigma2)",
  };
  return (got) => {
    if (burnIn > 0 && got.length === z.length)
      return `the first burnIn = ${burnIn} values are still there: drop them and return n − burnIn = ${n}`;
    if (p > 0 && got.length === n + p) return `the p = ${p} pre-sample values (mu) are not part of the path: return x.slice(p + burnIn)`;
    if (p > 0 && got.length === z.length + p)
      return `return n − burnIn = ${n} values: neither the p = ${p} pre-sample values nor the first burnIn = ${burnIn}`;
    for (const mistake of Object.keys(messages) as ArmaMistake[]) {
      if (allClose(got, armaMistake(model, z, burnIn, mistake))) return messages[mistake];
    }
    return undefined;
  };
}

export const checks = [
  defineCheck({
    id: "01.1",
    name: "difference",
    title: "first difference: w_t = x_{t+1} − x_t, taken d times",
    async run(difference: (x: SeriesInput, d?: number) => number[]) {
      const why = indexWhy("a difference");
      const x1 = [1, 4, 9, 16, 25];
      const w1 = [3, 5, 7, 9];
      const x2 = [2, -1, 3];
      const w2 = [-3, 4];
      await runCases([
        () => {
          // x = [1, 4, 9, 16, 25] (squares): steps 4−1 = 3, 9−4 = 5, 16−9 = 7, 25−16 = 9.
          const got = difference(x1);
          expectNumbers(got, w1, { call: "difference([1, 4, 9, 16, 25])", whyNaN: why(got), hint: differenceHint(x1, w1) });
        },
        () => {
          // x = [2, −1, 3]: −1 − 2 = −3, 3 − (−1) = 4.
          const got = difference(x2);
          expectNumbers(got, w2, { call: "difference([2, -1, 3])", whyNaN: why(got), hint: differenceHint(x2, w2) });
        },
        () => {
          // d = 2 on the squares: the differences 3, 5, 7, 9 differenced again are 2, 2, 2.
          const got = difference(x1, 2);
          expectNumbers(got, [2, 2, 2], {
            call: "difference([1, 4, 9, 16, 25], 2)",
            whyNaN: why(got),
            hint: (g) => (allClose(g, w1) ? "that is one difference: with d = 2, difference the result again" : undefined),
          });
        },
        () => {
          // d = 3: 2, 2, 2 differenced once more is 0, 0 (the third difference of squares is 0).
          const got = difference(x1, 3);
          expectNumbers(got, [0, 0], {
            call: "difference([1, 4, 9, 16, 25], 3)",
            whyNaN: why(got),
            hint: (g) => (g.length === 3 ? "d = 3 differences three times: T − 3 = 2 values" : undefined),
          });
        },
        () => {
          // d = 0 differences nothing: x itself.
          const got = difference(x2, 0);
          expectNumbers(got, x2, { call: "difference([2, -1, 3], 0)", whyNaN: why(got), hint: () => "d = 0 returns x unchanged" });
        },
        () => {
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
            whyNaN: why(wt),
            hint: (g) =>
              g.length === 0 ? 'a tensor is no array (Array.from gives []): read x with the given toNumbers(x, "x") first' : undefined,
          });
        },
      ]);
    },
  }),
  defineCheck({
    id: "01.2",
    name: "integrate",
    title: "undo the difference from a start value",
    async run(integrate: (w: SeriesInput, start: ArrayLike<number>) => number[]) {
      const why = indexWhy("integrate");
      await runCases([
        () => {
          // w = [3, 5, 7, 9] from x_0 = 1: 1, 1+3 = 4, 4+5 = 9, 9+7 = 16, 16+9 = 25.
          const w1 = [3, 5, 7, 9];
          const x1 = [1, 4, 9, 16, 25];
          const got = integrate(w1, [1]);
          expectNumbers(got, x1, { call: "integrate([3, 5, 7, 9], [1])", whyNaN: why(got), hint: integrateHint(w1, 1, x1) });
        },
        () => {
          // w = [−3, 4] from x_0 = 2: 2, 2−3 = −1, −1+4 = 3.
          const w2 = [-3, 4];
          const x2 = [2, -1, 3];
          const got = integrate(w2, [2]);
          expectNumbers(got, x2, { call: "integrate([-3, 4], [2])", whyNaN: why(got), hint: integrateHint(w2, 2, x2) });
        },
        () => {
          // A forecast of CO2 differences continues from the LAST observed level, here 400:
          // 400, 400.5, 400.5−0.25 = 400.25.
          const w3 = [0.5, -0.25];
          const x3 = [400, 400.5, 400.25];
          const got = integrate(w3, [400]);
          expectNumbers(got, x3, { call: "integrate([0.5, -0.25], [400])", whyNaN: why(got), hint: integrateHint(w3, 400, x3) });
        },
        () => {
          // d = 2: w = [2, 2, 2] (the squares differenced twice) with start = [1, 4], the first two squares.
          // Level 1 starts at 4 − 1 = 3: 3, 5, 7, 9; level 0 starts at 1: 1, 4, 9, 16, 25.
          // (The levels in the wrong order, level 1 from start[0] = 1 and level 0 from 3:
          // 1, 3, 5, 7 then 3, 4, 7, 12, 19.)
          const got = integrate([2, 2, 2], [1, 4]);
          expectNumbers(got, [1, 4, 9, 16, 25], {
            call: "integrate([2, 2, 2], [1, 4])",
            whyNaN: why(got),
            hint: (g) => {
              if (g.length === 4) {
                return "start holds d = 2 values, so integrate twice: first from difference(start, 1)[0] = 3, then from start[0] = 1";
              }
              if (allClose(g, [3, 4, 7, 12, 19])) {
                return "the levels are integrated in the wrong order: the first pass (level 1) starts from difference(start, 1)[0] = 3, the last (level 0) from start[0] = 1";
              }
              return undefined;
            },
          });
        },
        () => {
          // d = 0: nothing to undo, w itself.
          const got = integrate([2, -1, 3], []);
          expectNumbers(got, [2, -1, 3], {
            call: "integrate([2, -1, 3], [])",
            whyNaN: why(got),
            hint: () => "an empty start (d = 0) returns w unchanged",
          });
        },
      ]);
    },
  }),
  defineCheck({
    id: "01.3",
    name: "acf",
    title: "sample autocorrelations rho_0..rho_nlags",
    async run(acf: (x: number[], nlags: number) => number[]) {
      await runCases([
        () => {
          // x = [1, 2, 3, 4], T = 4: mean 2.5, z = [−1.5, −0.5, 0.5, 1.5].
          //   gamma_0 = (2.25 + 0.25 + 0.25 + 2.25)/4 = 5/4
          //   gamma_1 = (z1 z0 + z2 z1 + z3 z2)/4 = (0.75 − 0.25 + 0.75)/4 = 1.25/4 → rho_1 = 0.25
          //   gamma_2 = (z2 z0 + z3 z1)/4 = (−0.75 − 0.75)/4 = −1.5/4       → rho_2 = −0.3
          //   gamma_3 = z3 z0 / 4 = −2.25/4                                 → rho_3 = −0.45
          // No lag's sum is 0, so a NaN at a lag k ≥ 1 cannot be a 0/0.
          // Mistakes worked out the same way: sums divided by T − k (3, 2, 1) instead of 4 give
          // [1, (1.25/3)/1.25, (−1.5/2)/1.25, −2.25/1.25] = [1, 1/3, −0.6, −1.8]; no mean
          // subtracted gives gamma = [30, 20, 11, 4]/4, so [1, 2/3, 11/30, 4/30].
          const got = acf([1, 2, 3, 4], 3);
          expectNumbers(got, [1, 0.25, -0.3, -0.45], {
            call: "acf([1, 2, 3, 4], 3)",
            whyNaN: acfWhy(got, []),
            hint: acfHint(3, [1, 1 / 3, -0.6, -1.8], [1, 2 / 3, 11 / 30, 4 / 30]),
          });
        },
        () => {
          // x = [2, 0, 4, 2]: mean 2, z = [0, −2, 2, 0]; gamma_0 = 8/4 = 2,
          // gamma_1 = (0 − 4 + 0)/4 = −1 → rho_1 = −0.5, gamma_2 = (0 + 0)/4 = 0 → rho_2 = 0.
          // (T − k: [1, (−4/3)/2, 0] = [1, −2/3, 0]; no mean: gamma = [24, 8, 4]/4 → [1, 1/3, 1/6].)
          const got = acf([2, 0, 4, 2], 2);
          expectNumbers(got, [1, -0.5, 0], {
            call: "acf([2, 0, 4, 2], 2)",
            whyNaN: acfWhy(got, [2]),
            hint: acfHint(2, [1, -2 / 3, 0], [1, 1 / 3, 1 / 6]),
          });
        },
        () => {
          // The yearly sunspots, lags 0..5, against statsmodels' acf(x, adjusted=False).
          const got = acf(sunspots(), 5);
          expectNumbers(got, STATSMODELS.acf, { call: "acf(sunspots, 5)", whyNaN: acfWhy(got, []), rtol: 1e-6, atol: 1e-8 });
        },
      ]);
    },
  }),
  defineCheck({
    id: "01.4",
    name: "fitARLeastSquares",
    title: "AR(p) with intercept by the normal equations",
    async run(fitARLeastSquares: (x: number[], p: number) => ARParams) {
      /** Calls the fit on a watched x; an exception after a read outside x is reported as that read. */
      const fit = (values: number[], p: number, call: string): { got: ARParams; whyNaN: string | undefined } => {
        const x = watch(values, "x");
        try {
          const got = fitARLeastSquares(x.values, p);
          return { got, whyNaN: outsideRead(x) };
        } catch (e) {
          const read = outsideRead(x);
          if (read === undefined) throw e;
          const inner = typeof e === "object" && e !== null && "error" in e ? (e as { error: unknown }).error : e; // the worker's LearnerError
          throw new CheckFailure(
            `${call} threw "${inner instanceof Error ? inner.message : String(inner)}". Hint: ${read}, and the NaN went into XᵀX. ` +
              "Row t (t = p..T − 1) reads x[t − i] for i = 1..p",
            "nan",
          );
        }
      };
      await runCases([
        () => {
          // AR(1) on x = [1, 2, 4, 3, 5]: rows t = 1..4 give (x_{t−1}, x_t) = (1,2), (2,4), (4,3), (3,5).
          //   n = 4, Σu = 10, Σu² = 30, Σy = 14, Σuy = 2 + 8 + 12 + 15 = 37
          //   [4 10; 10 30] [c; phi] = [14; 37], det = 120 − 100 = 20
          //   c = (30·14 − 10·37)/20 = 2.5,  phi = (4·37 − 10·14)/20 = 0.4
          // (Without the intercept: phi = Σuy/Σu² = 37/30.)
          const call = "fitARLeastSquares([1, 2, 4, 3, 5], 1)";
          const { got, whyNaN } = fit([1, 2, 4, 3, 5], 1, call);
          expectAR(
            got,
            { intercept: 2.5, phi: [0.4] },
            { call, whyNaN, hint: arHint({ intercept: 2.5, phi: [0.4] }, { intercept: 0, phi: [37 / 30] }) },
          );
        },
        () => {
          // An AR(2) without noise, x_t = 1 + 0.5 x_{t−1} − 0.25 x_{t−2}, from x_0 = 0, x_1 = 2:
          //   x_2 = 1 + 1 − 0 = 2, x_3 = 1 + 1 − 0.5 = 1.5, x_4 = 1 + 0.75 − 0.5 = 1.25,
          //   x_5 = 1 + 0.625 − 0.375 = 1.25, x_6 = 1 + 0.625 − 0.3125 = 1.3125.
          // Every equation holds exactly, and X's rows [1, 2, 0], [1, 2, 2], [1, 1.5, 2] already have
          // determinant 1·(4 − 3) − 2·(2 − 2) + 0 = 1 ≠ 0, so least squares recovers the coefficients.
          const call = "fitARLeastSquares([0, 2, 2, 1.5, 1.25, 1.25, 1.3125], 2)";
          const want = { intercept: 1, phi: [0.5, -0.25] };
          const { got, whyNaN } = fit([0, 2, 2, 1.5, 1.25, 1.25, 1.3125], 2, call);
          expectAR(got, want, { call, whyNaN, hint: arHint(want) });
        },
        () => {
          // The yearly sunspots, AR(2), against statsmodels' AutoReg(x, 2, trend="c"):
          // intercept 14.9071, phi [1.3918, −0.6903].
          const ref = STATSMODELS.ar2;
          const call = "fitARLeastSquares(sunspots, 2)";
          const { got, whyNaN } = fit(sunspots(), 2, call);
          expectAR(
            got,
            { intercept: ref.intercept, phi: ref.phi },
            { call, whyNaN, rtol: 1e-6, hint: arHint({ intercept: ref.intercept, phi: ref.phi }) },
          );
        },
      ]);
    },
  }),
  defineCheck({
    id: "01.5",
    name: "forecastNext",
    title: "one-step forecast: intercept + Σ phi_i x_{T−i}",
    async run(forecastNext: (model: ARParams, history: number[]) => number) {
      /** Calls forecastNext with watched phi and history; the NaN's cause from what was read. */
      const next = (model: ARParams, values: number[]): { got: number; whyNaN: string } => {
        const phi = watch(model.phi, "phi");
        const history = watch(values, "history");
        const got = forecastNext({ intercept: model.intercept, phi: phi.values }, history.values);
        const whyNaN =
          "Hint: " +
          (outsideRead(history, phi) ??
            "the forecast only multiplies and adds, so a NaN comes from an undefined value: an index outside an array of yours (arithmetic with undefined gives NaN)");
        return { got, whyNaN };
      };
      await runCases([
        () => {
          // AR(1), intercept 2.5, phi [0.4], history ending in 5: 2.5 + 0.4·5 = 4.5.
          // (phi with history[T − 2] = 3: 3.7; with the first value 1: 2.9; no intercept: 2.)
          const { got, whyNaN } = next({ intercept: 2.5, phi: [0.4] }, [1, 2, 4, 3, 5]);
          expectNumber(got, 4.5, {
            call: "forecastNext({ intercept: 2.5, phi: [0.4] }, [1, 2, 4, 3, 5])",
            whyNaN,
            hint: forecastHint({ offByOne: 3.7, first: 2.9, noIntercept: 2 }),
          });
        },
        () => {
          // AR(2), intercept 1, phi [0.5, −0.25], history [0, 2, 2, 1.5]:
          //   1 + 0.5·1.5 − 0.25·2 = 1.25.
          // (one step too far back: 1 + 0.5·2 − 0.25·2 = 1.5; reversed: 1 + 0.5·2 − 0.25·1.5 =
          //  1.625; no intercept: 0.25.)
          const { got, whyNaN } = next({ intercept: 1, phi: [0.5, -0.25] }, [0, 2, 2, 1.5]);
          expectNumber(got, 1.25, {
            call: "forecastNext({ intercept: 1, phi: [0.5, -0.25] }, [0, 2, 2, 1.5])",
            whyNaN,
            hint: forecastHint({ offByOne: 1.5, reversed: 1.625, noIntercept: 0.25 }),
          });
        },
        () => {
          // History exactly p long (T = p = 2, the boundary): 1 + 0.5·4 − 0.25·8 = 1.
          // (reversed: 1 + 0.5·8 − 0.25·4 = 4; no intercept: 0.)
          const { got, whyNaN } = next({ intercept: 1, phi: [0.5, -0.25] }, [8, 4]);
          expectNumber(got, 1, {
            call: "forecastNext({ intercept: 1, phi: [0.5, -0.25] }, [8, 4])",
            whyNaN,
            hint: forecastHint({ offByOne: NaN, reversed: 4, noIntercept: 0 }),
          });
        },
        () => {
          // statsmodels' AR(2) fit of the sunspots and its first forecast (2009): 13.7662.
          const ref = STATSMODELS.ar2;
          const { got, whyNaN } = next({ intercept: ref.intercept, phi: ref.phi }, sunspots());
          expectNumber(got, ref.forecastMean[0], {
            call: "forecastNext(statsmodels' AR(2) of the sunspots, sunspots)",
            whyNaN,
            rtol: 1e-8,
          });
        },
      ]);
    },
  }),
  defineCheck({
    id: "01.6",
    name: "sampleAR",
    title: "sample a series from an AR(p), given the noise",
    async run(sampleAR: (model: ARParams & { sigma2: number }, start: number[], z: number[]) => number[]) {
      /** Calls sampleAR with watched phi, start and z; the NaN's cause from what was read. */
      const sample = (model: ARParams & { sigma2: number }, startValues: number[], zValues: number[]) => {
        const phi = watch(model.phi, "phi");
        const start = watch(startValues, "start");
        const z = watch(zValues, "z");
        const got = sampleAR({ ...model, phi: phi.values }, start.values, z.values);
        const whyNaN =
          "Hint: " +
          (outsideRead(z, start, phi) ??
            "the loop only multiplies and adds (sigma2 > 0 here), so a NaN comes from an undefined value: an index outside your working array (arithmetic with undefined gives NaN); copy start into it first, so x[t − i] exists from the first step");
        return { got, whyNaN };
      };
      await runCases([
        () => {
          // intercept 1, phi [0.5, −0.25], sigma2 4 (sigma 2), start [0, 2], z [1, 0, −1]:
          //   x_2 = 1 + 0.5·2 − 0.25·0 + 2·1 = 4
          //   x_3 = 1 + 0.5·4 − 0.25·2 + 2·0 = 2.5
          //   x_4 = 1 + 0.5·2.5 − 0.25·4 + 2·(−1) = −0.75
          // Mistakes worked out the same way: z times sigma2 instead of sigma → [6, 3.5, −2.75];
          // z not scaled → [3, 2, 0.25]; no noise at all → [2, 1.5, 1.25]; the means fed back instead
          // of the drawn values → [4, 1.5, −0.75]; phi reversed (phi_1 with x_{t−2}) →
          // 1 + 0.5·0 − 0.25·2 + 2 = 2.5, 1 + 0.5·2 − 0.25·2.5 + 0 = 1.375,
          // 1 + 0.5·2.5 − 0.25·1.375 − 2 = −0.09375.
          const model = { intercept: 1, phi: [0.5, -0.25], sigma2: 4 };
          const { got, whyNaN } = sample(model, [0, 2], [1, 0, -1]);
          expectNumbers(got, [4, 2.5, -0.75], {
            call: "sampleAR({ intercept: 1, phi: [0.5, -0.25], sigma2: 4 }, [0, 2], [1, 0, -1])",
            whyNaN,
            hint: (g) => {
              if (g.length === 5) return "return only the n = 3 new values, not start";
              if (allClose(g, [6, 3.5, -2.75]))
                return "the shocks are z times sigma2 = 4; they are z times the standard deviation sqrt(sigma2) = 2";
              if (allClose(g, [3, 2, 0.25])) return "the shocks are z unscaled; they are sqrt(sigma2)·z";
              if (allClose(g, [2, 1.5, 1.25])) return "no shocks were added: that is the forecast path; add sqrt(sigma2)·z_t to each value";
              if (allClose(g, [4, 1.5, -0.75]))
                return "the next value must depend on the values you DREW (pushed onto x), not on the noise-free means";
              if (allClose(g, [2.5, 1.375, -0.09375])) {
                return "phi is applied in reverse: phi[0] multiplies the most recent value x_{t−1} (2 at the first step), phi[1] the one before (0)";
              }
              return undefined;
            },
          });
        },
        () => {
          // A random walk: intercept 0, phi [1], sigma2 1, start [10], z [1, −2, 0.5]:
          //   10 + 1 = 11, 11 − 2 = 9, 9 + 0.5 = 9.5.
          const { got, whyNaN } = sample({ intercept: 0, phi: [1], sigma2: 1 }, [10], [1, -2, 0.5]);
          expectNumbers(got, [11, 9, 9.5], { call: "sampleAR({ intercept: 0, phi: [1], sigma2: 1 }, [10], [1, -2, 0.5])", whyNaN });
        },
      ]);
    },
  }),
  defineCheck({
    id: "01.7",
    name: "sampleARMA",
    title: "build it: sample an ARMA(p, q) path from given draws, with a burn-in",
    async run(sampleARMA: (model: ARMAParams, z: number[], burnIn?: number) => number[]) {
      /** Calls sampleARMA with watched phi, theta and z; the NaN's cause from what was read. */
      const sample = (model: ARMAParams, zValues: number[], burnIn: number) => {
        const phi = watch(model.phi, "phi");
        const theta = watch(model.theta, "theta");
        const z = watch(zValues, "z");
        const got = sampleARMA({ ...model, phi: phi.values, theta: theta.values }, z.values, burnIn);
        const whyNaN =
          "Hint: " +
          (outsideRead(z, theta, phi) ??
            "the path only multiplies and adds (Σ phi ≠ 1 here, so mu is finite), so a NaN comes from an undefined value: an index outside your own arrays, " +
              "most likely a shock before the start, e[t − j] with t − j < 0 (arithmetic with undefined gives NaN); shocks before t = 0 are 0");
        return { got, whyNaN };
      };
      await runCases([
        () => {
          // ARMA(2, 1) (p ≠ q): intercept 1, phi [0.5, 0.25], theta [0.4], sigma2 4 (sigma 2),
          // z [1, 0, −1, 0.5], burnIn 1. mu = 1 / (1 − 0.75) = 4, so x_{−2} = x_{−1} = 4, e_{−1} = 0.
          //   t = 0: e_0 = 2,  x_0 = 1 + 0.5·4 + 0.25·4 + 2 + 0.4·0              = 6
          //   t = 1: e_1 = 0,  x_1 = 1 + 0.5·6 + 0.25·4 + 0 + 0.4·2              = 5.8
          //   t = 2: e_2 = −2, x_2 = 1 + 0.5·5.8 + 0.25·6 − 2 + 0.4·0            = 3.4
          //   t = 3: e_3 = 1,  x_3 = 1 + 0.5·3.4 + 0.25·5.8 + 1 + 0.4·(−2)       = 4.35
          // burnIn 1 drops x_0: [5.8, 3.4, 4.35].
          const model = { intercept: 1, phi: [0.5, 0.25], theta: [0.4], sigma2: 4 };
          const z = [1, 0, -1, 0.5];
          const { got, whyNaN } = sample(model, z, 1);
          expectNumbers(got, [5.8, 3.4, 4.35], {
            call: "sampleARMA({ intercept: 1, phi: [0.5, 0.25], theta: [0.4], sigma2: 4 }, [1, 0, -1, 0.5], 1)",
            whyNaN,
            hint: armaHint(model, z, 1),
          });
        },
        () => {
          // ARMA(1, 2) (q > p, no burn-in, so the first value sits on the pre-sample): intercept 0.5,
          // phi [0.8], theta [0.5, −0.3], sigma2 1, z [1, −1, 2]. mu = 0.5 / 0.2 = 2.5 = x_{−1};
          // e_{−1} = e_{−2} = 0.
          //   t = 0: e_0 = 1,  x_0 = 0.5 + 0.8·2.5 + 1                       = 3.5
          //   t = 1: e_1 = −1, x_1 = 0.5 + 0.8·3.5 − 1 + 0.5·1 − 0.3·0       = 2.8
          //   t = 2: e_2 = 2,  x_2 = 0.5 + 0.8·2.8 + 2 + 0.5·(−1) − 0.3·1    = 3.94
          const model = { intercept: 0.5, phi: [0.8], theta: [0.5, -0.3], sigma2: 1 };
          const z = [1, -1, 2];
          const { got, whyNaN } = sample(model, z, 0);
          expectNumbers(got, [3.5, 2.8, 3.94], {
            call: "sampleARMA({ intercept: 0.5, phi: [0.8], theta: [0.5, -0.3], sigma2: 1 }, [1, -1, 2], 0)",
            whyNaN,
            hint: armaHint(model, z, 0),
          });
        },
        () => {
          // MA(1) (p = 0, so mu = intercept and there is no AR part): intercept 1, theta [0.5], sigma2 1,
          // z [2, −2]: x_0 = 1 + 2 = 3, x_1 = 1 − 2 + 0.5·2 = 0.
          const model = { intercept: 1, phi: [], theta: [0.5], sigma2: 1 };
          const z = [2, -2];
          const { got, whyNaN } = sample(model, z, 0);
          expectNumbers(got, [3, 0], {
            call: "sampleARMA({ intercept: 1, phi: [], theta: [0.5], sigma2: 1 }, [2, -2], 0)",
            whyNaN,
            hint: armaHint(model, z, 0),
          });
        },
      ]);
    },
  }),
];
