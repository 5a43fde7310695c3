/**
 * Stage 00 exercises: a first taste of tensors (notebooks/00-orientation.ipynb, "A first exercise").
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
