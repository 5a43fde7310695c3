"""Reference numbers for checks/02-neural-language-models.ts (exercises 02.2 and 02.3), computed
with PyTorch (Debian's python3-torch) in float64, independently of lib/ and solutions/.

02.2, the MLP language model's forward pass (Bengio et al. 2003, as lib/language-models.ts):
    e = concat(C[c_{t-k}], ..., C[c_{t-1}])      [N, k*E]  (the oldest character first)
    h = tanh(e @ W1 + b1)                         [N, Hd]
    logits = h @ W2 + b2                          [N, V]
  case "square":  V = 4, k = 2, E = 2, Hd = 4 (W1 and W2 square, so a transposed weight runs)
  case "unequal": V = 5, k = 3, E = 2, Hd = 4, N = 2 (every size different from its neighbours)

02.3, one LSTM step with torch.nn.LSTMCell (Hochreiter & Schmidhuber 1997; PyTorch's gate order
i, f, g, o is the order of tf.layers' kernel columns, which lib's createLSTM uses). LSTMCell
computes x @ W_ih^T + b_ih + h @ W_hh^T + b_hh, so W_ih = kernel^T, W_hh = recurrentKernel^T,
b_ih = bias, b_hh = 0.
  case "unequal": B = 2, E = 3, Hd = 2

Every input is `numbers(n, s, scale)`: value i is round(scale*sin(s + 1.7*i), 2), which the check
rebuilds with the same formula. Run from the root:

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tests/reference/lm_exercises_reference.py
"""
import json
import math

import torch

torch.set_default_dtype(torch.float64)


def numbers(n, s, scale):
    return [round(scale * math.sin(s + 1.7 * i), 2) for i in range(n)]


def tensor(shape, s, scale):
    return torch.tensor(numbers(math.prod(shape), s, scale)).reshape(shape)


def flat(t):
    return [float(v) for v in t.detach().flatten()]


def mlp(V, k, E, Hd, context, s0):
    C = tensor([V, E], s0, 1.0)
    W1 = tensor([k * E, Hd], s0 + 1, 0.8)
    b1 = tensor([Hd], s0 + 2, 0.3)
    W2 = tensor([Hd, V], s0 + 3, 0.8)
    b2 = tensor([V], s0 + 4, 0.3)
    ctx = torch.tensor(context)
    e = C[ctx].reshape(len(context), k * E)
    h = torch.tanh(e @ W1 + b1)
    return {"V": V, "k": k, "E": E, "Hd": Hd, "context": context, "seed": s0, "logits": flat(h @ W2 + b2)}


def lstm(B, E, Hd, s0):
    x = tensor([B, E], s0, 1.0)
    h = tensor([B, Hd], s0 + 1, 0.9)
    c = tensor([B, Hd], s0 + 2, 1.5)
    kernel = tensor([E, 4 * Hd], s0 + 3, 0.8)
    recurrent = tensor([Hd, 4 * Hd], s0 + 4, 0.8)
    bias = tensor([4 * Hd], s0 + 5, 0.5)
    cell = torch.nn.LSTMCell(E, Hd)
    with torch.no_grad():
        cell.weight_ih.copy_(kernel.T)
        cell.weight_hh.copy_(recurrent.T)
        cell.bias_ih.copy_(bias)
        cell.bias_hh.zero_()
    h1, c1 = cell(x, (h, c))
    return {"B": B, "E": E, "Hd": Hd, "seed": s0, "h": flat(h1), "c": flat(c1)}


# The hand-worked LSTM case of the check (B = E = Hd = 1), as a cross-check of its comments.
hand = torch.nn.LSTMCell(1, 1)
with torch.no_grad():
    hand.weight_ih.copy_(torch.tensor([[0.5], [-1.0], [1.0], [2.0]]))
    hand.weight_hh.copy_(torch.tensor([[1.0], [0.5], [-2.0], [-1.0]]))
    hand.bias_ih.copy_(torch.tensor([0.0, 1.0, 0.5, 0.0]))
    hand.bias_hh.zero_()
hh, hc = hand(torch.tensor([[1.0]]), (torch.tensor([[0.5]]), torch.tensor([[-2.0]])))

result = {
    "source": "tests/reference/lm_exercises_reference.py, PyTorch " + torch.__version__ + ", float64",
    "mlp": {
        "square": mlp(4, 2, 2, 4, [[0, 1], [3, 0], [2, 2]], 1),
        "unequal": mlp(5, 3, 2, 4, [[0, 4, 1], [2, 2, 3]], 11),
    },
    "lstm": {
        "unequal": lstm(2, 3, 2, 21),
        "hand": {"h": flat(hh), "c": flat(hc)},
    },
}
with open("tests/reference/lm_exercises.json", "w") as f:
    json.dump(result, f, indent=1)
    f.write("\n")
print(json.dumps(result, indent=None))
