// lib/layers.ts: dense layers and createMLP, conv2d / downsample / upsample and groupNorm against
// PyTorch 1.13 (tests/reference/layers_reference.py → layers.json, same weights and inputs);
// initial bounds, a finite-difference gradient check, shapes, errors and leaks.
import * as tf from "@tensorflow/tfjs";
import * as fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import {
  applyConv2d,
  applyDense,
  applyGroupNorm,
  applyUpsample,
  conv2d,
  createMLP,
  dense,
  downsample,
  groupNorm,
  layerVariables,
  upsample,
  type Conv2D,
} from "../../lib/layers";
import { groupNormNHWC } from "../../lib/engine/ops";
import { seed, unseed } from "../../lib/random";
import { expectClose } from "../helpers/close";
import { centralDifference } from "../helpers/gradcheck";

const ref = JSON.parse(fs.readFileSync("tests/reference/layers.json", "utf8"));
const TOL = { rtol: 1e-4, atol: 1e-5 }; // float32 against float64

afterEach(() => unseed());

/** A conv layer holding the reference's weights. */
function referenceConv(c: { w: number[][][][]; b: number[]; stride: number }): Conv2D {
  const layer = conv2d(c.w[0][0].length, c.b.length, { kernelSize: c.w.length, stride: c.stride });
  layer.w.assign(tf.tensor4d(c.w));
  layer.b.assign(tf.tensor1d(c.b));
  return layer;
}

/** max |x| and the sample variance of a tensor's entries. */
function spread(x: tf.Tensor): { max: number; variance: number } {
  const v = Array.from(x.dataSync());
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return { max: Math.max(...v.map(Math.abs)), variance: v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length };
}

/**
 * Central differences of f's sum-with-weights r along a few coordinates of `x`, against tf.grad.
 * The functions checked are linear (conv) or smooth (group norm), so h = 1e-2 in float32 is
 * accurate to ~1e-3 relative.
 */
function expectGradientMatchesFiniteDifferences(f: (x: tf.Tensor4D) => tf.Tensor4D, x: tf.Tensor4D, coords: number[]): void {
  const r = tf.randomNormal(f(x).shape);
  const objective = (z: tf.Tensor) => tf.sum(tf.mul(f(z as tf.Tensor4D), r)) as tf.Scalar;
  const g = tf.grad(objective)(x).dataSync();
  const atInput = (v: Float32Array) => objective(tf.tensor4d(v, x.shape)).dataSync()[0];
  for (const i of coords) expectClose(g[i], centralDifference(atInput, x.dataSync(), i), { rtol: 1e-2, atol: 1e-2 });
  r.dispose();
}

describe("dense and createMLP", () => {
  it("dense: w ~ U(±scale/√in) then b, shapes; applyDense checks x's width", () => {
    seed(1);
    const l = dense(50, 400, { scale: 0.5 });
    expect(l.w.shape).toEqual([50, 400]);
    expect(l.b.shape).toEqual([400]);
    const bound = 0.5 / Math.sqrt(50);
    const w = spread(l.w);
    expect(w.max).toBeLessThanOrEqual(bound);
    expect(w.max).toBeGreaterThan(0.99 * bound);
    expectClose(w.variance, bound ** 2 / 3, { rtol: 0.03 }); // Var U(−a, a) = a²/3
    expect(() => applyDense(l, tf.zeros([2, 49]) as tf.Tensor2D)).toThrow(/x.*\[B, in\]|49/);
    expect(Array.from(dense(3, 2, { bias: "zeros" }).b.dataSync())).toEqual([0, 0]);
  });

  it("a zero bias (dense and conv2d) keeps only its variables: no initial value is left behind", () => {
    for (const make of [() => dense(3, 2, { bias: "zeros" }), () => conv2d(2, 3, { bias: "zeros" })]) {
      const before = tf.memory().numTensors;
      const layer = make();
      expect(tf.memory().numTensors - before).toBe(2); // w and b
      tf.dispose([layer.w, layer.b]);
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it("createMLP draws w then b, layer by layer, exactly as a hand-made stack of dense layers", () => {
    seed(7);
    const m = createMLP([3, 5, 2]);
    seed(7);
    const l0 = dense(3, 5);
    const l1 = dense(5, 2);
    expect(m.variables.length).toBe(4);
    [l0.w, l0.b, l1.w, l1.b].forEach((v, i) => expectClose(m.variables[i], v, { rtol: 0, atol: 0 }));
    const x = tf.randomNormal([4, 3]) as tf.Tensor2D;
    const manual = applyDense(l1, applyDense(l0, x, "relu"));
    expectClose(m.apply(x), manual, { rtol: 1e-6 });
    tf.dispose([x, manual, ...layerVariables(l0), ...layerVariables(l1)]);
    m.dispose();
  });

  it("createMLP: sizes, activations, errors, no leaks", () => {
    seed(2);
    const before = tf.memory().numTensors;
    const m = createMLP([3, 5, 2], { output: "sigmoid" });
    expect(m.sizes).toEqual([3, 5, 2]);
    expect(m.layers.map((l) => l.w.shape)).toEqual([
      [3, 5],
      [5, 2],
    ]);
    const x = tf.randomNormal([4, 3]) as tf.Tensor2D;
    const y = m.apply(x);
    expect(y.shape).toEqual([4, 2]);
    const v = Array.from(y.dataSync());
    expect(v.every((p) => p > 0 && p < 1)).toBe(true);
    tf.dispose([x, y]);
    const t = createMLP([2, 4, 1], { hidden: "leakyrelu", output: "tanh" });
    const ty = t.apply(tf.tensor2d([[100, -100]]));
    expect(Math.abs(ty.dataSync()[0])).toBeLessThanOrEqual(1);
    ty.dispose();
    t.dispose();
    m.dispose();
    expect(tf.memory().numTensors).toBe(before + 1); // the tensor2d literal above
    expect(() => createMLP([3])).toThrow(/sizes must list at least/);
    expect(() => createMLP([3, 0])).toThrow(/sizes\[1\]/);
    expect(() => createMLP([3, 2], { hidden: "tanh" as never })).toThrow(/options.hidden/);
    expect(() => createMLP([3, 2], { output: "softmax" as never })).toThrow(/options.output/);
  });
});

describe("conv2d, downsample, upsample", () => {
  it("conv2d starts at PyTorch's nn.Conv2d bounds: w and b ~ U(±1/√(C_in·k·k))", () => {
    seed(3);
    const l = conv2d(8, 64, { kernelSize: 3 });
    expect(l.w.shape).toEqual([3, 3, 8, 64]);
    expect(l.b.shape).toEqual([64]);
    const bound = 1 / Math.sqrt(8 * 3 * 3);
    const w = spread(l.w);
    expect(w.max).toBeLessThanOrEqual(bound);
    expect(w.max).toBeGreaterThan(0.99 * bound);
    expectClose(w.variance, bound ** 2 / 3, { rtol: 0.05 });
    expect(spread(l.b).max).toBeLessThanOrEqual(bound);
    tf.dispose(layerVariables(l));
  });

  it("applyConv2d equals nn.Conv2d(padding=k//2) at stride 1 (k = 5) and stride 2 (odd h)", () => {
    for (const name of ["conv_stride1", "conv_stride2"]) {
      const c = ref[name];
      const layer = referenceConv(c);
      const y = applyConv2d(layer, tf.tensor4d(c.x));
      expect(y.shape).toEqual([c.y.length, c.y[0].length, c.y[0][0].length, c.y[0][0][0].length]);
      expectClose(y, c.y, TOL);
      tf.dispose([y, ...layerVariables(layer)]);
    }
    expect(ref.conv_stride2.y[0].length).toBe(4); // h = 7 → ⌈7/2⌉ = 4, as PyTorch
  });

  it("downsample halves h and w and equals nn.Conv2d(3, stride 2, padding 1)", () => {
    const c = ref.downsample;
    const layer = downsample(4, 6);
    expect(layer.stride).toBe(2);
    layer.w.assign(tf.tensor4d(c.w));
    layer.b.assign(tf.tensor1d(c.b));
    const y = applyConv2d(layer, tf.tensor4d(c.x));
    expect(y.shape).toEqual([2, 4, 4, 6]);
    expectClose(y, c.y, TOL);
    tf.dispose([y, ...layerVariables(layer)]);
  });

  it("applyUpsample doubles h and w and equals nn.Upsample(×2, nearest) then nn.Conv2d(3, padding 1)", () => {
    const c = ref.upsample;
    const layer = upsample(4, 2);
    layer.w.assign(tf.tensor4d(c.w));
    layer.b.assign(tf.tensor1d(c.b));
    const y = applyUpsample(layer, tf.tensor4d(c.x));
    expect(y.shape).toEqual([2, 6, 10, 2]);
    expectClose(y, c.y, TOL);
    expect(() => applyUpsample(downsample(4), tf.zeros([1, 2, 2, 4]) as tf.Tensor4D)).toThrow(/stride must be 1/);
    tf.dispose([y, ...layerVariables(layer)]);
  });

  it("the gradient of a strided conv and of an up-sampling block match finite differences", () => {
    seed(4);
    const x = tf.randomNormal([1, 5, 4, 2]) as tf.Tensor4D;
    const down = conv2d(2, 3, { stride: 2 });
    const up = upsample(2, 3);
    expectGradientMatchesFiniteDifferences((z) => applyConv2d(down, z), x, [0, 7, 13, 39]);
    expectGradientMatchesFiniteDifferences((z) => applyUpsample(up, z), x, [1, 8, 22, 38]);
    tf.dispose([x, ...layerVariables(down), ...layerVariables(up)]);
  });

  it("errors name the argument; no tensors leak", () => {
    expect(() => conv2d(3, 4, { kernelSize: 4 })).toThrow(/kernelSize must be odd/);
    expect(() => conv2d(0, 4)).toThrow(/inChannels/);
    const l = conv2d(3, 4);
    expect(() => applyConv2d(l, tf.zeros([1, 5, 5, 2]) as tf.Tensor4D)).toThrow(/x/);
    const x = tf.randomNormal([2, 6, 6, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const y = applyConv2d(l, x, "relu");
    expect(y.shape).toEqual([2, 6, 6, 4]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, ...layerVariables(l)]);
  });
});

describe("groupNorm", () => {
  it("starts at γ = 1, β = 0 and equals torch.nn.GroupNorm(3, 6) as constructed", () => {
    const c = ref.group_norm_init;
    const layer = groupNorm(3, 6);
    expect(Array.from(layer.gamma.dataSync())).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from(layer.beta.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    expect(layer.eps).toBe(1e-5);
    const y = applyGroupNorm(layer, tf.tensor4d(c.x));
    expectClose(y, c.y, TOL);
    tf.dispose([y, ...layerVariables(layer)]);
  });

  it("equals torch.nn.GroupNorm(2, 6) with a learned affine, values and gradient", () => {
    const c = ref.group_norm;
    const layer = groupNorm(c.groups, 6);
    layer.gamma.assign(tf.tensor1d(c.gamma));
    layer.beta.assign(tf.tensor1d(c.beta));
    const x = tf.tensor4d(c.x);
    const y = applyGroupNorm(layer, x);
    expect(y.shape).toEqual([2, 4, 5, 6]);
    expectClose(y, c.y, TOL);
    const r = tf.tensor4d(c.r);
    const grad = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(applyGroupNorm(layer, z as tf.Tensor4D), r)))(x);
    expectClose(grad, c.grad, { rtol: 1e-3, atol: 1e-4 });
    expectGradientMatchesFiniteDifferences((z) => applyGroupNorm(layer, z), x, [0, 17, 60, 239]);
    tf.dispose([x, y, r, grad, ...layerVariables(layer)]);
  });

  it("on a batch the addon splits across threads (16 × 8 × 8 × 64): the tf-ops formula's values and three gradients, with and without SiLU", () => {
    seed(9);
    const layer = groupNorm(8, 64);
    layer.gamma.assign(tf.randomUniform([64], 0.5, 1.5) as tf.Tensor1D);
    layer.beta.assign(tf.randomNormal([64]) as tf.Tensor1D);
    const x = tf.tidy(() => tf.randomNormal([16, 8, 8, 64]).mul(2).add(0.5)) as tf.Tensor4D;
    const r = tf.randomNormal([16, 8, 8, 64]) as tf.Tensor4D;
    for (const activation of ["linear", "silu"] as const) {
      /** The definition from tf ops: moments over (h, w, C/G) of [B, h, w, G, C/G], then SiLU y·σ(y). */
      const byOps = (z: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.tidy(() => {
          const grouped = z.reshape([16, 8, 8, 8, 8]);
          const { mean, variance } = tf.moments(grouped, [1, 2, 4], true);
          const y = grouped
            .sub(mean)
            .div(tf.sqrt(variance.add(layer.eps)))
            .reshape([16, 8, 8, 64])
            .mul(g)
            .add(b);
          return activation === "silu" ? y.mul(tf.sigmoid(y)) : y;
        });
      const ours = (z: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        groupNormNHWC(z as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, 8, layer.eps, activation);
      const loss = (f: (z: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor) => (z: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(f(z, g, b), r));
      const y = ours(x, layer.gamma, layer.beta);
      const yWant = byOps(x, layer.gamma, layer.beta);
      expectClose(y, yWant.arraySync() as number[][][][], { rtol: 1e-4, atol: 1e-4 });
      const got = tf.grads(loss(ours))([x, layer.gamma, layer.beta]);
      const want = tf.grads(loss(byOps))([x, layer.gamma, layer.beta]);
      for (let i = 0; i < 3; i++) expectClose(got[i], want[i].arraySync() as number[], { rtol: 1e-3, atol: 1e-3 });
      tf.dispose([y, yWant, ...got, ...want]);
    }
    expect(() => applyGroupNorm(layer, x, "relu" as never)).toThrow(/activation must be "linear" or "silu", got "relu"/);
    tf.dispose([x, r, ...layerVariables(layer)]);
  });

  it("errors name the argument; no tensors leak", () => {
    expect(() => groupNorm(4, 6)).toThrow(/groups must divide channels/);
    const layer = groupNorm(2, 4);
    expect(() => applyGroupNorm(layer, tf.zeros([1, 2, 2, 3]) as tf.Tensor4D)).toThrow(/x/);
    const x = tf.randomNormal([2, 3, 3, 4]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    applyGroupNorm(layer, x).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, ...layerVariables(layer)]);
  });
});
