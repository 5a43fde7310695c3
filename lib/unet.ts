/**
 * A U-Net noise predictor ε_θ(x_t, t[, c]) for images: convolution stages that halve the image
 * on the way down, the same stages back up, and a skip connection from each down stage to its
 * up stage, so fine detail does not have to pass through the 7×7 bottleneck. Every residual
 * block adds the time embedding (and the condition's embedding) to its feature maps, and
 * normalises with a group norm. Taught in notebooks/06-diffusion.ipynb §8 (unconditional) and
 * notebooks/07-conditional-generation.ipynb §1 (a class as the condition).
 *
 *   createUNet      the network, as a model { epsTheta, variables, dispose } (lib/README.md)
 *   unetFlops       its multiply-adds per image, for the notebooks' cost table
 *
 * Sources: O. Ronneberger, P. Fischer, T. Brox, "U-Net: Convolutional Networks for Biomedical
 * Image Segmentation" (2015), the down-up shape with skips; J. Ho, A. Jain, P. Abbeel,
 * "Denoising Diffusion Probabilistic Models" (2020), appendix B: residual blocks with group
 * norm, the sinusoidal time embedding through a two-layer MLP added in every block, the last
 * convolution of each block and of the network starting at zero. This one is smaller (no
 * attention layers, one block per stage) so that it trains on a laptop CPU.
 *
 * Shapes: B batch, h and w the image height and width, D = h·w flattened pixels, C channels,
 * L levels (image sizes), E time-embedding size, Te the embedding width inside the network,
 * K classes.
 */
import * as tf from "@tensorflow/tfjs";
import { assertInt, assertShape } from "./assert";
import { timeEmbedding } from "./diffusion";
import {
  applyConv2d,
  applyDense,
  applyGroupNorm,
  applyUpsample,
  conv2d,
  dense,
  downsample,
  groupNorm,
  layerVariables,
  upsample,
  type Conv2D,
  type Dense,
  type GroupNorm,
} from "./layers";

export interface UNetOptions {
  /** Image side: the images are side × side, one channel, flattened to D = side² (required). */
  side: number;
  /**
   * Channels per level, top (full size) first (default [32, 64, 64]): level l works on
   * side/2^l × side/2^l images, so side must be divisible by 2^(L−1).
   */
  channels?: number[];
  /** Size E of the sinusoidal time embedding (default channels[0]). */
  embedDim?: number;
  /** Groups of the group norms (default 8; must divide every level's channels). */
  groups?: number;
  /**
   * Class conditioning (default none): a learned embedding per class 0..K−1 plus row K for the
   * empty condition ∅ (lib/conditional's NULL_CLASS when K = 10), added to the time embedding.
   */
  classes?: number;
  /** Vector conditioning (default none): a [B, condDim] input, projected and added likewise. */
  condDim?: number;
}

/**
 * ε_θ on flattened images. Unconditional: (xt, t). With `classes`: (xt, t, c) with c int32 [B].
 * With `condDim`: (xt, t, c) with c float32 [B, condDim].
 * @param xt shape [B, D]
 * @param t step indices, int32 [B]
 * @returns ε̂, shape [B, D]
 */
export type UNetEpsTheta = (xt: tf.Tensor2D, t: tf.Tensor1D, c?: tf.Tensor1D | tf.Tensor2D) => tf.Tensor2D;

export interface UNet {
  epsTheta: UNetEpsTheta;
  /** Every trainable variable, in the order they were drawn. */
  variables: tf.Variable[];
  /** The options it was built with, defaults filled in (saved beside a checkpoint). */
  options: Required<Omit<UNetOptions, "classes" | "condDim">> & Pick<UNetOptions, "classes" | "condDim">;
  dispose(): void;
}

/** A residual block: x + conv(silu(gn(conv(silu(gn(x))) + proj(emb)))), with a 1×1 skip if C changes. */
interface ResBlock {
  norm1: GroupNorm;
  conv1: Conv2D;
  embProj: Dense;
  norm2: GroupNorm;
  conv2: Conv2D;
  skip?: Conv2D;
}

function resBlock(cIn: number, cOut: number, Te: number, groups: number): ResBlock {
  return {
    norm1: groupNorm(groups, cIn),
    conv1: conv2d(cIn, cOut),
    embProj: dense(Te, cOut),
    norm2: groupNorm(groups, cOut),
    conv2: conv2d(cOut, cOut, { scale: 0 }), // starts at 0: the block starts as the identity (Ho et al. App. B)
    skip: cIn === cOut ? undefined : conv2d(cIn, cOut, { kernelSize: 1 }),
  };
}

/** @param x shape [B, h, w, C_in] @param emb shape [B, Te] @returns shape [B, h, w, C_out] */
function applyResBlock(block: ResBlock, x: tf.Tensor4D, emb: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const [B] = x.shape;
    let h = applyConv2d(block.conv1, applyGroupNorm(block.norm1, x, "silu")); // [B, h, w, C_out]
    const e = applyDense(block.embProj, emb); // [B, C_out]
    h = h.add(e.reshape([B, 1, 1, -1])) as tf.Tensor4D; // [B, h, w, C_out]
    h = applyConv2d(block.conv2, applyGroupNorm(block.norm2, h, "silu")); // [B, h, w, C_out]
    const skip = block.skip ? applyConv2d(block.skip, x) : x; // [B, h, w, C_out]
    return skip.add(h) as tf.Tensor4D;
  });
}

function resBlockVariables(block: ResBlock): tf.Variable[] {
  const layers = [block.norm1, block.conv1, block.embProj, block.norm2, block.conv2, ...(block.skip ? [block.skip] : [])];
  return layers.flatMap(layerVariables);
}

/** SiLU (swish): x·σ(x), the activation of Ho et al.'s U-Net. */
function silu<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.sigmoid(x));
}

/**
 * A U-Net ε_θ for side × side one-channel images in [−1, 1] (lib/mnist's toSymmetric):
 *
 *   emb = W₂·silu(W₁·timeEmbedding(t, E))  [+ e(c)]                      [B, Te], Te = 4·C₀
 *   h = conv_in(x)                                                       [B, side, side, C₀]
 *   down, level l = 0..L−1:   h = res(h, emb); skip_l = h; h = downsample(h) (not at the last)
 *   middle:                   h = res(h, emb)                            [B, side/2^(L−1), …, C_{L−1}]
 *   up, level l = L−1..0:     h = res([h, skip_l], emb); h = upsample(h) to C_{l−1} (not at l = 0)
 *   ε̂ = conv_out(silu(gn(h)))                                           [B, side, side, 1]
 *
 * conv_out starts at zero, so the untrained network predicts ε̂ = 0.
 */
export function createUNet(options: UNetOptions): UNet {
  const { side, channels = [32, 64, 64], groups = 8, classes, condDim } = options;
  assertInt(side, "options.side", 1);
  if (channels.length === 0) throw new Error("options.channels must list at least one level's channels");
  channels.forEach((c, l) => {
    assertInt(c, `options.channels[${l}]`, 1);
    if (c % groups !== 0) throw new Error(`options.groups (${groups}) must divide every level's channels, got channels[${l}] = ${c}`);
  });
  const L = channels.length;
  if (side % 2 ** (L - 1) !== 0)
    throw new Error(`options.side must be divisible by 2^(levels − 1) = ${2 ** (L - 1)} for ${L} levels, got ${side}`);
  const E = options.embedDim ?? channels[0];
  assertInt(E, "options.embedDim", 2);
  if (E % 2 !== 0) throw new Error(`options.embedDim must be even, got ${E}`);
  if (classes !== undefined) assertInt(classes, "options.classes", 1);
  if (condDim !== undefined) assertInt(condDim, "options.condDim", 1);
  if (classes !== undefined && condDim !== undefined) throw new Error("options: give classes or condDim, not both");
  const Te = 4 * channels[0];
  const D = side * side;

  // Drawn in this order (a PyTorch twin draws the same shapes in the same order).
  const time1 = dense(E, Te);
  const time2 = dense(Te, Te);
  const classTable =
    classes === undefined ? undefined : tf.tidy(() => tf.variable(tf.randomNormal([classes + 1, Te], 0, 1)) as tf.Variable<tf.Rank.R2>); // [K + 1, Te]
  const condProj = condDim === undefined ? undefined : dense(condDim, Te);
  const convIn = conv2d(1, channels[0]);
  const down = channels.map((c, l) => ({
    block: resBlock(l === 0 ? channels[0] : channels[l - 1], c, Te, groups),
    sample: l < L - 1 ? downsample(c) : undefined,
  }));
  const middle = resBlock(channels[L - 1], channels[L - 1], Te, groups);
  const up = channels
    .map((c, l) => ({
      block: resBlock(2 * c, c, Te, groups), // [h, skip_l]: C_l + C_l channels
      sample: l > 0 ? upsample(c, channels[l - 1]) : undefined,
    }))
    .reverse(); // level L−1 first
  const normOut = groupNorm(groups, channels[0]);
  const convOut = conv2d(channels[0], 1, { scale: 0 }); // starts at 0: ε̂ = 0

  const epsTheta: UNetEpsTheta = (xt, t, c) => {
    assertShape(xt, [null, D], "xt", ["B", `D = side² = ${D}`]);
    const B = xt.shape[0];
    assertShape(t, [B], "t", ["B"]);
    if (classTable !== undefined) {
      if (c === undefined) throw new Error(`c (class indices, int32 [B]) is required: this U-Net was built with classes: ${classes}`);
      assertShape(c, [B], "c (class indices)", ["B"]);
    } else if (condProj !== undefined) {
      if (c === undefined)
        throw new Error(`c (condition vectors [B, ${condDim}]) is required: this U-Net was built with condDim: ${condDim}`);
      assertShape(c, [B, condDim!], "c (condition vectors)", ["B", "condDim"]);
    } else if (c !== undefined) {
      throw new Error("c was given, but this U-Net was built without classes or condDim");
    }
    return tf.tidy(() => {
      let emb = applyDense(time2, silu(applyDense(time1, timeEmbedding(t, E)))); // [B, Te]
      if (classTable !== undefined) emb = emb.add(tf.gather(classTable, (c as tf.Tensor1D).toInt())) as tf.Tensor2D; // [B, Te]
      if (condProj !== undefined) emb = emb.add(applyDense(condProj, c as tf.Tensor2D)) as tf.Tensor2D; // [B, Te]
      let h = applyConv2d(convIn, xt.reshape([B, side, side, 1]) as tf.Tensor4D); // [B, side, side, C₀]
      const skips: tf.Tensor4D[] = [];
      for (const { block, sample } of down) {
        h = applyResBlock(block, h, emb); // [B, s, s, C_l]
        skips.push(h);
        if (sample) h = applyConv2d(sample, h); // [B, s/2, s/2, C_l]
      }
      h = applyResBlock(middle, h, emb); // [B, s_{L−1}, s_{L−1}, C_{L−1}]
      for (const { block, sample } of up) {
        h = applyResBlock(block, tf.concat([h, skips.pop()!], 3) as tf.Tensor4D, emb); // [B, s, s, C_l]
        if (sample) h = applyUpsample(sample, h); // [B, 2s, 2s, C_{l−1}]
      }
      const out = applyConv2d(convOut, applyGroupNorm(normOut, h, "silu")); // [B, side, side, 1]
      return out.reshape([B, D]) as tf.Tensor2D; // [B, D]
    });
  };

  const variables = [
    ...layerVariables(time1),
    ...layerVariables(time2),
    ...(classTable ? [classTable] : []),
    ...(condProj ? layerVariables(condProj) : []),
    ...layerVariables(convIn),
    ...down.flatMap(({ block, sample }) => [...resBlockVariables(block), ...(sample ? layerVariables(sample) : [])]),
    ...resBlockVariables(middle),
    ...up.flatMap(({ block, sample }) => [...resBlockVariables(block), ...(sample ? layerVariables(sample) : [])]),
    ...layerVariables(normOut),
    ...layerVariables(convOut),
  ];
  const filled = { side, channels: [...channels], embedDim: E, groups, classes, condDim };
  return { epsTheta, variables, options: filled, dispose: () => tf.dispose(variables) };
}

/**
 * Multiply-adds of one forward pass on one image (the convolutions only; norms, activations and
 * the embedding MLP are a small fraction), for the notebooks' cost comparisons.
 */
export function unetFlops(options: UNetOptions): number {
  const { side, channels = [32, 64, 64] } = options;
  const L = channels.length;
  const conv = (s: number, cIn: number, cOut: number, k = 3) => s * s * k * k * cIn * cOut;
  const res = (s: number, cIn: number, cOut: number) =>
    conv(s, cIn, cOut) + conv(s, cOut, cOut) + (cIn === cOut ? 0 : conv(s, cIn, cOut, 1));
  let total = conv(side, 1, channels[0]) + conv(side, channels[0], 1);
  channels.forEach((c, l) => {
    const s = side / 2 ** l;
    total += res(s, l === 0 ? channels[0] : channels[l - 1], c);
    if (l < L - 1) total += conv(s / 2, c, c);
    total += res(s, 2 * c, c);
    if (l > 0) total += conv(2 * s, c, channels[l - 1]);
  });
  total += res(side / 2 ** (L - 1), channels[L - 1], channels[L - 1]);
  return total;
}
