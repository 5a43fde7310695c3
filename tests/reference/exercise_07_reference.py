"""Reference numbers for checks/07-conditional.ts's 07.4 (the guided sampler), computed with
PyTorch (Debian's python3-torch) in float64, independently of lib/ and solutions/.

T = 3 steps with β = [0.1, 0.2, 0.3], B = 2 rows of D = 3, labels [3, 7], ∅ = class 10. The
stand-in noise predictor is ε_θ(x, t, c) = 0.5·x + 0.1·(t + 1) + e(c) with
e(c)_d = 0.3·sin(1.3(c + 1) + 0.7d). Classifier-free guidance ε̂ = ε_∅ + w(ε_c − ε_∅) at every step,
then Ho et al.'s Algorithm 2 step x_{t−1} = (x_t − β_t/√(1 − ᾱ_t)·ε̂)/√α_t + √β_t·noise[t], with
no noise at t = 0 (index t ↔ the paper's t + 1). Written: x_0 for w = 2, 0, 1. Run from the root:

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tests/reference/exercise_07_reference.py
"""
import json
import math

import torch

torch.set_default_dtype(torch.float64)

betas = torch.tensor([0.1, 0.2, 0.3])
alphas = 1 - betas
alpha_bars = torch.cumprod(alphas, 0)
labels = torch.tensor([3, 7])
NULL = 10
xT = torch.tensor([[0.5, -1, 0.25], [1.5, 0, -0.5]])
noise = torch.tensor(
    [
        [[0.3, -0.2, 0.1], [-0.4, 0.5, 0.2]],
        [[1, 0.5, -1], [0.25, -0.75, 0.5]],
        [[-0.5, 1.5, 0.75], [2, -1, -0.25]],
    ]
)
D = 3
table = torch.tensor([[0.3 * math.sin(1.3 * (c + 1) + 0.7 * d) for d in range(D)] for c in range(NULL + 1)])


def eps_theta(x, t, c):
    return 0.5 * x + 0.1 * (t + 1) + table[c]


def sample(w):
    x = xT.clone()
    for t in range(len(betas) - 1, -1, -1):
        e_c = eps_theta(x, t, labels)
        e_u = eps_theta(x, t, torch.full_like(labels, NULL))
        e = e_u + w * (e_c - e_u)
        mean = (x - betas[t] / torch.sqrt(1 - alpha_bars[t]) * e) / torch.sqrt(alphas[t])
        x = mean + torch.sqrt(betas[t]) * noise[t] if t > 0 else mean
    return x.tolist()


out = {"x0": {str(w): sample(w) for w in [2, 0, 1]}}
with open("tests/reference/exercise_07.json", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print(json.dumps(out))
