import * as tf from "@tensorflow/tfjs";
import * as fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import {
  type EpsTheta,
  cosineSchedule,
  createEpsMLP,
  ddimSampleLoop,
  ddimStep,
  ddimTimesteps,
  diffusionLoss,
  inpaint,
  linearSchedule,
  pSample,
  pSampleLoop,
  qPosterior,
  qSample,
  timeEmbedding,
  variationalBound,
} from "../../lib/diffusion";
import { seed, unseed } from "../../lib/random";
import { expectClose } from "../helpers/close";
import { expectNoLeak } from "../helpers/leak";

// Reference numbers: PyTorch in float64, written by tests/reference/diffusion_reference.py
// (independent code: torch.linspace/cumprod schedules, Algorithm 2, DDIM eq. 12, a fixed MLP).
const ref = JSON.parse(fs.readFileSync("tests/reference/diffusion.json", "utf8"));
const S = ref.steps;

afterEach(() => unseed());

/** The reference ε_θ: createEpsMLP with the weights from the JSON. */
function referenceEpsTheta(): { epsTheta: EpsTheta; dispose: () => void } {
  const net = createEpsMLP({ dataDim: 2, hidden: [16, 16], embedDim: S.E });
  const values = (S.weights as { w: number[][]; b: number[] }[]).flatMap((l) => [tf.tensor2d(l.w), tf.tensor1d(l.b)]);
  net.variables.forEach((v, i) => v.assign(values[i]));
  tf.dispose(values);
  return net;
}

describe("schedules", () => {
  it("linear, T = 1000: the paper's numbers (Σβ, ᾱ_t, β̃_2) against PyTorch float64", () => {
    const s = linearSchedule();
    const r = ref.linear;
    expect(s.T).toBe(1000);
    expectClose(
      s.betas.reduce((a, b) => a + b, 0),
      10.05,
      { rtol: 1e-12 },
    );
    const idx = r.indices as number[];
    expectClose(
      idx.map((i) => s.betas[i]),
      r.betas,
      { rtol: 1e-12 },
    );
    expectClose(
      idx.map((i) => s.alphaBars[i]),
      r.alphaBars,
      { rtol: 1e-10 },
    );
    expectClose(
      idx.map((i) => s.posteriorVariances[i]),
      r.posteriorVariances,
      { rtol: 1e-10, atol: 1e-15 },
    );
    // The numbers of the issue, t counted from 1 (index i ↔ t = i + 1).
    const at = (t: number) => s.alphaBars[t - 1];
    expectClose([1, 10, 100, 250, 500, 750].map(at), [0.9999, 0.998105, 0.897018, 0.524085, 0.078587, 0.003351], { rtol: 0, atol: 6e-7 });
    expectClose(at(1000), 4.0358e-5, { rtol: 1e-4 });
    expectClose(s.posteriorVariances[1], 5.4532e-5, { rtol: 1e-4 });
    expect(s.posteriorVariances[0]).toBe(0);
    expect(s.alphaBarsPrev[0]).toBe(1);
    expect(s.alphaBarsPrev[10]).toBe(s.alphaBars[9]);
  });

  it("cosine, T = 1000: Nichol & Dhariwal's betas (clipped at 0.999) against PyTorch", () => {
    const s = cosineSchedule();
    const r = ref.cosine;
    const idx = r.indices as number[];
    expectClose(
      s.betas.reduce((a, b) => a + b, 0),
      r.sumBetas,
      { rtol: 1e-10 },
    );
    expectClose(
      idx.map((i) => s.betas[i]),
      r.betas,
      { rtol: 1e-10 },
    );
    expectClose(
      idx.map((i) => s.alphaBars[i]),
      r.alphaBars,
      { rtol: 1e-9, atol: 1e-300 },
    );
    expectClose(
      idx.map((i) => s.posteriorVariances[i]),
      r.posteriorVariances,
      { rtol: 1e-10, atol: 1e-15 },
    );
    expect(s.betas[999]).toBe(0.999);
  });

  it("ᾱ falls monotonically from ≈ 1 towards 0; SNR = ᾱ/(1 − ᾱ) too", () => {
    for (const s of [linearSchedule(), cosineSchedule(), linearSchedule(1)]) {
      for (let i = 1; i < s.T; i++) expect(s.alphaBars[i]).toBeLessThan(s.alphaBars[i - 1]);
      expect(s.alphaBars[0]).toBeGreaterThan(0.98);
    }
  });

  it("rejects bad arguments with a message", () => {
    expect(() => linearSchedule(0)).toThrow(/T must be an integer ≥ 1, got 0/);
    expect(() => linearSchedule(10, 0.02, 1e-4)).toThrow(/betaStart ≤ betaEnd/);
  });
});

describe("forward process", () => {
  const s = linearSchedule(S.schedule.T, S.schedule.betaStart, S.schedule.betaEnd);

  it("qSample and qPosterior match PyTorch on fixed inputs", () => {
    tf.tidy(() => {
      const [x0, xt, eps] = [tf.tensor2d(S.x0), tf.tensor2d(S.xt), tf.tensor2d(S.eps)];
      const t = tf.tensor1d(S.t, "int32");
      expectClose(
        expectNoLeak(() => qSample(x0, t, eps, s), 1),
        S.qSample,
        { rtol: 1e-5, atol: 1e-6 },
      );
      const post = expectNoLeak(() => qPosterior(x0, xt, t, s), 2);
      expectClose(post.mean, S.posteriorMean, { rtol: 1e-5, atol: 1e-6 });
      expect(post.variance.shape).toEqual([4, 1]);
      expectClose(post.variance, S.posteriorVariance, { rtol: 1e-5, atol: 1e-9 });
    });
  });

  it("qSample on a large batch: mean √ᾱ_t·x_0, variance 1 − ᾱ_t (t = 0, 499, 999); images keep their shape", () => {
    seed(1);
    const lin = linearSchedule();
    tf.tidy(() => {
      const N = 20000;
      const x0 = tf.fill([N, 2], 1.5).mul(tf.tensor1d([1, -1])) as tf.Tensor2D; // every row [1.5, −1.5]
      for (const t of [0, 499, 999]) {
        const xt = qSample(x0, t, tf.randomNormal([N, 2]), lin);
        const { mean, variance } = tf.moments(xt, 0);
        const ab = lin.alphaBars[t];
        const se = Math.sqrt((1 - ab) / N);
        expectClose(mean, [1.5 * Math.sqrt(ab), -1.5 * Math.sqrt(ab)], { rtol: 0, atol: 5 * se + 1e-6 });
        expectClose(variance, [1 - ab, 1 - ab], { rtol: 0.05, atol: 1e-6 });
      }
      const img = qSample(tf.ones([3, 4, 5]), tf.tensor1d([0, 1, 2], "int32"), tf.zeros([3, 4, 5]), lin);
      expect(img.shape).toEqual([3, 4, 5]);
      expectClose(img.slice([2, 0, 0], [1, 1, 1]).reshape([]), Math.sqrt(lin.alphaBars[2]), { rtol: 1e-6 });
    });
  });

  it("qSample says which argument is wrong", () => {
    tf.tidy(() => {
      const x0 = tf.zeros([2, 3]);
      expect(() => qSample(x0, 0, tf.zeros([3, 2]), s)).toThrow(/eps \(the same shape as x0\) must have shape \[2, 3\], got \[3, 2\]/);
      expect(() => qSample(x0, tf.tensor1d([0, 50], "int32"), tf.zeros([2, 3]), s)).toThrow(/t\[1\] = 50 is not a step index 0..49/);
      expect(() => qSample(x0, tf.tensor1d([0, 1]), tf.zeros([2, 3]), s)).toThrow(/int32/);
      expect(() => qSample(x0, 50, tf.zeros([2, 3]), s)).toThrow(/in \[0, 49\], got 50/);
    });
  });
});

describe("ε_θ, time embedding and loss", () => {
  const s = linearSchedule(S.schedule.T, S.schedule.betaStart, S.schedule.betaEnd);

  it("timeEmbedding, ε_θ and L_simple match PyTorch", () => {
    const net = referenceEpsTheta();
    tf.tidy(() => {
      const t = tf.tensor1d(S.t, "int32");
      expectClose(
        expectNoLeak(() => timeEmbedding(t, S.E), 1),
        S.timeEmbedding,
        { rtol: 1e-5, atol: 2e-6 },
      );
      expectClose(
        expectNoLeak(() => net.epsTheta(tf.tensor2d(S.xt), t), 2),
        S.epsHat,
        { rtol: 1e-5, atol: 2e-6 },
      );
      const loss = diffusionLoss(net.epsTheta, tf.tensor2d(S.x0), s, { t, eps: tf.tensor2d(S.eps) });
      expect(loss.shape).toEqual([]);
      expectClose(loss, S.loss, { rtol: 1e-5 });
      // a step index given by the caller is still checked (drawn ones are in range by construction)
      const tBad = tf.tensor1d(
        S.t.map((v: number, i: number) => (i === 0 ? s.T : v)),
        "int32",
      );
      expect(() => diffusionLoss(net.epsTheta, tf.tensor2d(S.x0), s, { t: tBad })).toThrow(
        new RegExp(`t\\[0\\] = ${s.T} is not a step index`),
      );
      expect(() => diffusionLoss(net.epsTheta, tf.tensor2d(S.x0), s, { eps: tf.zeros([1, 2]) })).toThrow(/options\.eps/);
    });
    net.dispose();
  });

  it("training on one point drives the loss down; gradients reach every variable", () => {
    seed(3);
    const net = createEpsMLP({ dataDim: 2, hidden: [32, 32], timeEveryLayer: true });
    expect(net.variables.length).toBe(6);
    const x0 = tf.tensor2d([[1, -1]]).tile([64, 1]) as tf.Tensor2D;
    const opt = tf.train.adam(1e-2);
    const lin = linearSchedule(100);
    const losses: number[] = [];
    const before = tf.memory().numTensors;
    for (let i = 0; i < 60; i++) {
      const l = tf.tidy(() => opt.minimize(() => diffusionLoss(net.epsTheta, x0, lin), true, net.variables)!);
      losses.push(l.dataSync()[0]);
      l.dispose();
    }
    const optState = tf.memory().numTensors - before; // Adam's moments, made once
    expect(optState).toBe(2 * net.variables.length);
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    expect(mean(losses.slice(-10))).toBeLessThan(0.7 * mean(losses.slice(0, 10)));
    tf.dispose(x0);
    opt.dispose();
    net.dispose();
  });
});

describe("residual ε_θ", () => {
  it("has the right shapes and variables, starts near a plain projection, and says what is wrong", () => {
    seed(4);
    const net = createEpsMLP({ dataDim: 6, hidden: [32, 32], embedDim: 8, residual: true });
    // input, 2 blocks × 2 layers, output: 6 dense layers, weights and biases
    expect(net.variables.map((v) => v.shape)).toEqual([
      [14, 32],
      [32],
      [40, 32],
      [32],
      [32, 32],
      [32],
      [40, 32],
      [32],
      [32, 32],
      [32],
      [32, 6],
      [6],
    ]);
    tf.tidy(() => {
      const out = expectNoLeak(() => net.epsTheta(tf.ones([5, 6]), tf.tensor1d([0, 1, 2, 3, 4], "int32")), 3);
      expect(out.shape).toEqual([5, 6]);
      expect(() => net.epsTheta(tf.ones([5, 7]) as tf.Tensor2D, tf.tensor1d([0, 1, 2, 3, 4], "int32"))).toThrow(
        /xt must have shape \[\?, 6\] \(B, D\), got \[5, 7\]/,
      );
    });
    net.dispose();
    expect(() => createEpsMLP({ dataDim: 2, hidden: [16, 8], residual: true })).toThrow(/all equal with residual: true, got \[16, 8\]/);
  });
});

describe("reverse process", () => {
  const s = linearSchedule(S.schedule.T, S.schedule.betaStart, S.schedule.betaEnd);

  it("pSample matches PyTorch (σ² = β and β̃, clipped x̂_0), with no noise at t = 0", () => {
    const net = referenceEpsTheta();
    tf.tidy(() => {
      const xt = tf.tensor2d(S.xt);
      const z = tf.tensor2d(S.z);
      for (const [key, variance, clip] of [
        ["pSample", "beta", undefined],
        ["pSamplePosterior", "posterior", undefined],
        ["pSampleClip", "beta", [-1, 1]],
      ] as const) {
        for (const [t, want] of Object.entries(S[key] as Record<string, number[][]>)) {
          const got = expectNoLeak(
            () => pSample(net.epsTheta, xt, Number(t), s, { z, variance, clipX0: clip ? [clip[0], clip[1]] : undefined }),
            1,
          );
          expectClose(got, want, { rtol: 1e-5, atol: 5e-6 });
        }
      }
      // t = 0 ignores z entirely.
      const a = pSample(net.epsTheta, xt, 0, s, { z });
      const b = pSample(net.epsTheta, xt, 0, s, { z: z.mul(100) });
      expectClose(a, b, { rtol: 0, atol: 0 });
    });
    net.dispose();
  });

  it("ddimStep matches PyTorch (η = 0, η = 1, last step to x_0)", () => {
    const net = referenceEpsTheta();
    tf.tidy(() => {
      const xt = tf.tensor2d(S.xt);
      const z = tf.tensor2d(S.z);
      for (const d of S.ddim as { t: number; tPrev: number; eta: number; out: number[][] }[]) {
        const got = expectNoLeak(() => ddimStep(net.epsTheta, xt, d.t, d.tPrev, s, { eta: d.eta, z }), 1);
        expectClose(got, d.out, { rtol: 1e-5, atol: 5e-6 });
      }
      expect(() => ddimStep(net.epsTheta, xt, 5, 5, s)).toThrow(/tPrev .* in \[-1, 4\], got 5/);
    });
    net.dispose();
  });

  it("ddimStep with clipX0 clips x̂_0 and steps with the ε̂ the clipped x̂_0 implies", () => {
    // ε̂ = constant e; x̂_0 = (x − √(1 − ᾱ_t) e)/√ᾱ_t clipped to [−1, 1];
    // ε̂' = (x − √ᾱ_t x̂_0)/√(1 − ᾱ_t); x_prev = √ᾱ_prev x̂_0 + √(1 − ᾱ_prev) ε̂'.
    const e = [[0.5, -2]];
    const constEps: EpsTheta = (xt) => tf.tidy(() => tf.tensor2d(e).tile([xt.shape[0], 1]) as tf.Tensor2D);
    const [t, tPrev] = [30, 10];
    const [ab, abp] = [s.alphaBars[t], s.alphaBars[tPrev]];
    const x = [[3, -0.2]];
    const want = x[0].map((xv, d) => {
      const x0 = Math.min(1, Math.max(-1, (xv - Math.sqrt(1 - ab) * e[0][d]) / Math.sqrt(ab)));
      const eps2 = (xv - Math.sqrt(ab) * x0) / Math.sqrt(1 - ab);
      return Math.sqrt(abp) * x0 + Math.sqrt(1 - abp) * eps2;
    });
    tf.tidy(() => {
      const xt = tf.tensor2d(x);
      const got = expectNoLeak(() => ddimStep(constEps, xt, t, tPrev, s, { clipX0: [-1, 1] }), 1);
      expectClose(got, [want], { rtol: 1e-5, atol: 1e-6 });
      const last = ddimStep(constEps, tf.tensor2d(x), t, -1, s, { clipX0: [-1, 1] });
      expect(Math.max(...Array.from(last.dataSync()).map(Math.abs))).toBeLessThanOrEqual(1);
    });
  });

  it("ddimTimesteps: S evenly spaced indices ending at T − 1", () => {
    expect(ddimTimesteps(1000, 10)).toEqual([999, 899, 799, 699, 599, 499, 399, 299, 199, 99]);
    expect(ddimTimesteps(5, 5)).toEqual([4, 3, 2, 1, 0]);
    expect(() => ddimTimesteps(10, 11)).toThrow(/steps S must be an integer in \[1, 10\], got 11/);
  });

  // With ε_θ exact for data that is a single point c (x_0 = c always), ε = (x_t − √ᾱ_t c)/√(1 − ᾱ_t):
  // every sampler must land on c.
  const c = [0.7, -1.2];
  const exactEps: EpsTheta = (xt, t) =>
    tf.tidy(() => {
      const lin = samplerSchedule;
      const ab = tf.gather(tf.tensor1d(Float32Array.from(lin.alphaBars)), t).reshape([-1, 1]);
      return xt.sub(ab.sqrt().mul(tf.tensor1d(c))).div(tf.sub(1, ab).sqrt()) as tf.Tensor2D;
    });
  const samplerSchedule = linearSchedule(100);

  it("pSampleLoop and ddimSampleLoop reach the data with an exact ε_θ; trajectories; no leaks", () => {
    seed(5);
    const before = tf.memory().numTensors;
    const anc = pSampleLoop(exactEps, [8, 2], samplerSchedule, { keepEvery: 25 });
    expect(anc.trajectorySteps).toEqual([100, 75, 50, 25, 0]);
    expect(anc.trajectory.length).toBe(5);
    expectClose(anc.x0, new Array(8).fill(c), { rtol: 0, atol: 1e-3 });
    const ddim = ddimSampleLoop(exactEps, [8, 2], samplerSchedule, { steps: 10 });
    expectClose(ddim.x0, new Array(8).fill(c), { rtol: 0, atol: 1e-3 });
    expect(ddim.trajectory).toEqual([]);
    tf.dispose([anc.x0, ...anc.trajectory, ddim.x0]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("DDIM with η = 0 is deterministic given x_T", () => {
    const xT = tf.tidy(() => tf.randomNormal([4, 2]) as tf.Tensor2D);
    const net = createEpsMLP({ dataDim: 2, hidden: [8] });
    const a = ddimSampleLoop(net.epsTheta, [4, 2], samplerSchedule, { steps: 5, xT });
    const b = ddimSampleLoop(net.epsTheta, [4, 2], samplerSchedule, { steps: 5, xT });
    expectClose(a.x0, b.x0, { rtol: 0, atol: 0 });
    expect(xT.isDisposed).toBe(false);
    tf.dispose([a.x0, b.x0, xT]);
    net.dispose();
  });

  it("inpaint keeps the known pixels exactly and fills the rest (exact ε_θ → c); no leaks", () => {
    seed(6);
    const before = tf.memory().numTensors;
    const known = tf.tensor2d([
      [5, -5],
      [6, -6],
      [7, -7],
    ]); // known: the first coordinate
    const mask = tf.tensor2d([[1, 0]]);
    for (const resample of [1, 2]) {
      const out = inpaint(exactEps, known, mask, samplerSchedule, { resample });
      const v = out.arraySync();
      expect(v.map((r) => r[0])).toEqual([5, 6, 7]);
      // The unknown coordinate is generated by the model, whose data is the point c.
      for (const r of v) expect(Math.abs(r[1] - c[1])).toBeLessThan(0.3);
      out.dispose();
    }
    const badMask = tf.ones([2, 2]) as tf.Tensor2D;
    expect(() => inpaint(exactEps, known, badMask, samplerSchedule)).toThrow(/mask must have shape \[1, D\] or \[B, D\]/);
    tf.dispose([known, mask, badMask]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("variationalBound (Ho et al. eq. 5)", () => {
  const bound = JSON.parse(fs.readFileSync("tests/reference/diffusion_bound.json", "utf8"));
  const s = linearSchedule(bound.T);
  const net: EpsTheta = (xt, t) => tf.tidy(() => tf.tanh(xt.mul(0.7).add(t.toFloat().reshape([-1, 1]).mul(0.05)))) as tf.Tensor2D;

  it("each part, both variances, equals the reference computed from eqs. 7, 11 and 13 (numpy)", () => {
    const x0 = tf.tensor2d(bound.x0);
    const eps = tf.tensor3d(bound.eps);
    for (const variance of ["beta", "posterior"] as const) {
      const got = expectNoLeak(() => variationalBound(net, x0, s, { steps: "all", eps, variance }));
      for (const part of ["prior", "diffusion", "decoder", "total"] as const) {
        expectClose(Array.from(got[part]), bound[variance][part], { rtol: 2e-4, atol: 1e-4 });
      }
    }
    tf.dispose([x0, eps]);
  });

  it("the Monte-Carlo estimate of Σ L_{t−1} is unbiased: its mean meets the exact sum's mean over ε", () => {
    seed(3);
    const x0 = tf.tensor2d(bound.x0);
    const stats = (v: number[]) => {
      const mean = v.reduce((a, c) => a + c, 0) / v.length;
      return { mean, se: Math.sqrt(v.reduce((a, c) => a + (c - mean) ** 2, 0) / (v.length - 1) / v.length) };
    };
    const exact = Array.from({ length: 100 }, () => variationalBound(net, x0, s, { steps: "all" }).diffusion);
    const mc = Array.from({ length: 400 }, () => variationalBound(net, x0, s, { steps: 2 }).diffusion);
    for (let b = 0; b < 3; b++) {
      const e = stats(exact.map((r) => r[b]));
      const m = stats(mc.map((r) => r[b]));
      expect(Math.abs(m.mean - e.mean), `image ${b}: MC ${m.mean} vs exact ${e.mean}`).toBeLessThan(4 * Math.hypot(e.se, m.se));
    }
    x0.dispose();
  });

  it("refuses data off the 8-bit grid and names the argument", () => {
    const x0 = tf.tensor2d([[0.1234, 0]]);
    expect(() => variationalBound(net, x0, s)).toThrow(/x0 must be 8-bit images scaled to \[−1, 1\].*0\.1234/);
    expect(() => variationalBound(net, tf.tensor2d([[1, -1]]), s, { steps: 0 })).toThrow(/options\.steps/);
    x0.dispose();
  });
});
