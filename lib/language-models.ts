/**
 * Character-level language models before attention (stage 2, notebooks/02-neural-language-models):
 * three ways to write p(c_t | c_<t). What every language model shares (the loss, the sampler,
 * scoring on documents) is in lib/lm.ts.
 *
 *   fitBigram …               bigram counts with add-alpha smoothing (Shannon 1948; Laplace smoothing)
 *   createMLPLanguageModel    an MLP over the last k characters (Bengio, Ducharme, Vincent & Jauvin,
 *                             "A Neural Probabilistic Language Model", 2003)
 *   createLSTM                an LSTM language model with tf.layers (Hochreiter & Schmidhuber,
 *                             "Long Short-Term Memory", 1997); the layer is not the lesson here
 *
 * Each model follows lib/README.md's contract: its forward function as a method (`logits`), also
 * exported as a plain function (`mlpLogits`, `lstmLogits`), `variables` and `dispose()`.
 *
 * Shapes: B batch, T positions, N pairs, k context size, V vocabulary, E embedding width,
 * Hd hidden width; n documents being sampled, Tp the length of their prefix so far.
 */
import * as tf from "@tensorflow/tfjs";
import { assertInt, assertShape } from "./assert";
import { uniformVariable } from "./layers";
import { lastPositionLogits, type NextCharacterModel } from "./lm";
import { contextWindows, type Vocabulary } from "./text";

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

/** Options of {@link createMLPLanguageModel}; every field has a default but vocabSize. */
export interface MLPLanguageModelOptions {
  /** V, number of character ids. */
  vocabSize: number;
  /** k, how many previous characters the model reads (default 3). */
  contextSize?: number;
  /** E, width of each character's embedding (default 16). */
  embeddingSize?: number;
  /** Hd, hidden units (default 128). */
  hiddenSize?: number;
}

/** {@link MLPLanguageModelOptions} with every default filled in. */
export type MLPLanguageModelConfig = Required<MLPLanguageModelOptions>;

/** The MLP language model: its weights, its forward function, and dispose. */
export interface MLPLanguageModel {
  config: MLPLanguageModelConfig;
  /** Character embeddings C, shape [V, E]. */
  embedding: tf.Variable<tf.Rank.R2>;
  /** Hidden layer, shapes [k·E, Hd] and [Hd]. */
  w1: tf.Variable<tf.Rank.R2>;
  b1: tf.Variable<tf.Rank.R1>;
  /** Output layer, shapes [Hd, V] and [V]. */
  w2: tf.Variable<tf.Rank.R2>;
  b2: tf.Variable<tf.Rank.R1>;
  /** embedding, w1, b1, w2, b2. */
  variables: tf.Variable[];
  /** {@link mlpLogits} of this model. @param context int32 shape [N, k] @returns shape [N, V] */
  logits(context: tf.Tensor2D): tf.Tensor2D;
  /** Frees the variables. */
  dispose(): void;
}

/** Fresh weights: embeddings ~ N(0, 1), layers ~ U(±1/√fan-in) as PyTorch's nn.Linear, output layer scaled by 0.1. */
export function createMLPLanguageModel(options: MLPLanguageModelOptions): MLPLanguageModel {
  const config: MLPLanguageModelConfig = { contextSize: 3, embeddingSize: 16, hiddenSize: 128, ...options };
  const { vocabSize: V, contextSize: k, embeddingSize: E, hiddenSize: Hd } = config;
  assertInt(V, "vocabSize", 2);
  assertInt(k, "contextSize", 1);
  assertInt(E, "embeddingSize", 1);
  assertInt(Hd, "hiddenSize", 1);
  // Drawn in this order: embedding, w1, w2 (the biases start at 0). tf.tidy frees each initial value.
  const embedding = tf.tidy(() => tf.variable(tf.randomNormal([V, E]) as tf.Tensor2D)); // [V, E]
  const w1 = uniformVariable<tf.Rank.R2>([k * E, Hd], k * E); // [k·E, Hd]
  const b1 = tf.tidy(() => tf.variable(tf.zeros([Hd]) as tf.Tensor1D)); // [Hd]
  const w2 = uniformVariable<tf.Rank.R2>([Hd, V], Hd, 0.1); // [Hd, V]
  const b2 = tf.tidy(() => tf.variable(tf.zeros([V]) as tf.Tensor1D)); // [V]
  const variables = [embedding, w1, b1, w2, b2];
  const model: MLPLanguageModel = {
    config,
    embedding,
    w1,
    b1,
    w2,
    b2,
    variables,
    logits: (context) => mlpLogits(model, context),
    dispose: () => tf.dispose(variables),
  };
  return model;
}

/**
 * The MLP's logits (Bengio et al. 2003, without the direct connections):
 *   h = tanh(concat(C[c_{t−k}], …, C[c_{t−1}])·W1 + b1),   logits = h·W2 + b2
 * @param context int32 ids of the previous k characters, shape [N, k]
 * @returns shape [N, V]
 */
export function mlpLogits(model: MLPLanguageModel, context: tf.Tensor2D): tf.Tensor2D {
  const k = model.config.contextSize;
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
export function mlpNextCharacter(model: MLPLanguageModel): NextCharacterModel {
  const k = model.config.contextSize;
  return (prefix) =>
    tf.tidy(() => {
      const [n, Tp] = prefix.shape;
      const padded = Tp >= k ? prefix : tf.concat([tf.zeros([n, k - Tp], "int32"), prefix], 1); // [n, max(Tp, k)]
      const last = tf.slice(padded, [0, Math.max(Tp, k) - k], [n, k]) as tf.Tensor2D; // [n, k]
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
  /** V, number of character ids. */
  vocabSize: number;
  /** E, embedding width (default 32). */
  embeddingSize?: number;
  /** Hd, LSTM state width (default 128). */
  hiddenSize?: number;
}

/** {@link LSTMOptions} with every default filled in. */
export type LSTMConfig = Required<LSTMOptions>;

/** The LSTM language model: the tf.layers stack, its forward function, and dispose. */
export interface LSTM {
  config: LSTMConfig;
  /** embedding → LSTM (one output per position) → dense, as tf.layers. */
  layers: tf.Sequential;
  /**
   * The trainable weights, in the stack's order: embedding [V, E]; LSTM kernel [E, 4·Hd],
   * recurrent kernel [Hd, 4·Hd], bias [4·Hd]; dense kernel [Hd, V], bias [V].
   */
  variables: tf.Variable[];
  /** {@link lstmLogits} of this model. @param x int32 shape [B, T] @returns shape [B, T, V] */
  logits(x: tf.Tensor2D): tf.Tensor3D;
  /** Frees the layers' weights. */
  dispose(): void;
}

/**
 * An LSTM language model: embedding → LSTM (one output per position) → dense logits, each
 * position's logits from c_≤t only. Weights are Keras's defaults (tf.layers), from tfjs's
 * random stream (seed it with lib/random.ts `seed`).
 */
export function createLSTM(options: LSTMOptions): LSTM {
  const config: LSTMConfig = { embeddingSize: 32, hiddenSize: 128, ...options };
  const { vocabSize: V, embeddingSize: E, hiddenSize: Hd } = config;
  assertInt(V, "vocabSize", 2);
  assertInt(E, "embeddingSize", 1);
  assertInt(Hd, "hiddenSize", 1);
  const layers = tf.sequential();
  layers.add(tf.layers.embedding({ inputDim: V, outputDim: E, inputShape: [null] as unknown as number[] }));
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
    layers.add(tf.layers.lstm({ units: Hd, returnSequences: true, recurrentActivation: "sigmoid" }));
  } finally {
    console.warn = warn;
  }
  layers.add(tf.layers.dense({ units: V }));
  const model: LSTM = {
    config,
    layers,
    variables: layers.trainableWeights.map((w) => w.read() as tf.Variable),
    logits: (x) => lstmLogits(model, x),
    dispose: () => layers.dispose(),
  };
  return model;
}

/** The LSTM's logits; x int32 shape [B, T] → shape [B, T, V]. */
export function lstmLogits(model: LSTM, x: tf.Tensor2D): tf.Tensor3D {
  assertShape(x, [null, null], "x", ["B", "T"]);
  return model.layers.apply(x) as tf.Tensor3D;
}

/** The LSTM as a {@link NextCharacterModel}: runs the whole prefix [n, Tp], keeps the last position's logits [n, V]. */
export function lstmNextCharacter(model: LSTM): NextCharacterModel {
  return (prefix) => tf.tidy(() => lastPositionLogits(lstmLogits(model, prefix))); // [n, Tp, V] → [n, V]
}
