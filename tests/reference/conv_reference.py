"""Reference numbers for tests/lib/engine/conv.test.ts, computed with PyTorch (Debian's python3-torch).

2-D convolutions in tfjs's layout (x [B, h, w, Ci], filter [Fh, Fw, Ci, Co], NHWC, dilation 1)
on small seeded inputs: the output y = conv2d(x, filter) and, for an upstream gradient dy of y's
shape, the gradients of Σ dy·y with respect to x (tfjs's Conv2DBackpropInput, also what
tf.conv2dTranspose computes) and to the filter (Conv2DBackpropFilter), by torch.autograd.
"same" is TensorFlow's padding: total max((Oh − 1)·s + F − h, 0) with Oh = ceil(h / s), the
smaller half on top and left (PyTorch's padding="same" covers stride 1 only, so x is padded
explicitly with F.pad and convolved "valid"). Run from the repository root:

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tests/reference/conv_reference.py

Inputs are rounded to 4 decimals so that float32 holds the same numbers the JSON does.
"""
import json
import math

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(20261201)

# name, B, h, w, Ci, Co, F (Fh = Fw), stride, padding
CASES = [
    ("3x3 stride 1 same", 2, 5, 5, 3, 4, 3, 1, "same"),
    ("3x3 stride 1 valid, h != w", 2, 7, 5, 3, 4, 3, 1, "valid"),
    ("3x3 stride 2 same, even input", 2, 6, 6, 2, 3, 3, 2, "same"),
    ("3x3 stride 2 same, odd input", 2, 7, 7, 3, 2, 3, 2, "same"),
    ("3x3 stride 2 valid, even input", 2, 8, 8, 3, 2, 3, 2, "valid"),
    ("3x3 stride 2 same, batch 1, odd h and w", 1, 5, 3, 2, 3, 3, 2, "same"),
    ("1x1 stride 1", 3, 4, 5, 4, 3, 1, 1, "valid"),
    ("1x1 stride 2, odd input", 2, 5, 5, 3, 2, 1, 2, "same"),
    ("2x2 stride 2 same (even filter)", 2, 5, 6, 2, 3, 2, 2, "same"),
]


def pads(size, f, s, padding):
    """(before, after, out) along one axis, as TensorFlow pads."""
    if padding == "valid":
        return 0, 0, (size - f) // s + 1
    out = math.ceil(size / s)
    total = max((out - 1) * s + f - size, 0)
    return total // 2, total - total // 2, out


cases = []
for name, B, h, w, ci, co, f, s, padding in CASES:
    x = rng.uniform(-1, 1, (B, h, w, ci)).round(4)
    k = rng.uniform(-1, 1, (f, f, ci, co)).round(4)
    top, bottom, oh = pads(h, f, s, padding)
    left, right, ow = pads(w, f, s, padding)
    dy = rng.uniform(-1, 1, (B, oh, ow, co)).round(4)
    xt = torch.tensor(x, requires_grad=True)
    kt = torch.tensor(k, requires_grad=True)
    # NHWC → NCHW; [Fh, Fw, Ci, Co] → [Co, Ci, Fh, Fw]
    xp = F.pad(xt.permute(0, 3, 1, 2), (left, right, top, bottom))
    y = F.conv2d(xp, kt.permute(3, 2, 0, 1), stride=s).permute(0, 2, 3, 1)  # [B, Oh, Ow, Co]
    assert y.shape == (B, oh, ow, co), (name, y.shape)
    (y * torch.tensor(dy)).sum().backward()
    cases.append({
        "name": name, "stride": s, "pad": padding,
        "x": x.tolist(), "filter": k.tolist(), "dy": dy.tolist(),
        "y": y.detach().numpy().tolist(), "dx": xt.grad.numpy().tolist(), "dFilter": kt.grad.numpy().tolist(),
    })

out = {"torch": torch.__version__, "cases": cases}
with open("tests/reference/conv.json", "w") as fh:
    json.dump(out, fh, indent=None, separators=(",", ":"))
    fh.write("\n")
print(f"wrote tests/reference/conv.json: {len(cases)} cases")
