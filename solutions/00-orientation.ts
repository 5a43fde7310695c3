/**
 * Stage 00 exercises: a first taste of tensors and of training (notebooks/00-orientation.ipynb, "Your first exercise").
 * Completed versions; the learner writes them in exercises/00-orientation.ts.
 *
 * Shapes: N vector length, B batch, D input features, K outputs.
 */
import * as tf from "@tensorflow/tfjs";
import { assertShape } from "../lib/assert";

/**
 * 00.1 Standardizes a vector so it has mean 0 and standard deviation 1 (population std:
 * divide by N, not N − 1). A constant vector has std 0 and gives NaN.
 *
 *   mean = (1/N) Σᵢ xᵢ
 *   std  = sqrt((1/N) Σᵢ (xᵢ − mean)²)
 *   zᵢ   = (xᵢ − mean) / std
 *
 * @param x shape [N]
 * @returns z, shape [N]
 */
export function standardize(x: tf.Tensor1D): tf.Tensor1D {
  assertShape(x, [null], "x", ["N"]);
  return tf.tidy(() => {
    const mean = x.mean(); // []
    const centered = x.sub(mean); // [N]
    const std = centered.square().mean().sqrt(); // []
    return centered.div(std) as tf.Tensor1D; // [N]
  });
}

/**
 * 00.2 A linear (fully connected) layer: every row of x times the weights, plus the bias.
 *
 *   y = x·w + b        y[i, k] = Σ_d x[i, d]·w[d, k] + b[k]
 *
 * @param x inputs, shape [B, D]
 * @param w weights, shape [D, K]
 * @param b bias, shape [K] (added to every row)
 * @returns y, shape [B, K]
 */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  assertShape(x, [null, null], "x", ["B", "D"]);
  assertShape(w, [x.shape[1], null], "w", ["D", "K"]);
  assertShape(b, [w.shape[1]], "b", ["K"]);
  return tf.tidy(() => tf.matMul(x, w).add(b) as tf.Tensor2D); // [B, K]
}

/**
 * 00.3 Build it: fits the linear layer of 00.2 to data by plain gradient descent, the training loop of
 * the notebook's section 5 without `train`'s progress line and plot. Start from w = 0 and b = 0, then
 * `steps` times: compute the mean squared error of x·w + b against y (the mean over all B·K
 * entries), record it, and take one step of `tf.train.sgd(lr)` against its gradient.
 *
 *   loss(w, b) = (1/(B·K)) Σ_{i,k} (x·w + b − y)[i, k]²
 *   w ← w − lr · ∂loss/∂w,   b ← b − lr · ∂loss/∂b
 *
 * `losses[s]` is the loss at the start of step s (what `minimize(f, true)` returns), so `losses[0]`
 * is the loss of w = 0, b = 0: the mean of y².
 *
 * @param x inputs, shape [B, D]
 * @param y targets, shape [B, K]
 * @param options steps (an integer ≥ 1) and lr, the learning rate
 * @returns w shape [D, K], b shape [K], and the loss of every step, shape [steps]
 */
export function fitLinear(
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  options: { steps: number; lr: number },
): { w: tf.Tensor2D; b: tf.Tensor1D; losses: number[] } {
  assertShape(x, [null, null], "x", ["B", "D"]);
  assertShape(y, [x.shape[0], null], "y", ["B", "K"]);
  const { steps, lr } = options;
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`options.steps must be an integer ≥ 1, got ${steps}`);
  const w = tf.tidy(() => tf.variable(tf.zeros([x.shape[1], y.shape[1]]))) as tf.Variable<tf.Rank.R2>; // [D, K]
  const b = tf.tidy(() => tf.variable(tf.zeros([y.shape[1]]))) as tf.Variable<tf.Rank.R1>; // [K]
  const opt = tf.train.sgd(lr);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const loss = opt.minimize(() => tf.losses.meanSquaredError(y, linear(x, w, b)) as tf.Scalar, true)!; // []
    losses.push(loss.dataSync()[0]);
    loss.dispose();
  }
  opt.dispose();
  return { w, b, losses };
}
