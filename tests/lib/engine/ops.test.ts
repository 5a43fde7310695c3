/**
 * lib/engine/ops.ts: the course ops give the numbers of their definitions on every backend, with
 * the fused kernel (where the BLAS addon registers it) and without (lib-wasm-no-addon).
 */
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { oneHotFloat, targetLogSoftmax } from "../../../lib/engine/ops";
import { expectClose } from "../../helpers/close";

describe("oneHotFloat", () => {
  it("is exactly 1 at each id and 0 elsewhere (tf.oneHot's float32 output is ~1e-45 on wasm), zero rows for ids outside [0, V)", () => {
    const before = tf.memory().numTensors;
    const ids = tf.tensor1d([2, 0, -1, 3], "int32");
    const oh = oneHotFloat(ids, 3);
    expect(oh.dtype).toBe("float32");
    expect(oh.arraySync()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    const floatIds = tf.tensor1d([1]);
    expect(() => oneHotFloat(floatIds, 3)).toThrow(/ids must be int32, got float32/);
    tf.dispose([ids, oh, floatIds]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("targetLogSoftmax", () => {
  it("is log softmax at the target (0 for PAD rows), and its gradient [i = y] − softmax (hand-computed)", () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      // Row 0: logits [ln 3, 0] → softmax [¾, ¼], target 0 → ln ¾. Row 1: PAD (−1) → 0.
      const logits = tf.tensor2d([
        [Math.log(3), 0],
        [5, -5],
      ]);
      const targets = tf.tensor1d([0, -1], "int32");
      const { value, grads } = tf.valueAndGrads((x: tf.Tensor) => tf.sum(targetLogSoftmax(x as tf.Tensor2D, targets)))([logits]);
      expectClose(targetLogSoftmax(logits, targets), [Math.log(0.75), 0], { atol: 1e-6 });
      expectClose(value, Math.log(0.75), { atol: 1e-6 });
      expectClose(
        grads[0],
        [
          [1 - 0.75, -0.25],
          [0, 0],
        ],
        { atol: 1e-6 },
      );
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it("matches log-sum-exp in float64 over a wide range of logits, value and gradient", () => {
    const before = tf.memory().numTensors;
    const N = 6;
    const V = 257;
    // Deterministic spread over [-90, 90]: past float32's exp range at both ends, where a fast exp clamps.
    const x = Array.from({ length: N * V }, (_, k) => 90 * Math.sin(k * 0.37 + (k % 7)) * (k % 3 === 0 ? 1 : 0.1));
    const ids = [0, 5, 256, 100, -1, 17];
    const expected: number[] = [];
    const expectedGrad: number[] = [];
    for (let r = 0; r < N; r++) {
      const row = x.slice(r * V, (r + 1) * V).map((v) => Math.fround(v));
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
      const y = ids[r];
      expected.push(y >= 0 ? row[y] - lse : 0);
      for (let i = 0; i < V; i++) expectedGrad.push(y >= 0 ? (i === y ? 1 : 0) - Math.exp(row[i] - lse) : 0);
    }
    tf.tidy(() => {
      const logits = tf.tensor2d(x, [N, V]);
      const targets = tf.tensor1d(ids, "int32");
      const { grads } = tf.valueAndGrads((l: tf.Tensor) => tf.sum(targetLogSoftmax(l as tf.Tensor2D, targets)))([logits]);
      expectClose(targetLogSoftmax(logits, targets), expected, { rtol: 1e-5, atol: 1e-5 });
      expectClose(grads[0].reshape([-1]), expectedGrad, { rtol: 1e-4, atol: 1e-6 });
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
