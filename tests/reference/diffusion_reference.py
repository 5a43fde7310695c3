"""Reference numbers for lib/diffusion.ts, computed in PyTorch (float64) independently of the
TypeScript code. Run: OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tests/reference/diffusion_reference.py
Writes tests/reference/diffusion.json.

Conventions (as in lib/diffusion.ts): arrays indexed i = 0..T-1 with i <-> the paper's t = i + 1.
  - linear schedule: Ho et al. 2020, beta from 1e-4 to 0.02 (torch.linspace, as in their code)
  - cosine schedule: Nichol & Dhariwal 2021, `betas_for_alpha_bar` of improved-diffusion
  - q_sample (eq. 4), q_posterior (eqs. 6-7), p_sample (Algorithm 2, sigma^2 = beta or beta~;
    the clipped variant via the posterior mean of the clipped x0 as in Ho et al.'s code),
    DDIM (Song et al. 2021, eq. 12)
  - eps_theta: a fixed small MLP on [x_t, sinusoidal embedding(t)], weights written to the JSON
"""
import json
import math
import os

import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}

# ---- schedules ----------------------------------------------------------------------------
def linear_betas(T, b0=1e-4, b1=0.02):
    return torch.linspace(b0, b1, T, dtype=torch.float64)

def cosine_betas(T, s=0.008, max_beta=0.999):
    f = lambda t: math.cos((t / T + s) / (1 + s) * math.pi / 2) ** 2
    return torch.tensor([min(1 - f(i + 1) / f(i), max_beta) for i in range(T)], dtype=torch.float64)

def derived(betas):
    alphas = 1 - betas
    ab = torch.cumprod(alphas, 0)
    ab_prev = torch.cat([torch.ones(1), ab[:-1]])
    post_var = betas * (1 - ab_prev) / (1 - ab)
    return alphas, ab, ab_prev, post_var

T = 1000
for name, betas in [("linear", linear_betas(T)), ("cosine", cosine_betas(T))]:
    alphas, ab, ab_prev, pv = derived(betas)
    idx = [0, 1, 9, 99, 249, 499, 749, 998, 999]
    out[name] = {
        "T": T,
        "sumBetas": betas.sum().item(),
        "indices": idx,
        "betas": betas[idx].tolist(),
        "alphaBars": ab[idx].tolist(),
        "posteriorVariances": pv[idx].tolist(),
    }
# A short linear schedule used for the step-by-step tests below.
Ts = 50
betas = linear_betas(Ts, 1e-4, 0.2)
alphas, ab, ab_prev, pv = derived(betas)

# ---- fixed inputs ------------------------------------------------------------------------
B, D, E, Hd = 4, 2, 8, 16
x0 = torch.tensor([[0.5, -1.0], [1.5, 0.25], [-0.75, 0.8], [0.1, 2.0]])
xt = torch.tensor([[0.3, -0.2], [1.1, 0.9], [-1.4, 0.4], [0.05, 1.7]])
eps = torch.tensor([[0.2, -0.4], [-1.0, 0.6], [0.9, 0.3], [-0.5, -1.2]])
z = torch.tensor([[-0.3, 0.7], [0.4, -0.1], [1.2, -0.8], [0.0, 0.5]])
tvec = torch.tensor([0, 7, 25, 49])

def q_sample(x0, t, eps):
    return ab[t].sqrt()[:, None] * x0 + (1 - ab[t]).sqrt()[:, None] * eps

def q_posterior(x0, xt, t):
    c0 = ab_prev[t].sqrt() * betas[t] / (1 - ab[t])
    ct = alphas[t].sqrt() * (1 - ab_prev[t]) / (1 - ab[t])
    return c0[:, None] * x0 + ct[:, None] * xt, pv[t]

def time_embedding(t, E, max_period=10000.0):
    half = E // 2
    omega = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float64) / half)
    ang = t.double()[:, None] * omega[None, :]
    return torch.cat([torch.sin(ang), torch.cos(ang)], 1)

# eps_theta: Linear(D+E, Hd) ReLU Linear(Hd, Hd) ReLU Linear(Hd, D); weights [in, out]
sizes = [(D + E, Hd), (Hd, Hd), (Hd, D)]
weights = []
for i, o in sizes:
    bound = 1 / math.sqrt(i)
    weights.append(((torch.rand(i, o) * 2 - 1) * bound, (torch.rand(o) * 2 - 1) * bound))

def eps_theta(x, t):
    h = torch.cat([x, time_embedding(t, E)], 1)
    for k, (w, b) in enumerate(weights):
        h = h @ w + b
        if k < len(weights) - 1:
            h = torch.relu(h)
    return h

def p_sample(x, t, z, variance="beta", clip=None):
    tt = torch.full((x.shape[0],), t, dtype=torch.long)
    e = eps_theta(x, tt)
    if clip is None:
        mean = (x - betas[t] / (1 - ab[t]).sqrt() * e) / alphas[t].sqrt()
    else:
        x0h = ((x - (1 - ab[t]).sqrt() * e) / ab[t].sqrt()).clamp(*clip)
        mean, _ = q_posterior(x0h, x, tt)
    if t == 0:
        return mean
    s2 = betas[t] if variance == "beta" else pv[t]
    return mean + s2.sqrt() * z

def ddim_step(x, t, t_prev, z, eta=0.0):
    tt = torch.full((x.shape[0],), t, dtype=torch.long)
    e = eps_theta(x, tt)
    a = ab[t]
    ap = ab[t_prev] if t_prev >= 0 else torch.tensor(1.0)
    sigma = eta * ((1 - ap) / (1 - a)).sqrt() * (1 - a / ap).sqrt()
    x0h = (x - (1 - a).sqrt() * e) / a.sqrt()
    return ap.sqrt() * x0h + (1 - ap - sigma ** 2).sqrt() * e + sigma * z

pm, pvar = q_posterior(x0, xt, tvec)
out["steps"] = {
    "schedule": {"T": Ts, "betaStart": 1e-4, "betaEnd": 0.2},
    "x0": x0.tolist(), "xt": xt.tolist(), "eps": eps.tolist(), "z": z.tolist(), "t": tvec.tolist(),
    "E": E,
    "weights": [{"w": w.tolist(), "b": b.tolist()} for w, b in weights],
    "qSample": q_sample(x0, tvec, eps).tolist(),
    "posteriorMean": pm.tolist(),
    "posteriorVariance": pvar.tolist(),
    "timeEmbedding": time_embedding(tvec, E).tolist(),
    "epsHat": eps_theta(xt, tvec).tolist(),
    "loss": ((eps - eps_theta(q_sample(x0, tvec, eps), tvec)) ** 2).mean().item(),
    "pSample": {str(t): p_sample(xt, t, z).tolist() for t in [0, 1, 25, 49]},
    "pSamplePosterior": {str(t): p_sample(xt, t, z, "posterior").tolist() for t in [0, 1, 25, 49]},
    "pSampleClip": {str(t): p_sample(xt, t, z, "beta", (-1.0, 1.0)).tolist() for t in [0, 25, 49]},
    "ddim": [
        {"t": 49, "tPrev": 39, "eta": 0.0, "out": ddim_step(xt, 49, 39, z).tolist()},
        {"t": 25, "tPrev": 5, "eta": 1.0, "out": ddim_step(xt, 25, 5, z, 1.0).tolist()},
        {"t": 4, "tPrev": -1, "eta": 0.0, "out": ddim_step(xt, 4, -1, z).tolist()},
    ],
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "diffusion.json")
with open(path, "w") as f:
    json.dump({"generator": f"tests/reference/diffusion_reference.py, torch {torch.__version__}", **out}, f, indent=1)
print("wrote", path)
print({k: out["linear"][k] for k in ["sumBetas", "alphaBars", "posteriorVariances"]})
