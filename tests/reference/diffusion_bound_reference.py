"""Reference numbers for lib/diffusion.ts variationalBound (Ho et al. 2020, eq. 5), computed in
float64 with numpy (and Python's math.erfc for the normal CDF) from the paper's formulas, independently of the TypeScript code (which
uses the ε-form μ̃ − μ_θ = β/(√α √(1 − ᾱ))·(ε̂ − ε); here μ̃ comes from eq. 7 and μ_θ from eq. 11,
and every KL from the general two-Gaussian formula).

Setting: T = 10, linear betas 1e-4..0.02, 3 images of 5 pixels on the 8-bit grid (edge bins
included), a fixed "network" eps_hat(x_t, i) = tanh(0.7 x_t + 0.05 i) and fixed noises eps[i].
Run: /usr/bin/python3 tests/reference/diffusion_bound_reference.py → diffusion_bound.json
"""
import json
import math
import os

import numpy as np

T = 10
betas = np.linspace(1e-4, 0.02, T)
alphas = 1 - betas
alpha_bars = np.cumprod(alphas)
alpha_bars_prev = np.concatenate([[1.0], alpha_bars[:-1]])
post_var = (1 - alpha_bars_prev) / (1 - alpha_bars) * betas

k = np.array([[0, 128, 255, 37, 200], [255, 255, 0, 1, 254], [64, 64, 64, 190, 3]], dtype=np.float64)
x0 = -1 + 2 * k / 255
B, D = x0.shape
eps = np.random.default_rng(0).standard_normal((T, B, D))
normal_cdf = np.vectorize(lambda z: 0.5 * math.erfc(-z / math.sqrt(2)))


def eps_hat(xt, i):
    return np.tanh(0.7 * xt + 0.05 * i)


def kl(m1, v1, m2, v2):
    """KL(N(m1, v1) || N(m2, v2)) per element."""
    return 0.5 * (np.log(v2 / v1) + (v1 + (m1 - m2) ** 2) / v2 - 1)


out = {"T": T, "x0": x0.tolist(), "eps": eps.tolist()}
for variance in ["beta", "posterior"]:
    prior = kl(np.sqrt(alpha_bars[-1]) * x0, 1 - alpha_bars[-1], 0.0, 1.0).sum(1)
    diffusion = np.zeros(B)
    for i in range(1, T):
        xt = np.sqrt(alpha_bars[i]) * x0 + np.sqrt(1 - alpha_bars[i]) * eps[i]
        mu_tilde = np.sqrt(alpha_bars_prev[i]) * betas[i] / (1 - alpha_bars[i]) * x0 + np.sqrt(alphas[i]) * (1 - alpha_bars_prev[i]) / (1 - alpha_bars[i]) * xt
        mu_theta = (xt - betas[i] / np.sqrt(1 - alpha_bars[i]) * eps_hat(xt, i)) / np.sqrt(alphas[i])
        s2 = betas[i] if variance == "beta" else post_var[i]
        diffusion += kl(mu_tilde, post_var[i], mu_theta, s2).sum(1)
    x1 = np.sqrt(alpha_bars[0]) * x0 + np.sqrt(1 - alpha_bars[0]) * eps[0]
    mu = (x1 - betas[0] / np.sqrt(1 - alpha_bars[0]) * eps_hat(x1, 0)) / np.sqrt(alphas[0])
    sd = np.sqrt(betas[0])
    upper = np.where(x0 > 1 - 1e-6, 1.0, normal_cdf((x0 + 1 / 255 - mu) / sd))
    lower = np.where(x0 < -1 + 1e-6, 0.0, normal_cdf((x0 - 1 / 255 - mu) / sd))
    decoder = -np.log(np.maximum(upper - lower, 1e-12)).sum(1)
    out[variance] = {"prior": prior.tolist(), "diffusion": diffusion.tolist(), "decoder": decoder.tolist(), "total": (prior + diffusion + decoder).tolist()}

with open(os.path.join(os.path.dirname(__file__), "diffusion_bound.json"), "w") as f:
    json.dump(out, f)
    f.write("\n")
print(json.dumps({v: out[v]["total"] for v in ["beta", "posterior"]}))
