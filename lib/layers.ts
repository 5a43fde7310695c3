/**
 * Layers every lesson builds its networks from, with PyTorch's default initialisation, so that a
 * course model and its PyTorch twin start from the same distribution.
 *
 *   uniformVariable          a variable ~ U(±scale/√fanIn): nn.Linear's and nn.Conv2d's weights and biases
 *   dense, applyDense        a fully connected layer y = act(x·w + b), one fused kernel
 *   createMLP                a multilayer perceptron of dense layers, as a model {apply, variables, dispose}
 *   conv2d, applyConv2d      a 2-D convolution on NHWC images, PyTorch's padding k//2 ("same" at stride 1)
 *   downsample               a stride-2 3×3 convolution: [B, h, w, C] → [B, ⌈h/2⌉, ⌈w/2⌉, C']
 *   upsample, applyUpsample  nearest-neighbour ×2 then a 3×3 convolution: [B, h, w, C] → [B, 2h, 2w, C']
 *   groupNorm, applyGroupNorm  torch.nn.GroupNorm: normalise each sample's channel groups
 *   layerVariables           a layer's variables, in the order they were drawn
 *
 * One contract for the blocks: a layer is plain data (its variables as fields, plus fixed settings
 * such as a stride), made by `dense` / `conv2d` / `groupNorm` and run by `applyDense` /
 * `applyConv2d` / `applyGroupNorm`. A network built from them is a model
 * `{ apply, variables, dispose }` (see lib/README.md), as `createMLP` is.
 *
 * Not a lesson: the lessons (VAE, GAN, diffusion, ...) import these. Shape letters: B batch,
 * `in` and `out` a dense layer's input and output widths, h and w image height and width, C
 * channels (C_in, C_out), G groups, k kernel size.
 */
import * as tf from "@tensorflow/tfjs";
import { assertInt, assertShape } from "./assert";
import { groupNormNHWC, upsampleNearest2x } from "./engine/ops";

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
  const b =
    bias === "zeros" ? tf.tidy(() => tf.variable(tf.zeros([outDim]) as tf.Tensor1D)) : uniformVariable<tf.Rank.R1>([outDim], inDim, scale);
  return { w, b };
}

export type Activation = "linear" | "relu" | "leakyrelu";

/** act(x·w + b) as one fused kernel (leaky ReLU slope 0.2). @param x shape [B, in] @returns shape [B, out] */
export function applyDense(layer: Dense, x: tf.Tensor2D, activation: Activation = "linear"): tf.Tensor2D {
  assertShape(x, [null, layer.w.shape[0]], "x", ["B", "in"]);
  return tf.fused.matMul({ a: x, b: layer.w, bias: layer.b, activation, leakyreluAlpha: 0.2 }) as tf.Tensor2D;
}

/** Activation after a network's last layer. */
export type OutputActivation = "linear" | "relu" | "sigmoid" | "tanh";

export interface MLPOptions {
  /** Activation between layers (default "relu"; "leakyrelu" uses slope 0.2 below 0). */
  hidden?: "relu" | "leakyrelu";
  /** Activation of the last layer (default "linear": logits, or unbounded samples; "relu" for a hidden stack). */
  output?: OutputActivation;
}

/** A multilayer perceptron as a model: its forward pass, its variables and a dispose. */
export interface MLP {
  /** @param x shape [B, sizes[0]] @returns shape [B, sizes.at(-1)] */
  apply(x: tf.Tensor2D): tf.Tensor2D;
  /** w then b of each layer, input layer first. */
  variables: tf.Variable[];
  /** Frees the variables. */
  dispose(): void;
  /** Layer sizes, input first, e.g. [2, 128, 128, 1]. */
  sizes: number[];
  layers: Dense[];
}

/**
 * A multilayer perceptron sizes[0] → … → sizes.at(-1) of `dense` layers (weights and biases
 * ~ U(±1/√in), as PyTorch's nn.Linear; drawn w then b, layer by layer), each one fused kernel:
 * act(x·w + b) with `hidden` between layers and `output` after the last.
 * @param sizes layer widths, input first: [in, Hd₁, …, out]
 */
export function createMLP(sizes: number[], options: MLPOptions = {}): MLP {
  if (!Array.isArray(sizes) || sizes.length < 2) throw new Error(`sizes must list at least [in, out], got ${JSON.stringify(sizes)}`);
  sizes.forEach((s, i) => assertInt(s, `sizes[${i}]`, 1));
  const { hidden = "relu", output = "linear" } = options;
  if (hidden !== "relu" && hidden !== "leakyrelu") throw new Error(`options.hidden must be "relu" or "leakyrelu", got ${hidden}`);
  if (!["linear", "relu", "sigmoid", "tanh"].includes(output)) {
    throw new Error(`options.output must be "linear", "relu", "sigmoid" or "tanh", got ${output}`);
  }
  const layers = sizes.slice(1).map((out, i) => dense(sizes[i], out));
  const last = layers.length - 1;
  const apply = (x: tf.Tensor2D): tf.Tensor2D => {
    assertShape(x, [null, sizes[0]], "x", ["B", "in"]);
    return tf.tidy(() => {
      let h = x;
      layers.forEach((layer, i) => {
        h = applyDense(layer, h, i < last ? hidden : output === "relu" ? "relu" : "linear"); // [B, Hd]; [B, out] at the end
      });
      if (output === "sigmoid") h = tf.sigmoid(h);
      else if (output === "tanh") h = tf.tanh(h);
      return h;
    });
  };
  const variables = layers.flatMap(layerVariables);
  return { apply, variables, dispose: () => tf.dispose(variables), sizes: sizes.slice(), layers };
}

// ---------------------------------------------------------------------------------------------
// Convolutions (NHWC)

/** A 2-D convolution y = act(conv(x, w) + b) with a fixed stride. */
export interface Conv2D {
  /** shape [k, k, C_in, C_out] (PyTorch's [C_out, C_in, k, k] transposed by (2, 3, 1, 0)) */
  w: tf.Variable<tf.Rank.R4>;
  /** shape [C_out] */
  b: tf.Variable<tf.Rank.R1>;
  /** 1, or 2 to halve h and w. */
  stride: number;
}

export interface Conv2DOptions {
  /** Kernel size k, odd (default 3). */
  kernelSize?: number;
  /** Stride (default 1). */
  stride?: number;
  /** Multiplies the initial bound 1/√(C_in·k·k) (default 1, PyTorch's nn.Conv2d). */
  scale?: number;
  /** How the bias starts (default "uniform", as nn.Conv2d; "zeros" for a zero bias). */
  bias?: "uniform" | "zeros";
}

/**
 * A convolution with w ~ U(±scale/√(C_in·k·k)) and b likewise (or 0), drawn in that order:
 * PyTorch's nn.Conv2d initialisation (its kaiming_uniform_(a = √5) gives exactly this bound).
 */
export function conv2d(inChannels: number, outChannels: number, options: Conv2DOptions = {}): Conv2D {
  assertInt(inChannels, "inChannels", 1);
  assertInt(outChannels, "outChannels", 1);
  const { kernelSize: k = 3, stride = 1, scale = 1, bias = "uniform" } = options;
  assertInt(k, "options.kernelSize", 1);
  if (k % 2 !== 1) throw new Error(`options.kernelSize must be odd (padding k//2 keeps the size), got ${k}`);
  assertInt(stride, "options.stride", 1);
  const fanIn = inChannels * k * k;
  const w = uniformVariable<tf.Rank.R4>([k, k, inChannels, outChannels], fanIn, scale); // [k, k, C_in, C_out]
  const b = // [C_out]
    bias === "zeros"
      ? tf.tidy(() => tf.variable(tf.zeros([outChannels]) as tf.Tensor1D))
      : uniformVariable<tf.Rank.R1>([outChannels], fanIn, scale);
  return { w, b, stride };
}

/**
 * act(conv(x, w) + b) with PyTorch's padding = k//2 on every side (zeros), so stride 1 keeps
 * h × w ("same") and stride 2 gives ⌈h/2⌉ × ⌈w/2⌉ exactly as nn.Conv2d(padding=k//2) does.
 * (tf's own "same" pads asymmetrically at stride 2, which would not match PyTorch.)
 * @param x shape [B, h, w, C_in]
 * @returns shape [B, h', w', C_out], h' = ⌈h/stride⌉, w' = ⌈w/stride⌉
 */
export function applyConv2d(layer: Conv2D, x: tf.Tensor4D, activation: Activation = "linear"): tf.Tensor4D {
  const [k, , cIn] = layer.w.shape;
  assertShape(x, [null, null, null, cIn], "x", ["B", "h", "w", "C_in"]);
  const p = (k - 1) / 2;
  return tf.tidy(() => {
    // At stride 1, tf's "same" pads (k − 1)/2 on every side, as PyTorch; at stride 2 it would pad
    // only the bottom and right, so there the padding is explicit.
    const same = layer.stride === 1;
    const padded =
      p > 0 && !same
        ? tf.pad(x, [
            [0, 0],
            [p, p],
            [p, p],
            [0, 0],
          ])
        : x; // [B, h + 2p, w + 2p, C_in] at stride 2
    return tf.fused.conv2d({
      x: padded,
      filter: layer.w,
      strides: layer.stride,
      pad: same ? "same" : "valid",
      bias: layer.b,
      activation,
      leakyreluAlpha: 0.2,
    }) as tf.Tensor4D; // [B, h', w', C_out]
  });
}

/** The down-sampling block: a 3×3 convolution with stride 2 (apply with `applyConv2d`). */
export function downsample(inChannels: number, outChannels = inChannels): Conv2D {
  return conv2d(inChannels, outChannels, { kernelSize: 3, stride: 2 });
}

/** The up-sampling block's convolution: 3×3, stride 1 (apply with `applyUpsample`). */
export function upsample(inChannels: number, outChannels = inChannels): Conv2D {
  return conv2d(inChannels, outChannels, { kernelSize: 3, stride: 1 });
}

/**
 * Nearest-neighbour ×2 (each pixel becomes a 2×2 block, as nn.Upsample(scale_factor=2)), then
 * the convolution. @param x shape [B, h, w, C_in] @returns shape [B, 2h, 2w, C_out]
 */
export function applyUpsample(layer: Conv2D, x: tf.Tensor4D, activation: Activation = "linear"): tf.Tensor4D {
  if (layer.stride !== 1) throw new Error(`applyUpsample: layer.stride must be 1 (make it with upsample), got ${layer.stride}`);
  assertShape(x, [null, null, null, layer.w.shape[2]], "x", ["B", "h", "w", "C_in"]);
  return tf.tidy(() => applyConv2d(layer, upsampleNearest2x(x), activation)); // [B, 2h, 2w, C_out]
}

// ---------------------------------------------------------------------------------------------
// Normalisation

/** Group normalisation (Wu & He 2018) with a learned per-channel scale and shift. */
export interface GroupNorm {
  /** γ, shape [C] (starts at 1) */
  gamma: tf.Variable<tf.Rank.R1>;
  /** β, shape [C] (starts at 0) */
  beta: tf.Variable<tf.Rank.R1>;
  /** G, the number of groups (divides C). */
  groups: number;
  /** Added to the variance (1e-5, as torch.nn.GroupNorm). */
  eps: number;
}

/** A group norm over `channels` in `groups` groups, γ = 1 and β = 0 (no random draw). */
export function groupNorm(groups: number, channels: number, eps = 1e-5): GroupNorm {
  assertInt(groups, "groups", 1);
  assertInt(channels, "channels", 1);
  if (channels % groups !== 0) throw new Error(`groups must divide channels: got groups ${groups}, channels ${channels}`);
  // Inside tidy: tf.variable keeps its own reference, so the initial ones and zeros are freed.
  const gamma = tf.tidy(() => tf.variable(tf.ones([channels]) as tf.Tensor1D)); // [C]
  const beta = tf.tidy(() => tf.variable(tf.zeros([channels]) as tf.Tensor1D)); // [C]
  return { gamma, beta, groups, eps };
}

/**
 * torch.nn.GroupNorm on NHWC: per sample and per group of C/G channels, the mean μ and the
 * biased variance σ² over (h, w, C/G); y = (x − μ)/√(σ² + eps)·γ + β.
 * @param x shape [B, h, w, C]
 * @param activation "silu" returns SiLU(y) = y·σ(y), the U-Net's norm-then-activate, in one
 *   fused kernel where the BLAS addon is built (default "linear": y itself)
 * @returns shape [B, h, w, C]
 */
export function applyGroupNorm(layer: GroupNorm, x: tf.Tensor4D, activation: "linear" | "silu" = "linear"): tf.Tensor4D {
  const C = layer.gamma.shape[0];
  assertShape(x, [null, null, null, C], "x", ["B", "h", "w", "C"]);
  if (activation !== "linear" && activation !== "silu")
    throw new Error(`activation must be "linear" or "silu", got ${JSON.stringify(activation)}`);
  return groupNormNHWC(x, layer.gamma, layer.beta, layer.groups, layer.eps, activation); // [B, h, w, C]
}

/** The variables of a layer (Dense: w, b; Conv2D: w, b; GroupNorm: gamma, beta), in that order. */
export function layerVariables(layer: Dense | Conv2D | GroupNorm): tf.Variable[] {
  return "gamma" in layer ? [layer.gamma, layer.beta] : [layer.w, layer.b];
}
