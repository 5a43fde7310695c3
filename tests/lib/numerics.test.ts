// lib/numerics.ts against 50-digit mpmath numbers (tests/reference/numerics_reference.py →
// numerics.json) and closed forms: least squares, linear solve, normal quantile, erfc, the Jacobi
// eigensolver and matrix square root, densities, logAddExp, plogq and Simpson's rule.
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import {
  erfc,
  leastSquares,
  logAddExp,
  matMul,
  normalLogPdf,
  normalPdf,
  normalQuantile,
  plogq,
  simpson,
  solveLinearSystem,
  sqrtmSymmetric,
  symmetricEigen,
  trySolveLinearSystem,
  type Matrix,
} from "../../lib/numerics";
import { expectClose } from "../helpers/close";

const ref = JSON.parse(fs.readFileSync("tests/reference/numerics.json", "utf8"));
const transpose = (A: Matrix): Matrix => A[0].map((_, j) => A.map((row) => row[j]));

describe("leastSquares (Householder QR)", () => {
  it("matches the normal-equations solution computed by mpmath", () => {
    expectClose(leastSquares(ref.leastSquares.X, ref.leastSquares.y), ref.leastSquares.beta, { rtol: 1e-12, atol: 1e-13 });
  });
  it("fits an exactly linear y exactly, including a square system", () => {
    const X = [
      [1, 0],
      [1, 1],
      [1, 2],
      [1, 3],
    ];
    expectClose(leastSquares(X, [3, 5, 7, 9]), [3, 2], { atol: 1e-13 });
    expectClose(
      leastSquares(
        [
          [2, 0],
          [0, 4],
        ],
        [1, 1],
      ),
      [0.5, 0.25],
      { atol: 1e-15 },
    );
  });
  it("names the bad argument and rejects collinear columns", () => {
    expect(() =>
      leastSquares(
        [
          [1, 2],
          [2, 4],
          [3, 6],
        ],
        [1, 2, 3],
      ),
    ).toThrow("the columns of X are collinear");
    expect(() =>
      leastSquares(
        [
          [1, 1],
          [1, 1],
        ],
        [1, 2],
        "fitAR: the regressors",
      ),
    ).toThrow("fitAR: the regressors are collinear");
    expect(() =>
      leastSquares(
        [
          [1, 0],
          [0, 1],
        ],
        [1],
      ),
    ).toThrow("y must have length N = 2");
    expect(() => leastSquares([[1, 0], [0]], [1, 2])).toThrow("X must have shape [N, 2], but row 1 has 1 entries");
    expect(() => leastSquares([[1, 2, 3]], [1])).toThrow("at least as many rows as columns");
  });
});

describe("solveLinearSystem (Gaussian elimination)", () => {
  it("solves a system whose first pivot is 0 (partial pivoting), as mpmath's LU does", () => {
    expectClose(solveLinearSystem(ref.solve.A, ref.solve.b), ref.solve.z, { rtol: 1e-12, atol: 1e-14 });
    expect(ref.solve.A[0][0]).toBe(0);
  });
  it("reports a singular A: solveLinearSystem throws, trySolveLinearSystem returns null", () => {
    const A = [
      [1, 2],
      [2, 4],
    ];
    expect(trySolveLinearSystem(A, [1, 2])).toBeNull();
    expect(() => solveLinearSystem(A, [1, 2])).toThrow("A is singular");
  });
  it("names the bad argument", () => {
    expect(() => solveLinearSystem([[1, 0]], [1, 2])).toThrow("A must be a square [2, 2] matrix to match b (length 2)");
    expect(() =>
      solveLinearSystem(
        [
          [1, 0],
          [0, 1],
        ],
        [1, NaN],
      ),
    ).toThrow("b must be finite, but element 1 is NaN");
  });
});

describe("normalQuantile and erfc", () => {
  it("normalQuantile matches Φ⁻¹ = √2 erfinv(2p − 1) (mpmath) within 6e−8, across both tails", () => {
    ref.quantile.p.forEach((p: number, i: number) => expectClose(normalQuantile(p), ref.quantile.value[i], { rtol: 0, atol: 6e-8 }));
  });
  it("normalQuantile is odd about ½ and has the textbook 1.959964 at 0.975", () => {
    for (const p of [1e-6, 0.01, 0.3]) expectClose(normalQuantile(1 - p), -normalQuantile(p), { rtol: 1e-7, atol: 1e-12 });
    expect(normalQuantile(0.975).toFixed(6)).toBe("1.959964");
  });
  it("normalQuantile rejects p outside (0, 1)", () => {
    for (const p of [0, 1, -0.1, NaN]) expect(() => normalQuantile(p)).toThrow(`prob must be in (0, 1), got ${p}`);
  });
  it("erfc matches mpmath within Numerical Recipes' fractional error 1.2e−7", () => {
    ref.erfc.x.forEach((x: number, i: number) => expectClose(erfc(x), ref.erfc.value[i], { rtol: 1.2e-7, atol: 0 }));
    expectClose(erfc(-2) + erfc(2), 2, { rtol: 1e-15 }); // erfc(−x) = 2 − erfc(x)
  });
});

describe("symmetric matrices", () => {
  it("Jacobi eigenvalues match the known spectrum and mpmath's eigsy; V diag(λ) Vᵀ rebuilds A", () => {
    // [[2, 1], [1, 2]] has eigenvalues 1 and 3
    expectClose(
      symmetricEigen([
        [2, 1],
        [1, 2],
      ]).values.sort(),
      [1, 3],
      { atol: 1e-12 },
    );
    const S: Matrix = ref.eigen.S;
    const { values: l, vectors: V } = symmetricEigen(S);
    expectClose(
      l.slice().sort((a, b) => a - b),
      ref.eigen.values,
      { rtol: 1e-12, atol: 1e-13 },
    );
    const rebuilt = matMul(
      matMul(
        V,
        l.map((li, i) => l.map((_, j) => (i === j ? li : 0))),
      ),
      transpose(V),
    );
    expectClose(rebuilt, S, { rtol: 1e-12, atol: 1e-12 });
    expectClose(
      matMul(transpose(V), V),
      S.map((row, i) => row.map((_, j) => (i === j ? 1 : 0))),
      { atol: 1e-12 },
    );
  });
  it("sqrtmSymmetric squares back to A and matches mpmath's sqrtm", () => {
    const S: Matrix = ref.eigen.S;
    const R = sqrtmSymmetric(S);
    expectClose(matMul(R, R), S, { rtol: 1e-12, atol: 1e-12 });
    expectClose(R, ref.eigen.sqrtm, { rtol: 1e-12, atol: 1e-13 });
    expectClose(
      sqrtmSymmetric([
        [4, 0],
        [0, 9],
      ]),
      [
        [2, 0],
        [0, 3],
      ],
      { atol: 1e-12 },
    );
    expectClose(
      sqrtmSymmetric([
        [0, 0],
        [0, 0],
      ]),
      [
        [0, 0],
        [0, 0],
      ],
      { atol: 0 },
    );
  });
  it("matMul multiplies rectangular matrices and names a shape mismatch", () => {
    expect(matMul([[1, 2, 3]], [[1], [2], [3]])).toEqual([[14]]);
    expect(matMul([[1], [2]], [[3, 4]])).toEqual([
      [3, 4],
      [6, 8],
    ]);
    expect(() => matMul([[1, 2]], [[1, 2]])).toThrow("matMul: A must have shape [1, 1] to match B's 1 rows, but row 0 has 2 entries");
    expect(() => symmetricEigen([[1, 2], [3]])).toThrow("symmetricEigen: A must be square, row 1 has 1 entries, expected 2");
  });
});

describe("densities, logs and quadrature", () => {
  it("normalPdf and normalLogPdf agree with the closed form, far into the tails", () => {
    expectClose(normalPdf(0), 1 / Math.sqrt(2 * Math.PI), { rtol: 1e-15 });
    expectClose(normalPdf(3, 1, 2), Math.exp(-0.5) / (2 * Math.sqrt(2 * Math.PI)), { rtol: 1e-15 });
    expectClose(normalLogPdf(3, 1, 2), -0.5 - Math.log(2 * Math.sqrt(2 * Math.PI)), { rtol: 1e-15 });
    expect(normalPdf(40)).toBe(0);
    expectClose(normalLogPdf(40), -800 - 0.5 * Math.log(2 * Math.PI), { rtol: 1e-15 });
  });
  it("logAddExp neither overflows nor underflows", () => {
    expectClose(logAddExp(0, 0), Math.LN2, { rtol: 1e-15 });
    expectClose(logAddExp(1000, 1000), 1000 + Math.LN2, { rtol: 1e-15 });
    expectClose(logAddExp(-1000, -1000), -1000 + Math.LN2, { rtol: 1e-15 });
    expectClose(logAddExp(Math.log(2), Math.log(3)), Math.log(5), { rtol: 1e-15 });
    expect(logAddExp(5, -Infinity)).toBe(5);
  });
  it("plogq uses 0·log 0 = 0 and clamps log q at log 1e−300", () => {
    expect(plogq(0, 0)).toBe(0);
    expectClose(plogq(0.5, 0.25), 0.5 * Math.log(0.25), { rtol: 1e-15 });
    expectClose(plogq(1, 0), Math.log(1e-300), { rtol: 1e-15 });
  });
  it("Simpson's rule is exact for cubics and converges as h⁴ on sin", () => {
    expectClose(
      simpson((x) => x ** 3 - 2 * x + 1, -1, 2, 2),
      3.75,
      { rtol: 1e-14 },
    ); // ∫ = [x⁴/4 − x² + x]₋₁²
    const e1 = Math.abs(simpson(Math.sin, 0, Math.PI, 8) - 2);
    const e2 = Math.abs(simpson(Math.sin, 0, Math.PI, 16) - 2);
    expectClose(e1 / e2, 16, { rtol: 0.02 });
    expectClose(simpson(Math.exp, 0, 1, 1000), Math.E - 1, { rtol: 1e-13 });
  });
  it("Simpson's rule rejects an odd or non-integer number of intervals", () => {
    for (const n of [0, 3, 2.5]) expect(() => simpson(Math.sin, 0, 1, n)).toThrow(`intervals must be an even integer ≥ 2, got ${n}`);
  });
});
