/**
 * Stage 02 exercises: language models on names (notebooks/02-neural-language-models.ipynb,
 * "Your turn"). Replace each `throw new Error("TODO ...")` with your code, then run
 * `npm run check -- 02` (or `await checkExercises("02")` in the notebook). The library's
 * versions: lib/language-models.ts (fitBigram and bigramProb; mlpLogits with the same signature;
 * the LSTM, from tf.layers, whose weights 02.3 reads) and lib/lm.ts (generateDocuments).
 *
 * Shapes: N pairs, k context size, V vocabulary, E embedding width, Hd hidden width, B batch.
 * Character ids as lib/text.ts: id 0 is the boundary that starts and ends every name.
 */
import * as tf from "@tensorflow/tfjs";
import type { MLPLanguageModel } from "../lib/language-models";
import type { GenerateOptions, NextCharacterModel } from "../lib/lm";
import type { Rng } from "../lib/random";
import type { Vocabulary } from "../lib/text";

/**
 * 02.1 Bigram counts → smoothed next-character probabilities (add-α smoothing; α = 1 is
 * Laplace's):
 *
 *   p(b | a) = (count(a, b) + α) / (count(a) + α·V),   count(a) = Σ_b count(a, b)
 *
 * Row a is the distribution of the character after a, so every ROW sums to 1. α is added to
 * every cell, the zeros included (that is the point: an unseen pair must not get probability 0),
 * so the denominator grows by α once per cell of the row: α·V. A row with no counts and α = 0
 * is 0/0: give it the uniform 1/V (as lib's bigramProb does).
 *
 * Hint: one `counts.map` over the rows; inside, the row's total, then `row.map`.
 *
 * @param counts shape [V, V], counts[a][b] = how often b follows a (lib's `bigramCounts`)
 * @param alpha the pseudo-count α ≥ 0 (default 1)
 * @returns shape [V, V], p[a][b] = p(b | a), each row summing to 1
 */
export function bigramProbabilities(counts: number[][], alpha = 1): number[][] {
  throw new Error("TODO 02.1: p[a][b] = (counts[a][b] + alpha) / (row a's total + alpha·V), every row summing to 1");
}

/**
 * 02.2 The MLP language model's logits (Bengio et al. 2003), from the model's weights:
 *
 *   e      = concat(C[c_{t−k}], …, C[c_{t−1}])     [N, k·E]   the oldest character first
 *   h      = tanh(e·W1 + b1)                        [N, Hd]
 *   logits = h·W2 + b2                              [N, V]
 *
 * C is `model.embedding` [V, E]; W1 `model.w1` [k·E, Hd], b1 [Hd]; W2 `model.w2` [Hd, V], b2 [V].
 * Each row of `context` holds k ids, oldest first (as lib's `mlpData`), and row n of e is the k
 * embeddings of row n side by side: C[context[n][0]], then C[context[n][1]], …
 *
 * Hint: `tf.gather(model.embedding, tf.reshape(context, [-1]))` is [N·k, E] (row by row), and
 * reshaping it to [N, k·E] puts each row's k embeddings side by side. Then `tf.matMul`, `tf.tanh`.
 * Work inside `tf.tidy`. (Do not call `model.logits`: that is lib's answer.)
 *
 * @param context int32 ids of the previous k characters, shape [N, k]
 * @returns shape [N, V]
 */
export function mlpLogits(model: MLPLanguageModel, context: tf.Tensor2D): tf.Tensor2D {
  throw new Error("TODO 02.2: gather the k embeddings of each row, side by side [N, k·E]; h = tanh(e·W1 + b1); return h·W2 + b2");
}

/** The state an LSTM carries from one character to the next. */
export interface LSTMState {
  /** The hidden state h, shape [B, Hd]. */
  h: tf.Tensor2D;
  /** The cell state c, shape [B, Hd]. */
  c: tf.Tensor2D;
}

/** One LSTM layer's weights, as tf.layers (and lib's createLSTM) store them: column blocks i, f, g, o. */
export interface LSTMCellWeights {
  /** W, shape [E, 4·Hd]. */
  kernel: tf.Tensor2D;
  /** U, shape [Hd, 4·Hd]. */
  recurrentKernel: tf.Tensor2D;
  /** b, shape [4·Hd]. */
  bias: tf.Tensor1D;
}

/**
 * 02.3 One step of an LSTM cell (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et
 * al. 2000), the update tf.layers runs inside lib's `createLSTM`:
 *
 *   z  = x·W + h·U + b                  [B, 4·Hd], read as four blocks of Hd columns [z_i | z_f | z_g | z_o]
 *   i  = σ(z_i)    input gate           how much of the candidate to write
 *   f  = σ(z_f)    forget gate          how much of the old cell state to keep
 *   g  = tanh(z_g) candidate            the new content, in (−1, 1)
 *   o  = σ(z_o)    output gate          how much of the cell to show
 *   c' = f⊙c + i⊙g                      the cell state: the OLD CELL c, not h
 *   h' = o⊙tanh(c')                     the new hidden state
 *
 * The block order i, f, g, o is the one tf.layers and PyTorch use, so `weights` can be lib's
 * LSTM's own (createLSTM's variables[1], [2], [3]).
 *
 * Hint: `tf.split(z, 4, 1)` gives the four blocks in order; `tf.sigmoid`, `tf.tanh`, `tf.mul`.
 * Work inside `tf.tidy` and return both tensors from it.
 *
 * @param x this step's input, shape [B, E]
 * @param state h and c before this step, each shape [B, Hd]
 * @param weights kernel [E, 4·Hd], recurrentKernel [Hd, 4·Hd], bias [4·Hd]
 * @returns the new state: h' and c', each shape [B, Hd]
 */
export function lstmStep(x: tf.Tensor2D, state: LSTMState, weights: LSTMCellWeights): LSTMState {
  throw new Error("TODO 02.3: z = x·W + h·U + b split into i, f, g, o; c' = σ(f)⊙c + σ(i)⊙tanh(g); h' = σ(o)⊙tanh(c')");
}

/** Options of {@link sampleName}: lib's {@link GenerateOptions} for one document. */
export type SampleNameOptions = Pick<GenerateOptions, "temperature" | "maxLength" | "rng">;

/**
 * 02.4 Samples one name, left to right (what lib's `generateDocuments` does for many at once):
 *
 *   prefix = [0]                                  the start boundary: the first character is drawn after it
 *   repeat: logits = model(prefix as int32 [1, Tp])[0]     the WHOLE prefix so far, not only the last id
 *           next   = a draw from softmax(logits / temperature), with ONE rng() call
 *           next = 0 (the boundary) → stop: the end is not part of the name
 *           otherwise append next to the prefix
 *   until the name has maxLength characters
 *
 * Options (lib's GenerateOptions): temperature (default 1), maxLength (default 30), rng (default
 * Math.random; pass `makeRng(seed)` from lib/random for a repeatable name).
 *
 * Hint: lib/lm.ts `sampleFromLogits(logits, { temperature, rng })` is the draw;
 * `tf.tensor2d(prefix, [1, prefix.length], "int32")` is the model's input; read its output with
 * `.dataSync()` inside `tf.tidy`; `decode(vocab, ids)` from lib/text turns ids into the name.
 *
 * @param model the next-character model: int32 [1, Tp] → logits [1, V]
 * @param vocab the characters, vocab.size = V
 * @returns the name, without boundaries, at most maxLength characters
 */
export function sampleName(model: NextCharacterModel, vocab: Vocabulary, options: SampleNameOptions = {}): string {
  throw new Error("TODO 02.4: start from [0]; draw the next id from model(prefix) with sampleFromLogits; stop at id 0 or maxLength");
}

/** Options of {@link trainMLP}. */
export interface TrainMLPOptions {
  /** Number of Adam steps. */
  steps: number;
  /** Pairs per minibatch, drawn with replacement (default 32). */
  batchSize?: number;
  /** Adam's learning rate (default 0.01). */
  learningRate?: number;
  /** Uniform generator for the minibatch indices (default Math.random). */
  rng?: Rng;
}

/**
 * 02.5 Build it: train the MLP language model. Each of `steps` steps:
 *
 *   draw batchSize indices uniformly in [0, N) with options.rng        (randInt(N, rng), lib/random)
 *   gather those rows of data.context [batch, k] and data.target [batch]
 *   loss = charCrossEntropy(model.logits(context), target)              (lib/lm, nats per character)
 *   one Adam step on ALL of model.variables (embedding, w1, b1, w2, b2)
 *   record the loss as a number (the loss before this step's update)
 *
 * then return the recorded losses. One Adam optimiser, `adam(learningRate)` from
 * lib/engine/optimizers, for the whole run; dispose it at the end (it holds two moment tensors
 * per variable). On the course's names, 200 steps of 64 pairs take the held-out loss from ln 28 ≈
 * 3.33 to below the bigram's 2.438.
 *
 * Hint: `optimizer.minimize(() => loss, true, model.variables)` returns the loss before the
 * update; read it with `.dataSync()[0]`, then dispose it. Work inside `tf.tidy` per step.
 *
 * @param model the model to train (its variables change in place)
 * @param data context int32 [N, k] and target int32 [N] (lib's `mlpData`)
 * @param options steps; batchSize (default 32); learningRate (default 0.01); rng (default Math.random)
 * @returns the loss of each step, shape [steps], nats per character
 */
export function trainMLP(model: MLPLanguageModel, data: { context: tf.Tensor2D; target: tf.Tensor1D }, options: TrainMLPOptions): number[] {
  throw new Error("TODO 02.5: one adam(learningRate); each step a minibatch drawn with rng, minimize charCrossEntropy, record the loss");
}
