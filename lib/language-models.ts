/**
 * Character-level language models before attention (stage 2, notebooks/02-neural-language-models),
 * and what every language model of stages 2–3 shares: the loss in nats per character and the
 * sampler.
 *
 *   charCrossEntropy     −(1/N) Σ log p(c_t | c_<t) in nats, PAD targets skipped
 *   sampleFromLogits     one draw from softmax(logits / temperature), optionally top-k
 *   generateDocuments    sample whole documents left to right from any next-character model
 *   documentNats         nats per character of a sequence model on documents, in chunks
 *   fitBigram …          bigram counts with add-alpha smoothing (Shannon 1948; Laplace smoothing)
 *   initMLP / mlpLogits  an MLP over the last k characters (Bengio, Ducharme, Vincent & Jauvin,
 *                        "A Neural Probabilistic Language Model", 2003)
 *   createLSTM           an LSTM language model with tf.layers (Hochreiter & Schmidhuber,
 *                        "Long Short-Term Memory", 1997); the layer is not the lesson here
 *
 * Every model is scored on the same targets (lib/text.ts): each character of each held-out
 * document and its end boundary, given the document's earlier characters. The uniform model
 * scores ln V nats per character.
 *
 * Shapes: B batch, T positions, N pairs, k context size, V vocabulary, E embedding width,
 * Hd hidden width.
 */
import * as tf from "@tensorflow/tfjs";
import { assertInt, assertShape } from "./assert";
import { TARGET_LOG_SOFTMAX_GRAD_KERNEL, TARGET_LOG_SOFTMAX_KERNEL } from "./engine/kernels";
import { PAD, contextWindows, decode, documentBatch, maxContext, type Vocabulary } from "./text";

// ---------------------------------------------------------------------------------------------
// Loss and sampling (shared by stages 2 and 3)

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
    const flatLogits = tf.reshape(logits, [-1, V]) as tf.Tensor2D; // [N, V]
    const flatTargets = tf.reshape(targets, [-1]) as tf.Tensor1D; // [N]
    const scored = tf.cast(tf.notEqual(flatTargets, PAD), "float32"); // [N]
    const logP = targetLogSoftmax(flatLogits, flatTargets); // [N]
    return tf.div(tf.neg(tf.sum(tf.mul(logP, scored))), tf.maximum(tf.sum(scored), 1)) as tf.Scalar;
  });
}

/**
 * log softmax(logits_n)[y_n] for each row n (0 where y_n is PAD).
 * Where the course's compiled kernels are available (wasm and cpu with the BLAS addon,
 * lib/engine/kernels.ts) it is one pass over [N, V] each way, with the gradient
 *   ∂ log softmax(x)[y] / ∂x_i = [i = y] − softmax(x)_i;
 * elsewhere the same numbers from tf ops.
 * @param logits shape [N, V]
 * @param targets int32, shape [N]
 * @returns shape [N]
 */
function targetLogSoftmax(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  const V = logits.shape[1];
  if (tf.getKernel(TARGET_LOG_SOFTMAX_KERNEL, tf.getBackend()) === undefined) {
    // An int32 oneHot cast to float (a float oneHot is wrong on wasm, see the course README).
    const picked = tf.cast(tf.oneHot(tf.maximum(targets, tf.scalar(0, "int32")) as tf.Tensor1D, V), "float32"); // [N, V]
    return tf.sum(tf.mul(tf.logSoftmax(logits), picked), -1) as tf.Tensor1D; // [N]
  }
  const ids = targets.toInt();
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor; // [N, V]
    const save = args[1] as tf.GradSaveFunc;
    const [logP, logSumExp] = tf.engine().runKernel(TARGET_LOG_SOFTMAX_KERNEL, { logits: x, targets: ids }) as tf.Tensor[]; // [N], [N]
    save([x, logSumExp, ids]); // kept alive for the backward pass, which runs after this scope
    return {
      value: logP,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel(TARGET_LOG_SOFTMAX_GRAD_KERNEL, { logits: saved[0], lse: saved[1], targets: saved[2], dy }) as tf.Tensor, // [N, V]
    };
  });
  return f(logits) as tf.Tensor1D;
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
 * @param prefix int32 shape [n, L], every row starting with the boundary (id 0)
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

/** Options of {@link documentNats}. */
export interface DocumentNatsOptions {
  /** Documents per forward pass (default 64: logits [64, T, V] stay small for large V). */
  batchSize?: number;
  /** T (default: maxContext(documents)). */
  contextLength?: number;
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
  const { batchSize = 64, contextLength = maxContext(documents) } = options;
  assertInt(batchSize, "batchSize", 1);
  let total = 0;
  let count = 0;
  for (let start = 0; start < documents.length; start += batchSize) {
    const [nats, scored] = tf.tidy(() => {
      const { x, y } = documentBatch(vocab, documents.slice(start, start + batchSize), contextLength);
      const n = tf.sum(tf.cast(tf.notEqual(y, PAD), "float32"));
      return [charCrossEntropy(logitsOf(x), y).dataSync()[0], n.dataSync()[0]];
    });
    total += nats * scored;
    count += scored;
  }
  return total / count;
}

// ---------------------------------------------------------------------------------------------
// Bigram counts

/** A bigram model: counts of (previous, next) pairs with add-alpha smoothing. */
export interface BigramModel {
  V: number;
  /** Pseudo-count added to every pair. */
  alpha: number;
  /** counts[prev] maps next → count (sparse: large vocabularies have mostly empty rows). */
  counts: Map<number, number>[];
  /** Number of pairs starting with each previous character; shape [V]. */
  rowTotals: Float64Array;
}

/**
 * Counts every (previous, next) pair of the framed documents (lib/text contextWindows, k = 1):
 *   p(next | prev) = (count(prev, next) + alpha) / (count(prev) + alpha·V)
 * @param alpha pseudo-count (default 1, Laplace); 0 is the maximum-likelihood table
 */
export function fitBigram(vocab: Vocabulary, documents: readonly string[], alpha = 1): BigramModel {
  if (!(alpha >= 0)) throw new Error(`alpha must be ≥ 0, got ${alpha}`);
  const V = vocab.size;
  const counts = Array.from({ length: V }, () => new Map<number, number>());
  const rowTotals = new Float64Array(V);
  const { context, target, n } = contextWindows(vocab, documents, 1);
  for (let i = 0; i < n; i++) {
    const row = counts[context[i]];
    row.set(target[i], (row.get(target[i]) ?? 0) + 1);
    rowTotals[context[i]]++;
  }
  return { V, alpha, counts, rowTotals };
}

/** p(next | prev) of a bigram model. */
export function bigramProb(model: BigramModel, prev: number, next: number): number {
  const { V, alpha, counts, rowTotals } = model;
  const denominator = rowTotals[prev] + alpha * V;
  if (denominator === 0) return 1 / V; // an unseen previous character with alpha 0
  return ((counts[prev].get(next) ?? 0) + alpha) / denominator;
}

/** The bigram's next-character distribution after `prev`; shape [V]. */
export function bigramRow(model: BigramModel, prev: number): Float64Array {
  const row = new Float64Array(model.V);
  for (let j = 0; j < model.V; j++) row[j] = bigramProb(model, prev, j);
  return row;
}

/** The count table as a dense [V, V] array (for the heatmap of a small vocabulary). */
export function bigramCounts(model: BigramModel): number[][] {
  if (model.V > 200) throw new Error(`bigramCounts draws a dense [V, V] table; V = ${model.V} is too large (≤ 200)`);
  return model.counts.map((row) => Array.from({ length: model.V }, (_, j) => row.get(j) ?? 0));
}

/** Nats per character of a bigram model on documents: −mean log p(next | prev). */
export function bigramNats(model: BigramModel, vocab: Vocabulary, documents: readonly string[]): number {
  const { context, target, n } = contextWindows(vocab, documents, 1);
  let total = 0;
  for (let i = 0; i < n; i++) total -= Math.log(bigramProb(model, context[i], target[i]));
  return total / n;
}

/** The bigram as a {@link NextCharacterModel}: log-probabilities after each row's last id. */
export function bigramNextCharacter(model: BigramModel): NextCharacterModel {
  return (prefix) => {
    const last = tf.tidy(() => tf.slice(prefix, [0, prefix.shape[1] - 1], [-1, 1]).dataSync());
    const rows = Array.from(last, (prev) => Array.from(bigramRow(model, prev), Math.log));
    return tf.tensor2d(rows, [rows.length, model.V]);
  };
}

// ---------------------------------------------------------------------------------------------
// MLP over the last k characters (Bengio et al. 2003)

/** Options of {@link initMLP}; every field has a default but vocabSize. */
export interface MLPOptions {
  vocabSize: number;
  /** k, how many previous characters the model reads (default 3). */
  contextSize?: number;
  /** E, width of each character's embedding (default 16). */
  embeddingSize?: number;
  /** Hd, hidden units (default 128). */
  hiddenSize?: number;
}

/** The MLP language model's weights. */
export interface MLPModel {
  contextSize: number;
  /** Character embeddings C, shape [V, E]. */
  embedding: tf.Variable<tf.Rank.R2>;
  /** Hidden layer, shapes [k·E, Hd] and [Hd]. */
  w1: tf.Variable<tf.Rank.R2>;
  b1: tf.Variable<tf.Rank.R1>;
  /** Output layer, shapes [Hd, V] and [V]. */
  w2: tf.Variable<tf.Rank.R2>;
  b2: tf.Variable<tf.Rank.R1>;
  variables: tf.Variable[];
}

/** Fresh weights: embeddings ~ N(0, 1), layers ~ U(±1/√fan-in) as PyTorch's nn.Linear, output layer scaled by 0.1. */
export function initMLP(options: MLPOptions): MLPModel {
  const { vocabSize: V, contextSize: k = 3, embeddingSize: E = 16, hiddenSize: Hd = 128 } = options;
  assertInt(V, "vocabSize", 2);
  assertInt(k, "contextSize", 1);
  const uniform = (shape: number[], fanIn: number, scale = 1) =>
    tf.randomUniform(shape, -scale / Math.sqrt(fanIn), scale / Math.sqrt(fanIn));
  // Each initial value is made inside tf.tidy, which frees it; the variable keeps the data.
  const embedding = tf.tidy(() => tf.variable(tf.randomNormal([V, E]) as tf.Tensor2D)); // [V, E]
  const w1 = tf.tidy(() => tf.variable(uniform([k * E, Hd], k * E) as tf.Tensor2D)); // [k·E, Hd]
  const b1 = tf.tidy(() => tf.variable(tf.zeros([Hd]) as tf.Tensor1D)); // [Hd]
  const w2 = tf.tidy(() => tf.variable(uniform([Hd, V], Hd, 0.1) as tf.Tensor2D)); // [Hd, V]
  const b2 = tf.tidy(() => tf.variable(tf.zeros([V]) as tf.Tensor1D)); // [V]
  return { contextSize: k, embedding, w1, b1, w2, b2, variables: [embedding, w1, b1, w2, b2] };
}

/**
 * The MLP's logits (Bengio et al. 2003, without the direct connections):
 *   h = tanh(concat(C[c_{t−k}], …, C[c_{t−1}])·W1 + b1),   logits = h·W2 + b2
 * @param context int32 ids of the previous k characters, shape [N, k]
 * @returns shape [N, V]
 */
export function mlpLogits(model: MLPModel, context: tf.Tensor2D): tf.Tensor2D {
  const k = model.contextSize;
  assertShape(context, [null, k], "context", ["N", "k"]);
  const [N] = context.shape;
  const E = model.embedding.shape[1];
  return tf.tidy(() => {
    const e = tf.reshape(tf.gather(model.embedding, tf.reshape(context, [-1])), [N, k * E]) as tf.Tensor2D; // [N, k·E]
    const h = tf.tanh(tf.add(tf.matMul(e, model.w1), model.b1)); // [N, Hd]
    return tf.add(tf.matMul(h, model.w2), model.b2) as tf.Tensor2D; // [N, V]
  });
}

/** The MLP as a {@link NextCharacterModel}: reads each row's last k ids (boundary-filled on the left). */
export function mlpNextCharacter(model: MLPModel): NextCharacterModel {
  const k = model.contextSize;
  return (prefix) =>
    tf.tidy(() => {
      const [n, L] = prefix.shape;
      const padded = L >= k ? prefix : tf.concat([tf.zeros([n, k - L], "int32"), prefix], 1); // [n, ≥ k]
      const last = tf.slice(padded, [0, Math.max(L, k) - k], [n, k]) as tf.Tensor2D; // [n, k]
      return mlpLogits(model, last);
    });
}

/** The (context, target) pairs of documents for the MLP, as tensors: context [N, k], target [N]. */
export function mlpData(vocab: Vocabulary, documents: readonly string[], k: number): { context: tf.Tensor2D; target: tf.Tensor1D } {
  const w = contextWindows(vocab, documents, k);
  return { context: tf.tensor2d(w.context, [w.n, k], "int32"), target: tf.tensor1d(w.target, "int32") };
}

// ---------------------------------------------------------------------------------------------
// LSTM (tf.layers)

/** Options of {@link createLSTM}; every field has a default but vocabSize. */
export interface LSTMOptions {
  vocabSize: number;
  /** E, embedding width (default 32). */
  embeddingSize?: number;
  /** Hd, LSTM state width (default 128). */
  hiddenSize?: number;
}

/**
 * An LSTM language model: embedding → LSTM (one output per position) → dense logits.
 * Call `model.apply(x)` with x int32 [B, T]: logits [B, T, V], each from c_≤t only.
 */
export function createLSTM(options: LSTMOptions): tf.Sequential {
  const { vocabSize: V, embeddingSize: E = 32, hiddenSize: Hd = 128 } = options;
  assertInt(V, "vocabSize", 2);
  const model = tf.sequential();
  model.add(tf.layers.embedding({ inputDim: V, outputDim: E, inputShape: [null] as unknown as number[] }));
  // The recurrent kernel [Hd, 4·Hd] gets Keras's orthogonal initialiser, for which tfjs warns on
  // stderr about "slowness" above 2000 elements; at these sizes it takes milliseconds, so that one
  // warning is dropped (it would show in the notebook as a red error box). Others pass through.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === "string" && args[0].startsWith("Orthogonal initializer is being called")) return;
    warn(...args);
  };
  try {
    // Gates σ(·) as in Hochreiter & Schmidhuber and PyTorch (tf.layers' default is a hard sigmoid,
    // a speed trick that costs more kernels here than it saves).
    model.add(tf.layers.lstm({ units: Hd, returnSequences: true, recurrentActivation: "sigmoid" }));
  } finally {
    console.warn = warn;
  }
  model.add(tf.layers.dense({ units: V }));
  return model;
}

/** The LSTM's logits; x int32 shape [B, T] → shape [B, T, V]. */
export function lstmLogits(model: tf.LayersModel, x: tf.Tensor2D): tf.Tensor3D {
  assertShape(x, [null, null], "x", ["B", "T"]);
  return model.apply(x) as tf.Tensor3D;
}

/** The LSTM as a {@link NextCharacterModel}: runs the whole prefix, keeps the last position's logits. */
export function lstmNextCharacter(model: tf.LayersModel): NextCharacterModel {
  return (prefix) =>
    tf.tidy(() => {
      const logits = lstmLogits(model, prefix); // [n, L, V]
      const [n, L, V] = logits.shape;
      return tf.reshape(tf.slice(logits, [0, L - 1, 0], [n, 1, V]), [n, V]) as tf.Tensor2D; // [n, V]
    });
}
