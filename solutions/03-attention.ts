/**
 * Stage 03 exercises: attention by hand (notebooks/03-attention-and-transformers.ipynb,
 * "Exercises"). Replace each `throw new Error("TODO ...")` with your code, then run
 * `npm run check -- 03` (or `await checkExercises("03")` in the notebook).
 *
 * Shapes: B batch, T positions (Tq queries, Tk keys), dK key width, dV value width, D model
 * width, F the MLP's hidden width, H heads, V vocabulary. Masks hold 1 (may attend) and 0 (may not).
 */
import * as tf from "@tensorflow/tfjs";
import { causalMask as libCausalMask, multiHeadAttention, type MultiHeadAttentionParams } from "../lib/attention";
import { layerNorm } from "../lib/transformer";
import { assertShape } from "../lib/assert";

/**
 * 03.1 Scaled dot-product attention with an optional mask (Vaswani et al. 2017, eq. 1):
 *
 *   scores  = q·kᵀ / √dK                 one score per (query, key) pair    [..., Tq, Tk]
 *   scores  = scores + (1 − mask)·(−1e9)  masked pairs: a huge negative score
 *   weights = softmax(scores)            over the KEYS (the last axis): each row sums to 1
 *   output  = weights·v                                                      [..., Tq, dV]
 *
 * The mask goes in BEFORE the softmax, so the remaining weights still sum to 1.
 *
 * Hint: `tf.matMul(q, k, false, true)` is q·kᵀ; dK is `q.shape[q.rank - 1]`; `tf.softmax(x, -1)`;
 * work inside `tf.tidy` and return both tensors from it.
 *
 * @param q queries, shape [..., Tq, dK]
 * @param k keys, shape [..., Tk, dK]
 * @param v values, shape [..., Tk, dV]
 * @param mask optional, shape [Tq, Tk]: 1 = may attend, 0 = may not
 * @returns output shape [..., Tq, dV] and weights shape [..., Tq, Tk]
 */
export function attention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask?: tf.Tensor2D): { output: tf.Tensor; weights: tf.Tensor } {
  return tf.tidy(() => {
    const dK = q.shape[q.rank - 1];
    let scores = tf.div(tf.matMul(q, k, false, true), Math.sqrt(dK)); // [..., Tq, Tk]
    if (mask) scores = tf.add(scores, tf.mul(tf.sub(1, mask), -1e9));
    const weights = tf.softmax(scores, -1); // [..., Tq, Tk]
    return { output: tf.matMul(weights, v), weights }; // [..., Tq, dV]
  });
}

/**
 * 03.2 The causal mask: position t may look at positions s ≤ t (itself and the past), never
 * at the future.
 *
 *   mask[t][s] = 1 if s ≤ t, else 0        e.g. T = 3: [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
 *
 * Hint: `tf.linalg.bandPart(tf.ones([T, T]), -1, 0)` keeps the lower triangle; or build the
 * numbers in a loop and call `tf.tensor2d`.
 *
 * @returns shape [T, T]
 */
export function causalMask(T: number): tf.Tensor2D {
  return tf.tidy(() => tf.linalg.bandPart(tf.ones([T, T]), -1, 0) as tf.Tensor2D);
}

/**
 * 03.3 The sinusoidal positional encoding (Vaswani et al. 2017, section 3.5):
 *
 *   PE[pos][2i]     = sin(pos / 10000^(2i / D))
 *   PE[pos][2i + 1] = cos(pos / 10000^(2i / D))
 *
 * So PE[1][0] = sin 1 and PE[1][1] = cos 1. D is even.
 *
 * Hint: fill a `Float32Array(T * D)` in two loops (pos, then i from 0 to D/2 − 1) and return
 * `tf.tensor2d(values, [T, D])`.
 *
 * @returns shape [T, D]
 */
export function positionalEncoding(T: number, D: number): tf.Tensor2D {
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

/**
 * 03.4 Draw the next character from logits with a temperature:
 *
 *   p_i = exp(logits_i / temperature) / Σ_j exp(logits_j / temperature)
 *
 * then pick index i by the inverse CDF with ONE uniform number r = rng(): the first i with
 * r < p_0 + … + p_i. Temperature 0 means "always the most likely" (return the argmax and do
 * not call rng). Below 1 sharpens the distribution, above 1 flattens it.
 *
 * Hint: subtract the largest logit before `Math.exp` so large logits do not overflow.
 *
 * @param logits shape [V], plain numbers
 * @param temperature ≥ 0
 * @param rng uniform numbers in [0, 1)
 * @returns an index in [0, V)
 */
export function sampleWithTemperature(logits: number[], temperature: number, rng: () => number): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  if (temperature === 0) return best;
  const weights = logits.map((l) => Math.exp((l - logits[best]) / temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  const r = rng();
  let cumulative = 0;
  for (let i = 0; i < weights.length; i++) {
    cumulative += weights[i] / total;
    if (r < cumulative) return i;
  }
  return logits.length - 1;
}

/** One block's weights: two LayerNorms, the attention projections, the MLP (lib/transformer.ts's layout). */
export interface BlockParams {
  /** The first LayerNorm's scale and shift, each shape [D]. */
  norm1: { gamma: tf.Tensor1D; beta: tf.Tensor1D };
  /** wQ, wK, wV, wO shape [D, D] and bQ, bK, bV, bO shape [D] (lib/attention.ts's MultiHeadAttentionParams). */
  attention: MultiHeadAttentionParams;
  /** The second LayerNorm's scale and shift, each shape [D]. */
  norm2: { gamma: tf.Tensor1D; beta: tf.Tensor1D };
  /** The MLP: w1 [D, F], b1 [F], w2 [F, D], b2 [D] (F, the hidden width, is usually 4D). */
  w1: tf.Tensor2D;
  b1: tf.Tensor1D;
  w2: tf.Tensor2D;
  b2: tf.Tensor1D;
}

/**
 * 03.5 Build it: one pre-norm Transformer block (GPT-2 layout, notebook section 8), with the
 * causal mask, from lib pieces and the weights given:
 *
 *   h   = LayerNorm(x; norm1)                               [B, T, D]
 *   a   = MultiHeadAttention(h, causal mask [T, T], H heads) → output a, weights [B, H, T, T]
 *   x1  = x + a                                             the first residual connection
 *   m   = GELU(LayerNorm(x1; norm2)·w1 + b1)·w2 + b2        [B, T, F] → [B, T, D]
 *   out = x1 + m                                            the second residual connection
 *
 * with GELU's tanh form, GELU(u) = ½u(1 + tanh(√(2/π)(u + 0.044715u³))). Each LayerNorm reads the
 * residual stream and the residual adds to it (pre-norm): the stream itself is never normalised.
 *
 * Hint: lib/transformer.ts's `layerNorm(x2d, gamma, beta)` works on [N, D], so reshape [B, T, D] to
 * [B·T, D] and back; `libCausalMask(T)` and `multiHeadAttention(h, params.attention, heads, mask)`
 * (lib/attention.ts's, imported at the top, so this works before 03.1 and 03.2 are done) do the attention; the MLP is two `tf.matMul`s on [B·T, …]. Work inside `tf.tidy`.
 *
 * @param x the residual stream, shape [B, T, D]
 * @param params the block's weights, see {@link BlockParams}
 * @param heads H, the number of attention heads (divides D)
 * @returns output shape [B, T, D]; the attention weights shape [B, H, T, T]
 */
export function transformerBlock(x: tf.Tensor3D, params: BlockParams, heads: number): { output: tf.Tensor3D; weights: tf.Tensor4D } {
  assertShape(x, [null, null, null], "x", ["B", "T", "D"]);
  const [B, T, D] = x.shape;
  return tf.tidy(() => {
    const rows = (t: tf.Tensor) => tf.reshape(t, [B * T, -1]) as tf.Tensor2D; // [B·T, ·]
    const mask = libCausalMask(T); // [T, T]
    const h = tf.reshape(layerNorm(rows(x), params.norm1.gamma, params.norm1.beta), [B, T, D]) as tf.Tensor3D; // [B, T, D]
    const { output: a, weights } = multiHeadAttention(h, params.attention, heads, mask); // [B, T, D], [B, H, T, T]
    const x1 = tf.add(rows(x), rows(a)) as tf.Tensor2D; // [B·T, D]
    const u = tf.add(tf.matMul(layerNorm(x1, params.norm2.gamma, params.norm2.beta), params.w1), params.b1); // [B·T, F]
    const gelu = tf.mul(tf.mul(0.5, u), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(u, tf.mul(0.044715, tf.pow(u, 3)))))));
    const m = tf.add(tf.matMul(gelu as tf.Tensor2D, params.w2), params.b2); // [B·T, D]
    return { output: tf.reshape(tf.add(x1, m), [B, T, D]) as tf.Tensor3D, weights };
  });
}
