// Parity, stage 03: each solution in solutions/03-attention.ts against its lib counterpart on
// seeded inputs, so the two independent versions cannot drift apart unnoticed.
// Same names, same signatures: causalMask, positionalEncoding (lib/attention.ts). Different
// names: attention ↔ scaledDotProductAttention (lib/attention.ts), sampleWithTemperature ↔
// sampleFromLogits (lib/lm.ts; both invert the CDF with one uniform number, so the
// same seeded stream gives the same draws). transformerBlock ↔ one block of lib/transformer.ts's
// transformerHidden (which has no block function of its own: the hidden states of a one-block
// model are finalNorm(block(tokens + positions)), and its attention weights are the block's).
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { causalMask, positionalEncoding, scaledDotProductAttention } from "../../lib/attention";
import { sampleFromLogits } from "../../lib/lm";
import { createTransformer, layerNorm, transformerHidden } from "../../lib/transformer";
import { makeRng, seed } from "../../lib/random";
import type * as exercise from "../../exercises/03-attention";
import * as solution from "../../solutions/03-attention";
import { expectClose } from "../helpers/close";
import { parityHooks, type Same } from "./parity";

const TOL = { rtol: 1e-5, atol: 1e-6 };

parityHooks();

// One signature per name, checked by tsc -p: each entry is `true` only while lib, the solution and
// the exercise stub agree on the parameters and the return type.
export const sameSignatures: [
  Same<typeof causalMask, typeof solution.causalMask>,
  Same<typeof causalMask, typeof exercise.causalMask>,
  Same<typeof positionalEncoding, typeof solution.positionalEncoding>,
  Same<typeof positionalEncoding, typeof exercise.positionalEncoding>,
] = [true, true, true, true];

describe("stage 03: solutions = lib", () => {
  it("attention(q, k, v, mask?) = scaledDotProductAttention, rank 2 to 4, with and without the causal mask", () => {
    tf.tidy(() => {
      for (const [lead, seed] of [
        [[], 1],
        [[2], 2],
        [[2, 3], 3],
      ] as [number[], number][]) {
        const q = tf.randomNormal([...lead, 5, 4], 0, 1, "float32", seed); // [..., Tq, dK]
        const k = tf.randomNormal([...lead, 5, 4], 0, 1, "float32", seed + 10); // [..., Tk, dK]
        const v = tf.randomNormal([...lead, 5, 3], 0, 1, "float32", seed + 20); // [..., Tk, dV]
        const mask = causalMask(5); // [Tq, Tk]
        for (const m of [undefined, mask]) {
          const mine = solution.attention(q, k, v, m);
          const lib = scaledDotProductAttention(q, k, v, m);
          expectClose(mine.output, lib.output, TOL);
          expectClose(mine.weights, lib.weights, TOL);
        }
      }
    });
  });

  it("causalMask(T) = lib causalMask(T)", () => {
    tf.tidy(() => {
      for (const T of [1, 2, 7]) expectClose(solution.causalMask(T), causalMask(T), { rtol: 0, atol: 0 });
    });
  });

  it("positionalEncoding(T, D) = lib positionalEncoding(T, D)", () => {
    tf.tidy(() => {
      for (const [T, D] of [
        [1, 2],
        [8, 6],
        [50, 16],
      ])
        expectClose(solution.positionalEncoding(T, D), positionalEncoding(T, D), TOL);
    });
  });

  it("sampleWithTemperature(logits, τ, rng) = sampleFromLogits(logits, { temperature: τ, rng }) on the same seeded stream", () => {
    const rngLogits = makeRng(4);
    const logits = Array.from({ length: 12 }, () => 4 * (rngLogits() - 0.5));
    for (const temperature of [0, 0.3, 1, 2.5]) {
      const a = makeRng(100);
      const b = makeRng(100);
      const mine = Array.from({ length: 300 }, () => solution.sampleWithTemperature(logits, temperature, a));
      const lib = Array.from({ length: 300 }, () => sampleFromLogits(logits, { temperature, rng: b }));
      expect(mine, `temperature ${temperature}`).toEqual(lib);
      if (temperature > 0) expect(new Set(mine).size, "the draws vary").toBeGreaterThan(1);
    }
  });

  it("transformerBlock(x, block, H) = a one-block lib Transformer's block (pre-norm, causal), D ≠ F, B > 1", () => {
    seed(12);
    const model = createTransformer({ vocabSize: 7, contextLength: 6, dModel: 8, heads: 2, layers: 1, mlpRatio: 3 });
    tf.tidy(() => {
      // Non-trivial norms, so a swapped or skipped LayerNorm shows.
      for (const n of [model.blocks[0].norm1, model.blocks[0].norm2, model.finalNorm]) {
        n.gamma.assign(tf.randomUniform([8], 0.5, 1.5, "float32", 13));
        n.beta.assign(tf.randomUniform([8], -0.3, 0.3, "float32", 14));
      }
      const ids = tf.tensor2d(
        [
          [1, 4, 2, 6, 0],
          [3, 3, 5, 1, 2],
        ],
        [2, 5],
        "int32",
      ); // [B, T]
      const lib = transformerHidden(model, ids);
      const [B, T, D] = [2, 5, 8];
      const tokens = tf.reshape(tf.gather(model.tokenEmbedding, tf.reshape(ids, [-1])), [B, T, D]); // [B, T, D]
      const x = tf.add(tokens, tf.slice(model.positionEmbedding, [0, 0], [T, D])) as tf.Tensor3D; // [B, T, D]
      const mine = solution.transformerBlock(x, model.blocks[0], 2);
      const final = tf.reshape(layerNorm(tf.reshape(mine.output, [B * T, D]) as tf.Tensor2D, model.finalNorm.gamma, model.finalNorm.beta), [
        B,
        T,
        D,
      ]);
      expectClose(final, lib.hidden, { rtol: 1e-4, atol: 1e-5 });
      expectClose(mine.weights, lib.attention[0], TOL);
    });
    model.dispose();
  });
});
