// lib/vae.ts against PyTorch (tests/reference/vae_reference.py → vae.json) on fixed weights,
// inputs and noise; the closed-form KL against the issue's hand value; stability at extreme
// logits; IWAE's properties; generation helpers; shapes, errors and leaks.
import * as tf from "@tensorflow/tfjs";
import * as fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { seed, unseed } from "../../lib/random";
import {
  autoencoderLoss,
  bernoulliLogLik,
  createAutoencoder,
  createVAE,
  decodeMean,
  discretizedLogisticLogLik,
  elbo,
  gaussianKL,
  gaussianLogLik,
  interpolateLatent,
  iwaeBound,
  latentGrid,
  logNormal,
  reconLogLik,
  reparameterize,
  samplePrior,
  vaeLoss,
  type VAE,
} from "../../lib/vae";
import { expectClose } from "../helpers/close";
import { centralDifference } from "../helpers/gradcheck";

const ref = JSON.parse(fs.readFileSync("tests/reference/vae.json", "utf8"));
const { D, H, Z, B } = ref.dims as Record<string, number>;
const LAYERS = ["encoder0", "toZMean", "toZLogVar", "decoder0", "toX"];
const TOL = { rtol: 1e-4, atol: 1e-5 }; // float32 against float64

afterEach(() => unseed());

/** A VAE D-H-Z with PyTorch's weights assigned (variables are in LAYERS order, w then b). */
function referenceVAE(options: { likelihood?: "bernoulli" | "gaussian"; decoderLogVar?: number } = {}): VAE {
  const vae = createVAE({ inputDim: D, hiddenDims: [H], latentDim: Z, ...options });
  LAYERS.forEach((name, i) => {
    vae.variables[2 * i].assign(tf.tensor2d(ref.layers[name].w));
    vae.variables[2 * i + 1].assign(tf.tensor1d(ref.layers[name].b));
  });
  return vae;
}

describe("the ELBO's pieces", () => {
  it("gaussianKL: KL(N([0.5, −1], [1, 0.25]) ‖ N(0, I)) = 0.943147 nats (closed form, and PyTorch)", () => {
    // ½ Σ (σ² + μ² − 1 − log σ²) = ½ [(1 + 0.25 − 1 − 0) + (0.25 + 1 − 1 − log 0.25)] = ½ (0.5 + ln 4)
    const kl = gaussianKL(tf.tensor2d([[0.5, -1]]), tf.tensor2d([[0, Math.log(0.25)]]));
    expect(kl.shape).toEqual([1]);
    expectClose(kl, [0.943147], { rtol: 1e-6 });
    expectClose(kl, [ref.klIssue], { rtol: 1e-6 });
    expectClose(0.5 * (0.5 + Math.log(4)), 0.943147, { rtol: 1e-6 });
    // zero exactly at the prior, per row
    expectClose(gaussianKL(tf.zeros([3, 4]) as tf.Tensor2D, tf.zeros([3, 4]) as tf.Tensor2D), [0, 0, 0]);
  });

  it("reparameterize: z = μ + exp(½ log σ²)·ε, and draws ε itself when not given", () => {
    const z = reparameterize(tf.tensor2d([[1, -2]]), tf.tensor2d([[Math.log(4), 0]]), tf.tensor2d([[0.5, -1]]));
    expectClose(z, [[1 + 2 * 0.5, -2 - 1]]);
    seed(5);
    const n = 4000;
    const draws = reparameterize(tf.fill([n, 1], 3) as tf.Tensor2D, tf.fill([n, 1], Math.log(0.25)) as tf.Tensor2D);
    const v = Array.from(draws.dataSync());
    const mean = v.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    expectClose([mean, sd], [3, 0.5], { atol: 0.03 });
  });

  it("bernoulliLogLik is stable at logits ±1000 (−60 nats for [1000, −1000, 30, −30] vs [1, 0, 0, 1])", () => {
    const ll = bernoulliLogLik(tf.tensor2d(ref.extreme.x), tf.tensor2d(ref.extreme.logits));
    expect(Number.isFinite(ll.dataSync()[0])).toBe(true);
    expectClose(ll, ref.extreme.logLik, { rtol: 1e-6 });
  });

  it("logNormal and gaussianLogLik: log N summed over the last axis", () => {
    // log N(1; 0, 1) + log N(−2; 0, 1) = −log 2π − (1 + 4)/2
    expectClose(logNormal(tf.tensor2d([[1, -2]])), [-Math.log(2 * Math.PI) - 2.5], { rtol: 1e-6 });
    // log N(x = 1; mean 0, σ² = e²) = −½ (log 2π + 2 + 1/e²)
    const g = gaussianLogLik(tf.tensor2d([[1]]), tf.tensor2d([[0]]), 2);
    expectClose(g, [-0.5 * (Math.log(2 * Math.PI) + 2 + Math.exp(-2))], { rtol: 1e-6 });
  });
});

describe("parity with PyTorch on fixed weights, inputs and noise", () => {
  it("encoder, z, logits, recon, KL, ELBO and the loss (β = 1 and 0.5)", () => {
    const vae = referenceVAE();
    const x = tf.tensor2d(ref.x) as tf.Tensor2D;
    const eps = tf.tensor2d(ref.eps) as tf.Tensor2D;
    const parts = elbo(vae, x, { eps });
    expect(parts.elbo.shape).toEqual([B]);
    expectClose(parts.zMean, ref.zMean, TOL);
    expectClose(parts.zLogVar, ref.zLogVar, TOL);
    const z = reparameterize(parts.zMean, parts.zLogVar, eps);
    expectClose(z, ref.z, TOL);
    expectClose(vae.decode(z), ref.logits, TOL);
    expectClose(parts.reconLogLik, ref.reconLogLik, TOL);
    expectClose(parts.kl, ref.kl, TOL);
    expectClose(parts.elbo, ref.elbo, TOL);
    expectClose(vaeLoss(vae, x, { eps }), ref.loss, TOL);
    expectClose(vaeLoss(vae, x, { eps, beta: 0.5 }), ref.lossBetaHalf, TOL);
    tf.dispose([parts.elbo, parts.reconLogLik, parts.kl, parts.zMean, parts.zLogVar, z]);
    vae.dispose();
    tf.dispose([x, eps]);
  });

  it("the loss's gradients with respect to every weight", () => {
    const vae = referenceVAE();
    const x = tf.tensor2d(ref.x) as tf.Tensor2D;
    const eps = tf.tensor2d(ref.eps) as tf.Tensor2D;
    const { grads } = tf.variableGrads(() => vaeLoss(vae, x, { eps }), vae.variables);
    LAYERS.forEach((name, i) => {
      expectClose(grads[vae.variables[2 * i].name], ref.grads[name].w, TOL);
      expectClose(grads[vae.variables[2 * i + 1].name], ref.grads[name].b, TOL);
    });
    tf.dispose(Object.values(grads));
    vae.dispose();
    tf.dispose([x, eps]);
  });

  it("the Gaussian decoder's log-likelihood (log σ² = −1.5)", () => {
    const vae = referenceVAE({ likelihood: "gaussian", decoderLogVar: ref.gaussianLogVar });
    const logits = tf.tensor2d(ref.logits) as tf.Tensor2D;
    expectClose(gaussianLogLik(tf.tensor2d(ref.xGrey), logits, ref.gaussianLogVar), ref.gaussianLogLik, TOL);
    // the model's reconLogLik dispatches to it (the decoder's outputs are the means)
    expectClose(reconLogLik(vae.config, tf.tensor2d(ref.xGrey), logits), ref.gaussianLogLik, TOL);
    vae.dispose();
  });

  it("the IWAE bound with K = 7 given samples", () => {
    const vae = referenceVAE();
    const x = tf.tensor2d(ref.x) as tf.Tensor2D;
    const iwae = iwaeBound(vae, x, { eps: tf.tensor3d(ref.epsK) });
    expect(iwae.shape).toEqual([B]);
    expectClose(iwae, ref.iwae, TOL);
    vae.dispose();
  });
});

describe("the importance-weighted bound", () => {
  it("tightens with K on average, agrees across chunk sizes, and leaks nothing", () => {
    seed(11);
    const vae = createVAE({ inputDim: 12, hiddenDims: [8], latentDim: 2 });
    const x = tf.tidy(() => tf.cast(tf.less(tf.randomUniform([16, 12]), 0.3), "float32")) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const mean = (t: tf.Tensor) => tf.tidy(() => t.mean().dataSync()[0]);
    const runs = (k: number) => {
      const t = iwaeBound(vae, x, { k });
      const m = mean(t);
      t.dispose();
      return m;
    };
    const elboMean = tf.tidy(() => mean(elbo(vae, x).elbo));
    const l1 = [0, 1, 2, 3, 4].map(() => runs(1)).reduce((a, b) => a + b) / 5;
    const l200 = runs(200);
    expect(l200).toBeGreaterThan(l1);
    expect(l200).toBeGreaterThan(elboMean);
    // one pass, or chunks of 2 images (maxRows 100 with K = 50): same shape, same bound up to noise
    const a = iwaeBound(vae, x, { k: 50, maxRows: 100000 });
    const bChunks = iwaeBound(vae, x, { k: 50, maxRows: 100 });
    expect(a.shape).toEqual([16]);
    expect(bChunks.shape).toEqual([16]);
    expectClose(mean(bChunks), mean(a), { atol: 0.1 });
    tf.dispose([a, bChunks]);
    expect(tf.memory().numTensors).toBe(before);
    vae.dispose();
    x.dispose();
  });
});

describe("models and generation", () => {
  it("shapes, variables in order, a deterministic autoencoder, and no leaks", () => {
    seed(1);
    const vae = createVAE({ inputDim: 10, hiddenDims: [7, 5], latentDim: 2 });
    expect(vae.variables.map((v) => v.shape)).toEqual([
      [10, 7],
      [7],
      [7, 5],
      [5], // encoder
      [5, 2],
      [2],
      [5, 2],
      [2], // toZMean, toZLogVar
      [2, 5],
      [5],
      [5, 7],
      [7], // decoder
      [7, 10],
      [10], // toX
    ]);
    const before = tf.memory().numTensors;
    const x = tf.ones([3, 10]) as tf.Tensor2D;
    const { zMean, zLogVar } = vae.encode(x);
    expect([zMean.shape, zLogVar.shape]).toEqual([
      [3, 2],
      [3, 2],
    ]);
    const samples = samplePrior(vae, 4);
    expect(samples.shape).toEqual([4, 10]);
    const v = samples.dataSync();
    expect(Math.min(...v) >= 0 && Math.max(...v) <= 1).toBe(true);
    const [zA, zB] = [tf.tensor1d([0, 0]), tf.tensor1d([1, -2])];
    const line = interpolateLatent(zA, zB, 5);
    expectClose(line, [
      [0, 0],
      [0.25, -0.5],
      [0.5, -1],
      [0.75, -1.5],
      [1, -2],
    ]);
    const grid = latentGrid(3, 2);
    expectClose(grid, [
      [-2, 2],
      [0, 2],
      [2, 2],
      [-2, 0],
      [0, 0],
      [2, 0],
      [-2, -2],
      [0, -2],
      [2, -2],
    ]);
    const decoded = decodeMean(vae, grid);
    expect(decoded.shape).toEqual([9, 10]);
    const ae = createAutoencoder({ inputDim: 10, hiddenDims: [6], latentDim: 3 });
    const code = ae.encode(x);
    expect(code.shape).toEqual([3, 3]);
    const aeLoss = autoencoderLoss(ae, x);
    expect(aeLoss.shape).toEqual([]);
    // the autoencoder's loss is −log p(x|z) with no noise: the same on every call
    const again = autoencoderLoss(ae, x);
    expect(again.dataSync()[0]).toBe(aeLoss.dataSync()[0]);
    ae.dispose(); // created after `before`
    tf.dispose([x, zMean, zLogVar, samples, zA, zB, line, grid, decoded, code, aeLoss, again]);
    expect(tf.memory().numTensors).toBe(before);
    vae.dispose();
  });

  it("trains: the loss of a small VAE on a fixed batch falls", () => {
    seed(2);
    const vae = createVAE({ inputDim: 16, hiddenDims: [16], latentDim: 2 });
    const x = tf.tidy(() => tf.cast(tf.less(tf.randomUniform([32, 16]), 0.3), "float32")) as tf.Tensor2D;
    const opt = tf.train.adam(0.01);
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let i = 0; i < 150; i++) {
      const loss = opt.minimize(() => vaeLoss(vae, x), true, vae.variables)!;
      losses.push(loss.dataSync()[0]);
      loss.dispose();
    }
    const head = losses.slice(0, 10).reduce((a, b) => a + b) / 10;
    const tail = losses.slice(-10).reduce((a, b) => a + b) / 10;
    expect(tail).toBeLessThan(head - 1);
    // Adam's moments are created on the first step; nothing grows after that
    const after1 = tf.memory().numTensors;
    opt.minimize(() => vaeLoss(vae, x), false, vae.variables);
    expect(tf.memory().numTensors).toBe(after1);
    expect(after1 - before).toBe(2 * vae.variables.length); // Adam's m and v per variable
    opt.dispose();
    vae.dispose();
    x.dispose();
  });

  it("says what was wrong", () => {
    const vae = createVAE({ inputDim: 6, hiddenDims: [4], latentDim: 2 });
    expect(() => vae.encode(tf.zeros([2, 5]) as tf.Tensor2D)).toThrow(/x must have shape \[\?, 6\] \(B, D\), got \[2, 5\]/);
    expect(() => vae.decode(tf.zeros([2, 3]) as tf.Tensor2D)).toThrow(/z must have shape \[\?, 2\] \(B, Z\), got \[2, 3\]/);
    expect(() => gaussianKL(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([2, 2]) as tf.Tensor2D)).toThrow(/zLogVar must have shape \[2, 3\]/);
    expect(() => reparameterize(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([3, 3]) as tf.Tensor2D)).toThrow(
      /eps must have shape \[2, 3\]/,
    );
    expect(() => bernoulliLogLik(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([3, 2]) as tf.Tensor2D)).toThrow(
      /logits must have shape \[2, 3\]/,
    );
    expect(() => createVAE({ likelihood: "poisson" as never })).toThrow(
      /options.likelihood must be one of "bernoulli", "gaussian", "discretized-logistic", got "poisson"/,
    );
    expect(() => elbo(vae, tf.zeros([1, 6]) as tf.Tensor2D, { beta: -1 })).toThrow(/options.beta must be a number ≥ 0/);
    expect(() => iwaeBound(vae, tf.zeros([2, 6]) as tf.Tensor2D, { eps: tf.zeros([3, 1, 2]) as tf.Tensor3D })).toThrow(
      /options.eps must have shape \[3, 2, 2\]/,
    );
    vae.dispose();
  });
});

describe("the discretised logistic decoder (8-bit pixels in [−1, 1])", () => {
  const logistic = (z: number) => 1 / (1 + Math.exp(-z));
  /** log p(x) by the definition in float64: the logistic CDF's difference over the bin, end bins to ∓∞. */
  const byDefinition = (x: number, mu: number, logS: number) => {
    const s = Math.exp(Math.max(logS, -7));
    const upper = x > 1 - 1e-6 ? 1 : logistic((x + 1 / 255 - mu) / s);
    const lower = x < -1 + 1e-6 ? 0 : logistic((x - 1 / 255 - mu) / s);
    return Math.log(upper - lower);
  };
  const level = (k: number) => -1 + (2 * k) / 255;

  it("equals the CDF difference computed in float64, end bins and narrow and wide scales included", () => {
    const ks = [0, 0, 1, 7, 100, 127, 128, 200, 254, 255, 255, 30];
    const mus = [-1, 0.3, -0.99, -0.5, 0.0, 0.01, -0.2, 0.6, 1.2, 1.0, -0.4, -0.77];
    const logSs = [-6, -1, -4, -2.5, 0, -5.5, 1.5, -3, -0.5, -6.9, 2, -4.4];
    const x = tf.tensor2d(ks.map(level), [2, 6]);
    const got = discretizedLogisticLogLik(x, tf.tensor2d(mus, [2, 6]), tf.tensor2d(logSs, [2, 6])).arraySync();
    const want = [0, 1].map((b) =>
      [0, 1, 2, 3, 4, 5].reduce((acc, d) => acc + byDefinition(level(ks[6 * b + d]), mus[6 * b + d], logSs[6 * b + d]), 0),
    );
    expectClose(got, want, { rtol: 1e-4, atol: 1e-4 });
  });

  it("is a distribution: the 256 levels' probabilities sum to 1 for a pixel, for any mean and scale", () => {
    const x = tf.tensor2d(Array.from({ length: 256 }, (_, k) => [level(k)])); // [256, 1]: one pixel, every level
    for (const [mu, logS] of [
      [0, -3],
      [-1, -7],
      [0.9, 0.5],
      [-0.37, -5],
      [2, -2],
    ]) {
      const logP = discretizedLogisticLogLik(x, tf.fill([256, 1], mu) as tf.Tensor2D, tf.fill([256, 1], logS) as tf.Tensor2D);
      expect(tf.sum(tf.exp(logP)).dataSync()[0]).toBeCloseTo(1, 4);
      logP.dispose();
    }
    x.dispose();
  });

  it("has the gradients of the definition (central differences in float64)", () => {
    const ks = [0, 64, 128, 255];
    const mus = [-0.9, -0.5, 0.1, 0.8];
    const logSs = [-3, -2, -1.5, -2.5];
    const x = tf.tensor2d(ks.map(level), [1, 4]);
    const f = (m: tf.Tensor, l: tf.Tensor) => discretizedLogisticLogLik(x, m as tf.Tensor2D, l as tf.Tensor2D).sum();
    const [gMu, gLogS] = tf
      .grads(f)([tf.tensor2d(mus, [1, 4]), tf.tensor2d(logSs, [1, 4])])
      .map((g) => Array.from(g.dataSync()));
    const total = (m: ArrayLike<number>, l: ArrayLike<number>) => ks.reduce((acc, k, d) => acc + byDefinition(level(k), m[d], l[d]), 0);
    const numMu = ks.map((_, d) => centralDifference((v) => total(v, logSs), mus, d, 1e-3));
    const numLogS = ks.map((_, d) => centralDifference((v) => total(mus, v), logSs, d, 1e-3));
    expectClose(gMu, numMu, { rtol: 2e-2, atol: 2e-2 });
    expectClose(gLogS, numLogS, { rtol: 2e-2, atol: 2e-2 });
    x.dispose();
  });

  it("in a VAE: the decoder gives means and log-scales, the bounds are finite, training lowers the loss, nothing leaks", () => {
    seed(5);
    const opt = tf.train.adam(0.02);
    const before = tf.memory().numTensors;
    const vae = createVAE({ inputDim: 6, hiddenDims: [8], latentDim: 2, likelihood: "discretized-logistic" });
    const x = tf.tensor2d(
      [
        [0, 0, 1, 200, 255, 255],
        [255, 3, 0, 0, 128, 90],
      ].map((r) => r.map(level)),
    );
    const decoded = tf.tidy(() => vae.decode(tf.zeros([2, 2]) as tf.Tensor2D));
    expect(decoded.shape).toEqual([2, 12]);
    const mean = tf.tidy(() => decodeMean(vae, tf.randomNormal([3, 2]) as tf.Tensor2D));
    expect(mean.shape).toEqual([3, 6]);
    expect(Math.max(...mean.dataSync().map(Math.abs))).toBeLessThanOrEqual(1);
    const iwae = iwaeBound(vae, x, { k: 16 });
    expect(iwae.dataSync().every(Number.isFinite)).toBe(true);
    const loss = () => vaeLoss(vae, x);
    const value = () => tf.tidy(() => loss().dataSync()[0]);
    const first = value();
    for (let i = 0; i < 200; i++) opt.minimize(loss);
    expect(value()).toBeLessThan(first - 10);
    const wrong = tf.zeros([2, 6]) as tf.Tensor2D;
    expect(() => reconLogLik(vae.config, x, wrong)).toThrow(/decoded must have shape \[2, 12\]/);
    tf.dispose([decoded, mean, iwae, wrong]);
    const adamMoments = 2 * vae.variables.length;
    vae.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(before + adamMoments);
    opt.dispose();
  });
});
