"""Reference numbers for tests/lib/attention.test.ts (and the transformer tests' attention parts).

Run from the repository root with Debian's python3-torch:
    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tests/reference/attention_reference.py
It writes tests/reference/attention.json: fixed random inputs (float32, drawn here with a
seeded torch generator) and what PyTorch computes from them.

Sources of each number:
  sdpa          torch.nn.functional._scaled_dot_product_attention(q, k, v, need_attn_weights=True)
                (torch 1.13's name for F.scaled_dot_product_attention, which also returns the
                weights); checked here against torch.softmax(q @ k^T / sqrt(dK), -1) @ v
  sdpa_causal   the same with is_causal=True
  sdpa_mask     the same with a boolean attn_mask (True = may attend), broadcast over the batch
  mha           torch.nn.MultiheadAttention(D, H, batch_first=True) with a causal attn_mask
                (True = may NOT attend in this module), need_weights=True,
                average_attn_weights=False. Its in_proj_weight [3D, D] holds W_Q, W_K, W_V as
                out x in; lib/attention.ts uses in x out, so they are written transposed.
  transformer   a 1-block pre-norm decoder (V=5, T=4, D=8, H=2, MLP 4D) built from torch.nn
                modules (Embedding weights, nn.LayerNorm, nn.MultiheadAttention with a causal
                mask, nn.GELU(approximate="tanh"), nn.Linear), for lib/transformer.ts
                transformerForward; weights written in lib's in x out layout
  pe            the sinusoid of Vaswani et al. (2017) section 3.5 as the PyTorch tutorial
                ("Language Modeling with nn.Transformer") builds it, with torch ops.
"""
import json
import math

import torch
import torch.nn.functional as F

torch.manual_seed(0)
g = torch.Generator().manual_seed(1234)


def randn(*shape):
    return torch.randn(*shape, generator=g, dtype=torch.float32)


def sdpa(q, k, v, attn_mask=None, is_causal=False):
    o, w = F._scaled_dot_product_attention(q, k, v, attn_mask, 0.0, True, is_causal)
    return o, w


def tolist(t):
    return t.detach().to(torch.float64).tolist()


out = {"torch": torch.__version__}

# Unmasked attention, rank 4 (B=2, H=2, Tq=3, Tk=5, dK=4, dV=6).
q, k, v = randn(2, 2, 3, 4), randn(2, 2, 5, 4), randn(2, 2, 5, 6)
o, w = sdpa(q, k, v)
assert torch.allclose(w, torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(4), dim=-1), atol=1e-6)
assert torch.allclose(o, w @ v, atol=1e-6)
out["sdpa"] = {"q": tolist(q), "k": tolist(k), "v": tolist(v), "output": tolist(o), "weights": tolist(w)}

# Causal attention, rank 3 (B=2, T=4, dK=dV=4).
q, k, v = randn(2, 4, 4), randn(2, 4, 4), randn(2, 4, 4)
o, w = sdpa(q, k, v, is_causal=True)
scores = q @ k.transpose(-1, -2) / 2.0
scores = scores.masked_fill(torch.triu(torch.ones(4, 4, dtype=torch.bool), 1), float("-inf"))
assert torch.allclose(w, torch.softmax(scores, -1), atol=1e-6)
out["sdpa_causal"] = {"q": tolist(q), "k": tolist(k), "v": tolist(v), "output": tolist(o), "weights": tolist(w)}

# A padding-style mask [Tq, Tk] (True = attend) on rank 3 (B=2, Tq=3, Tk=4, d=2).
q, k, v = randn(2, 3, 2), randn(2, 4, 2), randn(2, 4, 2)
mask = torch.tensor([[1, 1, 0, 0], [1, 0, 1, 0], [1, 1, 1, 1]], dtype=torch.bool)
o, w = sdpa(q, k, v, attn_mask=mask)
scores = (q @ k.transpose(-1, -2) / math.sqrt(2)).masked_fill(~mask, float("-inf"))
assert torch.allclose(w, torch.softmax(scores, -1), atol=1e-6)
out["sdpa_mask"] = {"q": tolist(q), "k": tolist(k), "v": tolist(v), "mask": mask.to(torch.float32).tolist(), "output": tolist(o), "weights": tolist(w)}

# Multi-head self-attention with a causal mask (B=2, T=5, D=8, H=2).
B, T, D, H = 2, 5, 8, 2
mha = torch.nn.MultiheadAttention(D, H, batch_first=True)
with torch.no_grad():
    mha.in_proj_bias.copy_(randn(3 * D) * 0.1)
    mha.out_proj.bias.copy_(randn(D) * 0.1)
x = randn(B, T, D)
blocked = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
o, w = mha(x, x, x, attn_mask=blocked, need_weights=True, average_attn_weights=False)
Wq, Wk, Wv = mha.in_proj_weight.chunk(3, 0)
bq, bk, bv = mha.in_proj_bias.chunk(3, 0)
out["mha"] = {
    "H": H, "x": tolist(x),
    "wQ": tolist(Wq.T), "wK": tolist(Wk.T), "wV": tolist(Wv.T), "wO": tolist(mha.out_proj.weight.T),
    "bQ": tolist(bq), "bK": tolist(bk), "bV": tolist(bv), "bO": tolist(mha.out_proj.bias),
    "output": tolist(o), "weights": tolist(w),
}

# Sinusoidal positional encoding, T=6, D=8.
T, D = 6, 8
position = torch.arange(T, dtype=torch.float64).unsqueeze(1)
div_term = torch.exp(torch.arange(0, D, 2, dtype=torch.float64) * (-math.log(10000.0) / D))
pe = torch.zeros(T, D, dtype=torch.float64)
pe[:, 0::2] = torch.sin(position * div_term)
pe[:, 1::2] = torch.cos(position * div_term)
out["pe"] = {"T": T, "D": D, "pe": pe.tolist()}

# A one-block decoder-only Transformer, pre-norm, on fixed ids (B=2, T=4, V=5, D=8, H=2).
V, T, D, H = 5, 4, 8, 2
tok = randn(V, D)
pos = torch.tensor(pe[:T].tolist(), dtype=torch.float32)  # the sinusoid above (T=4 rows of D=8)
ln1, ln2, lnf = torch.nn.LayerNorm(D), torch.nn.LayerNorm(D), torch.nn.LayerNorm(D)
att = torch.nn.MultiheadAttention(D, H, batch_first=True)
fc1, fc2, head = torch.nn.Linear(D, 4 * D), torch.nn.Linear(4 * D, D), torch.nn.Linear(D, V)
with torch.no_grad():
    for ln in (ln1, ln2, lnf):
        ln.weight.copy_(1 + 0.1 * randn(D))
        ln.bias.copy_(0.1 * randn(D))
    att.in_proj_bias.copy_(0.1 * randn(3 * D))
    att.out_proj.bias.copy_(0.1 * randn(D))
    for lin in (fc1, fc2, head):
        lin.bias.copy_(0.1 * randn(lin.bias.shape[0]))
ids = torch.tensor([[0, 1, 2, 3], [0, 4, 4, 1]])
x = tok[ids] + pos
h = ln1(x)
a, aw = att(h, h, h, attn_mask=torch.triu(torch.ones(T, T, dtype=torch.bool), 1), need_weights=True, average_attn_weights=False)
x = x + a
x = x + fc2(torch.nn.GELU(approximate="tanh")(fc1(ln2(x))))
logits = head(lnf(x))
Wq, Wk, Wv = att.in_proj_weight.chunk(3, 0)
bq, bk, bv = att.in_proj_bias.chunk(3, 0)
out["transformer"] = {
    "V": V, "T": T, "D": D, "H": H, "ids": ids.tolist(), "tokenEmbedding": tolist(tok),
    "norm1": [tolist(ln1.weight), tolist(ln1.bias)], "norm2": [tolist(ln2.weight), tolist(ln2.bias)],
    "finalNorm": [tolist(lnf.weight), tolist(lnf.bias)],
    "wQ": tolist(Wq.T), "wK": tolist(Wk.T), "wV": tolist(Wv.T), "wO": tolist(att.out_proj.weight.T),
    "bQ": tolist(bq), "bK": tolist(bk), "bV": tolist(bv), "bO": tolist(att.out_proj.bias),
    "w1": tolist(fc1.weight.T), "b1": tolist(fc1.bias), "w2": tolist(fc2.weight.T), "b2": tolist(fc2.bias),
    "wHead": tolist(head.weight.T), "bHead": tolist(head.bias),
    "logits": tolist(logits), "attention": tolist(aw),
}

with open("tests/reference/attention.json", "w") as f:
    json.dump(out, f, indent=1)
print("wrote tests/reference/attention.json with torch", torch.__version__)
