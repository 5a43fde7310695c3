// Parity, stage 04: each solution in solutions/04-vae.ts against its lib counterpart
// (lib/vae.ts) on seeded inputs, so the two independent versions cannot drift apart unnoticed.
// Same names, same signatures: reparameterize, gaussianKL, bernoulliLogLik. Different name:
// elboFromParts(x, logits, zMean, zLogVar, beta) ↔ elbo(vae, x, { eps, beta }).elbo;
// vaeBatchLoss(x, zMean, zLogVar, eps, vae.decode) ↔ the batch means of elbo(vae, x, { eps })'s parts
// and vaeLoss(vae, x, { eps }).
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { seed } from "../../lib/random";
import { bernoulliLogLik, createVAE, elbo, gaussianKL, reparameterize, vaeLoss } from "../../lib/vae";
import type * as exercise from "../../exercises/04-vae";
import * as solution from "../../solutions/04-vae";
import { expectClose } from "../helpers/close";
import { parityHooks, type Same } from "./parity";

const TOL = { rtol: 1e-5, atol: 1e-5 };

parityHooks();

/** Seeded encoder outputs, shape [B, Z] each. */
function encoderOutputs(B: number, Z: number, s: number): { zMean: tf.Tensor2D; zLogVar: tf.Tensor2D } {
  return {
    zMean: tf.randomNormal([B, Z], 0, 1.5, "float32", s) as tf.Tensor2D,
    zLogVar: tf.randomUniform([B, Z], -3, 2, "float32", s + 1) as tf.Tensor2D,
  };
}

// One signature per name, checked by tsc -p: each entry is `true` only while lib, the solution and
// the exercise stub agree on the parameters and the return type.
export const sameSignatures: [
  Same<typeof reparameterize, typeof solution.reparameterize>,
  Same<typeof reparameterize, typeof exercise.reparameterize>,
  Same<typeof gaussianKL, typeof solution.gaussianKL>,
  Same<typeof gaussianKL, typeof exercise.gaussianKL>,
  Same<typeof bernoulliLogLik, typeof solution.bernoulliLogLik>,
  Same<typeof bernoulliLogLik, typeof exercise.bernoulliLogLik>,
] = [true, true, true, true, true, true];

describe("stage 04: solutions = lib", () => {
  it("reparameterize(zMean, zLogVar, eps) = lib's, and without eps the same seeded draws", () => {
    tf.tidy(() => {
      const { zMean, zLogVar } = encoderOutputs(6, 3, 1);
      const eps = tf.randomNormal([6, 3], 0, 1, "float32", 3) as tf.Tensor2D;
      expectClose(solution.reparameterize(zMean, zLogVar, eps), reparameterize(zMean, zLogVar, eps), TOL);
      // Both draw ε with tf.randomNormal(zMean.shape), whose seed comes from Math.random: seed(n) repeats it.
      seed(21);
      const mine = solution.reparameterize(zMean, zLogVar);
      seed(21);
      const lib = reparameterize(zMean, zLogVar);
      expectClose(mine, lib, TOL);
      expect(tf.abs(mine.sub(zMean)).max().dataSync()[0], "ε was drawn (z ≠ zMean)").toBeGreaterThan(0.1);
    });
  });

  it("gaussianKL(zMean, zLogVar) = lib's", () => {
    tf.tidy(() => {
      const { zMean, zLogVar } = encoderOutputs(8, 4, 5);
      expectClose(solution.gaussianKL(zMean, zLogVar), gaussianKL(zMean, zLogVar), TOL);
    });
  });

  it("bernoulliLogLik(x, logits) = lib's, extreme logits included", () => {
    tf.tidy(() => {
      const x = tf.randomUniform([5, 20], 0, 1, "float32", 7).round() as tf.Tensor2D; // [B, D] in {0, 1}
      const logits = tf.randomNormal([5, 20], 0, 30, "float32", 8) as tf.Tensor2D; // [B, D], up to ±100
      expectClose(solution.bernoulliLogLik(x, logits), bernoulliLogLik(x, logits), { rtol: 1e-5, atol: 1e-3 });
    });
  });

  it("elboFromParts(x, logits, zMean, zLogVar, beta) = lib elbo(vae, x, { eps, beta }).elbo", () => {
    seed(9);
    const vae = createVAE({ inputDim: 12, hiddenDims: [8], latentDim: 3 });
    tf.tidy(() => {
      const x = tf.randomUniform([4, 12], 0, 1, "float32", 10) as tf.Tensor2D; // [B, D]
      const eps = tf.randomNormal([4, 3], 0, 1, "float32", 11) as tf.Tensor2D; // [B, Z]
      const { zMean, zLogVar } = vae.encode(x);
      const logits = vae.decode(reparameterize(zMean, zLogVar, eps));
      for (const beta of [1, 0.25, 4]) {
        expectClose(solution.elboFromParts(x, logits, zMean, zLogVar, beta), elbo(vae, x, { eps, beta }).elbo, TOL);
      }
    });
    vae.dispose();
  });

  it("vaeBatchLoss(x, zMean, zLogVar, eps, vae.decode) = lib elbo's batch means and vaeLoss", () => {
    seed(15);
    const vae = createVAE({ inputDim: 10, hiddenDims: [6], latentDim: 3 });
    tf.tidy(() => {
      const x = tf.randomUniform([5, 10], 0, 1, "float32", 16).round() as tf.Tensor2D; // [B, D]
      const eps = tf.randomNormal([5, 3], 0, 1, "float32", 17) as tf.Tensor2D; // [B, Z]
      const { zMean, zLogVar } = vae.encode(x);
      const mine = solution.vaeBatchLoss(x, zMean, zLogVar, eps, (z) => vae.decode(z));
      const lib = elbo(vae, x, { eps });
      expectClose(mine.reconLogLik, tf.mean(lib.reconLogLik), TOL);
      expectClose(mine.kl, tf.mean(lib.kl), TOL);
      expectClose(mine.loss, vaeLoss(vae, x, { eps }), TOL);
    });
    vae.dispose();
  });
});
