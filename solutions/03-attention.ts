/**
 * Stage 03 exercises: attention by hand (notebooks/03-attention-and-transformers.ipynb,
 * "Exercises"). Replace each `throw new Error("TODO ...")` with your code, then run
 * `npm run check -- 03` (or `await checkExercises("03")` in the notebook).
 *
 * Shapes: B batch, T positions (Tq queries, Tk keys), dK key width, dV value width, D model
 * width, V vocabulary. Masks hold 1 (may attend) and 0 (may not).
 */
import * as tf from "@tensorflow/tfjs";

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
