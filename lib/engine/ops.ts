/**
 * Course ops that use a fused kernel where one is registered (lib/engine/kernels.ts), and the
 * same numbers from plain tf ops elsewhere; plus workarounds for tf ops that are wrong on a
 * backend. Lesson files call these and never see the kernel names.
 *
 *   targetLogSoftmax   log softmax(logits_n)[y_n] per row, with its gradient
 *   oneHotFloat        a float32 one-hot that is right on wasm too
 *   upsampleNearest2x  each pixel becomes a 2×2 block, with its gradient, as plain loops
 *   groupNormNHWC      group normalisation and its gradient, as plain loops (the addon's compiled ones when it is built)
 *
 * The last two are loops over the tensors' values instead of chains of tf ops: on the wasm
 * backend tf.tile alone took 60% of a U-Net's forward pass and the group norm's moments most of
 * the rest, while a loop over [B, h, w, C] values is one pass (measured in
 * scripts/dev/prof-unet.ts). They read their inputs synchronously, so they need a backend whose
 * tensors can be read synchronously (wasm, cpu, tfjs-node; not WebGL).
 *
 * Shapes: N rows, V classes (vocabulary); B batch, h and w image height and width, C channels,
 * G groups.
 */
import * as tf from "@tensorflow/tfjs";
import { groupNormAddon, TARGET_LOG_SOFTMAX_GRAD_KERNEL, TARGET_LOG_SOFTMAX_KERNEL } from "./kernels";

/**
 * A float32 one-hot: 1 at each id, 0 elsewhere. On the wasm backend,
 * tf.oneHot(ids, V, 1, 0, "float32") silently returns ~1e-45 (the bits of the integer 1) where it
 * should return 1, so this makes an int32 one-hot and casts it. An id outside [0, V) gives a
 * row of zeros, as tf.oneHot.
 * @param ids int32, shape [N]
 * @returns float32, shape [N, V]
 */
export function oneHotFloat(ids: tf.Tensor1D, V: number): tf.Tensor2D {
  if (ids.dtype !== "int32") throw new Error(`ids must be int32, got ${ids.dtype}`);
  return tf.tidy(() => tf.cast(tf.oneHot(ids, V), "float32") as tf.Tensor2D); // [N, V]
}

/**
 * log softmax(logits_n)[y_n] for each row n (0 where y_n is outside [0, V), e.g. PAD).
 * On wasm and cpu, where the course's kernels are registered, it is one pass over [N, V] each
 * way (the BLAS addon's compiled loop, or the same loop in JavaScript without it), with the gradient
 *   ∂ log softmax(x)[y] / ∂x_i = [i = y] − softmax(x)_i;
 * elsewhere the same numbers from tf ops.
 * @param logits shape [N, V]
 * @param targets int32, shape [N]
 * @returns shape [N]
 */
export function targetLogSoftmax(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  const V = logits.shape[1];
  if (tf.getKernel(TARGET_LOG_SOFTMAX_KERNEL, tf.getBackend()) === undefined) {
    return tf.tidy(() => {
      const picked = oneHotFloat(targets, V); // [N, V], a zero row where y_n is outside [0, V)
      return tf.sum(tf.mul(tf.logSoftmax(logits), picked), -1) as tf.Tensor1D; // [N]
    });
  }
  const ids = targets.toInt();
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor; // [N, V]
    const save = args[1] as tf.GradSaveFunc;
    const [logP, logSumExp] = tf.engine().runKernel(TARGET_LOG_SOFTMAX_KERNEL, { logits: x, targets: ids }) as tf.Tensor[]; // [N], [N]
    save([x, logSumExp, ids]); // kept alive for the backward pass, which runs after this scope
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [savedLogits, lse, savedIds] = saved; // [N, V], [N], [N]
      const inputs = { logits: savedLogits, lse, targets: savedIds, dy };
      return tf.engine().runKernel(TARGET_LOG_SOFTMAX_GRAD_KERNEL, inputs) as tf.Tensor; // [N, V]
    };
    return { value: logP, gradFunc };
  });
  return f(logits) as tf.Tensor1D;
}

/**
 * Nearest-neighbour up-sampling ×2, as nn.Upsample(scale_factor=2): y[b, 2i + di, 2j + dj, c]
 * = x[b, i, j, c]; the gradient sums each 2×2 block of dy.
 * @param x shape [B, h, w, C]
 * @returns shape [B, 2h, 2w, C]
 */
export function upsampleNearest2x(x: tf.Tensor4D): tf.Tensor4D {
  const [B, h, w, C] = x.shape;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor4D;
    const src = input.dataSync() as Float32Array;
    const out = new Float32Array(B * 4 * h * w * C);
    const rowOut = 2 * w * C; // one output row
    for (let b = 0; b < B; b++)
      for (let i = 0; i < h; i++) {
        const o = (b * 2 * h + 2 * i) * rowOut;
        for (let j = 0; j < w; j++) {
          const s = ((b * h + i) * w + j) * C;
          const d = o + 2 * j * C;
          for (let c = 0; c < C; c++) {
            const v = src[s + c];
            out[d + c] = v;
            out[d + C + c] = v;
          }
        }
        out.copyWithin(o + rowOut, o, o + rowOut); // the second row of each block
      }
    const gradFunc = (dy: tf.Tensor) => {
      const g = dy.dataSync() as Float32Array;
      const dx = new Float32Array(B * h * w * C);
      for (let b = 0; b < B; b++)
        for (let i = 0; i < h; i++)
          for (let j = 0; j < w; j++) {
            const d = ((b * h + i) * w + j) * C;
            const o = (b * 2 * h + 2 * i) * rowOut + 2 * j * C;
            for (let c = 0; c < C; c++) dx[d + c] = g[o + c] + g[o + C + c] + g[o + rowOut + c] + g[o + rowOut + C + c];
          }
      return tf.tensor4d(dx, [B, h, w, C]);
    };
    return { value: tf.tensor4d(out, [B, 2 * h, 2 * w, C]), gradFunc };
  });
  return f(x) as tf.Tensor4D;
}

/**
 * torch.nn.GroupNorm on NHWC: per sample b and group g of C/G channels, the mean μ and biased
 * variance σ² over (h, w, C/G); x̂ = (x − μ)/√(σ² + eps), y = x̂·γ_c + β_c. The gradient, with
 * r = 1/√(σ² + eps), n = h·w·C/G and means over the group:
 *   ∂x = r·(∂x̂ − mean(∂x̂) − x̂·mean(∂x̂·x̂)),  ∂x̂ = ∂y·γ_c,   ∂γ_c = Σ ∂y·x̂,   ∂β_c = Σ ∂y.
 * Sums in float64. With `activation` "silu" the result is SiLU(y) = y·σ(y): with the addon one
 * compiled pass each way (its backward recomputes y from x), else the loops, then tf ops.
 * @param x shape [B, h, w, C]
 * @param gamma shape [C]
 * @param beta shape [C]
 * @returns shape [B, h, w, C]
 */
export function groupNormNHWC(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  G: number,
  eps: number,
  activation: "linear" | "silu" = "linear",
): tf.Tensor4D {
  const [B, h, w, C] = x.shape;
  const P = h * w;
  const Cg = C / G;
  const n = P * Cg;
  /** Per (b, g): μ and r = 1/√(σ² + eps). */
  const moments = (v: Float32Array) => {
    const mu = new Float64Array(B * G);
    const r = new Float64Array(B * G);
    const s1 = new Float64Array(G);
    const s2 = new Float64Array(G);
    for (let b = 0; b < B; b++) {
      s1.fill(0);
      s2.fill(0);
      for (let p = 0; p < P; p++)
        for (let g = 0, c = (b * P + p) * C; g < G; g++) {
          let a = 0;
          let q = 0;
          for (let e = c + Cg; c < e; c++) {
            const u = v[c];
            a += u;
            q += u * u;
          }
          s1[g] += a;
          s2[g] += q;
        }
      for (let g = 0; g < G; g++) {
        const m = s1[g] / n;
        mu[b * G + g] = m;
        r[b * G + g] = 1 / Math.sqrt(Math.max(s2[g] / n - m * m, 0) + eps);
      }
    }
    return { mu, r };
  };
  const addon = groupNormAddon();
  if (addon !== null) {
    const dims = Int32Array.of(B, P, C, G, activation === "silu" ? 1 : 0);
    const compiled = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [input, gam, bet] = args as tf.Tensor[];
      const save = args[3] as tf.GradSaveFunc;
      const out = new Float32Array(B * P * C);
      const mean = new Float32Array(B * G);
      const rstd = new Float32Array(B * G);
      addon.groupNormForward(
        input.dataSync() as Float32Array,
        gam.dataSync() as Float32Array,
        bet.dataSync() as Float32Array,
        out,
        mean,
        rstd,
        dims,
        eps,
      );
      save([input, gam, bet]);
      const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const dx = new Float32Array(B * P * C);
        const dGamma = new Float32Array(C);
        const dBeta = new Float32Array(C);
        const [xv, gm, bt] = saved.map((t) => t.dataSync() as Float32Array);
        addon.groupNormBackward(xv, gm, bt, dy.dataSync() as Float32Array, mean, rstd, dx, dGamma, dBeta, dims);
        return [tf.tensor4d(dx, [B, h, w, C]), tf.tensor1d(dGamma), tf.tensor1d(dBeta)];
      };
      return { value: tf.tensor4d(out, [B, h, w, C]), gradFunc };
    });
    return compiled(x, gamma, beta) as tf.Tensor4D;
  }
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, gam, bet] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const v = input.dataSync() as Float32Array;
    const gv = gam.dataSync() as Float32Array;
    const bv = bet.dataSync() as Float32Array;
    const { mu, r } = moments(v);
    const out = new Float32Array(v.length);
    for (let b = 0; b < B; b++)
      for (let p = 0; p < P; p++)
        for (let g = 0, o = (b * P + p) * C; g < G; g++) {
          const m = mu[b * G + g];
          const rk = r[b * G + g];
          for (let c = g * Cg; c < (g + 1) * Cg; c++) out[o + c] = (v[o + c] - m) * rk * gv[c] + bv[c];
        }
    save([input, gam]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const xv = saved[0].dataSync() as Float32Array;
      const gm = saved[1].dataSync() as Float32Array;
      const d = dy.dataSync() as Float32Array;
      const { mu: m, r: rs } = moments(xv);
      const dx = new Float32Array(xv.length);
      const dGamma = new Float64Array(C);
      const dBeta = new Float64Array(C);
      const a1 = new Float64Array(G); // Σ ∂x̂ per group
      const a2 = new Float64Array(G); // Σ ∂x̂·x̂ per group
      for (let b = 0; b < B; b++) {
        a1.fill(0);
        a2.fill(0);
        for (let p = 0; p < P; p++)
          for (let g = 0, o = (b * P + p) * C; g < G; g++) {
            const mk = m[b * G + g];
            const rk = rs[b * G + g];
            let u1 = 0;
            let u2 = 0;
            for (let c = g * Cg; c < (g + 1) * Cg; c++) {
              const xh = (xv[o + c] - mk) * rk;
              const dyc = d[o + c];
              const dxh = dyc * gm[c];
              u1 += dxh;
              u2 += dxh * xh;
              dGamma[c] += dyc * xh;
              dBeta[c] += dyc;
            }
            a1[g] += u1;
            a2[g] += u2;
          }
        for (let p = 0; p < P; p++)
          for (let g = 0, o = (b * P + p) * C; g < G; g++) {
            const mk = m[b * G + g];
            const rk = rs[b * G + g];
            const c1 = a1[g] / n;
            const c2 = a2[g] / n;
            for (let c = g * Cg; c < (g + 1) * Cg; c++) {
              const xh = (xv[o + c] - mk) * rk;
              dx[o + c] = rk * (d[o + c] * gm[c] - c1 - xh * c2);
            }
          }
      }
      return [tf.tensor4d(dx, [B, h, w, C]), tf.tensor1d(Float32Array.from(dGamma)), tf.tensor1d(Float32Array.from(dBeta))];
    };
    return { value: tf.tensor4d(out, [B, h, w, C]), gradFunc };
  });
  if (activation === "linear") return f(x, gamma, beta) as tf.Tensor4D;
  return tf.tidy(() => {
    const y = f(x, gamma, beta) as tf.Tensor4D;
    return tf.mul(y, tf.sigmoid(y)) as tf.Tensor4D;
  });
}
