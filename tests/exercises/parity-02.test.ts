// Parity, stage 02: each solution in solutions/02-neural-language-models.ts against its lib
// counterpart (lib/language-models.ts, lib/lm.ts) on seeded inputs, so the two cannot drift apart.
// Same name and signature: mlpLogits. Different names: bigramProbabilities(counts, α) ↔ bigramRow
// of fitBigram(…, α); lstmStep ↔ the tf.layers LSTM inside createLSTM (its weights, stepped along a
// sequence); sampleName ↔ generateDocuments(…, { count: 1 }) with the same rng. trainMLP has no lib
// counterpart (lib/train.ts is the notebooks' async loop): checks/02 tests it on behaviour.
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import {
  bigramCounts,
  bigramNextCharacter,
  bigramRow,
  createLSTM,
  createMLPLanguageModel,
  fitBigram,
  lstmLogits,
  mlpLogits,
  mlpNextCharacter,
} from "../../lib/language-models";
import { generateDocuments } from "../../lib/lm";
import { makeRng, seed } from "../../lib/random";
import { buildVocabulary, loadCorpus } from "../../lib/text";
import type * as exercise from "../../exercises/02-neural-language-models";
import * as solution from "../../solutions/02-neural-language-models";
import { expectClose } from "../helpers/close";
import { parityHooks, type Same } from "./parity";

const TOL = { rtol: 1e-5, atol: 1e-5 };

parityHooks();

// One signature per name, checked by tsc -p: each entry is `true` only while lib, the solution and
// the exercise stub agree on the parameters and the return type.
export const sameSignatures: [Same<typeof mlpLogits, typeof solution.mlpLogits>, Same<typeof mlpLogits, typeof exercise.mlpLogits>] = [
  true,
  true,
];

describe("stage 02: solutions = lib", () => {
  it("bigramProbabilities(bigramCounts(model), α) = lib's bigramRow for every previous character, α = 0, 0.5, 1, an empty row included", () => {
    const names = loadCorpus("names-en").slice(0, 400);
    const vocab = buildVocabulary([...names, "zq"]);
    const fitted = names.filter((n) => !n.includes("q")); // q never precedes anything: an empty row
    for (const alpha of [0, 0.5, 1]) {
      const model = fitBigram(vocab, fitted, alpha);
      const mine = solution.bigramProbabilities(bigramCounts(model), alpha);
      expect(model.rowTotals[vocab.id("q")]).toBe(0);
      for (let a = 0; a < vocab.size; a++) expectClose(mine[a], bigramRow(model, a), { rtol: 1e-12, atol: 1e-15 });
    }
  });

  it("mlpLogits(model, context) = lib's on a seeded model, k = 1 and 3", () => {
    for (const k of [1, 3]) {
      seed(k);
      const model = createMLPLanguageModel({ vocabSize: 11, contextSize: k, embeddingSize: 5, hiddenSize: 7 });
      tf.tidy(() => {
        const context = tf.tensor2d(
          Array.from({ length: 6 * k }, (_, i) => (i * 7 + 3) % 11),
          [6, k],
          "int32",
        ); // [N, k]
        expectClose(solution.mlpLogits(model, context), mlpLogits(model, context), TOL);
      });
      model.dispose();
    }
  });

  it("lstmStep with createLSTM's weights, stepped along a sequence, = lib's lstmLogits (tf.layers' gate order i, f, g, o)", () => {
    seed(4);
    const lstm = createLSTM({ vocabSize: 7, embeddingSize: 5, hiddenSize: 6 });
    const [embedding, kernel, recurrentKernel, bias, denseKernel, denseBias] = lstm.variables;
    tf.tidy(() => {
      const x = tf.tensor2d(
        [
          [0, 3, 1, 6],
          [0, 2, 2, 5],
        ],
        undefined,
        "int32",
      ); // [B, T]
      const lib = lstmLogits(lstm, x); // [B, T, V]
      let state = { h: tf.zeros([2, 6]) as tf.Tensor2D, c: tf.zeros([2, 6]) as tf.Tensor2D };
      const steps: tf.Tensor2D[] = [];
      for (let t = 0; t < 4; t++) {
        const e = tf.gather(embedding, tf.reshape(tf.slice(x, [0, t], [2, 1]), [-1])) as tf.Tensor2D; // [B, E]
        state = solution.lstmStep(e, state, {
          kernel: kernel as tf.Tensor2D,
          recurrentKernel: recurrentKernel as tf.Tensor2D,
          bias: bias as tf.Tensor1D,
        });
        steps.push(tf.add(tf.matMul(state.h, denseKernel as tf.Tensor2D), denseBias) as tf.Tensor2D); // [B, V]
      }
      expectClose(tf.stack(steps, 1), lib, TOL);
    });
    lstm.dispose();
  });

  it("sampleName(model, vocab, { temperature, maxLength, rng }) = generateDocuments(…, { count: 1 }) with the same stream", () => {
    const names = loadCorpus("names-en");
    const vocab = buildVocabulary(names);
    const bigram = fitBigram(vocab, names.slice(0, 2000), 1);
    seed(6);
    const mlp = createMLPLanguageModel({ vocabSize: vocab.size, contextSize: 3, embeddingSize: 4, hiddenSize: 16 });
    for (const next of [bigramNextCharacter(bigram), mlpNextCharacter(mlp)]) {
      for (const [s, temperature, maxLength] of [
        [1, 1, 30],
        [2, 0.5, 30],
        [3, 2, 4],
        [4, 1, 1],
        [5, 0.8, 12],
      ]) {
        const mine = solution.sampleName(next, vocab, { temperature, maxLength, rng: makeRng(s) });
        const lib = generateDocuments(next, vocab, { count: 1, temperature, maxLength, rng: makeRng(s) })[0];
        expect(mine, `seed ${s}, temperature ${temperature}, maxLength ${maxLength}`).toBe(lib);
      }
    }
    mlp.dispose();
  });
});
