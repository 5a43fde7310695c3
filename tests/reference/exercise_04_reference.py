"""Reference numbers for checks/04-vae.ts's 04.5 (the VAE's loss on a batch), computed with PyTorch
(Debian's python3-torch) in float64, independently of lib/ and solutions/.

B = 3 images of D = 5 pixels, Z = 2 latent dimensions (B ≠ Z ≠ D, so an average over the wrong
axis shows). The encoder's outputs μ, log σ² and the noise ε are given; the decoder is linear,
logits = z·W + b. Per image:
    z     = μ + exp(½ log σ²)·ε
    recon = −BCEWithLogits(logits(z), x) summed over pixels       (log p(x|z))
    kl    = −½ Σ_j (1 + log σ² − μ² − exp(log σ²))
and the batch means of recon, kl and loss = kl − recon (−ELBO). Also written: what typical
mistakes give (see `mistakes`). A second case has confident logits (b = +40 on pixel 0, which is off in
image 1), where log(1 − σ(l)) computed as log(1 − sigmoid(l)) is log 0 = −∞ in float32. Run from the root:

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tests/reference/exercise_04_reference.py
"""
import json

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

x = torch.tensor([[1, 0, 1, 1, 0], [0, 0, 1, 0, 1], [1, 1, 0, 0, 0]], dtype=torch.float64)
mu = torch.tensor([[0.5, -1.0], [1.5, 0.2], [-0.3, 0.8]])
lv = torch.tensor([[0.4, -1.2], [-0.5, 0.6], [1.0, -0.2]])
eps = torch.tensor([[1.2, -0.7], [-0.4, 1.5], [0.9, 0.3]])
W = torch.tensor([[0.8, -1.1, 0.5, 1.3, -0.6], [-0.4, 0.9, 1.2, -0.7, 0.3]])
b = torch.tensor([0.1, -0.3, 0.2, 0.0, -0.5])
b_extreme = torch.tensor([40.0, -0.3, 0.2, 0.0, -0.5])  # pixel 0 is off in image 1


def parts(z, bias=b, recon_fn=None, kl_fn=None, reduce=torch.mean):
    logits = z @ W + bias
    recon = -F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1) if recon_fn is None else recon_fn(logits)
    kl = (-0.5 * (1 + lv - mu**2 - lv.exp())).sum(1) if kl_fn is None else kl_fn()
    r, k = reduce(recon), reduce(kl)
    return {"reconLogLik": float(r), "kl": float(k), "loss": float(k - r)}


z = mu + (0.5 * lv).exp() * eps
sum_b = lambda t: t.sum()
mistakes = {
    # ε scaled by the variance exp(log σ²), or by log σ² itself, or no noise
    "zVariance": parts(mu + lv.exp() * eps),
    "zLogVarAsSigma": parts(mu + lv * eps),
    "zMean": parts(mu),
    # summed over the batch, not averaged
    "batchSum": parts(z, reduce=sum_b),
    # sigmoid first, then the logits formula on the probabilities
    "sigmoidTwice": parts(z, recon_fn=lambda l: -F.binary_cross_entropy_with_logits(torch.sigmoid(l), x, reduction="none").sum(1)),
    # pixel mean instead of sum
    "pixelMean": parts(z, recon_fn=lambda l: -F.binary_cross_entropy_with_logits(l, x, reduction="none").mean(1)),
    # KL with the wrong sign; with log σ² taken as σ²; averaged over latent dimensions
    "klSign": parts(z, kl_fn=lambda: (0.5 * (1 + lv - mu**2 - lv.exp())).sum(1)),
    "klMean": parts(z, kl_fn=lambda: (-0.5 * (1 + lv - mu**2 - lv.exp())).mean(1)),
}
result = {
    "source": "tests/reference/exercise_04_reference.py, PyTorch " + torch.__version__ + ", float64",
    "z": [float(v) for v in z.flatten()],
    "parts": parts(z),
    "extreme": parts(z, bias=b_extreme),
    "mistakes": mistakes,
}
with open("tests/reference/exercise_04.json", "w") as f:
    json.dump(result, f, indent=1)
    f.write("\n")
print(json.dumps(result, indent=1))
