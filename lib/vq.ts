/**
 * A VQ-VAE image tokenizer: a convolutional encoder maps an image to a grid of vectors ze, each
 * vector is replaced by its nearest code e_k in a learned codebook, and a decoder draws the image
 * back from the codes. The code indices k are the image's tokens, which a transformer can then
 * model like text. A. van den Oord, O. Vinyals, K. Kavukcuoglu, "Neural Discrete Representation
 * Learning" (2017), eq. 3:
 *
 *   L = ‖x − x̂‖² + ‖sg[ze] − e‖² + β‖ze − sg[e]‖²
 *
 * with sg the stop-gradient and the straight-through estimator zq = ze + sg[e − ze] carrying the
 * decoder's gradient to the encoder. Dead codes are revived by the random restarts of
 * P. Dhariwal et al., "Jukebox: A Generative Model for Music" (2020). Taught in
 * notebooks/08-text-to-image.ipynb §2.
 *
 *   stopGradient       sg[x]: the value x, gradient 0
 *   nearestCodes       k_i = argmin_k ‖ze_i − e_k‖²
 *   quantize           zq (straight-through), the indices, the codebook and commitment losses
 *   codePerplexity     exp(entropy) of code usage: how many codes are in use
 *   restartDeadCodes   unused codes set to random encoder outputs (Jukebox)
 *   createVQVAE        the model { encode, tokenize, decode, decodeCodes, codebook, variables, dispose }
 *   vqvaeLoss          eq. 3 on a batch, with its parts
 *
 * Shapes: B batch, D = side² pixels, N vectors to quantize (N = B·h·w for a batch), K codes,
 * Dc code size, h × w the code grid (side/2 × side/2), C channels (C0, C1), M candidate vectors.
 */
import * as tf from "@tensorflow/tfjs";
import { assertInt, assertShape } from "./assert";
import { applyConv2d, applyUpsample, conv2d, downsample, layerVariables, upsample } from "./layers";
import { randInt, type Rng } from "./random";

// ---------------------------------------------------------------------------------------------
// Quantization

/** sg[x]: the value of x in the forward pass, a zero gradient in the backward pass. @returns x's shape */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  // customGrad passes the inputs and then its save function; here the one input is x.
  const sg = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: (args[0] as tf.Tensor).clone(),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  }));
  return sg(x) as T;
}

/**
 * The index of each vector's nearest code, k_i = argmin_k ‖ze_i − e_k‖², with the squared
 * distance expanded as ‖ze_i‖² − 2·ze_i·e_k + ‖e_k‖² (one matrix product, no [N, K, Dc] tensor).
 * Ties go to the lower index. Not differentiable (integers).
 * @param ze shape [N, Dc]
 * @param codebook shape [K, Dc]
 * @returns int32 [N]
 */
export function nearestCodes(ze: tf.Tensor2D, codebook: tf.Tensor2D): tf.Tensor1D {
  assertShape(codebook, [null, null], "codebook", ["K", "Dc"]);
  assertShape(ze, [null, codebook.shape[1]], "ze", ["N", "Dc"]);
  return tf.tidy(() => {
    const zz = tf.sum(tf.square(ze), 1, true); // [N, 1]
    const ee = tf.sum(tf.square(codebook), 1).reshape([1, -1]); // [1, K]
    const zDotE = tf.matMul(ze, codebook, false, true); // [N, K]
    const dist = zz.sub(zDotE.mul(2)).add(ee); // [N, K]
    return tf.argMin(dist, 1).toInt() as tf.Tensor1D; // [N]
  });
}

/** What {@link quantize} returns. */
export interface Quantized {
  /** Straight-through zq = ze + sg[e − ze]: the value e_k, the gradient passed to ze unchanged. Shape [N, Dc]. */
  zq: tf.Tensor2D;
  /** k_i, int32 [N]. */
  indices: tf.Tensor1D;
  /** mean ‖sg[ze] − e‖²: moves the codes towards the encoder's outputs (the codebook only). */
  codebookLoss: tf.Scalar;
  /** mean ‖ze − sg[e]‖²: keeps the encoder's outputs near their codes (the encoder only). */
  commitmentLoss: tf.Scalar;
}

/**
 * Quantizes each vector to its nearest code. Both losses are means over N and Dc, as torch's
 * F.mse_loss (they are equal in value; they differ in where their gradient goes).
 * @param ze encoder outputs, shape [N, Dc]
 * @param codebook shape [K, Dc]
 */
export function quantize(ze: tf.Tensor2D, codebook: tf.Tensor2D): Quantized {
  assertShape(codebook, [null, null], "codebook", ["K", "Dc"]);
  assertShape(ze, [null, codebook.shape[1]], "ze", ["N", "Dc"]);
  return tf.tidy(() => {
    const indices = nearestCodes(ze, codebook); // [N]
    // e = onehot(k)·codebook: the chosen rows, as a matrix product rather than tf.gather, whose
    // gradient would also try to flow into the integer indices (they depend on ze and the codebook)
    const e = tf.matMul(tf.oneHot(indices, codebook.shape[0]).toFloat(), codebook); // [N, Dc]
    // zq = ze + sg[e − ze]
    const zq = tf.add(ze, stopGradient(tf.sub(e, ze))) as tf.Tensor2D; // [N, Dc]
    // ‖sg[ze] − e‖², mean over N·Dc
    const codebookLoss = tf.mean(tf.square(tf.sub(stopGradient(ze), e))) as tf.Scalar;
    // ‖ze − sg[e]‖², mean over N·Dc
    const commitmentLoss = tf.mean(tf.square(tf.sub(ze, stopGradient(e)))) as tf.Scalar;
    return { zq, indices, codebookLoss, commitmentLoss };
  });
}

/**
 * The perplexity of code usage, exp(−Σ_k p_k log p_k) with p_k the fraction of `indices` equal
 * to k: K when every code is used equally often, 1 when one code takes everything.
 * @param indices code indices, integers in [0, K)
 * @param K the number of codes
 */
export function codePerplexity(indices: ArrayLike<number>, K: number): number {
  assertInt(K, "K", 1);
  if (indices.length === 0) throw new Error("indices must not be empty: the perplexity of no codes is undefined");
  const counts = new Array<number>(K).fill(0);
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i];
    if (!Number.isInteger(k) || k < 0 || k >= K) throw new Error(`indices[${i}] must be an integer in [0, ${K}) (K = ${K}), got ${k}`);
    counts[k]++;
  }
  let entropy = 0;
  for (const c of counts) {
    if (c > 0) {
      const p = c / indices.length;
      entropy -= p * Math.log(p);
    }
  }
  return Math.exp(entropy);
}

/**
 * Random restarts (Dhariwal et al. 2020): every code with count 0 is set to a row of
 * `candidates` drawn with `rng`, distinct rows while there are enough (M ≥ the number of dead
 * codes), with repeats after that. The other codes are left unchanged.
 * @param codebook shape [K, Dc], assigned in place
 * @param counts [K] how often each code was chosen since the last restart
 * @param candidates encoder outputs, shape [M, Dc]
 * @param rng a uniform generator in [0, 1), e.g. lib/random's makeRng(seed)
 * @returns how many codes were restarted
 */
export function restartDeadCodes(codebook: tf.Variable, counts: ArrayLike<number>, candidates: tf.Tensor2D, rng: Rng): number {
  assertShape(codebook, [null, null], "codebook", ["K", "Dc"]);
  const [K, Dc] = codebook.shape;
  if (counts.length !== K) throw new Error(`counts must have one entry per code, K = ${K}, got ${counts.length}`);
  assertShape(candidates, [null, Dc], "candidates", ["M", "Dc"]);
  const dead: number[] = [];
  for (let k = 0; k < K; k++) if (counts[k] === 0) dead.push(k);
  if (dead.length === 0) return 0;
  const M = candidates.shape[0];
  if (M === 0) throw new Error(`candidates must have at least one row to restart ${dead.length} dead codes, got [0, ${Dc}]`);
  // A partial Fisher–Yates shuffle of the candidate rows: the first min(M, dead) picks are distinct.
  const order = Array.from({ length: M }, (_, i) => i);
  const rows = dead.map((_, j) => {
    if (j >= M) return randInt(M, rng); // more dead codes than candidates: repeats
    const pick = j + randInt(M - j, rng);
    [order[j], order[pick]] = [order[pick], order[j]];
    return order[j];
  });
  const values = codebook.dataSync().slice(); // [K·Dc]
  const rowsOf = candidates.dataSync(); // [M·Dc]
  dead.forEach((k, j) => values.set(rowsOf.subarray(rows[j] * Dc, (rows[j] + 1) * Dc), k * Dc));
  tf.tidy(() => codebook.assign(tf.tensor2d(values as Float32Array, [K, Dc])));
  return dead.length;
}

// ---------------------------------------------------------------------------------------------
// The model

/** Options of {@link createVQVAE}. */
export interface VQVAEOptions {
  /** Image side: the images are side × side, one channel, flattened to D = side² (default 14); even. */
  side?: number;
  /** Channels [C0, C1] of the encoder at full size and at half size (default [32, 64]); the decoder mirrors them. */
  channels?: [number, number];
  /** K, the number of codes (default 64). */
  codes?: number;
  /** Dc, the size of a code vector (default 16). */
  codeDim?: number;
  /** β, the weight of the commitment loss (default 0.25, the paper's). */
  beta?: number;
}

/** The options with their defaults filled in. */
export type VQVAEConfig = Required<VQVAEOptions>;

function config(options: VQVAEOptions): VQVAEConfig {
  const c: VQVAEConfig = {
    side: options.side ?? 14,
    channels: options.channels ?? [32, 64],
    codes: options.codes ?? 64,
    codeDim: options.codeDim ?? 16,
    beta: options.beta ?? 0.25,
  };
  assertInt(c.side, "options.side", 2);
  if (c.side % 2 !== 0) throw new Error(`options.side must be even (the encoder halves it), got ${c.side}`);
  if (!Array.isArray(c.channels) || c.channels.length !== 2) {
    throw new Error(`options.channels must be [C0, C1], got ${JSON.stringify(c.channels)}`);
  }
  c.channels.forEach((ch, i) => assertInt(ch, `options.channels[${i}]`, 1));
  assertInt(c.codes, "options.codes", 1);
  assertInt(c.codeDim, "options.codeDim", 1);
  if (!(Number.isFinite(c.beta) && c.beta >= 0)) throw new Error(`options.beta must be a finite number ≥ 0, got ${c.beta}`);
  return { ...c, channels: [c.channels[0], c.channels[1]] };
}

/** A VQ-VAE: convolutional encoder, codebook, convolutional decoder. */
export interface VQVAE {
  config: VQVAEConfig;
  /** The codes e_1..e_K, shape [K, Dc]; starts at U(−1/K, 1/K), as the paper's code. */
  codebook: tf.Variable<tf.Rank.R2>;
  /** ze(x). @param x images in [0, 1], shape [B, D] @returns shape [B, h, w, Dc], h = w = side/2 */
  encode(x: tf.Tensor2D): tf.Tensor4D;
  /** The image's tokens: its nearest codes, row-major over the grid. @param x shape [B, D] @returns int32 [B, h·w] */
  tokenize(x: tf.Tensor2D): tf.Tensor2D;
  /** The images drawn from given tokens. @param indices int32 [B, h·w], values in [0, K) @returns shape [B, D], in [0, 1] */
  decodeCodes(indices: tf.Tensor2D): tf.Tensor2D;
  /** x̂ from quantized vectors, clipped to [0, 1]. @param zq shape [B, h, w, Dc] @returns shape [B, D] */
  decode(zq: tf.Tensor4D): tf.Tensor2D;
  /** x̂ before clipping (what the reconstruction loss sees). @param zq shape [B, h, w, Dc] @returns shape [B, D] */
  decodeRaw(zq: tf.Tensor4D): tf.Tensor2D;
  /** Every variable: encoder (w, b per layer), decoder likewise, then the codebook. */
  variables: tf.Variable[];
  /** Frees the variables. */
  dispose(): void;
}

/**
 * A VQ-VAE for side × side one-channel images in [0, 1]:
 *
 *   encoder  conv3×3 1→C0, relu; downsample C0→C1 (stride 2), relu; conv3×3 C1→C1, relu; conv1×1 C1→Dc
 *                                                                  [B, side, side, 1] → [B, h, w, Dc]
 *   decoder  conv1×1 Dc→C1, relu; conv3×3 C1→C1, relu; upsample C1→C0 (×2), relu; conv3×3 C0→1 (clipped to [0, 1] for display)
 *                                                                  [B, h, w, Dc] → [B, side, side, 1]
 *
 * Layers start as PyTorch's nn.Conv2d (lib/layers), drawn encoder, decoder, codebook, from
 * tfjs's random stream (seed it with lib/random's `seed`).
 */
export function createVQVAE(options: VQVAEOptions = {}): VQVAE {
  const c = config(options);
  const { side, codes: K, codeDim: Dc } = c;
  const [C0, C1] = c.channels;
  const D = side * side;
  const h = side / 2;
  const w = side / 2;

  const encoder = [conv2d(1, C0), downsample(C0, C1), conv2d(C1, C1), conv2d(C1, Dc, { kernelSize: 1 })];
  const decoder = [conv2d(Dc, C1, { kernelSize: 1 }), conv2d(C1, C1), upsample(C1, C0), conv2d(C0, 1)];
  const codebook = tf.tidy(() => tf.variable(tf.randomUniform([K, Dc], -1 / K, 1 / K)) as tf.Variable<tf.Rank.R2>); // [K, Dc]

  const encode = (x: tf.Tensor2D): tf.Tensor4D => {
    assertShape(x, [null, D], "x", ["B", `D = side² = ${D}`]);
    const B = x.shape[0];
    return tf.tidy(() => {
      let y = x.reshape([B, side, side, 1]) as tf.Tensor4D; // [B, side, side, 1]
      y = applyConv2d(encoder[0], y, "relu"); // [B, side, side, C0]
      y = applyConv2d(encoder[1], y, "relu"); // [B, h, w, C1]
      y = applyConv2d(encoder[2], y, "relu"); // [B, h, w, C1]
      return applyConv2d(encoder[3], y); // [B, h, w, Dc]
    });
  };

  const decodeRaw = (zq: tf.Tensor4D): tf.Tensor2D => {
    assertShape(zq, [null, h, w, Dc], "zq", ["B", "h", "w", "Dc"]);
    const B = zq.shape[0];
    return tf.tidy(() => {
      let y = applyConv2d(decoder[0], zq, "relu"); // [B, h, w, C1]
      y = applyConv2d(decoder[1], y, "relu"); // [B, h, w, C1]
      y = applyUpsample(decoder[2], y, "relu"); // [B, side, side, C0]
      return applyConv2d(decoder[3], y).reshape([B, D]) as tf.Tensor2D; // [B, D], unbounded
    });
  };
  // What the model shows: x̂ clipped to the pixel range. (A sigmoid output saturated within 20 Adam
  // steps here, the network pushing every pixel to black, and then learnt nothing: its gradient was 0.)
  const decode = (zq: tf.Tensor4D): tf.Tensor2D => tf.tidy(() => decodeRaw(zq).clipByValue(0, 1) as tf.Tensor2D);

  const tokenize = (x: tf.Tensor2D): tf.Tensor2D =>
    tf.tidy(() => {
      const ze = encode(x); // [B, h, w, Dc]
      const B = ze.shape[0];
      return nearestCodes(ze.reshape([B * h * w, Dc]), codebook).reshape([B, h * w]) as tf.Tensor2D; // [B, h·w]
    });

  const decodeCodes = (indices: tf.Tensor2D): tf.Tensor2D => {
    assertShape(indices, [null, h * w], "indices", ["B", `h·w = ${h * w}`]);
    if (indices.dtype !== "int32") throw new Error(`indices must be int32 code indices, got dtype ${indices.dtype}`);
    const values = indices.dataSync();
    for (let i = 0; i < values.length; i++) {
      if (values[i] < 0 || values[i] >= K) throw new Error(`indices must be in [0, K) = [0, ${K}), got ${values[i]} at element ${i}`);
    }
    const B = indices.shape[0];
    return tf.tidy(() => {
      const zq = tf.gather(codebook, indices.reshape([-1])).reshape([B, h, w, Dc]) as tf.Tensor4D; // [B, h, w, Dc]
      return decode(zq); // [B, D]
    });
  };

  const variables = [...encoder.flatMap(layerVariables), ...decoder.flatMap(layerVariables), codebook];
  return { config: c, codebook, encode, tokenize, decodeCodes, decode, decodeRaw, variables, dispose: () => tf.dispose(variables) };
}

/** What {@link vqvaeLoss} returns: the loss, its three parts, and what a training loop tracks. */
export interface VQVAELoss {
  /** reconstruction + codebook + β·commitment, shape [] */
  loss: tf.Scalar;
  /** mean (x − x̂)² over B and D, shape [] */
  reconstruction: tf.Scalar;
  /** mean ‖sg[ze] − e‖², shape [] */
  codebook: tf.Scalar;
  /** mean ‖ze − sg[e]‖² (unweighted), shape [] */
  commitment: tf.Scalar;
  /** the chosen codes, int32 [B·h·w] (for codePerplexity and the counts of restartDeadCodes) */
  indices: tf.Tensor1D;
  /** the encoder's outputs, shape [B·h·w, Dc] (candidates for restartDeadCodes) */
  ze: tf.Tensor2D;
}

/**
 * The VQ-VAE loss of eq. 3 on a batch, every term a mean (over B·D pixels, over N·Dc numbers):
 *
 *   loss = mse(x, x̂) + mean ‖sg[ze] − e‖² + β·mean ‖ze − sg[e]‖²,   x̂ = decode(zq)
 *
 * Train with `optimizer.minimize(() => vqvaeLoss(model, x).loss, false, model.variables)`:
 * minimize's own tidy frees the other tensors (read `indices` inside the closure, or tf.keep
 * what you need). Called directly, the caller owns and must dispose every returned tensor
 * (`tf.dispose(Object.values(out))`).
 * @param x images in [0, 1], shape [B, D]
 */
export function vqvaeLoss(model: VQVAE, x: tf.Tensor2D): VQVAELoss {
  const { side, codeDim: Dc, beta } = model.config;
  assertShape(x, [null, side * side], "x", ["B", `D = side² = ${side * side}`]);
  return tf.tidy(() => {
    const ze4 = model.encode(x); // [B, h, w, Dc]
    const [B, h, w] = ze4.shape;
    const ze = ze4.reshape([B * h * w, Dc]) as tf.Tensor2D; // [B·h·w, Dc]
    const q = quantize(ze, model.codebook);
    const xHat = model.decodeRaw(q.zq.reshape([B, h, w, Dc]) as tf.Tensor4D); // [B, D]
    const reconstruction = tf.mean(tf.square(tf.sub(x, xHat))) as tf.Scalar;
    const loss = reconstruction.add(q.codebookLoss).add(q.commitmentLoss.mul(beta)) as tf.Scalar;
    return { loss, reconstruction, codebook: q.codebookLoss, commitment: q.commitmentLoss, indices: q.indices, ze };
  });
}
