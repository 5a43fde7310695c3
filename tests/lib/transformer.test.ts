import * as tf from "@tensorflow/tfjs";
import * as fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { seed, unseed } from "../../lib/random";
import { buildVocabulary, documentBatch } from "../../lib/text";
import {
  countParameters,
  createTransformer,
  generate,
  layerNorm,
  transformerForward,
  transformerLoss,
  type Transformer,
} from "../../lib/transformer";
import { expectClose } from "../helpers/close";

// PyTorch 1.13 reference for a one-block model: tests/reference/attention_reference.py.
const ref = JSON.parse(fs.readFileSync("tests/reference/attention.json", "utf8")).transformer;

afterEach(() => unseed());

/** Overwrites a variable with reference numbers. */
function set(v: tf.Variable, values: number[] | number[][]): void {
  const t = tf.tensor(values);
  v.assign(t.reshape(v.shape));
  t.dispose();
}

describe("transformerForward", () => {
  it("matches a PyTorch pre-norm block (nn.MultiheadAttention, nn.LayerNorm, tanh GELU) logit for logit", () => {
    const model = createTransformer({ vocabSize: ref.V, contextLength: ref.T, dModel: ref.D, heads: ref.H, layers: 1 });
    const b = model.blocks[0];
    set(model.tokenEmbedding, ref.tokenEmbedding);
    set(b.norm1.gamma, ref.norm1[0]);
    set(b.norm1.beta, ref.norm1[1]);
    set(b.norm2.gamma, ref.norm2[0]);
    set(b.norm2.beta, ref.norm2[1]);
    set(model.finalNorm.gamma, ref.finalNorm[0]);
    set(model.finalNorm.beta, ref.finalNorm[1]);
    for (const k of ["wQ", "wK", "wV", "wO", "bQ", "bK", "bV", "bO"] as const) set(b.attention[k], ref[k]);
    set(b.w1, ref.w1);
    set(b.b1, ref.b1);
    set(b.w2, ref.w2);
    set(b.b2, ref.b2);
    set(model.wHead, ref.wHead);
    set(model.bHead, ref.bHead);
    const ids = tf.tensor2d(ref.ids, undefined, "int32");
    const before = tf.memory().numTensors;
    const { logits, attention } = transformerForward(model, ids);
    expect(logits.shape).toEqual([2, 4, 5]);
    const viaMethod = model.forward(ids);
    expectClose(viaMethod.logits, logits, { atol: 0 }); // the method is the same function
    tf.dispose([viaMethod.logits, ...viaMethod.attention]);
    expectClose(logits, ref.logits, { atol: 2e-5, rtol: 1e-4 });
    expectClose(attention[0], ref.attention, { atol: 1e-5 });
    tf.dispose([logits, ...attention]);
    expect(tf.memory().numTensors).toBe(before);
    ids.dispose();
    model.dispose();
  });

  it("is causal: changing a later character leaves earlier logits unchanged; causal: false is not", () => {
    seed(2);
    for (const causal of [true, false]) {
      const model = createTransformer({ vocabSize: 6, contextLength: 5, dModel: 8, heads: 2, causal });
      const a = tf.tensor2d([[0, 1, 2, 3, 4]], undefined, "int32");
      const b = tf.tensor2d([[0, 1, 2, 3, 5]], undefined, "int32");
      const [la, lb] = [transformerForward(model, a), transformerForward(model, b)];
      const early = (l: tf.Tensor3D) => tf.slice(l, [0, 0, 0], [1, 4, 6]);
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(early(la.logits), early(lb.logits)))).dataSync()[0]);
      if (causal) expect(diff).toBe(0);
      else expect(diff).toBeGreaterThan(1e-4);
      tf.dispose([a, b, la.logits, lb.logits, ...la.attention, ...lb.attention]);
      model.dispose();
    }
  });

  it("says what was wrong", () => {
    const model = createTransformer({ vocabSize: 4, contextLength: 3, dModel: 8, heads: 2 });
    const ids = tf.zeros([1, 4], "int32") as tf.Tensor2D;
    expect(() => transformerForward(model, ids)).toThrow(/sequence of length 4: contextLength is only 3/);
    expect(() => createTransformer({ vocabSize: 4, contextLength: 3, dModel: 10, heads: 4 })).toThrow(
      /dModel = 10 must be divisible by heads = 4/,
    );
    ids.dispose();
    model.dispose();
  });
});

describe("layerNorm", () => {
  it("normalises each row to mean 0 and variance 1 (before gamma and beta)", () => {
    const x = tf.tensor2d([
      [1, 2, 3, 4],
      [2, 2, 2, 2],
    ]);
    const y = layerNorm(x, tf.ones([4]) as tf.Tensor1D, tf.zeros([4]) as tf.Tensor1D);
    // Row 0: mean 2.5, variance 1.25 → (x − 2.5)/√(1.25 + 1e-5). Row 1: constant → 0.
    const s = Math.sqrt(1.25 + 1e-5);
    expectClose(
      y,
      [
        [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s],
        [0, 0, 0, 0],
      ],
      { atol: 1e-5 },
    );
  });
});

describe("training and generate", () => {
  let model: Transformer;
  const docs = ["abcab", "bca"];
  const vocab = buildVocabulary(docs);

  it("starts near ln V, every variable gets a gradient (embeddings too), and it learns the corpus", () => {
    seed(0);
    model = createTransformer({ vocabSize: vocab.size, contextLength: 6, dModel: 16, heads: 2, layers: 2, positions: "learned" });
    expect(countParameters(model)).toBe(model.variables.reduce((n, v) => n + v.size, 0));
    const { x, y } = documentBatch(vocab, docs);
    const initial = tf.tidy(() => transformerLoss(model, x, y).dataSync()[0]);
    expect(Math.abs(initial - Math.log(vocab.size))).toBeLessThan(0.5);
    const { value, grads } = tf.variableGrads(() => transformerLoss(model, x, y));
    for (const v of model.variables) {
      expect(grads[v.name], v.name).toBeDefined();
      expect(
        tf.tidy(() => tf.sum(tf.abs(grads[v.name])).dataSync()[0]),
        v.name,
      ).toBeGreaterThan(0);
    }
    tf.dispose([value, ...Object.values(grads)]);
    const opt = tf.train.adam(0.01);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 80; i++) tf.dispose(opt.minimize(() => transformerLoss(model, x, y), true)!);
    const final = tf.tidy(() => transformerLoss(model, x, y).dataSync()[0]);
    // Both documents start with "b"-or-"a": the first character costs ln 2 / 6 per character at best.
    expect(final).toBeLessThan(0.25);
    expect(tf.memory().numTensors - before).toBeLessThanOrEqual(model.variables.length * 2 + 2); // Adam's moments, created once
    tf.dispose([x, y]);
    opt.dispose();
  });

  it("generates the training documents at temperature 0 and with top-k 1, and checks its vocabulary", () => {
    seed(1);
    const samples = generate(model, vocab, { count: 4, temperature: 0 });
    for (const s of samples) expect(docs).toContain(s);
    const topOne = generate(model, vocab, { count: 4, topK: 1 });
    expect(topOne).toEqual(samples);
    expect(() => generate(model, buildVocabulary(["xyzw"]), { count: 1 })).toThrow(
      /vocab has 5 ids but the model was built for vocabSize 4/,
    );
    model.dispose();
  });
});

describe("createTransformer / model.dispose", () => {
  it("leave no tensors behind (initial values are freed, dispose frees the rest)", () => {
    for (const positions of ["learned", "sinusoidal"] as const) {
      const before = tf.memory().numTensors;
      const model = createTransformer({ vocabSize: 11, contextLength: 8, dModel: 16, heads: 2, layers: 2, positions });
      const created = tf.memory().numTensors - before;
      // The variables, plus the causal mask and (sinusoidal) the position table.
      expect(created).toBe(model.variables.length + 1 + (positions === "sinusoidal" ? 1 : 0));
      // 2 + 2 blocks × (8 attention + 8 norm and MLP) + 4 variables (one fewer without learned positions).
      expect(model.variables.length).toBe(positions === "learned" ? 38 : 37);
      expect(model.config).toEqual({
        vocabSize: 11,
        contextLength: 8,
        dModel: 16,
        heads: 2,
        layers: 2,
        mlpRatio: 4,
        positions,
        causal: true,
        maskToken: false,
      });
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});
