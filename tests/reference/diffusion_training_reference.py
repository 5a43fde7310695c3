"""Training parity for lib/pretrained.ts's recipe "diffusion-digits": the same U-Net
(tests/reference/unet_torch.py), data (data/mnist-10k.bin.gz: the first 8,000 digits, 2x2-averaged
to 14x14, scaled to [-1, 1]), batch, linear schedule (T = 1000, beta 1e-4..0.02), label dropout,
Adam learning rate and number of steps, in PyTorch. Writes the mean training loss of the last 500
steps (and the loss curve in blocks of 50) to tests/reference/diffusion_training.json; the course's
own number is meta.json's finalLoss beside the checkpoint. README quotes both.

Run: OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tests/reference/diffusion_training_reference.py [--steps N]
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from unet_torch import UNet, conditional_loss  # noqa: E402

RECIPE = dict(side=14, channels=(32, 64), embed_dim=32, groups=8, classes=10, T=1000, batch=64, steps=4000, lr=5e-4, p_uncond=0.2, seed=14)


def mnist14():
    raw = np.frombuffer(gzip.open("data/mnist-10k.bin.gz").read(), dtype=np.uint8)
    labels, images = raw[:10000].astype(np.int64), raw[10000:].reshape(10000, 28, 28).astype(np.float32) / 255
    small = images.reshape(10000, 14, 2, 14, 2).mean(axis=(2, 4)).reshape(10000, 196)
    return torch.from_numpy(small[:8000] * 2 - 1), torch.from_numpy(labels[:8000])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=RECIPE["steps"])
    ap.add_argument("--out", default="tests/reference/diffusion_training.json")
    args = ap.parse_args()
    torch.manual_seed(RECIPE["seed"])
    x, y = mnist14()
    net = UNet(RECIPE["side"], RECIPE["channels"], RECIPE["embed_dim"], RECIPE["groups"], RECIPE["classes"])
    opt = torch.optim.Adam(net.parameters(), lr=RECIPE["lr"])
    beta = torch.linspace(1e-4, 0.02, RECIPE["T"], dtype=torch.float64)
    alpha_bar = torch.cumprod(1 - beta, 0).float()
    losses, order, pos, start = [], torch.randperm(8000), 0, time.time()
    per_epoch = 8000 // RECIPE["batch"]
    for step in range(args.steps):
        if pos >= per_epoch:
            order, pos = torch.randperm(8000), 0
        idx = order[pos * RECIPE["batch"]:(pos + 1) * RECIPE["batch"]]
        pos += 1
        loss = conditional_loss(net, x[idx], y[idx], alpha_bar, RECIPE["p_uncond"])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if step % 500 == 0:
            print(f"step {step}: loss {np.mean(losses[-50:]):.4f} ({time.time() - start:.0f} s)", flush=True)
    tail = losses[-500:]
    out = {
        "recipe": RECIPE | {"steps": args.steps},
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "seconds": round(time.time() - start),
        "finalLoss": float(np.mean(tail)),
        "lossCurve": [round(float(np.mean(losses[i:i + 50])), 5) for i in range(0, len(losses) - 49, 50)],
    }
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(json.dumps({k: out[k] for k in ("finalLoss", "seconds", "threads")}))


if __name__ == "__main__":
    main()
