// Parity, stage 00: each solution in solutions/00-orientation.ts against its lib counterpart on
// seeded inputs, so the two independent versions cannot drift apart unnoticed.
import * as tf from "@tensorflow/tfjs";
import { describe, it } from "vitest";
import { applyDense } from "../../lib/layers";
import * as solution from "../../solutions/00-orientation";
import { expectClose } from "../helpers/close";
import { parityHooks } from "./parity";

parityHooks();

describe("stage 00: solutions = lib", () => {
  it("standardize (no lib counterpart): equals (x − mean)/std from tf.moments, the population variance", () => {
    tf.tidy(() => {
      const x = tf.randomNormal([50], 3, 2, "float32", 1) as tf.Tensor1D; // [N]
      const { mean, variance } = tf.moments(x);
      expectClose(solution.standardize(x), x.sub(mean).div(variance.sqrt()), { rtol: 1e-5, atol: 1e-5 });
    });
  });

  it("linear(x, w, b) = lib/layers applyDense({ w, b }, x)", () => {
    tf.tidy(() => {
      const x = tf.randomNormal([4, 3], 0, 1, "float32", 2) as tf.Tensor2D; // [B, D]
      const w = tf.variable(tf.randomNormal([3, 5], 0, 1, "float32", 3) as tf.Tensor2D); // [D, K]
      const b = tf.variable(tf.randomNormal([5], 0, 1, "float32", 4) as tf.Tensor1D); // [K]
      expectClose(solution.linear(x, w, b), applyDense({ w, b }, x), { rtol: 1e-5, atol: 1e-6 });
      w.dispose();
      b.dispose();
    });
  });
});
