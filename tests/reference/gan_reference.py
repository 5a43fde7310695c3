"""Reference numbers for tests/lib/gan.test.ts.

Run from the repository root with Debian's python3-torch (1.13) and python3-scipy:
    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tests/reference/gan_reference.py
It writes tests/reference/gan.json.

Sources of each number:
  bce            torch.nn.functional.binary_cross_entropy_with_logits(logits, labels,
                 reduction="none") on fixed logits (including +-100 and +-1000) and labels
                 0, 1 and 0.3, in float64; "grad" is d(sum bce)/d logits by autograd
  losses         the same function with reduction "mean":
                   discriminator      bce(real, 1) + bce(fake, 0)
                   generator (non-saturating)  bce(fake, 1)          = -E log D(G(z))
                   generator (minimax)         -bce(fake, 0)         = E log(1 - D(G(z)))
                 and their gradients with respect to the logits
  jsd            Jensen-Shannon divergence of N(0, 1) and N(mu, 1), by
                 scipy.integrate.quad of 1/2 KL(p||m) + 1/2 KL(q||m) on (-inf, inf) with
                 densities from scipy.stats.norm (adaptive quadrature, independent of the
                 Simpson rule in lib/gan.ts); the test checks C(G) = -log 4 + 2 JSD
"""
import json
import math

import numpy as np
import torch
import torch.nn.functional as F
from scipy import integrate
from scipy.stats import norm

torch.set_default_dtype(torch.float64)

logits = [-1000.0, -100.0, -20.0, -3.0, -0.5, 0.0, 0.5, 3.0, 20.0, 100.0, 1000.0]
bce = {}
for name, label in [("label1", 1.0), ("label0", 0.0), ("label0_3", 0.3)]:
    l = torch.tensor(logits, requires_grad=True)
    y = torch.full_like(l, label)
    out = F.binary_cross_entropy_with_logits(l, y, reduction="none")
    out.sum().backward()
    bce[name] = {"label": label, "value": out.tolist(), "grad": l.grad.tolist()}

real = [2.0, -1.0, 0.5, 100.0, -100.0]
fake = [-3.0, 0.25, 1.5, -100.0, 100.0, 0.0]


def with_grads(fn, *tensors):
    ts = [torch.tensor(t, requires_grad=True) for t in tensors]
    value = fn(*ts)
    value.backward()
    return {"value": value.item(), "grads": [t.grad.tolist() for t in ts]}


losses = {
    "real": real,
    "fake": fake,
    "discriminator": with_grads(
        lambda r, f: F.binary_cross_entropy_with_logits(r, torch.ones_like(r))
        + F.binary_cross_entropy_with_logits(f, torch.zeros_like(f)),
        real,
        fake,
    ),
    "generatorNonSaturating": with_grads(lambda f: F.binary_cross_entropy_with_logits(f, torch.ones_like(f)), fake),
    "generatorMinimax": with_grads(lambda f: -F.binary_cross_entropy_with_logits(f, torch.zeros_like(f)), fake),
}


def jsd(mu):
    p = lambda x: norm.pdf(x, 0, 1)
    q = lambda x: norm.pdf(x, mu, 1)

    def integrand(x):
        px, qx = p(x), q(x)
        m = (px + qx) / 2
        a = px * math.log(px / m) if px > 0 else 0.0
        b = qx * math.log(qx / m) if qx > 0 else 0.0
        return 0.5 * (a + b)

    lo, hi = min(0.0, mu) - 40, max(0.0, mu) + 40
    value, err = integrate.quad(integrand, lo, hi, points=[0.0, mu / 2, mu], limit=500, epsabs=1e-13, epsrel=1e-12)
    return value


mus = [0.0, 0.25, 1.0, 2.0, 4.0, -3.0]
out = {
    "torch": torch.__version__,
    "logits": logits,
    "bce": bce,
    "losses": losses,
    "ln2": math.log(2),
    "logFour": math.log(4),
    "jsd": {"mu": mus, "value": [jsd(m) for m in mus]},
}
with open("tests/reference/gan.json", "w") as f:
    json.dump(out, f, indent=1)
print("wrote tests/reference/gan.json")
