// lib/conditional.ts: guidance at w = 0 / 1 and its closed form, condition dropout rates,
// the conditional network's shapes and training step, guided sampling through lib/diffusion's
// loops, the prompt parser, errors and leaks.
import * as tf from "@tensorflow/tfjs";
import { afterEach, describe, expect, it } from "vitest";
import {
  NULL_CLASS,
  conditionalLoss,
  createCondEpsMLP,
  dropCondition,
  guidedEps,
  guidedEpsTheta,
  nullCondition,
  parsePrompt,
} from "../../lib/conditional";
import { ddimSampleLoop, linearSchedule, pSampleLoop } from "../../lib/diffusion";
import { seed, unseed } from "../../lib/random";
import { createUNet, type UNet } from "../../lib/unet";
import { expectClose } from "../helpers/close";
import { expectNoLeak } from "../helpers/leak";

afterEach(() => unseed());

describe("guidedEps", () => {
  const cond = [
    [1, 2, 3],
    [0, -1, 4],
  ];
  const uncond = [
    [0.5, 2, 1],
    [1, 1, 1],
  ];
  it("w = 0 is the unconditional prediction, w = 1 the conditional one", () => {
    const c = tf.tensor2d(cond);
    const u = tf.tensor2d(uncond);
    const g0 = guidedEps(c, u, 0);
    const g1 = guidedEps(c, u, 1);
    expectClose(g0, uncond);
    expectClose(g1, cond);
    tf.dispose([c, u, g0, g1]);
  });
  it("w = 3 extrapolates: u + 3(c − u), worked by hand", () => {
    const c = tf.tensor2d(cond);
    const u = tf.tensor2d(uncond);
    const before = tf.memory().numTensors;
    const g = guidedEps(c, u, 3);
    expect(tf.memory().numTensors).toBe(before + 1);
    // row 0: [0.5 + 3·0.5, 2 + 0, 1 + 3·2] ; row 1: [1 + 3·(−1), 1 + 3·(−2), 1 + 3·3]
    expectClose(g, [
      [2, 2, 7],
      [-2, -5, 10],
    ]);
    tf.dispose([c, u, g]);
  });
  it("rejects mismatched shapes and a non-finite scale", () => {
    const c = tf.zeros([2, 3]) as tf.Tensor2D;
    const u = tf.zeros([2, 4]) as tf.Tensor2D;
    expect(() => guidedEps(c, u, 1)).toThrow(/epsUncond/);
    expect(() => guidedEps(c, c, NaN)).toThrow(/finite/);
    tf.dispose([c, u]);
  });
});

describe("conditional ε-network", () => {
  it("dropCondition drops about pUncond of the labels, and none or all at 0 and 1", () => {
    seed(1);
    const labels = tf.tensor1d(
      Array.from({ length: 2000 }, (_, i) => i % 10),
      "int32",
    );
    const frac = (p: number) => {
      const d = dropCondition(labels, p);
      const n = Array.from(d.dataSync()).filter((v) => v === NULL_CLASS).length;
      d.dispose();
      return n / 2000;
    };
    expect(frac(0)).toBe(0);
    expect(frac(1)).toBe(1);
    expect(Math.abs(frac(0.2) - 0.2)).toBeLessThan(0.03);
    expect(() => dropCondition(labels, 1.5)).toThrow(/pUncond/);
    labels.dispose();
  });
  it("has the documented shapes, depends on the class, trains, and guided sampling runs without leaks", () => {
    seed(0);
    const D = 6;
    const model = createCondEpsMLP({ dataDim: D, hidden: [16, 16], embedDim: 8, classDim: 4, residual: true });
    const schedule = linearSchedule(20);
    const xt = tf.randomNormal([3, D]) as tf.Tensor2D;
    const t = tf.tensor1d([0, 5, 19], "int32");
    const a = model.epsTheta(xt, t, tf.tensor1d([1, 2, 3], "int32"));
    const b = model.epsTheta(xt, t, tf.tensor1d([NULL_CLASS, NULL_CLASS, NULL_CLASS], "int32"));
    expect(a.shape).toEqual([3, D]);
    expect(tf.abs(a.sub(b)).max().dataSync()[0]).toBeGreaterThan(1e-4);
    expect(() => model.epsTheta(xt, t, tf.tensor1d([1, 2], "int32"))).toThrow(/c/);

    // guidedEpsTheta at w = 0 and 1 equals the ∅ and class predictions
    const labels = tf.tensor1d([1, 2, 3], "int32");
    expectClose(guidedEpsTheta(model.epsTheta, labels, 0)(xt, t), b, { rtol: 1e-5, atol: 1e-6 });
    expectClose(guidedEpsTheta(model.epsTheta, labels, 1)(xt, t), a, { rtol: 1e-5, atol: 1e-6 });
    const g2 = guidedEpsTheta(model.epsTheta, labels, 2)(xt, t);
    expectClose(g2, a.mul(2).sub(b), { rtol: 1e-4, atol: 1e-5 });

    // a training step lowers the loss on a fixed toy batch, and leaks nothing
    const x0 = tf.tensor2d(Array.from({ length: 32 }, (_, i) => Array.from({ length: D }, (_, j) => ((i % 2) * 2 - 1) * (j < 3 ? 1 : -1))));
    const y = tf.tensor1d(
      Array.from({ length: 32 }, (_, i) => i % 2),
      "int32",
    );
    const opt = tf.train.adam(1e-2);
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let i = 0; i < 60; i++) {
      const l = opt.minimize(() => conditionalLoss(model.epsTheta, x0, y, schedule, { pUncond: 0.2 }), true, model.variables)!;
      losses.push(l.dataSync()[0]);
      l.dispose();
    }
    expect(tf.memory().numTensors - before).toBeLessThanOrEqual(2 * model.variables.length + 1); // Adam's moments only
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    expect(mean(losses.slice(-10))).toBeLessThan(mean(losses.slice(0, 10)));

    const start = tf.memory().numTensors;
    const anc = pSampleLoop(guidedEpsTheta(model.epsTheta, labels, 3), [3, D], schedule);
    const ddim = ddimSampleLoop(guidedEpsTheta(model.epsTheta, labels, 3), [3, D], schedule, { steps: 5 });
    expect(anc.x0.shape).toEqual([3, D]);
    expect(tf.memory().numTensors).toBe(start + 2);
    tf.dispose([xt, t, a, b, labels, g2, x0, y, anc.x0, ddim.x0]);
    opt.dispose();
    model.dispose();
  });
});

describe("parsePrompt", () => {
  it("understands digits, English words, Chinese numerals and filler words", () => {
    expect(parsePrompt("7")).toBe(7);
    expect(parsePrompt("seven")).toBe(7);
    expect(parsePrompt("a seven")).toBe(7);
    expect(parsePrompt("七")).toBe(7);
    expect(parsePrompt("Three")).toBe(3);
    expect(parsePrompt("Draw me a 0, please!")).toBe(0);
    expect(parsePrompt("〇")).toBe(0);
    expect(parsePrompt("零")).toBe(0);
    expect(parsePrompt("the digit nine")).toBe(9);
  });
  it("says clearly what it does not understand and what it does", () => {
    expect(() => parsePrompt("a cat")).toThrow(
      /does not understand "cat"\. It understands a digit 0–9, an English number word \(zero, one/,
    );
    expect(() => parsePrompt("seventeen")).toThrow(/does not understand "seventeen"/);
    expect(() => parsePrompt("")).toThrow(/names no digit/);
    expect(() => parsePrompt("3 or 4")).toThrow(/does not understand "or"/);
    expect(() => parsePrompt("3 4")).toThrow(/names 2 digits \(3, 4\), expected one/);
  });
});

describe("vector conditions [B, Dc] (a caption's pooled embedding, ∅ = 0)", () => {
  /** Rows r·[1, 2, 3] + 1: every entry of every row is non-zero. */
  const vectors = (B: number) =>
    tf.tensor2d(
      Array.from({ length: B }, (_, r) => [r + 1, 2 * r + 1, 3 * r + 1]),
      [B, 3],
    );

  /** A tiny vector-conditioned U-Net with every weight redrawn: fresh, its last convolution is 0 and ε̂ = 0. */
  function tinyUNet(): UNet {
    const unet = createUNet({ side: 4, channels: [8], groups: 4, condDim: 3 });
    tf.tidy(() => unet.variables.forEach((v) => v.assign(tf.randomNormal(v.shape, 0, 0.5))));
    return unet;
  }

  it("dropCondition zeros whole rows with probability pUncond: none at 0, all at 1", () => {
    seed(3);
    const B = 2000;
    const c = vectors(B);
    const kept = expectNoLeak(() => dropCondition(c, 0), 1);
    expect(kept.shape).toEqual([B, 3]);
    expectClose(kept, c, { atol: 0, rtol: 0 });
    const dropped = dropCondition(c, 1);
    expect(dropped.shape).toEqual([B, 3]);
    expect(Array.from(dropped.dataSync()).every((v) => v === 0)).toBe(true);
    const some = dropCondition(c, 0.3);
    const rows = some.arraySync() as number[][];
    const original = c.arraySync() as number[][];
    // each row is either untouched or entirely zero, never partly
    rows.forEach((r, i) => expect(r.every((v) => v === 0) || r.every((v, j) => v === original[i][j])).toBe(true));
    const frac = rows.filter((r) => r.every((v) => v === 0)).length / B;
    expect(Math.abs(frac - 0.3)).toBeLessThan(0.04); // 4 standard errors (√(0.3·0.7/2000) ≈ 0.01)
    expect(() => dropCondition(c, -0.1)).toThrow(/pUncond/);
    tf.dispose([c, kept, dropped, some]);
  });

  it("nullCondition: NULL_CLASS for class indices, the zero vector for condition vectors", () => {
    const labels = tf.tensor1d([3, 0, 9], "int32");
    const c = vectors(2);
    const nullLabels = expectNoLeak(() => nullCondition(labels), 1);
    const nullVectors = expectNoLeak(() => nullCondition(c), 1);
    expect(nullLabels.dtype).toBe("int32");
    expect(nullLabels.arraySync()).toEqual([NULL_CLASS, NULL_CLASS, NULL_CLASS]);
    expect(nullVectors.dtype).toBe("float32");
    expect(nullVectors.arraySync()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    tf.dispose([labels, c, nullLabels, nullVectors]);
  });

  it("guidedEpsTheta at w = 0, 1, 2 is ε(∅ = 0), ε(c) and ε(0) + 2(ε(c) − ε(0)) on a U-Net with condDim", () => {
    seed(5);
    const unet = tinyUNet();
    const B = 2;
    const xt = tf.randomNormal([B, 16]) as tf.Tensor2D;
    const t = tf.tensor1d([0, 7], "int32");
    const c = vectors(B);
    const zero = tf.zeros([B, 3]) as tf.Tensor2D;
    const epsC = unet.epsTheta(xt, t, c); // ε(x_t, c)
    const eps0 = unet.epsTheta(xt, t, zero); // ε(x_t, ∅)
    // the condition matters (otherwise the three cases below could not be told apart)
    expect(tf.tidy(() => tf.max(tf.abs(epsC.sub(eps0))).dataSync()[0])).toBeGreaterThan(1e-2);
    const g0 = expectNoLeak(() => guidedEpsTheta(unet.epsTheta, c, 0)(xt, t), 1);
    const g1 = expectNoLeak(() => guidedEpsTheta(unet.epsTheta, c, 1)(xt, t), 1);
    const g2 = expectNoLeak(() => guidedEpsTheta(unet.epsTheta, c, 2)(xt, t), 1);
    expect(g2.shape).toEqual([B, 16]);
    expectClose(g0, eps0, { rtol: 1e-5, atol: 1e-5 });
    expectClose(g1, epsC, { rtol: 1e-5, atol: 1e-5 });
    // by hand: ε(0) + 2(ε(c) − ε(0)) = 2ε(c) − ε(0)
    const e0 = eps0.dataSync();
    const ec = epsC.dataSync();
    expectClose(
      g2,
      Array.from(ec, (v, i) => e0[i] + 2 * (v - e0[i])),
      { rtol: 1e-4, atol: 1e-4 },
    );
    const xt3 = tf.zeros([3, 16]) as tf.Tensor2D;
    const t3 = tf.zeros([3], "int32") as tf.Tensor1D;
    expect(() => guidedEpsTheta(unet.epsTheta, c, 2)(xt3, t3)).toThrow(/xt \(one row per label\) must have shape \[2, \?\]/);
    tf.dispose([xt, t, c, zero, epsC, eps0, g0, g1, g2, xt3, t3]);
    unet.dispose();
  });

  it("conditionalLoss with vector labels is a finite scalar; pUncond = 1 is the loss given ∅ = 0", () => {
    const unet = tinyUNet();
    const schedule = linearSchedule(10);
    const x0 = tf.tidy(() => tf.randomUniform([4, 16], -1, 1)) as tf.Tensor2D;
    const c = vectors(4);
    const zero = tf.zeros([4, 3]) as tf.Tensor2D;
    seed(8);
    const loss = expectNoLeak(() => conditionalLoss(unet.epsTheta, x0, c, schedule, { pUncond: 0.5 }), 1);
    expect(loss.shape).toEqual([]);
    expect(Number.isFinite(loss.dataSync()[0])).toBe(true);
    expect(loss.dataSync()[0]).toBeGreaterThan(0);
    // the same draws (the drop's uniforms, then t and ε) with the same seed
    seed(9);
    const allDropped = conditionalLoss(unet.epsTheta, x0, c, schedule, { pUncond: 1 });
    seed(9);
    const givenNull = conditionalLoss(unet.epsTheta, x0, zero, schedule, { pUncond: 0 });
    seed(9);
    const givenC = conditionalLoss(unet.epsTheta, x0, c, schedule, { pUncond: 0 });
    expectClose(allDropped, givenNull, { rtol: 1e-5 });
    expect(Math.abs(givenC.dataSync()[0] - givenNull.dataSync()[0])).toBeGreaterThan(1e-4);
    const wrong = vectors(3);
    expect(() => conditionalLoss(unet.epsTheta, x0, wrong, schedule)).toThrow(/labels \(condition vectors\) must have shape \[4, \?\]/);
    tf.dispose([x0, c, zero, loss, allDropped, givenNull, givenC, wrong]);
    unet.dispose();
  });
});
