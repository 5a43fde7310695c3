/**
 * Attention, written by hand on plain tf ops (taught in notebooks/03-attention-and-transformers,
 * sections 1–5).
 *
 *   scaledDotProductAttention  softmax(q·kᵀ/√dK + mask)·v, returning the output and the weights
 *   causalMask                 1 where query t may look at key s (s ≤ t), 0 after
 *   splitHeads / mergeHeads    [B, T, D] ↔ [B, H, T, dHead]
 *   multiHeadAttention         self-attention with H heads: project, split, attend, merge, project
 *   createMultiHeadAttention   a layer's weights (lib/README.md's model contract), `layer.apply(x, mask)`
 *   positionalEncoding         the sinusoidal position code
 *
 * Source: A. Vaswani, N. Shazeer, N. Parmar, J. Uszkoreit, L. Jones, A. N. Gomez, Ł. Kaiser,
 * I. Polosukhin, "Attention Is All You Need" (2017), sections 3.2.1 (eq. 1), 3.2.2 and 3.5.
 * Parity with PyTorch (torch.nn.functional.scaled_dot_product_attention and
 * torch.nn.MultiheadAttention): tests/reference/attention_reference.py.
 *
 * Shapes: B batch, H heads, T positions (Tq queries, Tk keys), D model width,
 * dK = dHead = D / H key width per head, dV value width.
 * Masks hold 1 (may attend) and 0 (may not), as PyTorch's boolean attn_mask (True = attend).
 */
import * as tf from "@tensorflow/tfjs";
import { assertInt, assertShape, assertTensor } from "./assert";
import { uniformVariable } from "./layers";

/** Added to the score of a masked pair: exp(−1e9 − max) is exactly 0 in float32. */
const MASKED_SCORE = -1e9;

/**
 * Scaled dot-product attention (Vaswani et al. 2017, eq. 1):
 *
 *   scores  = q·kᵀ / √dK                        [..., Tq, Tk]
 *   scores += (1 − mask)·(−1e9)                 masked pairs get no weight
 *   weights = softmax(scores) over the keys     each row sums to 1
 *   output  = weights·v                         [..., Tq, dV]
 *
 * @param q queries, shape [..., Tq, dK] (rank 2 to 4; leading dims e.g. [B, H])
 * @param k keys, shape [..., Tk, dK] (same leading dims as q)
 * @param v values, shape [..., Tk, dV]
 * @param mask optional, 1 = may attend, 0 = may not; shape [Tq, Tk] or any shape that
 *   broadcasts to [..., Tq, Tk]. A query whose keys are all masked gets uniform weights.
 * @returns output shape [..., Tq, dV]; weights shape [..., Tq, Tk]
 */
export function scaledDotProductAttention(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  mask?: tf.Tensor,
): { output: tf.Tensor; weights: tf.Tensor } {
  assertTensor(q, "q");
  assertTensor(k, "k");
  assertTensor(v, "v");
  const r = q.rank;
  if (r < 2 || r > 4) throw new Error(`q must have rank 2 to 4 ([..., Tq, dK]), got shape [${q.shape}]`);
  const lead = q.shape.slice(0, r - 2);
  const [Tq, dK] = q.shape.slice(r - 2);
  assertShape(k, [...lead, null, dK], "k", [...lead.map(() => "·"), "Tk", "dK"]);
  const Tk = k.shape[r - 2];
  assertShape(v, [...lead, Tk, null], "v", [...lead.map(() => "·"), "Tk", "dV"]);
  if (mask !== undefined) {
    assertTensor(mask, "mask");
    const ms = mask.shape;
    const ok =
      ms.length >= 2 &&
      ms.length <= r &&
      (ms[ms.length - 2] === Tq || ms[ms.length - 2] === 1) &&
      (ms[ms.length - 1] === Tk || ms[ms.length - 1] === 1);
    if (!ok) throw new Error(`mask must broadcast to [..., Tq=${Tq}, Tk=${Tk}], got shape [${ms}]`);
  }
  return tf.tidy(() => {
    let scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dK)); // [..., Tq, Tk]
    if (mask !== undefined) scores = tf.add(scores, tf.mul(tf.sub(1, tf.cast(mask, "float32")), MASKED_SCORE));
    const weights = tf.softmax(scores, -1); // [..., Tq, Tk]
    const output = tf.matMul(weights, v); // [..., Tq, dV]
    return { output, weights };
  });
}

/**
 * The causal (look-ahead) mask: query t may attend to keys s ≤ t only.
 *   mask[t, s] = 1 if s ≤ t else 0   (lower triangle, diagonal included)
 * @returns shape [T, T], float32
 */
export function causalMask(T: number): tf.Tensor2D {
  assertInt(T, "T", 1);
  return tf.tidy(() => tf.linalg.bandPart(tf.ones([T, T]), -1, 0) as tf.Tensor2D); // [T, T]
}

/**
 * Splits the last dimension into H heads and moves heads before time.
 * @param x shape [B, T, D] (D divisible by H)
 * @returns shape [B, H, T, D/H]
 */
export function splitHeads(x: tf.Tensor3D, H: number): tf.Tensor4D {
  assertInt(H, "H", 1);
  assertShape(x, [null, null, null], "x", ["B", "T", "D"]);
  const [B, T, D] = x.shape;
  if (D % H !== 0) throw new Error(`D = ${D} must be divisible by the number of heads H = ${H}`);
  return tf.tidy(() => tf.transpose(tf.reshape(x, [B, T, H, D / H]), [0, 2, 1, 3]) as tf.Tensor4D); // [B, H, T, dHead]
}

/**
 * The inverse of {@link splitHeads}: heads back next to each other in the last dimension.
 * @param x shape [B, H, T, dHead]
 * @returns shape [B, T, H·dHead]
 */
export function mergeHeads(x: tf.Tensor4D): tf.Tensor3D {
  assertShape(x, [null, null, null, null], "x", ["B", "H", "T", "dHead"]);
  const [B, H, T, dHead] = x.shape;
  return tf.tidy(() => tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [B, T, H * dHead]) as tf.Tensor3D); // [B, T, D]
}

/** The weights of one multi-head self-attention layer; projections are y = x·W + b. */
export interface MultiHeadAttentionParams {
  /** Query, key, value and output projections, each shape [D, D]. */
  wQ: tf.Tensor2D;
  wK: tf.Tensor2D;
  wV: tf.Tensor2D;
  wO: tf.Tensor2D;
  /** Their biases, each shape [D]. */
  bQ: tf.Tensor1D;
  bK: tf.Tensor1D;
  bV: tf.Tensor1D;
  bO: tf.Tensor1D;
}

/** {@link MultiHeadAttentionParams} as trainable variables. */
export interface MultiHeadAttentionVariables extends MultiHeadAttentionParams {
  wQ: tf.Variable<tf.Rank.R2>;
  wK: tf.Variable<tf.Rank.R2>;
  wV: tf.Variable<tf.Rank.R2>;
  wO: tf.Variable<tf.Rank.R2>;
  bQ: tf.Variable<tf.Rank.R1>;
  bK: tf.Variable<tf.Rank.R1>;
  bV: tf.Variable<tf.Rank.R1>;
  bO: tf.Variable<tf.Rank.R1>;
}

/** Options of {@link createMultiHeadAttention}; every field has a default but dModel. */
export interface MultiHeadAttentionOptions {
  /** D, the model width (the input and output width). */
  dModel: number;
  /** H, attention heads (default 1; divides D). */
  heads?: number;
  /**
   * Multiplies the output projection's initial bound (default 1; a Transformer with L blocks
   * often uses 1/√(2L) so the residual stream does not grow with depth).
   */
  outScale?: number;
}

/** {@link MultiHeadAttentionOptions} with every default filled in. */
export type MultiHeadAttentionConfig = Required<MultiHeadAttentionOptions>;

/** A multi-head self-attention layer: its weights, its forward function, and dispose. */
export interface MultiHeadAttention extends MultiHeadAttentionVariables {
  config: MultiHeadAttentionConfig;
  /** wQ, wK, wV, wO, bQ, bK, bV, bO. */
  variables: tf.Variable[];
  /**
   * {@link multiHeadAttention} with this layer's weights and heads.
   * @param x shape [B, T, D] @param mask optional, shape [T, T] or broadcastable to [B, H, T, T]
   * @returns output shape [B, T, D]; weights shape [B, H, T, T]
   */
  apply(x: tf.Tensor3D, mask?: tf.Tensor): { output: tf.Tensor3D; weights: tf.Tensor4D };
  /** Frees the variables. */
  dispose(): void;
}

/**
 * A fresh multi-head attention layer: W ~ U(±1/√D) as PyTorch's nn.Linear (drawn in the order
 * wQ, wK, wV, wO), the output projection's bound times `outScale`, biases 0.
 */
export function createMultiHeadAttention(options: MultiHeadAttentionOptions): MultiHeadAttention {
  const config: MultiHeadAttentionConfig = { heads: 1, outScale: 1, ...options };
  const { dModel: D, heads: H, outScale } = config;
  assertInt(D, "dModel", 1);
  assertInt(H, "heads", 1);
  if (D % H !== 0) throw new Error(`dModel = ${D} must be divisible by heads = ${H}`);
  if (!(outScale > 0)) throw new Error(`outScale must be > 0, got ${outScale}`);
  const w = (scale = 1) => uniformVariable<tf.Rank.R2>([D, D], D, scale); // [D, D]
  const b = () => tf.tidy(() => tf.variable(tf.zeros([D]) as tf.Tensor1D)); // [D]
  const weights = { wQ: w(), wK: w(), wV: w(), wO: w(outScale), bQ: b(), bK: b(), bV: b(), bO: b() };
  const variables = [weights.wQ, weights.wK, weights.wV, weights.wO, weights.bQ, weights.bK, weights.bV, weights.bO];
  const layer: MultiHeadAttention = {
    ...weights,
    config,
    variables,
    apply: (x, mask) => multiHeadAttention(x, layer, H, mask),
    dispose: () => tf.dispose(variables),
  };
  return layer;
}

/** x·W + b for x of shape [B, T, Din], as one 2-D product. */
function project(x: tf.Tensor3D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor3D {
  const [B, T, Din] = x.shape;
  const y = tf.add(tf.matMul(tf.reshape(x, [B * T, Din]) as tf.Tensor2D, w), b); // [B·T, Dout]
  return tf.reshape(y, [B, T, w.shape[1]]) as tf.Tensor3D; // [B, T, Dout]
}

/**
 * Multi-head self-attention (Vaswani et al. 2017, section 3.2.2):
 *
 *   Q = x·W_Q + b_Q,  K = x·W_K + b_K,  V = x·W_V + b_V          [B, T, D]
 *   head_h = Attention(Q_h, K_h, V_h)  on each D/H-wide slice       [B, H, T, D/H]
 *   output = concat(head_1 … head_H)·W_O + b_O                       [B, T, D]
 *
 * @param x shape [B, T, D]
 * @param params the projections, see {@link MultiHeadAttentionParams}
 * @param H number of heads (divides D)
 * @param mask optional, 1 = may attend; shape [T, T] (e.g. causalMask(T)) or broadcastable to [B, H, T, T]
 * @returns output shape [B, T, D]; weights shape [B, H, T, T]
 */
export function multiHeadAttention(
  x: tf.Tensor3D,
  params: MultiHeadAttentionParams,
  H: number,
  mask?: tf.Tensor,
): { output: tf.Tensor3D; weights: tf.Tensor4D } {
  assertShape(x, [null, null, null], "x", ["B", "T", "D"]);
  const D = x.shape[2];
  for (const name of ["wQ", "wK", "wV", "wO"] as const) assertShape(params[name], [D, D], `params.${name}`, ["D", "D"]);
  for (const name of ["bQ", "bK", "bV", "bO"] as const) assertShape(params[name], [D], `params.${name}`, ["D"]);
  assertInt(H, "H", 1);
  if (D % H !== 0) throw new Error(`D = ${D} must be divisible by the number of heads H = ${H}`);
  return tf.tidy(() => {
    const q = splitHeads(project(x, params.wQ, params.bQ), H); // [B, H, T, dHead]
    const k = splitHeads(project(x, params.wK, params.bK), H); // [B, H, T, dHead]
    const v = splitHeads(project(x, params.wV, params.bV), H); // [B, H, T, dHead]
    const { output: heads, weights } = scaledDotProductAttention(q, k, v, mask); // [B, H, T, dHead], [B, H, T, T]
    const output = project(mergeHeads(heads as tf.Tensor4D), params.wO, params.bO); // [B, T, D]
    return { output, weights: weights as tf.Tensor4D };
  });
}

/**
 * The sinusoidal positional encoding (Vaswani et al. 2017, section 3.5):
 *
 *   PE(pos, 2i)     = sin(pos / 10000^(2i/D))
 *   PE(pos, 2i + 1) = cos(pos / 10000^(2i/D))
 *
 * Each pair of columns is a sine/cosine at one frequency, from 1 (period 2π) down to 1/10000,
 * so PE(pos + k) is a fixed rotation of PE(pos) for every pos.
 * @param T number of positions (0 … T − 1)
 * @param D width (even)
 * @returns shape [T, D]
 */
export function positionalEncoding(T: number, D: number): tf.Tensor2D {
  assertInt(T, "T", 1);
  assertInt(D, "D", 2);
  if (D % 2 !== 0) throw new Error(`D must be even (sine and cosine columns come in pairs), got ${D}`);
  const pe = new Float32Array(T * D);
  for (let pos = 0; pos < T; pos++) {
    for (let i = 0; i < D / 2; i++) {
      const angle = pos / Math.pow(10000, (2 * i) / D);
      pe[pos * D + 2 * i] = Math.sin(angle);
      pe[pos * D + 2 * i + 1] = Math.cos(angle);
    }
  }
  return tf.tensor2d(pe, [T, D]);
}
