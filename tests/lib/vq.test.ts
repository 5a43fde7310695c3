// lib/vq.ts: quantization against PyTorch (tests/reference/vq_reference.py → vq.json: indices,
// losses and the straight-through gradients), nearestCodes against a brute-force loop, where the
// gradients go, perplexity in closed form, random restarts, the model's shapes, errors, leaks, and
// a short training run whose loss falls.
import * as tf from "@tensorflow/tfjs";
import * as fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { makeRng, seed, unseed } from "../../lib/random";
import { codePerplexity, createVQVAE, nearestCodes, quantize, restartDeadCodes, stopGradient, vqvaeLoss, type VQVAE } from "../../lib/vq";
import { expectClose } from "../helpers/close";
import { expectNoLeak } from "../helpers/leak";

const ref = JSON.parse(fs.readFileSync("tests/reference/vq.json", "utf8"));
const TOL = { rtol: 1e-5, atol: 1e-5 }; // float32 against float64

afterEach(() => unseed());

/** Rows of a [n, d] tensor as arrays. */
function rows(x: tf.Tensor2D): number[][] {
  return x.arraySync();
}

/** 8×8 images made of a 2×2 grid of 4×4 blocks, each block on with probability ½ (16 patterns). @returns [n, 64] */
function blockyImages(n: number, rng: () => number): tf.Tensor2D {
  const values = new Float32Array(n * 64);
  for (let i = 0; i < n; i++) {
    for (let by = 0; by < 2; by++) {
      for (let bx = 0; bx < 2; bx++) {
        if (rng() < 0.5) continue;
        for (let dy = 0; dy < 4; dy++) for (let dx = 0; dx < 4; dx++) values[i * 64 + (4 * by + dy) * 8 + 4 * bx + dx] = 1;
      }
    }
  }
  return tf.tensor2d(values, [n, 64]);
}

describe("quantization", () => {
  it("stopGradient: the value passes, the gradient is 0", () => {
    const x = tf.tensor1d([1, -2, 3]);
    expectClose(stopGradient(x), [1, -2, 3], { rtol: 0, atol: 0 });
    const g = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(stopGradient(z), z)) as tf.Scalar)(x); // d/dz sg[z]·z = sg[z]
    expectClose(g, [1, -2, 3], { rtol: 0, atol: 0 });
  });

  it("nearestCodes equals a brute-force loop over every code; ties go to the lower index", () => {
    seed(1);
    const [N, K, Dc] = [60, 9, 4];
    const ze = tf.randomNormal([N, Dc]) as tf.Tensor2D;
    const codebook = tf.randomNormal([K, Dc]) as tf.Tensor2D;
    const z = rows(ze);
    const e = rows(codebook);
    const brute = z.map((zi) => {
      let best = 0;
      let bestDist = Infinity;
      e.forEach((ek, k) => {
        const d = zi.reduce((s, v, j) => s + (v - ek[j]) ** 2, 0);
        if (d < bestDist) [best, bestDist] = [k, d];
      });
      return best;
    });
    const k = nearestCodes(ze, codebook);
    expect(k.dtype).toBe("int32");
    expect(k.shape).toEqual([N]);
    expect(Array.from(k.dataSync())).toEqual(brute);
    // code 1 is a copy of code 0 (exactly representable values): the lower index wins
    const twin = tf.tensor2d([
      [0.5, 0.25],
      [0.5, 0.25],
      [-1, 2],
    ]);
    expect(Array.from(nearestCodes(tf.tensor2d([[0.5, 0.5]]), twin).dataSync())).toEqual([0]);
  });

  it("quantize: zq holds the chosen codes; both losses are mean ‖ze − e‖²; no leaks", () => {
    seed(2);
    const ze = tf.randomNormal([10, 3]) as tf.Tensor2D;
    const codebook = tf.randomNormal([4, 3]) as tf.Tensor2D;
    const q = expectNoLeak(() => quantize(ze, codebook), 4);
    expect(q.zq.shape).toEqual([10, 3]);
    expect(q.indices.shape).toEqual([10]);
    expect(q.indices.dtype).toBe("int32");
    expect(q.codebookLoss.shape).toEqual([]);
    const e = tf.gather(codebook, q.indices);
    expectClose(q.zq, e, { rtol: 1e-6, atol: 1e-6 });
    const byHand = tf.mean(tf.square(ze.sub(e))).dataSync()[0];
    expectClose(q.codebookLoss, byHand, { rtol: 1e-6 });
    expectClose(q.commitmentLoss, byHand, { rtol: 1e-6 });
    tf.dispose([q.zq, q.indices, q.codebookLoss, q.commitmentLoss, e]);
  });

  it("straight-through: ∂ sum(zq·W)/∂ze = W and nothing reaches the codebook; each loss moves only its side", () => {
    seed(3);
    const [N, K, Dc] = [8, 3, 2];
    const ze = tf.randomNormal([N, Dc]) as tf.Tensor2D;
    const codebook = tf.randomNormal([K, Dc]) as tf.Tensor2D;
    const W = tf.randomNormal([N, Dc]) as tf.Tensor2D;
    const gradsOf = (f: (q: ReturnType<typeof quantize>) => tf.Scalar) =>
      tf.grads((z: tf.Tensor, c: tf.Tensor) => f(quantize(z as tf.Tensor2D, c as tf.Tensor2D)))([ze, codebook]);

    const [gZe, gCodebook] = gradsOf((q) => tf.sum(tf.mul(q.zq, W)) as tf.Scalar);
    expectClose(gZe, W, { rtol: 0, atol: 0 }); // the identity
    expectClose(gCodebook, tf.zeros([K, Dc]), { rtol: 0, atol: 0 });

    // codebook loss: ∂/∂e_k = 2/(N·Dc) Σ_{i: k_i = k} (e_k − ze_i); nothing to ze
    const [cZe, cCodebook] = gradsOf((q) => q.codebookLoss);
    expectClose(cZe, tf.zeros([N, Dc]), { rtol: 0, atol: 0 });
    const k = Array.from(nearestCodes(ze, codebook).dataSync());
    const z = rows(ze);
    const e = rows(codebook);
    const byHand = e.map((ek, kk) => ek.map((v, j) => z.reduce((s, zi, i) => s + (k[i] === kk ? (2 * (v - zi[j])) / (N * Dc) : 0), 0)));
    expectClose(cCodebook, byHand, { rtol: 1e-5, atol: 1e-7 });

    // commitment loss: ∂/∂ze_i = 2/(N·Dc) (ze_i − e_{k_i}); nothing to the codebook
    const [mZe, mCodebook] = gradsOf((q) => q.commitmentLoss);
    expectClose(mCodebook, tf.zeros([K, Dc]), { rtol: 0, atol: 0 });
    expectClose(
      mZe,
      z.map((zi, i) => zi.map((v, j) => (2 * (v - e[k[i]][j])) / (N * Dc))),
      { rtol: 1e-5, atol: 1e-7 },
    );
  });

  it("matches PyTorch's VQ-VAE idiom: indices, losses, zq and the gradients of sum(zq·W) + codebook + 0.25·commitment", () => {
    const { N, K, Dc } = ref.dims as Record<string, number>;
    const ze = tf.tensor2d(ref.ze);
    const codebook = tf.tensor2d(ref.codebook);
    const W = tf.tensor2d(ref.W);
    expect(ze.shape).toEqual([N, Dc]);
    expect(codebook.shape).toEqual([K, Dc]);
    const q = quantize(ze, codebook);
    expect(Array.from(q.indices.dataSync())).toEqual(ref.indices);
    expectClose(q.codebookLoss, ref.codebookLoss, TOL);
    expectClose(q.commitmentLoss, ref.commitmentLoss, TOL);
    expectClose(q.zq, ref.zq, TOL);
    const [gZe, gCodebook] = tf.grads((z: tf.Tensor, c: tf.Tensor) => {
      const r = quantize(z as tf.Tensor2D, c as tf.Tensor2D);
      return tf.sum(tf.mul(r.zq, W)).add(r.codebookLoss).add(r.commitmentLoss.mul(ref.beta)) as tf.Scalar;
    })([ze, codebook]);
    expectClose(gZe, ref.gradZe, TOL);
    expectClose(gCodebook, ref.gradCodebook, TOL);
    expect(Array.from(gCodebook.dataSync().slice(4 * Dc))).toEqual([0, 0, 0]); // code 4 unused: no gradient
  });

  it("codePerplexity: K for uniform usage, 1 for one code, exp(entropy) in between", () => {
    expectClose(codePerplexity([0, 1, 2, 3, 0, 1, 2, 3], 4), 4, { rtol: 1e-12 });
    expect(codePerplexity([2, 2, 2], 5)).toBe(1);
    // p = (2/3, 1/3): exp(−(2/3 ln 2/3 + 1/3 ln 1/3)) = 3 / 2^(2/3)
    expectClose(codePerplexity(Int32Array.from([0, 0, 1]), 8), 3 / 2 ** (2 / 3), { rtol: 1e-12 });
    expect(() => codePerplexity([], 4)).toThrow(/indices must not be empty/);
    expect(() => codePerplexity([0, 4], 4)).toThrow(/indices\[1\] must be an integer in \[0, 4\)/);
    expect(() => codePerplexity([0], 0)).toThrow(/K must be an integer ≥ 1, got 0/);
  });

  it("restartDeadCodes: unused codes become distinct candidate rows, the others stay; no leaks", () => {
    const codebook = tf.variable(tf.tensor2d([[0, 0], [1, 1], [2, 2], [3, 3], [4, 4]])); // prettier-ignore
    const candidates = tf.tensor2d([[10, 11], [20, 21], [30, 31], [40, 41]]); // prettier-ignore
    const counts = [0, 7, 0, 3, 0];
    const restarted = expectNoLeak(() => restartDeadCodes(codebook, counts, candidates, makeRng(4)));
    expect(restarted).toBe(3);
    const after = rows(codebook as tf.Variable<tf.Rank.R2>);
    expect(after[1]).toEqual([1, 1]);
    expect(after[3]).toEqual([3, 3]);
    const candidateRows = rows(candidates).map((r) => JSON.stringify(r));
    const newRows = [after[0], after[2], after[4]].map((r) => JSON.stringify(r));
    for (const r of newRows) expect(candidateRows).toContain(r);
    expect(new Set(newRows).size).toBe(3); // distinct while M ≥ the dead codes
    // nothing dead: nothing changes
    expect(restartDeadCodes(codebook, [1, 1, 1, 1, 1], candidates, makeRng(5))).toBe(0);
    expect(rows(codebook as tf.Variable<tf.Rank.R2>)).toEqual(after);
    // more dead codes than candidates: every code still gets a candidate row
    expect(restartDeadCodes(codebook, [0, 0, 0, 0, 0], tf.tensor2d([[7, 8]]), makeRng(6))).toBe(5);
    expect(rows(codebook as tf.Variable<tf.Rank.R2>)).toEqual(Array(5).fill([7, 8]));
    expect(() => restartDeadCodes(codebook, [0, 1], candidates, makeRng(7))).toThrow(/counts must have one entry per code, K = 5, got 2/);
    expect(() => restartDeadCodes(codebook, counts, tf.zeros([3, 4]) as tf.Tensor2D, makeRng(8))).toThrow(/candidates.*\[\?, 2\]/);
    codebook.dispose();
  });

  it("errors name the argument and the expected shape", () => {
    const codebook = tf.zeros([5, 3]) as tf.Tensor2D;
    expect(() => nearestCodes(tf.zeros([4, 2]) as tf.Tensor2D, codebook)).toThrow(/ze must have shape \[\?, 3\] \(N, Dc\), got \[4, 2\]/);
    expect(() => quantize(tf.zeros([4, 3]) as tf.Tensor2D, tf.zeros([5]) as unknown as tf.Tensor2D)).toThrow(/codebook must have shape/);
  });
});

describe("createVQVAE", () => {
  it("defaults: 14×14 images → a 7×7 grid of 16-number vectors, 49 tokens each, decoded back to [0, 1]", () => {
    seed(10);
    const model = createVQVAE();
    expect(model.config).toEqual({ side: 14, channels: [32, 64], codes: 64, codeDim: 16, beta: 0.25 });
    expect(model.codebook.shape).toEqual([64, 16]);
    expect(Math.max(...Array.from(model.codebook.dataSync()).map(Math.abs))).toBeLessThanOrEqual(1 / 64);
    expect(model.variables.length).toBe(17); // 8 convolutions (w, b) and the codebook
    expect(model.variables.at(-1)).toBe(model.codebook);
    const x = tf.randomUniform([3, 196]) as tf.Tensor2D;
    expect(model.encode(x).shape).toEqual([3, 7, 7, 16]);
    const tokens = model.tokenize(x);
    expect(tokens.shape).toEqual([3, 49]);
    expect(tokens.dtype).toBe("int32");
    const images = model.decodeCodes(tokens);
    expect(images.shape).toEqual([3, 196]);
    const v = Array.from(images.dataSync());
    expect(v.every((p) => p >= 0 && p <= 1)).toBe(true);
    model.dispose();
  });

  it("tokenize is nearestCodes of encode, row-major; decodeCodes(tokenize(x)) = decode(zq) = clip(decodeRaw(zq), 0, 1)", () => {
    seed(11);
    const model = createVQVAE({ side: 6, channels: [4, 8], codes: 8, codeDim: 3 });
    const x = tf.randomUniform([2, 36]) as tf.Tensor2D;
    const ze = model.encode(x); // [2, 3, 3, 3]
    model.codebook.assign(ze.reshape([18, 3]).slice(0, 8) as tf.Tensor2D); // codes at encoder outputs: several in use
    const q = quantize(ze.reshape([18, 3]), model.codebook);
    expect(Array.from(model.tokenize(x).dataSync())).toEqual(Array.from(q.indices.dataSync()));
    expect(new Set(q.indices.dataSync()).size).toBeGreaterThan(1);
    const direct = model.decode(q.zq.reshape([2, 3, 3, 3]) as tf.Tensor4D);
    expectClose(model.decodeCodes(model.tokenize(x)), direct, { rtol: 1e-5, atol: 1e-6 });
    const raw = model.decodeRaw(q.zq.reshape([2, 3, 3, 3]) as tf.Tensor4D);
    expect(raw.shape).toEqual([2, 36]);
    expectClose(direct, raw.clipByValue(0, 1), { rtol: 0, atol: 0 });
    model.dispose();
  });

  it("errors: odd side, bad options, wrong shapes, dtypes and code indices", () => {
    expect(() => createVQVAE({ side: 7 })).toThrow(/options.side must be even.*got 7/);
    expect(() => createVQVAE({ channels: [8] as unknown as [number, number] })).toThrow(/options.channels must be \[C0, C1\]/);
    expect(() => createVQVAE({ codes: 0 })).toThrow(/options.codes must be an integer ≥ 1, got 0/);
    expect(() => createVQVAE({ beta: -1 })).toThrow(/options.beta must be a finite number ≥ 0/);
    const model = createVQVAE({ side: 4, channels: [2, 2], codes: 3, codeDim: 2 });
    expect(() => model.encode(tf.zeros([1, 15]) as tf.Tensor2D)).toThrow(/x must have shape \[\?, 16\]/);
    expect(() => model.decode(tf.zeros([1, 2, 2, 3]) as tf.Tensor4D)).toThrow(/zq must have shape \[\?, 2, 2, 2\] \(B, h, w, Dc\)/);
    expect(() => model.decodeRaw(tf.zeros([1, 2, 3, 2]) as tf.Tensor4D)).toThrow(/zq must have shape \[\?, 2, 2, 2\]/);
    expect(() => model.decodeCodes(tf.zeros([1, 5], "int32") as tf.Tensor2D)).toThrow(/indices must have shape \[\?, 4\]/);
    expect(() => model.decodeCodes(tf.zeros([1, 4]) as tf.Tensor2D)).toThrow(/indices must be int32/);
    expect(() => model.decodeCodes(tf.tensor2d([[0, 1, 3, 2]], [1, 4], "int32"))).toThrow(/indices must be in \[0, K\) = \[0, 3\), got 3/);
    expect(() => vqvaeLoss(model, tf.zeros([2, 9]) as tf.Tensor2D)).toThrow(/x must have shape \[\?, 16\]/);
    model.dispose();
  });
});

describe("vqvaeLoss", () => {
  it("loss = reconstruction + codebook + β·commitment; every variable gets a gradient", () => {
    seed(20);
    const model = createVQVAE({ side: 4, channels: [4, 4], codes: 6, codeDim: 2, beta: 0.5 });
    const x = tf.randomUniform([3, 16]) as tf.Tensor2D;
    model.codebook.assign(model.encode(x).reshape([12, 2]).slice(0, 6) as tf.Tensor2D); // codes at encoder outputs
    const out = vqvaeLoss(model, x);
    expect(out.indices.shape).toEqual([12]);
    expect(out.ze.shape).toEqual([12, 2]);
    const [loss, recon, cb, commit] = [out.loss, out.reconstruction, out.codebook, out.commitment].map((s) => s.dataSync()[0]);
    expectClose(loss, recon + cb + 0.5 * commit, { rtol: 1e-6 });
    const xHat = model.decodeRaw(tf.gather(model.codebook, out.indices).reshape([3, 2, 2, 2]) as tf.Tensor4D); // the loss sees x̂ unclipped
    expectClose(recon, tf.mean(tf.square(x.sub(xHat))).dataSync()[0], { rtol: 1e-5 });
    const { grads } = tf.variableGrads(() => vqvaeLoss(model, x).loss, model.variables);
    for (const v of model.variables)
      expect(tf.max(tf.abs(grads[v.name])).dataSync()[0], `gradient of ${v.name} ${v.shape}`).toBeGreaterThan(0);
    model.dispose();
  });

  it("leaves no tensors behind: createVQVAE, tokenize, decodeCodes, vqvaeLoss, a minimize step, dispose", () => {
    seed(21);
    const before = tf.memory().numTensors;
    const model = createVQVAE({ side: 4, channels: [2, 4], codes: 5, codeDim: 2 });
    expect(tf.memory().numTensors - before, "tensors made by createVQVAE beyond its variables").toBe(model.variables.length);
    const x = tf.randomUniform([2, 16]) as tf.Tensor2D;
    const tokens = expectNoLeak(() => model.tokenize(x), 1);
    expectNoLeak(() => model.decodeCodes(tokens), 1).dispose();
    expectNoLeak(() => model.encode(x), 1).dispose();
    const zq = tf.zeros([2, 2, 2, 2]) as tf.Tensor4D;
    expectNoLeak(() => model.decode(zq), 1).dispose();
    expectNoLeak(() => model.decodeRaw(zq), 1).dispose();
    zq.dispose();
    const out = expectNoLeak(() => vqvaeLoss(model, x), 6);
    tf.dispose(Object.values(out));
    const opt = tf.train.adam(1e-3);
    opt.minimize(() => vqvaeLoss(model, x).loss, false, model.variables); // the first step makes Adam's moments
    expectNoLeak(() => opt.minimize(() => vqvaeLoss(model, x).loss, false, model.variables));
    opt.dispose();
    tf.dispose([x, tokens]);
    expectNoLeak(() => model.dispose(), -model.variables.length);
  });

  it("trains: 50 Adam steps on blocky 8×8 images; the tokens come to carry the picture", () => {
    seed(22);
    const model: VQVAE = createVQVAE({ side: 8, channels: [8, 16], codes: 16, codeDim: 4 });
    const x = blockyImages(64, makeRng(23));
    const opt = tf.train.adam(1e-2);
    const losses: number[] = [];
    const recons: number[] = [];
    let perplexity = 0;
    for (let step = 0; step < 50; step++) {
      opt.minimize(
        () => {
          const out = vqvaeLoss(model, x);
          losses.push(out.loss.dataSync()[0]);
          recons.push(out.reconstruction.dataSync()[0]);
          perplexity = codePerplexity(out.indices.dataSync(), 16);
          return out.loss;
        },
        false,
        model.variables,
      );
    }
    opt.dispose();
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(mean(losses.slice(-5))).toBeLessThan(0.5 * mean(losses.slice(0, 5)));
    // 0.25 is what the best constant image (every pixel ½) scores: below it, the codes say which blocks are on
    expect(mean(recons.slice(-5))).toBeLessThan(0.15);
    expect(perplexity).toBeGreaterThan(2);
    x.dispose();
    model.dispose();
  });
});
