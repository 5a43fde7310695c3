// lib/mnist.ts: the fixed split, layouts, the 14×14 copy, binarisation, seeded batches, no leaks.
// Reference numbers were computed with numpy directly from data/mnist-10k.bin.gz (labels and
// pixel sums) and hand-checked against the class counts printed by scripts/data/extract_mnist.py.
import * as tf from "@tensorflow/tfjs";
import * as fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { batches, binarize, downsample2x, loadMnist, MNIST_TRAIN_SIZE, perClassSubset } from "../../lib/mnist";
import { seed, unseed } from "../../lib/random";
import { expectClose } from "../helpers/close";
import { fromSymmetric, toImages, toSymmetric } from "../../lib/mnist";

afterEach(() => unseed());

describe("loadMnist", () => {
  it("returns the fixed 8,000/2,000 split, flat, in [0, 1], with its labels", () => {
    const before = tf.memory().numTensors;
    const mnist = loadMnist();
    expect(mnist.train.images.shape).toEqual([8000, 784]);
    expect(mnist.test.images.shape).toEqual([2000, 784]);
    expect([mnist.side, mnist.pixels, mnist.train.size, mnist.test.size, MNIST_TRAIN_SIZE]).toEqual([28, 784, 8000, 2000, 8000]);
    expect(mnist.train.labels.dtype).toBe("int32");
    expect(Array.from(mnist.train.labelArray.slice(0, 10))).toEqual([1, 3, 5, 0, 6, 8, 2, 2, 0, 4]);
    expect(Array.from(mnist.test.labels.dataSync().slice(0, 10))).toEqual([8, 1, 2, 8, 8, 8, 1, 8, 1, 6]);
    const counts = new Array(10).fill(0);
    for (const l of mnist.test.labelArray) counts[l]++;
    expect(counts).toEqual([200, 225, 198, 206, 196, 173, 203, 214, 189, 196]);
    // means in float64 (a float32 sum over 6 million pixels drifts on wasm)
    const stats = (x: tf.Tensor) => {
      const v = x.dataSync();
      let sum = 0;
      let min = Infinity;
      let max = -Infinity;
      for (const p of v) {
        sum += p;
        min = Math.min(min, p);
        max = Math.max(max, p);
      }
      return { mean: sum / v.length, min, max };
    };
    const tr = stats(mnist.train.images);
    expect([tr.min, tr.max]).toEqual([0, 1]);
    expectClose([tr.mean, stats(mnist.test.images).mean], [0.13110837585034013, 0.13119524809923966], { rtol: 1e-6 });
    const sum0 = tf.tidy(() => mnist.train.images.slice([0, 0], [1, 784]).sum().dataSync()[0]);
    expectClose(sum0, 58.26274509803922, { rtol: 1e-6 });
    mnist.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("gives images [N, 28, 28], the 14×14 average-pooled copy, and class filters", () => {
    const img = loadMnist({ layout: "image", trainSize: 5, testSize: 3 });
    expect(img.train.images.shape).toEqual([5, 28, 28]);
    expect(img.test.images.shape).toEqual([3, 28, 28]);
    expectClose(img.train.images.slice([0, 14, 14], [1, 1, 1]).dataSync()[0], 1);
    const small = loadMnist({ side: 14, layout: "image", trainSize: 5, testSize: 3 });
    expect([small.side, small.pixels]).toEqual([14, 196]);
    expect(small.train.images.shape).toEqual([5, 14, 14]);
    // numpy: img.reshape(N, 14, 2, 14, 2).mean(axis=(2, 4))[0, 7]
    const row7 = [0, 0, 0, 0, 0, 0, 0.028431372549019607, 1, 1 / 3, 0, 0, 0, 0, 0];
    expectClose(small.train.images.slice([0, 7, 0], [1, 1, 14]), [[row7]], { atol: 1e-6 });
    // downsample2x on the 28×28 tensor gives the same numbers, in either layout
    const pooled = downsample2x(img.train.images as tf.Tensor3D);
    expectClose(pooled, small.train.images, { atol: 1e-6 });
    const flat = loadMnist({ trainSize: 5, testSize: 3 });
    const pooledFlat = downsample2x(flat.train.images as tf.Tensor2D);
    expect(pooledFlat.shape).toEqual([5, 196]);
    expectClose(pooledFlat, small.train.images.reshape([5, 196]), { atol: 1e-6 });
    const binary = loadMnist({ digits: [0, 1] });
    expect([binary.train.size, binary.test.size]).toEqual([1703, 425]);
    expect(new Set(binary.train.labelArray)).toEqual(new Set([0, 1]));
    tf.dispose([pooled, pooledFlat]);
    for (const m of [img, small, flat, binary]) m.dispose();
  });

  it("binarises by threshold or by a seeded draw", () => {
    const t = loadMnist({ pixels: "threshold" });
    const ones = Array.from(t.train.images.dataSync()).reduce((a, p) => a + p, 0);
    expectClose(ones / (8000 * 784), 0.13263823341836734, { rtol: 0, atol: 5e-13 });
    const a = loadMnist({ pixels: "sample", binarizeSeed: 1, trainSize: 50, testSize: 10 });
    const b = loadMnist({ pixels: "sample", binarizeSeed: 1, trainSize: 50, testSize: 10 });
    const c = loadMnist({ pixels: "sample", binarizeSeed: 2, trainSize: 50, testSize: 10 });
    const va = a.train.images.dataSync();
    expect(new Set(va)).toEqual(new Set([0, 1]));
    expect(Array.from(b.train.images.dataSync())).toEqual(Array.from(va));
    expect(Array.from(c.train.images.dataSync())).not.toEqual(Array.from(va));
    const x = tf.tensor2d([[0.2, 0.5, 0.7, 1]]);
    expect(Array.from(binarize(x).dataSync())).toEqual([0, 1, 1, 1]);
    seed(4);
    const s = binarize(tf.fill([1, 4000], 0.25) as tf.Tensor2D, { mode: "sample" });
    expectClose(s.mean().dataSync()[0], 0.25, { atol: 0.03 });
    tf.dispose([x, s]);
    for (const m of [t, a, b, c]) m.dispose();
  });

  it("says what was wrong with bad options", () => {
    expect(() => loadMnist({ side: 7 as never })).toThrow(/options.side must be 28 or 14, got 7/);
    expect(() => loadMnist({ layout: "grid" as never })).toThrow(/options.layout must be "image" or "flat"/);
    expect(() => loadMnist({ pixels: "binary" as never })).toThrow(/options.pixels must be/);
    expect(() => loadMnist({ digits: [10] })).toThrow(/options.digits/);
    expect(() => loadMnist({ trainSize: 9000 })).toThrow(/options.trainSize/);
    expect(() => loadMnist({ dataDir: "/nonexistent" })).toThrow(/mnist-10k.bin.gz" was not found/);
    const odd = tf.zeros([2, 9]) as tf.Tensor2D;
    expect(() => downsample2x(odd)).toThrow(/even side/);
    expect(() => downsample2x(tf.zeros([2, 10]) as tf.Tensor2D)).toThrow(/images must have shape \[\?, 9\]/);
    odd.dispose();
  });
});

describe("toSymmetric, fromSymmetric, toImages", () => {
  it("map [0, 1] to [−1, 1] (2x − 1) and back ((x + 1) / 2), any shape, without clipping", () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor2d([
      [0, 0.25, 1],
      [0.5, 0.75, 1.5],
    ]);
    const s = toSymmetric(x);
    expect(s.shape).toEqual([2, 3]);
    expectClose(s, [
      [-1, -0.5, 1],
      [0, 0.5, 2],
    ]);
    const back = fromSymmetric(s);
    expectClose(back, x);
    const outside = tf.tensor1d([-3]);
    const outsideBack = fromSymmetric(outside);
    expectClose(outsideBack, [-1]);
    tf.dispose([x, s, back, outside, outsideBack]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("toImages clips to [0, 1] and makes square images [N, S, S]", () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor2d([
      [-0.5, 0.2, 0.7, 1.4],
      [1, 0, 0.5, 2],
    ]);
    const images = toImages(x);
    expect(images.shape).toEqual([2, 2, 2]);
    expectClose(images, [
      [
        [0, 0.2],
        [0.7, 1],
      ],
      [
        [1, 0],
        [0.5, 1],
      ],
    ]);
    tf.dispose([x, images]);
    expect(tf.memory().numTensors).toBe(before);
    const notSquare = tf.zeros([2, 5]) as tf.Tensor2D;
    expect(() => toImages(notSquare)).toThrow("x must have D = S·S pixels per row (a square image), got D = 5");
    const rank3 = tf.zeros([1, 2, 2]) as unknown as tf.Tensor2D;
    expect(() => toImages(rank3)).toThrow("x must be pixel rows [N, D], got shape [1,2,2]");
    tf.dispose([notSquare, rank3]);
  });
});

describe("batches", () => {
  it("walks every row once per epoch, reshuffles, repeats with the same seed, leaks nothing", () => {
    const images = tf.tidy(() => tf.range(0, 10).reshape([10, 1]).tile([1, 3])) as tf.Tensor2D; // row i = [i, i, i]
    const labels = tf.range(0, 10, 1, "int32") as tf.Tensor1D;
    const before = tf.memory().numTensors;
    const run = (s: number) => {
      const data = batches({ images, labels }, { batchSize: 3, seed: s });
      expect(data.perEpoch).toBe(3);
      const rows: number[][] = [];
      for (let k = 0; k < 6; k++) {
        const { images: x, labels: y, indices } = data.next();
        expect(x.shape).toEqual([3, 3]);
        expect(Array.from(y.dataSync())).toEqual(Array.from(indices));
        expect(Array.from(x.dataSync()).filter((_, i) => i % 3 === 0)).toEqual(Array.from(indices));
        rows.push(Array.from(indices));
        tf.dispose([x, y]);
        expect(data.epoch).toBe(k < 3 ? 0 : 1);
      }
      return rows;
    };
    const a = run(7);
    expect(run(7)).toEqual(a);
    expect(run(8)).not.toEqual(a);
    const epoch0 = a.slice(0, 3).flat();
    expect(new Set(epoch0).size).toBe(9); // 9 distinct rows, one dropped
    expect(a.slice(3).flat()).not.toEqual(epoch0);
    const inOrder = batches({ images, labels }, { batchSize: 4, shuffle: false });
    const first = inOrder.next();
    expect(Array.from(first.indices)).toEqual([0, 1, 2, 3]);
    tf.dispose([first.images, first.labels]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => batches({ images, labels }, { batchSize: 11 })).toThrow(/options.batchSize/);
    tf.dispose([images, labels]);
  });
});

describe("perClassSubset", () => {
  it("picks k per class, seeded, as the Python re-implementation of the stream does (tests/reference/random.json)", () => {
    const ref = JSON.parse(fs.readFileSync("tests/reference/random.json", "utf8")).perClassSubset;
    const labels = Array.from({ length: ref.n }, (_, i) => i % 10);
    const s = perClassSubset(labels, ref.k, ref.seed);
    expect(s).toEqual(ref.indices);
    expect(s.map((i) => labels[i])).toEqual(Array.from({ length: 30 }, (_, i) => Math.floor(i / 3)));
    expect(perClassSubset(labels, ref.k, ref.seed + 1)).not.toEqual(s);
    expect(perClassSubset(labels, 20).length).toBe(100); // a class with fewer than k gives all it has
  });
  it("names the bad argument", () => {
    expect(() => perClassSubset([0, 1], 0)).toThrow("k must be an integer ≥ 1, got 0");
    expect(() => perClassSubset([0, 10], 1)).toThrow("labels must be integers in [0, 10), got labels[1] = 10");
  });
});
