/**
 * A small decoder-only Transformer, written by hand on lib/attention.ts (taught in
 * notebooks/03-attention-and-transformers, section 8).
 *
 *   createTransformer    the weights: embeddings, L pre-norm blocks, the output head
 *   layerNorm            (x − mean) / √(var + ε) · gamma + beta over the last dimension
 *   transformerHidden    ids → the final-norm vectors [B, T, D] (what the head reads; a text encoder pools them)
 *   transformerForward   ids → logits (and every layer's attention weights)
 *   transformerLoss      nats per character of the next-character targets (PAD skipped)
 *   generate             sample documents left to right, with temperature and top-k
 *
 * Each block is pre-norm (GPT-2 style):
 *   x = x + MultiHeadAttention(LayerNorm(x), causal mask)
 *   x = x + W2·GELU(W1·LayerNorm(x))
 * after x = C[ids] + P (token embedding plus a sinusoidal or learned position vector), and
 * before logits = LayerNorm(x)·W_head + b_head.
 *
 * Sources: A. Vaswani et al., "Attention Is All You Need" (2017); A. Radford, K. Narasimhan,
 * T. Salimans, I. Sutskever, "Improving Language Understanding by Generative Pre-Training"
 * (2018, the decoder-only stack); R. Xiong et al., "On Layer Normalization in the Transformer
 * Architecture" (2020, pre-norm); J. L. Ba, J. R. Kiros, G. E. Hinton, "Layer Normalization"
 * (2016); D. Hendrycks & K. Gimpel, "Gaussian Error Linear Units" (2016). The layout follows
 * Karpathy's minGPT.
 *
 * With `causal: false` the same stack attends in both directions: the notebook's experiment
 * trains it to fill in masked characters (as BERT, Devlin et al. 2018) and shows it cannot
 * sample left to right.
 *
 * The model follows lib/README.md's contract: `createTransformer(options)`, its forward function
 * as a method (`model.forward(ids)`, the same as the exported `transformerForward(model, ids)`
 * that the notebook reads), `model.variables` and `model.dispose()`.
 *
 * Shapes: B batch, T positions (≤ contextLength), D model width, H heads, L blocks,
 * V vocabulary (plus one [MASK] id when maskToken is set); n documents being sampled, Tp the
 * length of their prefix so far.
 */
import * as tf from "@tensorflow/tfjs";
import { assertInt, assertShape } from "./assert";
import { causalMask, createMultiHeadAttention, multiHeadAttention, positionalEncoding, type MultiHeadAttention } from "./attention";
import { uniformVariable } from "./layers";
import { charCrossEntropy, generateDocuments, lastPositionLogits, type GenerateOptions } from "./lm";
import type { Vocabulary } from "./text";

/** Options of {@link createTransformer}; every field has a default but vocabSize and contextLength. */
export interface TransformerOptions {
  /** V, number of character ids. */
  vocabSize: number;
  /** Longest input the model reads (T ≤ contextLength). */
  contextLength: number;
  /** D, model width (default 64). */
  dModel?: number;
  /** H, attention heads (default 4; divides D). */
  heads?: number;
  /** L, number of blocks (default 2). */
  layers?: number;
  /** Width of each block's MLP as a multiple of D (default 4). */
  mlpRatio?: number;
  /** "sinusoidal" (fixed, Vaswani et al.) or "learned" (GPT) position vectors (default "sinusoidal"). */
  positions?: "sinusoidal" | "learned";
  /** Mask future positions (default true: a decoder). false attends in both directions. */
  causal?: boolean;
  /** Add one extra input id, V, for a [MASK] character (default false). */
  maskToken?: boolean;
}

/** {@link TransformerOptions} with every default filled in. */
export type TransformerConfig = Required<TransformerOptions>;

interface Norm {
  gamma: tf.Variable<tf.Rank.R1>; // [D]
  beta: tf.Variable<tf.Rank.R1>; // [D]
}

interface Block {
  norm1: Norm;
  attention: MultiHeadAttention;
  norm2: Norm;
  w1: tf.Variable<tf.Rank.R2>; // [D, mlpRatio·D]
  b1: tf.Variable<tf.Rank.R1>;
  w2: tf.Variable<tf.Rank.R2>; // [mlpRatio·D, D]
  b2: tf.Variable<tf.Rank.R1>;
}

/** A Transformer: its configuration (defaults filled in), weights, forward function and dispose. */
export interface Transformer {
  config: TransformerConfig;
  /** Token embeddings C, shape [V (+1 with maskToken), D]. */
  tokenEmbedding: tf.Variable<tf.Rank.R2>;
  /** Position vectors, shape [contextLength, D]: a constant tensor (sinusoidal) or a variable (learned). */
  positionEmbedding: tf.Tensor2D;
  blocks: Block[];
  finalNorm: Norm;
  /** Output head, shapes [D, V] and [V]. */
  wHead: tf.Variable<tf.Rank.R2>;
  bHead: tf.Variable<tf.Rank.R1>;
  /** The causal mask [contextLength, contextLength] (a constant), or null when causal is false. */
  mask: tf.Tensor2D | null;
  /** Every trainable variable (for the optimiser and for counting parameters). */
  variables: tf.Variable[];
  /** {@link transformerForward} of this model. @param ids int32 shape [B, T] */
  forward(ids: tf.Tensor2D): { logits: tf.Tensor3D; attention: tf.Tensor4D[] };
  /** Frees the weights and constants (the sinusoidal positions, the mask). */
  dispose(): void;
}

/** The number of trainable numbers of a model. */
export function countParameters(model: { variables: tf.Variable[] }): number {
  return model.variables.reduce((n, v) => n + v.size, 0);
}

/**
 * Fresh weights. Token embeddings ~ N(0, 1) (the same scale as the sinusoid), learned
 * positions ~ N(0, 0.02), linear layers ~ U(±1/√fan-in) as PyTorch's nn.Linear, the two
 * projections that write into the residual stream (attention output, MLP output) and the
 * head scaled by 1/√(2L) as GPT-2, LayerNorm gamma 1 and beta 0, biases 0.
 */
export function createTransformer(options: TransformerOptions): Transformer {
  const config: TransformerConfig = {
    dModel: 64,
    heads: 4,
    layers: 2,
    mlpRatio: 4,
    positions: "sinusoidal",
    causal: true,
    maskToken: false,
    ...options,
  };
  const { vocabSize: V, contextLength: T, dModel: D, heads: H, layers: L, mlpRatio } = config;
  assertInt(V, "vocabSize", 2);
  assertInt(T, "contextLength", 1);
  assertInt(D, "dModel", 2);
  assertInt(H, "heads", 1);
  assertInt(L, "layers", 1);
  assertInt(mlpRatio, "mlpRatio", 1);
  if (D % H !== 0) throw new Error(`dModel = ${D} must be divisible by heads = ${H}`);
  const residualScale = 1 / Math.sqrt(2 * L);
  // Each initial value is made inside tf.tidy, which frees it; the variable keeps the data.
  const variable = <R extends tf.Rank>(make: () => tf.Tensor<R>): tf.Variable<R> => tf.tidy(() => tf.variable(make()));
  const uniform = (rows: number, cols: number, scale = 1) => uniformVariable<tf.Rank.R2>([rows, cols], rows, scale); // [rows, cols]
  const zeros = (n: number) => variable(() => tf.zeros([n]) as tf.Tensor1D);
  const norm = (): Norm => ({ gamma: variable(() => tf.ones([D]) as tf.Tensor1D), beta: zeros(D) });

  const tokenEmbedding = variable(() => tf.randomNormal([V + (config.maskToken ? 1 : 0), D]) as tf.Tensor2D); // [V(+1), D]
  const positionEmbedding =
    config.positions === "learned"
      ? variable(() => tf.randomNormal([T, D], 0, 0.02) as tf.Tensor2D) // [T, D]
      : positionalEncoding(T, D); // [T, D]
  const blocks: Block[] = Array.from({ length: L }, () => ({
    norm1: norm(),
    attention: createMultiHeadAttention({ dModel: D, heads: H, outScale: residualScale }),
    norm2: norm(),
    w1: uniform(D, mlpRatio * D),
    b1: zeros(mlpRatio * D),
    w2: uniform(mlpRatio * D, D, residualScale),
    b2: zeros(D),
  }));
  const finalNorm = norm();
  const wHead = uniform(D, V, residualScale);
  const bHead = zeros(V);
  const mask = config.causal ? causalMask(T) : null;
  const variables: tf.Variable[] = [
    tokenEmbedding,
    ...(positionEmbedding instanceof tf.Variable ? [positionEmbedding] : []),
    ...blocks.flatMap((b) => [b.norm1.gamma, b.norm1.beta, ...b.attention.variables, b.norm2.gamma, b.norm2.beta, b.w1, b.b1, b.w2, b.b2]),
    finalNorm.gamma,
    finalNorm.beta,
    wHead,
    bHead,
  ];
  const model: Transformer = {
    config,
    tokenEmbedding,
    positionEmbedding,
    blocks,
    finalNorm,
    wHead,
    bHead,
    mask,
    variables,
    forward: (ids) => transformerForward(model, ids),
    dispose: () => {
      tf.dispose(variables);
      if (!(positionEmbedding instanceof tf.Variable)) positionEmbedding.dispose();
      mask?.dispose();
    },
  };
  return model;
}

/**
 * Layer normalisation over the last dimension (Ba et al. 2016):
 *   y = (x − mean(x)) / √(var(x) + 1e-5) · gamma + beta
 * @param x shape [N, D]
 * @param gamma shape [D]
 * @param beta shape [D]
 * @returns shape [N, D]
 */
export function layerNorm(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true); // [N, 1] each
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma), beta) as tf.Tensor2D;
  });
}

/** GELU, tanh form: ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
function gelu(x: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(
    tf.mul(0.5, x),
    tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3)))))),
  ) as tf.Tensor2D;
}

/**
 * The forward pass up to the final norm: token + position vectors, L pre-norm blocks, LayerNorm.
 * These are the vectors the head reads; a text encoder (lib/contrastive's CLIP judge) pools them.
 * @param ids int32 shape [B, T] with T ≤ contextLength
 * @returns hidden states shape [B, T, D]; attention weights per block, each shape [B, H, T, T]
 */
export function transformerHidden(model: Transformer, ids: tf.Tensor2D): { hidden: tf.Tensor3D; attention: tf.Tensor4D[] } {
  assertShape(ids, [null, null], "ids", ["B", "T"]);
  const [B, T] = ids.shape;
  const { contextLength, dModel: D, heads: H } = model.config;
  if (T > contextLength) throw new Error(`cannot forward a sequence of length ${T}: contextLength is only ${contextLength}`);
  return tf.tidy(() => {
    const mask = model.mask === null ? undefined : T === contextLength ? model.mask : tf.slice(model.mask, [0, 0], [T, T]); // [T, T]
    const tokens = tf.reshape(tf.gather(model.tokenEmbedding, tf.reshape(ids, [-1])), [B, T, D]); // [B, T, D]
    const positions = tf.slice(model.positionEmbedding, [0, 0], [T, D]); // [T, D]
    let x = tf.reshape(tf.add(tokens, positions), [B * T, D]) as tf.Tensor2D; // [B·T, D]
    const attention: tf.Tensor4D[] = [];
    for (const block of model.blocks) {
      const h = tf.reshape(layerNorm(x, block.norm1.gamma, block.norm1.beta), [B, T, D]) as tf.Tensor3D; // [B, T, D]
      const { output, weights } = multiHeadAttention(h, block.attention, H, mask);
      attention.push(weights); // [B, H, T, T]
      x = tf.add(x, tf.reshape(output, [B * T, D])); // [B·T, D]
      const m = gelu(tf.add(tf.matMul(layerNorm(x, block.norm2.gamma, block.norm2.beta), block.w1), block.b1)); // [B·T, 4D]
      x = tf.add(x, tf.add(tf.matMul(m, block.w2), block.b2)); // [B·T, D]
    }
    const hidden = tf.reshape(layerNorm(x, model.finalNorm.gamma, model.finalNorm.beta), [B, T, D]) as tf.Tensor3D; // [B, T, D]
    return { hidden, attention };
  });
}

/**
 * The forward pass: {@link transformerHidden}, then the head.
 * @param ids int32 shape [B, T] with T ≤ contextLength
 * @returns logits shape [B, T, V]; attention weights per block, each shape [B, H, T, T]
 */
export function transformerForward(model: Transformer, ids: tf.Tensor2D): { logits: tf.Tensor3D; attention: tf.Tensor4D[] } {
  return tf.tidy(() => {
    const { hidden, attention } = transformerHidden(model, ids); // [B, T, D]
    const [B, T, D] = hidden.shape;
    const logits = tf.add(tf.matMul(tf.reshape(hidden, [B * T, D]) as tf.Tensor2D, model.wHead), model.bHead); // [B·T, V]
    return { logits: tf.reshape(logits, [B, T, model.config.vocabSize]) as tf.Tensor3D, attention };
  });
}

/**
 * Nats per character: the cross-entropy of the logits against the targets (PAD skipped).
 * @param ids int32 shape [B, T]
 * @param targets int32 shape [B, T] (lib/text documentBatch's y)
 * @returns shape []
 */
export function transformerLoss(model: Transformer, ids: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  assertShape(targets, ids.shape, "targets", ["B", "T"]);
  return tf.tidy(() => charCrossEntropy(transformerForward(model, ids).logits, targets));
}

/**
 * Samples documents left to right (lib/lm generateDocuments): the model reads
 * the boundary and what it has written so far, the last position's logits are divided by the
 * temperature, cut to the top k, and one character is drawn. Needs a causal model.
 * @returns the documents (without boundaries)
 */
export function generate(model: Transformer, vocab: Vocabulary, options: GenerateOptions = {}): string[] {
  if (vocab.size !== model.config.vocabSize)
    throw new Error(`vocab has ${vocab.size} ids but the model was built for vocabSize ${model.config.vocabSize}`);
  const maxLength = Math.min(options.maxLength ?? model.config.contextLength, model.config.contextLength);
  // The logits [n, Tp, V] of the prefix; the last position's [n, V] predict the next character.
  const next = (prefix: tf.Tensor2D) => tf.tidy(() => lastPositionLogits(transformerForward(model, prefix).logits));
  return generateDocuments(next, vocab, { ...options, maxLength });
}
