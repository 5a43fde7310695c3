"""Reference numbers for checks/08-text-to-image.ts's 08.4 (the prior's loss on the
[caption ; image tokens] stream), computed with PyTorch (Debian's python3-torch) in float64,
independently of lib/ and solutions/.

The stand-in model is a bigram table: the logits at a position are row W[a] of
W[a][v] = sin(1.3a + 0.8v + 0.4), a the id read there. The stream of a caption c (Lc words) and
image codes z (N codes, id Vt + k in the joint vocabulary) is ids = [c ; Vt + z_1 … Vt + z_{N−1}];
position i predicts the token at i + 1, and only the image tokens are scored:
loss = mean over the B·N image tokens of cross_entropy(W[ids[b, Lc − 2 + n]], Vt + z_n). Written: the
loss and its gradient with respect to W (autograd) for the three cases of STREAM_CASES.

Also 08.2's (clipLoss) non-square case: N = 3 pairs of D = 2, logScale = 0.5, with
loss = ½ (CE(e^s Î T̂ᵀ, arange N) + CE((e^s Î T̂ᵀ)ᵀ, arange N)), rows scaled to length 1; and what
scaling the columns to length 1 instead gives, for (b) of the check as well. Run from the root:

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tests/reference/exercise_08_reference.py
"""
import json
import math

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

CASES = [
    {"captions": [[1, 2], [2, 0]], "codes": [[0, 2, 1], [2, 2, 0]], "textVocab": 3, "K": 3},
    {"captions": [[2]], "codes": [[1, 0]], "textVocab": 3, "K": 3},
    {"captions": [[1, 1, 2], [0, 2, 1]], "codes": [[2], [0]], "textVocab": 3, "K": 3},
]


def case(c):
    Vt, K = c["textVocab"], c["K"]
    V = Vt + K
    W = torch.tensor([[math.sin(1.3 * a + 0.8 * v + 0.4) for v in range(V)] for a in range(V)], requires_grad=True)
    captions = torch.tensor(c["captions"])
    image = torch.tensor(c["codes"]) + Vt
    B, Lc = captions.shape
    N = image.shape[1]
    ids = torch.cat([captions, image[:, : N - 1]], 1)  # [B, Lc + N − 1]
    logits = W[ids]  # [B, L, V]
    scored = logits[:, Lc - 1 :, :]  # [B, N, V]
    loss = F.cross_entropy(scored.reshape(-1, V), image.reshape(-1))
    loss.backward()
    return {"loss": loss.item(), "grad": W.grad.tolist()}


def clip_loss(img, txt, log_scale, axis=1):
    u = img / img.norm(dim=axis, keepdim=True)
    v = txt / txt.norm(dim=axis, keepdim=True)
    logits = math.exp(log_scale) * u @ v.T
    y = torch.arange(img.shape[0])
    return ((F.cross_entropy(logits, y) + F.cross_entropy(logits.T, y)) / 2).item()


img_d = torch.tensor([[3.0, 0], [1, 1], [0, 2]])
txt_d = torch.tensor([[1.0, 2], [2, 0], [-1, 1]])
img_b = torch.tensor([[3.0, 0], [0, 2]])
txt_b = torch.tensor([[1.0, 1], [0, 5]])
clip = {
    "nonSquare": clip_loss(img_d, txt_d, 0.5),
    "nonSquareColumns": clip_loss(img_d, txt_d, 0.5, axis=0),
    "bColumns": clip_loss(img_b, txt_b, math.log(2), axis=0),
}

out = {"cases": [case(c) for c in CASES], "clip": clip}
with open("tests/reference/exercise_08.json", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print(json.dumps([o["loss"] for o in out["cases"]]), json.dumps(clip))
