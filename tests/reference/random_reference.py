"""Reference draws for tests/lib/random.test.ts, from a second implementation in Python.

Run from the repository root with Debian's /usr/bin/python3 (standard library only):
    /usr/bin/python3 tests/reference/random_reference.py
It writes tests/reference/random.json. The generators are re-implemented here from their
published definitions, with 32-bit wrap-around written out, so the test pins lib/random.ts's
streams (and hence every seeded draw of the notebooks) to the algorithms, not to itself:
  splitmix32   the 32-bit variant of Steele, Lea & Flood's SplitMix (2014): a += 0x9e3779b9,
               then xor-shift/multiply by 0x21f0aaad and 0x735a2d97
  sfc32        Chris Doty-Humphrey's Small Fast Counting generator (PractRand), output / 2^32
  makeRng(s)   sfc32 seeded with four splitmix32(s) words, 12 outputs discarded
  normal       Box-Muller: u (redrawn while 0), then v; sqrt(-2 ln u) cos(2 pi v)
  shuffle      Fisher-Yates from the end: j = floor(u (i + 1)) for i = n - 1 .. 1
  perClass     lib/mnist.ts perClassSubset: each class's rows (labels i mod 10 here, in order)
               shuffled in turn from one makeRng(seed) stream, the first k kept
"""
import json
import math

M = 0xFFFFFFFF


def imul(a, b):
    return (a * b) & M


def splitmix32(a):
    state = [a & M]

    def nxt():
        state[0] = (state[0] + 0x9E3779B9) & M
        t = state[0] ^ (state[0] >> 16)
        t = imul(t, 0x21F0AAAD)
        t ^= t >> 15
        t = imul(t, 0x735A2D97)
        return t ^ (t >> 15)

    return nxt


def sfc32(a, b, c, d):
    s = [a, b, c, d]

    def nxt():
        a, b, c, d = s
        t = (a + b + d) & M
        d = (d + 1) & M
        a = b ^ (b >> 9)
        b = (c + (c << 3)) & M
        c = ((c << 21) | (c >> 11)) & M
        c = (c + t) & M
        s[:] = [a, b, c, d]
        return t / 4294967296

    return nxt


def make_rng(seed):
    mix = splitmix32(seed)
    nxt = sfc32(mix(), mix(), mix(), mix())
    for _ in range(12):
        nxt()
    return nxt


def normal(rng):
    u = 0.0
    while u == 0.0:
        u = rng()
    v = rng()
    return math.sqrt(-2 * math.log(u)) * math.cos(2 * math.pi * v)


def shuffle(items, rng):
    items = list(items)
    for i in range(len(items) - 1, 0, -1):
        j = math.floor(rng() * (i + 1))
        items[i], items[j] = items[j], items[i]
    return items


out = {}
for seed in [0, 1, 42, -7]:
    r = make_rng(seed & M)  # JS passes seed | 0, a signed 32-bit int: the same 32 bits
    out[str(seed)] = {
        "uniform": [r() for _ in range(5)],
        "normal": [normal(r) for _ in range(5)],
        "shuffle": shuffle(range(10), r),
    }
labels = [i % 10 for i in range(100)]
r = make_rng(1)
subset = []
for c in range(10):
    subset += shuffle([i for i in range(100) if labels[i] == c], r)[:3]
out["perClassSubset"] = {"n": 100, "k": 3, "seed": 1, "indices": subset}
with open("tests/reference/random.json", "w") as fh:
    json.dump(out, fh, indent=1)
    fh.write("\n")
