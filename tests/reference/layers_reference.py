"""Reference numbers for tests/lib/layers.test.ts.

Run from the repository root with Debian's python3-torch (1.13):
    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tests/reference/layers_reference.py
It writes tests/reference/layers.json.

Every case draws its input x (NCHW here, NHWC in the JSON) and its parameters from a seeded
torch generator, runs the PyTorch module with exactly those parameters, and stores input,
parameters and output in float64 lists. Weights are stored in the course's layout
[k, k, C_in, C_out] (PyTorch's [C_out, C_in, k, k] permuted by (2, 3, 1, 0)).

  conv_stride1     nn.Conv2d(3, 4, 5, stride=1, padding=2) on x [2, 3, 6, 7]
  conv_stride2     nn.Conv2d(3, 4, 3, stride=2, padding=1) on x [2, 3, 7, 6] (odd h: ceil(h/2))
  downsample       nn.Conv2d(4, 6, 3, stride=2, padding=1) on x [2, 4, 8, 8]
  upsample         nn.Upsample(scale_factor=2, mode="nearest") then nn.Conv2d(4, 2, 3, padding=1)
                   on x [2, 4, 3, 5]
  group_norm       nn.GroupNorm(2, 6, eps=1e-5) with random affine weight and bias on x [2, 6, 4, 5]
                   (x has per-channel offsets so the groups have different means); also the
                   gradient of sum(y * r) with respect to x, for a fixed random r
  group_norm_init  nn.GroupNorm(3, 6) as constructed (weight 1, bias 0) on x [2, 6, 3, 3]
"""
import json

import torch

torch.set_default_dtype(torch.float64)
g = torch.Generator().manual_seed(20261201)


def randn(*shape):
    return torch.randn(*shape, generator=g)


def nhwc(t):
    return t.permute(0, 2, 3, 1).tolist()


def conv_case(c_in, c_out, k, stride, shape, upsample=False):
    conv = torch.nn.Conv2d(c_in, c_out, k, stride=stride, padding=k // 2)
    with torch.no_grad():
        conv.weight.copy_(randn(c_out, c_in, k, k) * 0.3)
        conv.bias.copy_(randn(c_out) * 0.3)
    x = randn(*shape)
    inp = torch.nn.Upsample(scale_factor=2, mode="nearest")(x) if upsample else x
    y = conv(inp)
    return {
        "x": nhwc(x),
        "w": conv.weight.detach().permute(2, 3, 1, 0).tolist(),
        "b": conv.bias.detach().tolist(),
        "stride": stride,
        "y": nhwc(y.detach()),
    }


def group_norm_case():
    gn = torch.nn.GroupNorm(2, 6, eps=1e-5)
    with torch.no_grad():
        gn.weight.copy_(1 + 0.5 * randn(6))
        gn.bias.copy_(0.5 * randn(6))
    x = (randn(2, 6, 4, 5) * 2 + torch.arange(6.0).reshape(1, 6, 1, 1)).requires_grad_(True)
    r = randn(2, 6, 4, 5)
    y = gn(x)
    (y * r).sum().backward()
    return {
        "groups": 2,
        "x": nhwc(x.detach()),
        "gamma": gn.weight.detach().tolist(),
        "beta": gn.bias.detach().tolist(),
        "y": nhwc(y.detach()),
        "r": nhwc(r),
        "grad": nhwc(x.grad),
    }


def group_norm_init_case():
    gn = torch.nn.GroupNorm(3, 6)
    x = randn(2, 6, 3, 3) * 3 + 1
    return {"groups": 3, "x": nhwc(x), "y": nhwc(gn(x).detach())}


out = {
    "torch": torch.__version__,
    "conv_stride1": conv_case(3, 4, 5, 1, (2, 3, 6, 7)),
    "conv_stride2": conv_case(3, 4, 3, 2, (2, 3, 7, 6)),
    "downsample": conv_case(4, 6, 3, 2, (2, 4, 8, 8)),
    "upsample": conv_case(4, 2, 3, 1, (2, 4, 3, 5), upsample=True),
    "group_norm": group_norm_case(),
    "group_norm_init": group_norm_init_case(),
}
with open("tests/reference/layers.json", "w") as f:
    json.dump(out, f)
    f.write("\n")
print("wrote tests/reference/layers.json")
