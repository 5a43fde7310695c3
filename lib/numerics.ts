/**
 * The numerical routines the lessons use, each written once, in plain float64 JavaScript, with
 * its source. None of them is a lesson; the lesson files import them.
 *
 *   leastSquares             min ‖Xβ − y‖² by Householder QR                  (fitAR, stage 1)
 *   solveLinearSystem        A z = b by Gaussian elimination with partial pivoting (exercise 01.4)
 *   trySolveLinearSystem     the same, null when A is singular             (fitARIMA's Levenberg–Marquardt)
 *   normalQuantile, erfc     Φ⁻¹(p) (Acklam + one Halley step) and the complementary error function
 *   symmetricEigen           A = V·diag(λ)·Vᵀ by cyclic Jacobi rotations    (FID, stage 6)
 *   matMul, sqrtmSymmetric   A·B for plain matrices; the principal square root A^½ of a PSD matrix
 *   normalPdf, normalLogPdf  N(x; mean, std²) and its log
 *   logAddExp, plogq         log(eᵃ + eᵇ) without overflow; p·log q with 0·log 0 = 0
 *   simpson                  composite Simpson's rule                        (the GAN's 1-D theory)
 *
 * Tests: tests/lib/numerics.test.ts, against closed forms and 50-digit mpmath / Python-stdlib
 * numbers (tests/reference/numerics_reference.py → numerics.json).
 *
 * Shapes: N rows (observations), K columns (unknowns), F the size of a square matrix.
 */
import { assertFinite } from "./assert";

/** A matrix as rows of plain numbers. */
export type Matrix = number[][];

function assertMatrix(A: unknown, name: string, rows?: number, cols?: number): asserts A is Matrix {
  if (!Array.isArray(A) || A.length === 0 || !A.every((row) => Array.isArray(row))) {
    throw new Error(`${name} must be a non-empty array of rows (number[][])`);
  }
  const K = cols ?? (A[0] as number[]).length;
  const want = `[${rows ?? "N"}, ${K}]`;
  if (rows !== undefined && A.length !== rows) throw new Error(`${name} must have shape ${want}, got ${A.length} rows`);
  A.forEach((row: number[], i) => {
    if (row.length !== K) throw new Error(`${name} must have shape ${want}, but row ${i} has ${row.length} entries`);
  });
}

// ---------------------------------------------------------------------------------------------
// Linear systems and least squares

/**
 * Least squares min_β ‖X β − y‖² by Householder QR (Golub & Van Loan, "Matrix Computations",
 * 4th ed., §5.2 and §5.3.3): X = QR, then R β = (Qᵀ y)[0..K). No normal equations, so the
 * condition number is not squared.
 * @param X shape [N, K] (N ≥ K), by rows
 * @param y shape [N]
 * @param columns what X's columns are, for the error message (default "the columns of X")
 * @returns β, shape [K]
 */
export function leastSquares(X: Matrix, y: readonly number[], columns = "the columns of X"): number[] {
  assertMatrix(X, "X");
  const N = X.length;
  const K = X[0].length;
  if (K === 0) throw new Error("X must have at least one column");
  if (y.length !== N) throw new Error(`y must have length N = ${N} (X has shape [${N}, ${K}]), got ${y.length}`);
  if (N < K) throw new Error(`X has shape [${N}, ${K}]: least squares needs at least as many rows as columns`);
  const A = X.map((row) => row.slice()); // [N, K], overwritten by R and the reflectors
  const b = y.slice();
  let scale = 0;
  for (const row of X) for (const v of row) scale = Math.max(scale, Math.abs(v));
  for (let j = 0; j < K; j++) {
    let norm = 0;
    for (let i = j; i < N; i++) norm += A[i][j] * A[i][j];
    norm = Math.sqrt(norm);
    if (norm <= 1e-12 * scale * Math.sqrt(N)) {
      throw new Error(`${columns} are collinear; least squares has no unique solution`);
    }
    const alpha = A[j][j] > 0 ? -norm : norm;
    // v = a_j − alpha e_j; H = I − 2 v vᵀ / vᵀv
    const v: number[] = [];
    for (let i = j; i < N; i++) v.push(A[i][j]);
    v[0] -= alpha;
    let vv = 0;
    for (const vi of v) vv += vi * vi;
    for (let c = j; c < K; c++) {
      let dot = 0;
      for (let i = j; i < N; i++) dot += v[i - j] * A[i][c];
      const f = (2 * dot) / vv;
      for (let i = j; i < N; i++) A[i][c] -= f * v[i - j];
    }
    let dot = 0;
    for (let i = j; i < N; i++) dot += v[i - j] * b[i];
    const f = (2 * dot) / vv;
    for (let i = j; i < N; i++) b[i] -= f * v[i - j];
  }
  // back-substitution R β = (Qᵀ y)[0..K)
  const beta = new Array<number>(K).fill(0);
  for (let j = K - 1; j >= 0; j--) {
    let s = b[j];
    for (let c = j + 1; c < K; c++) s -= A[j][c] * beta[c];
    beta[j] = s / A[j][j];
  }
  return beta;
}

/**
 * Solves the square system A z = b by Gaussian elimination with partial pivoting (Golub & Van
 * Loan, §3.4), e.g. the normal equations XᵀX β = Xᵀy of exercise 01.4.
 * @param A shape [K, K]
 * @param b shape [K]
 * @returns z, shape [K]
 */
export function solveLinearSystem(A: Matrix, b: readonly number[]): number[] {
  const K = b.length;
  if (!Array.isArray(A) || A.length !== K || A.some((row) => !Array.isArray(row) || row.length !== K)) {
    throw new Error(`A must be a square [${K}, ${K}] matrix to match b (length ${K})`);
  }
  assertFinite(b, "b");
  A.forEach((row, i) => assertFinite(row, `A[${i}]`));
  const z = trySolveLinearSystem(A, b);
  if (z === null) throw new Error("A is singular: the columns of X are linearly dependent");
  return z;
}

/**
 * {@link solveLinearSystem} without the argument checks: null when a pivot is (numerically) zero,
 * so that an iteration (Levenberg–Marquardt in fitARIMA) can raise its damping and try again.
 * @param A shape [K, K]
 * @param b shape [K]
 * @returns z, shape [K], or null if A is singular
 */
export function trySolveLinearSystem(A: Matrix, b: readonly number[]): number[] | null {
  const K = b.length;
  const M = A.map((row, i) => [...row, b[i]]); // [K, K + 1], the augmented matrix
  for (let j = 0; j < K; j++) {
    let piv = j;
    for (let i = j + 1; i < K; i++) if (Math.abs(M[i][j]) > Math.abs(M[piv][j])) piv = i;
    if (Math.abs(M[piv][j]) < 1e-300) return null;
    [M[j], M[piv]] = [M[piv], M[j]];
    for (let i = j + 1; i < K; i++) {
      const f = M[i][j] / M[j][j];
      for (let c = j; c <= K; c++) M[i][c] -= f * M[j][c];
    }
  }
  const z = new Array<number>(K).fill(0);
  for (let j = K - 1; j >= 0; j--) {
    let s = M[j][K];
    for (let c = j + 1; c < K; c++) s -= M[j][c] * z[c];
    z[j] = s / M[j][j];
  }
  return z;
}

// ---------------------------------------------------------------------------------------------
// The normal distribution's quantile and the error function

/**
 * The standard normal quantile Φ⁻¹(prob), by P. J. Acklam's algorithm ("An algorithm for
 * computing the inverse normal cumulative distribution function", 2003, published on his web
 * page; reproduced in many libraries). The coefficients a, b, c, d are Acklam's: minimax rational
 * approximations he fitted, of degree 5/5 in r = (p − ½)² (times p − ½) on the central region
 * 0.02425 ≤ p ≤ 0.97575, and of degree 5/4 in s = √(−2 log p) on each tail, with relative error
 * below 1.15e−9. As Acklam suggests, one Halley step on e = Φ(z) − p then refines z, with
 * Φ(z) = ½ erfc(−z/√2) from {@link erfc}. That step is only as good as this single-precision
 * erfc: the result is within 6e−8 of Φ⁻¹(p) (Φ⁻¹(½) comes out as −3.8e−8, not 0), which is
 * worse than Acklam's approximation alone; ample for prediction intervals (tests/lib/numerics.test.ts).
 * @param prob p, in (0, 1)
 */
export function normalQuantile(prob: number): number {
  if (!(prob > 0 && prob < 1)) throw new Error(`prob must be in (0, 1), got ${prob}`);
  // Acklam's coefficients, highest degree first (the denominators' constant term is 1)
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1, 1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416, 1];
  const low = 0.02425;
  let z: number;
  if (prob < low) {
    const s = Math.sqrt(-2 * Math.log(prob));
    z = horner(c, s) / horner(d, s);
  } else if (prob <= 1 - low) {
    const s = prob - 0.5;
    const r = s * s;
    z = (horner(a, r) * s) / horner(b, r);
  } else {
    const s = Math.sqrt(-2 * Math.log(1 - prob));
    z = -horner(c, s) / horner(d, s);
  }
  // Halley refinement: e = Φ(z) − prob, u = e / φ(z), z ← z − u / (1 + z u / 2)
  const e = 0.5 * erfc(-z / Math.SQRT2) - prob;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((z * z) / 2);
  return z - u / (1 + (z * u) / 2);
}

/** The polynomial with `coefficients` (highest degree first) at x, by Horner's rule. */
function horner(coefficients: readonly number[], x: number): number {
  let acc = coefficients[0];
  for (let i = 1; i < coefficients.length; i++) acc = acc * x + coefficients[i];
  return acc;
}

/** Numerical Recipes' erfcc coefficients of P(t), highest degree first. */
const ERFCC = [0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368];

/**
 * The complementary error function erfc(x) = 2/√π ∫ₓ^∞ e^(−t²) dt, by the Chebyshev-fitted
 * formula `erfcc` of Press, Teukolsky, Vetterling & Flannery, "Numerical Recipes in C", 2nd ed.
 * (1992), §6.2: erfc(z) ≈ t·exp(−z² − 1.26551223 + t·P(t)), t = 1/(1 + z/2), z = |x|, with
 * fractional error below 1.2e−7 everywhere; erfc(−x) = 2 − erfc(x).
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * horner(ERFCC, t));
  return x >= 0 ? r : 2 - r;
}

// ---------------------------------------------------------------------------------------------
// Symmetric matrices

/**
 * Eigendecomposition A = V·diag(λ)·Vᵀ of a symmetric matrix by cyclic Jacobi rotations
 * (Golub & Van Loan, "Matrix Computations", §8.5): each rotation zeroes one off-diagonal pair
 * until the off-diagonal mass is negligible.
 * @param A symmetric, shape [F, F]
 * @param options tol: stop when ‖off-diagonal‖ ≤ tol·max|A|·F (default 1e−14); maxSweeps (default 100)
 * @returns eigenvalues λ (length F, unsorted) and V, shape [F, F], whose columns are the eigenvectors
 */
export function symmetricEigen(A: Matrix, options: { tol?: number; maxSweeps?: number } = {}): { values: number[]; vectors: Matrix } {
  const n = A.length;
  A.forEach((row, i) => {
    if (row.length !== n) throw new Error(`symmetricEigen: A must be square, row ${i} has ${row.length} entries, expected ${n}`);
  });
  const a = A.map((row) => row.slice());
  const v: Matrix = a.map((_, i) => a.map((__, j) => (i === j ? 1 : 0)));
  const scale = Math.max(1e-300, ...a.map((row) => Math.max(...row.map(Math.abs))));
  const tol = options.tol ?? 1e-14;
  for (let sweep = 0; sweep < (options.maxSweeps ?? 100); sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] * a[p][q];
    if (Math.sqrt(off) <= tol * scale * n) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p][q]) <= 1e-300) continue;
        // rotation angle that zeroes a[p][q]: tan(2θ) = 2a_pq / (a_qq − a_pp)
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k][p];
          const vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: a.map((row, i) => row[i]), vectors: v };
}

/**
 * A·B for plain matrices (the textbook triple loop, skipping zeros of A).
 * @param A shape [N, K]
 * @param B shape [K, M]
 * @returns shape [N, M]
 */
export function matMul(A: Matrix, B: Matrix): Matrix {
  const n = A.length;
  const m = B[0].length;
  const k = B.length;
  A.forEach((row, i) => {
    if (row.length !== k) {
      throw new Error(`matMul: A must have shape [${n}, ${k}] to match B's ${k} rows, but row ${i} has ${row.length} entries`);
    }
  });
  const out: Matrix = Array.from({ length: n }, () => new Array(m).fill(0));
  for (let i = 0; i < n; i++) {
    for (let l = 0; l < k; l++) {
      const ail = A[i][l];
      if (ail === 0) continue;
      for (let j = 0; j < m; j++) out[i][j] += ail * B[l][j];
    }
  }
  return out;
}

/**
 * The principal square root of a symmetric positive semi-definite matrix (Higham, "Functions of
 * Matrices", 2008, §6.1), from its eigendecomposition:
 *   A^½ = V·diag(√λ)·Vᵀ   (tiny negative eigenvalues from rounding are clipped to 0)
 * so that A^½·A^½ = A. Not the entrywise square root, and not A itself.
 * @param A symmetric PSD, shape [F, F]
 * @returns A^½, shape [F, F], symmetric
 */
export function sqrtmSymmetric(A: Matrix): Matrix {
  const { values, vectors: V } = symmetricEigen(A);
  const n = A.length;
  const r = values.map((l) => Math.sqrt(Math.max(l, 0)));
  const out: Matrix = Array.from({ length: n }, () => new Array(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += V[i][k] * r[k] * V[j][k];
      out[i][j] = s;
      out[j][i] = s;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Densities, logs and quadrature

/** The density of N(mean, std²) at x: exp(−½ ((x − mean)/std)²) / (std √(2π)). */
export function normalPdf(x: number, mean = 0, std = 1): number {
  const u = (x - mean) / std;
  return Math.exp(-0.5 * u * u) / (std * Math.sqrt(2 * Math.PI));
}

/** log N(x; mean, std²) = −½ ((x − mean)/std)² − log(std √(2π)), finite far into the tails. */
export function normalLogPdf(x: number, mean = 0, std = 1): number {
  const u = (x - mean) / std;
  return -0.5 * u * u - Math.log(std * Math.sqrt(2 * Math.PI));
}

/** log(eᵃ + eᵇ) without overflow: m + log(e^(a−m) + e^(b−m)) with m = max(a, b). */
export function logAddExp(a: number, b: number): number {
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

/** p·log q with the convention 0·log 0 = 0 (the one of entropy and KL), and log q clamped at log 1e−300. */
export function plogq(p: number, q: number): number {
  return p === 0 ? 0 : p * Math.log(Math.max(q, 1e-300));
}

/**
 * Composite Simpson's rule (e.g. Burden & Faires, "Numerical Analysis", §4.4):
 *   ∫_lo^hi f ≈ h/3 · [f(x₀) + 4 f(x₁) + 2 f(x₂) + … + 4 f(x_{n−1}) + f(x_n)],  h = (hi − lo)/n,
 * exact for cubics, error O(h⁴) for smooth f.
 * @param intervals n, an even integer ≥ 2
 */
export function simpson(f: (x: number) => number, lo: number, hi: number, intervals: number): number {
  if (!Number.isInteger(intervals) || intervals < 2 || intervals % 2 !== 0) {
    throw new Error(`intervals must be an even integer ≥ 2, got ${intervals}`);
  }
  const h = (hi - lo) / intervals;
  let sum = f(lo) + f(hi);
  for (let i = 1; i < intervals; i++) sum += (i % 2 === 1 ? 4 : 2) * f(lo + i * h);
  return (sum * h) / 3;
}
