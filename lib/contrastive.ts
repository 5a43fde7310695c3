/**
 * A CLIP-style judge: an image encoder and a text encoder trained so that a digit and its caption
 * land on nearby unit vectors in one E-dimensional space, and every mismatched pair in the batch
 * far apart. Once trained it classifies without a classifier (zero-shot: the class whose caption
 * is nearest), scores how well an image fits its prompt, and reranks a generator's samples.
 * Taught in notebooks/08-text-to-image.ipynb §4.
 *
 *   normalizeRows      x / ‖x‖ per row
 *   clipLogits         exp(logScale) · Î·T̂ᵀ, the scaled cosine of every (image, caption) pair
 *   clipLoss           the symmetric contrastive (InfoNCE) loss of Figure 3
 *   createCLIP         the two encoders and the learned temperature, as a model (lib/README.md)
 *   clipModelLoss      clipLoss of a model's embeddings with its clamped logScale
 *   zeroShotClassify   the class whose caption embedding is nearest each image's
 *   clipScore          100 · max(cos, 0) per (image, caption) pair
 *   rerank             the best samples of each prompt's group (DALL·E's reranking)
 *
 * Sources: A. Radford, J. W. Kim, C. Hallacy et al., "Learning Transferable Visual Models From
 * Natural Language Supervision" (2021): the loss (Figure 3), the learned temperature initialised
 * to 0.07 and its logit scale clipped at 100, zero-shot classification with one caption per
 * class, a Transformer text encoder; A. van den Oord, Y. Li, O. Vinyals, "Representation Learning
 * with Contrastive Predictive Coding" (2018), InfoNCE; J. Hessel et al., "CLIPScore" (2021);
 * A. Ramesh et al., "Zero-Shot Text-to-Image Generation" (2021, DALL·E), reranking samples with
 * CLIP. This judge is small (three convolutions, a two-block Transformer) so it trains on a CPU.
 *
 * Shapes: B batch, N pairs (row i of the images goes with row i of the captions), E joint
 * embedding size, L caption tokens, K classes, D = side² pixels, Dm the text Transformer's width,
 * C₀, C₁ the image encoder's channels, h and w image height and width.
 */
import * as tf from "@tensorflow/tfjs";
import { assertInt, assertShape } from "./assert";
import { CAPTION_LENGTH, CAPTION_PAD, CAPTION_VOCAB } from "./captions";
import { applyConv2d, applyDense, conv2d, dense, downsample, layerVariables, type Conv2D, type Dense } from "./layers";
import { createTransformer, transformerHidden, type Transformer } from "./transformer";

/** Rows shorter than this are divided by it instead (as F.normalize's eps): a zero row stays 0. */
const NORM_EPS = 1e-8;

/** CLIP's initial temperature τ = 0.07: logScale starts at log(1/τ) ≈ 2.659. */
export const INITIAL_LOG_SCALE = Math.log(1 / 0.07);

/** The logit scale exp(logScale) is clipped at 100 (Radford et al. 2021, §2.5). */
export const MAX_LOG_SCALE = Math.log(100);

function assertLogScale(logScale: tf.Scalar | number): void {
  if (typeof logScale === "number") {
    if (!Number.isFinite(logScale)) throw new Error(`logScale must be a finite number, got ${logScale}`);
  } else assertShape(logScale, [], "logScale");
}

/**
 * Each row divided by its Euclidean length, x / max(‖x‖, 1e-8), as PyTorch's F.normalize:
 * the rows become unit vectors (a zero row stays zero, with a zero gradient rather than NaN).
 * @param x shape [N, E]
 * @returns shape [N, E], every non-zero row of length 1
 */
export function normalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  assertShape(x, [null, null], "x", ["N", "E"]);
  return tf.tidy(() => {
    // √max(Σx², ε²) = max(‖x‖, ε), written so that no √0 is differentiated
    const length = tf.sqrt(tf.maximum(tf.sum(tf.square(x), 1, true), NORM_EPS * NORM_EPS)); // [N, 1]
    return tf.div(x, length) as tf.Tensor2D; // [N, E]
  });
}

/**
 * The scaled cosine similarity of every image with every caption:
 *   logits = exp(logScale) · Î·T̂ᵀ,   Î, T̂ the embeddings with unit rows
 * Row i holds image i against every caption; column j caption j against every image.
 * @param imageEmb shape [N, E] (any length; normalised here)
 * @param textEmb shape [N, E] (the same N as imageEmb, so that the logits are square)
 * @param logScale log of the logit scale 1/τ (a number or a tf.Scalar; used as given, not clamped)
 * @returns shape [N, N]
 */
export function clipLogits(imageEmb: tf.Tensor2D, textEmb: tf.Tensor2D, logScale: tf.Scalar | number): tf.Tensor2D {
  assertShape(imageEmb, [null, null], "imageEmb", ["N", "E"]);
  assertShape(textEmb, imageEmb.shape, "textEmb", ["N", "E"]);
  assertLogScale(logScale);
  return tf.tidy(() => {
    const cosine = tf.matMul(normalizeRows(imageEmb), normalizeRows(textEmb), false, true); // [N, N]
    return tf.mul(cosine, tf.exp(logScale)) as tf.Tensor2D; // [N, N]
  });
}

/**
 * The symmetric contrastive loss (InfoNCE both ways; Radford et al. 2021, Figure 3). Row i of the
 * two batches is a matching (image, caption) pair, the other N − 1 rows its negatives:
 *   logits = exp(logScale) · Î·T̂ᵀ                                  [N, N]
 *   loss   = ½ (CE(logits, [0 … N−1]) + CE(logitsᵀ, [0 … N−1]))
 *   CE(S, y) = −(1/N) Σ_i log softmax(S_i)[y_i]
 * The first term asks each image to pick its caption among the N, the second each caption its
 * image. It is log N when every logit is equal (chance) and 0 when the diagonal wins by far.
 * @param imageEmb shape [N, E]
 * @param textEmb shape [N, E], row i describes image i
 * @param logScale log of the logit scale (a number or a tf.Scalar; used as given, not clamped)
 * @returns the loss in nats, shape []
 */
export function clipLoss(imageEmb: tf.Tensor2D, textEmb: tf.Tensor2D, logScale: tf.Scalar | number): tf.Scalar {
  assertShape(imageEmb, [null, null], "imageEmb", ["N", "E"]);
  assertShape(textEmb, imageEmb.shape, "textEmb", ["N", "E"]);
  const N = imageEmb.shape[0];
  assertInt(N, "imageEmb.shape[0] (N, the number of pairs)", 1);
  return tf.tidy(() => {
    const logits = clipLogits(imageEmb, textEmb, logScale); // [N, N]
    const matching = tf.eye(N); // [N, N]: the targets 0 … N−1 as one-hot rows
    // CE against the diagonal: minus the mean over rows of log softmax at the matching column
    const crossEntropy = (s: tf.Tensor2D) => tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(s), matching), 1))); // []
    const imageToText = crossEntropy(logits); // each image picks its caption
    const textToImage = crossEntropy(tf.transpose(logits) as tf.Tensor2D); // each caption picks its image
    return tf.div(tf.add(imageToText, textToImage), 2) as tf.Scalar;
  });
}

/** Options of {@link createCLIP}; every field has a default. */
export interface CLIPOptions {
  /** Image side: images are side × side, one channel, flattened to D = side² (default 14). */
  side?: number;
  /** Channels [C₀, C₁] of the image encoder, before and after its stride-2 step (default [32, 64]). */
  channels?: [number, number];
  /** E, the joint embedding size (default 32). */
  embedDim?: number;
  /** Text vocabulary size (default CAPTION_VOCAB.length, lib/captions). */
  textVocab?: number;
  /** L, caption tokens per caption (default CAPTION_LENGTH = 6). */
  textLength?: number;
  /** Dm, the text Transformer's width (default 64). */
  dModel?: number;
  /** Attention heads of the text Transformer (default 4; divides dModel). */
  heads?: number;
  /** Blocks of the text Transformer (default 2). */
  layers?: number;
  /** The padding id, skipped when the text encoder pools (default CAPTION_PAD = 0). */
  padId?: number;
}

/** {@link CLIPOptions} with every default filled in. */
export type CLIPConfig = Required<CLIPOptions>;

/** The image encoder's layers. */
export interface CLIPImageEncoder {
  /** 3×3, 1 → C₀ */
  conv1: Conv2D;
  /** 3×3 stride 2, C₀ → C₁ */
  down: Conv2D;
  /** 3×3, C₁ → C₁ */
  conv2: Conv2D;
  /** C₁ → E */
  projection: Dense;
}

/** The text encoder's parts. */
export interface CLIPTextEncoder {
  /** A non-causal lib/transformer stack; its head (wHead, bHead) is not used. */
  transformer: Transformer;
  /** Dm → E */
  projection: Dense;
}

/** A CLIP-style judge: two encoders into one space and a learned temperature. */
export interface CLIP {
  config: CLIPConfig;
  /** log(1/τ), starts at log(1/0.07); clamped to ≤ log 100 where it is used. */
  logScale: tf.Variable<tf.Rank.R0>;
  image: CLIPImageEncoder;
  text: CLIPTextEncoder;
  /**
   * Images to unit vectors:
   *   h = relu(conv3×3(x))          [B, side, side, C₀]
   *   h = relu(conv3×3/2(h))        [B, ⌈side/2⌉, ⌈side/2⌉, C₁]
   *   h = relu(conv3×3(h))          [B, ⌈side/2⌉, ⌈side/2⌉, C₁]
   *   e = normalize(W·mean_hw(h) + b)   [B, E]
   * @param x shape [B, D] in [0, 1], D = side²
   * @returns shape [B, E], unit rows
   */
  encodeImage(x: tf.Tensor2D): tf.Tensor2D;
  /**
   * Captions to unit vectors: the non-causal Transformer's final-norm vectors (transformerHidden),
   * their mean over the positions that are not padId, a dense layer, normalised. Pad tokens are
   * still read by attention (a fixed L means a caption always has the same pads); only the
   * pooling skips them. An all-pad row pools to 0.
   * @param ids int32 shape [B, L]
   * @returns shape [B, E], unit rows
   */
  encodeText(ids: tf.Tensor2D): tf.Tensor2D;
  /**
   * What an optimiser may move, in a fixed order: the image encoder (conv1, down, conv2,
   * projection), the Transformer without its unused head, the text projection, logScale.
   */
  variables: tf.Variable[];
  /** Frees every tensor the model owns (the Transformer's head and constants too). */
  dispose(): void;
}

/** Throws unless ids is an int32 [B, L] tensor. */
function assertIds(ids: tf.Tensor2D, L: number, name: string): void {
  assertShape(ids, [null, L], name, ["B", "L"]);
  if (ids.dtype !== "int32") throw new Error(`${name} must be int32 token ids, got dtype ${ids.dtype}`);
}

/**
 * A CLIP-style judge with fresh weights (PyTorch's default initialisation for the convolutions
 * and dense layers, lib/transformer's for the text stack) and logScale = log(1/0.07).
 */
export function createCLIP(options: CLIPOptions = {}): CLIP {
  const config: CLIPConfig = {
    side: 14,
    channels: [32, 64],
    embedDim: 32,
    textVocab: CAPTION_VOCAB.length,
    textLength: CAPTION_LENGTH,
    dModel: 64,
    heads: 4,
    layers: 2,
    padId: CAPTION_PAD,
    ...options,
  };
  const { side, channels, embedDim: E, textVocab: V, textLength: L, padId } = config;
  assertInt(side, "options.side", 1);
  if (!Array.isArray(channels) || channels.length !== 2)
    throw new Error(`options.channels must be [C0, C1], two channel counts, got ${JSON.stringify(channels)}`);
  channels.forEach((c, i) => assertInt(c, `options.channels[${i}]`, 1));
  assertInt(E, "options.embedDim", 1);
  assertInt(V, "options.textVocab", 2);
  assertInt(L, "options.textLength", 1);
  assertInt(padId, "options.padId", 0, V - 1);
  config.channels = [channels[0], channels[1]]; // a copy: the caller's array may change later
  const [C0, C1] = channels;

  // Drawn in this order.
  const image: CLIPImageEncoder = {
    conv1: conv2d(1, C0),
    down: downsample(C0, C1),
    conv2: conv2d(C1, C1),
    projection: dense(C1, E),
  };
  const transformer = createTransformer({
    vocabSize: V,
    contextLength: L,
    dModel: config.dModel,
    heads: config.heads,
    layers: config.layers,
    causal: false,
  });
  const text: CLIPTextEncoder = { transformer, projection: dense(config.dModel, E) };
  const logScale = tf.tidy(() => tf.variable(tf.scalar(INITIAL_LOG_SCALE))) as tf.Variable<tf.Rank.R0>; // []

  const D = side * side;
  const encodeImage = (x: tf.Tensor2D): tf.Tensor2D => {
    assertShape(x, [null, D], "x", ["B", `D = side² = ${D}`]);
    const B = x.shape[0];
    return tf.tidy(() => {
      let maps = applyConv2d(image.conv1, tf.reshape(x, [B, side, side, 1]) as tf.Tensor4D, "relu"); // [B, side, side, C₀]
      maps = applyConv2d(image.down, maps, "relu"); // [B, h, w, C₁], h = w = ⌈side/2⌉
      maps = applyConv2d(image.conv2, maps, "relu"); // [B, h, w, C₁]
      const pooled = tf.mean(maps, [1, 2]) as tf.Tensor2D; // [B, C₁]: the mean over positions
      return normalizeRows(applyDense(image.projection, pooled)); // [B, E]
    });
  };

  const encodeText = (ids: tf.Tensor2D): tf.Tensor2D => {
    assertIds(ids, L, "ids");
    return tf.tidy(() => {
      const { hidden } = transformerHidden(transformer, ids); // [B, L, Dm]
      const keep = tf.expandDims(tf.cast(tf.notEqual(ids, padId), "float32"), 2); // [B, L, 1]: 1 at words, 0 at pads
      const count = tf.maximum(tf.sum(keep, 1), 1); // [B, 1]
      const pooled = tf.div(tf.sum(tf.mul(hidden, keep), 1), count) as tf.Tensor2D; // [B, Dm]
      return normalizeRows(applyDense(text.projection, pooled)); // [B, E]
    });
  };

  // The head maps hidden vectors to next-token logits; the text encoder never reads it, so it
  // gets no gradient and is left out (still freed by transformer.dispose()).
  const textVariables = transformer.variables.filter((v) => v !== transformer.wHead && v !== transformer.bHead);
  const imageVariables = [image.conv1, image.down, image.conv2, image.projection].flatMap(layerVariables);
  const variables: tf.Variable[] = [...imageVariables, ...textVariables, ...layerVariables(text.projection), logScale];
  return {
    config,
    logScale,
    image,
    text,
    encodeImage,
    encodeText,
    variables,
    dispose: () => {
      transformer.dispose(); // its variables (the head too) and its constants
      tf.dispose([...imageVariables, ...layerVariables(text.projection), logScale]);
    },
  };
}

/** exp of this is the logit scale the model uses: min(logScale, log 100). @returns shape [] */
function clampedLogScale(model: CLIP): tf.Scalar {
  return tf.minimum(model.logScale, MAX_LOG_SCALE);
}

/**
 * {@link clipLoss} of the model's embeddings of N (image, caption) pairs, with its logScale
 * clamped to ≤ log 100 (a clamped logScale gets no gradient, so it stays there).
 * @param images shape [N, D] in [0, 1]
 * @param ids int32 shape [N, L], row i the caption of image i
 * @returns shape []
 */
export function clipModelLoss(model: CLIP, images: tf.Tensor2D, ids: tf.Tensor2D): tf.Scalar {
  assertShape(images, [null, model.config.side ** 2], "images", ["N", "D"]);
  assertShape(ids, [images.shape[0], model.config.textLength], "ids", ["N", "L"]);
  assertIds(ids, model.config.textLength, "ids");
  return tf.tidy(() => clipLoss(model.encodeImage(images), model.encodeText(ids), clampedLogScale(model)));
}

/** Images encoded CHUNK at a time, so that a test set's feature maps need not all be live at once. */
const CHUNK = 256;

/** @param images shape [N, D] @returns shape [N, E] */
function encodeImagesInChunks(model: CLIP, images: tf.Tensor2D): tf.Tensor2D {
  const N = images.shape[0];
  if (N <= CHUNK) return model.encodeImage(images);
  return tf.tidy(() => {
    const parts: tf.Tensor2D[] = [];
    for (let start = 0; start < N; start += CHUNK) {
      const rows = Math.min(CHUNK, N - start);
      parts.push(tf.tidy(() => model.encodeImage(tf.slice(images, [start, 0], [rows, -1])))); // [rows, E]
    }
    return tf.concat(parts, 0); // [N, E]
  });
}

/**
 * Zero-shot classification (Radford et al. 2021, §3.1.2): each image gets the class whose
 * caption embedding has the largest cosine with its embedding, argmax_k ⟨Î_n, T̂_k⟩.
 * @param images shape [N, D] in [0, 1]
 * @param classTexts int32 shape [K, L], one caption per class (row k names class k)
 * @returns int32 shape [N], each in 0 … K−1
 */
export function zeroShotClassify(model: CLIP, images: tf.Tensor2D, classTexts: tf.Tensor2D): tf.Tensor1D {
  assertShape(images, [null, model.config.side ** 2], "images", ["N", "D"]);
  assertIds(classTexts, model.config.textLength, "classTexts");
  assertInt(classTexts.shape[0], "classTexts.shape[0] (K, the number of classes)", 1);
  return tf.tidy(() => {
    const cosine = tf.matMul(encodeImagesInChunks(model, images), model.encodeText(classTexts), false, true); // [N, K]
    return tf.argMax(cosine, 1) as tf.Tensor1D; // [N]
  });
}

/**
 * How well each image fits its caption: 100 · max(cos(Î_n, T̂_n), 0), from 0 (unrelated or
 * opposite) to 100 (the same direction). Hessel et al. 2021's CLIPScore is w · max(cos, 0) with
 * w = 2.5; this uses w = 100, a percentage (divide by 40 for their scale).
 * @param images shape [N, D] in [0, 1]
 * @param ids int32 shape [N, L], row n the caption of image n
 * @returns N scores in [0, 100]
 */
export function clipScore(model: CLIP, images: tf.Tensor2D, ids: tf.Tensor2D): Float32Array {
  assertShape(images, [null, model.config.side ** 2], "images", ["N", "D"]);
  assertShape(ids, [images.shape[0], model.config.textLength], "ids", ["N", "L"]);
  assertIds(ids, model.config.textLength, "ids");
  const scores = tf.tidy(() => {
    const cosine = tf.sum(tf.mul(encodeImagesInChunks(model, images), model.encodeText(ids)), 1); // [N]
    return tf.mul(tf.relu(cosine), 100); // [N]
  });
  const values = scores.dataSync() as Float32Array;
  scores.dispose();
  return Float32Array.from(values);
}

/**
 * DALL·E's reranking (Ramesh et al. 2021): a generator draws groupSize samples per prompt, in
 * consecutive groups; keep the `keep` best-scored of each group.
 * @param scores one score per sample, higher is better; length a multiple of groupSize
 * @param groupSize samples per prompt
 * @param keep how many to keep per group, 1 … groupSize (default 1)
 * @returns indices into scores: group by group, best first within a group (ties: the earlier sample)
 */
export function rerank(scores: ArrayLike<number>, groupSize: number, keep = 1): number[] {
  assertInt(groupSize, "groupSize", 1);
  assertInt(keep, "keep", 1, groupSize);
  if (scores.length % groupSize !== 0)
    throw new Error(`scores must hold whole groups: length ${scores.length} is not a multiple of groupSize ${groupSize}`);
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) throw new Error(`scores must be numbers, but scores[${i}] is NaN`);
  }
  const kept: number[] = [];
  for (let start = 0; start < scores.length; start += groupSize) {
    const group = Array.from({ length: groupSize }, (_, j) => start + j);
    group.sort((a, b) => scores[b] - scores[a] || a - b);
    kept.push(...group.slice(0, keep));
  }
  return kept;
}
