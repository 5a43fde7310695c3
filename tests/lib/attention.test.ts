import * as tf from "@tensorflow/tfjs";
import * as fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import {
  causalMask,
  createMultiHeadAttention,
  mergeHeads,
  multiHeadAttention,
  positionalEncoding,
  scaledDotProductAttention,
  splitHeads,
} from "../../lib/attention";
import { seed, unseed } from "../../lib/random";
import { expectClose } from "../helpers/close";
import { expectNoLeak } from "../helpers/leak";

// PyTorch 1.13 on fixed inputs, written by tests/reference/attention_reference.py.
const ref = JSON.parse(fs.readFileSync("tests/reference/attention.json", "utf8"));

afterEach(() => unseed());

describe("scaledDotProductAttention", () => {
  it("matches the hand-computed example: q = [1, 0], K = I₂ gives softmax([1, 0]/√2)", () => {
    expectNoLeak(() => {
      const q = tf.tensor2d([[1, 0]]);
      const k = tf.eye(2);
      const v = tf.tensor2d([
        [10, 0],
        [0, 10],
      ]);
      const { output, weights } = scaledDotProductAttention(q, k, v);
      // softmax([1/√2, 0]) = [e^{0.7071}, 1] / (e^{0.7071} + 1) = [0.669762, 0.330238]
      expectClose(weights, [[0.669762, 0.330238]], { atol: 1e-6 });
      expectClose(output, [[6.69762, 3.30238]], { atol: 1e-5 });
      tf.dispose([q, k, v, output, weights]);
    });
  });

  it("matches PyTorch without a mask (rank 4, Tq ≠ Tk, dV ≠ dK)", () => {
    expectNoLeak(() => {
      const r = ref.sdpa;
      const [q, k, v] = [tf.tensor(r.q), tf.tensor(r.k), tf.tensor(r.v)];
      const { output, weights } = scaledDotProductAttention(q, k, v);
      expect(output.shape).toEqual([2, 2, 3, 6]);
      expect(weights.shape).toEqual([2, 2, 3, 5]);
      expectClose(output, r.output, { atol: 1e-5 });
      expectClose(weights, r.weights, { atol: 1e-6 });
      tf.dispose([q, k, v, output, weights]);
    });
  });

  it("matches PyTorch with the causal mask (is_causal=True)", () => {
    expectNoLeak(() => {
      const r = ref.sdpa_causal;
      const [q, k, v] = [tf.tensor(r.q), tf.tensor(r.k), tf.tensor(r.v)];
      const mask = causalMask(4);
      const { output, weights } = scaledDotProductAttention(q, k, v, mask);
      expectClose(output, r.output, { atol: 1e-5 });
      expectClose(weights, r.weights, { atol: 1e-6 });
      // Future keys get exactly zero weight; the first query sees only itself.
      const w = weights.arraySync() as number[][][];
      expect(w[0][0]).toEqual([1, 0, 0, 0]);
      expect(w[1][2][3]).toBe(0);
      tf.dispose([q, k, v, mask, output, weights]);
    });
  });

  it("matches PyTorch with an arbitrary boolean mask broadcast over the batch", () => {
    const r = ref.sdpa_mask;
    const [q, k, v, mask] = [tf.tensor(r.q), tf.tensor(r.k), tf.tensor(r.v), tf.tensor(r.mask)];
    const { output, weights } = scaledDotProductAttention(q, k, v, mask);
    expectClose(output, r.output, { atol: 1e-5 });
    expectClose(weights, r.weights, { atol: 1e-6 });
    tf.dispose([q, k, v, mask, output, weights]);
  });

  it("stays finite with extreme scores and gives uniform weights where every key is masked", () => {
    const q = tf.tensor2d([
      [100, 0],
      [0, 0],
    ]);
    const k = tf.tensor2d([
      [100, 0],
      [-100, 0],
    ]);
    const v = tf.tensor2d([[1], [3]]);
    const mask = tf.tensor2d([
      [1, 1],
      [0, 0],
    ]);
    const { output, weights } = scaledDotProductAttention(q, k, v, mask);
    expectClose(
      weights,
      [
        [1, 0],
        [0.5, 0.5],
      ],
      { atol: 1e-6 },
    );
    expectClose(output, [[1], [2]], { atol: 1e-5 });
    tf.dispose([q, k, v, mask, output, weights]);
  });

  it("says which argument has the wrong shape", () => {
    const q = tf.zeros([2, 3, 4]);
    const k = tf.zeros([2, 5, 3]);
    const v = tf.zeros([2, 5, 4]);
    expect(() => scaledDotProductAttention(q, k, v)).toThrow(/k must have shape \[2, \?, 4\]/);
    const k2 = tf.zeros([2, 5, 4]);
    const v2 = tf.zeros([2, 6, 4]);
    expect(() => scaledDotProductAttention(q, k2, v2)).toThrow(/v must have shape \[2, 5, \?\]/);
    const badMask = tf.ones([4, 4]);
    expect(() => scaledDotProductAttention(q, k2, k2, badMask)).toThrow(/mask must broadcast to \[\.\.\., Tq=3, Tk=5\]/);
    expect(() => scaledDotProductAttention(tf.zeros([3]), k, v)).toThrow(/q must have rank 2 to 4/);
    tf.dispose([q, k, v, k2, v2, badMask]);
  });
});

describe("causalMask", () => {
  it("is the lower triangle, diagonal included (T = 1 and T = 3)", () => {
    const m1 = causalMask(1);
    const m3 = causalMask(3);
    expectClose(m1, [[1]]);
    expectClose(m3, [
      [1, 0, 0],
      [1, 1, 0],
      [1, 1, 1],
    ]);
    expect(() => causalMask(0)).toThrow(/T must be an integer ≥ 1/);
    tf.dispose([m1, m3]);
  });
});

describe("splitHeads / mergeHeads", () => {
  it("puts columns h·dHead … (h+1)·dHead − 1 in head h, and mergeHeads undoes it", () => {
    expectNoLeak(() => {
      const x = tf.tidy(() => tf.reshape(tf.range(0, 2 * 3 * 4), [2, 3, 4]) as tf.Tensor3D); // B 2, T 3, D 4
      const heads = splitHeads(x, 2);
      expect(heads.shape).toEqual([2, 2, 3, 2]);
      const h = heads.arraySync();
      expect(h[0][1][2]).toEqual([10, 11]); // batch 0, head 1, time 2: x[0, 2, 2:4]
      const back = mergeHeads(heads);
      expectClose(back, x);
      expect(() => splitHeads(x, 3)).toThrow(/D = 4 must be divisible by the number of heads H = 3/);
      tf.dispose([x, heads, back]);
    });
  });
});

describe("multiHeadAttention", () => {
  it("matches torch.nn.MultiheadAttention with a causal mask (output and per-head weights)", () => {
    expectNoLeak(() => {
      const r = ref.mha;
      const params = {
        wQ: tf.tensor2d(r.wQ),
        wK: tf.tensor2d(r.wK),
        wV: tf.tensor2d(r.wV),
        wO: tf.tensor2d(r.wO),
        bQ: tf.tensor1d(r.bQ),
        bK: tf.tensor1d(r.bK),
        bV: tf.tensor1d(r.bV),
        bO: tf.tensor1d(r.bO),
      };
      const x = tf.tensor3d(r.x);
      const mask = causalMask(5);
      const { output, weights } = multiHeadAttention(x, params, r.H, mask);
      expect(output.shape).toEqual([2, 5, 8]);
      expect(weights.shape).toEqual([2, 2, 5, 5]);
      expectClose(output, r.output, { atol: 1e-5 });
      expectClose(weights, r.weights, { atol: 1e-6 });
      tf.dispose([x, mask, output, weights, ...Object.values(params)]);
    });
  });

  it("has gradients for every projection, and createMultiHeadAttention's shapes, config and variables", () => {
    seed(1);
    const before = tf.memory().numTensors;
    const params = createMultiHeadAttention({ dModel: 8, heads: 4, outScale: 0.5 });
    expect(tf.memory().numTensors - before).toBe(8); // the variables only
    expect(params.config).toEqual({ dModel: 8, heads: 4, outScale: 0.5 });
    expect(params.variables).toEqual([params.wQ, params.wK, params.wV, params.wO, params.bQ, params.bK, params.bV, params.bO]);
    expect(params.wQ.shape).toEqual([8, 8]);
    expect(params.bO.shape).toEqual([8]);
    // U(±1/√8) for wQ, wK, wV; U(±0.5/√8) for wO.
    const bound = (v: tf.Variable) => tf.tidy(() => tf.max(tf.abs(v)).dataSync()[0]);
    expect(bound(params.wQ)).toBeLessThanOrEqual(1 / Math.sqrt(8));
    expect(bound(params.wQ)).toBeGreaterThan(0.5 / Math.sqrt(8));
    expect(bound(params.wO)).toBeLessThanOrEqual(0.5 / Math.sqrt(8));
    const x = tf.randomNormal([2, 4, 8]) as tf.Tensor3D;
    const mask = causalMask(4);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(multiHeadAttention(x, params, 4, mask).output)) as tf.Scalar);
    for (const variable of params.variables) {
      const g = grads[variable.name];
      expect(g, variable.name).toBeDefined();
      expect(tf.sum(tf.abs(g!)).dataSync()[0], variable.name).toBeGreaterThan(0);
    }
    const viaMethod = params.apply(x, mask);
    const viaFunction = multiHeadAttention(x, params, 4, mask);
    expectClose(viaMethod.output, viaFunction.output, { atol: 0 }); // the method is the same function
    expect(() => multiHeadAttention(x, { ...params, wQ: tf.zeros([8, 4]) as tf.Tensor2D }, 4)).toThrow(
      /params\.wQ must have shape \[8, 8\]/,
    );
    expect(() => createMultiHeadAttention({ dModel: 8, heads: 3 })).toThrow(/dModel = 8 must be divisible by heads = 3/);
    tf.dispose([value, x, mask, viaMethod, viaFunction, ...Object.values(grads)]);
    params.dispose();
  });
});

describe("positionalEncoding", () => {
  it("PE(1, 0) = sin 1, PE(1, 1) = cos 1, row 0 alternates 0 and 1, and matches the PyTorch tutorial's table", () => {
    const pe = positionalEncoding(ref.pe.T, ref.pe.D);
    const rows = pe.arraySync();
    expectClose(rows[1][0], 0.841471, { atol: 1e-6 });
    expectClose(rows[1][1], 0.540302, { atol: 1e-6 });
    expectClose(rows[0], [0, 1, 0, 1, 0, 1, 0, 1]);
    expectClose(pe, ref.pe.pe, { atol: 1e-6 });
    expect(() => positionalEncoding(4, 5)).toThrow(/D must be even/);
    pe.dispose();
  });
});
