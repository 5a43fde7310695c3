/**
 * Stage 00 exercises: a first taste of tensors and of training (notebooks/00-orientation.ipynb, "Your first exercise").
 * Replace each `throw new Error("TODO ...")` with your code, then run `npm run check -- 00`
 * (or `await checkExercises("00")` in the notebook).
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
 * Hint: `x.mean()`, `.sub`, `.square()`, `.sqrt()`, `.div`; check the input with
 * `assertShape(x, [null], "x", ["N"])` and do the work inside `tf.tidy(() => ...)` so the
 * intermediate tensors are freed.
 *
 * @param x shape [N]
 * @returns z, shape [N]
 */
export function standardize(x: tf.Tensor1D): tf.Tensor1D {
  throw new Error("TODO 00.1: return (x − mean) / std, with the population std (divide by N)");
}

/**
 * 00.2 A linear (fully connected) layer: every row of x times the weights, plus the bias.
 *
 *   y = x·w + b        y[i, k] = Σ_d x[i, d]·w[d, k] + b[k]
 *
 * Hint: `tf.matMul(x, w)` has shape [B, K]; adding b (shape [K]) broadcasts it over the rows.
 * Check the shapes first with `assertShape` (w must be [D, K], b must be [K]) and work inside
 * `tf.tidy`.
 *
 * @param x inputs, shape [B, D]
 * @param w weights, shape [D, K]
 * @param b bias, shape [K] (added to every row)
 * @returns y, shape [B, K]
 */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  throw new Error("TODO 00.2: return x·w + b (tf.matMul, then add the bias)");
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
 * Hint: `tf.tidy(() => tf.variable(tf.zeros([D, K])))` and the same for b, shape [K] (tidy frees the zeros
 * and keeps the variable); `const opt = tf.train.sgd(lr)`;
 * in the loop, `const loss = opt.minimize(() => tf.losses.meanSquaredError(y, linear(x, w, b)) as tf.Scalar, true)!`,
 * push `loss.dataSync()[0]` and dispose `loss`; at the end `opt.dispose()` (the optimiser holds a tensor)
 * and return the two variables (the caller disposes them).
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
  throw new Error(
    "TODO 00.3: from w = 0, b = 0, take `steps` steps of tf.train.sgd(lr) on the mean squared error of x·w + b, recording each loss",
  );
}
