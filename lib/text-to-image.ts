/**
 * Text to image as DALL·E does it, in miniature: a caption's word tokens and an image's code
 * tokens (lib/vq's VQ-VAE) are written as one sequence, [caption ; image], and a decoder-only
 * Transformer (lib/transformer) learns it as a language. To draw, the caption is the prompt and the
 * image tokens are sampled left to right; the VQ decoder turns them into pixels.
 * Taught in notebooks/08-text-to-image.ipynb §3.
 *
 *   createPrior          the Transformer over the joint vocabulary (caption words, then K image codes)
 *   priorInputs          (caption ids, image codes) → the model's input ids and next-token targets
 *   priorLoss            nats per image token (the caption's own tokens are not scored)
 *   sampleTokens         the prompt-then-sample loop over plain arrays: temperature, top-k
 *   priorNextLogits      the prior as sampleTokens' next-token function (image codes only)
 *   samplePrior          sampleTokens on the prior: a caption in, N image codes out
 *   natsToBits           nats → bits
 *
 * Source: A. Ramesh et al., "Zero-Shot Text-to-Image Generation" (2021): 256 BPE text tokens and
 * 32 × 32 dVAE image tokens in one stream for a 12-billion-parameter Transformer; we have 6 words
 * and 7 × 7 codes, and score only the image tokens (DALL·E weighs the text loss by 1/8).
 *
 * Shapes: B batch, P prompts, Lc caption tokens (lib/captions' CAPTION_LENGTH), N image tokens
 * (h·w of the code grid), Vt caption vocabulary, K image codes, V = Vt + K.
 */
import * as tf from "@tensorflow/tfjs";
import { assertInt, assertShape } from "./assert";
import { sampleFromLogits, type SamplingOptions } from "./lm";
import { PAD } from "./text";
import { createTransformer, transformerForward, transformerLoss, type Transformer, type TransformerOptions } from "./transformer";

/** Options of {@link createPrior}: the sequence's parts, then lib/transformer's options. */
export interface PriorOptions extends Omit<TransformerOptions, "vocabSize" | "contextLength" | "causal" | "maskToken"> {
  /** Vt, caption word ids (lib/captions' CAPTION_VOCAB.length). */
  textVocab: number;
  /** Lc, caption tokens before the image (lib/captions' CAPTION_LENGTH). */
  textLength: number;
  /** K, image codes (the VQ-VAE's codebook size). */
  codes: number;
  /** N, image tokens (the code grid's h·w, 49 for 7 × 7). */
  imageTokens: number;
}

/** A prior: the Transformer and how its sequence is laid out. */
export interface Prior {
  config: Required<Pick<PriorOptions, "textVocab" | "textLength" | "codes" | "imageTokens">>;
  transformer: Transformer;
  variables: tf.Variable[];
  dispose(): void;
}

/**
 * A causal Transformer over V = Vt + K ids (image code k is id Vt + k) that reads Lc + N − 1
 * tokens: the caption and all image tokens but the last.
 */
export function createPrior(options: PriorOptions): Prior {
  const { textVocab, textLength, codes, imageTokens, ...rest } = options;
  assertInt(textVocab, "options.textVocab", 1);
  assertInt(textLength, "options.textLength", 1);
  assertInt(codes, "options.codes", 2);
  assertInt(imageTokens, "options.imageTokens", 1);
  const transformer = createTransformer({
    ...rest,
    vocabSize: textVocab + codes,
    contextLength: textLength + imageTokens - 1,
    causal: true,
  });
  return {
    config: { textVocab, textLength, codes, imageTokens },
    transformer,
    variables: transformer.variables,
    dispose: () => transformer.dispose(),
  };
}

/**
 * The training pair of DALL·E's stream: input x = [c₁ … c_Lc, z₁ … z_{N−1}] and targets
 * y = [PAD … PAD, z₁ … z_N] (each image token predicted from the caption and the tokens before it;
 * PAD targets are not scored). Image codes are shifted by Vt into the joint vocabulary.
 * @param captions int32 shape [B, Lc]
 * @param codes int32 shape [B, N], values in [0, K)
 * @returns ids and targets, int32 shape [B, Lc + N − 1] each
 */
export function priorInputs(prior: Prior, captions: tf.Tensor2D, codes: tf.Tensor2D): { ids: tf.Tensor2D; targets: tf.Tensor2D } {
  const { textVocab: Vt, textLength: Lc, imageTokens: N } = prior.config;
  assertShape(captions, [null, Lc], "captions", ["B", "Lc"]);
  assertShape(codes, [captions.shape[0], N], "codes", ["B", "N"]);
  const B = captions.shape[0];
  return tf.tidy(() => {
    const image = tf.add(codes.toInt(), Vt); // [B, N]
    const ids = tf.concat([captions.toInt(), tf.slice(image, [0, 0], [B, N - 1])], 1) as tf.Tensor2D; // [B, Lc + N − 1]
    const pads = tf.fill([B, Lc - 1], PAD, "int32"); // [B, Lc − 1]
    const targets = tf.concat([pads, image], 1) as tf.Tensor2D; // [B, Lc + N − 1]
    return { ids, targets };
  });
}

/**
 * Nats per image token: −(1/N) Σ_n log p(z_n | caption, z_<n), averaged over the batch.
 * @param captions int32 shape [B, Lc]
 * @param codes int32 shape [B, N]
 * @returns shape []
 */
export function priorLoss(prior: Prior, captions: tf.Tensor2D, codes: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const { ids, targets } = priorInputs(prior, captions, codes);
    return transformerLoss(prior.transformer, ids, targets);
  });
}

/** Options of {@link samplePrior}: lib/lm's temperature, topK and rng. */
export type PriorSamplingOptions = SamplingOptions;

/**
 * The logits of the next token of each sequence.
 * @param rows P sequences of ids so far (all the same length)
 * @returns shape [P, K] row-major: row p holds the K candidates' logits for sequence p
 */
export type NextTokenLogits = (rows: number[][]) => Float32Array;

/**
 * The prompt-then-sample loop, written once over plain arrays: `steps` times, ask for the next
 * token's logits of every sequence, draw one token per row from softmax(logits / temperature)
 * (lib/lm's sampleFromLogits: top-k, argmax at temperature 0), and append it.
 * @param prompts P prompts of ids (each row is copied, never changed)
 * @returns the P sequences, prompt then `steps` drawn tokens (token k is candidate k of the logits)
 */
export function sampleTokens(nextLogits: NextTokenLogits, prompts: number[][], steps: number, options: SamplingOptions = {}): number[][] {
  assertInt(steps, "steps", 0);
  const rows = prompts.map((r) => [...r]);
  const P = rows.length;
  const rng = options.rng ?? Math.random;
  for (let n = 0; n < steps; n++) {
    const logits = nextLogits(rows);
    const K = logits.length / P;
    if (!Number.isInteger(K) || K < 1) throw new Error(`nextLogits must return P·K = ${P}·K logits, got ${logits.length}`);
    for (let p = 0; p < P; p++) rows[p].push(sampleFromLogits(logits.subarray(p * K, (p + 1) * K), { ...options, rng }));
  }
  return rows;
}

/**
 * The prior as a next-token function for {@link sampleTokens}: rows hold the caption's ids, then
 * image codes k (written as ids Vt + k inside the model); the result is the last position's logits
 * of the K image codes only, so a caption word cannot be drawn inside the image.
 */
export function priorNextLogits(prior: Prior): NextTokenLogits {
  const { textVocab: Vt, textLength: Lc, codes: K } = prior.config;
  return (rows) => {
    const P = rows.length;
    const T = rows[0].length;
    const logits = tf.tidy(() => {
      const ids = tf.tensor2d(
        rows.map((r) => r.map((id, i) => (i < Lc ? id : id + Vt))),
        [P, T],
        "int32",
      ); // [P, T]
      const all = transformerForward(prior.transformer, ids).logits; // [P, T, V]
      return tf.slice(all, [0, T - 1, Vt], [P, 1, K]).reshape([P, K]); // [P, K]: the next image token
    });
    const values = logits.dataSync() as Float32Array;
    logits.dispose();
    return values;
  };
}

/**
 * Draws images' tokens from the prior: {@link sampleTokens} with the caption as the prompt and,
 * as the next-token logits, the last position's logits of the K image codes only (a caption word
 * cannot be drawn inside the image).
 * @param captions int32 shape [P, Lc], one prompt per row (repeat a row to draw several images)
 * @returns image codes, int32 shape [P, N], values in [0, K)
 */
export function samplePrior(prior: Prior, captions: tf.Tensor2D, options: PriorSamplingOptions = {}): tf.Tensor2D {
  const { textLength: Lc, imageTokens: N } = prior.config;
  assertShape(captions, [null, Lc], "captions", ["P", "Lc"]);
  const P = captions.shape[0];
  if (P === 0) return tf.zeros([0, N], "int32") as tf.Tensor2D;
  const rows = sampleTokens(priorNextLogits(prior), captions.arraySync() as number[][], N, options);
  return tf.tensor2d(
    rows.map((r) => r.slice(Lc)),
    [P, N],
    "int32",
  );
}

/** Nats to bits: x / ln 2. */
export function natsToBits(nats: number): number {
  return nats / Math.LN2;
}
