/**
 * Conditional diffusion with classifier-free guidance, and a tiny "text" front end: "draw me a 7"
 * in miniature. Built by composition on lib/diffusion.ts (its ε-network, loss and samplers are
 * used unchanged). Taught in notebooks/07-conditional-generation.ipynb.
 *
 *   createCondEpsMLP     ε_θ(x_t, t, c): lib/diffusion's createEpsMLP fed [x_t, embedding(c)]
 *   NULL_CLASS           the "no condition" token ∅ (class index K); nullCondition for classes or vectors
 *   dropCondition        replace labels by ∅ with probability pUncond (training)
 *   conditionalLoss      diffusionLoss with the dropped-out condition
 *   guidedEps            ε̂ = ε_θ(x_t, ∅) + w·(ε_θ(x_t, c) − ε_θ(x_t, ∅))
 *   guidedEpsTheta       an EpsTheta that samples class c with guidance w (for pSampleLoop / ddimSampleLoop)
 *   parsePrompt          "a seven" | "7" | "七" | "three" → 7, 7, 7, 3
 *
 * Source: J. Ho & T. Salimans, "Classifier-Free Diffusion Guidance" (2021), Algorithms 1–2
 * and eq. (6). Their w' = 1 + w: here w = 0 is the unconditional model, w = 1 the plain
 * conditional model, w > 1 pushes beyond it (sharper, more typical, less diverse digits).
 *
 * Shapes: B batch, D data features, C class-embedding size, K classes (10 digits).
 */
import * as tf from "@tensorflow/tfjs";
import { assertInt, assertShape } from "./assert";
import { createEpsMLP, diffusionLoss, type EpsMLPOptions, type EpsTheta, type Schedule } from "./diffusion";

/** Number of digit classes K. */
export const NUM_CLASSES = 10;
/** The class index of the empty condition ∅ (one past the digits). */
export const NULL_CLASS = NUM_CLASSES;

/**
 * A condition: class indices, int32 [B] (∅ is NULL_CLASS), or condition vectors, float32 [B, Dc]
 * such as a caption's pooled embedding (notebooks/08-text-to-image; ∅ is the zero vector).
 */
export type Condition = tf.Tensor1D | tf.Tensor2D;

/** A conditional noise predictor ε_θ(x_t, t, c); c is a class by default. */
export interface CondEpsTheta<C extends Condition = tf.Tensor1D> {
  /**
   * @param xt shape [B, D]
   * @param t step indices, int32 [B]
   * @param c class indices 0..K−1, or NULL_CLASS for ∅, int32 [B]; or vectors [B, Dc] (∅ = 0)
   * @returns ε̂, shape [B, D]
   */
  (xt: tf.Tensor2D, t: tf.Tensor1D, c: C): tf.Tensor2D;
}

/** The empty condition ∅ for every row of `c`: NULL_CLASS for classes, zeros for vectors. */
export function nullCondition<C extends Condition>(c: C): C {
  return (c.rank === 1 ? tf.fill(c.shape, NULL_CLASS, "int32") : tf.zeros(c.shape)) as C;
}

export interface CondEpsMLPOptions extends EpsMLPOptions {
  /** Class-embedding size C (default 16). */
  classDim?: number;
}

export interface CondEpsMLP {
  epsTheta: CondEpsTheta;
  /** The inner network's variables and the class-embedding table [K + 1, C]. */
  variables: tf.Variable[];
  dispose(): void;
}

/**
 * ε_θ(x_t, t, c) by composition: a learned embedding e(c) (row K is ∅) is appended to x_t and
 * the result goes through `createEpsMLP({ dataDim: D + C, ... })`; its first D outputs are ε̂
 * (the last C outputs are ignored and get no gradient).
 */
export function createCondEpsMLP(options: CondEpsMLPOptions): CondEpsMLP {
  const { classDim: C = 16, ...inner } = options;
  const D = inner.dataDim;
  assertInt(D, "options.dataDim", 1);
  assertInt(C, "options.classDim", 1);
  const net = createEpsMLP({ ...inner, dataDim: D + C });
  const classEmbedding = tf.tidy(() => tf.variable(tf.randomNormal([NUM_CLASSES + 1, C], 0, 1))); // [K + 1, C]
  const epsTheta: CondEpsTheta = (xt, t, c) => {
    assertShape(xt, [null, D], "xt", ["B", "D"]);
    const B = xt.shape[0];
    assertShape(t, [B], "t", ["B"]);
    assertShape(c, [B], "c", ["B"]);
    return tf.tidy(() => {
      const e = tf.gather(classEmbedding, c.toInt()); // [B, C]
      const out = net.epsTheta(tf.concat([xt, e], 1) as tf.Tensor2D, t); // [B, D + C]
      return out.slice([0, 0], [B, D]) as tf.Tensor2D; // [B, D]
    });
  };
  const variables = [...net.variables, classEmbedding];
  return { epsTheta, variables, dispose: () => tf.dispose(variables) };
}

/**
 * Condition dropout (Ho & Salimans Algorithm 1, line 3): each label becomes ∅ with probability
 * `pUncond`, so one network learns both ε_θ(x_t, c) and ε_θ(x_t, ∅). Condition vectors [B, Dc]
 * are dropped row by row to the zero vector.
 * @param labels int32 [B] (or vectors [B, Dc])
 * @param pUncond probability of dropping a label (0 ≤ p ≤ 1)
 * @returns int32 [B] (or [B, Dc])
 */
export function dropCondition<C extends Condition = tf.Tensor1D>(labels: C, pUncond: number): C {
  if (labels.rank !== 1 && labels.rank !== 2) assertShape(labels, [null], "labels", ["B"]);
  if (!(pUncond >= 0 && pUncond <= 1)) throw new Error(`pUncond must be in [0, 1], got ${pUncond}`);
  return tf.tidy(() => {
    const B = labels.shape[0];
    if (labels.rank === 2) {
      const keep = tf.randomUniform([B, 1]).greaterEqual(pUncond).toFloat(); // [B, 1]
      return tf.mul(labels, keep) as C; // [B, Dc]
    }
    const drop = tf.randomUniform(labels.shape).less(pUncond); // [B]
    return tf.where(drop, tf.fill(labels.shape, NULL_CLASS, "int32"), labels.toInt()) as C;
  });
}

export interface ConditionalLossOptions {
  /** Probability of replacing a label by ∅ (default 0.1, as Ho & Salimans' p_uncond ∈ {0.1, 0.2}). */
  pUncond?: number;
}

/**
 * L_simple of lib/diffusion's `diffusionLoss` with the class as an extra input and condition
 * dropout.
 * @param x0 clean data, shape [B, D]
 * @param labels int32 [B], or condition vectors [B, Dc] (dropped to 0)
 * @returns the loss, shape []
 */
export function conditionalLoss<C extends Condition = tf.Tensor1D>(
  epsTheta: CondEpsTheta<C>,
  x0: tf.Tensor2D,
  labels: C,
  schedule: Schedule,
  options: ConditionalLossOptions = {},
): tf.Scalar {
  if (labels.rank === 2) assertShape(labels, [x0.shape[0], null], "labels (condition vectors)", ["B", "Dc"]);
  else assertShape(labels, [x0.shape[0]], "labels", ["B"]);
  return tf.tidy(() => {
    const c = dropCondition(labels, options.pUncond ?? 0.1); // [B] or [B, Dc]
    return diffusionLoss((xt, t) => epsTheta(xt, t, c), x0, schedule);
  });
}

/**
 * Classifier-free guidance (Ho & Salimans eq. 6, with w here = their 1 + w):
 *   ε̂ = ε_uncond + w·(ε_cond − ε_uncond)
 * w = 0 gives ε_uncond, w = 1 gives ε_cond, w > 1 moves further along the direction that makes
 * the image more like its class.
 * @param epsCond ε_θ(x_t, c), shape [B, D]
 * @param epsUncond ε_θ(x_t, ∅), shape [B, D]
 * @returns ε̂, shape [B, D]
 */
export function guidedEps(epsCond: tf.Tensor2D, epsUncond: tf.Tensor2D, w: number): tf.Tensor2D {
  assertShape(epsCond, [null, null], "epsCond", ["B", "D"]);
  assertShape(epsUncond, epsCond.shape, "epsUncond (the shape of epsCond)", ["B", "D"]);
  if (!Number.isFinite(w)) throw new Error(`guidance scale w must be a finite number, got ${w}`);
  return tf.tidy(() => epsUncond.add(epsCond.sub(epsUncond).mul(w)) as tf.Tensor2D);
}

/**
 * An unconditional-looking EpsTheta that draws class `labels[b]` for row b with guidance w:
 * one forward pass on [x_t; x_t] with [c; ∅], then `guidedEps`. Pass it to lib/diffusion's
 * `pSampleLoop` or `ddimSampleLoop`.
 * @param labels int32 [B], or condition vectors [B, Dc] with ∅ = 0 (the caller keeps ownership)
 */
export function guidedEpsTheta<C extends Condition = tf.Tensor1D>(epsTheta: CondEpsTheta<C>, labels: C, w: number): EpsTheta {
  if (labels.rank !== 2) assertShape(labels, [null], "labels", ["B"]);
  const B = labels.shape[0];
  return (xt, t) => {
    assertShape(xt, [B, null], "xt (one row per label)", ["B", "D"]);
    return tf.tidy(() => {
      if (w === 1) return epsTheta(xt, t, labels);
      if (w === 0) return epsTheta(xt, t, nullCondition(labels));
      const c = labels.rank === 1 ? labels.toInt() : labels;
      const both = epsTheta(
        tf.concat([xt, xt], 0) as tf.Tensor2D, // [2B, D]
        tf.concat([t, t], 0) as tf.Tensor1D, // [2B]
        tf.concat([c, nullCondition(c)], 0) as C, // [2B] or [2B, Dc]
      );
      const [epsCond, epsUncond] = tf.split(both, 2, 0) as [tf.Tensor2D, tf.Tensor2D]; // [B, D] each
      return guidedEps(epsCond, epsUncond, w);
    });
  };
}

// ---------------------------------------------------------------------------------------------
// The "text" front end
// ---------------------------------------------------------------------------------------------

const ENGLISH = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
const CHINESE = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
const FILLERS = new Set(["a", "an", "the", "digit", "number", "draw", "me", "please", "of", "write", "show"]);

/** What `parsePrompt` understands, for error messages and the notebook. */
export const PROMPT_VOCABULARY =
  `a digit 0–9, an English number word (${ENGLISH.join(", ")}), or a Chinese numeral (${CHINESE.join(" ")} and 〇), ` +
  `optionally with filler words (${[...FILLERS].join(", ")})`;

/**
 * Maps a tiny prompt to a digit class: "7", "seven", "a seven", "draw me a 7", "七" → 7.
 * Case and punctuation are ignored. Exactly one digit must be named; anything else throws an
 * error that lists what is understood (no guessing).
 */
export function parsePrompt(prompt: string): number {
  if (typeof prompt !== "string") throw new Error(`parsePrompt: prompt must be a string, got ${typeof prompt}`);
  const tokens = prompt
    .toLowerCase()
    .replace(/[.,!?;:"'()]/g, " ")
    .split(/\s+/)
    .filter((s) => s.length > 0);
  const found: number[] = [];
  const unknown: string[] = [];
  for (const token of tokens) {
    if (FILLERS.has(token)) continue;
    if (/^[0-9]$/.test(token)) found.push(Number(token));
    else if (ENGLISH.includes(token)) found.push(ENGLISH.indexOf(token));
    else if (token === "〇") found.push(0);
    else if ([...token].length === 1 && CHINESE.includes(token)) found.push(CHINESE.indexOf(token));
    else unknown.push(token);
  }
  if (unknown.length > 0 || found.length !== 1) {
    const why =
      unknown.length > 0
        ? `does not understand ${unknown.map((u) => JSON.stringify(u)).join(", ")}`
        : found.length === 0
          ? "names no digit"
          : `names ${found.length} digits (${found.join(", ")}), expected one`;
    throw new Error(`parsePrompt(${JSON.stringify(prompt)}) ${why}. It understands ${PROMPT_VOCABULARY}.`);
  }
  return found[0];
}
