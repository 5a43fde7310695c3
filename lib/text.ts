/**
 * Text as data for character-level language models (stages 2–3): a corpus of short documents
 * (poems, names), a character vocabulary, encode/decode, a seeded train/validation split, and
 * the batches every model of stages 2–3 trains and is scored on.
 *
 *   loadCorpus        the documents of data/tang-quatrains.txt or data/names-en.txt
 *   buildVocabulary   the characters, with the boundary token at index 0
 *   encode / decode   text ↔ ids
 *   splitDocuments    a seeded train/validation split by document
 *   documentBatch     documents as [B, T] inputs and next-character targets (padding = −1)
 *   contextWindows    (last k characters → next character) pairs for n-gram-style models
 *   randomBatch       a random batch of training documents
 *   maskedBatch       documents with some characters hidden, for the fill-in objective
 *
 * The convention (as in Karpathy's makemore): each document is scored on its own. It is
 * framed by the boundary token b (index 0, the character "\n"):  b c₁ … cₙ b. A model reads
 * b c₁ … cₙ and predicts c₁ … cₙ b, so it learns how documents start and when they end, and
 * every model is scored on exactly the same targets: nats per character, the end included.
 *
 * Shapes: B documents in a batch, T positions (context length), N pairs, k context size,
 * V vocabulary size. Targets use PAD = −1 where a document is shorter than T.
 */
import * as tf from "@tensorflow/tfjs";
import * as fs from "node:fs";
import { assertInt } from "./assert";
import { dataPath, type DataOptions } from "./datasets";
import { choice, makeRng, randInt, shuffleInPlace } from "./random";

/** The target id of padding positions: they are not scored. */
export const PAD = -1;

/** A character vocabulary. Index 0 is the boundary token. */
export interface Vocabulary {
  /** The characters by id; chars[0] is the boundary ("\n"). */
  chars: string[];
  /** Number of ids, V. */
  size: number;
  /** The boundary character (starts and ends every document). */
  boundary: string;
  /** The id of a character (throws for one outside the vocabulary). */
  id(char: string): number;
}

/** The corpora shipped in data/ (see data/README.md). */
export type CorpusName = "tang-quatrains" | "names-en";

/**
 * The documents of a corpus in data/, one per line.
 *   "tang-quatrains"  3,755 Tang five-character quatrains, 24 characters each (五言绝句)
 *   "names-en"        8,422 lower-case English first names
 */
export function loadCorpus(name: CorpusName, options: DataOptions = {}): string[] {
  const files: Record<CorpusName, string> = { "tang-quatrains": "tang-quatrains.txt", "names-en": "names-en.txt" };
  if (!(name in files)) throw new Error(`corpus must be one of ${Object.keys(files).join(", ")}, got ${JSON.stringify(name)}`);
  return fs
    .readFileSync(dataPath(files[name], options), "utf8")
    .split("\n")
    .filter((line) => line.length > 0);
}

/** Splits a string into characters (code points, so every CJK character is one). */
export function characters(text: string): string[] {
  return Array.from(text);
}

/**
 * The vocabulary of a list of documents: the boundary (default "\n") at id 0, then every
 * other character sorted by code point, so the ids do not depend on document order.
 * @param documents the texts (none may contain the boundary character)
 */
export function buildVocabulary(documents: readonly string[], boundary = "\n"): Vocabulary {
  if (characters(boundary).length !== 1) throw new Error(`boundary must be one character, got ${JSON.stringify(boundary)}`);
  const seen = new Set<string>();
  documents.forEach((doc, i) => {
    for (const c of characters(doc)) {
      if (c === boundary) throw new Error(`documents[${i}] contains the boundary character ${JSON.stringify(boundary)}`);
      seen.add(c);
    }
  });
  const chars = [boundary, ...Array.from(seen).sort()];
  const index = new Map(chars.map((c, i) => [c, i]));
  return {
    chars,
    size: chars.length,
    boundary,
    id(char: string): number {
      const i = index.get(char);
      if (i === undefined) throw new Error(`character ${JSON.stringify(char)} is not in the vocabulary`);
      return i;
    },
  };
}

/** The ids of a text's characters; shape [n]. */
export function encode(vocab: Vocabulary, text: string): number[] {
  return characters(text).map((c) => vocab.id(c));
}

/** The text of a list of ids (PAD and out-of-range ids throw). */
export function decode(vocab: Vocabulary, ids: ArrayLike<number>): string {
  let out = "";
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id >= vocab.size) throw new Error(`ids[${i}] = ${id} is not an id in [0, ${vocab.size})`);
    out += vocab.chars[id];
  }
  return out;
}

/** Options of {@link splitDocuments}. */
export interface SplitOptions {
  /** Fraction of documents held out for validation (default 0.1). */
  validationFraction?: number;
  /** Seed of the shuffle (default 0): the same seed gives the same split everywhere. */
  seed?: number;
}

/** A seeded split by document: the documents are shuffled, then the last fraction is held out. */
export function splitDocuments(documents: readonly string[], options: SplitOptions = {}): { train: string[]; validation: string[] } {
  const { validationFraction = 0.1, seed = 0 } = options;
  if (!(validationFraction > 0 && validationFraction < 1))
    throw new Error(`validationFraction must be in (0, 1), got ${validationFraction}`);
  const order = shuffleInPlace(documents.slice(), makeRng(seed));
  const nValidation = Math.max(1, Math.round(order.length * validationFraction));
  return { train: order.slice(0, order.length - nValidation), validation: order.slice(order.length - nValidation) };
}

/** Length of the longest framed input among documents: 1 + the longest document. */
export function maxContext(documents: readonly string[]): number {
  return 1 + Math.max(...documents.map((d) => characters(d).length));
}

/**
 * Documents as a batch: row b reads "boundary, c₁ … cₙ" and its targets are "c₁ … cₙ, boundary".
 * Shorter documents are padded: input ids with the boundary, targets with PAD (−1, unscored).
 * A document longer than T − 1 characters throws (raise contextLength).
 * @param contextLength T (default: maxContext(documents))
 * @returns x int32 shape [B, T]; y int32 shape [B, T] (PAD where unscored)
 */
export function documentBatch(
  vocab: Vocabulary,
  documents: readonly string[],
  contextLength = maxContext(documents),
): { x: tf.Tensor2D; y: tf.Tensor2D } {
  assertInt(contextLength, "contextLength", 1);
  if (documents.length === 0) throw new Error("documents must not be empty");
  const T = contextLength;
  const B = documents.length;
  const x = new Int32Array(B * T); // boundary (0) everywhere it is not overwritten
  const y = new Int32Array(B * T).fill(PAD);
  documents.forEach((doc, b) => {
    const ids = encode(vocab, doc);
    if (ids.length + 1 > T) {
      throw new Error(`documents[${b}] has ${ids.length} characters: it needs contextLength ≥ ${ids.length + 1}, got ${T}`);
    }
    for (let t = 0; t < ids.length; t++) {
      x[b * T + t + 1] = ids[t];
      y[b * T + t] = ids[t];
    }
    y[b * T + ids.length] = 0; // the end boundary
  });
  return { x: tf.tensor2d(x, [B, T], "int32"), y: tf.tensor2d(y, [B, T], "int32") };
}

/**
 * A random batch of documents (with replacement), drawn with `rng` (default Math.random,
 * seeded by lib/random's `seed`).
 * @returns x, y int32 shape [B, T] as {@link documentBatch}
 */
export function randomBatch(
  vocab: Vocabulary,
  documents: readonly string[],
  batchSize: number,
  contextLength = maxContext(documents),
  rng: () => number = Math.random,
): { x: tf.Tensor2D; y: tf.Tensor2D } {
  assertInt(batchSize, "batchSize", 1);
  const picked = Array.from({ length: batchSize }, () => choice(documents, rng));
  return documentBatch(vocab, picked, contextLength);
}

/**
 * Every (last k characters → next character) pair of the framed documents. The context
 * before a document's start is filled with the boundary, so the first pair of "ab" is
 * (b … b → a) and the last is (… a b → boundary): the same targets as {@link documentBatch}.
 * @param k context size (1 gives the bigram pairs)
 * @returns context ids, N·k numbers row by row (shape [N, k]); targets, shape [N]
 */
export function contextWindows(
  vocab: Vocabulary,
  documents: readonly string[],
  k: number,
): { context: Int32Array; target: Int32Array; n: number } {
  assertInt(k, "k", 1);
  const context: number[] = [];
  const target: number[] = [];
  for (const doc of documents) {
    const ids = [...encode(vocab, doc), 0];
    const window = new Array<number>(k).fill(0);
    for (const next of ids) {
      context.push(...window);
      target.push(next);
      window.shift();
      window.push(next);
    }
  }
  return { context: Int32Array.from(context), target: Int32Array.from(target), n: target.length };
}

/** Options of {@link maskedBatch}. */
export interface MaskOptions {
  /** Fraction of each document's characters replaced by [MASK] (default 0.15; at least one per document). */
  rate?: number;
  /** Uniform generator (default Math.random, seeded by lib/random's `seed`). */
  rng?: () => number;
}

/**
 * Documents for the fill-in-the-blank objective (a masked language model, Devlin et al. 2018,
 * "BERT"): the inputs are {@link documentBatch}'s x with some characters replaced by the
 * [MASK] id, V = vocab.size (one past the vocabulary); the targets are the hidden characters
 * at masked positions and PAD everywhere else. The boundary at position 0 is never masked.
 * @returns x int32 shape [B, T] (ids in [0, V]); y int32 shape [B, T]
 */
export function maskedBatch(
  vocab: Vocabulary,
  documents: readonly string[],
  contextLength = maxContext(documents),
  options: MaskOptions = {},
): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const { rate = 0.15, rng = Math.random } = options;
  if (!(rate > 0 && rate <= 1)) throw new Error(`rate must be in (0, 1], got ${rate}`);
  const T = contextLength;
  const plain = documentBatch(vocab, documents, T);
  const x = plain.x.dataSync().slice() as Int32Array;
  tf.dispose([plain.x, plain.y]);
  const y = new Int32Array(x.length).fill(PAD);
  documents.forEach((doc, b) => {
    const n = characters(doc).length; // characters sit at positions 1 … n
    const picked = new Set<number>();
    for (let t = 1; t <= n; t++) if (rng() < rate) picked.add(t);
    if (picked.size === 0 && n > 0) picked.add(1 + randInt(n, rng));
    for (const t of picked) {
      y[b * T + t] = x[b * T + t];
      x[b * T + t] = vocab.size;
    }
  });
  return { x: tf.tensor2d(x, [documents.length, T], "int32"), y: tf.tensor2d(y, [documents.length, T], "int32") };
}
