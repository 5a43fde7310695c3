/**
 * The one closeness rule of the course, shared by the exercise checks (lib/checker/define.ts)
 * and the test suite (tests/helpers/close.ts `expectClose`), as in NumPy's `isclose`:
 *
 *   |got − want| ≤ atol + rtol·|want|      (false when either is NaN)
 *
 * Each caller keeps its own defaults: the checks compare float32 results (rtol 1e-4, atol 1e-5,
 * the defaults here); the tests pass tighter ones (rtol 1e-5, atol 1e-6).
 */

/** Relative and absolute tolerance; each field optional (defaults rtol 1e-4, atol 1e-5: float32 arithmetic). */
export interface Tolerance {
  /** Relative tolerance, times |want| (default 1e-4). */
  rtol?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
}

/** |got − want| ≤ atol + rtol·|want| (false for NaN). */
export function close(got: number, want: number, { rtol = 1e-4, atol = 1e-5 }: Tolerance = {}): boolean {
  return Math.abs(got - want) <= atol + rtol * Math.abs(want);
}

/** The first index where `got` is not close to `want`, or -1 when every element is (same length required). */
export function firstDifference(got: ArrayLike<number>, want: ArrayLike<number>, tolerance: Tolerance = {}): number {
  for (let i = 0; i < want.length; i++) if (!close(got[i], want[i], tolerance)) return i;
  return -1;
}

/** True when `got` and `want` have the same length and every element of `got` is close to `want`'s. */
export function allClose(got: ArrayLike<number>, want: ArrayLike<number>, tolerance: Tolerance = {}): boolean {
  return got.length === want.length && firstDifference(got, want, tolerance) < 0;
}
