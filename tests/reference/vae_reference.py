"""Reference numbers for tests/lib/vae.test.ts, computed with PyTorch (Debian's python3-torch).

A tiny VAE (D = 6 pixels, one hidden layer of H = 5, Z = 3 latent dimensions, B = 4 images) with
fixed weights, inputs and noise; the same computation as lib/vae.ts written independently with
torch.nn.functional: the encoder, the reparameterisation, the Bernoulli log-likelihood
(binary_cross_entropy_with_logits), the closed-form KL, the ELBO, the loss and its gradients,
the Gaussian log-likelihood (torch.distributions.Normal), and the K-sample IWAE bound
(torch.distributions + logsumexp). Run from the repository root:

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tests/reference/vae_reference.py

Weights are stored as [in, out] (lib/vae.ts's layout, the transpose of nn.Linear.weight).
"""
import json
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch.distributions import Normal

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(20240604)
D, H, Z, B, K = 6, 5, 3, 4, 7


def layer(i, o):
    return {"w": rng.uniform(-0.8, 0.8, (i, o)), "b": rng.uniform(-0.3, 0.3, (o,))}


# lib/vae.ts order: encoder, toZMean, toZLogVar, decoder, toX
layers = {"encoder0": layer(D, H), "toZMean": layer(H, Z), "toZLogVar": layer(H, Z), "decoder0": layer(Z, H), "toX": layer(H, D)}
x = (rng.uniform(size=(B, D)) < 0.4).astype(np.float64)
x_grey = rng.uniform(size=(B, D)).round(3)
eps = rng.standard_normal((B, Z))
eps_k = rng.standard_normal((K, B, Z))
params = {name: {k: torch.tensor(v, requires_grad=True) for k, v in l.items()} for name, l in layers.items()}


def lin(name, h):
    return h @ params[name]["w"] + params[name]["b"]


def encode(xx):
    h = F.relu(lin("encoder0", xx))
    return lin("toZMean", h), lin("toZLogVar", h)


def decode(z):
    return lin("toX", F.relu(lin("decoder0", z)))


X = torch.tensor(x)
z_mean, z_log_var = encode(X)
z = z_mean + torch.exp(0.5 * z_log_var) * torch.tensor(eps)
logits = decode(z)
recon = -F.binary_cross_entropy_with_logits(logits, X, reduction="none").sum(1)
kl = -0.5 * (1 + z_log_var - z_mean**2 - z_log_var.exp()).sum(1)
elbo = recon - kl
loss = -elbo.mean()
loss_beta = -(recon - 0.5 * kl).mean()
loss.backward()
grads = {name: {k: p.grad.numpy().tolist() for k, p in l.items()} for name, l in params.items()}

with torch.no_grad():
    # Gaussian decoder on grey inputs, log sigma^2 = -1.5
    gauss = Normal(logits, math.exp(0.5 * -1.5)).log_prob(torch.tensor(x_grey)).sum(1)
    # IWAE with K samples
    E = torch.tensor(eps_k)
    zk = z_mean + torch.exp(0.5 * z_log_var) * E  # [K, B, Z]
    lk = decode(zk)  # [K, B, D]
    log_pxz = -F.binary_cross_entropy_with_logits(lk, X.expand(K, B, D), reduction="none").sum(-1)
    log_pz = Normal(0.0, 1.0).log_prob(zk).sum(-1)
    log_qz = Normal(z_mean, torch.exp(0.5 * z_log_var)).log_prob(zk).sum(-1)
    iwae = torch.logsumexp(log_pxz + log_pz - log_qz, 0) - math.log(K)
    # closed-form KL of the issue: mu = [0.5, -1], sigma^2 = [1, 0.25]
    from torch.distributions import kl_divergence
    kl_issue = kl_divergence(Normal(torch.tensor([0.5, -1.0]), torch.tensor([1.0, 0.25]).sqrt()), Normal(0.0, 1.0)).sum()
    # extreme logits
    ext_logits = torch.tensor([[1000.0, -1000.0, 30.0, -30.0]])
    ext_x = torch.tensor([[1.0, 0.0, 0.0, 1.0]])
    ext = -F.binary_cross_entropy_with_logits(ext_logits, ext_x, reduction="none").sum(1)

out = {
    "about": "tests/reference/vae_reference.py, torch " + torch.__version__,
    "dims": {"D": D, "H": H, "Z": Z, "B": B, "K": K},
    "layers": {n: {k: v.tolist() for k, v in l.items()} for n, l in layers.items()},
    "x": x.tolist(),
    "xGrey": x_grey.tolist(),
    "eps": eps.tolist(),
    "epsK": eps_k.tolist(),
    "zMean": z_mean.detach().numpy().tolist(),
    "zLogVar": z_log_var.detach().numpy().tolist(),
    "z": z.detach().numpy().tolist(),
    "logits": logits.detach().numpy().tolist(),
    "reconLogLik": recon.detach().numpy().tolist(),
    "kl": kl.detach().numpy().tolist(),
    "elbo": elbo.detach().numpy().tolist(),
    "loss": loss.item(),
    "lossBetaHalf": loss_beta.item(),
    "grads": grads,
    "gaussianLogVar": -1.5,
    "gaussianLogLik": gauss.numpy().tolist(),
    "iwae": iwae.numpy().tolist(),
    "klIssue": kl_issue.item(),
    "extreme": {"logits": ext_logits.tolist(), "x": ext_x.tolist(), "logLik": ext.tolist()},
}
with open("tests/reference/vae.json", "w") as f:
    json.dump(out, f, indent=1)
print("loss", out["loss"], "iwae", out["iwae"], "elbo", out["elbo"], "klIssue", out["klIssue"], "extreme", out["extreme"]["logLik"])
