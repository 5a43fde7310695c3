import * as tf from "@tensorflow/tfjs";
import * as fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import {
  EQUILIBRIUM_D_LOSS,
  GANMonitor,
  bceWithLogits,
  createGAN,
  discriminatorLoss,
  ganStep,
  generatorLoss,
  sampleGenerator,
  softplus,
  valueFunction,
  type GAN,
  type GANOptimizers,
} from "../../lib/gan";
import { adam } from "../../lib/engine/optimizers";
import { seed, unseed } from "../../lib/random";
import { expectClose } from "../helpers/close";

// PyTorch 1.13 binary_cross_entropy_with_logits and scipy quad JSDs, written by
// tests/reference/gan_reference.py (see its header for what each number is).
const ref = JSON.parse(fs.readFileSync("tests/reference/gan.json", "utf8"));
const LN2 = 0.6931471805599453;
const LOG4 = 1.3862943611198906;

afterEach(() => unseed());

function finite(x: tf.Tensor): boolean {
  return Array.from(x.dataSync()).every(Number.isFinite);
}

describe("stable losses from logits", () => {
  it("bceWithLogits matches PyTorch, values and gradients, for logits up to ±1000", () => {
    for (const key of ["label1", "label0", "label0_3"]) {
      const r = ref.bce[key];
      const l = tf.tensor1d(ref.logits);
      const value = bceWithLogits(l, r.label);
      const grad = tf.grad((x: tf.Tensor) => bceWithLogits(x, r.label).sum())(l);
      expect(finite(value) && finite(grad)).toBe(true);
      expectClose(value, r.value, { rtol: 1e-6, atol: 1e-6 });
      expectClose(grad, r.grad, { rtol: 1e-5, atol: 1e-6 });
      tf.dispose([l, value, grad]);
    }
  });

  it("softplus is log(1 + eˣ) without overflow", () => {
    const x = tf.tensor1d([-100, -1, 0, 1, 100]);
    expectClose(softplus(x), [Math.exp(-100), Math.log1p(Math.exp(-1)), LN2, 1 + Math.log1p(Math.exp(-1)), 100], {
      rtol: 1e-6,
      atol: 1e-7,
    });
    x.dispose();
  });

  it("discriminatorLoss and both generator losses match PyTorch, with gradients, at ±100", () => {
    const L = ref.losses;
    const real = tf.tensor1d(L.real);
    const fake = tf.tensor2d(L.fake, [L.fake.length, 1]); // [B, 1] is accepted as well as [B]
    const d = discriminatorLoss(real, fake);
    expect(d.shape).toEqual([]);
    expectClose(d, L.discriminator.value, { rtol: 1e-6 });
    const [gr, gf] = tf.grads((r: tf.Tensor, f: tf.Tensor) => discriminatorLoss(r, f))([real, fake]);
    expectClose(gr, L.discriminator.grads[0], { rtol: 1e-5, atol: 1e-7 });
    expectClose(gf, L.discriminator.grads[1], { rtol: 1e-5, atol: 1e-7 });

    const ns = generatorLoss(fake);
    expectClose(ns, L.generatorNonSaturating.value, { rtol: 1e-6 });
    const gns = tf.grad((f: tf.Tensor) => generatorLoss(f, { nonSaturating: true }))(fake);
    expectClose(gns, L.generatorNonSaturating.grads[0], { rtol: 1e-5, atol: 1e-7 });

    const mm = generatorLoss(fake, { nonSaturating: false });
    expectClose(mm, L.generatorMinimax.value, { rtol: 1e-6 });
    const gmm = tf.grad((f: tf.Tensor) => generatorLoss(f, { nonSaturating: false }))(fake);
    expectClose(gmm, L.generatorMinimax.grads[0], { rtol: 1e-5, atol: 1e-7 });

    const v = valueFunction(real, fake);
    expectClose(v, -L.discriminator.value, { rtol: 1e-6 });
    expect([d, ns, mm, v, gr, gf, gns, gmm].every(finite)).toBe(true);
    tf.dispose([real, fake, d, gr, gf, ns, gns, mm, gmm, v]);
  });

  it("at D ≡ ½ (logits 0): each term ln 2, L_D = log 4, V = −log 4 = −1.386294, L_G = ±ln 2", () => {
    const zero = tf.zeros([4, 1]);
    expectClose(bceWithLogits(zero, 1), [[LN2], [LN2], [LN2], [LN2]], { rtol: 1e-6 });
    expectClose(discriminatorLoss(zero, zero), LOG4, { rtol: 1e-6 });
    expectClose(valueFunction(zero, zero), -1.386294, { rtol: 1e-6 });
    expectClose(generatorLoss(zero), 0.693147, { rtol: 1e-6 });
    expectClose(generatorLoss(zero, { nonSaturating: false }), -0.693147, { rtol: 1e-6 });
    expectClose(EQUILIBRIUM_D_LOSS, LOG4, { rtol: 1e-12 });
    tf.dispose(zero);
  });

  it("saturating vs non-saturating: when D is sure a sample is fake, only the non-saturating gradient survives", () => {
    const sure = tf.tensor1d([-10]);
    const gMinimax = tf.grad((f: tf.Tensor) => generatorLoss(f, { nonSaturating: false }))(sure);
    const gNonSat = tf.grad((f: tf.Tensor) => generatorLoss(f))(sure);
    // d/dl [−softplus(l)] = −σ(l) = −4.54e-5;  d/dl softplus(−l) = −σ(−l) ≈ −0.99995
    expectClose(gMinimax, [-1 / (1 + Math.exp(10))], { rtol: 1e-4 });
    expectClose(gNonSat, [-1 / (1 + Math.exp(-10))], { rtol: 1e-5 });
    tf.dispose([sure, gMinimax, gNonSat]);
  });

  it("says which logits have the wrong shape", () => {
    const ok = tf.zeros([3]);
    const bad = tf.zeros([3, 2]);
    expect(() => discriminatorLoss(ok, bad)).toThrow("fakeLogits must have shape [?, 1] (B, 1), got [3, 2]");
    expect(() => generatorLoss(tf.zeros([2, 2, 1]))).toThrow(/fakeLogits must have shape \[\?\] \(B\), got \[2, 2, 1\]/);
    expect(() => bceWithLogits(ok, tf.zeros([2]))).toThrow("labels must have shape [3], got [2]");
    tf.dispose([ok, bad]);
  });
});

describe("networks and the training step", () => {
  /** Values of variables, copied out. */
  const snapshot = (vars: tf.Variable[]) => vars.map((v) => Array.from(v.dataSync()));
  const changed = (before: number[][], vars: tf.Variable[]) => snapshot(vars).map((v, i) => v.some((x, j) => x !== before[i][j]));

  function smallGan(): GAN {
    return createGAN({ generatorHidden: [8], discriminatorHidden: [8] });
  }
  /** The caller's optimisers: Adam with β₁ = 0.5, as the notebooks use. */
  function optimizers({ d = 1e-3, g = 1e-3 }: { d?: number; g?: number } = {}): GANOptimizers {
    return { d: adam(d, 0.5), g: adam(g, 0.5) };
  }
  function disposeAll(gan: GAN, opt: GANOptimizers): void {
    gan.dispose();
    opt.d.dispose();
    opt.g.dispose();
  }

  it("createGAN: G then D, variables G's then D's, dispose frees them", () => {
    seed(0);
    const before = tf.memory().numTensors;
    const gan = createGAN({ dataDim: 3, zDim: 2, generatorHidden: [5], discriminatorHidden: [4] });
    expect(gan.generator.variables.map((v) => v.shape)).toEqual([[2, 5], [5], [5, 3], [3]]);
    expect(gan.discriminator.variables.map((v) => v.shape)).toEqual([[3, 4], [4], [4, 1], [1]]);
    expect(gan.variables).toEqual([...gan.generator.variables, ...gan.discriminator.variables]);
    gan.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("the D step changes only D, the G step only G (learning rate 0 isolates each)", () => {
    seed(1);
    for (const [which, rates] of [
      ["D only", { g: 0 }],
      ["G only", { d: 0 }],
    ] as const) {
      const gan = smallGan();
      const opt = optimizers(rates);
      const real = tf.randomNormal([16, 2]) as tf.Tensor2D;
      const g0 = snapshot(gan.generator.variables);
      const d0 = snapshot(gan.discriminator.variables);
      tf.dispose(Object.values(ganStep(gan, real, opt)));
      const gMoved = changed(g0, gan.generator.variables);
      const dMoved = changed(d0, gan.discriminator.variables);
      if (which === "D only") {
        expect(
          gMoved.every((c) => !c),
          "G's variables moved in the D step",
        ).toBe(true);
        expect(dMoved.every((c) => c)).toBe(true);
      } else {
        expect(
          dMoved.every((c) => !c),
          "D's variables moved in the G step",
        ).toBe(true);
        expect(gMoved.some((c) => c)).toBe(true);
      }
      real.dispose();
      disposeAll(gan, opt);
    }
  });

  it("returns L_D before D's update, L_G with the updated D, and D's accuracies", () => {
    seed(2);
    const gan = smallGan();
    const opt = optimizers({ g: 0 });
    const real = tf.randomNormal([32, 2]) as tf.Tensor2D;
    const zD = tf.randomNormal([32, 2]) as tf.Tensor2D;
    const zG = tf.randomNormal([32, 2]) as tf.Tensor2D;
    const before = tf.tidy(() => {
      const rl = gan.discriminator.apply(real);
      const fl = gan.discriminator.apply(gan.generator.apply(zD));
      return [discriminatorLoss(rl, fl), tf.mean(tf.cast(tf.greater(rl, 0), "float32")), tf.mean(tf.cast(tf.less(fl, 0), "float32"))];
    });
    const r = ganStep(gan, real, opt, { zD, zG, nonSaturating: false });
    const after = tf.tidy(() => generatorLoss(gan.discriminator.apply(gan.generator.apply(zG)), { nonSaturating: false }));
    expectClose(r.dLoss, before[0], { rtol: 1e-6 });
    expectClose(r.dRealAccuracy, before[1]);
    expectClose(r.dFakeAccuracy, before[2]);
    expectClose(r.gLoss, after, { rtol: 1e-6 });
    tf.dispose([real, zD, zG, after, ...before, ...Object.values(r)]);
    disposeAll(gan, opt);
  });

  it("leaks nothing over several steps; sampleGenerator gives [n, D]; errors name the argument", () => {
    seed(3);
    const gan = smallGan();
    const opt = optimizers();
    const real = tf.randomNormal([16, 2]) as tf.Tensor2D;
    tf.dispose(Object.values(ganStep(gan, real, opt))); // Adam creates its slots on the first step
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(Object.values(ganStep(gan, real, opt)));
    const s = sampleGenerator(gan, 5);
    expect(s.shape).toEqual([5, 2]);
    s.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const zD = tf.zeros([16, 3]) as tf.Tensor2D;
    expect(() => ganStep(gan, real, opt, { zD })).toThrow("options.zD must have shape [?, 2] (B, Z), got [16, 3]");
    zD.dispose();
    expect(() => ganStep(gan, real, {} as GANOptimizers)).toThrow(/optimizers must be \{ d: tf.Optimizer; g: tf.Optimizer \}/);
    real.dispose();
    disposeAll(gan, opt);
  });
});

describe("GANMonitor", () => {
  const eq = { dLoss: LOG4, gLoss: LN2, dRealAccuracy: 0, dFakeAccuracy: 0 };

  it("warns once when D sits at the equilibrium values from step 0", () => {
    const warned: string[] = [];
    const m = new GANMonitor({ warn: (s) => warned.push(s) });
    for (let i = 0; i < 60; i++) m.recordStats(eq);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/D is not learning.*first 50 steps/);
    expect(m.warnings[0].step).toBe(50);
  });

  it("does not warn when D learns, and warns once when D wins completely", () => {
    const warned: string[] = [];
    const m = new GANMonitor({ warn: (s) => warned.push(s) });
    for (let i = 0; i < 50; i++) m.recordStats({ ...eq, dLoss: LOG4 - 0.002 * i });
    expect(warned).toEqual([]);
    for (let i = 0; i < 100; i++) m.recordStats({ dLoss: 0.01, gLoss: 5, dRealAccuracy: 1, dFakeAccuracy: 1 });
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/D wins completely/);
    expect(m.steps).toBe(150);
  });

  it("catches a real D that cannot learn (zero output, learning rate 0), and reads results in one go", () => {
    seed(4);
    const gan = createGAN({ generatorHidden: [8], discriminatorHidden: [8] });
    const opt = { d: adam(0, 0.5), g: adam(1e-3, 0.5) };
    for (const v of gan.discriminator.variables) v.assign(tf.zerosLike(v));
    const warned: string[] = [];
    const m = new GANMonitor({ window: 5, warn: (s) => warned.push(s) });
    const real = tf.randomNormal([8, 2]) as tf.Tensor2D;
    for (let i = 0; i < 5; i++) {
      let stats = { dLoss: NaN };
      tf.tidy(() => {
        stats = m.record(ganStep(gan, real, opt));
      });
      expectClose(stats.dLoss, LOG4, { rtol: 1e-6 });
    }
    expect(warned).toHaveLength(1);
    real.dispose();
    gan.dispose();
    opt.d.dispose();
    opt.g.dispose();
  });
});
