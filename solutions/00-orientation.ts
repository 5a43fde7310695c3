/**
 * Stage 00 exercises: a first taste of tensors (notebooks/00-orientation.ipynb, "A first exercise").
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
