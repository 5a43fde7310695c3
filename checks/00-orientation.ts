/**
 * Checks for stage 00 (exercises/00-orientation.ts). Reference values are worked out by hand
 * in the comments; nothing here calls the solution.
 */
import * as tf from "@tensorflow/tfjs";
import { allClose, close, defineCheck, expectTensor, formatNumber } from "../lib/checker/define";

/** How near the result's mean and std must be to a known mistake's for its hint. */
const MATCH = { rtol: 1e-3, atol: 1e-3 };

/** Mean and population std of plain numbers (to describe what the learner returned). */
function stats(v: number[]): { mean: number; std: number } {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { mean, std };
}

/**
 * Names the usual standardize mistakes from the result's own mean and std.
 * @param sigma the input's population std, worked out by hand
 * @param n the input's length
 */
function standardizeHint(sigma: number, n: number): (got: number[]) => string {
  return (got) => {
    const { mean, std } = stats(got);
    if (!close(mean, 0, MATCH)) return `your result has mean ${formatNumber(mean)}, not 0: subtract the mean before dividing`;
    if (close(std, 1 / sigma, MATCH)) {
      return `your result has std ${formatNumber(std)}: it looks divided by the variance (${formatNumber(sigma ** 2)}) instead of the std, its square root (${formatNumber(sigma)})`;
    }
    if (close(std, Math.sqrt((n - 1) / n), MATCH)) return "that is the sample std (divide by N − 1); use the population std (divide by N)";
    return `the result should have mean 0 and std 1; yours has mean ${formatNumber(mean)} and std ${formatNumber(std)}`;
  };
}

export const checks = [
  defineCheck({
    id: "00.1",
    name: "standardize",
    title: "standardize a vector: (x − mean) / std",
    run(standardize: (x: tf.Tensor1D) => tf.Tensor1D) {
      // x = [2, 4, 4, 4, 5, 5, 7, 9]: mean 40/8 = 5; deviations [−3, −1, −1, −1, 0, 0, 2, 4],
      // squares sum to 9+1+1+1+0+0+4+16 = 32, population variance 32/8 = 4, std 2.
      const x1 = tf.tensor1d([2, 4, 4, 4, 5, 5, 7, 9]);
      expectTensor(standardize(x1), [-1.5, -0.5, -0.5, -0.5, 0, 0, 1, 2], {
        call: "standardize([2, 4, 4, 4, 5, 5, 7, 9])",
        hint: standardizeHint(2, 8),
      });
      // x = [1, 2, 3, 4]: mean 2.5; deviations ±1.5, ±0.5, squares sum to 5, variance 5/4,
      // std √5/2; so z = deviations·2/√5 = [−3, −1, 1, 3]/√5.
      const x2 = tf.tensor1d([1, 2, 3, 4]);
      const r5 = Math.sqrt(5);
      expectTensor(standardize(x2), [-3 / r5, -1 / r5, 1 / r5, 3 / r5], {
        call: "standardize([1, 2, 3, 4])",
        hint: standardizeHint(r5 / 2, 4),
      });
      tf.dispose([x1, x2]);
    },
  }),
  defineCheck({
    id: "00.2",
    name: "linear",
    title: "a linear layer: x·w + b",
    run(linear: (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D) {
      // B = 4, D = 3, K = 2 (all different, so a transposed w or result cannot slip through).
      const x = tf.tensor2d([
        [1, 2, 3],
        [4, 5, 6],
        [0, 1, 0],
        [-1, 0, 2],
      ]); // [B, D]
      const w = tf.tensor2d([
        [1, -1],
        [2, 0],
        [0, 3],
      ]); // [D, K]
      const b = tf.tensor1d([0.5, -1]); // [K]
      // x·w row by row: [1+4+0, −1+0+9] = [5, 8]; [4+10+0, −4+0+18] = [14, 14];
      // [0+2+0, 0] = [2, 0]; [−1+0+0, 1+0+6] = [−1, 7]. Then + b = + [0.5, −1].
      const xw = [5, 8, 14, 14, 2, 0, -1, 7];
      expectTensor(
        linear(x, w, b),
        [
          [5.5, 7],
          [14.5, 13],
          [2.5, -1],
          [-0.5, 6],
        ],
        {
          call: "linear(x [4, 3], w [3, 2], b [2])",
          hint: (got) => (allClose(got, xw) ? "that is x·w without the bias: add b" : undefined),
        },
      );
      tf.dispose([x, w, b]);
    },
  }),
];
