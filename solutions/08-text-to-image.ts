/**
 * Stage 08 exercises: the pieces of text to image (notebooks/08-text-to-image.ipynb, "Your turn"):
 * the VQ-VAE's quantizer, CLIP's contrastive loss, the prompt-then-sample loop, and (build it) the
 * prior's loss on the [caption ; image tokens] stream.
 * Completed versions; the learner writes them in exercises/08-text-to-image.ts. The library's
 * versions (lib/vq.ts quantize, lib/contrastive.ts clipLoss, lib/text-to-image.ts sampleTokens and
 * priorLoss) do the same with more checks.
 *
 * Shapes: N vectors (or pairs, or image tokens in 08.4), Dc code size, K codes, D embedding size,
 * P prompts, B batch, Lc caption tokens, Vt caption words, V = Vt + K.
 */
import * as tf from "@tensorflow/tfjs";
import { assertInt, assertShape } from "../lib/assert";
import type { SamplingOptions } from "../lib/lm";
import type { NextTokenLogits } from "../lib/text-to-image";
import { stopGradient, type Quantized } from "../lib/vq";

/**
 * 08.1 Vector quantization with the straight-through estimator (van den Oord et al. 2017).
 * Each encoder output ze_i is replaced by its nearest code:
 *
 *   k_i = argmin_k ‖ze_i − e_k‖²,   e = the chosen codes e_{k_i}, shape [N, Dc]
 *   zq  = ze + sg[e − ze]                  (the value e; the gradient passed to ze unchanged)
 *   codebookLoss   = mean ‖sg[ze] − e‖²    (moves the codes; the encoder gets nothing)
 *   commitmentLoss = mean ‖ze − sg[e]‖²    (keeps ze near its code; the codebook gets nothing)
 *
 * @param ze encoder outputs, shape [N, Dc]
 * @param codebook the codes e_1..e_K, shape [K, Dc]
 * @returns zq [N, Dc], indices int32 [N], codebookLoss [] and commitmentLoss []
 */
export function quantize(ze: tf.Tensor2D, codebook: tf.Tensor2D): Quantized {
  assertShape(codebook, [null, null], "codebook", ["K", "Dc"]);
  assertShape(ze, [null, codebook.shape[1]], "ze", ["N", "Dc"]);
  const K = codebook.shape[0];
  return tf.tidy(() => {
    const diff = ze.expandDims(1).sub(codebook.expandDims(0)); // [N, K, Dc]
    const dist = diff.square().sum(2); // [N, K]
    const indices = tf.argMin(dist, 1) as tf.Tensor1D; // [N], int32
    const e = tf.matMul(tf.oneHot(indices, K).toFloat(), codebook); // [N, Dc]
    const zq = ze.add(stopGradient(e.sub(ze))) as tf.Tensor2D; // [N, Dc]
    const codebookLoss = stopGradient(ze).sub(e).square().mean() as tf.Scalar;
    const commitmentLoss = ze.sub(stopGradient(e)).square().mean() as tf.Scalar;
    return { zq, indices, codebookLoss, commitmentLoss };
  });
}

/**
 * 08.2 CLIP's contrastive loss (Radford et al. 2021). Row i of the two batches is a matching
 * (image, caption) pair; every other row is a mismatch. With the rows scaled to length 1,
 *
 *   logits = exp(logScale) · Î·T̂ᵀ           shape [N, N]: cosine similarities, times the scale
 *   loss   = ½ (CE(logits, [0 … N−1]) + CE(logitsᵀ, [0 … N−1]))
 *
 * where CE(L, y) = −(1/N) Σ_i log softmax(L_i)[y_i].
 *
 * @param imageEmb image embeddings, shape [N, D] (any length; normalised here)
 * @param textEmb caption embeddings, shape [N, D], row i describes image i
 * @param logScale log of the logit scale (a number or a tf.Scalar)
 * @returns the loss, shape []
 */
export function clipLoss(imageEmb: tf.Tensor2D, textEmb: tf.Tensor2D, logScale: tf.Scalar | number): tf.Scalar {
  assertShape(textEmb, imageEmb.shape, "textEmb", ["N", "D"]);
  const N = imageEmb.shape[0];
  return tf.tidy(() => {
    const unit = (x: tf.Tensor2D) => x.div(tf.norm(x, "euclidean", 1, true)) as tf.Tensor2D; // [N, D]
    const logits = tf.matMul(unit(imageEmb), unit(textEmb), false, true).mul(tf.exp(logScale)) as tf.Tensor2D; // [N, N]
    const eye = tf.eye(N); // [N, N]: the matching pairs
    // CE with targets 0 … N−1: minus the mean of the diagonal of log softmax over each row
    const ce = (l: tf.Tensor2D) => tf.logSoftmax(l).mul(eye).sum(1).mean().neg();
    return ce(logits).add(ce(logits.transpose())).div(2) as tf.Scalar;
  });
}

/**
 * 08.3 The prompt-then-sample loop: `steps` times, ask `nextLogits` for the logits of the next
 * token of every sequence so far, draw one token per sequence from softmax(logits / T)
 * (argmax at T = 0, only the topK largest logits with options.topK), append it.
 *
 * @param nextLogits the model: sequences so far (P rows of equal length) → their next-token logits, [P·K]
 * @param prompts P prompts of ids (never changed)
 * @param steps how many tokens to draw per prompt
 * @param options temperature (default 1), topK (default all), rng (default Math.random)
 * @returns P sequences: the prompt, then `steps` drawn tokens (token k is candidate k)
 */
export function sampleTokens(nextLogits: NextTokenLogits, prompts: number[][], steps: number, options: SamplingOptions = {}): number[][] {
  assertInt(steps, "steps", 0);
  const { temperature = 1, topK } = options;
  const rng = options.rng ?? Math.random;
  if (!(temperature >= 0)) throw new Error(`options.temperature must be ≥ 0, got ${temperature}`);
  if (topK !== undefined) assertInt(topK, "options.topK", 1);
  const rows = prompts.map((r) => [...r]);
  const P = rows.length;

  /** One draw from the K logits `l`. */
  const draw = (l: number[]): number => {
    const best = l.indexOf(Math.max(...l)); // the first largest
    if (temperature === 0) return best;
    const kept = topK === undefined ? -Infinity : [...l].sort((a, b) => b - a)[Math.min(topK, l.length) - 1];
    const w = l.map((x) => (x >= kept ? Math.exp((x - l[best]) / temperature) : 0)); // [K]
    let r = rng() * w.reduce((s, x) => s + x, 0);
    for (let k = 0; k < w.length; k++) {
      r -= w[k];
      if (r < 0 && w[k] > 0) return k;
    }
    return best; // r landed on the total through rounding
  };

  for (let n = 0; n < steps; n++) {
    const logits = nextLogits(rows); // [P·K]
    const K = logits.length / P;
    if (!Number.isInteger(K) || K < 1) throw new Error(`nextLogits must return P·K = ${P}·K logits, got ${logits.length}`);
    for (let p = 0; p < P; p++) rows[p].push(draw(Array.from(logits.subarray(p * K, (p + 1) * K))));
  }
  return rows;
}

/**
 * 08.4 Build it: the prior's training loss on DALL·E's stream (lib/text-to-image.ts priorInputs and
 * priorLoss, written out). A caption's word ids and an image's K codes become one sequence, and a
 * causal model learns it as a language; only the image tokens are scored:
 *
 *   image = codes + Vt                          image code k is id Vt + k of the joint vocabulary, [B, N]
 *   ids   = [c_1 … c_Lc, image_1 … image_{N−1}]  the model's input, [B, Lc + N − 1] (the last image
 *                                               token is never read: nothing comes after it)
 *   logits = model(ids)                         [B, Lc + N − 1, V]; position i predicts the token at i + 1
 *   loss  = −(1/(B·N)) Σ_b Σ_{n=1..N} log softmax(logits[b, Lc − 2 + n])[image_n]
 *
 * so position Lc − 1 (the last caption word) predicts image_1, and the last position image_N. The
 * caption's own words are inputs only (DALL·E weighs their loss by 1/8; here they get none).
 *
 * Hint: `tf.concat([captions, image.slice(…)], 1)`; the N scored positions are
 * `logits.slice([0, Lc − 1, 0], [B, N, V])`; pick each target's log-probability with
 * `tf.logSoftmax(…).mul(tf.oneHot(image, V)).sum(2)`, then the mean, negated. The ids must stay
 * int32: add Vt as `tf.scalar(Vt, "int32")` (a plain number makes them float32). Work in `tf.tidy`,
 * so that the loss keeps its gradient (an optimiser minimises it).
 *
 * @param model the causal network: ids int32 [B, L] → logits [B, L, V], V = Vt + K
 * @param captions caption ids, int32 [B, Lc]
 * @param codes image codes, int32 [B, N], values in [0, K)
 * @param textVocab Vt, the caption vocabulary's size
 * @returns nats per image token, shape []
 */
export function imageTokenLoss(
  model: (ids: tf.Tensor2D) => tf.Tensor3D,
  captions: tf.Tensor2D,
  codes: tf.Tensor2D,
  textVocab: number,
): tf.Scalar {
  assertShape(captions, [null, null], "captions", ["B", "Lc"]);
  assertShape(codes, [captions.shape[0], null], "codes", ["B", "N"]);
  const [B, Lc] = captions.shape;
  const N = codes.shape[1];
  return tf.tidy(() => {
    const image = codes.toInt().add(tf.scalar(textVocab, "int32")) as tf.Tensor2D; // [B, N], int32
    const ids = tf.concat([captions.toInt(), image.slice([0, 0], [B, N - 1])], 1) as tf.Tensor2D; // [B, Lc + N − 1]
    const logits = model(ids); // [B, Lc + N − 1, V]
    const V = logits.shape[2];
    const scored = logits.slice([0, Lc - 1, 0], [B, N, V]); // [B, N, V]: the positions that predict image tokens
    const logp = tf.logSoftmax(scored).mul(tf.oneHot(image, V)).sum(2); // [B, N]
    return logp.mean().neg() as tf.Scalar;
  });
}
