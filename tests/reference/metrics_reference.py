"""Reference numbers for tests/lib/metrics.test.ts: FID with scipy.linalg.sqrtm and KID
(unbiased MMD², cubic polynomial kernel, Bińkowski et al. 2018) in numpy, on small synthetic
feature sets. Run: /usr/bin/python3 tests/reference/metrics_reference.py  (writes metrics.json beside it)."""
import json, os
import numpy as np
from scipy import linalg

rng = np.random.default_rng(7)
F = 4
A = rng.normal(size=(F, F))
X = rng.normal(size=(60, F)) @ A                      # correlated Gaussian features
B = rng.normal(size=(F, F))
Y = rng.normal(size=(50, F)) @ B + np.array([0.5, -1.0, 0.0, 2.0])


def fid(x, y):
    mu1, mu2 = x.mean(0), y.mean(0)
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    covmean = linalg.sqrtm(s1 @ s2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean))


def kid(x, y):
    d = x.shape[1]
    k = lambda a, b: (a @ b.T / d + 1) ** 3
    kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
    n, m = len(x), len(y)
    return float((kxx.sum() - np.trace(kxx)) / (n * (n - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1)) - 2 * kxy.mean())


S = np.cov(X, rowvar=False)
out = {
    "X": X.tolist(), "Y": Y.tolist(),
    "fid": fid(X, Y), "kid": kid(X, Y), "kidSelf": kid(X, X),
    "sqrtmS": linalg.sqrtm(S).real.tolist(),
    "diversityX": float(np.mean([np.linalg.norm(X[i] - X[j]) for i in range(len(X)) for j in range(len(X)) if i != j])),
}
json.dump(out, open(os.path.join(os.path.dirname(__file__), "metrics.json"), "w"), indent=1)
print({k: v for k, v in out.items() if not isinstance(v, list)})
