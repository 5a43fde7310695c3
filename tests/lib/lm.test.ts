import * as tf from "@tensorflow/tfjs";
import { afterEach, describe, expect, it } from "vitest";
import { charCrossEntropy, documentNats, generateDocuments, lastPositionLogits, logitsAt, sampleFromLogits } from "../../lib/lm";
import { makeRng, unseed } from "../../lib/random";
import { PAD, buildVocabulary } from "../../lib/text";
import { expectClose } from "../helpers/close";

afterEach(() => unseed());

describe("charCrossEntropy", () => {
  it("is −mean log softmax at the targets, skipping PAD (hand-computed)", () => {
    const before = tf.memory().numTensors;
    // Row 0: logits [0, 0] → p = ½ each; target 1 → ln 2. Row 1: logits [ln 3, 0] → p = [¾, ¼];
    // target 0 → −ln ¾. Row 2 is PAD. Mean over the 2 scored rows.
    const logits = tf.tensor2d([
      [0, 0],
      [Math.log(3), 0],
      [5, -5],
    ]);
    const targets = tf.tensor1d([1, 0, PAD], "int32");
    const loss = charCrossEntropy(logits, targets);
    expectClose(loss, (Math.log(2) - Math.log(0.75)) / 2, { atol: 1e-6 });
    tf.dispose([logits, targets, loss]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("is ln V for uniform logits, on [B, T, V] too, and stays finite for extreme logits", () => {
    const logits = tf.zeros([2, 3, 7]);
    const targets = tf.tensor2d(
      [
        [1, 2, 3],
        [4, 5, PAD],
      ],
      undefined,
      "int32",
    );
    expectClose(charCrossEntropy(logits, targets), Math.log(7), { atol: 1e-6 });
    const extreme = tf.tensor2d([[1000, -1000]]);
    expectClose(charCrossEntropy(extreme, tf.tensor1d([1], "int32")), 2000, { rtol: 1e-6 });
    expect(() => charCrossEntropy(logits, tf.tensor1d([1], "int32"))).toThrow(/logits must have shape/);
    expect(() => charCrossEntropy(tf.zeros([2, 3]), tf.tensor1d([1, 1]))).toThrow(/targets must be int32/);
  });

  // N·V above 512K: with the BLAS addon, the compiled kernels split the rows across threads.
  it("has value and gradient (softmax − onehot)/N on a large vocabulary, PAD rows included (closed form in float64)", () => {
    const [N, V] = [200, 3000];
    const rng = makeRng(31);
    const x = Float32Array.from({ length: N * V }, () => 8 * rng() - 4);
    const y = Int32Array.from({ length: N }, (_, n) => (n % 17 === 5 ? PAD : Math.floor(rng() * V)));
    const scored = y.filter((t) => t !== PAD).length;
    let loss = 0;
    const grad = new Float64Array(N * V);
    for (let n = 0; n < N; n++) {
      if (y[n] === PAD) continue;
      let max = -Infinity;
      for (let i = 0; i < V; i++) max = Math.max(max, x[n * V + i]);
      let sum = 0;
      for (let i = 0; i < V; i++) sum += Math.exp(x[n * V + i] - max);
      const lse = max + Math.log(sum);
      loss -= (x[n * V + y[n]] - lse) / scored;
      for (let i = 0; i < V; i++) grad[n * V + i] = (Math.exp(x[n * V + i] - lse) - (i === y[n] ? 1 : 0)) / scored;
    }
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const logits = tf.tensor2d(x, [N, V]);
      const targets = tf.tensor1d(y, "int32");
      const { value, grads } = tf.valueAndGrads((l: tf.Tensor) => charCrossEntropy(l, targets))([logits]);
      expectClose(value, loss, { rtol: 1e-5 });
      expectClose(grads[0], grad, { rtol: 1e-4, atol: 1e-9 });
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("sampleFromLogits", () => {
  it("temperature 0 is the argmax, top-1 is the argmax", () => {
    expect(sampleFromLogits([0.1, 2, -1], { temperature: 0 })).toBe(1);
    const rng = makeRng(1);
    for (let i = 0; i < 20; i++) expect(sampleFromLogits([0.1, 2, -1], { topK: 1, rng })).toBe(1);
  });

  it("draws with frequencies softmax(logits / temperature), and top-k never draws outside the top k", () => {
    const rng = makeRng(7);
    const logits = [Math.log(1), Math.log(2), Math.log(5)];
    const counts = [0, 0, 0];
    const n = 20000;
    for (let i = 0; i < n; i++) counts[sampleFromLogits(logits, { rng })]++;
    expectClose(
      counts.map((c) => c / n),
      [0.125, 0.25, 0.625],
      { atol: 0.015 },
    );
    // temperature 2: p ∝ [1, √2, √5]
    const t2 = [0, 0, 0];
    for (let i = 0; i < n; i++) t2[sampleFromLogits(logits, { temperature: 2, rng })]++;
    const z = 1 + Math.SQRT2 + Math.sqrt(5);
    expectClose(
      t2.map((c) => c / n),
      [1 / z, Math.SQRT2 / z, Math.sqrt(5) / z],
      { atol: 0.015 },
    );
    for (let i = 0; i < 200; i++) expect(sampleFromLogits(logits, { topK: 2, rng })).not.toBe(0);
    expect(() => sampleFromLogits(logits, { temperature: -1 })).toThrow(/temperature must be ≥ 0/);
    expect(() => sampleFromLogits(logits, { topK: 0 })).toThrow(/topK must be an integer ≥ 1/);
  });
});

describe("logitsAt / lastPositionLogits", () => {
  it("read one position of [B, T, V] as [B, V], and name the bad position", () => {
    const before = tf.memory().numTensors;
    // logits[b, t, v] = 100b + 10t + v
    const value = (i: number) => 100 * Math.floor(i / 12) + 10 * (Math.floor(i / 4) % 3) + (i % 4); // i = 12b + 4t + v
    const logits = tf.tensor3d(
      Array.from({ length: 2 * 3 * 4 }, (_, i) => value(i)),
      [2, 3, 4],
    );
    const last = lastPositionLogits(logits);
    const first = logitsAt(logits, 0);
    expect(last.arraySync()).toEqual([
      [20, 21, 22, 23],
      [120, 121, 122, 123],
    ]);
    expect(first.arraySync()).toEqual([
      [0, 1, 2, 3],
      [100, 101, 102, 103],
    ]);
    expect(() => logitsAt(logits, 3)).toThrow(/t must be an integer in \[0, 2\], got 3/);
    const rank2 = tf.zeros([2, 4]);
    expect(() => lastPositionLogits(rank2 as unknown as tf.Tensor3D)).toThrow(/logits must have shape/);
    tf.dispose([logits, last, first, rank2]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("documentNats", () => {
  // Documents "ab", "b" over \n a b (ids 0 1 2), T = 3: x = [0 1 2 | 0 2 0], y = [1 2 0 | 2 0 PAD].
  const docs = ["ab", "b"];
  const vocab = buildVocabulary(docs);
  const c = 3;
  // A model whose logits at position s favour the input id at s by c: p(x_s) = e^c / (e^c + 2).
  const echo = (x: tf.Tensor2D) => tf.tidy(() => tf.mul(tf.cast(tf.oneHot(x, 3), "float32"), c) as tf.Tensor3D);
  const pHit = Math.exp(c) / (Math.exp(c) + 2);
  const pMiss = 1 / (Math.exp(c) + 2);

  it("scores every non-PAD target, in chunks, as one batch would (closed form)", () => {
    const before = tf.memory().numTensors;
    // No target equals its input: 5 scored targets, each −ln pMiss.
    expectClose(documentNats(echo, vocab, docs), -Math.log(pMiss), { rtol: 1e-6 });
    expectClose(documentNats(echo, vocab, docs, { batchSize: 1 }), -Math.log(pMiss), { rtol: 1e-6 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it("scores chosen positions, each on its own input and read position (closed form)", () => {
    const before = tf.memory().numTensors;
    // Reading at t + 1 sees the target itself: every scored target is a hit.
    expectClose(documentNats(echo, vocab, docs, { positions: [0, 1], readAt: (t) => t + 1 }), -Math.log(pHit), { rtol: 1e-6 });
    // Hiding the target (x[:, t + 1] := 1, "a") before reading there: position 0 targets are a, b
    // (a hit for "ab", a miss for "b"); position 1 targets are b, \n (both misses).
    const hide = (x: tf.Tensor2D, t: number) =>
      tf.tidy(() => {
        const hidden = tf
          .equal(tf.range(0, 3, 1, "int32"), t + 1)
          .expandDims(0)
          .tile([x.shape[0], 1]); // [B, T]
        return tf.where(hidden, tf.onesLike(x), x) as tf.Tensor2D;
      });
    const hidden = documentNats(echo, vocab, docs, { positions: [0, 1], inputAt: hide, readAt: (t) => t + 1, batchSize: 1 });
    expectClose(hidden, -(Math.log(pHit) + 3 * Math.log(pMiss)) / 4, { rtol: 1e-6 });
    // positions alone: the default pass, fewer targets (position 2: \n for "ab", PAD for "b").
    expectClose(documentNats(echo, vocab, docs, { positions: [2] }), -Math.log(pMiss), { rtol: 1e-6 });
    expect(() => documentNats(echo, vocab, docs, { positions: [3] })).toThrow(/options\.positions\[0\] must be an integer in \[0, 2\]/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("generateDocuments", () => {
  const vocab = buildVocabulary(["ab", "b"]);

  it("stops a document at the boundary: a model that always writes the boundary gives empty documents", () => {
    const V = vocab.size;
    const boundary = (prefix: tf.Tensor2D) => tf.zeros([prefix.shape[0]], "int32") as tf.Tensor1D; // [n]
    const stop = (prefix: tf.Tensor2D) => tf.tidy(() => tf.oneHot(boundary(prefix), V).mul(10) as tf.Tensor2D);
    expect(generateDocuments(stop, vocab, { count: 3, temperature: 0 })).toEqual(["", "", ""]);
    const wrongV = (prefix: tf.Tensor2D) => tf.zeros([prefix.shape[0], V + 1]) as tf.Tensor2D;
    expect(() => generateDocuments(wrongV, vocab, { count: 2 })).toThrow(/model\(prefix\) must have shape \[2, 3\]/);
  });
});
