/**
 * Layers every lesson builds its networks from, with PyTorch's default initialisation, so that a
 * course model and its PyTorch twin start from the same distribution.
 *
 *   uniformVariable   a variable ~ U(±scale/√fanIn): nn.Linear's weights and biases
 *   dense, applyDense  a fully connected layer y = act(x·w + b), one fused kernel
 *
 * Not a lesson: the lessons (VAE, GAN, diffusion, ...) import these. Shape letters: B batch,
 * `in` and `out` the layer's input and output widths.
 */
import * as tf from "@tensorflow/tfjs";
import { assertInt, assertShape } from "./assert";

/**
 * A trainable variable drawn from U(−scale/√fanIn, scale/√fanIn), PyTorch's nn.Linear
 * initialisation (scale 1) for both weights and biases. The initial value is freed; the
 * variable keeps its own copy.
 */
export function uniformVariable<R extends tf.Rank>(shape: number[], fanIn: number, scale = 1): tf.Variable<R> {
  assertInt(fanIn, "fanIn", 1);
  const bound = scale / Math.sqrt(fanIn);
  const init = () => tf.randomUniform(shape, -bound, bound) as unknown as tf.Tensor<R>;
  return tf.tidy(() => tf.variable(init()));
}

/** A fully connected layer y = act(x·w + b). */
export interface Dense {
  /** shape [in, out] */
  w: tf.Variable<tf.Rank.R2>;
  /** shape [out] */
  b: tf.Variable<tf.Rank.R1>;
}

export interface DenseOptions {
  /** Multiplies the initial bound 1/√in (default 1, PyTorch's nn.Linear). */
  scale?: number;
  /** How the bias starts (default "uniform", as nn.Linear; "zeros" for a zero bias). */
  bias?: "uniform" | "zeros";
}

/** A dense layer, w ~ U(±scale/√in) and b ~ U(±scale/√in) (or 0), drawn in that order. */
export function dense(inDim: number, outDim: number, options: DenseOptions = {}): Dense {
  assertInt(inDim, "inDim", 1);
  assertInt(outDim, "outDim", 1);
  const { scale = 1, bias = "uniform" } = options;
  const w = uniformVariable<tf.Rank.R2>([inDim, outDim], inDim, scale); // [in, out]
  const b = bias === "zeros" ? tf.variable(tf.zeros([outDim]) as tf.Tensor1D) : uniformVariable<tf.Rank.R1>([outDim], inDim, scale); // [out]
  return { w, b };
}

export type Activation = "linear" | "relu" | "leakyrelu";

/** act(x·w + b) as one fused kernel (leaky ReLU slope 0.2). @param x shape [B, in] @returns shape [B, out] */
export function applyDense(layer: Dense, x: tf.Tensor2D, activation: Activation = "linear"): tf.Tensor2D {
  assertShape(x, [null, layer.w.shape[0]], "x", ["B", "in"]);
  return tf.fused.matMul({ a: x, b: layer.w, bias: layer.b, activation, leakyreluAlpha: 0.2 }) as tf.Tensor2D;
}
