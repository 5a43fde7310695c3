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
                 Simpson rule in lib/numerics.ts); tests/lib/gan-theory.test.ts checks
                 C(G) = -log 4 + 2 JSD
  exercises      the numbers written into checks/05-gan.ts (the checks carry them as
                 literals): the two losses on the checks' logits, the typical mistakes'
                 values (labels swapped, sigmoid applied twice, minimax for non-saturating),
                 and one GAN step with linear G(z) = a z + c and D(x) = w x + b under SGD
                 done by autograd: correct, with G's variables also updated in the D step
                 (no stop-gradient, no variable list), with D's also updated in the G step,
                 and with the G step first
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


def sp(t):
    return F.softplus(t)


def ex_losses():
    r = torch.tensor([2.0, -1.0, 0.5, 3.0])
    f = torch.tensor([-2.0, 0.25, 1.0])
    g = torch.tensor([2.0, -1.0, 0.5, -3.0])
    bce = F.binary_cross_entropy_with_logits
    one, zero = lambda t: torch.ones_like(t), lambda t: torch.zeros_like(t)
    return {
        "d": (bce(r, one(r)) + bce(f, zero(f))).item(),
        "dSwapped": (bce(r, zero(r)) + bce(f, one(f))).item(),
        "dSigmoidTwice": (bce(torch.sigmoid(r), one(r)) + bce(torch.sigmoid(f), zero(f))).item(),
        "dOneMean": ((bce(r, one(r), reduction="sum") + bce(f, zero(f), reduction="sum")) / 7).item(),
        "gNonSaturating": bce(g, one(g)).item(),
        "gMinimax": (-bce(g, zero(g))).item(),
        "gSwapped": bce(g, zero(g)).item(),
        "gSigmoidTwice": bce(torch.sigmoid(g), one(g)).item(),
    }


def ex_step(variant):
    a = torch.tensor([[0.5]], requires_grad=True)
    c = torch.tensor([0.2], requires_grad=True)
    w = torch.tensor([[1.5]], requires_grad=True)
    b = torch.tensor([-0.5], requires_grad=True)
    real = torch.tensor([[1.0], [2.0]])
    zD = torch.tensor([[-1.0], [1.0]])
    zG = torch.tensor([[0.5], [-0.5]])
    G = lambda z: z @ a + c
    D = lambda x: x @ w + b
    bce = F.binary_cross_entropy_with_logits
    dOpt = torch.optim.SGD([w, b] + ([a, c] if variant == "noStopGradient" else []), lr=0.5)
    gOpt = torch.optim.SGD([a, c] + ([w, b] if variant == "gUpdatesD" else []), lr=0.25)

    def d_step():
        dOpt.zero_grad()
        fake = G(zD) if variant == "noStopGradient" else G(zD).detach()
        rl, fl = D(real), D(fake)
        loss = bce(rl, torch.ones_like(rl)) + bce(fl, torch.zeros_like(fl))
        loss.backward()
        dOpt.step()
        return loss.item()

    def g_step():
        gOpt.zero_grad()
        fl = D(G(zG))
        loss = bce(fl, torch.ones_like(fl))
        loss.backward()
        gOpt.step()
        return loss.item()

    if variant == "gFirst":
        gLoss = g_step()
        dLoss = d_step()
    else:
        dLoss = d_step()
        gLoss = g_step()
    return {"dLoss": dLoss, "gLoss": gLoss, "a": a.item(), "c": c.item(), "w": w.item(), "b": b.item()}


exercises = {
    "losses": ex_losses(),
    "step": {v: ex_step(v) for v in ["correct", "noStopGradient", "gUpdatesD", "gFirst"]},
}

mus = [0.0, 0.25, 1.0, 2.0, 4.0, -3.0]
out = {
    "torch": torch.__version__,
    "logits": logits,
    "bce": bce,
    "losses": losses,
    "ln2": math.log(2),
    "logFour": math.log(4),
    "exercises": exercises,
    "jsd": {"mu": mus, "value": [jsd(m) for m in mus]},
}
with open("tests/reference/gan.json", "w") as f:
    json.dump(out, f, indent=1)
print("wrote tests/reference/gan.json")
