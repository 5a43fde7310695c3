/**
 * Stage 08 exercises: the pieces of text to image (notebooks/08-text-to-image.ipynb, "Your turn"):
 * the VQ-VAE's quantizer, CLIP's contrastive loss, the prompt-then-sample loop, and (build it) the
 * prior's loss on the [caption ; image tokens] stream.
 * Replace each `throw new Error("TODO ...")` with your code, then run `npm run check -- 08`
 * (or `await checkExercises("08")` in the notebook). The library's versions (lib/vq.ts quantize,
 * lib/contrastive.ts clipLoss, lib/text-to-image.ts sampleTokens and priorLoss) do the same with
 * more checks.
 *
 * Shapes: N vectors (or pairs, or image tokens in 08.4), Dc code size, K codes, D embedding size,
 * P prompts, B batch, Lc caption tokens, Vt caption words, V = Vt + K.
 */
import * as tf from "@tensorflow/tfjs";
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
 * sg is the stop-gradient: `stopGradient(x)` (lib/vq.ts) has x's value and a zero gradient. The
 * argmin has no gradient at all, so without the straight-through term nothing reaches the encoder.
 * Both losses are means over all N·Dc numbers (as torch's F.mse_loss); ties go to the lower index.
 *
 * Hint: the squared distances [N, K] are `ze.expandDims(1).sub(codebook.expandDims(0))` squared
 * and summed over axis 2; `tf.argMin(dist, 1)` gives int32 indices. Pick the rows as
 * e = onehot(k)·codebook (`tf.oneHot(k, K).toFloat()`, then `tf.matMul`): tf.gather's gradient
 * fails when its indices depend on ze. Work inside `tf.tidy` and return all four tensors from it.
 *
 * @param ze encoder outputs, shape [N, Dc]
 * @param codebook the codes e_1..e_K, shape [K, Dc]
 * @returns zq [N, Dc], indices int32 [N], codebookLoss [] and commitmentLoss []
 */
export function quantize(ze: tf.Tensor2D, codebook: tf.Tensor2D): Quantized {
  throw new Error("TODO 08.1: k = argmin_k ‖ze − e_k‖², zq = ze + sg[e − ze], losses mean ‖sg[ze] − e‖² and mean ‖ze − sg[e]‖²");
}

/**
 * 08.2 CLIP's contrastive loss (Radford et al. 2021). Row i of the two batches is a matching
 * (image, caption) pair; every other row is a mismatch. With the rows scaled to length 1,
 *
 *   logits = exp(logScale) · Î·T̂ᵀ           shape [N, N]: cosine similarities, times the scale
 *   loss   = ½ (CE(logits, [0 … N−1]) + CE(logitsᵀ, [0 … N−1]))
 *
 * where CE(L, y) = −(1/N) Σ_i log softmax(L_i)[y_i]: each image must pick its own caption among
 * the N (the rows), and each caption its own image (the columns). logScale is the log of the
 * scale (a trained number in CLIP, kept positive through exp).
 *
 * Hint: `x.div(tf.norm(x, "euclidean", 1, true))` normalises the rows; `tf.exp(logScale)` takes a
 * number or a tf.Scalar; `tf.logSoftmax(logits)` works on rows, and the diagonal of an [N, N]
 * matrix is `m.mul(tf.eye(N)).sum(1)`.
 *
 * @param imageEmb image embeddings, shape [N, D] (any length; normalised here)
 * @param textEmb caption embeddings, shape [N, D], row i describes image i
 * @param logScale log of the logit scale (a number or a tf.Scalar)
 * @returns the loss, shape []
 */
export function clipLoss(imageEmb: tf.Tensor2D, textEmb: tf.Tensor2D, logScale: tf.Scalar | number): tf.Scalar {
  throw new Error("TODO 08.2: normalise the rows, logits = exp(logScale)·Î·T̂ᵀ, return the mean of the two cross-entropies");
}

/**
 * 08.3 The prompt-then-sample loop of a text-to-image prior (and of every language model):
 * `steps` times, ask `nextLogits` for the logits of the next token of every sequence so far,
 * draw one token per sequence, append it.
 *
 * `nextLogits(rows)` returns P·K numbers, row-major: row p is logits[p·K … (p+1)·K), the K
 * candidates for sequence p. Draw token k from softmax(logits_p / T), T = options.temperature:
 *
 *   w_k = exp((l_k − max_j l_j) / T),   r = rng()·Σ_k w_k,   token = the first k with w_0 + … + w_k > r
 *
 * one rng() per drawn token, rows in order. T = 0 means the argmax (the first, on ties) with no
 * rng() call; with options.topK only the topK largest logits keep their weight (ties kept), the
 * others get w_k = 0. Defaults: temperature 1, all K candidates, rng Math.random.
 *
 * Hint: copy each prompt first (`prompts.map((r) => [...r])`) and push onto the copies; pass the
 * copies, with the tokens drawn so far, to nextLogits; K = logits.length / P.
 *
 * @param nextLogits the model: sequences so far (P rows of equal length) → their next-token logits, [P·K]
 * @param prompts P prompts of ids (never changed)
 * @param steps how many tokens to draw per prompt
 * @param options temperature (default 1), topK (default all), rng (default Math.random)
 * @returns P sequences: the prompt, then `steps` drawn tokens (token k is candidate k)
 */
export function sampleTokens(nextLogits: NextTokenLogits, prompts: number[][], steps: number, options: SamplingOptions = {}): number[][] {
  throw new Error("TODO 08.3: steps times: logits = nextLogits(rows so far), draw one token per row from softmax(logits / T), append");
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
  throw new Error(
    "TODO 08.4: ids = [caption ; codes + Vt without the last], logits = model(ids), mean −log p of the N image tokens at positions Lc − 1 …",
  );
}
