"""Reference numbers for tests/lib/contrastive.test.ts (lib/contrastive.ts clipLogits, clipLoss).

Run from the repository root with Debian's python3-torch (1.13):
    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tests/reference/contrastive_reference.py
It writes tests/reference/contrastive.json.

The symmetric contrastive loss of Radford et al. 2021 (CLIP), Figure 3's pseudo-code, in float64:
    i, t   = F.normalize(image_emb), F.normalize(text_emb)      unit rows, [N, E]
    logits = exp(log_scale) * i @ t.T                           [N, N]
    loss   = (F.cross_entropy(logits, arange N) + F.cross_entropy(logits.T, arange N)) / 2
and its gradients with respect to image_emb, text_emb and log_scale, by autograd.

  clip_loss   N = 5 pairs, E = 4, embeddings from a seeded generator (rounded to float32 so the
              test's float32 inputs are exactly these numbers), log_scale = log(1 / 0.07), the
              paper's initial temperature
"""
import json
import math

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
g = torch.Generator().manual_seed(20261208)


def randn(*shape):
    # float32-representable values: the test feeds them to tfjs as float32
    return torch.randn(*shape, generator=g).float().double()


def clip_loss_case(n=5, e=4, log_scale=math.log(1 / 0.07)):
    image = randn(n, e).requires_grad_(True)
    text = (0.6 * image.detach() + 0.8 * randn(n, e)).float().double().requires_grad_(True)  # related pairs
    s = torch.tensor(log_scale).float().double().requires_grad_(True)
    i = F.normalize(image, dim=1, eps=1e-8)
    t = F.normalize(text, dim=1, eps=1e-8)
    logits = s.exp() * i @ t.T
    labels = torch.arange(n)
    loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
    loss.backward()
    return {
        "imageEmb": image.detach().tolist(),
        "textEmb": text.detach().tolist(),
        "logScale": s.item(),
        "logits": logits.detach().tolist(),
        "loss": loss.item(),
        "gradImageEmb": image.grad.tolist(),
        "gradTextEmb": text.grad.tolist(),
        "gradLogScale": s.grad.item(),
    }


out = {"torch": torch.__version__, "clip_loss": clip_loss_case()}
with open("tests/reference/contrastive.json", "w") as f:
    json.dump(out, f)
    f.write("\n")
print("wrote tests/reference/contrastive.json")
