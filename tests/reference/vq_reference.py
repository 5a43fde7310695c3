"""Reference numbers for tests/lib/vq.test.ts, computed with PyTorch (Debian's python3-torch).

Vector quantisation as every PyTorch VQ-VAE writes it (van den Oord, Vinyals & Kavukcuoglu 2017,
"Neural Discrete Representation Learning"), independently of lib/vq.ts:

    k_i   = argmin_k ||ze_i - e_k||^2                 (torch.cdist, then argmin)
    zq    = ze + (e - ze).detach()                    the straight-through estimator
    codebook loss   = F.mse_loss(e, ze.detach())      moves the codes only
    commitment loss = F.mse_loss(ze, e.detach())      moves the encoder only

on fixed small inputs: N = 6 vectors ze of Dc = 3 numbers and a codebook of K = 5 codes, each ze
a code plus noise, assigned so that code 0 is used twice and code 4 not at all (its gradient row
must be 0). It stores the indices, both losses, zq, and the gradients with respect to ze and the
codebook of

    L = sum(zq * W) + codebook loss + 0.25 * commitment loss

for a fixed random W [N, Dc]. Run from the repository root:

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tests/reference/vq_reference.py

It writes tests/reference/vq.json.
"""
import json

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(20250807)
N, K, DC, BETA = 6, 5, 3, 0.25

codebook_np = rng.uniform(-1.0, 1.0, (K, DC))
assigned = [0, 2, 2, 3, 0, 1]  # code 0 twice, code 4 never
ze_np = codebook_np[assigned] + 0.1 * rng.standard_normal((N, DC))
w_np = rng.standard_normal((N, DC))

ze = torch.tensor(ze_np, requires_grad=True)
codebook = torch.tensor(codebook_np, requires_grad=True)
W = torch.tensor(w_np)

dist = torch.cdist(ze.detach(), codebook.detach()) ** 2  # [N, K]
indices = dist.argmin(dim=1)
assert indices.tolist() == assigned, f"noise moved a vector to another code: {indices.tolist()}"
sorted_d = dist.sort(dim=1).values
margin = (sorted_d[:, 1] - sorted_d[:, 0]).min().item()
assert margin > 1e-2, f"a near tie between two codes (margin {margin}): float32 could pick the other"

e = codebook[indices]  # [N, Dc]
zq = ze + (e - ze).detach()
codebook_loss = F.mse_loss(e, ze.detach())
commitment_loss = F.mse_loss(ze, e.detach())
L = (zq * W).sum() + codebook_loss + BETA * commitment_loss
grad_ze, grad_codebook = torch.autograd.grad(L, [ze, codebook])
assert grad_codebook[4].abs().max().item() == 0.0

out = {
    "about": "tests/reference/vq_reference.py, torch " + torch.__version__,
    "dims": {"N": N, "K": K, "Dc": DC},
    "beta": BETA,
    "ze": ze_np.tolist(),
    "codebook": codebook_np.tolist(),
    "W": w_np.tolist(),
    "indices": indices.tolist(),
    "zq": zq.detach().numpy().tolist(),
    "codebookLoss": codebook_loss.item(),
    "commitmentLoss": commitment_loss.item(),
    "gradZe": grad_ze.numpy().tolist(),
    "gradCodebook": grad_codebook.numpy().tolist(),
}
with open("tests/reference/vq.json", "w") as f:
    json.dump(out, f, indent=1)
print("indices", out["indices"], "codebookLoss", out["codebookLoss"], "margin", margin)
