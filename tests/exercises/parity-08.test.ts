// Parity, stage 08: each solution in solutions/08-text-to-image.ts against its lib counterpart on
// seeded inputs, so the two independent versions cannot drift apart unnoticed.
// Same names, same signatures: quantize (lib/vq.ts), clipLoss (lib/contrastive.ts) and
// sampleTokens (lib/text-to-image.ts); imageTokenLoss (08.4) is lib's priorLoss with the prior's
// Transformer passed as a function of the ids.
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { clipLoss } from "../../lib/contrastive";
import { makeRng, seed } from "../../lib/random";
import { createPrior, priorLoss, sampleTokens, type NextTokenLogits } from "../../lib/text-to-image";
import { transformerForward } from "../../lib/transformer";
import { quantize } from "../../lib/vq";
import type * as exercise from "../../exercises/08-text-to-image";
import * as solution from "../../solutions/08-text-to-image";
import { expectClose } from "../helpers/close";
import { parityHooks, type Same } from "./parity";

parityHooks();

// One signature per name, checked by tsc -p: each entry is `true` only while lib, the solution and
// the exercise stub agree on the parameters and the return type.
export const sameSignatures: [
  Same<typeof quantize, typeof solution.quantize>,
  Same<typeof quantize, typeof exercise.quantize>,
  Same<typeof clipLoss, typeof solution.clipLoss>,
  Same<typeof clipLoss, typeof exercise.clipLoss>,
  Same<typeof sampleTokens, typeof solution.sampleTokens>,
  Same<typeof sampleTokens, typeof exercise.sampleTokens>,
] = [true, true, true, true, true, true];

const TOL = { rtol: 1e-5, atol: 1e-6 };

describe("stage 08: solutions = lib", () => {
  it("quantize(ze, codebook) = lib's: indices, zq, both losses, and the gradients of a VQ-VAE-style loss", () => {
    tf.tidy(() => {
      const ze = tf.randomNormal([40, 4], 0, 1, "float32", 1) as tf.Tensor2D; // [N, Dc]
      const codebook = tf.randomNormal([7, 4], 0, 1, "float32", 2) as tf.Tensor2D; // [K, Dc]
      const W = tf.randomNormal([40, 4], 0, 1, "float32", 3); // [N, Dc]: a stand-in for the decoder's gradient
      const lib = quantize(ze, codebook);
      const sol = solution.quantize(ze, codebook);
      expect(sol.indices.dtype).toBe("int32");
      expect(Array.from(sol.indices.dataSync())).toEqual(Array.from(lib.indices.dataSync()));
      expect(new Set(lib.indices.dataSync()).size).toBeGreaterThan(3); // several codes in use: a case that can tell
      expectClose(sol.zq, lib.zq, TOL);
      expectClose(sol.codebookLoss, lib.codebookLoss, TOL);
      expectClose(sol.commitmentLoss, lib.commitmentLoss, TOL);
      // Σ zq⊙W + codebookLoss + β·commitmentLoss, β = 0.25, with respect to ze and the codebook
      const loss = (q: typeof quantize) => (z: tf.Tensor, c: tf.Tensor) => {
        const out = q(z as tf.Tensor2D, c as tf.Tensor2D);
        return tf.sum(tf.mul(out.zq, W)).add(out.codebookLoss).add(out.commitmentLoss.mul(0.25)) as tf.Scalar;
      };
      const [libZe, libCb] = tf.grads(loss(quantize))([ze, codebook]);
      const [solZe, solCb] = tf.grads(loss(solution.quantize))([ze, codebook]);
      expectClose(solZe, libZe, TOL);
      expectClose(solCb, libCb, TOL);
    });
  });

  it("clipLoss(imageEmb, textEmb, logScale) = lib's for number and tf.Scalar logScale, with its gradients", () => {
    tf.tidy(() => {
      const img = tf.randomNormal([8, 5], 0, 2, "float32", 4) as tf.Tensor2D; // [N, D]
      const txt = tf.randomNormal([8, 5], 0, 0.5, "float32", 5).add(img.mul(0.3)) as tf.Tensor2D; // [N, D]: related pairs
      for (const s of [0, 1, Math.log(1 / 0.07), -0.5]) {
        expectClose(solution.clipLoss(img, txt, s), clipLoss(img, txt, s), TOL);
        expectClose(solution.clipLoss(img, txt, tf.scalar(s)), clipLoss(img, txt, tf.scalar(s)), TOL);
      }
      const g = (f: typeof clipLoss) =>
        tf.grads((a: tf.Tensor, b: tf.Tensor, s: tf.Tensor) => f(a as tf.Tensor2D, b as tf.Tensor2D, s as tf.Scalar));
      const libG = g(clipLoss)([img, txt, tf.scalar(2)]);
      const solG = g(solution.clipLoss)([img, txt, tf.scalar(2)]);
      libG.forEach((lg, i) => expectClose(solG[i], lg, { rtol: 1e-4, atol: 1e-6 }));
    });
  });

  it("sampleTokens(nextLogits, prompts, steps, options) = lib's draws, token for token, with the same rng", () => {
    // a model whose logits depend on the whole sequence so far: K = 6
    const K = 6;
    const nextLogits: NextTokenLogits = (rows) =>
      Float32Array.from(
        rows.flatMap((r) => Array.from({ length: K }, (_, k) => 2 * Math.sin(1.3 * k + r.reduce((s, x, i) => s + x * (i + 1), 0)))),
      );
    const prompts = [
      [0, 1],
      [2, 2],
      [5, 0],
    ];
    for (const options of [
      {},
      { temperature: 0 },
      { temperature: 0.6 },
      { temperature: 1.7 },
      { topK: 2 },
      { temperature: 0.8, topK: 4 },
    ]) {
      const lib = sampleTokens(nextLogits, prompts, 12, { ...options, rng: makeRng(7) });
      const sol = solution.sampleTokens(nextLogits, prompts, 12, { ...options, rng: makeRng(7) });
      expect(sol, JSON.stringify(options)).toEqual(lib);
    }
    // without options.rng both draw from Math.random (seeded)
    seed(11);
    const lib = sampleTokens(nextLogits, prompts, 8);
    seed(11);
    expect(solution.sampleTokens(nextLogits, prompts, 8)).toEqual(lib);
    expect(new Set(lib.flatMap((r) => r.slice(2))).size).toBeGreaterThan(2); // the draws vary: a case that can tell
    expect(prompts).toEqual([
      [0, 1],
      [2, 2],
      [5, 0],
    ]);
  });

  it("imageTokenLoss(model, captions, codes, Vt) = lib's priorLoss on a seeded tiny prior, and its gradients", () => {
    seed(21);
    const prior = createPrior({ textVocab: 5, textLength: 3, codes: 4, imageTokens: 6, dModel: 16, heads: 2, layers: 1 });
    try {
      tf.tidy(() => {
        const captions = tf.tensor2d(
          [
            [1, 2, 0],
            [4, 3, 3],
            [2, 0, 0],
          ],
          undefined,
          "int32",
        ); // [B, Lc]
        const codes = tf.tensor2d(
          [
            [0, 1, 2, 3, 3, 1],
            [2, 2, 0, 1, 3, 0],
            [3, 0, 1, 1, 2, 2],
          ],
          undefined,
          "int32",
        ); // [B, N]
        const model = (ids: tf.Tensor2D) => transformerForward(prior.transformer, ids).logits as tf.Tensor3D; // [B, L, V]
        const lib = priorLoss(prior, captions, codes);
        expect(lib.dataSync()[0]).toBeGreaterThan(0.5); // an untrained prior: about log K nats
        expectClose(solution.imageTokenLoss(model, captions, codes, 5), lib, TOL);
        const libG = tf.variableGrads(() => priorLoss(prior, captions, codes), prior.variables).grads;
        const solG = tf.variableGrads(() => solution.imageTokenLoss(model, captions, codes, 5), prior.variables).grads;
        for (const name of Object.keys(libG)) expectClose(solG[name], libG[name], { rtol: 1e-4, atol: 1e-6 });
      });
    } finally {
      prior.dispose();
    }
  });
});
