/**
 * Checks for stage 08 (exercises/08-text-to-image.ts). Reference values are worked out by hand
 * in the comments (dyadic numbers for the quantizer, closed forms for the contrastive loss, the
 * inverse CDF of small softmaxes for the sampler); gradients come from tf.grads of the learner's
 * own function. Nothing here calls the solution or lib/vq, lib/contrastive, lib/text-to-image.
 */
import * as tf from "@tensorflow/tfjs";
import { CheckFailure, allClose, close, defineCheck, describeValue, expectFinite, expectTensor, runCases } from "../lib/checker/define";

/** What quantize returns (lib/vq.ts `Quantized`), written out so the checks stand alone. */
type Quantized = { zq: tf.Tensor2D; indices: tf.Tensor1D; codebookLoss: tf.Scalar; commitmentLoss: tf.Scalar };
/** lib/lm.ts `SamplingOptions`. */
type SamplingOptions = { temperature?: number; topK?: number; rng?: () => number };
type NextTokenLogits = (rows: number[][]) => Float32Array;
type SampleTokens = (nextLogits: NextTokenLogits, prompts: number[][], steps: number, options?: SamplingOptions) => number[][];
type TokenModel = (ids: tf.Tensor2D) => tf.Tensor3D;
type ImageTokenLoss = (model: TokenModel, captions: tf.Tensor2D, codes: tf.Tensor2D, textVocab: number) => tf.Scalar;

/** How near a result must be to a known mistake's for its hint. */
const MATCH = { rtol: 1e-4, atol: 1e-6 };

/**
 * 08.2's PyTorch numbers, copied from tests/reference/exercise_08.json's `clip` (written by
 * tests/reference/exercise_08_reference.py; tests/exercises/08-text-to-image.test.ts checks the copy).
 */
export const CLIP_REFERENCE = { nonSquare: 1.0675080065217024, nonSquareColumns: 1.1722148953524554, bColumns: 0.15758845064425353 };

/** The hint for embeddings scaled to length 1 along the wrong axis. */
const COLUMNS_HINT = 'that scaled each column to length 1; scale each row (one embedding per row): tf.norm(x, "euclidean", 1, true)';

/** [[0, 1], [2, 3]] */
const rowsText = (rows: readonly (readonly number[])[]) => `[${rows.map((r) => `[${r.join(", ")}]`).join(", ")}]`;

/**
 * The gradients of `f(ze, codebook)` with respect to ze and to the codebook (the caller disposes
 * them). 0·(Σze + Σcodebook) is added so that an input `f` does not reach gets a zero gradient
 * instead of tf.grads' error.
 * A failure of the backward pass (tfjs' own error) is reported as the learner's: it comes from
 * how the function was written, e.g. tf.gather with indices that depend on ze.
 */
function gradients(
  call: string,
  f: (ze: tf.Tensor2D, codebook: tf.Tensor2D) => tf.Tensor,
  ze: tf.Tensor2D,
  codebook: tf.Tensor2D,
): tf.Tensor[] {
  try {
    return tf.grads((z: tf.Tensor, c: tf.Tensor) => tf.add(f(z as tf.Tensor2D, c as tf.Tensor2D), tf.mul(0, tf.add(tf.sum(z), tf.sum(c)))))(
      [ze, codebook],
    );
  } catch (e) {
    if (!(e instanceof Error) || e.name === "CheckFailure") throw e; // the learner's own exception, or a verdict
    if (/GatherV2/.test(e.message)) {
      throw new CheckFailure(
        `${call}: the backward pass failed in tf.gather (${e.message}). Its indices come from the argmin of ze, so tfjs tries to ` +
          "differentiate them; pick the codes with a one-hot product instead: tf.matMul(tf.oneHot(indices, K).toFloat(), codebook)",
      );
    }
    throw new CheckFailure(`${call}: the backward pass failed: ${e.message}`);
  }
}

/** Throws unless `got` is P rows of numbers equal to `want`; `hint` names a known mistake. */
function expectRows(got: unknown, want: number[][], call: string, hint?: (got: number[][]) => string | undefined): void {
  if (!Array.isArray(got) || !got.every((r) => Array.isArray(r) && r.every((x) => typeof x === "number"))) {
    throw new CheckFailure(
      `${call} returned ${describeValue(got)}${Array.isArray(got) ? " that is not rows of numbers" : ""}; expected ${rowsText(want)}`,
    );
  }
  const rows = got as number[][];
  const same = rows.length === want.length && rows.every((r, p) => r.length === want[p].length && r.every((x, i) => x === want[p][i]));
  if (!same) {
    const h = hint?.(rows);
    throw new CheckFailure(`${call} returned ${rowsText(rows)}, expected ${rowsText(want)}${h ? `. Hint: ${h}` : ""}`);
  }
}

/** A fixed rng: `values` in turn (the last one repeated), counting its calls. */
function scriptedRng(values: number[]): { rng: () => number; calls: () => number } {
  let n = 0;
  return { rng: () => values[Math.min(n++, values.length - 1)], calls: () => n };
}

/** nextLogits returning the same K logits for each of P rows, whatever the sequences. */
const constantLogits =
  (...rows: number[][]): NextTokenLogits =>
  () =>
    Float32Array.from(rows.flat());

// ---------------------------------------------------------------------------------------------
// 08.4: a bigram stand-in for the prior and its loss, written out in float64

/** The stand-in's logit table W[a][v] = sin(1.3a + 0.8v + 0.4): logits at a position depend on the id read there. */
const bigramLogit = (a: number, v: number) => Math.sin(1.3 * a + 0.8 * v + 0.4);

/** One way of scoring the stream: the right one ({}) or a typical mistake. */
export interface StreamVariant {
  /** The caption's next words scored too (positions 0 … Lc − 2), the mean over all scored tokens. */
  captions?: boolean;
  /** The image tokens' loss summed and divided by every position B·L, not by B·N. */
  perPosition?: boolean;
  /** Summed over everything; or over the N tokens of an image, then the mean over B. */
  sum?: boolean;
  perImage?: boolean;
  /** Each position scored against the token it reads (positions Lc … L − 1 against image_1 … image_{N−1}). */
  noShift?: boolean;
  /** Targets z_n instead of Vt + z_n. */
  noOffset?: boolean;
  /** log-softmax over the positions instead of the vocabulary. */
  wrongAxis?: boolean;
}

/** The stream's ids, [B][Lc + N − 1], from captions and codes (image code k is id Vt + k). */
const streamIds = (captions: number[][], codes: number[][], Vt: number) =>
  captions.map((c, b) => [...c, ...codes[b].slice(0, -1).map((z) => z + Vt)]);

/** The loss by the variant's recipe, and (right recipe only) its gradient with respect to W [V][V]. */
export function streamLoss(
  captions: number[][],
  codes: number[][],
  Vt: number,
  K: number,
  v: StreamVariant,
): { loss: number; grad: number[][] } {
  const V = Vt + K;
  const ids = streamIds(captions, codes, Vt);
  const B = ids.length;
  const L = ids[0].length;
  const Lc = captions[0].length;
  const N = codes[0].length;
  const logp = (b: number, i: number, target: number): number => {
    if (v.wrongAxis) {
      const col = ids[b].map((a) => bigramLogit(a, target));
      const m = Math.max(...col);
      return bigramLogit(ids[b][i], target) - m - Math.log(col.reduce((s, x) => s + Math.exp(x - m), 0));
    }
    const row = Array.from({ length: V }, (_, u) => bigramLogit(ids[b][i], u));
    const m = Math.max(...row);
    return row[target] - m - Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
  };
  const grad = Array.from({ length: V }, () => new Array(V).fill(0));
  let total = 0;
  let count = 0;
  for (let b = 0; b < B; b++) {
    if (v.captions) for (let i = 0; i < Lc - 1; i++, count++) total -= logp(b, i, captions[b][i + 1]);
    for (let n = 1; n <= (v.noShift ? N - 1 : N); n++, count++) {
      const i = v.noShift ? Lc - 1 + n : Lc - 2 + n;
      const target = codes[b][n - 1] + (v.noOffset ? 0 : Vt);
      total -= logp(b, i, target);
      // ∂(−log softmax(W[a])[y])/∂W[a][u] = p_u − [u = y], for the right recipe's gradient
      const a = ids[b][i];
      const row = Array.from({ length: V }, (_, u) => Math.exp(bigramLogit(a, u)));
      const z = row.reduce((s, x) => s + x, 0);
      for (let u = 0; u < V; u++) grad[a][u] += (row[u] / z - (u === target ? 1 : 0)) / (B * N);
    }
  }
  const loss = v.sum ? total : v.perImage ? total / B : v.perPosition ? total / (B * L) : total / count;
  return { loss, grad };
}

/**
 * 08.4's cases, Vt = 3 caption words (0 is the caption's PAD, still an input), K = 3 codes, V = 6:
 * (a) B = 2, Lc = 2, N = 3: ids [[1, 2, 3 + 0, 3 + 2], [2, 0, 3 + 2, 3 + 2]], positions 1, 2, 3 score
 * image_1..3; (b) Lc = 1, N = 2 (the caption's only word predicts image_1); (c) N = 1: the model
 * reads the caption alone and its last position predicts the single image token. Their losses and
 * gradients are also computed with PyTorch by tests/reference/exercise_08_reference.py
 * (tests/exercises/08-text-to-image.test.ts compares `streamLoss` with it).
 */
export const STREAM_CASES = [
  {
    captions: [
      [1, 2],
      [2, 0],
    ],
    codes: [
      [0, 2, 1],
      [2, 2, 0],
    ],
    textVocab: 3,
    K: 3,
  },
  { captions: [[2]], codes: [[1, 0]], textVocab: 3, K: 3 },
  {
    captions: [
      [1, 1, 2],
      [0, 2, 1],
    ],
    codes: [[2], [0]],
    textVocab: 3,
    K: 3,
  },
];

/** The typical mistakes of 08.4 and what each is told. */
const STREAM_MISTAKES: [StreamVariant, string][] = [
  [
    { captions: true },
    "the caption's words are scored too: only the N image tokens count (positions Lc − 1 … L − 1), the caption is the prompt",
  ],
  [{ perPosition: true }, "that divides by every position B·(Lc + N − 1); the loss is the mean over the B·N image tokens"],
  [{ sum: true }, "that is the sum; take the mean over the B·N image tokens (nats per image token)"],
  [{ perImage: true }, "that is the sum over an image's N tokens (nats per image); divide by N too, nats per image token"],
  [
    { noShift: true },
    "each position was scored against the token it reads: position i predicts the token at i + 1, so position Lc − 1 (the last caption word) predicts image_1",
  ],
  [
    { noOffset: true },
    "the targets are the codes z themselves: in the joint vocabulary image code k is id Vt + k, for the targets as for the inputs",
  ],
  [{ wrongAxis: true }, "the softmax ran over the positions: take it over the vocabulary, the last axis of the logits [B, L, V]"],
];

export const checks = [
  defineCheck({
    id: "08.1",
    name: "quantize",
    title: "vector quantization: the nearest code, straight-through zq, codebook and commitment losses",
    run(quantize: (ze: tf.Tensor2D, codebook: tf.Tensor2D) => Quantized) {
      // K = 3 codes in Dc = 2: e0 = (0, 0), e1 = (1, 0), e2 = (0, 2); N = 4 vectors (exact in float32).
      // Squared distances ‖ze_i − e_k‖²:
      //   z0 = (0.25, 0.25):   0.125,    0.625,    3.125      → k = 0 (farthest 2; largest ze·e: 0, 0.25, 0.5 → 2)
      //   z1 = (0.875, −0.25): 0.828125, 0.078125, 5.828125   → k = 1 (farthest 2; ze·e: 0, 0.875, −0.5 → 1)
      //   z2 = (0.125, 1.5):   2.265625, 3.015625, 0.265625   → k = 2 (farthest 1; ze·e: 0, 0.125, 3 → 2)
      //   z3 = (1.25, 0.25):   1.625,    0.125,    4.625      → k = 1 (farthest 2; ze·e: 0, 1.25, 0.5 → 1)
      // Both losses: (0.125 + 0.078125 + 0.265625 + 0.125)/(N·Dc = 8) = 0.59375/8 = 0.07421875.
      const z = [
        [0.25, 0.25],
        [0.875, -0.25],
        [0.125, 1.5],
        [1.25, 0.25],
      ];
      const e = [
        [0, 0],
        [1, 0],
        [0, 2],
      ];
      const ze = tf.tensor2d(z);
      const codebook = tf.tensor2d(e);
      const call = "quantize(ze = [[0.25, 0.25], [0.875, −0.25], [0.125, 1.5], [1.25, 0.25]], codebook = [[0, 0], [1, 0], [0, 2]])";
      const q = quantize(ze, codebook);
      if (typeof q !== "object" || q === null || !("zq" in q) || !("indices" in q) || !("codebookLoss" in q) || !("commitmentLoss" in q)) {
        throw new CheckFailure(`${call} returned ${describeValue(q)}; expected an object { zq, indices, codebookLoss, commitmentLoss }`);
      }
      expectTensor(q.indices, [0, 1, 2, 1], {
        call: `${call}.indices`,
        rtol: 0,
        atol: 0,
        hint: (got) => {
          if (allClose(got, [2, 2, 1, 2], MATCH))
            return "those are the farthest codes: take the argmin of the distances (tf.argMin), not the argmax";
          if (allClose(got, [2, 1, 2, 1], MATCH))
            return "those are the codes with the largest ze·e_k, which ignores ‖e_k‖²: take the argmin of the squared distances ‖ze − e_k‖²";
          return undefined;
        },
      });
      if (q.indices.dtype !== "int32") {
        throw new CheckFailure(`${call}.indices has dtype ${q.indices.dtype}; return int32 indices (tf.argMin gives them)`);
      }
      // zq has the values of the chosen codes
      expectTensor(
        q.zq,
        [
          [0, 0],
          [1, 0],
          [0, 2],
          [1, 0],
        ],
        {
          call: `${call}.zq`,
          hint: (got) =>
            allClose(got, z.flat(), MATCH) ? "zq is ze itself: its value must be the chosen codes e (zq = ze + sg[e − ze])" : undefined,
        },
      );
      const lossHint = (got: number[]) => {
        if (close(got[0], 0.59375, MATCH)) return "that is the sum; take the mean over all N·Dc numbers (as F.mse_loss)";
        if (close(got[0], 0.1484375, MATCH)) return "that is the mean over the N vectors of ‖ze − e‖²; take the mean over all N·Dc numbers";
        return undefined;
      };
      expectTensor(q.codebookLoss, 0.07421875, { call: `${call}.codebookLoss`, hint: lossHint });
      expectTensor(q.commitmentLoss, 0.07421875, { call: `${call}.commitmentLoss`, hint: lossHint });

      // The straight-through gradient: ∂/∂ze Σ zq⊙W = W (zq = ze + sg[...]), ∂/∂codebook = 0.
      const w = [
        [1, 2],
        [3, 4],
        [5, 6],
        [7, 8],
      ];
      const W = tf.tensor2d(w);
      const zeros = (rows: number) => Array.from({ length: rows }, () => [0, 0]);
      const isZero = (got: number[]) => got.every((v) => Math.abs(v) < 1e-7);
      const stCall = "the gradient of Σ zq⊙W with W = [[1, 2], [3, 4], [5, 6], [7, 8]], zq from the call above";
      const [gZe, gCb] = gradients(stCall, (a, b) => tf.sum(tf.mul(quantize(a, b).zq, W)), ze, codebook);
      expectTensor(gZe, w, {
        call: `${stCall}, with respect to ze`,
        hint: (got) =>
          isZero(got)
            ? "no gradient reaches ze: the argmin is flat, so zq = e passes nothing back. Write zq = ze + sg[e − ze] " +
              "(stopGradient from lib/vq): the straight-through estimator hands the decoder's gradient to the encoder unchanged"
            : undefined,
      });
      expectTensor(gCb, zeros(3), {
        call: `${stCall}, with respect to the codebook`,
        hint: () =>
          "zq sends a gradient to the codebook: in zq = ze + sg[e − ze] the codes are inside sg; they learn from codebookLoss only",
      });

      // The losses' gradients, both means over N·Dc = 8 numbers, so 2/8 = ¼ per difference:
      //   ∂ commitmentLoss/∂ze_i = ¼ (ze_i − e_{k_i}), ze − e = [[0.25, 0.25], [−0.125, −0.25], [0.125, −0.5], [0.25, 0.25]]
      //   ∂ codebookLoss/∂e_k = ¼ Σ_{i: k_i = k} (e_k − ze_i):
      //     e0: ¼ (−0.25, −0.25); e1: ¼ ((0.125, 0.25) + (−0.25, −0.25)) = ¼ (−0.125, 0); e2: ¼ (−0.125, 0.5)
      const commitZe = [
        [0.0625, 0.0625],
        [-0.03125, -0.0625],
        [0.03125, -0.125],
        [0.0625, 0.0625],
      ];
      const codebookCb = [
        [-0.0625, -0.0625],
        [-0.03125, 0],
        [-0.03125, 0.125],
      ];
      const [cbZe, cbCb] = gradients(`the gradient of ${call}.codebookLoss`, (a, b) => quantize(a, b).codebookLoss, ze, codebook);
      expectTensor(cbZe, zeros(4), {
        call: "the gradient of codebookLoss with respect to ze",
        hint: (got) =>
          (allClose(got, commitZe.flat(), MATCH)
            ? "codebookLoss has the gradient commitmentLoss should have (are the two stop-gradients swapped?). "
            : "") + "The codebook loss ‖sg[ze] − e‖² stops the gradient at ze: only the codes learn from it",
      });
      expectTensor(cbCb, codebookCb, {
        call: "the gradient of codebookLoss with respect to the codebook",
        hint: (got) => (isZero(got) ? "codebookLoss sends nothing to the codes: only ze goes inside sg, ‖sg[ze] − e‖²" : undefined),
      });
      const [cmZe, cmCb] = gradients(`the gradient of ${call}.commitmentLoss`, (a, b) => quantize(a, b).commitmentLoss, ze, codebook);
      expectTensor(cmZe, commitZe, {
        call: "the gradient of commitmentLoss with respect to ze",
        hint: (got) => (isZero(got) ? "commitmentLoss sends nothing to ze: only e goes inside sg, ‖ze − sg[e]‖²" : undefined),
      });
      expectTensor(cmCb, zeros(3), {
        call: "the gradient of commitmentLoss with respect to the codebook",
        hint: () => "the commitment loss ‖ze − sg[e]‖² stops the gradient at e: it moves the encoder, never the codes",
      });
      tf.dispose([gZe, gCb, cbZe, cbCb, cmZe, cmCb]);

      // Ties go to the lower index: (0.5, 0.5) is 0.5 from both (1, 0) and (0, 1), 12.5 from (3, 3).
      const tie = tf.tensor2d([[0.5, 0.5]]);
      const tieBook = tf.tensor2d([
        [1, 0],
        [0, 1],
        [3, 3],
      ]);
      expectTensor(quantize(tie, tieBook).indices, [0], {
        call: "quantize(ze = [[0.5, 0.5]], codebook = [[1, 0], [0, 1], [3, 3]]).indices",
        rtol: 0,
        atol: 0,
        hint: (got) => (got[0] === 1 ? "codes 0 and 1 are equally near: ties go to the lower index (the first minimum)" : undefined),
      });
      tf.dispose([ze, codebook, W, tie, tieBook]);
    },
  }),
  defineCheck({
    id: "08.2",
    name: "clipLoss",
    title: "CLIP's contrastive loss: cross-entropy over image→text and text→image",
    run(clipLoss: (imageEmb: tf.Tensor2D, textEmb: tf.Tensor2D, logScale: tf.Scalar | number) => tf.Scalar) {
      // (a) N = 2, both batches the identity (already unit rows), logScale = 0 → scale 1: logits = I.
      // Each row and each column is [1, 0] against its own entry: CE = −log(e/(e + 1)) = log(1 + e^−1)
      // = 0.31326168751822286, so the loss is that too. Mistakes: scale = logScale = 0 makes the logits 0
      // and the loss log 2; the mean of −log softmax over every entry is (log(1 + e^−1) + log(1 + e))/2
      // = 0.8132616875; the mean diagonal probability is σ(1) = 0.7310585786.
      const eye = tf.tensor2d([
        [1, 0],
        [0, 1],
      ]);
      const lossA = Math.log1p(Math.exp(-1));
      expectTensor(clipLoss(eye, eye, 0), lossA, {
        call: "clipLoss(imageEmb = [[1, 0], [0, 1]], textEmb = [[1, 0], [0, 1]], logScale = 0)",
        hint: ([got]) => {
          if (close(got, Math.LN2, MATCH))
            return "all logits are equal, as if the scale were logScale = 0 itself: the scale is exp(logScale) = 1";
          if (close(got, 2 * lossA, MATCH)) return "that is a sum over the N pairs; each cross-entropy is a mean over them";
          if (close(got, (lossA + Math.log1p(Math.E)) / 2, MATCH))
            return "that averages −log softmax over every entry of a row; the target of row i is entry i only (its own caption)";
          if (close(got, 1 / (1 + Math.exp(-1)), MATCH) || close(got, 1 - 1 / (1 + Math.exp(-1)), MATCH))
            return "that is built from the diagonal probabilities themselves; the cross-entropy is the mean of −log p_ii";
          return undefined;
        },
      });

      // (b) Î = [[3, 0], [0, 2]] → [[1, 0], [0, 1]]; T = [[1, 1], [0, 5]] → [[1/√2, 1/√2], [0, 1]].
      // Î·T̂ᵀ = [[1/√2, 0], [1/√2, 1]]; logScale = ln 2 → logits = [[√2, 0], [√2, 2]].
      //   image→text (rows):    log(1 + e^−√2) = 0.2176217216, log(1 + e^(√2−2)) = 0.4425475785 → mean 0.3300846501
      //   text→image (columns): [√2, √2] → log 2, [0, 2] → log(1 + e^−2) = 0.1269280110 → mean 0.4100375958
      //   loss = (0.3300846501 + 0.4100375958)/2 = 0.3700611229
      // Without normalising, logits = 2·[[3, 0], [2, 10]] = [[6, 0], [4, 20]] → 0.0323509527; with
      // scale ln 2 instead of 2, 0.5433021886; −log softmax over every entry: 0.8700611229; the mean
      // diagonal probability: 0.7069061341 (1 minus it: 0.2930938659).
      const img = tf.tensor2d([
        [3, 0],
        [0, 2],
      ]);
      const txt = tf.tensor2d([
        [1, 1],
        [0, 5],
      ]);
      const lossB = 0.3700611229307954;
      const hintB = ([got]: number[]) => {
        if (close(got, 0.330084650060132, MATCH))
          return "that is the image→text half alone (the rows); add the text→image half, CE(logitsᵀ, [0 … N−1]), and average the two";
        if (close(got, 0.41003759580145904, MATCH))
          return "that is the text→image half alone (the columns); average it with the image→text half";
        if (close(got, 0.03235095269425603, MATCH))
          return "the rows are not normalised: divide each embedding by its length first (cosine similarities)";
        if (close(got, 0.5433021885773224, MATCH))
          return "that uses logScale itself as the scale: multiply the similarities by exp(logScale)";
        if (close(got, 0.8700611229307955, MATCH))
          return "that averages −log softmax over every entry of a row; the target of row i is entry i only";
        if (close(got, 0.7069061340946294, MATCH) || close(got, 0.29309386590537057, MATCH))
          return "that is built from the diagonal probabilities themselves; the cross-entropy is the mean of −log p_ii";
        if (close(got, CLIP_REFERENCE.bColumns, MATCH)) return COLUMNS_HINT;
        return undefined;
      };
      const callB = (s: string) => `clipLoss(imageEmb = [[3, 0], [0, 2]], textEmb = [[1, 1], [0, 5]], logScale = ${s})`;
      expectTensor(clipLoss(img, txt, Math.LN2), lossB, { call: callB("ln 2"), hint: hintB });
      // the same with logScale a tf.Scalar (CLIP trains it)
      const logScale = tf.scalar(Math.LN2);
      const withScalar = clipLoss(img, txt, logScale);
      const scalarCall = callB("tf.scalar(ln 2)");
      expectFinite(
        withScalar,
        scalarCall,
        "Hint: logScale may be a tf.Scalar (a trained variable): tf.exp(logScale) takes a number or a tensor",
      );
      expectTensor(withScalar, lossB, { call: scalarCall, hint: hintB });

      // (c) The gradient with respect to logScale, at (a): logits = e^s·I, so for each row (and column)
      // ∂CE/∂s = e^s Σ_j (p_j − y_j) S_j = (σ(1) − 1)·1 + σ(−1)·0 = −σ(−1) = −1/(1 + e) = −0.2689414214,
      // and the loss, their mean, has the same. 0·s keeps tf.grad from failing when s is not used.
      const g = tf.grad((s: tf.Tensor) => tf.add(clipLoss(eye, eye, s as tf.Scalar), tf.mul(0, s)))(tf.scalar(0));
      expectTensor(g, -1 / (1 + Math.E), {
        call: "the gradient of clipLoss([[1, 0], [0, 1]], [[1, 0], [0, 1]], logScale) with respect to logScale, at 0",
        hint: ([got]) =>
          Math.abs(got) < 1e-7
            ? "no gradient reaches logScale: compute the scale with tf.exp(logScale) on the tensor (not Math.exp of its value), so it can be trained"
            : undefined,
      });
      tf.dispose([eye, img, txt, logScale, g]);

      // (d) More pairs than dimensions, N = 3, D = 2 (so an axis or a size mixed up shows), logScale = 0.5:
      // PyTorch's value (CLIP_REFERENCE); the columns scaled to length 1 instead of the rows give nonSquareColumns.
      const imgD = tf.tensor2d([
        [3, 0],
        [1, 1],
        [0, 2],
      ]);
      const txtD = tf.tensor2d([
        [1, 2],
        [2, 0],
        [-1, 1],
      ]);
      try {
        expectTensor(clipLoss(imgD, txtD, 0.5), CLIP_REFERENCE.nonSquare, {
          call: "clipLoss(imageEmb = [[3, 0], [1, 1], [0, 2]], textEmb = [[1, 2], [2, 0], [−1, 1]], logScale = 0.5) (N = 3 pairs, D = 2)",
          hint: ([got]) => (close(got, CLIP_REFERENCE.nonSquareColumns, MATCH) ? COLUMNS_HINT : undefined),
        });
      } finally {
        tf.dispose([imgD, txtD]);
      }
    },
  }),
  defineCheck({
    id: "08.3",
    name: "sampleTokens",
    title: "the prompt-then-sample loop: temperature, top-k, argmax at 0",
    run(sampleTokens: SampleTokens) {
      // (a) The loop, at temperature 0 (the argmax, no rng). The model: K = 4 logits per row, 3 at
      // (last token + 1) mod 4, 0 elsewhere. Prompts [[0, 1], [3, 3]], 3 steps:
      //   row 0: 1 → 2 → 3 → 0;  row 1: 3 → 0 → 1 → 2.
      // It must see the sequences grow: [[0, 1], [3, 3]], then [[0, 1, 2], [3, 3, 0]], then [[0, 1, 2, 3], [3, 3, 0, 1]].
      const prompts = [
        [0, 1],
        [3, 3],
      ];
      const seen: number[][][] = [];
      const plusOne: NextTokenLogits = (rows) => {
        if (!Array.isArray(rows) || !rows.every((r) => Array.isArray(r))) {
          throw new CheckFailure(
            `sampleTokens passed nextLogits ${describeValue(rows)}; pass the P sequences so far, an array of arrays of ids`,
          );
        }
        seen.push(rows.map((r) => [...r]));
        const out = new Float32Array(rows.length * 4);
        rows.forEach((r, p) => (out[p * 4 + ((r[r.length - 1] + 1) % 4)] = 3));
        return out;
      };
      const greedy = scriptedRng([0.99]);
      const callA = "sampleTokens(next = (last + 1) mod 4, prompts = [[0, 1], [3, 3]], steps = 3, { temperature: 0, rng })";
      const outA = sampleTokens(plusOne, prompts, 3, { temperature: 0, rng: greedy.rng });
      const wantSeen = [
        [
          [0, 1],
          [3, 3],
        ],
        [
          [0, 1, 2],
          [3, 3, 0],
        ],
        [
          [0, 1, 2, 3],
          [3, 3, 0, 1],
        ],
      ];
      if (seen.length !== 3) throw new CheckFailure(`${callA} called nextLogits ${seen.length} times; expected once per step, 3 times`);
      seen.forEach((rows, n) => {
        if (rowsText(rows) === rowsText(wantSeen[n])) return;
        const onlyPrompts = n > 0 && rowsText(rows) === rowsText(wantSeen[0]);
        throw new CheckFailure(
          `${callA}: at step ${n + 1} nextLogits got ${rowsText(rows)}, expected ${rowsText(wantSeen[n])}` +
            (onlyPrompts
              ? ". Hint: pass the sequences so far (each prompt and the tokens drawn), not the prompts: each draw depends on the ones before it"
              : ""),
        );
      });
      expectRows(
        outA,
        [
          [0, 1, 2, 3, 0],
          [3, 3, 0, 1, 2],
        ],
        callA,
      );
      if (rowsText(prompts) !== "[[0, 1], [3, 3]]") {
        throw new CheckFailure(
          `${callA} changed the prompts it was given (now ${rowsText(prompts)}): copy each row first and append to the copies`,
        );
      }
      if (greedy.calls() !== 0)
        throw new CheckFailure(`${callA} called rng: at temperature 0 the token is the argmax, there is nothing to draw`);
      // argmax ties go to the first
      expectRows(
        sampleTokens(constantLogits([0.5, 3, 3, -1]), [[9]], 1, { temperature: 0 }),
        [[9, 1]],
        "sampleTokens(logits [0.5, 3, 3, −1], [[9]], 1, { temperature: 0 })",
        () => "temperature 0 takes the argmax, the first one on ties",
      );
      // no steps: the prompts, and no call
      seen.length = 0;
      expectRows(sampleTokens(plusOne, [[2, 0, 1]], 0, { temperature: 0 }), [[2, 0, 1]], "sampleTokens(next, [[2, 0, 1]], steps = 0)");
      if (seen.length !== 0)
        throw new CheckFailure(
          `sampleTokens(next, [[2, 0, 1]], steps = 0) called nextLogits ${seen.length} times; with no steps it is never needed`,
        );

      // (b) The temperature. Logits ln [1, 2, 5], one prompt [7], one step, rng() = 0.2:
      //   T = 1:   p = [1, 2, 5]/8,                CDF [0.125, 0.375, 1]      → 1
      //   T = 0.5: p ∝ [1, 4, 25] = /30,           CDF [0.0333, 0.1667, 1]    → 2
      //   T = 2:   p ∝ [1, √2, √5],                CDF [0.2150, 0.5192, 1]    → 0
      // Multiplying by T swaps the answers of 0.5 and 2; ignoring T gives 1 for all three.
      const lnLogits = [0, Math.log(2), Math.log(5)];
      const drawOne = (
        what: string,
        logits: number[][],
        options: Omit<SamplingOptions, "rng">,
        r: number[],
        want: number[][],
        hint?: (got: number[][]) => string | undefined,
        calls?: number,
      ) => {
        const rng = scriptedRng(r);
        const P = logits.length;
        const steps = want[0].length - 1;
        const call = `sampleTokens(${what}, ${rowsText(want.map((w) => [w[0]]))}, ${steps}, { ${[...Object.entries(options).map(([k, v]) => `${k}: ${v}`), `rng = ${r.join(", ")}`].join(", ")} })`;
        expectRows(
          sampleTokens(
            constantLogits(...logits),
            want.map((w) => [w[0]]),
            steps,
            { ...options, rng: rng.rng },
          ),
          want,
          call,
          hint,
        );
        const expected = calls ?? P * steps;
        if (rng.calls() !== expected)
          throw new CheckFailure(`${call} called rng ${rng.calls()} times; draw exactly one uniform number per token (${expected} here)`);
      };
      const ln125 = "logits ln [1, 2, 5]";
      drawOne(ln125, [lnLogits], {}, [0.2], [[7, 1]], (got) =>
        got[0]?.[1] === 2 ? "without options.temperature, use 1 (is it undefined in your division?)" : undefined,
      );
      const tHint = (t: number) => (got: number[][]) => {
        const k = got[0]?.[1];
        if (k === 1) return "that is the temperature-1 answer: divide the logits by the temperature before the softmax";
        if ((t === 0.5 && k === 0) || (t === 2 && k === 2))
          return "that is what multiplying the logits by the temperature gives: divide by it";
        return undefined;
      };
      drawOne(ln125, [lnLogits], { temperature: 0.5 }, [0.2], [[7, 2]], tHint(0.5));
      drawOne(ln125, [lnLogits], { temperature: 2 }, [0.2], [[7, 0]], tHint(2));

      // (c) Two rows, two steps; the rows' logits differ: ln [1, 2, 5] (CDF [0.125, 0.375, 1]) and
      // ln [5, 2, 1] (CDF [0.625, 0.875, 1]). rng gives 0.2, 0.9 (step 1, rows 0 and 1), then 0.1, 0.7:
      //   row 0: 0.2 → 1, 0.1 → 0;   row 1: 0.9 → 2, 0.7 → 1.
      // Row 0's logits for both rows would give row 1: 0.9 → 2, 0.7 → 2.
      drawOne(
        "logits ln [1, 2, 5] for row 0, ln [5, 2, 1] for row 1",
        [lnLogits, [Math.log(5), Math.log(2), 0]],
        {},
        [0.2, 0.9, 0.1, 0.7],
        [
          [7, 1, 0],
          [8, 2, 1],
        ],
        (got) =>
          rowsText(got) === "[[7, 1, 0], [8, 2, 2]]"
            ? "every row used row 0's logits: row p's are logits[p·K … (p+1)·K), with K = logits.length / P"
            : undefined,
      );

      // (d) top-k. ln [1, 2, 5] with topK = 2 keeps [2, 5]: p = [0, 2/7, 5/7], CDF [0, 0.2857, 1], so
      // rng() = 0.1 → 1 (0 without top-k); topK = 1 → always 2; topK = 5 ≥ K keeps all three → 0.
      drawOne(ln125, [lnLogits], { topK: 2 }, [0.1], [[7, 1]], (got) =>
        got[0]?.[1] === 0 ? "with topK = 2 only the 2 largest logits keep their weight; the others get probability 0" : undefined,
      );
      drawOne(ln125, [lnLogits], { topK: 1 }, [0.1], [[7, 2]], () => "topK = 1 keeps only the largest logit");
      drawOne(ln125, [lnLogits], { topK: 5 }, [0.1], [[7, 0]], () => "a topK larger than K keeps all K candidates");

      // (e) Large logits [1000, 1001, 1002] = softmax [0, 1, 2]: CDF [0.0900, 0.3348, 1]; rng() = 0.05 → 0.
      drawOne(
        "logits [1000, 1001, 1002]",
        [[1000, 1001, 1002]],
        {},
        [0.05],
        [[7, 0]],
        () => "subtract the largest logit before Math.exp: exp(1000) is Infinity",
      );

      // (f) Without options.rng the draws come from Math.random (here a stub returning 0.2 → 1, as in (b)).
      const random = Math.random;
      Math.random = () => 0.2;
      try {
        expectRows(
          sampleTokens(constantLogits(lnLogits), [[7]], 1),
          [[7, 1]],
          "sampleTokens(logits ln [1, 2, 5], [[7]], 1) with Math.random() = 0.2",
          () => "without options.rng, draw with Math.random (and temperature 1)",
        );
      } finally {
        Math.random = random;
      }
    },
  }),
  defineCheck({
    id: "08.4",
    name: "imageTokenLoss",
    title: "build it: the prior's loss on the [caption ; image tokens] stream, image tokens only",
    async run(imageTokenLoss: ImageTokenLoss) {
      // The stand-in model is a bigram table: logits[b, i] = W[ids[b, i]] with W[a][v] = sin(1.3a + 0.8v + 0.4)
      // (one-hot rows times W, so the table gets a gradient). It checks the ids it is given: int32,
      // length Lc + N − 1, caption ids below Vt and image ids Vt + k. The loss and its gradient with
      // respect to W are worked out in float64 above (streamLoss: log-softmax of the table's rows).
      const run = (captions: number[][], codes: number[][], Vt: number, K: number) => {
        const V = Vt + K;
        const Lc = captions[0].length;
        const N = codes[0].length;
        const L = Lc + N - 1;
        const call = `imageTokenLoss(bigram model, captions = ${rowsText(captions)}, codes = ${rowsText(codes)}, textVocab = ${Vt}) (K = ${K})`;
        const table = tf.tensor2d(Array.from({ length: V }, (_, a) => Array.from({ length: V }, (_, u) => bigramLogit(a, u)))); // [V, V]
        const model =
          (W: tf.Tensor2D): TokenModel =>
          (ids) => {
            if (!ids || ids.dtype !== "int32" || ids.shape?.length !== 2) {
              throw new CheckFailure(
                `${call}: the model was given ${ids ? `a ${ids.dtype} tensor of shape [${ids.shape}]` : describeValue(ids)}; it takes int32 ids [B, L]`,
              );
            }
            if (ids.shape[0] !== captions.length || ids.shape[1] !== L) {
              const why =
                ids.shape[1] === Lc + N
                  ? ": the last image token is never an input (nothing comes after it to predict)"
                  : ids.shape[1] === N
                    ? ": the caption comes first, it is the prompt"
                    : "";
              throw new CheckFailure(
                `${call}: the model was given ids of shape [${ids.shape.join(", ")}], expected [B, Lc + N − 1] = [${captions.length}, ${L}]` +
                  (why ? `. Hint${why.replace(/^:/, ":")}` : ""),
              );
            }
            const got = ids.arraySync() as number[][];
            const want = streamIds(captions, codes, Vt);
            if (rowsText(got) !== rowsText(want)) {
              const raw = captions.map((c, b) => [...c, ...codes[b].slice(0, -1)]);
              throw new CheckFailure(
                `${call}: the model was given ids ${rowsText(got)}, expected ${rowsText(want)}` +
                  (rowsText(got) === rowsText(raw)
                    ? ". Hint: image code k is id Vt + k of the joint vocabulary (add textVocab to the codes), or it reads as a caption word"
                    : ""),
              );
            }
            return tf.tidy(() => tf.matMul(tf.oneHot(ids.reshape([-1]), V).toFloat(), W).reshape([captions.length, L, V]) as tf.Tensor3D);
          };
        const c = tf.tensor2d(captions, undefined, "int32");
        const z = tf.tensor2d(codes, undefined, "int32");
        try {
          const want = streamLoss(captions, codes, Vt, K, {});
          const loss = imageTokenLoss(model(table), c, z, Vt);
          expectTensor(loss, want.loss, {
            call,
            hint: ([got]) => {
              const causes = STREAM_MISTAKES.filter(([v]) => {
                const wrong = streamLoss(captions, codes, Vt, K, v).loss;
                return close(got, wrong, MATCH) && !close(want.loss, wrong, MATCH);
              }).map(([, why]) => why);
              return causes.length === 0
                ? undefined
                : causes.length === 1
                  ? causes[0]
                  : `one of ${causes.length} causes: ${causes.join("; or ")}`;
            },
          });
          (loss as tf.Tensor).dispose();
          // The gradient an optimiser would follow: with respect to the table W
          let g: tf.Tensor;
          try {
            g = tf.grad((W: tf.Tensor) => tf.add(imageTokenLoss(model(W as tf.Tensor2D), c, z, Vt), tf.mul(0, tf.sum(W))))(table);
          } catch (e) {
            if (!(e instanceof Error) || e.name === "CheckFailure") throw e;
            throw new CheckFailure(`the gradient of ${call} failed: ${e.message}`);
          }
          try {
            expectTensor(g, want.grad, {
              call: `the gradient of ${call} with respect to the model's weights`,
              hint: (got) =>
                got.every((x) => Math.abs(x) < 1e-9)
                  ? "no gradient reaches the model: build the loss from the model's logits with tf ops (no dataSync, no new tf.scalar), so it can be trained"
                  : undefined,
            });
          } finally {
            g.dispose();
          }
        } finally {
          tf.dispose([table, c, z]);
        }
      };
      await runCases(
        STREAM_CASES.map(
          ({ captions, codes, textVocab, K }) =>
            () =>
              run(captions, codes, textVocab, K),
        ),
      );
    },
  }),
];
