/**
 * lib/engine/conv-kernels.ts: tf.conv2d, its input gradient (Conv2DBackpropInput, also
 * tf.conv2dTranspose) and its filter gradient (Conv2DBackpropFilter) on the active backend
 * (lib-wasm, lib-cpu: with the BLAS addon when built; lib-wasm-no-addon: without) against
 * closed forms on tiny inputs, PyTorch on small random ones (tests/reference/conv_reference.py →
 * conv.json), and the defining sums by loops at sizes the addon splits across threads.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { courseKernelsInfo } from "../../../lib/engine/kernels";
import { makeRng } from "../../../lib/random";
import { expectClose } from "../../helpers/close";

const TOL = { rtol: 1e-4, atol: 1e-5 };

interface RefCase {
  name: string;
  stride: number;
  pad: "same" | "valid";
  x: number[][][][];
  filter: number[][][][];
  dy: number[][][][];
  y: number[][][][];
  dx: number[][][][];
  dFilter: number[][][][];
}
const ref = JSON.parse(fs.readFileSync("tests/reference/conv.json", "utf8")) as { cases: RefCase[] };

/** Runs `f`, then checks it left no tensor behind. */
function noLeaks(f: () => void): void {
  const before = tf.memory().numTensors;
  f();
  expect(tf.memory().numTensors, "tensors leaked").toBe(before);
}

/** y = conv2d(x, filter) and the gradients of Σ dy·y with respect to x and filter. */
function convAndGrads(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  dy: tf.Tensor4D,
  stride: number,
  pad: "same" | "valid",
): { y: tf.Tensor4D; dx: tf.Tensor4D; dFilter: tf.Tensor4D } {
  const y = tf.conv2d(x, filter, stride, pad);
  const [dx, dFilter] = tf.grads((a, b) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), dy)))([x, filter]);
  return { y, dx: dx as tf.Tensor4D, dFilter: dFilter as tf.Tensor4D };
}

describe("closed forms", () => {
  it("a 3×3 filter of ones over ones, 'same': each entry counts the window's pixels inside the image", () => {
    noLeaks(() =>
      tf.tidy(() => {
        const x = tf.ones([1, 3, 3, 1]) as tf.Tensor4D;
        const { y, dx, dFilter } = convAndGrads(x, tf.ones([3, 3, 1, 1]), tf.ones([1, 3, 3, 1]), 1, "same");
        const counts = [4, 6, 4, 6, 9, 6, 4, 6, 4];
        expectClose(y.reshape([9]), counts); // y: windows clipped by the border
        expectClose(dx.reshape([9]), counts); // dx: outputs each pixel reaches (the same, by symmetry)
        expectClose(dFilter.reshape([9]), counts); // dW[fh, fw]: outputs whose tap lands inside
      }),
    );
  });

  it("a 1×1 filter at stride 2 picks the even pixels; its input gradient is zero elsewhere", () => {
    noLeaks(() =>
      tf.tidy(() => {
        const x = tf.range(0, 16).reshape([1, 4, 4, 1]) as tf.Tensor4D;
        const { y, dx, dFilter } = convAndGrads(x, tf.fill([1, 1, 1, 1], 2), tf.ones([1, 2, 2, 1]), 2, "same");
        expectClose(y.reshape([4]), [0, 4, 16, 20]);
        expectClose(dx.reshape([16]), [2, 0, 2, 0, 0, 0, 0, 0, 2, 0, 2, 0, 0, 0, 0, 0]);
        expectClose(dFilter.reshape([1]), [0 + 2 + 8 + 10]);
      }),
    );
  });

  it("channels: y[co] = Σ_ci w[ci, co]·x[ci] for a 1×1 filter, and dw[ci, co] = Σ x[ci]·dy[co]", () => {
    noLeaks(() =>
      tf.tidy(() => {
        const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 1, 2, 3]); // two pixels, Ci 3
        const w = tf.tensor4d([1, 0, 0, 1, 1, -1], [1, 1, 3, 2]); // Co 2
        const dy = tf.tensor4d([1, 0, 0, 2], [1, 1, 2, 2]);
        const { y, dx, dFilter } = convAndGrads(x, w, dy, 1, "valid");
        expectClose(y.reshape([4]), [1 + 3, 2 - 3, 4 + 6, 5 - 6]);
        expectClose(dx.reshape([6]), [1, 0, 1, 0, 2, -2]); // dx[p] = w·dy[p]
        expectClose(dFilter.reshape([6]), [1, 8, 2, 10, 3, 12]);
      }),
    );
  });
});

describe("against PyTorch (conv.json)", () => {
  for (const c of ref.cases) {
    it(c.name, () => {
      noLeaks(() =>
        tf.tidy(() => {
          const x = tf.tensor4d(c.x);
          const filter = tf.tensor4d(c.filter);
          const dy = tf.tensor4d(c.dy);
          const { y, dx, dFilter } = convAndGrads(x, filter, dy, c.stride, c.pad);
          expectClose(y, c.y, TOL);
          expectClose(dx, c.dx, TOL);
          expectClose(dFilter, c.dFilter, TOL);
          // tf.conv2dTranspose runs the input-gradient kernel directly (a U-Net's up-sampling).
          expectClose(tf.conv2dTranspose(dy, filter, x.shape, c.stride, c.pad), c.dx, TOL);
        }),
      );
    });
  }

  it("tf.fused.conv2d with a bias and relu is relu(conv2d + bias), and its gradients match", () => {
    const c = ref.cases[3];
    noLeaks(() =>
      tf.tidy(() => {
        const x = tf.tensor4d(c.x);
        const filter = tf.tensor4d(c.filter);
        const bias = tf.tensor1d(Array.from({ length: filter.shape[3] }, (_, i) => 0.25 * i - 0.1));
        const fused = tf.fused.conv2d({ x, filter, strides: c.stride, pad: c.pad, bias, activation: "relu" });
        expectClose(fused, tf.relu(tf.add(tf.tensor4d(c.y), bias)), TOL);
        const dy = tf.tensor4d(c.dy);
        const conv = (a: tf.Tensor, b: tf.Tensor) =>
          tf.fused.conv2d({ x: a as tf.Tensor4D, filter: b as tf.Tensor4D, strides: c.stride, pad: c.pad });
        const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b), dy));
        const [dx, dFilter] = tf.grads(loss)([x, filter]);
        expectClose(dx, c.dx, TOL);
        expectClose(dFilter, c.dFilter, TOL);
      }),
    );
  });
});

/** n uniform numbers in [−1, 1) from a fixed stream (independent of tfjs). */
function values(n: number, seedValue: number): Float32Array {
  const rng = makeRng(seedValue);
  return Float32Array.from({ length: n }, () => 2 * rng() - 1);
}

/** The padding TensorFlow's "same" puts before each axis: ⌊max((O − 1)·s + F − n, 0) / 2⌋. */
function padBefore(n: number, f: number, s: number): number {
  return Math.floor(Math.max((Math.ceil(n / s) - 1) * s + f - n, 0) / 2);
}

/** y, dx and dw of a "same" convolution by the defining sums (float64 accumulation). */
function convLoops(
  x: Float32Array,
  w: Float32Array,
  dy: Float32Array,
  dims: number[],
): { y: Float64Array; dx: Float64Array; dw: Float64Array } {
  const [B, H, W, Ci, Co, F, s] = dims;
  const Oh = Math.ceil(H / s);
  const Ow = Math.ceil(W / s);
  const pT = padBefore(H, F, s);
  const pL = padBefore(W, F, s);
  const y = new Float64Array(B * Oh * Ow * Co);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < Oh; oh++) {
      for (let ow = 0; ow < Ow; ow++) {
        const o = ((b * Oh + oh) * Ow + ow) * Co;
        for (let fh = 0; fh < F; fh++) {
          const ih = oh * s + fh - pT;
          if (ih < 0 || ih >= H) continue;
          for (let fw = 0; fw < F; fw++) {
            const iw = ow * s + fw - pL;
            if (iw < 0 || iw >= W) continue;
            const i = ((b * H + ih) * W + iw) * Ci;
            for (let ci = 0; ci < Ci; ci++) {
              const k = ((fh * F + fw) * Ci + ci) * Co;
              for (let co = 0; co < Co; co++) {
                y[o + co] += x[i + ci] * w[k + co];
                dx[i + ci] += dy[o + co] * w[k + co];
                dw[k + co] += x[i + ci] * dy[o + co];
              }
            }
          }
        }
      }
    }
  }
  return { y, dx, dw };
}

describe("at sizes split across threads and patch chunks", () => {
  // [B, h, w, Ci, Co, F, stride]: 8·16·16·288·32 ≈ 19M multiply-adds, above the addon's threshold for
  // threads, and 2 048 patch rows of 288, more than one 512 KB chunk per tile.
  const sizes = [
    [8, 16, 16, 32, 32, 3, 1],
    [8, 17, 15, 32, 24, 3, 2],
    [4, 16, 16, 64, 48, 1, 1],
  ];
  for (const dims of sizes) {
    it(`[${dims.slice(0, 4)}] → ${dims[4]}, ${dims[5]}×${dims[5]}, stride ${dims[6]}, 'same'`, () => {
      const [B, H, W, Ci, Co, F, s] = dims;
      const xs = values(B * H * W * Ci, 1);
      const ws = values(F * F * Ci * Co, 2);
      const dys = values(B * Math.ceil(H / s) * Math.ceil(W / s) * Co, 3);
      const expected = convLoops(xs, ws, dys, dims);
      noLeaks(() =>
        tf.tidy(() => {
          const x = tf.tensor4d(xs, [B, H, W, Ci]);
          const w = tf.tensor4d(ws, [F, F, Ci, Co]);
          const dy = tf.tensor4d(dys, [B, Math.ceil(H / s), Math.ceil(W / s), Co]);
          const { y, dx, dFilter } = convAndGrads(x, w, dy, s, "same");
          // dw sums up to B·Oh·Ow = 2 048 products of float32s: atol from their size
          expectClose(y, expected.y, { rtol: 1e-4, atol: 1e-4 });
          expectClose(dx, expected.dx, { rtol: 1e-4, atol: 1e-4 });
          expectClose(dFilter, expected.dw, { rtol: 1e-4, atol: 1e-3 });
        }),
      );
    });
  }
});

describe("the BLAS addon's convolution functions", () => {
  const info = courseKernelsInfo();
  const file = path.join(process.cwd(), "native", "blas-matmul", "build", "Release", "blas_matmul.node");
  it.skipIf(!info.blas)("reject arrays too small for the dims, and dims out of range, naming them", () => {
    const addon = createRequire(path.join(process.cwd(), "package.json"))(file) as {
      convForward(...args: unknown[]): void;
      convBackpropInput(...args: unknown[]): void;
      convBackpropFilter(...args: unknown[]): void;
    };
    // [B, H, W, Ci, Oh, Ow, Co, Fh, Fw, sH, sW, padTop, padLeft]: 1 image 4×4×2 → 4×4×3, 3×3
    const dims = Int32Array.from([1, 4, 4, 2, 4, 4, 3, 3, 3, 1, 1, 1, 1]);
    const x = new Float32Array(32);
    const w = new Float32Array(54);
    const y = new Float32Array(48);
    addon.convForward(x, w, y, null, 0, 0, dims);
    const short = new Float32Array(47);
    expect(() => addon.convForward(x, w, short, null, 0, 0, dims)).toThrow(/convForward: y has 47 entries, the dims need 48/);
    expect(() => addon.convForward(x, w, y, new Float32Array(2), 0, 0, dims)).toThrow(/bias has 2 entries/);
    expect(() => addon.convBackpropInput(y, w, new Float32Array(31), dims)).toThrow(/convBackpropInput: dx has 31/);
    expect(() => addon.convBackpropFilter(x, y, new Float32Array(53), dims)).toThrow(/convBackpropFilter: dw has 53/);
    expect(() => addon.convForward(x, w, y, null, 0, 0, Int32Array.from([1, 4, 4, 2, 4, 4, 3, 3, 3, 0, 1, 1, 1]))).toThrow(/out of range/);
    expect(() => addon.convForward(x, w, y, null, 0, 0, new Int32Array(12))).toThrow(/dims must be an Int32Array of 13/);
    expect(() => addon.convBackpropFilter(x, y, w)).toThrow(/wrong argument types/);
  });
});
