"""Reference numbers for tests/lib/numerics.test.ts.

Run from the repository root with Debian's python3-mpmath (1.2):
    /usr/bin/python3 tests/reference/numerics_reference.py
It writes tests/reference/numerics.json. Every number is computed by mpmath at 50 significant
digits, independently of lib/numerics.ts, then rounded to float64:
  normalQuantile   Phi^-1(p) = sqrt(2) erfinv(2p - 1) at p from 1e-12 to 1 - 1e-12, across the
                   central region and both tails of Acklam's approximation (split at 0.02425)
  erfc             mpmath.erfc at x in [-5, 10]
  leastSquares     the solution of the normal equations X^T X beta = X^T y (mpmath.lu_solve) for
                   a fixed 8 x 3 X (intercept, t, t^2 / 10) and y
  solve            mpmath.lu_solve of a 4 x 4 system whose first pivot is 0 (so pivoting is needed)
  eigen            mpmath.eigsy of a fixed 5 x 5 symmetric positive-definite S (eigenvalues sorted)
                   and mpmath.sqrtm(S), the principal square root
"""
import json

import mpmath as mp

mp.mp.dps = 50


def f(x):
    return float(x)


ps = [1e-12, 1e-8, 1e-4, 0.001, 0.01, 0.02, 0.02425, 0.025, 0.05, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 0.95,
      0.975, 0.97575, 0.98, 0.99, 0.999, 1 - 1e-4, 1 - 1e-8]
quantile = [f(mp.sqrt(2) * mp.erfinv(2 * mp.mpf(p) - 1)) for p in ps]

xs = [-5, -3, -1.5, -0.5, -1e-3, 0, 1e-3, 0.25, 0.5, 1, 1.5, 2, 3, 4, 6, 8, 10]
erfc = [f(mp.erfc(mp.mpf(x))) for x in xs]

X = [[1, t, t * t / 10] for t in range(8)]
y = [1.5, 2.25, 2.0, 3.5, 5.0, 4.75, 6.5, 8.0]
Xm = mp.matrix(X)
beta = mp.lu_solve(Xm.T * Xm, Xm.T * mp.matrix(y))

A = [[0, 2, 1, -1], [3, 1, -2, 4], [1, -1, 5, 2], [2, 4, 1, 3]]
b = [1, -2, 3, 0.5]
z = mp.lu_solve(mp.matrix(A), mp.matrix(b))

S = [[4.0, 1.0, 0.5, 0.2, 0.0],
     [1.0, 3.0, 0.3, 0.1, 0.4],
     [0.5, 0.3, 2.5, 0.6, 0.2],
     [0.2, 0.1, 0.6, 2.0, 0.3],
     [0.0, 0.4, 0.2, 0.3, 1.0]]
E, _ = mp.eigsy(mp.matrix(S))
R = mp.sqrtm(mp.matrix(S))

out = {
    "quantile": {"p": ps, "value": quantile},
    "erfc": {"x": xs, "value": erfc},
    "leastSquares": {"X": X, "y": y, "beta": [f(v) for v in beta]},
    "solve": {"A": A, "b": b, "z": [f(v) for v in z]},
    "eigen": {"S": S, "values": sorted(f(v) for v in E), "sqrtm": [[f(R[i, j]) for j in range(5)] for i in range(5)]},
}
with open("tests/reference/numerics.json", "w") as fh:
    json.dump(out, fh, indent=1)
    fh.write("\n")
