// lib/text-to-image.ts: the [caption ; image] layout of inputs and targets on a hand-made example,
// priorLoss against a cross-entropy written out from the logits (image positions only) and log V
// for a uniform model, the sampling loop with a fake model (growing rows, prompts untouched,
// argmax at temperature 0, the inverse-CDF draw by hand), samplePrior against a greedy loop
// written out here, natsToBits, errors and leaks.
import * as tf from "@tensorflow/tfjs";
import { afterEach, describe, expect, it } from "vitest";
import { makeRng, seed, unseed } from "../../lib/random";
import { PAD } from "../../lib/text";
import { createPrior, natsToBits, priorInputs, priorLoss, samplePrior, sampleTokens, type Prior } from "../../lib/text-to-image";
import { transformerForward } from "../../lib/transformer";
import { expectClose } from "../helpers/close";
import { expectNoLeak } from "../helpers/leak";

afterEach(() => unseed());

// Vt = 5 caption words, Lc = 3 caption tokens, K = 4 image codes, N = 3 image tokens: V = 9, T = 5.
const Vt = 5;
const Lc = 3;
const K = 4;
const N = 3;

function tinyPrior(): Prior {
  return createPrior({ textVocab: Vt, textLength: Lc, codes: K, imageTokens: N, dModel: 8, heads: 2, layers: 1 });
}

/** Overwrites the output head so every position's logits are `bias` (length V), whatever the input. */
function constantHead(prior: Prior, bias: number[]): void {
  const { wHead, bHead } = prior.transformer;
  tf.tidy(() => {
    wHead.assign(tf.zerosLike(wHead));
    bHead.assign(tf.tensor1d(bias));
  });
}

const captions = [
  [1, 2, 0],
  [3, 0, 0],
];
const codes = [
  [0, 3, 1],
  [2, 2, 0],
];

describe("createPrior", () => {
  it("a causal Transformer over V = Vt + K ids reading Lc + N − 1 tokens", () => {
    const prior = tinyPrior();
    expect(prior.config).toEqual({ textVocab: Vt, textLength: Lc, codes: K, imageTokens: N });
    expect(prior.transformer.config.vocabSize).toBe(9);
    expect(prior.transformer.config.contextLength).toBe(5);
    expect(prior.transformer.config.causal).toBe(true);
    expect(prior.variables).toBe(prior.transformer.variables);
    prior.dispose();
    expect(() => createPrior({ textVocab: Vt, textLength: Lc, codes: 1, imageTokens: N })).toThrow(/options\.codes/);
    expect(() => createPrior({ textVocab: Vt, textLength: 0, codes: K, imageTokens: N })).toThrow(/options\.textLength/);
  });
});

describe("priorInputs", () => {
  it("ids = caption then codes + Vt without the last; targets = PAD × (Lc − 1) then codes + Vt", () => {
    const prior = tinyPrior();
    const c = tf.tensor2d(captions, undefined, "int32");
    const z = tf.tensor2d(codes, undefined, "int32");
    const { ids, targets } = expectNoLeak(() => priorInputs(prior, c, z), 2);
    expect(PAD).toBe(-1);
    expect(ids.dtype).toBe("int32");
    expect(targets.dtype).toBe("int32");
    expect(ids.arraySync()).toEqual([
      [1, 2, 0, 5, 8],
      [3, 0, 0, 7, 7],
    ]);
    // position Lc − 1 (the caption's last token) predicts z₁, the last position z_N
    expect(targets.arraySync()).toEqual([
      [-1, -1, 5, 8, 6],
      [-1, -1, 7, 7, 5],
    ]);
    tf.dispose([c, z, ids, targets]);
    prior.dispose();
  });

  it("one image token: the image adds no input, only the target", () => {
    const prior = createPrior({ textVocab: Vt, textLength: 2, codes: K, imageTokens: 1, dModel: 8, heads: 2, layers: 1 });
    const c = tf.tensor2d([[4, 1]], undefined, "int32");
    const z = tf.tensor2d([[3]], undefined, "int32");
    const { ids, targets } = priorInputs(prior, c, z);
    expect(ids.arraySync()).toEqual([[4, 1]]);
    expect(targets.arraySync()).toEqual([[-1, 8]]);
    tf.dispose([c, z, ids, targets]);
    prior.dispose();
  });

  it("names the wrong argument", () => {
    const prior = tinyPrior();
    const c4 = tf.zeros([2, Lc + 1], "int32") as tf.Tensor2D;
    const c = tf.zeros([2, Lc], "int32") as tf.Tensor2D;
    const z1 = tf.zeros([1, N], "int32") as tf.Tensor2D;
    expect(() => priorInputs(prior, c4, z1)).toThrow(/captions must have shape \[\?, 3\] \(B, Lc\), got \[2, 4\]/);
    expect(() => priorInputs(prior, c, z1)).toThrow(/codes must have shape \[2, 3\] \(B, N\), got \[1, 3\]/);
    expect(() => priorLoss(prior, c4, z1)).toThrow(/captions/);
    tf.dispose([c4, c, z1]);
    prior.dispose();
  });
});

/** −(1/(B·N)) Σ log softmax(logits[b, t])[y], over the image positions t = Lc − 1 .. Lc + N − 2 only. */
function manualImageNats(logits: number[][][], images: number[][]): number {
  let total = 0;
  let count = 0;
  logits.forEach((row, b) => {
    for (let n = 0; n < N; n++) {
      const l = row[Lc - 1 + n];
      const max = Math.max(...l);
      const logZ = max + Math.log(l.reduce((s, v) => s + Math.exp(v - max), 0));
      total += logZ - l[Vt + images[b][n]];
      count++;
    }
  });
  return total / count;
}

describe("priorLoss", () => {
  it("equals the cross-entropy of the image tokens written out from transformerForward's logits", () => {
    seed(4);
    const prior = tinyPrior();
    const c = tf.tensor2d(captions, undefined, "int32");
    const z = tf.tensor2d(codes, undefined, "int32");
    const loss = expectNoLeak(() => priorLoss(prior, c, z), 1);
    expect(loss.shape).toEqual([]);
    const { ids } = priorInputs(prior, c, z);
    const out = transformerForward(prior.transformer, ids);
    const logits = out.logits.arraySync() as number[][][];
    const expected = manualImageNats(logits, codes);
    expectClose(loss, expected, { rtol: 1e-5 });
    // the caption positions would change the number: scoring every position gives another value
    let all = 0;
    logits.forEach((row, b) =>
      row.forEach((l, t) => {
        const y = t < Lc - 1 ? captions[b][t + 1] : Vt + codes[b][t - (Lc - 1)];
        const max = Math.max(...l);
        all += max + Math.log(l.reduce((s, v) => s + Math.exp(v - max), 0)) - l[y];
      }),
    );
    expect(Math.abs(all / 10 - expected)).toBeGreaterThan(1e-3);
    tf.dispose([c, z, loss, ids, out.logits, ...out.attention]);
    prior.dispose();
  });

  it("a model with uniform logits over V = Vt + K scores log V nats per image token", () => {
    const prior = tinyPrior();
    constantHead(prior, new Array(Vt + K).fill(0));
    const c = tf.tensor2d(captions, undefined, "int32");
    const z = tf.tensor2d(codes, undefined, "int32");
    const loss = priorLoss(prior, c, z);
    expectClose(loss, Math.log(Vt + K));
    expectClose(natsToBits(loss.dataSync()[0]), Math.log2(9));
    tf.dispose([c, z, loss]);
    prior.dispose();
  });
});

describe("sampleTokens", () => {
  // A fake model over K = 4 candidates whose argmax is (last token + 1) mod 4.
  const successor = (rows: number[][]) => {
    const out = new Float32Array(rows.length * 4);
    rows.forEach((r, p) => {
      const want = (r[r.length - 1] + 1) % 4;
      for (let k = 0; k < 4; k++) out[p * 4 + k] = -((k - want) ** 2);
    });
    return out;
  };

  it("temperature 0 is the argmax; each call sees every row grown by one; the prompts are not changed", () => {
    const seen: number[][][] = [];
    const prompts = [[0], [2, 2]].map((r) => [...r]);
    // rows of different lengths are fine for a fake model that only reads the last token
    const out = sampleTokens(
      (rows) => {
        seen.push(rows.map((r) => [...r]));
        return successor(rows);
      },
      prompts,
      3,
      { temperature: 0 },
    );
    expect(out).toEqual([
      [0, 1, 2, 3],
      [2, 2, 3, 0, 1],
    ]);
    expect(seen).toEqual([
      [[0], [2, 2]],
      [
        [0, 1],
        [2, 2, 3],
      ],
      [
        [0, 1, 2],
        [2, 2, 3, 0],
      ],
    ]);
    expect(prompts).toEqual([[0], [2, 2]]);
    const none = sampleTokens(successor, prompts, 0);
    expect(none).toEqual(prompts);
    expect(none[0]).not.toBe(prompts[0]); // copies
  });

  it("draws by the inverse CDF with its rng, row by row within a step", () => {
    // logits [0, ln 3]: p = [1/4, 3/4], so u < 1/4 draws 0 and u ≥ 1/4 draws 1
    const fixed = (rows: number[][]) => Float32Array.from(rows.flatMap(() => [0, Math.log(3)]));
    const us = [0.2, 0.6, 0.9, 0.1];
    let i = 0;
    const out = sampleTokens(fixed, [[7], [7]], 2, { rng: () => us[i++] });
    // step 1: row 0 gets u = 0.2, row 1 u = 0.6; step 2: row 0 0.9, row 1 0.1
    expect(out).toEqual([
      [7, 0, 1],
      [7, 1, 0],
    ]);
    expect(i).toBe(4);
  });

  it("is reproducible with makeRng(seed), and topK = 1 is the argmax at any temperature", () => {
    const flat = (rows: number[][]) => Float32Array.from(rows.flatMap(() => [0.1, 0.3, 0.2, 0.4, 0.0, 0.25]));
    const prompts = [[0], [1], [2]];
    const a = sampleTokens(flat, prompts, 12, { rng: makeRng(11) });
    const b = sampleTokens(flat, prompts, 12, { rng: makeRng(11) });
    const c = sampleTokens(flat, prompts, 12, { rng: makeRng(12) });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(a.flatMap((r) => r.slice(1))).size).toBeGreaterThan(1); // it samples, not argmax
    const top1 = sampleTokens(flat, prompts, 4, { topK: 1, temperature: 2, rng: makeRng(1) });
    expect(top1).toEqual(prompts.map((p) => [...p, 3, 3, 3, 3]));
  });

  it("says what was wrong", () => {
    expect(() => sampleTokens(() => new Float32Array(3), [[0], [1]], 1)).toThrow(/P·K = 2·K logits, got 3/);
    expect(() => sampleTokens(() => new Float32Array(0), [[0]], 1)).toThrow(/nextLogits/);
    expect(() => sampleTokens(successor, [[0]], -1)).toThrow(/steps/);
    expect(() => sampleTokens(successor, [[0]], 1.5)).toThrow(/steps/);
  });
});

describe("samplePrior", () => {
  it("int32 [P, N] codes in [0, K), reproducible with makeRng(seed), leaking nothing", () => {
    seed(7);
    const prior = tinyPrior();
    const c = tf.tensor2d([...captions, [4, 4, 4]], undefined, "int32");
    const a = expectNoLeak(() => samplePrior(prior, c, { rng: makeRng(3) }), 1);
    const b = samplePrior(prior, c, { rng: makeRng(3) });
    expect(a.shape).toEqual([3, N]);
    expect(a.dtype).toBe("int32");
    expect(a.arraySync()).toEqual(b.arraySync());
    for (const v of a.dataSync()) expect(v >= 0 && v < K && Number.isInteger(v)).toBe(true);
    tf.dispose([c, a, b]);
    prior.dispose();
  });

  it("draws only image codes, even when the model prefers caption words", () => {
    const prior = tinyPrior();
    // caption words 0..4 get logit 10, code k = 2 (id 7) gets 5, the other codes 0
    constantHead(prior, [10, 10, 10, 10, 10, 0, 0, 5, 0]);
    const c = tf.tensor2d(captions, undefined, "int32");
    const greedy = samplePrior(prior, c, { temperature: 0 });
    expect(greedy.arraySync()).toEqual([
      [2, 2, 2],
      [2, 2, 2],
    ]);
    // at temperature 1, p(code 2) = e⁵/(e⁵ + 3) ≈ 0.98 among the codes; never a caption id
    const drawn = samplePrior(prior, c, { rng: makeRng(0) });
    for (const v of drawn.dataSync()) expect(v >= 0 && v < K).toBe(true);
    tf.dispose([c, greedy, drawn]);
    prior.dispose();
  });

  it("at temperature 0, equals a greedy loop written out on transformerForward over [caption ; codes + Vt]", () => {
    seed(9);
    const prior = tinyPrior();
    const prompts = [
      [1, 2, 0],
      [3, 4, 1],
    ];
    const c = tf.tensor2d(prompts, undefined, "int32");
    const got = samplePrior(prior, c, { temperature: 0 });
    const expected = prompts.map((p) => {
      const seq = [...p]; // joint ids
      const drawn: number[] = [];
      for (let n = 0; n < N; n++) {
        const ids = tf.tensor2d([seq], undefined, "int32");
        const out = transformerForward(prior.transformer, ids);
        const last = (out.logits.arraySync() as number[][][])[0][seq.length - 1];
        tf.dispose([ids, out.logits, ...out.attention]);
        const codeLogits = last.slice(Vt); // [K]
        const k = codeLogits.indexOf(Math.max(...codeLogits));
        drawn.push(k);
        seq.push(Vt + k);
      }
      return drawn;
    });
    expect(got.arraySync()).toEqual(expected);
    tf.dispose([c, got]);
    prior.dispose();
  });

  it("names the captions when their shape is wrong", () => {
    const prior = tinyPrior();
    const wide = tf.zeros([2, Lc + 1], "int32") as tf.Tensor2D;
    const flat = tf.zeros([Lc], "int32") as unknown as tf.Tensor2D;
    expect(() => samplePrior(prior, wide)).toThrow(/captions must have shape \[\?, 3\] \(P, Lc\), got \[2, 4\]/);
    expect(() => samplePrior(prior, flat)).toThrow(/captions/);
    tf.dispose([wide, flat]);
    prior.dispose();
  });
});

describe("natsToBits", () => {
  it("divides by ln 2", () => {
    expect(natsToBits(Math.LN2)).toBeCloseTo(1, 12);
    expect(natsToBits(Math.log(256))).toBeCloseTo(8, 12);
    expect(natsToBits(0)).toBe(0);
  });
});
