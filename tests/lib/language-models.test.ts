import * as tf from "@tensorflow/tfjs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { selectBackend } from "../../lib/engine/backend";
import {
  bigramCounts,
  bigramNats,
  bigramNextCharacter,
  bigramProb,
  charCrossEntropy,
  createLSTM,
  documentNats,
  fitBigram,
  generateDocuments,
  initMLP,
  lstmLogits,
  lstmNextCharacter,
  mlpData,
  mlpLogits,
  mlpNextCharacter,
  sampleFromLogits,
} from "../../lib/language-models";
import { makeRng, seed, unseed } from "../../lib/random";
import { PAD, buildVocabulary, documentBatch } from "../../lib/text";
import { expectClose } from "../helpers/close";

beforeAll(async () => {
  await selectBackend({ quiet: true });
});
afterEach(() => unseed());

describe("charCrossEntropy", () => {
  it("is −mean log softmax at the targets, skipping PAD (hand-computed)", () => {
    const before = tf.memory().numTensors;
    // Row 0: logits [0, 0] → p = ½ each; target 1 → ln 2. Row 1: logits [ln 3, 0] → p = [¾, ¼];
    // target 0 → −ln ¾. Row 2 is PAD. Mean over the 2 scored rows.
    const logits = tf.tensor2d([[0, 0], [Math.log(3), 0], [5, -5]]);
    const targets = tf.tensor1d([1, 0, PAD], "int32");
    const loss = charCrossEntropy(logits, targets);
    expectClose(loss, (Math.log(2) - Math.log(0.75)) / 2, { atol: 1e-6 });
    tf.dispose([logits, targets, loss]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("is ln V for uniform logits, on [B, T, V] too, and stays finite for extreme logits", () => {
    const logits = tf.zeros([2, 3, 7]);
    const targets = tf.tensor2d([[1, 2, 3], [4, 5, PAD]], undefined, "int32");
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
    expectClose(counts.map((c) => c / n), [0.125, 0.25, 0.625], { atol: 0.015 });
    // temperature 2: p ∝ [1, √2, √5]
    const t2 = [0, 0, 0];
    for (let i = 0; i < n; i++) t2[sampleFromLogits(logits, { temperature: 2, rng })]++;
    const z = 1 + Math.SQRT2 + Math.sqrt(5);
    expectClose(t2.map((c) => c / n), [1 / z, Math.SQRT2 / z, Math.sqrt(5) / z], { atol: 0.015 });
    for (let i = 0; i < 200; i++) expect(sampleFromLogits(logits, { topK: 2, rng })).not.toBe(0);
    expect(() => sampleFromLogits(logits, { temperature: -1 })).toThrow(/temperature must be ≥ 0/);
    expect(() => sampleFromLogits(logits, { topK: 0 })).toThrow(/topK must be an integer ≥ 1/);
  });
});

describe("bigram", () => {
  const docs = ["ab", "abb", "b"];
  const vocab = buildVocabulary(docs); // \n a b

  it("counts every framed pair and smooths with alpha", () => {
    const m = fitBigram(vocab, docs, 0);
    // pairs: \n a, a b, b \n | \n a, a b, b b, b \n | \n b, b \n
    expect(bigramCounts(m)).toEqual([
      [0, 2, 1],
      [0, 0, 2],
      [3, 0, 1],
    ]);
    expectClose(bigramProb(m, 2, 0), 0.75, { rtol: 0, atol: 5e-13 });
    const smoothed = fitBigram(vocab, docs, 1);
    expectClose(bigramProb(smoothed, 1, 0), 1 / 5, { rtol: 0, atol: 5e-13 }); // (0 + 1) / (2 + 3)
    // Nats on the training docs with alpha 0, over the 9 pairs: \n→a twice (2/3), \n→b (1/3),
    // a→b twice (1), b→\n three times (3/4), b→b (1/4).
    const expected = -(2 * Math.log(2 / 3) + Math.log(1 / 3) + 2 * Math.log(1) + 3 * Math.log(3 / 4) + Math.log(1 / 4)) / 9;
    expectClose(bigramNats(m, vocab, docs), expected, { rtol: 0, atol: 5e-13 });
  });

  it("samples documents through generateDocuments", () => {
    seed(3);
    const m = fitBigram(vocab, docs, 0);
    const samples = generateDocuments(bigramNextCharacter(m), vocab, { count: 20, maxLength: 10 });
    expect(samples.length).toBe(20);
    for (const s of samples) expect(s).toMatch(/^a?b+$/); // a only first, never an empty document
  });
});

describe("MLP (Bengio et al. 2003)", () => {
  it("has the documented shapes and learns a deterministic corpus", () => {
    seed(0);
    const docs = ["abc", "abc", "abc"];
    const vocab = buildVocabulary(docs);
    const model = initMLP({ vocabSize: vocab.size, contextSize: 2, embeddingSize: 4, hiddenSize: 16 });
    const { context, target } = mlpData(vocab, docs, 2);
    expect(context.shape).toEqual([12, 2]);
    const logits = mlpLogits(model, context);
    expect(logits.shape).toEqual([12, 4]);
    logits.dispose();
    const opt = tf.train.adam(0.05);
    for (let i = 0; i < 150; i++) tf.dispose(opt.minimize(() => charCrossEntropy(mlpLogits(model, context), target), true)!);
    const loss = tf.tidy(() => charCrossEntropy(mlpLogits(model, context), target).dataSync()[0]);
    expect(loss).toBeLessThan(0.05);
    expect(generateDocuments(mlpNextCharacter(model), vocab, { count: 3, temperature: 0 })).toEqual(["abc", "abc", "abc"]);
    expect(() => mlpLogits(model, tf.zeros([3, 3], "int32") as tf.Tensor2D)).toThrow(/context must have shape \[\?, 2\]/);
    tf.dispose([context, target, ...model.variables]);
    opt.dispose();
  });
});

describe("LSTM (tf.layers)", () => {
  it("maps [B, T] ids to [B, T, V] logits, is causal, and learns a deterministic corpus", () => {
    seed(0);
    const docs = ["abca", "abca"];
    const vocab = buildVocabulary(docs);
    const model = createLSTM({ vocabSize: vocab.size, embeddingSize: 8, hiddenSize: 16 });
    const { x, y } = documentBatch(vocab, docs);
    const logits = lstmLogits(model, x);
    expect(logits.shape).toEqual([2, 5, 4]);
    // Causal: changing the last input does not change earlier outputs.
    const x2 = tf.tensor2d([[0, 1, 2, 3, 2]], undefined, "int32");
    const a = lstmLogits(model, tf.slice(x, [0, 0], [1, 5]) as tf.Tensor2D);
    const b = lstmLogits(model, x2);
    expectClose(tf.slice(a, [0, 0, 0], [1, 4, 4]), tf.slice(b, [0, 0, 0], [1, 4, 4]), { atol: 1e-6 });
    const opt = tf.train.adam(0.05);
    for (let i = 0; i < 60; i++) tf.dispose(opt.minimize(() => charCrossEntropy(lstmLogits(model, x), y), true)!);
    const loss = tf.tidy(() => charCrossEntropy(lstmLogits(model, x), y).dataSync()[0]);
    expect(loss).toBeLessThan(0.1);
    // documentNats in chunks of 1 equals the one-batch loss.
    expectClose(documentNats((ids) => lstmLogits(model, ids), vocab, docs, { batchSize: 1 }), loss, { rtol: 1e-5 });
    expect(generateDocuments(lstmNextCharacter(model), vocab, { count: 2, temperature: 0 })).toEqual(["abca", "abca"]);
    tf.dispose([x, y, x2, a, b, logits]);
    model.dispose();
    opt.dispose();
  });
});

describe("initMLP", () => {
  it("creates exactly its five variables (initial values are freed)", () => {
    const before = tf.memory().numTensors;
    const model = initMLP({ vocabSize: 7, contextSize: 2, embeddingSize: 4, hiddenSize: 8 });
    expect(tf.memory().numTensors - before).toBe(5);
    tf.dispose([model.embedding, model.w1, model.b1, model.w2, model.b2]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
