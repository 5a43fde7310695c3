"""Reference numbers for check 05.3 (checks/05-gan.ts, the "build it" GAN step on a tiny MLP pair).

Run: /usr/bin/python3 tests/reference/gan_step_reference.py  (PyTorch, float64) → tests/reference/gan_step.json.

The pair: G(z) = tanh(z W1 + b1) W2 + b2 with z [B = 4, Z = 3], hidden 4, output D = 2;
D(x) = leaky_relu(x V1 + c1, 0.2) V2 + c2 with hidden 3, one logit. The weights are drawn with
torch.manual_seed(5) and rounded to two decimals (so the check can carry them as literals), as are
real [4, 2], zD [4, 3] and zG [4, 3]. One step as in Goodfellow et al. (2014), Algorithm 1, k = 1:
SGD on D (lr 0.2) over D's parameters with fake = G(zD).detach(), binary cross-entropy with logits,
label 1 for real and 0 for fake; then SGD on G (lr 0.1) over G's parameters with the
non-saturating loss BCE(D(G(zG)), 1) (or with nonSaturating false the minimax loss
−BCE(D(G(zG)), 0)), D already updated.

Variants (the typical mistakes whose values the check recognises):
  correct          as above
  minimax          the G step uses the minimax loss (the check's nonSaturating: false case)
  noiseSwapped     the D step's fake is G(zG) instead of G(zD)
"""
import json

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
torch.manual_seed(5)


def draw(*shape):
    return torch.round(torch.randn(*shape) * 100) / 100


init = {
    "W1": draw(3, 4), "b1": draw(4), "W2": draw(4, 2), "b2": draw(2),
    "V1": draw(2, 3), "c1": draw(3), "V2": draw(3, 1), "c2": draw(1),
}
real = torch.round((draw(4, 2) + torch.tensor([1.0, -0.5])) * 100) / 100
zD = draw(4, 3)
zG = draw(4, 3)


def step(variant):
    p = {k: v.clone().requires_grad_(True) for k, v in init.items()}
    G = lambda z: torch.tanh(z @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
    D = lambda x: F.leaky_relu(x @ p["V1"] + p["c1"], 0.2) @ p["V2"] + p["c2"]
    bce = F.binary_cross_entropy_with_logits
    dOpt = torch.optim.SGD([p[k] for k in ["V1", "c1", "V2", "c2"]], lr=0.2)
    gOpt = torch.optim.SGD([p[k] for k in ["W1", "b1", "W2", "b2"]], lr=0.1)
    dOpt.zero_grad()
    fake = G(zG if variant == "noiseSwapped" else zD).detach()
    rl, fl = D(real), D(fake)
    dLoss = bce(rl, torch.ones_like(rl)) + bce(fl, torch.zeros_like(fl))
    dLoss.backward()
    dOpt.step()
    gOpt.zero_grad()
    fl = D(G(zG))
    gLoss = -bce(fl, torch.zeros_like(fl)) if variant == "minimax" else bce(fl, torch.ones_like(fl))
    gLoss.backward()
    gOpt.step()
    return {"dLoss": dLoss.item(), "gLoss": gLoss.item(), "after": {k: v.detach().tolist() for k, v in p.items()}}


out = {
    "torch": torch.__version__,
    "init": {k: v.tolist() for k, v in init.items()},
    "real": real.tolist(),
    "zD": zD.tolist(),
    "zG": zG.tolist(),
    "steps": {v: step(v) for v in ["correct", "minimax", "noiseSwapped"]},
}
with open("tests/reference/gan_step.json", "w") as f:
    json.dump(out, f, indent=1)
print("wrote tests/reference/gan_step.json")
