/**
 * lib/engine/kernels.ts: the kernels registered for the active backend (lib-wasm and lib-cpu projects)
 * compute what explicit loops over small inputs compute, leak no tensors, and a seeded model
 * trains to the same losses on cpu and wasm.
 */
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selectBackend, type BackendName } from "../../../lib/engine/backend";
import { courseKernelsInfo } from "../../../lib/engine/kernels";
import { makeRng, seed, unseed } from "../../../lib/random";
import { expectClose } from "../../helpers/close";
import { expectNoLeak } from "../../helpers/leak";

const TOL = { rtol: 1e-4, atol: 1e-5 };
let backend: BackendName;

beforeAll(async () => {
  backend = (await selectBackend({ quiet: true })).name;
});

/** n uniform numbers in [−1, 1) from a fixed stream (independent of tfjs). */
function values(n: number, seedValue: number): Float32Array {
  const rng = makeRng(seedValue);
  return Float32Array.from({ length: n }, () => 2 * rng() - 1);
}

/** Row-major product of op(A) [M, K] and op(B) [K, N] by loops; A is [K, M] when transA. */
function matMulLoops(a: Float32Array, b: Float32Array, M: number, K: number, N: number, transA: boolean, transB: boolean): Float32Array {
  const c = new Float32Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (transA ? a[k * M + i] : a[i * K + k]) * (transB ? b[j * K + k] : b[k * N + j]);
      c[i * N + j] = s;
    }
  }
  return c;
}

describe(`registerCourseKernels`, () => {
  it("reports what it patched", () => {
    const info = courseKernelsInfo();
    expect(info.patched).toContain(tf.getBackend());
    expect(info.blasReport).toMatch(/BLAS addon/);
  });
});

describe("matMul", () => {
  const M = 5;
  const K = 7;
  const N = 3;
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      it(`equals loops with transposeA=${transA}, transposeB=${transB}, batched and broadcast`, () => {
        const batch = 2;
        const a = values(batch * M * K, 1);
        const b = values(batch * K * N, 2);
        const aShape = transA ? [K, M] : [M, K];
        const bShape = transB ? [N, K] : [K, N];
        const expected = new Float32Array(batch * M * N);
        for (let i = 0; i < batch; i++) {
          expected.set(matMulLoops(a.subarray(i * M * K), b.subarray(i * K * N), M, K, N, transA, transB), i * M * N);
        }
        expectNoLeak(() => {
          tf.tidy(() => {
            const A = tf.tensor(a, [batch, ...aShape]);
            const B = tf.tensor(b, [batch, ...bShape]);
            const C = tf.matMul(A, B, transA, transB);
            expect(C.shape).toEqual([batch, M, N]);
            expectClose(C, expected, TOL);
            // [1, ...] broadcast over the batch
            const B0 = tf.tensor(b.subarray(0, K * N), [1, ...bShape]);
            const first = matMulLoops(a.subarray(M * K), b, M, K, N, transA, transB);
            expectClose(tf.matMul(A, B0, transA, transB).slice([1, 0, 0], [1, M, N]), first, TOL);
            // fused with a bias and relu, as tf.layers.dense runs it
            const bias = tf.tensor1d(values(N, 3));
            const fused = tf.fused.matMul({
              a: A.slice([0, 0, 0], [1, ...aShape]).reshape(aShape) as tf.Tensor2D,
              b: B.slice([0, 0, 0], [1, ...bShape]).reshape(bShape) as tf.Tensor2D,
              transposeA: transA,
              transposeB: transB,
              bias,
              activation: "relu",
            });
            const biasValues = bias.dataSync();
            const reference = matMulLoops(a, b, M, K, N, transA, transB).map((v, idx) => Math.max(0, v + biasValues[idx % N]));
            expectClose(fused, reference, TOL);
          });
        });
      });
    }
  }

  // Products above ~1M multiply-adds are split into tiles of C across the addon's threads (rows
  // when M ≥ N, else columns; batch items too): each case below takes a different split.
  const large: [string, number, number, number, number, boolean, boolean, boolean][] = [
    // name, batch, M, K, N, transA, transB, broadcast B
    ["rows, fused bias + relu", 1, 300, 200, 150, false, false, false],
    ["columns, both transposed", 1, 40, 300, 500, true, true, false],
    ["batched, columns", 3, 128, 64, 256, false, true, false],
    ["batched, B broadcast", 4, 256, 64, 128, true, false, true],
  ];
  for (const [name, batch, M2, K2, N2, transA, transB, broadcastB] of large) {
    it(`equals loops on a large product (${name})`, () => {
      const a = values(batch * M2 * K2, 21);
      const b = values((broadcastB ? 1 : batch) * K2 * N2, 22);
      const bias = values(N2, 23);
      const fused = name.includes("relu");
      const expected = new Float32Array(batch * M2 * N2);
      for (let i = 0; i < batch; i++) {
        const c = matMulLoops(a.subarray(i * M2 * K2), b.subarray(broadcastB ? 0 : i * K2 * N2), M2, K2, N2, transA, transB);
        expected.set(fused ? c.map((v, idx) => Math.max(0, v + bias[idx % N2])) : c, i * M2 * N2);
      }
      expectNoLeak(() => {
        tf.tidy(() => {
          const A = tf.tensor(a, [batch, ...(transA ? [K2, M2] : [M2, K2])]);
          const B = tf.tensor(b, broadcastB ? (transB ? [N2, K2] : [K2, N2]) : [batch, ...(transB ? [N2, K2] : [K2, N2])]);
          const C = fused
            ? tf.fused.matMul({
                a: A.reshape(A.shape.slice(1)) as tf.Tensor2D,
                b: B.reshape(B.shape.slice(-2)) as tf.Tensor2D,
                transposeA: transA,
                transposeB: transB,
                bias: tf.tensor1d(bias),
                activation: "relu",
              })
            : tf.matMul(A, B, transA, transB);
          expectClose(C, expected, { rtol: 1e-4, atol: 1e-4 });
        });
      });
    });
  }

  it("has the gradients of C = A·B: dA = dC·Bᵀ, dB = Aᵀ·dC", () => {
    const a = values(M * K, 4);
    const b = values(K * N, 5);
    const dc = values(M * N, 6);
    expectNoLeak(() => {
      tf.tidy(() => {
        const [dA, dB] = tf.grads((A: tf.Tensor, B: tf.Tensor) =>
          tf.mul(tf.matMul(A as tf.Tensor2D, B as tf.Tensor2D), tf.tensor(dc, [M, N])).sum(),
        )([tf.tensor(a, [M, K]), tf.tensor(b, [K, N])]);
        expectClose(dA, matMulLoops(dc, b, M, N, K, false, true), TOL);
        expectClose(dB, matMulLoops(a, dc, K, M, N, true, false), TOL);
      });
    });
  });
});

describe("gather gradient (UnsortedSegmentSum)", () => {
  it("adds dy rows into the rows they were gathered from, repeats included (axis 0)", () => {
    const V = 6;
    const D = 4;
    const ids = [3, 0, 3, 5, 3, 1, 0];
    const dy = values(ids.length * D, 7);
    const expected = new Float32Array(V * D);
    ids.forEach((id, i) => {
      for (let d = 0; d < D; d++) expected[id * D + d] += dy[i * D + d];
    });
    expectNoLeak(() => {
      tf.tidy(() => {
        const table = tf.tensor2d(values(V * D, 8), [V, D]);
        const idx = tf.tensor1d(ids, "int32");
        const g = tf.grad((x: tf.Tensor) => tf.mul(tf.gather(x, idx), tf.tensor2d(dy, [ids.length, D])).sum())(table);
        expectClose(g, expected, TOL);
      });
    });
  });

  it("works along axis 1 with a 2-D index and directly as tf.unsortedSegmentSum", () => {
    const R = 3;
    const V = 5;
    const ids = [
      [4, 0],
      [4, 2],
    ];
    const dy = values(R * 4, 9); // [R, 2, 2]
    const expected = new Float32Array(R * V);
    for (let r = 0; r < R; r++) {
      ids.flat().forEach((id, j) => (expected[r * V + id] += dy[r * 4 + j]));
    }
    expectNoLeak(() => {
      tf.tidy(() => {
        const x = tf.tensor2d(values(R * V, 10), [R, V]);
        const g = tf.grad((t: tf.Tensor) => tf.mul(tf.gather(t, tf.tensor2d(ids, [2, 2], "int32"), 1), tf.tensor3d(dy, [R, 2, 2])).sum())(
          x,
        );
        expectClose(g, expected, TOL);
        const s = tf.unsortedSegmentSum(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]), tf.tensor1d([2, 0, 2], "int32"), 4);
        expectClose(
          s,
          [
            [3, 4],
            [0, 0],
            [6, 8],
            [0, 0],
          ],
          TOL,
        );
      });
    });
  });
});

describe("conv2d filter gradient (Conv2DBackpropFilter)", () => {
  const B = 2;
  const H = 7;
  const W = 6;
  const Ci = 3;
  const Co = 4;
  const F = 3;
  for (const stride of [1, 2]) {
    for (const pad of ["same", "valid"] as const) {
      it(`equals loops with stride ${stride}, padding ${pad}`, () => {
        // Output size and leading padding as TensorFlow defines them.
        const outH = pad === "same" ? Math.ceil(H / stride) : Math.ceil((H - F + 1) / stride);
        const outW = pad === "same" ? Math.ceil(W / stride) : Math.ceil((W - F + 1) / stride);
        const padTop = pad === "same" ? Math.floor(Math.max((outH - 1) * stride + F - H, 0) / 2) : 0;
        const padLeft = pad === "same" ? Math.floor(Math.max((outW - 1) * stride + F - W, 0) / 2) : 0;
        const x = values(B * H * W * Ci, 11);
        const dy = values(B * outH * outW * Co, 12);
        // dW[fh, fw, ci, co] = Σ_{b, oh, ow} x[b, oh·s + fh − padTop, ow·s + fw − padLeft, ci] · dy[b, oh, ow, co]
        const expected = new Float32Array(F * F * Ci * Co);
        for (let fh = 0; fh < F; fh++)
          for (let fw = 0; fw < F; fw++)
            for (let ci = 0; ci < Ci; ci++)
              for (let co = 0; co < Co; co++) {
                let s = 0;
                for (let b = 0; b < B; b++)
                  for (let oh = 0; oh < outH; oh++)
                    for (let ow = 0; ow < outW; ow++) {
                      const ih = oh * stride + fh - padTop;
                      const iw = ow * stride + fw - padLeft;
                      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                      s += x[((b * H + ih) * W + iw) * Ci + ci] * dy[((b * outH + oh) * outW + ow) * Co + co];
                    }
                expected[((fh * F + fw) * Ci + ci) * Co + co] = s;
              }
        expectNoLeak(() => {
          tf.tidy(() => {
            const X = tf.tensor4d(x, [B, H, W, Ci]);
            const dY = tf.tensor4d(dy, [B, outH, outW, Co]);
            const filter = tf.tensor4d(values(F * F * Ci * Co, 13), [F, F, Ci, Co]);
            const g = tf.grad((f: tf.Tensor) => tf.mul(tf.conv2d(X, f as tf.Tensor4D, stride, pad), dY).sum())(filter);
            expect(g.shape).toEqual([F, F, Ci, Co]);
            expectClose(g, expected, TOL);
          });
        });
      });
    }
  }
});

describe("the wasm fast paths (run on every backend)", () => {
  it("sum over leading axes, slice, split, concat and gather equal loops", () => {
    const [P, Q, R] = [3, 4, 5];
    const x = values(P * Q * R, 14);
    const at = (p: number, q: number, r: number): number => x[(p * Q + q) * R + r];
    expectNoLeak(() => {
      tf.tidy(() => {
        const X = tf.tensor3d(x, [P, Q, R]);
        const sum01 = Array.from({ length: R }, (_, r) => {
          let s = 0;
          for (let p = 0; p < P; p++) for (let q = 0; q < Q; q++) s += at(p, q, r);
          return s;
        });
        expectClose(tf.sum(X, [0, 1]), sum01, TOL);
        expect(tf.sum(X, [1, 0], true).shape).toEqual([1, 1, R]);
        const slice = tf.slice(X, [1, 1, 2], [2, 2, 3]);
        expectClose(
          slice,
          [1, 2].map((p) => [1, 2].map((q) => [2, 3, 4].map((r) => at(p, q, r)))),
          TOL,
        );
        const [s1, s2] = tf.split(X, [2, 3], 2);
        expectClose(
          s2,
          [0, 1, 2].map((p) => [0, 1, 2, 3].map((q) => [2, 3, 4].map((r) => at(p, q, r)))),
          TOL,
        );
        expectClose(tf.concat([s1, s2], 2), X, TOL);
        const g = tf.gather(X, tf.tensor1d([3, 0, 3], "int32"), 1);
        expectClose(
          g,
          [0, 1, 2].map((p) => [3, 0, 3].map((q) => [0, 1, 2, 3, 4].map((r) => at(p, q, r)))),
          TOL,
        );
        expect(() => tf.gather(X, tf.tensor1d([4], "int32"), 1).dataSync()).toThrow();
      });
    });
  });

  it("tanh and x³ are accurate, 0 and the tails included", () => {
    const xs = Float32Array.from([0, 1e-8, -1e-8, 1e-3, 0.05, 0.0625, 0.07, -0.3, 1, -2.5, 9, 20, -40, 100]);
    expectNoLeak(() => {
      tf.tidy(() => {
        const X = tf.tensor1d(xs);
        expectClose(tf.tanh(X), Array.from(xs, Math.tanh), { rtol: 5e-6, atol: 0 });
        expectClose(
          tf.pow(X, 3),
          Array.from(xs, (v) => v * v * v),
          { rtol: 1e-6, atol: 0 },
        );
        expectClose(
          tf.square(X),
          Array.from(xs, (v) => v * v),
          { rtol: 1e-6, atol: 0 },
        );
        // above 16384 entries wasm's tanh takes its vectorised path, not Math.tanh
        const big = Float32Array.from({ length: 20000 }, (_, i) => xs[i % xs.length] * (i % 2 ? 1 : -0.37));
        expectClose(tf.tanh(tf.tensor1d(big)), Array.from(big, Math.tanh), { rtol: 5e-6, atol: 0 });
      });
    });
  });

  it("sin and cos are accurate, large arguments (a diffusion step's t·ω up to 1000) included", () => {
    const xs = Float32Array.from([0, 1e-7, -0.5, 1, Math.PI / 2, 3, -7.25, 100, 999, -1000.5]);
    expectNoLeak(() => {
      tf.tidy(() => {
        const X = tf.tensor1d(xs);
        expectClose(tf.sin(X), Array.from(xs, Math.sin), { rtol: 0, atol: 1e-6 });
        expectClose(tf.cos(X), Array.from(xs, Math.cos), { rtol: 0, atol: 1e-6 });
      });
    });
  });
});

describe("training on cpu and wasm", () => {
  afterAll(async () => {
    await selectBackend({ prefer: backend, quiet: true });
  });

  /** Losses of 10 seeded Adam steps of a tiny embedding + conv + MLP model on `name`. */
  async function losses(name: BackendName): Promise<number[]> {
    await selectBackend({ prefer: name, quiet: true });
    seed(1234);
    const V = 11;
    const D = 8;
    const T = 6;
    const B = 4;
    const rng = makeRng(99);
    const ids = tf.tensor2d(
      Array.from({ length: B * T }, () => Math.floor(rng() * V)),
      [B, T],
      "int32",
    );
    const target = tf.tensor2d(
      Array.from({ length: B * V }, (_, i) => (i % V === i % 3 ? 1 : 0)),
      [B, V],
    );
    const vars = tf.tidy(() => ({
      emb: tf.variable(tf.randomNormal([V, D], 0, 0.3)),
      filter: tf.variable(tf.randomNormal([3, 3, 1, 2], 0, 0.3)),
      w: tf.variable(tf.randomNormal([T * D * 2, V], 0, 0.1)),
      b: tf.variable(tf.zeros([V])),
    }));
    const optimizer = tf.train.adam(0.05);
    const out: number[] = [];
    for (let step = 0; step < 10; step++) {
      const loss = tf.tidy(() =>
        optimizer.minimize(() => {
          const e = tf.reshape(tf.gather(vars.emb, ids), [B, T, D, 1]) as tf.Tensor4D; // [B, T, D, 1]
          const c = tf.tanh(tf.conv2d(e, vars.filter as tf.Variable<tf.Rank.R4>, 1, "same")); // [B, T, D, 2]
          const h = tf.reshape(c, [B, T * D * 2]) as tf.Tensor2D;
          const logits = tf.add(tf.matMul(h, vars.w), vars.b);
          return tf.losses.softmaxCrossEntropy(target, logits) as tf.Scalar;
        }, true)!,
      );
      out.push(loss.dataSync()[0]);
      loss.dispose();
    }
    tf.dispose(Object.values(vars));
    optimizer.dispose();
    tf.dispose([ids, target]);
    unseed();
    return out;
  }

  it("gives the same losses after 10 seeded steps on both", async () => {
    const cpu = await losses("cpu");
    const wasm = await losses("wasm");
    expect(cpu[9]).toBeLessThan(cpu[0]);
    expectClose(wasm, cpu, { rtol: 1e-4, atol: 1e-5 });
  });
});
