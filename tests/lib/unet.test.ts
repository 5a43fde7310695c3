// lib/unet.ts: shapes, conditioning, errors, the zero start, a finite-difference gradient check
// (input and weights), gradients reaching every variable, the multiply-add count by hand, leaks.
import * as tf from "@tensorflow/tfjs";
import { afterEach, describe, expect, it } from "vitest";
import { seed, unseed } from "../../lib/random";
import { createUNet, unetFlops, type UNet } from "../../lib/unet";
import { expectClose } from "../helpers/close";
import { centralDifference } from "../helpers/gradcheck";
import { expectNoLeak } from "../helpers/leak";

afterEach(() => unseed());

/** Replaces the zero-initialised convolutions by random values, so every path carries signal. */
function randomiseZeros(net: UNet): void {
  for (const v of net.variables) {
    const isZero = tf.tidy(() => tf.max(tf.abs(v)).dataSync()[0] === 0);
    if (isZero && v.shape.length === 4) tf.tidy(() => v.assign(tf.randomNormal(v.shape, 0, 0.1)));
  }
}

describe("createUNet", () => {
  it("maps [B, side²] to [B, side²]; the untrained network predicts ε̂ = 0", () => {
    seed(1);
    const net = createUNet({ side: 8, channels: [8, 16], groups: 4 });
    const out = net.epsTheta(tf.randomNormal([3, 64]) as tf.Tensor2D, tf.tensor1d([0, 10, 999], "int32"));
    expect(out.shape).toEqual([3, 64]);
    expect(tf.max(tf.abs(out)).dataSync()[0]).toBe(0); // conv_out starts at 0 (Ho et al. App. B)
    expect(net.options).toEqual({ side: 8, channels: [8, 16], embedDim: 8, groups: 4, classes: undefined, condDim: undefined });
    net.dispose();
  });

  it("three levels on 28×28 digits; the class changes the output, ∅ (row K) is a class of its own", () => {
    seed(2);
    const net = createUNet({ side: 28, channels: [8, 16, 16], groups: 4, classes: 10 });
    randomiseZeros(net);
    const x = tf.randomNormal([2, 784]) as tf.Tensor2D;
    const t = tf.tensor1d([5, 5], "int32");
    const a = net.epsTheta(x, t, tf.tensor1d([3, 3], "int32"));
    const b = net.epsTheta(x, t, tf.tensor1d([7, 10], "int32"));
    expect(a.shape).toEqual([2, 784]);
    expect(tf.max(tf.abs(a.sub(b))).dataSync()[0]).toBeGreaterThan(1e-4);
    net.dispose();
  });

  it("vector conditioning: c is [B, condDim]", () => {
    seed(3);
    const net = createUNet({ side: 4, channels: [4], groups: 2, condDim: 5 });
    expect(net.epsTheta(tf.zeros([2, 16]) as tf.Tensor2D, tf.tensor1d([1, 2], "int32"), tf.ones([2, 5]) as tf.Tensor2D).shape).toEqual([
      2, 16,
    ]);
    expect(() => net.epsTheta(tf.zeros([2, 16]) as tf.Tensor2D, tf.tensor1d([1, 2], "int32"), tf.ones([2, 4]) as tf.Tensor2D)).toThrow(
      /c \(condition vectors\)/,
    );
    net.dispose();
  });

  it("errors name the argument and what was expected", () => {
    expect(() => createUNet({ side: 14, channels: [8, 16, 16] })).toThrow(/side must be divisible by 2\^\(levels − 1\) = 4.*got 14/);
    expect(() => createUNet({ side: 8, channels: [12], groups: 8 })).toThrow(/groups \(8\) must divide.*channels\[0\] = 12/);
    expect(() => createUNet({ side: 8, channels: [] })).toThrow(/at least one level/);
    expect(() => createUNet({ side: 8, channels: [8], embedDim: 5 })).toThrow(/embedDim must be even/);
    expect(() => createUNet({ side: 8, channels: [8], classes: 10, condDim: 3 })).toThrow(/classes or condDim, not both/);
    const net = createUNet({ side: 4, channels: [8], classes: 10 });
    const x = tf.zeros([2, 16]) as tf.Tensor2D;
    const t = tf.tensor1d([1, 2], "int32");
    expect(() => net.epsTheta(x, t)).toThrow(/c \(class indices, int32 \[B\]\) is required/);
    expect(() => net.epsTheta(tf.zeros([2, 15]) as tf.Tensor2D, t, t)).toThrow(/xt/);
    expect(() => net.epsTheta(x, tf.tensor1d([1], "int32"), t)).toThrow(/t/);
    net.dispose();
    const plain = createUNet({ side: 4, channels: [8] });
    expect(() => plain.epsTheta(x, t, t)).toThrow(/built without classes or condDim/);
    plain.dispose();
  });

  it("the gradient matches central differences, for the input and for a weight", () => {
    seed(4);
    const net = createUNet({ side: 4, channels: [4, 8], groups: 2, classes: 3 });
    randomiseZeros(net);
    const x = tf.randomNormal([2, 16]) as tf.Tensor2D;
    const t = tf.tensor1d([3, 700], "int32");
    const c = tf.tensor1d([0, 3], "int32");
    const r = tf.randomNormal([2, 16]);
    const objective = (z: tf.Tensor2D) => tf.sum(tf.mul(net.epsTheta(z, t, c), r)) as tf.Scalar;
    const g = tf
      .grad((z: tf.Tensor) => objective(z as tf.Tensor2D))(x)
      .dataSync();
    const atInput = (v: Float32Array) => objective(tf.tensor2d(v, [2, 16])).dataSync()[0];
    for (const i of [0, 5, 17, 31]) expectClose(g[i], centralDifference(atInput, x.dataSync(), i), { rtol: 2e-2, atol: 2e-3 });
    // A weight deep inside: the first convolution of the first residual block.
    const w = net.variables.find((v) => v.shape.length === 4 && v.shape[2] === 4 && v.shape[3] === 4)!;
    const { grads } = tf.variableGrads(() => objective(x), [w]);
    const gw = grads[w.name].dataSync();
    const w0 = w.dataSync().slice();
    const atWeight = (v: Float32Array) => {
      w.assign(tf.tensor(v, w.shape));
      return objective(x).dataSync()[0];
    };
    for (const i of [0, 20, 100]) {
      const numeric = centralDifference(atWeight, w0, i);
      w.assign(tf.tensor(w0, w.shape));
      expectClose(gw[i], numeric, { rtol: 2e-2, atol: 2e-3 });
    }
    net.dispose();
  });

  it("every variable gets a gradient (the skips, the time and class embeddings included)", () => {
    seed(5);
    const net = createUNet({ side: 8, channels: [4, 8], groups: 2, classes: 10 });
    randomiseZeros(net);
    const x = tf.randomNormal([3, 64]) as tf.Tensor2D;
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.square(net.epsTheta(x, tf.tensor1d([1, 50, 900], "int32"), tf.tensor1d([0, 4, 10], "int32")))) as tf.Scalar,
      net.variables,
    );
    for (const v of net.variables)
      expect(tf.max(tf.abs(grads[v.name])).dataSync()[0], `gradient of ${v.name} ${v.shape}`).toBeGreaterThan(0);
    net.dispose();
  });

  it("unetFlops counts the convolutions' multiply-adds (by hand for one level)", () => {
    // side 4, channels [8]: conv_in 16·9·1·8, down res 2·16·9·64, middle res 2·16·9·64,
    // up res (16 → 8 channels): 16·9·16·8 + 16·9·64 + 1×1 skip 16·16·8, conv_out 16·9·8·1.
    const byHand = 16 * 9 * 8 + 2 * 16 * 9 * 64 + 2 * 16 * 9 * 64 + (16 * 9 * 16 * 8 + 16 * 9 * 64 + 16 * 16 * 8) + 16 * 9 * 8;
    expect(unetFlops({ side: 4, channels: [8] })).toBe(byHand);
  });

  it("leaves no tensors behind: a forward pass and a training step", () => {
    seed(6);
    const before = tf.memory().numTensors;
    const net = createUNet({ side: 8, channels: [4, 8], groups: 2, classes: 10 });
    expect(tf.memory().numTensors - before, "tensors made by createUNet beyond its variables").toBe(net.variables.length);
    const x = tf.randomNormal([2, 64]) as tf.Tensor2D;
    const t = tf.tensor1d([1, 2], "int32");
    const c = tf.tensor1d([1, 10], "int32");
    expectNoLeak(() => net.epsTheta(x, t, c), 1).dispose();
    const opt = tf.train.sgd(0.1);
    opt.minimize(() => tf.mean(tf.square(net.epsTheta(x, t, c))) as tf.Scalar, false, net.variables);
    expectNoLeak(() => opt.minimize(() => tf.mean(tf.square(net.epsTheta(x, t, c))) as tf.Scalar, false, net.variables));
    opt.dispose();
    tf.dispose([x, t, c]);
    expectNoLeak(() => net.dispose(), -net.variables.length);
  });
});
