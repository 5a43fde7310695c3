/**
 * Checks for stage 07 (exercises/07-conditional.ts). Reference values are worked out by hand
 * in the comments (closed forms for Gaussians, tiny kernel sums); nothing here calls the
 * solution or lib/metrics' distances.
 */
import * as tf from "@tensorflow/tfjs";
import { allClose, close, defineCheck, expectNumber, expectTensor, formatNumber } from "../lib/checker/define";

type Stats = { mu: number[]; sigma: number[][] };

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
}): (got: number) => string | undefined {
  return (got) => {
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

export const checks = [
  defineCheck({
    id: "07.1",
    name: "guidedEps",
    title: "classifier-free guidance: ε_uncond + w·(ε_cond − ε_uncond)",
    run(guidedEps: (epsCond: tf.Tensor2D, epsUncond: tf.Tensor2D, w: number) => tf.Tensor2D) {
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
      // u − w(c − u) (wrong sign) and c + w(u − c) (roles swapped), for the hints
      const wrongSign = (w: number) => cond.flatMap((row, i) => row.map((cv, j) => uncond[i][j] - w * (cv - uncond[i][j])));
      const swapped = (w: number) => cond.flatMap((row, i) => row.map((cv, j) => cv + w * (uncond[i][j] - cv)));
      const hint = (w: number) => (got: number[]) => {
        if (allClose(got, wrongSign(w)))
          return "the guidance points the wrong way: that is ε_uncond − w·(ε_cond − ε_uncond); add w·(ε_cond − ε_uncond)";
        if (allClose(got, swapped(w))) return "ε_cond and ε_uncond are swapped: start from ε_uncond and move towards ε_cond";
        return undefined;
      };
      // w = 0 → ε_uncond; w = 1 → ε_cond
      expectTensor(guidedEps(c, u, 0), uncond, { call: "guidedEps(epsCond, epsUncond, w = 0)", hint: hint(0) });
      expectTensor(guidedEps(c, u, 1), cond, { call: "guidedEps(epsCond, epsUncond, w = 1)", hint: hint(1) });
      // w = 3: u + 3(c − u) = [[0.5 + 1.5, 2, 1 + 6], [1 − 3, 1 − 6, 1 + 9]]
      expectTensor(
        guidedEps(c, u, 3),
        [
          [2, 2, 7],
          [-2, -5, 10],
        ],
        { call: "guidedEps(epsCond, epsUncond, w = 3)", hint: hint(3) },
      );
      tf.dispose([c, u]);
    },
  }),
  defineCheck({
    id: "07.2",
    name: "frechetDistance",
    title: "the Fréchet distance behind FID: ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^½)",
    run(frechetDistance: (a: Stats, b: Stats) => number) {
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
      );
      // Diagonal (commuting) covariances: Tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^½) = Σᵢ (√aᵢ − √bᵢ)²:
      // a = [1, 4, 9], b = [4, 1, 16] → 1 + 1 + 1 = 3; means [0, 0, 0] vs [1, 2, 0] add 5 → 8.
      // Σ₁Σ₂ = diag(4, 4, 144), trace 152.
      const diag = (v: number[]) => v.map((x, i) => v.map((_, j) => (i === j ? x : 0)));
      expectNumber(frechetDistance({ mu: [0, 0, 0], sigma: diag([1, 4, 9]) }, { mu: [1, 2, 0], sigma: diag([4, 1, 16]) }), 8, {
        call: "frechetDistance(N([0, 0, 0], diag(1, 4, 9)), N([1, 2, 0], diag(4, 1, 16)))",
        hint: fidHint({ want: 8, meanTerm: 5, trSum: 35, trProd: 152, entrywise: 2 + 2 + 12 }),
      });
      // Non-commuting 2 × 2: Σ₁ = [[2, 1], [1, 2]], Σ₂ = diag(1, 4). Σ₁Σ₂ = [[2, 4], [1, 8]] with trace
      // 10 and determinant 12; for a 2 × 2 matrix with eigenvalues λ₁, λ₂ ≥ 0,
      // Tr(√·) = √λ₁ + √λ₂ = √(λ₁ + λ₂ + 2√(λ₁λ₂)) = √(10 + 2√12). Means [0, 0] vs [1, 2]: 5.
      const want = 5 + 4 + 5 - 2 * Math.sqrt(10 + 2 * Math.sqrt(12));
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
          hint: fidHint({ want, meanTerm: 5, trSum: 9, trProd: 10, entrywise: Math.SQRT2 + Math.sqrt(8) }),
        },
      );
    },
  }),
  defineCheck({
    id: "07.3",
    name: "kid",
    title: "KID: the unbiased MMD² with the kernel (xᵀy/F + 1)³",
    run(kid: (real: tf.Tensor2D, fake: tf.Tensor2D) => number) {
      // F = 1, x = {0, 1}, y = {1, 2}, k(x, y) = (xy + 1)³.
      // within x, i ≠ j: k(0, 1) = 1 twice → 2/(2·1) = 1; within y: k(1, 2) = 27 twice → 27;
      // across: k(0,1) + k(0,2) + k(1,1) + k(1,2) = 1 + 1 + 8 + 27 = 37 → 2·37/4 = 18.5.
      // KID = 1 + 27 − 18.5 = 9.5. With the diagonals (biased): (1+1+1+8)/4 + (8+27+27+125)/4 − 18.5 = 31.
      const x1 = tf.tensor2d([[0], [1]]);
      const y1 = tf.tensor2d([[1], [2]]);
      expectNumber(kid(x1, y1), 9.5, {
        call: "kid([[0], [1]], [[1], [2]])",
        hint: (got) => {
          if (close(got, 31, MATCH))
            return "the within-set sums include i = j (the biased estimate): leave out the diagonal and divide by N(N − 1)";
          if (close(got, 1 + 27 - 37, MATCH)) return "the cross term needs the factor 2: − 2/(NM) Σ k(xᵢ, yⱼ)";
          return undefined;
        },
      });
      // F = 2, x = {(1, 0), (0, 1)}, y = {(1, 1), (0, 0)}, k = (xᵀy/2 + 1)³.
      // within x: xᵀx' = 0 → 1; within y: 0 → 1; across: (1, 0)·(1, 1) = 1 → 1.5³ = 3.375, ·(0, 0) → 1,
      // likewise for (0, 1): sum 8.75 → 2·8.75/4 = 4.375. KID = 1 + 1 − 4.375 = −2.375.
      // Without /F: across 8 + 1 + 8 + 1 = 18 → 9, KID = −7.
      const x2 = tf.tensor2d([
        [1, 0],
        [0, 1],
      ]);
      const y2 = tf.tensor2d([
        [1, 1],
        [0, 0],
      ]);
      expectNumber(kid(x2, y2), -2.375, {
        call: "kid([[1, 0], [0, 1]], [[1, 1], [0, 0]])",
        hint: (got) => (close(got, -7, MATCH) ? "divide xᵀy by the number of features F before adding 1 and cubing" : undefined),
      });
      tf.dispose([x1, y1, x2, y2]);
    },
  }),
];
