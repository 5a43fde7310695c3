/**
 * What every character-level language model of stages 2–3 shares (notebooks/02-neural-language-models
 * and 03-attention-and-transformers): the loss in nats per character, the sampler, and scoring on
 * held-out documents. The models themselves live in lib/language-models.ts (bigram, MLP, LSTM)
 * and lib/transformer.ts.
 *
 *   charCrossEntropy     −(1/N) Σ log p(c_t | c_<t) in nats, PAD targets skipped
 *   sampleFromLogits     one draw from softmax(logits / temperature), optionally top-k
 *   NextCharacterModel   documents so far → the logits of each one's next character
 *   generateDocuments    sample whole documents left to right from any next-character model
 *   logitsAt / lastPositionLogits   the logits at one position of a sequence model's output
 *   documentNats         nats per character of a sequence model on documents, in chunks
 *
 * Every model is scored on the same targets (lib/text.ts): each character of each held-out
 * document and its end boundary, given the document's earlier characters. The uniform model
 * scores ln V nats per character.
 *
 * Shapes: B batch, T positions, N scored characters, V vocabulary; n documents being sampled,
 * Tp the length of their prefix so far.
 */
import * as tf from "@tensorflow/tfjs";
import { assertInt, assertShape } from "./assert";
import { targetLogSoftmax } from "./engine/ops";
import { PAD, decode, documentBatch, maxContext, type Vocabulary } from "./text";

/**
 * Mean negative log-likelihood in nats per scored character:
 *
 *   loss = −(1/N) Σ_{t scored} log softmax(logits_t)[y_t]
 *
 * @param logits shape [N, V] or [B, T, V]
 * @param targets int32, shape [N] or [B, T]; PAD (−1) marks unscored positions
 * @returns shape [] (nats per character)
 */
export function charCrossEntropy(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  if (logits.rank !== targets.rank + 1 || logits.rank < 2) {
    throw new Error(`logits must have shape [...targets.shape, V]: got logits [${logits.shape}] and targets [${targets.shape}]`);
  }
  assertShape(logits, [...targets.shape, null], "logits", [...targets.shape.map(() => "·"), "V"]);
  if (targets.dtype !== "int32") throw new Error(`targets must be int32 ids, got ${targets.dtype}`);
  const V = logits.shape[logits.rank - 1];
  return tf.tidy(() => {
    const flatTargets = tf.reshape(targets, [-1]) as tf.Tensor1D; // [N]
    const logP = targetLogSoftmax(tf.reshape(logits, [-1, V]) as tf.Tensor2D, flatTargets); // [N]: log p(y_t | c_<t)
    const scored = tf.cast(tf.notEqual(flatTargets, PAD), "float32"); // [N]: 1 where y_t is not PAD
    return tf.div(tf.neg(tf.sum(tf.mul(logP, scored))), tf.maximum(tf.sum(scored), 1)) as tf.Scalar;
  });
}

/** Options of {@link sampleFromLogits} and {@link generateDocuments}. */
export interface SamplingOptions {
  /** Divide the logits by this before the softmax (default 1). Below 1 sharpens, above 1 flattens; 0 takes the argmax. */
  temperature?: number;
  /** Keep only the k most likely characters (default: all). */
  topK?: number;
  /** Uniform generator in [0, 1) (default Math.random, seeded by lib/random's `seed`). */
  rng?: () => number;
}

/**
 * One draw from p ∝ exp(logits / temperature), restricted to the topK largest logits.
 * @param logits shape [V], plain numbers
 * @returns an index in [0, V)
 */
export function sampleFromLogits(logits: ArrayLike<number>, options: SamplingOptions = {}): number {
  const { temperature = 1, topK, rng = Math.random } = options;
  const V = logits.length;
  if (V === 0) throw new Error("logits must not be empty");
  if (!(temperature >= 0)) throw new Error(`temperature must be ≥ 0, got ${temperature}`);
  if (topK !== undefined) assertInt(topK, "topK", 1);
  let best = 0;
  for (let i = 1; i < V; i++) if (logits[i] > logits[best]) best = i;
  if (temperature === 0) return best;
  // Threshold of the top-k: the k-th largest logit (ties kept).
  let threshold = -Infinity;
  if (topK !== undefined && topK < V) threshold = Array.from(logits).sort((a, b) => b - a)[topK - 1];
  const weights = new Float64Array(V);
  let total = 0;
  for (let i = 0; i < V; i++) {
    if (logits[i] >= threshold) {
      weights[i] = Math.exp((logits[i] - logits[best]) / temperature);
      total += weights[i];
    }
  }
  let r = rng() * total;
  for (let i = 0; i < V; i++) {
    r -= weights[i];
    if (r < 0 && weights[i] > 0) return i;
  }
  return best;
}

/**
 * A next-character model for sampling: given the documents so far, the logits of the next
 * character of each.
 * @param prefix int32 shape [n, Tp] (n documents, Tp characters so far), every row starting with the boundary (id 0)
 * @returns shape [n, V]
 */
export type NextCharacterModel = (prefix: tf.Tensor2D) => tf.Tensor2D;

/** Options of {@link generateDocuments}. */
export interface GenerateOptions extends SamplingOptions {
  /** How many documents (default 5). */
  count?: number;
  /** Stop a document after this many characters even without the end boundary (default 30). */
  maxLength?: number;
}

/**
 * Samples documents left to right: start every row from the boundary, ask the model for the
 * next character's logits, draw one (temperature, top-k), append, repeat until each row has
 * drawn the boundary or has maxLength characters. This is the autoregressive factorisation
 * p(c₁ … cₙ) = Π_t p(c_t | c_<t) run forwards.
 * @returns the documents, without boundaries
 */
export function generateDocuments(model: NextCharacterModel, vocab: Vocabulary, options: GenerateOptions = {}): string[] {
  const { count = 5, maxLength = 30 } = options;
  assertInt(count, "count", 1);
  assertInt(maxLength, "maxLength", 1);
  const rows: number[][] = Array.from({ length: count }, () => [0]);
  const done = new Array<boolean>(count).fill(false);
  for (let t = 0; t < maxLength && done.includes(false); t++) {
    const logits = tf.tidy(() => {
      const out = model(tf.tensor2d(rows.flat(), [count, t + 1], "int32"));
      assertShape(out, [count, vocab.size], "model(prefix)", ["n", "V"]);
      return out.arraySync();
    });
    for (let i = 0; i < count; i++) {
      const next = done[i] ? 0 : sampleFromLogits(logits[i], options);
      rows[i].push(next);
      if (next === 0) done[i] = true;
    }
  }
  return rows.map((ids) => {
    const end = ids.indexOf(0, 1);
    return decode(vocab, ids.slice(1, end === -1 ? undefined : end));
  });
}

/**
 * The logits at position t of every row: what a sequence model predicts there.
 * @param logits shape [B, T, V]
 * @param t a position in [0, T)
 * @returns shape [B, V]
 */
export function logitsAt(logits: tf.Tensor3D, t: number): tf.Tensor2D {
  assertShape(logits, [null, null, null], "logits", ["B", "T", "V"]);
  const [B, T, V] = logits.shape;
  assertInt(t, "t", 0, T - 1);
  return tf.tidy(() => tf.reshape(tf.slice(logits, [0, t, 0], [B, 1, V]), [B, V]) as tf.Tensor2D); // [B, V]
}

/**
 * The logits at the last position of every row: a causal model's prediction of the next character.
 * @param logits shape [B, T, V]
 * @returns shape [B, V]
 */
export function lastPositionLogits(logits: tf.Tensor3D): tf.Tensor2D {
  assertShape(logits, [null, null, null], "logits", ["B", "T", "V"]);
  return logitsAt(logits, logits.shape[1] - 1);
}

/** Options of {@link documentNats}. */
export interface DocumentNatsOptions {
  /** Documents per forward pass (default 64: logits [64, T, V] stay small for large V). */
  batchSize?: number;
  /** T (default: maxContext(documents)). */
  contextLength?: number;
  /** Score only these target positions t, columns of documentBatch's y (default all, 0 … T − 1). */
  positions?: readonly number[];
  /**
   * Score each position t with its own pass, on this input instead of x (default: one pass on x
   * scores every position). A model that sees both sides is scored so: hide x[:, t + 1], which
   * is the target y[:, t], and read the logits there (readAt t + 1).
   * @param x int32 shape [B, T] @returns int32 shape [B, T]
   */
  inputAt?: (x: tf.Tensor2D, t: number) => tf.Tensor2D;
  /** The position whose logits score target y[:, t] (default t, a causal model's). */
  readAt?: (t: number) => number;
}

/**
 * Nats per character of a sequence model on documents (lib/text documentBatch framing), run
 * in chunks and weighted by the number of scored characters, so it equals one big batch.
 * @param logitsOf ids [B, T] → logits [B, T, V] (e.g. an LSTM or a Transformer)
 */
export function documentNats(
  logitsOf: (x: tf.Tensor2D) => tf.Tensor3D,
  vocab: Vocabulary,
  documents: readonly string[],
  options: DocumentNatsOptions = {},
): number {
  const { batchSize = 64, contextLength = maxContext(documents), positions, inputAt, readAt } = options;
  assertInt(batchSize, "batchSize", 1);
  positions?.forEach((t, i) => assertInt(t, `options.positions[${i}]`, 0, contextLength - 1));
  const byPosition = positions !== undefined || inputAt !== undefined || readAt !== undefined;
  let total = 0;
  let count = 0;
  /** Adds one batch of logits [..., V] against targets [...]. */
  const score = (logits: tf.Tensor, targets: tf.Tensor) => {
    const [nats, scored] = tf.tidy(() => {
      const n = tf.sum(tf.cast(tf.notEqual(targets, PAD), "float32"));
      return [charCrossEntropy(logits, targets).dataSync()[0], n.dataSync()[0]];
    });
    total += nats * scored;
    count += scored;
  };
  for (let start = 0; start < documents.length; start += batchSize) {
    tf.tidy(() => {
      const { x, y } = documentBatch(vocab, documents.slice(start, start + batchSize), contextLength); // [B, T] each
      if (!byPosition) return score(logitsOf(x), y);
      const whole = inputAt === undefined ? logitsOf(x) : undefined; // [B, T, V]
      for (const t of positions ?? Array.from({ length: contextLength }, (_, i) => i)) {
        tf.tidy(() => {
          const logits = inputAt === undefined ? (whole as tf.Tensor3D) : logitsOf(inputAt(x, t)); // [B, T, V]
          score(logitsAt(logits, readAt === undefined ? t : readAt(t)), tf.reshape(tf.slice(y, [0, t], [-1, 1]), [-1])); // [B, V], [B]
        });
      }
    });
  }
  return total / count;
}
