/**
 * Checks for stage 07 (exercises/07-conditional.ts). Reference values are worked out by hand
 * in the comments (closed forms for Gaussians, tiny kernel sums); nothing here calls the
 * solution or lib/metrics' distances.
 */
import * as tf from "@tensorflow/tfjs";
import { CheckFailure, allClose, close, defineCheck, expectNumber, expectTensor, formatNumber, runCases } from "../lib/checker/define";
import type { Schedule } from "../lib/diffusion";

type Stats = { mu: number[]; sigma: number[][] };
/** lib/conditional's CondEpsTheta for classes, written out. */
type CondEps = (xt: tf.Tensor2D, t: tf.Tensor1D, c: tf.Tensor1D) => tf.Tensor2D;
type GuidedSample = (
  epsTheta: CondEps,
  labels: tf.Tensor1D,
  w: number,
  schedule: Schedule,
  xT: tf.Tensor2D,
  noise: tf.Tensor2D[],
) => tf.Tensor2D;

/** The class index of ∅ (lib/conditional's NULL_CLASS: one past the ten digits). */
const NULL = 10;

/** How near a result must be to a known mistake's for its hint. */
const MATCH = { rtol: 1e-4, atol: 1e-6 };

/**
 * Names the usual Fréchet-distance mistakes from the hand-worked pieces of one case.
 * @param meanTerm ‖μ₁ − μ₂‖²
 * @param trSum Tr(Σ₁ + Σ₂)
 * @param trProd Tr(Σ₁Σ₂), the product without a square root
 * @param entrywise Σᵢ √((Σ₁Σ₂)ᵢᵢ), the trace of the entrywise square root
 */
function fidHint(c: {
  want: number;
  meanTerm: number;
  trSum: number;
  trProd: number;
  entrywise: number;
  /** Σᵢ |μ₁ᵢ − μ₂ᵢ|, the mean term not squared entry by entry */
  meanAbs?: number;
  /** Tr(Σ₁^½ Σ₂^½), the product of the two roots (right only for commuting covariances) */
  rootProduct?: number;
}): (got: number) => string | undefined {
  return (got) => {
    const apart = (v: number) => close(got, v, MATCH) && !close(c.want, v, MATCH);
    if (c.rootProduct !== undefined && apart(c.meanTerm + c.trSum - 2 * c.rootProduct)) {
      return "that uses Tr(Σ₁^½ Σ₂^½), which equals Tr((Σ₁Σ₂)^½) only when the covariances commute; take the eigenvalues of M = Σ₁^½ Σ₂ Σ₁^½";
    }
    if (c.meanAbs !== undefined && apart(c.want - c.meanTerm + c.meanAbs)) {
      return "the mean term is the squared distance ‖μ₁ − μ₂‖² = Σᵢ (μ₁ᵢ − μ₂ᵢ)², not Σᵢ |μ₁ᵢ − μ₂ᵢ|";
    }
    if (c.meanTerm > 0 && apart(c.want - c.meanTerm + Math.sqrt(c.meanTerm)))
      return "square the distance of the means: ‖μ₁ − μ₂‖², not ‖μ₁ − μ₂‖";
    if (close(got, c.meanTerm + c.trSum - 2 * c.trProd, MATCH)) {
      return `that uses Tr(Σ₁Σ₂) = ${formatNumber(c.trProd)}, the covariance product itself; the formula needs its matrix square root (Σ₁Σ₂)^½`;
    }
    if (close(got, c.meanTerm + c.trSum - 2 * c.entrywise, MATCH) && !close(c.entrywise, (c.meanTerm + c.trSum - c.want) / 2, MATCH)) {
      return "that is the entrywise square root of Σ₁Σ₂; use the matrix square root (the eigenvalues of Σ₁^½ Σ₂ Σ₁^½)";
    }
    if (close(got, c.meanTerm + c.trSum - 2 * Math.sqrt(c.trProd), MATCH) && c.trProd > 0) {
      return "√Tr(Σ₁Σ₂) is not Tr((Σ₁Σ₂)^½): take the square roots of the eigenvalues, then sum";
    }
    if (c.meanTerm > 0 && close(got, c.want - c.meanTerm, MATCH)) return "the mean term ‖μ₁ − μ₂‖² is missing";
    if (close(got, c.meanTerm + c.trSum, MATCH)) return "Tr(Σ₁ + Σ₂) alone: subtract 2·Tr((Σ₁Σ₂)^½)";
    return undefined;
  };
}

// ---------------------------------------------------------------------------------------------
// 07.4: a schedule, an ε_θ stand-in and the sampler, all written out in float64

/** A Schedule (lib/diffusion's fields) from its betas, by the definitions: α = 1 − β, ᾱ the running product. */
export function scheduleOf(b: number[]): Schedule {
  const T = b.length;
  const betas = Float64Array.from(b);
  const alphas = betas.map((x) => 1 - x);
  const alphaBars = new Float64Array(T);
  const alphaBarsPrev = new Float64Array(T);
  const posteriorVariances = new Float64Array(T);
  let prod = 1;
  for (let i = 0; i < T; i++) {
    alphaBarsPrev[i] = prod;
    prod *= alphas[i];
    alphaBars[i] = prod;
    posteriorVariances[i] = ((1 - alphaBarsPrev[i]) / (1 - alphaBars[i])) * betas[i];
  }
  return { kind: "linear", T, betas, alphas, alphaBars, alphaBarsPrev, posteriorVariances };
}

/** The stand-in's class vector e(c)_d = 0.3·sin(1.3(c + 1) + 0.7d); row 10 is ∅. */
const classVector = (c: number, d: number) => 0.3 * Math.sin(1.3 * (c + 1) + 0.7 * d);

/** The stand-in ε_θ(x, t, c) = 0.5·x + 0.1·(t + 1) + e(c), one number. */
const epsNumber = (x: number, t: number, c: number, d: number) => 0.5 * x + 0.1 * (t + 1) + classVector(c, d);

/**
 * The ε_θ stand-in as a tensor function (the same formula), which checks what it is given and
 * records the step of each call.
 */
function standInEps(D: number): { epsTheta: CondEps; steps: () => number[]; dispose: () => void } {
  const table = tf.tensor2d(Array.from({ length: NULL + 1 }, (_, c) => Array.from({ length: D }, (_, d) => classVector(c, d)))); // [K + 1, D]
  const seen: number[] = [];
  const epsTheta: CondEps = (xt, t, c) => {
    const shapes = [xt?.shape, t?.shape, c?.shape].map((s) => (Array.isArray(s) ? `[${s.join(", ")}]` : String(s)));
    const B = xt?.shape?.[0];
    if (
      xt?.shape?.length !== 2 ||
      xt.shape[1] !== D ||
      t?.shape?.length !== 1 ||
      t.shape[0] !== B ||
      c?.shape?.length !== 1 ||
      c.shape[0] !== B
    ) {
      throw new CheckFailure(
        `epsTheta(xt, t, c) was called with shapes ${shapes.join(", ")}; it takes xt [B, ${D}], t int32 [B], c int32 [B]`,
      );
    }
    const classes = Array.from(c.dataSync());
    const bad = classes.find((k) => !(Number.isInteger(k) && k >= 0 && k <= NULL));
    if (bad !== undefined)
      throw new CheckFailure(`epsTheta got the condition ${bad}; classes are 0–9 and ∅ is NULL_CLASS = ${NULL} (nullCondition(labels))`);
    const step = t.dataSync()[0];
    if (seen[seen.length - 1] !== step) seen.push(step);
    return tf.tidy(() => xt.mul(0.5).add(t.toFloat().add(1).mul(0.1).expandDims(1)).add(tf.gather(table, c.toInt())) as tf.Tensor2D);
  };
  return { epsTheta, steps: () => [...seen], dispose: () => table.dispose() };
}

/** One way of writing the sampler: the right one ({}) or a typical mistake. */
export interface SamplerVariant {
  /** How ε_c and ε_∅ are combined (default "right": ε_∅ + w(ε_c − ε_∅)). */
  guide?: "right" | "paper" | "swapped";
  /** The class of the unconditional branch (default ∅; "labels": the labels again). */
  uncond?: number | "labels";
  /** The conditional branch run with ∅. */
  condIsNull?: boolean;
  /** Guidance at the first step only, the conditional model afterwards. */
  firstOnly?: boolean;
  /** ε̂ of the first step reused at every step. */
  reuseFirst?: boolean;
  /** First and last step index (default T − 1 and 0). */
  from?: number;
  to?: number;
  /** Which noise step t adds (default noise[t]). */
  noise?: "t-1" | "counter";
  /** Noise added at t = 0 too. */
  noiseAtZero?: boolean;
  /** σ_t² = β̃_t instead of β_t. */
  posterior?: boolean;
}

/** x_0 by the variant's recipe: [B][D] numbers. */
export function referenceSample(
  s: Schedule,
  labels: number[],
  xT: number[][],
  noise: number[][][],
  w: number,
  v: SamplerVariant,
): number[][] {
  let x = xT.map((r) => [...r]);
  let first: number[][] | undefined;
  const from = v.from ?? s.T - 1;
  const to = v.to ?? 0;
  for (let t = from, k = 0; t >= to; t--, k++) {
    const epsHat = x.map((row, b) =>
      row.map((xv, d) => {
        const ec = epsNumber(xv, t, v.condIsNull ? NULL : labels[b], d);
        const eu = epsNumber(xv, t, v.uncond === "labels" ? labels[b] : (v.uncond ?? NULL), d);
        if (v.firstOnly && k > 0) return ec;
        if (v.guide === "paper") return (1 + w) * ec - w * eu;
        if (v.guide === "swapped") return ec + w * (eu - ec);
        return eu + w * (ec - eu);
      }),
    );
    if (k === 0) first = epsHat;
    const e = v.reuseFirst ? first! : epsHat;
    const sigma = Math.sqrt(v.posterior ? s.posteriorVariances[t] : s.betas[t]);
    const zi = v.noise === "t-1" ? t - 1 : v.noise === "counter" ? k : t;
    x = x.map((row, b) =>
      row.map((xv, d) => {
        const mean = (xv - (s.betas[t] / Math.sqrt(1 - s.alphaBars[t])) * e[b][d]) / Math.sqrt(s.alphas[t]);
        return t > 0 || v.noiseAtZero ? mean + sigma * noise[zi][b][d] : mean;
      }),
    );
  }
  return x;
}

/**
 * 07.4's case: T = 3 steps, B = 2, D = 3. Its x_0 for w = 2, 0, 1 is also computed with PyTorch by
 * tests/reference/exercise_07_reference.py (tests/exercises/07-conditional.test.ts compares
 * `referenceSample` with it).
 */
export const SAMPLER_CASE = {
  betas: [0.1, 0.2, 0.3],
  labels: [3, 7],
  xT: [
    [0.5, -1, 0.25],
    [1.5, 0, -0.5],
  ],
  /** noise[t], [B][D], for t = 0, 1, 2 */
  noise: [
    [
      [0.3, -0.2, 0.1],
      [-0.4, 0.5, 0.2],
    ],
    [
      [1, 0.5, -1],
      [0.25, -0.75, 0.5],
    ],
    [
      [-0.5, 1.5, 0.75],
      [2, -1, -0.25],
    ],
  ],
};

/** The typical mistakes of 07.4 and what each is told. */
const SAMPLER_MISTAKES: [SamplerVariant, string][] = [
  [
    { guide: "paper" },
    "that is Ho & Salimans' (1 + w)·ε_c − w·ε_∅ with this w; in this course w is their 1 + w: ε̂ = ε_∅ + w·(ε_c − ε_∅), so w = 1 is the conditional model",
  ],
  [{ guide: "swapped" }, "w is on the wrong branch, ε_c + w·(ε_∅ − ε_c): start from ε_∅ and move w times towards ε_c"],
  [
    { uncond: "labels" },
    "that is the conditional model alone (w = 1) whatever w: is the unconditional branch run with the labels instead of ∅ (nullCondition(labels)), or is w not used?",
  ],
  [{ condIsNull: true }, "that is the unconditional model alone (w = 0): the conditional branch needs the labels, ε_θ(x_t, t, labels)"],
  [{ uncond: 0 }, `the unconditional branch used class 0 as ∅: ∅ is NULL_CLASS = ${NULL} (nullCondition(labels)), a class no digit has`],
  [{ firstOnly: true }, "guidance was applied at the first step only: every step needs ε̂ = ε_∅ + w·(ε_c − ε_∅)"],
  [{ reuseFirst: true }, "ε̂ of the first step was reused: run both branches again at every step, on the current x_t"],
  [{ to: 1 }, "that is x_1: the loop stops one step early; run it down to t = 0, the last step (the one without noise)"],
  [{ from: 1 }, "the first step was skipped: the loop starts at t = T − 1 (here 2), from x_T"],
  [{ noiseAtZero: true }, "noise was added at t = 0 too: the last step returns the mean (noise[0] is never used)"],
  [{ noise: "t-1" }, "step t added noise[t − 1]: step t adds noise[t] (noise[0] is never used)"],
  [{ noise: "counter" }, "the noise was indexed by the loop counter (noise[0] first): step t adds noise[t], so noise[T − 1] comes first"],
  [{ posterior: true }, "that uses σ_t² = β̃_t, the posterior variance; this sampler adds √β_t·noise[t] (pSample's default)"],
];

export const checks = [
  defineCheck({
    id: "07.1",
    name: "guidedEps",
    title: "classifier-free guidance: ε_uncond + w·(ε_cond − ε_uncond)",
    async run(guidedEps: (epsCond: tf.Tensor2D, epsUncond: tf.Tensor2D, w: number) => tf.Tensor2D) {
      // B = 2, D = 3. c − u = [[0.5, 0, 2], [−1, −2, 3]].
      const cond = [
        [1, 2, 3],
        [0, -1, 4],
      ];
      const uncond = [
        [0.5, 2, 1],
        [1, 1, 1],
      ];
      const c = tf.tensor2d(cond);
      const u = tf.tensor2d(uncond);
      // The values of the typical mistakes at a given w, entry by entry: the wrong sign u − w(c − u),
      // the roles swapped c + w(u − c), and Ho & Salimans' (1 + w)c − w·u read with this course's w.
      // At w = 0 the last two both give c, so w = 3 (where all three differ) is checked first.
      const mistakes: [(cv: number, uv: number, w: number) => number, string][] = [
        [
          (cv, uv, w) => uv - w * (cv - uv),
          "the guidance points the wrong way: that is ε_uncond − w·(ε_cond − ε_uncond); add w·(ε_cond − ε_uncond)",
        ],
        [(cv, uv, w) => cv + w * (uv - cv), "ε_cond and ε_uncond are swapped: start from ε_uncond and move towards ε_cond"],
        [
          (cv, uv, w) => (1 + w) * cv - w * uv,
          "that is Ho & Salimans' (1 + w)·ε_cond − w·ε_uncond; their 1 + w is this course's w, so w = 1 must give ε_cond",
        ],
      ];
      const hint = (w: number, want: number[]) => (got: number[]) => {
        const causes = mistakes
          .map(([f, why]) => [cond.flatMap((row, i) => row.map((cv, j) => f(cv, uncond[i][j], w))), why] as const)
          .filter(([wrong]) => allClose(got, wrong) && !allClose(want, wrong))
          .map(([, why]) => why);
        return causes.length === 0
          ? undefined
          : causes.length === 1
            ? causes[0]
            : `one of ${causes.length} causes: ${causes.join("; or ")}`;
      };
      // w = 3: u + 3(c − u) = [[0.5 + 1.5, 2, 1 + 6], [1 − 3, 1 − 6, 1 + 9]]
      const at3 = [
        [2, 2, 7],
        [-2, -5, 10],
      ];
      const at = (w: number, want: number[][]) => () =>
        expectTensor(guidedEps(c, u, w), want, { call: `guidedEps(epsCond, epsUncond, w = ${w})`, hint: hint(w, want.flat()) });
      try {
        // w = 0 → ε_uncond; w = 1 → ε_cond
        await runCases([at(3, at3), at(0, uncond), at(1, cond)]);
      } finally {
        tf.dispose([c, u]);
      }
    },
  }),
  defineCheck({
    id: "07.2",
    name: "frechetDistance",
    title: "the Fréchet distance behind FID: ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^½)",
    async run(frechetDistance: (a: Stats, b: Stats) => number) {
      const cases: (() => void)[] = [];
      // Same Gaussian: Σ = [[2, 1], [1, 2]], so Tr(Σ + Σ − 2(Σ·Σ)^½) = Tr(2Σ − 2Σ) = 0.
      // Σ·Σ = [[5, 4], [4, 5]]: the covariance-product mistake gives 8 − 2·10 = −12, the entrywise
      // root 8 − 2·2√5.
      const s = {
        mu: [1, 2],
        sigma: [
          [2, 1],
          [1, 2],
        ],
      };
      cases.push(() =>
        expectNumber(
          frechetDistance(s, {
            mu: [1, 2],
            sigma: [
              [2, 1],
              [1, 2],
            ],
          }),
          0,
          {
            call: "frechetDistance(N([1, 2], [[2, 1], [1, 2]]), the same Gaussian)",
            hint: fidHint({ want: 0, meanTerm: 0, trSum: 8, trProd: 10, entrywise: 2 * Math.sqrt(5) }),
          },
        ),
      );
      // Diagonal (commuting) covariances: Tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^½) = Σᵢ (√aᵢ − √bᵢ)²:
      // a = [1, 4, 9], b = [4, 1, 16] → 1 + 1 + 1 = 3; means [0, 0, 0] vs [1, 2, 0] add 5 → 8.
      // Σ₁Σ₂ = diag(4, 4, 144), trace 152.
      const diag = (v: number[]) => v.map((x, i) => v.map((_, j) => (i === j ? x : 0)));
      // Σᵢ |μ₁ᵢ − μ₂ᵢ| = 3 instead of 5 gives 6; ‖μ₁ − μ₂‖ = √5 gives 3 + √5.
      cases.push(() =>
        expectNumber(frechetDistance({ mu: [0, 0, 0], sigma: diag([1, 4, 9]) }, { mu: [1, 2, 0], sigma: diag([4, 1, 16]) }), 8, {
          call: "frechetDistance(N([0, 0, 0], diag(1, 4, 9)), N([1, 2, 0], diag(4, 1, 16)))",
          hint: fidHint({ want: 8, meanTerm: 5, trSum: 35, trProd: 152, entrywise: 2 + 2 + 12, meanAbs: 3 }),
        }),
      );
      // Non-commuting 2 × 2: Σ₁ = [[2, 1], [1, 2]], Σ₂ = diag(1, 4). Σ₁Σ₂ = [[2, 4], [1, 8]] with trace
      // 10 and determinant 12; for a 2 × 2 matrix with eigenvalues λ₁, λ₂ ≥ 0,
      // Tr(√·) = √λ₁ + √λ₂ = √(λ₁ + λ₂ + 2√(λ₁λ₂)) = √(10 + 2√12). Means [0, 0] vs [1, 2]: 5.
      // The product of the roots: Σ₁ has eigenvalues 3 and 1 on (1, 1)/√2 and (1, −1)/√2, so
      // Σ₁^½ = [[a, b], [b, a]] with a = (√3 + 1)/2, b = (√3 − 1)/2; Σ₂^½ = diag(1, 2); Tr(Σ₁^½ Σ₂^½) = 3a.
      const want = 5 + 4 + 5 - 2 * Math.sqrt(10 + 2 * Math.sqrt(12));
      cases.push(() =>
        expectNumber(
          frechetDistance(
            {
              mu: [0, 0],
              sigma: [
                [2, 1],
                [1, 2],
              ],
            },
            {
              mu: [1, 2],
              sigma: [
                [1, 0],
                [0, 4],
              ],
            },
          ),
          want,
          {
            call: "frechetDistance(N([0, 0], [[2, 1], [1, 2]]), N([1, 2], diag(1, 4)))",
            hint: fidHint({
              want,
              meanTerm: 5,
              trSum: 9,
              trProd: 10,
              entrywise: Math.SQRT2 + Math.sqrt(8),
              meanAbs: 3,
              rootProduct: (3 * (Math.sqrt(3) + 1)) / 2,
            }),
          },
        ),
      );
      await runCases(cases);
    },
  }),
  defineCheck({
    id: "07.3",
    name: "kid",
    title: "KID: the unbiased MMD² with the kernel (xᵀy/F + 1)³",
    async run(kid: (real: tf.Tensor2D, fake: tf.Tensor2D) => number) {
      /**
       * The hints of one case from its hand-worked sums: within-x and within-y sums over i ≠ j, their
       * diagonals, the cross sum, and the set sizes. Each mistake's value is computed from them.
       */
      const kidHint =
        (c: { sxx: number; dxx: number; syy: number; dyy: number; sxy: number; N: number; M: number; want: number }) => (got: number) => {
          const { sxx, dxx, syy, dyy, sxy, N, M, want } = c;
          const cross = (2 * sxy) / (N * M);
          const candidates: [number, string][] = [
            [
              (sxx + dxx) / N ** 2 + (syy + dyy) / M ** 2 - cross,
              "the within-set sums include i = j (the biased estimate): leave out the diagonal and divide by N(N − 1)",
            ],
            [sxx / N ** 2 + syy / M ** 2 - cross, "the diagonal is left out, so divide by the N(N − 1) pairs i ≠ j, not by N²"],
            [
              (sxx + dxx) / (N * (N - 1)) + (syy + dyy) / (M * (M - 1)) - cross,
              "the within-set sums still include i = j: subtract the diagonal before dividing by N(N − 1)",
            ],
            [
              sxx / (M * (M - 1)) + syy / (N * (N - 1)) - cross,
              "N and M are swapped: the real set's sum over i ≠ j is divided by N(N − 1) with N = real.shape[0], the fake set's by M(M − 1)",
            ],
            [
              sxx / (N * (N - 1)) + syy / (N * (N - 1)) - (2 * sxy) / (N * N),
              "M is taken to be N: the fake set has its own size M = fake.shape[0]",
            ],
            [sxx / (N * (N - 1)) + syy / (M * (M - 1)) - sxy / (N * M), "the cross term needs the factor 2: − 2/(NM) Σ k(xᵢ, yⱼ)"],
          ];
          const causes = candidates.filter(([v]) => close(got, v, MATCH) && !close(want, v, MATCH)).map(([, why]) => why);
          return causes.length === 0
            ? undefined
            : causes.length === 1
              ? causes[0]
              : `one of ${causes.length} causes: ${causes.join("; or ")}`;
        };
      const cases: [
        number[][],
        number[][],
        string,
        number,
        Parameters<typeof kidHint>[0] | undefined,
        ((got: number) => string | undefined)?,
      ][] = [];
      // F = 1, x = {0, 1}, y = {1, 2}, k(x, y) = (xy + 1)³.
      // within x, i ≠ j: k(0, 1) = 1 twice → 2/(2·1) = 1 (diagonal k(0, 0) + k(1, 1) = 1 + 8 = 9);
      // within y: k(1, 2) = 27 twice → 27 (diagonal 8 + 125 = 133);
      // across: k(0,1) + k(0,2) + k(1,1) + k(1,2) = 1 + 1 + 8 + 27 = 37 → 2·37/4 = 18.5.
      // KID = 1 + 27 − 18.5 = 9.5. With the diagonals (biased): (2 + 9)/4 + (54 + 133)/4 − 18.5 = 31.
      cases.push([
        [[0], [1]],
        [[1], [2]],
        "kid([[0], [1]], [[1], [2]])",
        9.5,
        { sxx: 2, dxx: 9, syy: 54, dyy: 133, sxy: 37, N: 2, M: 2, want: 9.5 },
      ]);
      // Unequal sizes, so N and M cannot be swapped unnoticed: x = {0, 1} (N = 2), y = {1, 2, 3} (M = 3), F = 1.
      // within x: 1 as above; within y, i ≠ j: 2·(k(1,2) + k(1,3) + k(2,3)) = 2·(27 + 64 + 343) = 868 → 868/(3·2)
      // (diagonal 8 + 125 + 1000 = 1133); across: x = 0 gives 1 + 1 + 1, x = 1 gives 8 + 27 + 64: 102 → 2·102/6 = 34.
      // KID = 1 + 868/6 − 34 = 335/3 = 111.667. N and M swapped: 2/6 + 868/2 − 34 = 400.33.
      cases.push([
        [[0], [1]],
        [[1], [2], [3]],
        "kid(real = [[0], [1]], fake = [[1], [2], [3]]) (N = 2, M = 3)",
        335 / 3,
        { sxx: 2, dxx: 9, syy: 868, dyy: 1133, sxy: 102, N: 2, M: 3, want: 335 / 3 },
      ]);
      // F = 2, x = {(1, 0), (0, 1)}, y = {(1, 1), (0, 0)}, k = (xᵀy/2 + 1)³.
      // within x: xᵀx' = 0 → 1; within y: 0 → 1; across: (1, 0)·(1, 1) = 1 → 1.5³ = 3.375, ·(0, 0) → 1,
      // likewise for (0, 1): sum 8.75 → 2·8.75/4 = 4.375. KID = 1 + 1 − 4.375 = −2.375.
      // Without /F: across 8 + 1 + 8 + 1 = 18 → 9, KID = −7.
      cases.push([
        [
          [1, 0],
          [0, 1],
        ],
        [
          [1, 1],
          [0, 0],
        ],
        "kid([[1, 0], [0, 1]], [[1, 1], [0, 0]])",
        -2.375,
        undefined,
        (got) => (close(got, -7, MATCH) ? "divide xᵀy by the number of features F before adding 1 and cubing" : undefined),
      ]);
      await runCases(
        cases.map(([xs, ys, call, want, sums, extra]) => () => {
          const x = tf.tensor2d(xs);
          const y = tf.tensor2d(ys);
          try {
            expectNumber(kid(x, y), want, { call, hint: extra ?? kidHint(sums!) });
          } finally {
            tf.dispose([x, y]);
          }
        }),
      );
    },
  }),
  defineCheck({
    id: "07.4",
    name: "guidedSample",
    title: "build it: the guided sampler, ε̂ = ε_∅ + w·(ε_c − ε_∅) at every DDPM step t = T−1 … 0",
    async run(guidedSample: GuidedSample) {
      // T = 3 (steps t = 2, 1, 0), B = 2, D = 3, labels [3, 7], a given x_T and noise[0..2]; the
      // stand-in ε_θ(x, t, c) = 0.5x + 0.1(t + 1) + e(c) is linear, so every step is a few
      // multiplications, done by hand in float64 above (referenceSample). w = 2 first: there the
      // mistakes all give different numbers; w = 0 must give the unconditional model, w = 1 the
      // conditional one.
      const { betas, labels, xT: xRows, noise: noiseRows } = SAMPLER_CASE;
      const schedule = scheduleOf(betas);
      const ref = (w: number, v: SamplerVariant = {}) => referenceSample(schedule, labels, xRows, noiseRows, w, v);
      const sample = (w: number, what: string) => {
        const stand = standInEps(3);
        const lab = tf.tensor1d(labels, "int32");
        const xT = tf.tensor2d(xRows);
        const noise = noiseRows.map((r) => tf.tensor2d(r));
        const call = `guidedSample(ε_θ stand-in, labels = [3, 7], w = ${w}, β = [0.1, 0.2, 0.3], xT, noise)${what}`;
        let out: unknown;
        try {
          out = guidedSample(stand.epsTheta, lab, w, schedule, xT, noise);
          if ([lab, xT, ...noise].some((x) => x.isDisposed))
            throw new CheckFailure(
              `${call} disposed one of its inputs (labels, xT or noise): the caller owns them; dispose only the x_t it made`,
            );
          const want = ref(w);
          expectTensor(out, want, {
            call,
            hint: (got) => {
              // every mistake that gives these values (at w = 0 several do: then all are named)
              const causes = SAMPLER_MISTAKES.filter(([v]) => {
                const wrong = ref(w, v).flat();
                return allClose(got, wrong, MATCH) && !allClose(want.flat(), wrong, MATCH);
              }).map(([, why]) => why);
              if (causes.length > 0) return causes.length === 1 ? causes[0] : `one of ${causes.length} causes: ${causes.join("; or ")}`;
              const steps = stand.steps();
              if (steps.join() !== "2,1,0")
                return `ε_θ was called at steps [${steps.join(", ")}]; the loop visits t = T − 1, …, 0, here [2, 1, 0]`;
              return undefined;
            },
          });
        } finally {
          const t = out as tf.Tensor | undefined; // duck-typed: the learner's tf.Tensor
          if (typeof t?.dispose === "function" && !t.isDisposed) t.dispose();
          tf.dispose([lab, xT, ...noise]);
          stand.dispose();
        }
      };
      await runCases([
        () => sample(2, ""),
        () => sample(0, ": w = 0 is the unconditional model"),
        () => sample(1, ": w = 1 is the conditional model alone"),
      ]);
    },
  }),
];
