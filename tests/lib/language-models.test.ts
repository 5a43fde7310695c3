import * as tf from "@tensorflow/tfjs";
import { afterEach, describe, expect, it } from "vitest";
import {
  bigramCounts,
  bigramNats,
  bigramNextCharacter,
  bigramProb,
  createLSTM,
  createMLPLanguageModel,
  fitBigram,
  lstmLogits,
  lstmNextCharacter,
  mlpData,
  mlpLogits,
  mlpNextCharacter,
} from "../../lib/language-models";
import { charCrossEntropy, documentNats, generateDocuments } from "../../lib/lm";
import { seed, unseed } from "../../lib/random";
import { buildVocabulary, documentBatch } from "../../lib/text";
import { expectClose } from "../helpers/close";

afterEach(() => unseed());

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
    const model = createMLPLanguageModel({ vocabSize: vocab.size, contextSize: 2, embeddingSize: 4, hiddenSize: 16 });
    const { context, target } = mlpData(vocab, docs, 2);
    expect(context.shape).toEqual([12, 2]);
    const logits = mlpLogits(model, context);
    expect(logits.shape).toEqual([12, 4]);
    expectClose(model.logits(context), logits); // the method is the same function
    logits.dispose();
    const opt = tf.train.adam(0.05);
    for (let i = 0; i < 150; i++) tf.dispose(opt.minimize(() => charCrossEntropy(mlpLogits(model, context), target), true)!);
    const loss = tf.tidy(() => charCrossEntropy(mlpLogits(model, context), target).dataSync()[0]);
    expect(loss).toBeLessThan(0.05);
    expect(generateDocuments(mlpNextCharacter(model), vocab, { count: 3, temperature: 0 })).toEqual(["abc", "abc", "abc"]);
    expect(() => mlpLogits(model, tf.zeros([3, 3], "int32") as tf.Tensor2D)).toThrow(/context must have shape \[\?, 2\]/);
    tf.dispose([context, target]);
    model.dispose();
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
    expectClose(
      documentNats((ids) => lstmLogits(model, ids), vocab, docs, { batchSize: 1 }),
      loss,
      { rtol: 1e-5 },
    );
    expect(generateDocuments(lstmNextCharacter(model), vocab, { count: 2, temperature: 0 })).toEqual(["abca", "abca"]);
    tf.dispose([x, y, x2, a, b, logits]);
    model.dispose();
    opt.dispose();
  });
});

describe("createMLPLanguageModel", () => {
  it("creates exactly its five variables (initial values are freed), fills its config, and dispose frees them", () => {
    const before = tf.memory().numTensors;
    const model = createMLPLanguageModel({ vocabSize: 7, contextSize: 2, embeddingSize: 4, hiddenSize: 8 });
    expect(tf.memory().numTensors - before).toBe(5);
    expect(model.variables).toEqual([model.embedding, model.w1, model.b1, model.w2, model.b2]);
    expect(model.w2.shape).toEqual([8, 7]);
    const defaults = createMLPLanguageModel({ vocabSize: 7 });
    expect(defaults.config).toEqual({ vocabSize: 7, contextSize: 3, embeddingSize: 16, hiddenSize: 128 });
    model.dispose();
    defaults.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => createMLPLanguageModel({ vocabSize: 7, hiddenSize: 0 })).toThrow(/hiddenSize must be an integer ≥ 1, got 0/);
  });
});

describe("createLSTM", () => {
  it("exposes its six trainable variables in the stack's order, its config, and dispose frees them", () => {
    const before = tf.memory().numTensors;
    const model = createLSTM({ vocabSize: 5, embeddingSize: 3, hiddenSize: 4 });
    expect(model.config).toEqual({ vocabSize: 5, embeddingSize: 3, hiddenSize: 4 });
    expect(model.variables.map((v) => v.shape)).toEqual([[5, 3], [3, 16], [4, 16], [16], [4, 5], [5]]);
    expect(model.variables.every((v) => v instanceof tf.Variable)).toBe(true);
    const x = tf.tensor2d([[0, 1, 2]], undefined, "int32");
    const next = lstmNextCharacter(model)(x);
    const all = model.logits(x);
    const lastByHand = tf.tidy(() => tf.reshape(tf.slice(all, [0, 2, 0], [1, 1, 5]), [1, 5])); // [1, V]
    expectClose(next, lastByHand);
    tf.dispose([x, next, all, lastByHand]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
