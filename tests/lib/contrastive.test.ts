// lib/contrastive.ts: the symmetric contrastive loss against PyTorch (tests/reference/
// contrastive_reference.py → contrastive.json: logits, loss and the gradients with respect to both
// embeddings and logScale), its edge cases (a perfect match, all-equal embeddings), the CLIP
// model's shapes and unit rows, the text encoder's pooling against a manual computation, the clamp
// on the logit scale, zero-shot classification and CLIPScore against hand-computed cosines,
// rerank, errors, leaks, and a short training run whose loss falls.
import * as tf from "@tensorflow/tfjs";
import * as fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { encodeCaption } from "../../lib/captions";
import {
  clipLogits,
  clipLoss,
  clipModelLoss,
  clipScore,
  createCLIP,
  normalizeRows,
  rerank,
  zeroShotClassify,
  type CLIPOptions,
} from "../../lib/contrastive";
import { adam } from "../../lib/engine/optimizers";
import { applyDense } from "../../lib/layers";
import { makeRng, seed, unseed } from "../../lib/random";
import { transformerHidden } from "../../lib/transformer";
import { expectClose } from "../helpers/close";
import { expectNoLeak } from "../helpers/leak";

const ref = JSON.parse(fs.readFileSync("tests/reference/contrastive.json", "utf8")).clip_loss;
const PARITY = { atol: 1e-5, rtol: 0 }; // float32 against float64

/** A judge small enough for tests: 6 × 6 images, a one-block text stack. */
const SMALL: CLIPOptions = { side: 6, channels: [4, 8], embedDim: 8, dModel: 16, heads: 2, layers: 1 };

afterEach(() => unseed());

/** Random images [n, side²] in [0, 1]. */
function randomImages(n: number, side: number, seedValue = 0): tf.Tensor2D {
  return tf.randomUniform([n, side * side], 0, 1, "float32", seedValue) as tf.Tensor2D;
}

/** Captions as an int32 [n, L] tensor. */
function captionIds(texts: string[]): tf.Tensor2D {
  return tf.tensor2d(
    texts.map((t) => encodeCaption(t)),
    undefined,
    "int32",
  );
}

/** Cosine of two plain vectors. */
function cosine(a: number[], b: number[]): number {
  const dot = a.reduce((s, x, i) => s + x * b[i], 0);
  return dot / Math.sqrt(a.reduce((s, x) => s + x * x, 0) * b.reduce((s, x) => s + x * x, 0));
}

function expectUnitRows(x: tf.Tensor2D): void {
  for (const row of x.arraySync()) expectClose(Math.hypot(...row), 1, { atol: 1e-5 });
}

describe("normalizeRows", () => {
  it("makes every row a unit vector in its own direction; a zero row stays 0 with a finite gradient", () => {
    const x = tf.tensor2d([
      [3, 4],
      [0, -2],
      [0, 0],
    ]);
    const y = expectNoLeak(() => normalizeRows(x), 1);
    expectClose(y, [
      [0.6, 0.8],
      [0, -1],
      [0, 0],
    ]);
    const g = tf.grad((z: tf.Tensor) => tf.sum(normalizeRows(z as tf.Tensor2D)))(x);
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    expect(() => normalizeRows(tf.zeros([3]) as unknown as tf.Tensor2D)).toThrow(/x must have shape \[\?, \?\] \(N, E\), got \[3\]/);
    tf.dispose([x, y, g]);
  });
});

describe("clipLogits and clipLoss", () => {
  it("match PyTorch (F.normalize, scale.exp() * i @ t.T, symmetric F.cross_entropy): logits, loss and every gradient", () => {
    const image = tf.tensor2d(ref.imageEmb);
    const text = tf.tensor2d(ref.textEmb);
    const s = tf.scalar(ref.logScale);
    const logits = expectNoLeak(() => clipLogits(image, text, s), 1);
    expect(logits.shape).toEqual([5, 5]);
    expectClose(logits, ref.logits, PARITY);
    const loss = expectNoLeak(() => clipLoss(image, text, s), 1);
    expect(loss.shape).toEqual([]);
    expectClose(loss, ref.loss, PARITY);
    const viaNumber = clipLoss(image, text, ref.logScale); // logScale as a plain number
    expectClose(viaNumber, ref.loss, PARITY);
    const grads = expectNoLeak(
      () =>
        tf.grads((i: tf.Tensor, t: tf.Tensor, l: tf.Tensor) => clipLoss(i as tf.Tensor2D, t as tf.Tensor2D, l as tf.Scalar))([
          image,
          text,
          s,
        ]),
      3,
    );
    expectClose(grads[0], ref.gradImageEmb, PARITY);
    expectClose(grads[1], ref.gradTextEmb, PARITY);
    expectClose(grads[2], ref.gradLogScale, PARITY);
    tf.dispose([image, text, s, logits, loss, viaNumber, ...grads]);
  });

  it("is ≈ 0 for a perfect match at a large scale, log N when every embedding is equal, 0 for one pair", () => {
    const N = 4;
    const basis = tf.eye(N) as tf.Tensor2D; // orthonormal rows: image i and caption i are the same vector
    const perfect = clipLoss(basis, tf.mul(basis, 3) as tf.Tensor2D, Math.log(100)); // lengths do not matter
    // logits 100 on the diagonal, 0 elsewhere: log(1 + 3e^−100)
    expect(perfect.dataSync()[0]).toBeLessThan(1e-6);
    const same = tf.ones([N, 3]) as tf.Tensor2D;
    const chance = clipLoss(same, tf.mul(same, 2) as tf.Tensor2D, Math.log(100));
    expectClose(chance, Math.log(N), { atol: 1e-5 });
    const one = tf.tensor2d([[1, 2, 3]]);
    expectClose(clipLoss(one, tf.tensor2d([[-3, 1, 0]]), 2), 0, { atol: 1e-6 }); // one pair has no negatives
    tf.dispose([basis, perfect, same, chance, one]);
  });

  it("says what was wrong", () => {
    const a = tf.zeros([4, 3]) as tf.Tensor2D;
    const b = tf.zeros([5, 3]) as tf.Tensor2D;
    expect(() => clipLoss(a, b, 1)).toThrow(/textEmb must have shape \[4, 3\] \(N, E\), got \[5, 3\]/);
    expect(() => clipLogits(tf.zeros([4]) as unknown as tf.Tensor2D, a, 1)).toThrow(/imageEmb must have shape \[\?, \?\]/);
    expect(() => clipLoss(a, a, tf.zeros([1]) as unknown as tf.Scalar)).toThrow(/logScale must have shape \[\], got \[1\]/);
    expect(() => clipLogits(a, a, NaN)).toThrow(/logScale must be a finite number, got NaN/);
    tf.dispose([a, b]);
  });
});

describe("createCLIP", () => {
  it("fills in the defaults: 14 × 14 digits, the caption vocabulary, E = 32, logScale = log(1/0.07)", () => {
    const before = tf.memory().numTensors;
    const model = createCLIP();
    expect(model.config).toEqual({
      side: 14,
      channels: [32, 64],
      embedDim: 32,
      textVocab: model.config.textVocab,
      textLength: 6,
      dModel: 64,
      heads: 4,
      layers: 2,
      padId: 0,
    });
    expect(model.config.textVocab).toBeGreaterThan(40); // CAPTION_VOCAB: English and Chinese words
    expectClose(model.logScale, Math.log(1 / 0.07));
    expect(model.text.transformer.config.causal).toBe(false);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before); // the Transformer's head and constants too
  });

  it("encodes images and captions to unit rows [B, E]; leaves nothing behind", () => {
    seed(1);
    const model = createCLIP(SMALL);
    const x = randomImages(3, 6);
    const ids = captionIds(["a 7", "a thick 3 leaning left", "一个细体5"]);
    const imageEmb = expectNoLeak(() => model.encodeImage(x), 1);
    const textEmb = expectNoLeak(() => model.encodeText(ids), 1);
    expect(imageEmb.shape).toEqual([3, 8]);
    expect(textEmb.shape).toEqual([3, 8]);
    expectUnitRows(imageEmb);
    expectUnitRows(textEmb);
    tf.dispose([x, ids, imageEmb, textEmb]);
    model.dispose();
  });

  it("pools the text encoder's hidden vectors over the words only (pads skipped), as computed by hand", () => {
    seed(2);
    const model = createCLIP(SMALL);
    const texts = ["a 7", "a thick 3 leaning left", "digit 0"];
    const ids = captionIds(texts);
    const got = model.encodeText(ids);
    const { hidden, attention } = transformerHidden(model.text.transformer, ids); // [3, 6, 16]
    const h = hidden.arraySync();
    const pooled = texts.map((t, b) => {
      const words = encodeCaption(t).flatMap((id, l) => (id === 0 ? [] : [l]));
      return h[b][0].map((_, d) => words.reduce((s, l) => s + h[b][l][d], 0) / words.length);
    });
    const projected = applyDense(model.text.projection, tf.tensor2d(pooled)).arraySync();
    const expected = projected.map((row) => row.map((v) => v / Math.hypot(...row)));
    expectClose(got, expected, { atol: 1e-5 });
    // Averaging over all L positions instead would give another vector.
    const allPositions = tf.tidy(() => normalizeRows(applyDense(model.text.projection, tf.mean(hidden, 1) as tf.Tensor2D)));
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(allPositions, got))).dataSync()[0])).toBeGreaterThan(1e-3);
    tf.dispose([ids, got, hidden, ...attention, allPositions]);
    model.dispose();
  });

  it("hands the optimiser every variable but the unused Transformer head, and each gets a gradient", () => {
    seed(3);
    const model = createCLIP(SMALL);
    const { transformer } = model.text;
    expect(model.variables).not.toContain(transformer.wHead);
    expect(model.variables).not.toContain(transformer.bHead);
    expect(model.variables).toContain(model.logScale);
    expect(model.variables.length).toBe(8 + (transformer.variables.length - 2) + 2 + 1);
    const x = randomImages(4, 6);
    const ids = captionIds(["a 1", "a 2", "a thin 3", "digit 4"]);
    const { value, grads } = tf.variableGrads(() => clipModelLoss(model, x, ids), model.variables);
    for (const v of model.variables) {
      expect(grads[v.name], v.name).toBeDefined();
      expect(
        tf.tidy(() => tf.sum(tf.abs(grads[v.name])).dataSync()[0]),
        v.name,
      ).toBeGreaterThan(0);
    }
    tf.dispose([x, ids, value, ...Object.values(grads)]);
    model.dispose();
  });

  it("says what was wrong", () => {
    const model = createCLIP(SMALL);
    const images = tf.zeros([2, 49]) as tf.Tensor2D;
    expect(() => model.encodeImage(images)).toThrow(/x must have shape \[\?, 36\] \(B, D = side² = 36\), got \[2, 49\]/);
    const long = tf.zeros([2, 7], "int32") as tf.Tensor2D;
    expect(() => model.encodeText(long)).toThrow(/ids must have shape \[\?, 6\] \(B, L\), got \[2, 7\]/);
    const floats = tf.zeros([2, 6]) as tf.Tensor2D;
    expect(() => model.encodeText(floats)).toThrow(/ids must be int32 token ids, got dtype float32/);
    const three = tf.zeros([3, 6], "int32") as tf.Tensor2D;
    const two = tf.zeros([2, 36]) as tf.Tensor2D;
    expect(() => clipModelLoss(model, two, three)).toThrow(/ids must have shape \[2, 6\] \(N, L\), got \[3, 6\]/);
    expect(() => clipScore(model, two, three)).toThrow(/ids must have shape \[2, 6\]/);
    expect(() => zeroShotClassify(model, two, floats)).toThrow(/classTexts must be int32/);
    expect(() => createCLIP({ channels: [4] as unknown as [number, number] })).toThrow(/options.channels must be \[C0, C1\]/);
    expect(() => createCLIP({ padId: 99, textVocab: 10 })).toThrow(/options.padId must be an integer in \[0, 9\], got 99/);
    expect(() => createCLIP({ dModel: 10, heads: 4 })).toThrow(/dModel = 10 must be divisible by heads = 4/);
    tf.dispose([images, long, floats, three, two]);
    model.dispose();
  });
});

describe("clipModelLoss", () => {
  it("is clipLoss of the two encoders with logScale clamped at log 100 (no gradient once clamped)", () => {
    seed(4);
    const model = createCLIP(SMALL);
    const x = randomImages(4, 6);
    const ids = captionIds(["a 1", "a 2", "a thin 3", "digit 4"]);
    const [I, T] = [model.encodeImage(x), model.encodeText(ids)];
    const loss = expectNoLeak(() => clipModelLoss(model, x, ids), 1);
    expectClose(loss, clipLoss(I, T, Math.log(1 / 0.07)), { atol: 1e-6 });
    model.logScale.assign(tf.scalar(10)); // e^10 ≫ 100
    const clamped = clipModelLoss(model, x, ids);
    expectClose(clamped, clipLoss(I, T, Math.log(100)), { atol: 1e-5 });
    const { grads } = tf.variableGrads(() => clipModelLoss(model, x, ids), [model.logScale]);
    expect(grads[model.logScale.name].dataSync()[0]).toBe(0);
    tf.dispose([x, ids, I, T, loss, clamped, ...Object.values(grads)]);
    model.dispose();
  });
});

describe("zeroShotClassify and clipScore", () => {
  it("zeroShotClassify is the argmax of the cosine matrix computed by hand, also in chunks (N > 256)", () => {
    seed(5);
    const model = createCLIP(SMALL);
    const x = randomImages(300, 6);
    const classTexts = captionIds(["a 0", "a 1", "a 2", "a 3"]);
    const predicted = expectNoLeak(() => zeroShotClassify(model, x, classTexts), 1);
    expect(predicted.shape).toEqual([300]);
    expect(predicted.dtype).toBe("int32");
    const I = model.encodeImage(x).arraySync() as number[][];
    const T = model.encodeText(classTexts).arraySync() as number[][];
    const expected = I.map((row) => {
      const cos = T.map((t) => cosine(row, t));
      return cos.indexOf(Math.max(...cos));
    });
    expect(Array.from(predicted.dataSync())).toEqual(expected);
    tf.dispose([x, classTexts, predicted]);
    model.dispose();
  });

  it("clipScore is 100 · max(cos, 0) per pair, computed by hand", () => {
    seed(6);
    const model = createCLIP(SMALL);
    const x = randomImages(5, 6);
    const ids = captionIds(["a 0", "a thick 1", "digit 2", "一个粗体3", "a 4 leaning right"]);
    const scores = expectNoLeak(() => clipScore(model, x, ids));
    expect(scores).toBeInstanceOf(Float32Array);
    const I = model.encodeImage(x).arraySync() as number[][];
    const T = model.encodeText(ids).arraySync() as number[][];
    expectClose(
      scores,
      I.map((row, n) => 100 * Math.max(cosine(row, T[n]), 0)),
      { atol: 1e-4 },
    );
    for (const s of scores) expect(s >= 0 && s <= 100).toBe(true);
    tf.dispose([x, ids]);
    model.dispose();
  });
});

describe("rerank", () => {
  it("keeps the best of each consecutive group, best first (ties: the earlier sample)", () => {
    const scores = [0.1, 0.9, 0.5, /* group 2 */ 7, 3, 7, /* group 3 */ -1, -2, -0.5];
    expect(rerank(scores, 3)).toEqual([1, 3, 8]);
    expect(rerank(scores, 3, 2)).toEqual([1, 2, 3, 5, 8, 6]);
    expect(rerank(Float32Array.from(scores), 9, 9)).toEqual([3, 5, 4, 1, 2, 0, 8, 6, 7]);
    expect(rerank([], 4)).toEqual([]);
  });

  it("says what was wrong", () => {
    expect(() => rerank([1, 2, 3], 2)).toThrow(/length 3 is not a multiple of groupSize 2/);
    expect(() => rerank([1, 2], 2, 3)).toThrow(/keep must be an integer in \[1, 2\], got 3/);
    expect(() => rerank([1, 2], 0)).toThrow(/groupSize must be an integer ≥ 1, got 0/);
    expect(() => rerank([1, NaN], 2)).toThrow(/scores\[1\] is NaN/);
  });
});

describe("training", () => {
  it("60 Adam steps on 3 toy classes bring the loss to its floor log 10, leak nothing per step, and classify zero-shot", () => {
    seed(7);
    const rng = makeRng(7);
    const side = 6;
    const N = 30;
    // Class 0: a horizontal bar, 1: a vertical bar, 2: the diagonal; each with a little noise.
    const pixels: number[] = [];
    const labels: number[] = [];
    for (let n = 0; n < N; n++) {
      const k = n % 3;
      const at = 1 + Math.floor(rng() * 4);
      for (let r = 0; r < side; r++)
        for (let c = 0; c < side; c++) {
          const ink = k === 0 ? r === at : k === 1 ? c === at : r === c;
          pixels.push(ink ? 0.9 : 0.1 * rng());
        }
      labels.push(k);
    }
    const x = tf.tensor2d(pixels, [N, side * side]);
    const names = ["a 0", "a 1", "a 2"];
    const ids = captionIds(labels.map((k) => names[k]));
    const classTexts = captionIds(names);
    const model = createCLIP(SMALL);
    const optimizer = adam(0.01);
    const step = () => tf.dispose(optimizer.minimize(() => clipModelLoss(model, x, ids), true, model.variables)!);
    const initial = tf.tidy(() => clipModelLoss(model, x, ids).dataSync()[0]);
    // Untrained, the judge is no better than chance, log 30 ≈ 3.4 (worse when all embeddings start alike).
    expect(initial).toBeGreaterThan(Math.log(N) - 0.3);
    step(); // creates Adam's moments
    expectNoLeak(step);
    for (let i = 0; i < 58; i++) step(); // 60 steps in all
    const final = tf.tidy(() => clipModelLoss(model, x, ids).dataSync()[0]);
    // Ten images share each caption, so no judge can do better than log 10 ≈ 2.303 (not 0): a caption
    // cannot tell its own image from the nine others of its class. 60 steps come close to it.
    expect(final).toBeLessThan(initial - 0.6);
    expect(final).toBeLessThan(Math.log(10) + 0.15);
    expect(final).toBeGreaterThan(Math.log(10) - 1e-3);
    const predicted = zeroShotClassify(model, x, classTexts);
    const accuracy = Array.from(predicted.dataSync()).filter((k, n) => k === labels[n]).length / N;
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
    tf.dispose([x, ids, classTexts, predicted]);
    optimizer.dispose();
    model.dispose();
  });
});
