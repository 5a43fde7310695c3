"""Reference numbers for checks/03-attention.ts, computed with PyTorch (Debian's python3-torch) in
float64, independently of lib/ and solutions/: 03.1's batched case and 03.5 (one pre-norm
Transformer block).

03.1, batched: q [2, 3, 3], k [2, 4, 3], v [2, 4, 2] (Tq ≠ Tk, dK = 3 ≠ dV = 2), the mask
[[1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]] broadcast over the batch; with the weights that a
softmax over axis 1 (the queries, once there is a batch axis), a division by dK, by √dV, or no
scaling give.

03.5:
The block (GPT-2 layout, as lib/transformer.ts):
    h   = LayerNorm1(x)                                   eps 1e-5, biased variance
    x1  = x + MultiHeadAttention(h, causal mask)          H heads, projections y = h·W + b
    out = x1 + GELU_tanh(LayerNorm2(x1)·W1 + b1)·W2 + b2
with B = 2, T = 4, D = 4, F = 6 (d_ff ≠ D, so a transposed weight fails on shape), H = 2 heads.

Every input is `numbers(n, s, scale)`: value i is round(scale·sin(s + 1.7·i), 2), so the check
rebuilds them with the same formula (tests/exercises/03-attention.test.ts checks that they agree).
Also written: the outputs that typical mistakes give (no mask, post-norm, no residuals, norm1 used
twice, ReLU instead of GELU, the erf GELU), which the check's hints recognise. Run from the root:

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tests/reference/exercise_03_reference.py
"""
import json
import math

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
B, T, D, FF, H = 2, 4, 4, 6, 2


def numbers(n, s, scale):
    return [round(scale * math.sin(s + 1.7 * i), 2) for i in range(n)]


def tensor(shape, s, scale):
    n = math.prod(shape)
    return torch.tensor(numbers(n, s, scale)).reshape(shape)


inputs = {
    "x": tensor([B, T, D], 1, 1.5),
    "gamma1": 1 + tensor([D], 2, 0.3),
    "beta1": tensor([D], 3, 0.2),
    "wQ": tensor([D, D], 4, 0.8),
    "wK": tensor([D, D], 5, 0.8),
    "wV": tensor([D, D], 6, 0.8),
    "wO": tensor([D, D], 7, 0.8),
    "bQ": tensor([D], 8, 0.2),
    "bK": tensor([D], 9, 0.2),
    "bV": tensor([D], 10, 0.2),
    "bO": tensor([D], 11, 0.2),
    "gamma2": 1 + tensor([D], 12, 0.3),
    "beta2": tensor([D], 13, 0.2),
    "w1": tensor([D, FF], 14, 0.8),
    "b1": tensor([FF], 15, 0.2),
    "w2": tensor([FF, D], 16, 0.8),
    "b2": tensor([D], 17, 0.2),
}
p = inputs


def ln(x, g, b):
    return F.layer_norm(x, (D,), g, b, eps=1e-5)


def mha(h, causal=True):
    def split(t):  # [B, T, D] -> [B, H, T, D/H]
        return t.reshape(B, T, H, D // H).transpose(1, 2)

    q, k, v = split(h @ p["wQ"] + p["bQ"]), split(h @ p["wK"] + p["bK"]), split(h @ p["wV"] + p["bV"])
    scores = q @ k.transpose(-1, -2) / math.sqrt(D // H)  # [B, H, T, T]
    if causal:
        scores = scores.masked_fill(~torch.tril(torch.ones(T, T, dtype=torch.bool)), float("-inf"))
    w = torch.softmax(scores, -1)
    out = (w @ v).transpose(1, 2).reshape(B, T, D) @ p["wO"] + p["bO"]
    return out, w


def block(causal=True, order="pre", residual=True, second_norm="norm2", act="gelu_tanh"):
    x = p["x"]
    g2, b2 = (p["gamma2"], p["beta2"]) if second_norm == "norm2" else (p["gamma1"], p["beta1"])
    actf = {
        "gelu_tanh": lambda t: F.gelu(t, approximate="tanh"),
        "gelu_erf": lambda t: F.gelu(t),
        "relu": F.relu,
    }[act]
    mlp = lambda t: actf(t @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]
    if order == "post":  # x = LN1(x + attn(x)); x = LN2(x + mlp(x))
        a, w = mha(x, causal)
        x1 = ln(x + a, p["gamma1"], p["beta1"])
        return ln(x1 + mlp(x1), g2, b2), w
    a, w = mha(ln(x, p["gamma1"], p["beta1"]), causal)
    x1 = x + a if residual else a
    m = mlp(ln(x1, g2, b2))
    return (x1 + m if residual else m), w


def flat(t):
    return [float(v) for v in t.flatten()]


out, w = block()
mistakes = {
    "noMask": block(causal=False),
    "postNorm": block(order="post"),
    "noResidual": block(residual=False),
    "norm1Twice": block(second_norm="norm1"),
    "relu": block(act="relu"),
    "geluErf": block(act="gelu_erf"),
}
# 03.1, batched
aq, ak, av = tensor([2, 3, 3], 21, 1.2), tensor([2, 4, 3], 22, 1.2), tensor([2, 4, 2], 23, 1.0)
amask = torch.tensor([[1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]], dtype=torch.bool)


def attend(scale, axis=-1):
    scores = (aq @ ak.transpose(-1, -2) / scale).masked_fill(~amask, -1e9)  # [2, 3, 4]
    w = torch.softmax(scores, axis)
    return w, w @ av


aw, aout = attend(math.sqrt(3))
attention_batched = {
    "q": flat(aq),
    "k": flat(ak),
    "v": flat(av),
    "weights": flat(aw),
    "output": flat(aout),
    "mistakeWeights": {
        "softmaxAxis1": flat(attend(math.sqrt(3), 1)[0]),
        "scaleDK": flat(attend(3)[0]),
        "scaleSqrtDV": flat(attend(math.sqrt(2))[0]),
        "noScale": flat(attend(1)[0]),
    },
}
result = {
    "attentionBatched": attention_batched,
    "source": "tests/reference/exercise_03_reference.py, PyTorch " + torch.__version__ + ", float64",
    "sizes": {"B": B, "T": T, "D": D, "F": FF, "H": H},
    "inputs": {k: flat(v) for k, v in inputs.items()},
    "output": flat(out),
    "weights": flat(w),
    "mistakes": {k: flat(v[0]) for k, v in mistakes.items()},
    "mistakeWeights": {"noMask": flat(mistakes["noMask"][1])},
}
with open("tests/reference/exercise_03.json", "w") as f:
    json.dump(result, f, indent=1)
    f.write("\n")
print(json.dumps(result["output"]))
for k, v in result["mistakes"].items():
    print(k, max(abs(a - b) for a, b in zip(v, result["output"])))
