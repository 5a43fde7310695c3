/**
 * Checks for stage 06 (exercises/06-diffusion.ts). Reference values are closed forms on small
 * hand-made schedules (worked out in the comments) and PyTorch float64 numbers for the paper's
 * schedule (tests/reference/diffusion_reference.py); nothing here calls the solution or lib/.
 */
import * as tf from "@tensorflow/tfjs";
import { CheckFailure, allClose, close, defineCheck, expectArray, expectTensor, formatNumber, runCases } from "../lib/checker/define";
import type { EpsTheta, Schedule as LibSchedule } from "../lib/diffusion";

type Schedule = { betas: number[]; alphas: number[]; alphaBars: number[] };

/** Reads the three arrays of a returned schedule. */
function scheduleParts(got: unknown, call: string): Schedule {
  if (typeof got !== "object" || got === null) {
    throw new CheckFailure(
      `${call} returned ${got === undefined ? "undefined (did you forget `return`?)" : typeof got}; expected { betas, alphas, alphaBars }`,
    );
  }
  const s = got as Partial<Schedule>;
  for (const k of ["betas", "alphas", "alphaBars"] as const) {
    if (s[k] === undefined) throw new CheckFailure(`${call} returned no \`${k}\`; expected { betas, alphas, alphaBars }`);
  }
  return s as Schedule;
}

/** How near a result must be to a known mistake's for its hint. */
const MATCH = { rtol: 1e-6, atol: 1e-12 };

/** Names the usual ᾱ mistakes. */
function alphaBarHint(alphas: number[]): (got: number[]) => string | undefined {
  const inclusive: number[] = [];
  alphas.reduce((p, a) => (inclusive.push(p * a), p * a), 1);
  const exclusive = [1, ...inclusive.slice(0, -1)];
  const late = inclusive.slice(1).concat([inclusive[inclusive.length - 1] * alphas[alphas.length - 1]]);
  return (got) => {
    if (allClose(got, exclusive, MATCH)) {
      return "alphaBars is off by one step: alphaBars[0] is 1 = ᾱ_0. Index i holds ᾱ_{i+1} = α_1·…·α_{i+1}, so alphaBars[0] = α_1 (multiply before you push)";
    }
    if (allClose(got.slice(0, -1), late.slice(0, -1), MATCH))
      return "alphaBars is one step late: alphaBars[0] should be α_1 alone, not α_1·α_2";
    if (allClose(got, alphas, MATCH)) return "those are the alphas: ᾱ_t is the running product α_1·α_2·…·α_t";
    return undefined;
  };
}

/**
 * The T = 4 schedule with β = 0.1, 0.2, 0.3, 0.4 as lib's `Schedule`, worked out by hand:
 * α = 0.9, 0.8, 0.7, 0.6; ᾱ = 0.9, 0.72, 0.504, 0.3024; ᾱ_{t−1} = 1, 0.9, 0.72, 0.504;
 * β̃_t = (1 − ᾱ_{t−1})/(1 − ᾱ_t)·β_t = 0, 0.1/0.28·0.2 = 1/14, 0.28/0.496·0.3 = 21/124, 0.496/0.6976·0.4 = 31/109.
 */
function handSchedule(): LibSchedule {
  return {
    kind: "linear",
    T: 4,
    betas: Float64Array.from([0.1, 0.2, 0.3, 0.4]),
    alphas: Float64Array.from([0.9, 0.8, 0.7, 0.6]),
    alphaBars: Float64Array.from([0.9, 0.72, 0.504, 0.3024]),
    alphaBarsPrev: Float64Array.from([1, 0.9, 0.72, 0.504]),
    posteriorVariances: Float64Array.from([0, 1 / 14, 21 / 124, 31 / 109]),
  };
}

// ---------------------------------------------------------------------------------------------
// 06.3's fixed ε_θ: ε̂ = 0.5·x_t + 0.1·t (t the step index), a stand-in for a trained network.

function makeEpsTheta(): (xt: tf.Tensor2D, t: tf.Tensor1D) => tf.Tensor2D {
  return (xt, t) => {
    if (!(t instanceof tf.Tensor)) {
      throw new CheckFailure(
        `epsTheta was called with t = ${String(t)}; pass the step as a [B] int32 tensor, e.g. tf.fill([B], t, "int32")`,
      );
    }
    if (t.shape.length !== 1 || t.shape[0] !== xt.shape[0]) {
      throw new CheckFailure(
        `epsTheta was called with t of shape [${t.shape.join(", ")}]; expected [${xt.shape[0]}] (one step per row of xt)`,
        "shape",
      );
    }
    return tf.tidy(() => xt.mul(0.5).add(t.toFloat().reshape([-1, 1]).mul(0.1)) as tf.Tensor2D);
  };
}

/** Algorithm 2 on plain numbers, with switches for the typical mistakes (used for hints and the reference). */
function reverseStep(
  x: number[][],
  z: number[][],
  t: number,
  s: Schedule,
  v: {
    noiseAtZero?: boolean;
    sigmaIsBeta?: boolean;
    divByAlphaBar?: boolean;
    tPlusOne?: boolean;
    noNoise?: boolean;
    posterior?: boolean;
  } = {},
): number[][] {
  const beta = s.betas[t];
  const alpha = s.alphas[t];
  const alphaBar = s.alphaBars[t];
  const tEps = v.tPlusOne ? t + 1 : t;
  return x.map((row, b) =>
    row.map((xv, d) => {
      const epsHat = 0.5 * xv + 0.1 * tEps;
      const mean = (xv - (beta / Math.sqrt(1 - alphaBar)) * epsHat) / Math.sqrt(v.divByAlphaBar ? alphaBar : alpha);
      // β̃ of the T = 4 schedule: 0, 1/14, 21/124, 31/109 (handSchedule)
      const sigma = v.sigmaIsBeta ? beta : Math.sqrt(v.posterior ? [0, 1 / 14, 21 / 124, 31 / 109][t] : beta);
      const noisy = !v.noNoise && (t > 0 || v.noiseAtZero);
      return mean + (noisy ? sigma * z[b][d] : 0);
    }),
  );
}

/** The check's ε_θ (ε̂ = 0.5·x_t + 0.1·t) that also logs the step index of every call. */
function makeLoggingEpsTheta(): { epsTheta: (xt: tf.Tensor2D, t: tf.Tensor1D) => tf.Tensor2D; steps: number[] } {
  const inner = makeEpsTheta();
  const steps: number[] = [];
  const epsTheta = (xt: tf.Tensor2D, t: tf.Tensor1D) => {
    const out = inner(xt, t); // checks t's type and shape first
    steps.push(t.dataSync()[0]);
    return out;
  };
  return { epsTheta, steps };
}

/**
 * 06.4's loss on plain numbers, with switches for the typical mistakes:
 * x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε, ε̂ = 0.5·x_t + 0.1·t, L = mean over b, d of (ε − ε̂)².
 */
function lossOf(
  x0: number[][],
  t: number[],
  eps: number[][],
  alphaBars: number[],
  v: { targetX0?: boolean; onX0?: boolean; sumOverD?: boolean; tPlusOne?: boolean; abs?: boolean; noSqrtSignal?: boolean } = {},
): number {
  let total = 0;
  x0.forEach((row, b) =>
    row.forEach((x, d) => {
      const ab = alphaBars[t[b]];
      const e = eps[b][d];
      const xt = (v.noSqrtSignal ? ab : Math.sqrt(ab)) * x + Math.sqrt(1 - ab) * e;
      const epsHat = 0.5 * (v.onX0 ? x : xt) + 0.1 * (v.tPlusOne ? t[b] + 1 : t[b]);
      const diff = (v.targetX0 ? x : e) - epsHat;
      total += v.abs ? Math.abs(diff) : diff * diff;
    }),
  );
  return total / (v.sumOverD ? x0.length : x0.length * x0[0].length);
}

/** Algorithm 2's loop on plain numbers over the steps `ts`, with zs[t] at step t (or as `noiseOf` picks). */
function loopOf(
  xT: number[][],
  zs: number[][][],
  ts: number[],
  s: Schedule,
  v: { noiseAtZero?: boolean; noNoiseAtOne?: boolean; noiseOf?: (t: number, k: number) => number } = {},
): number[] {
  let x = xT;
  ts.forEach((t, k) => {
    const z = zs[v.noiseOf ? v.noiseOf(t, k) : t];
    x = reverseStep(x, z, t, s, { noiseAtZero: v.noiseAtZero, noNoise: v.noNoiseAtOne && t === 1 });
  });
  return x.flat();
}

export const checks = [
  defineCheck({
    id: "06.1",
    name: "linearSchedule",
    title: "the linear schedule: β rising, α = 1 − β, ᾱ = running product",
    run(linearSchedule: (T?: number, betaStart?: number, betaEnd?: number) => LibSchedule) {
      // T = 5 from 0.1 to 0.5: β = 0.1, 0.2, 0.3, 0.4, 0.5 (step (0.5 − 0.1)/4 = 0.1);
      // α = 0.9, 0.8, 0.7, 0.6, 0.5; ᾱ = 0.9, 0.9·0.8 = 0.72, 0.72·0.7 = 0.504, 0.504·0.6 = 0.3024,
      // 0.3024·0.5 = 0.1512.
      const call = "linearSchedule(5, 0.1, 0.5)";
      const full = linearSchedule(5, 0.1, 0.5);
      const s = scheduleParts(full, call);
      expectArray(s.betas, [0.1, 0.2, 0.3, 0.4, 0.5], `${call}.betas`, {
        hint: (got) => {
          if (allClose(got, [0.5, 0.4, 0.3, 0.2, 0.1], MATCH))
            return "the schedule is reversed: β must rise from betaStart (little noise at first) to betaEnd";
          if (allClose(got, [0.1, 0.18, 0.26, 0.34, 0.42], MATCH))
            return "the last beta must be exactly betaEnd: step by (betaEnd − betaStart)/(T − 1)";
          return undefined;
        },
      });
      expectArray(s.alphas, [0.9, 0.8, 0.7, 0.6, 0.5], `${call}.alphas`, {
        hint: (got) => (allClose(got, [0.1, 0.2, 0.3, 0.4, 0.5], MATCH) ? "α_t = 1 − β_t" : undefined),
      });
      expectArray(s.alphaBars, [0.9, 0.72, 0.504, 0.3024, 0.1512], `${call}.alphaBars`, { hint: alphaBarHint([0.9, 0.8, 0.7, 0.6, 0.5]) });
      // The rest of lib's Schedule: ᾱ_{t−1} = 1, 0.9, 0.72, 0.504, 0.3024 (ᾱ_0 = 1), and
      // β̃_t = (1 − ᾱ_{t−1})/(1 − ᾱ_t)·β_t = 0, 0.1/0.28·0.2 = 1/14, 0.28/0.496·0.3 = 21/124,
      // 0.496/0.6976·0.4 = 31/109, 0.6976/0.8488·0.5 = 436/1061.
      if (full.kind !== "linear" || full.T !== 5) {
        throw new CheckFailure(`${call} returned kind ${String(full.kind)} and T ${String(full.T)}; expected kind "linear" and T 5`);
      }
      expectArray(full.alphaBarsPrev, [1, 0.9, 0.72, 0.504, 0.3024], `${call}.alphaBarsPrev`, {
        hint: (got) =>
          allClose(got, [0.9, 0.72, 0.504, 0.3024, 0.1512], MATCH)
            ? "alphaBarsPrev[i] is ᾱ_{t−1}, the product BEFORE this step's α: alphaBarsPrev[0] = 1"
            : undefined,
      });
      expectArray(full.posteriorVariances, [0, 1 / 14, 21 / 124, 31 / 109, 436 / 1061], `${call}.posteriorVariances`, {
        hint: (got) =>
          allClose(got, [0.1, 0.2, 0.3, 0.4, 0.5], MATCH) ? "those are the betas: β̃_t = (1 − ᾱ_{t−1})/(1 − ᾱ_t)·β_t" : undefined,
      });
      // The paper's schedule (T = 1000, β from 1e-4 to 0.02), PyTorch float64:
      // ᾱ at t = 1, 10, 100, 250, 500, 750, 1000 (indices t − 1); Σβ = 1000·(1e-4 + 0.02)/2 = 10.05.
      const call2 = "linearSchedule(1000, 1e-4, 0.02)";
      const p = scheduleParts(linearSchedule(1000, 1e-4, 0.02), call2);
      // The defaults are the paper's: linearSchedule() is linearSchedule(1000, 1e-4, 0.02).
      const byDefault = scheduleParts(linearSchedule(), "linearSchedule()");
      expectArray(byDefault.betas, Array.from(p.betas), "linearSchedule().betas (the defaults T = 1000, betaStart = 1e-4, betaEnd = 0.02)");
      const idx = [0, 9, 99, 249, 499, 749, 999];
      if (p.alphaBars.length !== 1000)
        throw new CheckFailure(`${call2}.alphaBars has ${p.alphaBars.length} numbers; expected 1000`, "shape");
      const sum = Array.from(p.betas).reduce((a, b) => a + b, 0);
      if (!close(sum, 10.05, { rtol: 1e-9, atol: 0 }))
        throw new CheckFailure(`${call2}: the betas should sum to 10.05, got ${formatNumber(sum)}`);
      expectArray(
        idx.map((i) => p.alphaBars[i]),
        [0.9999, 0.9981052047858344, 0.89701814567496, 0.5240853738253606, 0.07858724288177824, 0.003350550438936774, 4.035829765375676e-5],
        `${call2}.alphaBars at t = 1, 10, 100, 250, 500, 750, 1000`,
        { rtol: 1e-6 },
      );
    },
  }),
  defineCheck({
    id: "06.2",
    name: "qSample",
    title: "noise x_0 to step t in one jump: √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε",
    async run(qSample: (x0: tf.Tensor, t: number | tf.Tensor1D, eps: tf.Tensor, schedule: LibSchedule) => tf.Tensor) {
      // ᾱ = 0.9, 0.72, 0.504, 0.3024 (β = 0.1, 0.2, 0.3, 0.4); each row has its own t.
      const alphaBars = [0.9, 0.72, 0.504, 0.3024];
      const x0v = [
        [1, 2],
        [-1, 0.5],
        [0.2, -0.4],
      ];
      const tv = [0, 2, 1];
      const epsv = [
        [0.5, -0.5],
        [1, 1],
        [-2, 0.1],
      ];
      const row = (f: (ab: number, x: number, e: number) => number, shift = 0) =>
        x0v.map((r, b) => r.map((x, d) => f(tv[b] + shift >= 0 ? alphaBars[tv[b] + shift] : 1, x, epsv[b][d])));
      // x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε, e.g. row 0: √0.9·1 + √0.1·0.5 = 0.94868 + 0.15811 = 1.10679
      const want = row((ab, x, e) => Math.sqrt(ab) * x + Math.sqrt(1 - ab) * e);
      const x0 = tf.tensor2d(x0v);
      const t = tf.tensor1d(tv, "int32");
      const eps = tf.tensor2d(epsv);
      const perExample = () =>
        expectTensor(qSample(x0, t, eps, handSchedule()), want, {
          call: "qSample(x0 [3, 2], t = [0, 2, 1], eps [3, 2], ᾱ = [0.9, 0.72, 0.504, 0.3024])",
          hint: (got) => {
            const flat = (m: number[][]) => m.flat();
            if (allClose(got, flat(row((ab, x, e) => ab * x + Math.sqrt(1 - ab) * e))))
              return "the signal is scaled by ᾱ_t: use √ᾱ_t (the square root keeps the variance at 1)";
            if (allClose(got, flat(row((ab, x, e) => ab * x + (1 - ab) * e))))
              return "use the square roots: √ᾱ_t on x_0 and √(1 − ᾱ_t) on ε (they are standard deviations, not variances)";
            if (allClose(got, flat(row((ab, x, e) => Math.sqrt(ab) * x + (1 - ab) * e))))
              return "the noise is scaled by 1 − ᾱ_t: use √(1 − ᾱ_t)";
            if (allClose(got, flat(row((ab, x, e) => Math.sqrt(ab) * x + Math.sqrt(1 - ab) * e, -1))))
              return "ᾱ is indexed one step early: t is already an index (t = i ↔ alphaBars[i])";
            if (allClose(got, flat(row((ab, x, e) => Math.sqrt(ab) * x + Math.sqrt(1 - ab) * e, 1))))
              return "ᾱ is indexed one step late: t is already an index (t = i ↔ alphaBars[i])";
            return undefined;
          },
        });
      // One number t for the whole batch, on x0 of rank 3 ([B, h, w] = [2, 1, 2]): t = 3 ↔ ᾱ_4 = 0.3024,
      // so x_t = √0.3024·x_0 + √0.6976·ε, e.g. √0.3024·1 + √0.6976·0.5 = 0.54991 + 0.41761 = 0.96752.
      const x0v3 = [[[1, 2]], [[-1, 0.5]]];
      const epsv3 = [[[0.5, -0.5]], [[1, 1]]];
      const want3 = x0v3.map((r, b) => r.map((c, h) => c.map((x, w) => Math.sqrt(0.3024) * x + Math.sqrt(1 - 0.3024) * epsv3[b][h][w])));
      const x03 = tf.tensor3d(x0v3);
      const eps3 = tf.tensor3d(epsv3);
      // what one number t gives when read one step early: ᾱ_3 = 0.504 instead of ᾱ_4
      const withAlphaBar = (ab: number) => x0v3.flat(2).map((x, k) => Math.sqrt(ab) * x + Math.sqrt(1 - ab) * epsv3.flat(2)[k]);
      const call3 = "qSample(x0 [2, 1, 2], t = 3 (one number for the batch), eps [2, 1, 2], ᾱ = [0.9, 0.72, 0.504, 0.3024])";
      const oneNumber = () => {
        const out = qSample(x03, 3, eps3, handSchedule());
        if (out instanceof tf.Tensor && out.shape.join(",") === "2,2,2") {
          out.dispose();
          throw new CheckFailure(
            `${call3}: expected shape [2, 1, 2], got [2, 2, 2]. Hint: ᾱ was shaped [B, 1], which broadcasts against [B, 1, 2] to ` +
              "[B, B, 2]; give it one 1 per axis of x0 after the first: [B, 1, 1] here",
            "shape",
          );
        }
        expectTensor(out, want3, {
          call: call3,
          hint: (got) =>
            allClose(got, withAlphaBar(0.504))
              ? "ᾱ is indexed one step early for a number t: t = 3 is already the index of ᾱ_4 = 0.3024"
              : undefined,
        });
      };
      try {
        await runCases([perExample, oneNumber]);
      } finally {
        tf.dispose([x0, t, eps, x03, eps3]);
      }
    },
  }),
  defineCheck({
    id: "06.3",
    name: "pSampleWithNoise",
    title: "one reverse step x_t → x_{t−1} (no noise at t = 0)",
    async run(pSampleWithNoise: (epsTheta: EpsTheta, xt: tf.Tensor2D, t: number, schedule: LibSchedule, z: tf.Tensor2D) => tf.Tensor2D) {
      // β = 0.1, 0.2, 0.3, 0.4; α = 1 − β; ᾱ = 0.9, 0.72, 0.504, 0.3024. ε̂ = 0.5·x_t + 0.1·t.
      // E.g. t = 2, x = 1: ε̂ = 0.7, mean = (1 − 0.3/√0.496·0.7)/√0.7 = 0.83883, + √0.3·0.3 → 1.00315.
      const s: Schedule = { betas: [0.1, 0.2, 0.3, 0.4], alphas: [0.9, 0.8, 0.7, 0.6], alphaBars: [0.9, 0.72, 0.504, 0.3024] };
      // B = 3 rows of D = 2, so a step tensor of the wrong length is told apart
      const xv = [
        [1, -2],
        [0.5, 0],
        [-1.5, 0.25],
      ];
      const zv = [
        [0.3, -0.6],
        [1, 2],
        [-0.7, 0.4],
      ];
      const xt = tf.tensor2d(xv);
      const z = tf.tensor2d(zv);
      const epsTheta = makeEpsTheta();
      // every index: T − 1 = 3, the middle, t = 1 (the last step with noise) and t = 0 (none)
      const cases = [3, 2, 1, 0].map((t) => () => {
        const hint = (got: number[]) => {
          const is = (v: Parameters<typeof reverseStep>[4]) => allClose(got, reverseStep(xv, zv, t, s, v).flat());
          if (t === 0 && is({ noiseAtZero: true }))
            return "at the last step (t = 0 here, the paper's t = 1) return the mean: adding noise there only blurs the sample";
          if (t === 1 && is({ noNoise: true }))
            return "no noise was added at t = 1 (the paper's t = 2): only index t = 0 returns the mean; every t ≥ 1 adds σ_t·z";
          if (t > 0 && is({ noNoise: true })) return "no noise was added: for t > 0 add σ_t·z with σ_t = √β_t";
          if (t > 0 && is({ posterior: true })) return "σ_t² here is β_t (Algorithm 2's first choice), not the posterior variance β̃_t";
          if (is({ sigmaIsBeta: true })) return "the noise is scaled by β_t: σ_t = √β_t (β_t is a variance)";
          if (is({ divByAlphaBar: true })) return "divide by √α_t (this step's α), not √ᾱ_t";
          if (is({ tPlusOne: true })) return "epsTheta got t + 1: pass the index t itself, as the network was trained with";
          return undefined;
        };
        expectTensor(pSampleWithNoise(epsTheta, xt, t, handSchedule(), z), reverseStep(xv, zv, t, s), {
          call: `pSampleWithNoise(ε̂ = 0.5·x + 0.1·t, xt [3, 2], t = ${t}, T = 4 schedule, z [3, 2])`,
          hint,
        });
      });
      try {
        await runCases(cases);
      } finally {
        tf.dispose([xt, z]);
      }
    },
  }),
  defineCheck({
    id: "06.4",
    name: "diffusionLossWith",
    title: "build it: the training loss L_simple on a batch with given t and ε",
    run(diffusionLossWith: (epsTheta: EpsTheta, x0: tf.Tensor2D, t: tf.Tensor1D, eps: tf.Tensor2D, schedule: LibSchedule) => tf.Scalar) {
      // ᾱ = 0.9, 0.72, 0.504, 0.3024; B = 3 rows of D = 2, steps 0 and T − 1 = 3 both used.
      // Row 0 (t = 0): x_t = √0.9·[1, 2] + √0.1·[0.5, −0.5] = [1.10680, 1.73925], ε̂ = [0.55340, 0.86963],
      // (ε − ε̂)² = [0.00285, 1.87588]; rows 1 and 2 likewise; the mean of the 6 squares is L = 0.828705.
      const alphaBars = [0.9, 0.72, 0.504, 0.3024];
      const x0v = [
        [1, 2],
        [-1, 0.5],
        [0.2, -0.4],
      ];
      const tv = [0, 3, 1];
      const epsv = [
        [0.5, -0.5],
        [1, 1],
        [-2, 0.1],
      ];
      const want = lossOf(x0v, tv, epsv, alphaBars);
      const x0 = tf.tensor2d(x0v);
      const t = tf.tensor1d(tv, "int32");
      const eps = tf.tensor2d(epsv);
      const is = (got: number, v: Parameters<typeof lossOf>[4]) => close(got, lossOf(x0v, tv, epsv, alphaBars, v), MATCH);
      try {
        expectTensor(diffusionLossWith(makeEpsTheta(), x0, t, eps, handSchedule()), want, {
          call: "diffusionLossWith(ε̂ = 0.5·x + 0.1·t, x0 [3, 2], t = [0, 3, 1], eps [3, 2], T = 4 schedule)",
          hint: ([got]) => {
            if (is(got, { targetX0: true })) return "the target is the noise ε: ε_θ predicts ε, so compare ε̂ with eps, not with x0";
            if (is(got, { onX0: true }))
              return "epsTheta got x0: it sees the noised x_t = qSample(x0, t, eps, schedule), never the clean data";
            if (is(got, { sumOverD: true }))
              return "that is ‖ε − ε̂‖² summed over the D features, averaged over the batch: average over all B·D numbers (tf.mean of the squares)";
            if (is(got, { tPlusOne: true })) return "epsTheta got t + 1: pass the index t itself (0..T−1), the same t qSample used";
            if (is(got, { abs: true })) return "that is the mean absolute error: L_simple is the mean of the squares (ε − ε̂)²";
            if (is(got, { noSqrtSignal: true }))
              return "x_t looks made with ᾱ_t·x_0 instead of √ᾱ_t·x_0: fix qSample (06.2), or use lib's (qSampleLib) for now";
            return undefined;
          },
        });
      } finally {
        tf.dispose([x0, t, eps]);
      }
    },
  }),
  defineCheck({
    id: "06.5",
    name: "pSampleLoopWithNoise",
    title: "build it: ancestral sampling from x_T down to x_0 (T steps, no noise at the last)",
    run(pSampleLoopWithNoise: (epsTheta: EpsTheta, xT: tf.Tensor2D, schedule: LibSchedule, zs: tf.Tensor2D[]) => tf.Tensor2D) {
      // T = 4 (β = 0.1, 0.2, 0.3, 0.4), ε̂ = 0.5·x_t + 0.1·t; x_T [B = 3, D = 2] and one z per step, each
      // different, so which z a step used shows in the result. The reference chains 06.3's step
      // (reverseStep, Algorithm 2 on plain numbers) for t = 3, 2, 1, 0 with zs[t]; zs[0] is not used.
      const s: Schedule = { betas: [0.1, 0.2, 0.3, 0.4], alphas: [0.9, 0.8, 0.7, 0.6], alphaBars: [0.9, 0.72, 0.504, 0.3024] };
      const xTv = [
        [1, -2],
        [0.5, 0],
        [-1.5, 0.25],
      ];
      const zsv = [
        [
          [0.9, -0.8],
          [0.7, 0.6],
          [-0.5, 0.4],
        ],
        [
          [0.3, -0.6],
          [1, 2],
          [-0.7, 0.4],
        ],
        [
          [-1.2, 0.5],
          [0.2, -0.3],
          [1.1, 0.8],
        ],
        [
          [0.4, 1.3],
          [-0.9, 0.1],
          [0.6, -1.4],
        ],
      ];
      const down = [3, 2, 1, 0];
      const want = loopOf(xTv, zsv, down, s);
      const xT = tf.tensor2d(xTv);
      const zs = zsv.map((z) => tf.tensor2d(z));
      const { epsTheta, steps } = makeLoggingEpsTheta();
      const call = "pSampleLoopWithNoise(ε̂ = 0.5·x + 0.1·t, xT [3, 2], T = 4 schedule, zs = 4 × [3, 2])";
      try {
        const out = pSampleLoopWithNoise(epsTheta, xT, handSchedule(), zs);
        if (zs.some((z) => z.isDisposed)) throw new CheckFailure(`${call} disposed some of zs: never dispose the tensors you are given`);
        // Which steps ran, from epsTheta's calls: every index from T − 1 = 3 down to 0, once each.
        const ran = `epsTheta was called at t = [${steps.join(", ")}]; expected [3, 2, 1, 0]`;
        if (steps.join(",") !== down.join(",")) {
          let why = "one reverse step per index, from T − 1 down to 0";
          if (steps.join(",") === "2,1,0") why = "the loop skips t = T − 1 = 3: start at T − 1, the step that takes x_T to x_{T−1}";
          else if (steps.join(",") === "3,2,1")
            why = "the loop stops before t = 0: the last step (index 0, the paper's t = 1) must run too; it returns the mean";
          else if (steps.join(",") === "2,1") why = "the loop skips both ends: run t = T − 1, …, 1, 0 (T steps)";
          else if (steps.join(",") === "0,1,2,3") why = "the loop runs upward: sampling goes from t = T − 1 down to 0";
          else if (steps.join(",") === "4,3,2,1") why = "those are the paper's t = T..1: the indices run T − 1..0 (index i ↔ t = i + 1)";
          throw new CheckFailure(`${call}: ${ran}. Hint: ${why}`);
        }
        expectTensor(out, [xTv.map((_, b) => want.slice(2 * b, 2 * b + 2))].flat(), {
          call,
          hint: (got) => {
            const is = (v: Parameters<typeof loopOf>[4]) => allClose(got, loopOf(xTv, zsv, down, s, v));
            if (is({ noiseAtZero: true }))
              return "noise was added at the last step (t = 0, the paper's t = 1): it returns the mean, zs[0] is not used";
            if (is({ noNoiseAtOne: true }))
              return "no noise was added at t = 1: t = 1 is the last step WITH noise (zs[1]); only t = 0 returns the mean";
            if (is({ noiseOf: (_t, k) => k }))
              return "the noise is indexed by the loop counter (zs[0] first): the step from index t takes zs[t]";
            if (is({ noiseOf: (t) => t - 1 })) return "the noise is indexed one step early (zs[t − 1]): the step from index t takes zs[t]";
            return undefined;
          },
        });
        if (xT.isDisposed) throw new CheckFailure(`${call} disposed xT: it is the caller's; dispose only the x's you made`);
      } finally {
        tf.dispose([xT, ...zs]);
      }
    },
  }),
];
