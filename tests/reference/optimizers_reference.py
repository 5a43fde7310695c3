"""Reference numbers for tests/lib/engine/optimizers.test.ts.

Run from the repository root with Debian's python3-torch (1.13):
    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tests/reference/optimizers_reference.py
It writes tests/reference/optimizers.json.

Source: torch.optim.Adam (Kingma & Ba 2015, Algorithm 1; the same update as tf.train.adam,
epsilon added to sqrt of the bias-corrected second moment) in float32. A parameter of 6
entries starts at `theta0`; at each of `steps` steps its gradient is set to the fixed row
`grads[t]` (no loss is involved) and opt.step() runs. Recorded per configuration: the
parameter after every step, and Adam's state (exp_avg m, exp_avg_sq v) after the last.
Configurations: lr 0.1, betas (0.9, 0.999), eps 1e-8 (the defaults but for lr); lr 0.01,
betas (0.5, 0.9), eps 1e-6 (a GAN's beta1); lr 0.05 with gradients spanning 1e-6 to 1e3 (Adam's
step size does not depend on the gradient's scale).
"""
import json

import torch

steps = 5
theta0 = [0.5, -1.0, 2.0, 0.0, -0.25, 3.0]
grads = [
    [0.1, -0.2, 0.3, 0.0, 1.0, -1.0],
    [0.2, 0.1, -0.3, 0.5, 1.0, 2.0],
    [-0.1, -0.2, 0.3, -0.5, 1.0, -3.0],
    [0.05, 0.0, 0.1, 0.5, -1.0, 0.5],
    [0.3, 0.2, -0.1, 0.0, 1.0, 1.5],
]
scaled = [[g * s for g, s in zip(row, [1e-6, 1e-3, 1.0, 10.0, 100.0, 1e3])] for row in grads]

configs = [
    {"name": "defaults", "lr": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "grads": grads},
    {"name": "gan-betas", "lr": 0.01, "beta1": 0.5, "beta2": 0.9, "eps": 1e-6, "grads": grads},
    {"name": "scales", "lr": 0.05, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "grads": scaled},
]

out = {"torch": torch.__version__, "theta0": theta0, "configs": []}
for c in configs:
    p = torch.nn.Parameter(torch.tensor(theta0, dtype=torch.float32))
    opt = torch.optim.Adam([p], lr=c["lr"], betas=(c["beta1"], c["beta2"]), eps=c["eps"])
    thetas = []
    for t in range(steps):
        p.grad = torch.tensor(c["grads"][t], dtype=torch.float32)
        opt.step()
        thetas.append(p.detach().tolist())
    state = opt.state[p]
    out["configs"].append(
        {
            **{k: c[k] for k in ("name", "lr", "beta1", "beta2", "eps", "grads")},
            "thetas": thetas,
            "m": state["exp_avg"].tolist(),
            "v": state["exp_avg_sq"].tolist(),
        }
    )

with open("tests/reference/optimizers.json", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print("wrote tests/reference/optimizers.json")
