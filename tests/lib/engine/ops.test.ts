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
});
