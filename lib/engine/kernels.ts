/**
 * Kernels the fallback backends lack or run slowly, registered once per backend by
 * `selectBackend` (lib/engine/backend.ts) right after it activates one. Nothing here changes what a
 * model computes, only how fast (and whether) the wasm and cpu backends compute it.
 *
 *   wasm BatchMatMul, _FusedMatMul   XNNPACK is fast only for plain A·B; with transposeA or
 *       transposeB set (which tfjs's own matMul gradient uses) it is 10–30x slower. We
 *       transpose explicitly with the wasm Transpose kernel, then run the plain kernel.
 *   wasm UnsortedSegmentSum   missing; the gradient of tf.gather (embeddings) needs it.
 *       A loop over the wasm heap views.
 *   wasm Conv2DBackpropFilter   missing; the gradient of tf.conv2d's filter needs it.
 *       dW[fh, fw] = X_(fh,fw)ᵀ · dY, one plain wasm matMul per filter tap (im2col by tap).
 *   Convolutions otherwise (wasm's input gradient; all three through the addon): lib/engine/conv-kernels.ts.
 *   wasm slow paths that dominate small models' steps, replaced by loops over heap views:
 *       Sum over leading axes (every bias gradient; wasm transposes first) as 1ᵀ·X through
 *       the addon's matMul, or without it a loop (XNNPACK would pack X on every call); Slice
 *       and SplitV (wasm copies the whole input first); Concat and GatherV2 (per-row
 *       subarrays); Identity (copies; the cpu backend shares, as here);
 *       Pow with exponent 2, 3 or 4 (powf) as products; Tanh (scalar libm) through the
 *       vectorised Sigmoid, or Math.tanh for small inputs; Sin and Cos (scalar libm, 5x slower
 *       than JavaScript's Math.sin).
 *   wasm and cpu CourseAdamUpdate   the course's own kernel: one variable's whole Adam update
 *       (lib/engine/optimizers.ts) in one pass, in place of ~12 elementwise kernels per variable.
 *       A loop over the arrays, or the BLAS addon's compiled loop when it is built.
 *   wasm and cpu CourseTargetLogSoftmax, CourseTargetLogSoftmaxGrad   a character model's
 *       cross-entropy over a large vocabulary in one pass each way: the addon's compiled loop, or
 *       the same loop in JavaScript (wasm's Exp is scalar libm: two Exps over [800, 3761] took
 *       30 ms of a 100 ms step).
 *   wasm and cpu BatchMatMul, _FusedMatMul through a system BLAS   only when the optional
 *       native addon (native/blas-matmul, cblas_sgemm over OpenBLAS) has been built; it reads
 *       and writes the backends' own memory (wasm heap views, cpu typed arrays) without
 *       copies. Set GENAI_BLAS=off to keep it unloaded.
 *
 * Kernel functions here never call tf ops: only the backend's own kernel functions, on
 * TensorInfos, disposing intermediates with `backend.disposeData`.
 * Letters: B batch, M×K times K×N matrices, h w height width, C channels, F filter size.
 */
import * as tf from "@tensorflow/tfjs";
import { createRequire } from "node:module";
import path from "node:path";
import { addonInstallHint } from "./addon-hint";
import { registerConvKernels, type ConvAddon } from "./conv-kernels";
import { replaceKernel, type Attrs, type Kernel, type KernelArgs, type TensorInfo } from "./registry";

/** The parts of tfjs-backend-wasm's BackendWasm this file uses. */
interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  incRef(dataId: object): void;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** The parts of tfjs-backend-cpu's MathBackendCPU this file uses. */
interface CpuBackend {
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): TensorInfo;
}

/** The addon's one function: C[i] = act(op(A[i])·op(B[i]) + bias), i < batch, row-major. */
interface BlasAddon extends ConvAddon, GroupNormAddon {
  gemm(
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    batch: number,
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
    aBatchStride: number,
    bBatchStride: number,
    bias: Float32Array | null,
    activation: number,
    alpha: number,
  ): void;
  /** One Adam step over n entries, written to the out arrays (blas_matmul.c, adam). */
  adam(
    value: Float32Array,
    m: Float32Array,
    v: Float32Array,
    g: Float32Array,
    outValue: Float32Array,
    outM: Float32Array,
    outV: Float32Array,
    beta1: number,
    beta2: number,
    learningRate: number,
    epsilon: number,
    c1: number,
    c2: number,
  ): void;
  /** lse[r] = log Σ exp(logits[r, :]); logp[r] = logits[r, targets[r]] − lse[r] (0 off-vocabulary). */
  xentForward(logits: Float32Array, targets: Int32Array, logp: Float32Array, lse: Float32Array, n: number, v: number): void;
  /** grad[r, i] = dy[r]·([i = targets[r]] − exp(logits[r, i] − lse[r])) (0 rows off-vocabulary). */
  xentBackward(
    logits: Float32Array,
    lse: Float32Array,
    targets: Int32Array,
    dy: Float32Array,
    grad: Float32Array,
    n: number,
    v: number,
  ): void;
  /** "OpenBLAS 0.3.21 ..." */
  config(): string;
}

/** The addon's group normalisation in NHWC, for lib/engine/ops.ts groupNormNHWC (blas_matmul.c). */
export interface GroupNormAddon {
  /** y = (x − mean)·rstd·γ + β per image and group, then SiLU if act is 1; writes y [B·P·C], mean and rstd [B·G]. dims [B, P, C, G, act]. */
  groupNormForward(
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    y: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    dims: Int32Array,
    eps: number,
  ): void;
  /** dx [B·P·C], dgamma and dbeta [C] from the forward's mean and rstd. */
  groupNormBackward(
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    dy: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    dx: Float32Array,
    dgamma: Float32Array,
    dbeta: Float32Array,
    dims: Int32Array,
  ): void;
}

/**
 * The addon's group normalisation when the addon is loaded and the backend is wasm or cpu (the
 * backends it serves), else null: lib/engine/ops.ts then runs its JavaScript loops.
 */
export function groupNormAddon(): GroupNormAddon | null {
  const name = tf.getBackend();
  if (name !== "wasm" && name !== "cpu") return null;
  return loadBlas();
}

/** The kernel lib/engine/optimizers.ts runs for one variable's Adam update, where it is registered. */
export const ADAM_UPDATE_KERNEL = "CourseAdamUpdate";
/**
 * The kernels lib/engine/ops.ts targetLogSoftmax (hence lib/lm.ts charCrossEntropy) runs where they are registered (wasm and
 * cpu with the addon): log-softmax at the targets [N] (and log Σ exp [N]) from logits [N, V],
 * and its gradient, one pass over [N, V] each.
 */
export const TARGET_LOG_SOFTMAX_KERNEL = "CourseTargetLogSoftmax";
export const TARGET_LOG_SOFTMAX_GRAD_KERNEL = "CourseTargetLogSoftmaxGrad";

const done = new Set<string>();
let blas: BlasAddon | null | undefined;
let blasReason = "";

/** What registerCourseKernels did: whether the BLAS addon is in use, and if not why. */
export function courseKernelsInfo(): { blas: boolean; blasOff: boolean; blasReport: string; patched: string[] } {
  return { blas: loadBlas() !== null, blasOff: blasDisabled(), blasReport: blasReason, patched: Array.from(done) };
}

/** Registers the course's kernel fixes for the tfjs backend `tfjsName` (idempotent). */
export function registerCourseKernels(tfjsName: string): void {
  if (done.has(tfjsName)) return;
  done.add(tfjsName);
  if (tfjsName === "wasm") {
    replaceKernel("BatchMatMul", "wasm", wasmMatMulNoTranspose);
    replaceKernel("_FusedMatMul", "wasm", wasmMatMulNoTranspose);
    addKernel("UnsortedSegmentSum", "wasm", wasmUnsortedSegmentSum);
    addKernel("Conv2DBackpropFilter", "wasm", wasmConv2DBackpropFilter);
    replaceKernel("Sum", "wasm", wasmSumLeadingAxes);
    replaceKernel("Slice", "wasm", (original) => (args) => wasmSlice(args) ?? original(args));
    replaceKernel("SplitV", "wasm", (original) => (args) => wasmSplitV(args) ?? original(args));
    replaceKernel("Concat", "wasm", (original) => (args) => wasmConcat(args) ?? original(args));
    replaceKernel("GatherV2", "wasm", (original) => (args) => wasmGather(args) ?? original(args));
    replaceKernel("Identity", "wasm", () => wasmIdentity);
    replaceKernel("Pow", "wasm", (original) => (args) => wasmPowInteger(args) ?? original(args));
    replaceKernel("Tanh", "wasm", (original) => (args) => wasmTanh(args) ?? original(args));
    replaceKernel("Sin", "wasm", (original) => (args) => wasmUnaryMath(args, Math.sin) ?? original(args));
    replaceKernel("Cos", "wasm", (original) => (args) => wasmUnaryMath(args, Math.cos) ?? original(args));
  }
  if (tfjsName === "wasm" || tfjsName === "cpu") addKernel(ADAM_UPDATE_KERNEL, tfjsName, adamUpdateKernel(tfjsName));
  if ((tfjsName === "wasm" || tfjsName === "cpu") && loadBlas() !== null) {
    replaceKernel("BatchMatMul", tfjsName, blasMatMul(tfjsName));
    replaceKernel("_FusedMatMul", tfjsName, blasMatMul(tfjsName));
  }
  if (tfjsName === "wasm" || tfjsName === "cpu") {
    addKernel(TARGET_LOG_SOFTMAX_KERNEL, tfjsName, targetLogSoftmaxKernel(tfjsName));
    addKernel(TARGET_LOG_SOFTMAX_GRAD_KERNEL, tfjsName, targetLogSoftmaxGradKernel(tfjsName));
  }
  // Convolutions (lib/engine/conv-kernels.ts): through the addon when it is loaded.
  registerConvKernels(tfjsName, loadBlas(), { floatView, newFloatOutput });
}

// ---------------------------------------------------------------------------------------------
// Registry plumbing

/** Registers a kernel the backend lacks (leaves a kernel the backend has alone). */
function addKernel(name: string, backendName: string, kernel: Kernel): void {
  if (tf.getKernel(name, backendName)) return;
  tf.registerKernel({ kernelName: name, backendName, kernelFunc: kernel as unknown as tf.KernelFunc });
}

function kernelOf(name: string, backendName: string): Kernel {
  const config = tf.getKernel(name, backendName);
  if (!config) throw new Error(`registerCourseKernels: no ${name} kernel registered for ${backendName}`);
  return config.kernelFunc as unknown as Kernel;
}

function single(out: TensorInfo | TensorInfo[]): TensorInfo {
  return Array.isArray(out) ? out[0] : out;
}

/** Swaps the last two axes: [..., R, C] -> [..., C, R]. */
function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

// ---------------------------------------------------------------------------------------------
// wasm: matMul with transposes, as an explicit transpose and a plain matMul

function wasmMatMulNoTranspose(original: Kernel): Kernel {
  return (args) => {
    const attrs = (args.attrs ?? {}) as Attrs;
    if (!attrs.transposeA && !attrs.transposeB) return original(args);
    const backend = args.backend as WasmBackend;
    const transpose = kernelOf("Transpose", "wasm");
    const inputs = { ...args.inputs };
    const temporaries: TensorInfo[] = [];
    for (const [key, flag] of [
      ["a", attrs.transposeA],
      ["b", attrs.transposeB],
    ] as const) {
      if (!flag) continue;
      const x = inputs[key];
      const xT = single(transpose({ inputs: { x }, backend, attrs: { perm: swapLastTwo(x.shape.length) } }));
      temporaries.push(xT);
      inputs[key] = xT;
    }
    const out = original({ inputs, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
    for (const t of temporaries) backend.disposeData(t.dataId);
    return out;
  };
}

// ---------------------------------------------------------------------------------------------
// wasm: UnsortedSegmentSum
//   out[s, ...] = Σ_{i : segmentIds[i] = s} x[i, ...]; ids outside [0, numSegments) are dropped.

function wasmUnsortedSegmentSum(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackend;
  const { x, segmentIds } = args.inputs;
  const numSegments = Number((args.attrs ?? {}).numSegments);
  const idRank = segmentIds.shape.length;
  if (x.shape.slice(0, idRank).join(",") !== segmentIds.shape.join(",")) {
    throw new Error(`UnsortedSegmentSum: segmentIds shape [${segmentIds.shape}] must be a prefix of x shape [${x.shape}]`);
  }
  const outShape = [numSegments, ...x.shape.slice(idRank)];
  const out = backend.makeOutput(outShape, x.dtype);
  // Views after the allocation: growing the wasm heap detaches older views.
  const xs = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  const ys = backend.typedArrayFromHeap(out);
  const inner = tf.util.sizeFromShape(x.shape.slice(idRank));
  ys.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) ys[dst + j] += xs[src + j];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// wasm: Conv2DBackpropFilter (NHWC), by filter tap
//   dW[fh, fw, ci, co] = Σ_{b, oh, ow} x[b, oh·sH + fh − padTop, ow·sW + fw − padLeft, ci] · dy[b, oh, ow, co]
//   For each tap (fh, fw): colT[ci, n] = the x entry above for output position n = (b, oh, ow)
//   (zero in the padding), and dW[fh, fw] = colT · dY with dY viewed as [N, Co].

function wasmConv2DBackpropFilter(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackend;
  const { x, dy } = args.inputs;
  const attrs = (args.attrs ?? {}) as Attrs;
  const filterShape = attrs.filterShape as [number, number, number, number];
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== "NHWC") {
    throw new Error(`Conv2DBackpropFilter on wasm supports dataFormat NHWC only, got ${String(attrs.dataFormat)}`);
  }
  if (x.dtype !== "float32" || dy.dtype !== "float32") {
    throw new Error(`Conv2DBackpropFilter on wasm supports float32 only, got ${x.dtype} and ${dy.dtype}`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    attrs.strides as number | [number, number],
    1,
    attrs.pad as "valid" | "same" | number,
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
  );
  const [B, h, w, Ci] = x.shape;
  const [Fh, Fw, , Co] = filterShape;
  const { outHeight: Oh, outWidth: Ow, strideHeight: sH, strideWidth: sW } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const N = B * Oh * Ow;
  const matMul = kernelOf("BatchMatMul", "wasm");
  const dY: TensorInfo = { dataId: dy.dataId, shape: [1, N, Co], dtype: "float32" }; // [1, N, Co]
  const out = backend.makeOutput(filterShape.slice(), "float32"); // [Fh, Fw, Ci, Co]
  const colT = backend.makeOutput([1, Ci, N], "float32"); // [1, Ci, N]
  for (let fh = 0; fh < Fh; fh++) {
    for (let fw = 0; fw < Fw; fw++) {
      const xs = backend.typedArrayFromHeap(x);
      const col = backend.typedArrayFromHeap(colT);
      let n = 0;
      for (let b = 0; b < B; b++) {
        for (let oh = 0; oh < Oh; oh++) {
          const ih = oh * sH + fh - padTop;
          for (let ow = 0; ow < Ow; ow++, n++) {
            const iw = ow * sW + fw - padLeft;
            if (ih < 0 || ih >= h || iw < 0 || iw >= w) {
              for (let c = 0; c < Ci; c++) col[c * N + n] = 0;
            } else {
              const src = ((b * h + ih) * w + iw) * Ci;
              for (let c = 0; c < Ci; c++) col[c * N + n] = xs[src + c];
            }
          }
        }
      }
      const tap = single(matMul({ inputs: { a: colT, b: dY }, backend, attrs: { transposeA: false, transposeB: false } }));
      const dW = backend.typedArrayFromHeap(out);
      dW.set(backend.typedArrayFromHeap(tap), (fh * Fw + fw) * Ci * Co);
      backend.disposeData(tap.dataId);
    }
  }
  backend.disposeData(colT.dataId);
  return out;
}

// ---------------------------------------------------------------------------------------------
// wasm: slow paths replaced by loops over the heap. Each returns null for what it does not
// cover (strings, unusual attributes), and the original kernel runs instead.

/**
 * Sum over the leading axes of X viewed as [R, C]: 1ᵀ·X, [1, R]·[R, C], on the matMul kernel when
 * the addon runs it; without the addon, a loop.
 */
function wasmSumLeadingAxes(original: Kernel): Kernel {
  return (args) => {
    const backend = args.backend as WasmBackend;
    const { x } = args.inputs;
    const attrs = (args.attrs ?? {}) as Attrs;
    const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape).sort((p, q) => p - q);
    const k = axes.length;
    const leading = k > 0 && k < x.shape.length && axes.every((axis, i) => axis === i);
    const R = tf.util.sizeFromShape(x.shape.slice(0, k));
    const C = tf.util.sizeFromShape(x.shape.slice(k));
    if (x.dtype !== "float32" || !leading || R < 2 || C === 0) return original(args);
    const shape = attrs.keepDims ? [...new Array<number>(k).fill(1), ...x.shape.slice(k)] : x.shape.slice(k);
    if (blas === null) {
      // Without the addon the product would be XNNPACK's, which packs X (its "weights") on every
      // call: 24 ms for a [800, 3761] bias gradient, against 3 ms for this loop.
      const out = backend.makeOutput(shape, "float32");
      const xs = backend.typedArrayFromHeap(x) as Float32Array; // views after the allocation
      const acc = new Float64Array(C);
      for (let r = 0; r < R; r++) {
        const o = r * C;
        for (let c = 0; c < C; c++) acc[c] += xs[o + c];
      }
      (backend.typedArrayFromHeap(out) as Float32Array).set(acc);
      return out;
    }
    const ones = backend.makeOutput([1, 1, R], "float32"); // [1, 1, R]
    backend.typedArrayFromHeap(ones).fill(1);
    const X: TensorInfo = { dataId: x.dataId, shape: [1, R, C], dtype: "float32" }; // [1, R, C]
    const out = single(
      kernelOf("BatchMatMul", "wasm")({ inputs: { a: ones, b: X }, backend, attrs: { transposeA: false, transposeB: false } }),
    );
    backend.disposeData(ones.dataId);
    out.shape = shape;
    return out;
  };
}

/** Copies `size` from `begin` of x, in runs along the last axis. */
function wasmSlice(args: KernelArgs): TensorInfo | null {
  const backend = args.backend as WasmBackend;
  const { x } = args.inputs;
  if (x.dtype === "string") return null;
  const attrs = (args.attrs ?? {}) as Attrs;
  const [begin, size] = tf.slice_util.parseSliceParams(x, attrs.begin as number[], attrs.size as number[]);
  return sliceInto(backend, x, begin, size);
}

function sliceInto(backend: WasmBackend, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const n = tf.util.sizeFromShape(size);
  if (n === 0) return out;
  const xs = backend.typedArrayFromHeap(x);
  const ys = backend.typedArrayFromHeap(out);
  const rank = x.shape.length;
  if (rank === 0) {
    ys[0] = xs[0];
    return out;
  }
  const strides = tf.util.computeStrides(x.shape); // rank − 1 strides, the last axis has stride 1
  const run = size[rank - 1];
  const runs = n / run;
  const index = new Array<number>(rank - 1).fill(0); // position among the runs, last axis excluded
  for (let r = 0, dst = 0; r < runs; r++, dst += run) {
    let src = begin[rank - 1];
    for (let d = 0; d < rank - 1; d++) src += (begin[d] + index[d]) * strides[d];
    if (run < 16) for (let j = 0; j < run; j++) ys[dst + j] = xs[src + j];
    else ys.set(xs.subarray(src, src + run), dst);
    for (let d = rank - 2; d >= 0; d--) {
      if (++index[d] < size[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

function wasmSplitV(args: KernelArgs): TensorInfo[] | null {
  const backend = args.backend as WasmBackend;
  const { x } = args.inputs;
  if (x.dtype === "string") return null;
  const attrs = (args.attrs ?? {}) as Attrs;
  const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x, attrs.numOrSizeSplits as number | number[], axis);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = x.shape.slice();
    size[axis] = s;
    const part = sliceInto(backend, x, begin.slice(), size);
    begin[axis] += s;
    return part;
  });
}

/** out[o, :] = [x₁[o, :], x₂[o, :], …] with o over the axes before `axis`. */
function wasmConcat(args: KernelArgs): TensorInfo | null {
  const backend = args.backend as WasmBackend;
  const inputs = args.inputs as unknown as TensorInfo[];
  if (!Array.isArray(inputs) || inputs.length < 2) return null;
  if (inputs.some((t) => t.dtype === "string" || t.dtype !== inputs[0].dtype || tf.util.sizeFromShape(t.shape) === 0)) {
    return null;
  }
  const axis = tf.util.parseAxisParam((args.attrs ?? {}).axis as number, inputs[0].shape)[0];
  tf.backend_util.assertParamsConsistent(
    inputs.map((t) => t.shape),
    axis,
  );
  const out = backend.makeOutput(
    tf.backend_util.computeOutShape(
      inputs.map((t) => t.shape),
      axis,
    ),
    inputs[0].dtype,
  );
  const outer = tf.util.sizeFromShape(inputs[0].shape.slice(0, axis));
  const widths = inputs.map((t) => tf.util.sizeFromShape(t.shape.slice(axis)));
  const total = widths.reduce((p, q) => p + q, 0);
  const ys = backend.typedArrayFromHeap(out);
  let offset = 0;
  inputs.forEach((t, i) => {
    const xs = backend.typedArrayFromHeap(t);
    const w = widths[i];
    for (let o = 0; o < outer; o++) {
      const src = o * w;
      const dst = o * total + offset;
      if (w < 16) for (let j = 0; j < w; j++) ys[dst + j] = xs[src + j];
      else ys.set(xs.subarray(src, src + w), dst);
    }
    offset += w;
  });
  return out;
}

/** out[o, i, :] = x[o, indices[i], :] (batchDims 0). */
function wasmGather(args: KernelArgs): TensorInfo | null {
  const backend = args.backend as WasmBackend;
  const { x, indices } = args.inputs;
  const attrs = (args.attrs ?? {}) as Attrs;
  if (x.dtype === "string" || (attrs.batchDims ?? 0) !== 0) return null;
  const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
  const outer = tf.util.sizeFromShape(x.shape.slice(0, axis));
  const dim = x.shape[axis];
  const inner = tf.util.sizeFromShape(x.shape.slice(axis + 1));
  const out = backend.makeOutput([...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)], x.dtype);
  const xs = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(indices);
  const ys = backend.typedArrayFromHeap(out);
  const n = ids.length;
  for (let i = 0; i < n; i++) {
    if (!(ids[i] >= 0 && ids[i] < dim)) {
      backend.disposeData(out.dataId);
      throw new Error(`GatherV2: indices[${i}] = ${ids[i]} is not in [0, ${dim - 1}]`);
    }
  }
  for (let o = 0, dst = 0; o < outer; o++) {
    for (let i = 0; i < n; i++, dst += inner) {
      const src = (o * dim + ids[i]) * inner;
      if (inner < 16) for (let j = 0; j < inner; j++) ys[dst + j] = xs[src + j];
      else ys.set(xs.subarray(src, src + inner), dst);
    }
  }
  return out;
}

/** Shares the input's memory, as the cpu backend does (tensors are never written in place). */
function wasmIdentity(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackend;
  const { x } = args.inputs;
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
}

/** aᵇ for a float32 `a` and one integer b in {2, 3, 4}, as products on the Multiply kernel. */
function wasmPowInteger(args: KernelArgs): TensorInfo | null {
  const backend = args.backend as WasmBackend;
  const { a, b } = args.inputs;
  if (a.dtype !== "float32" || tf.util.sizeFromShape(b.shape) !== 1 || b.shape.length > a.shape.length) return null;
  const e = backend.typedArrayFromHeap(b)[0];
  if (e !== 2 && e !== 3 && e !== 4) return null;
  const multiply = kernelOf("Multiply", "wasm");
  const mul = (p: TensorInfo, q: TensorInfo): TensorInfo => single(multiply({ inputs: { a: p, b: q }, backend }));
  const square = mul(a, a);
  if (e === 2) return square;
  const out = mul(square, e === 3 ? a : square);
  backend.disposeData(square.dataId);
  return out;
}

/** out[i] = f(x[i]) for a float32 x, in JavaScript (Math.sin, Math.cos: double precision, rounded). */
function wasmUnaryMath(args: KernelArgs, f: (x: number) => number): TensorInfo | null {
  const backend = args.backend as WasmBackend;
  const { x } = args.inputs;
  if (x.dtype !== "float32") return null;
  const out = backend.makeOutput(x.shape.slice(), "float32");
  const xs = backend.typedArrayFromHeap(x);
  const ys = backend.typedArrayFromHeap(out);
  for (let i = 0; i < ys.length; i++) ys[i] = f(xs[i]);
  return out;
}

/** Up to this many entries wasm's Tanh is a JavaScript Math.tanh loop. */
const SMALL_TANH = 16384;

/**
 * tanh x = 2σ(2x) − 1 on XNNPACK's vectorised kernels (wasm's own Tanh is scalar libm, ~10x
 * slower); near 0, where the subtraction would lose relative precision, blended into the odd
 * series x(1 + x²(−1/3 + x²(2/15 − 17x²/315))) (next term < 4·10⁻¹³ relative for |x| < 1/16).
 */
function wasmTanh(args: KernelArgs): TensorInfo | null {
  const backend = args.backend as WasmBackend;
  const { x } = args.inputs;
  if (x.dtype !== "float32") return null;
  // Small inputs (an LSTM step's [B, Hd]): one JavaScript loop beats a dozen kernel launches.
  if (tf.util.sizeFromShape(x.shape) <= SMALL_TANH) return wasmUnaryMath(args, Math.tanh);
  const temporaries: TensorInfo[] = [];
  const scalar = (value: number): TensorInfo => {
    const t = backend.makeOutput([], "float32");
    backend.typedArrayFromHeap(t)[0] = value;
    temporaries.push(t);
    return t;
  };
  const run = (kernel: string, inputs: Record<string, TensorInfo>): TensorInfo => {
    const t = single(kernelOf(kernel, "wasm")({ inputs, backend, attrs: {} }));
    temporaries.push(t);
    return t;
  };
  const mul = (a: TensorInfo, b: TensorInfo): TensorInfo => run("Multiply", { a, b });
  const add = (a: TensorInfo, b: TensorInfo): TensorInfo => run("Add", { a, b });
  const two = scalar(2);
  const viaSigmoid = run("Sub", { a: mul(run("Sigmoid", { x: mul(x, two) }), two), b: scalar(1) });
  const x2 = mul(x, x);
  let series = add(mul(x2, scalar(-17 / 315)), scalar(2 / 15));
  series = add(mul(x2, series), scalar(-1 / 3));
  series = mul(add(mul(x2, series), scalar(1)), x);
  // Blend weight w = max(0, 1 − 16|x|): the series alone at 0, σ alone beyond 1/16. (wasm's
  // Less and Select are scalar loops; this stays on vectorised kernels.) Relative error ≤ 2e-6.
  const w = run("Relu", { x: add(mul(run("Abs", { x }), scalar(-16)), scalar(1)) });
  const out = add(viaSigmoid, mul(w, run("Sub", { a: series, b: viaSigmoid })));
  temporaries.pop();
  for (const t of temporaries) backend.disposeData(t.dataId);
  return out;
}

// ---------------------------------------------------------------------------------------------
// wasm and cpu: CourseAdamUpdate, one variable's Adam step (lib/engine/optimizers.ts)
//   inputs value θ, m, v, g (float32, one shape); attrs beta1, beta2, learningRate, epsilon,
//   c1 = 1 − β₁ᵗ, c2 = 1 − β₂ᵗ; outputs [θ', m', v'] (new tensors: inputs are never written).

/** Attributes of the CourseAdamUpdate kernel. */
export interface AdamUpdateAttrs {
  beta1: number;
  beta2: number;
  learningRate: number;
  epsilon: number;
  c1: number;
  c2: number;
}

/**
 * m' = β₁m + (1 − β₁)g,  v' = β₂v + (1 − β₂)g²,  θ' = θ − lr·(m'/c1)/(√(v'/c2) + ε),
 * element by element into the out arrays (the loop the addon compiles, in JavaScript).
 */
export function adamUpdateLoop(
  value: Float32Array,
  m: Float32Array,
  v: Float32Array,
  g: Float32Array,
  out: { value: Float32Array; m: Float32Array; v: Float32Array },
  a: AdamUpdateAttrs,
): void {
  const { beta1, beta2, epsilon } = a;
  const s1 = 1 - beta1;
  const s2 = 1 - beta2;
  const lrOverC1 = a.learningRate / a.c1;
  const invC2 = 1 / a.c2;
  const ov = out.value;
  const om = out.m;
  const ow = out.v;
  for (let i = 0; i < value.length; i++) {
    const gi = g[i];
    const mi = beta1 * m[i] + s1 * gi;
    const vi = beta2 * v[i] + s2 * gi * gi;
    om[i] = mi;
    ow[i] = vi;
    ov[i] = value[i] - (lrOverC1 * mi) / (Math.sqrt(vi * invC2) + epsilon);
  }
}

function adamUpdateKernel(tfjsName: string): Kernel {
  return (args) => {
    const { value, m, v, g } = args.inputs;
    const attrs = (args.attrs ?? {}) as unknown as AdamUpdateAttrs;
    const n = tf.util.sizeFromShape(value.shape);
    for (const [key, t] of Object.entries({ value, m, v, g })) {
      if (t === undefined || t.dtype !== "float32" || tf.util.sizeFromShape(t.shape) !== n) {
        throw new Error(
          `${ADAM_UPDATE_KERNEL}: ${key} must be float32 with the shape of value [${value?.shape}], got ` +
            (t === undefined ? "nothing" : `${t.dtype} [${t.shape}]`),
        );
      }
    }
    const outs = [0, 1, 2].map(() => newFloatOutput(args.backend, tfjsName, value.shape.slice()));
    // Views after every allocation (a grown wasm heap detaches older views).
    const [ov, om, ow, xs, ms, vs, gs] = [...outs, value, m, v, g].map((t) => floatView(args.backend, tfjsName, t));
    const addon = loadBlas();
    if (addon !== null) {
      addon.adam(xs, ms, vs, gs, ov, om, ow, attrs.beta1, attrs.beta2, attrs.learningRate, attrs.epsilon, attrs.c1, attrs.c2);
    } else {
      adamUpdateLoop(xs, ms, vs, gs, { value: ov, m: om, v: ow }, attrs);
    }
    return outs;
  };
}

// ---------------------------------------------------------------------------------------------
// wasm and cpu with the addon: CourseTargetLogSoftmax, CourseTargetLogSoftmaxGrad
//   forward  inputs logits [N, V] float32, targets [N] int32 → [logp [N], lse [N]]
//   gradient inputs logits, lse, targets, dy [N] → dlogits [N, V]

/** An int32 view of a tensor's memory (wasm heap or cpu backend). */
function intView(backend: unknown, tfjsName: string, t: TensorInfo): Int32Array {
  if (tfjsName === "wasm") return (backend as WasmBackend).typedArrayFromHeap(t) as Int32Array;
  const values = (backend as CpuBackend).data.get(t.dataId).values;
  return values instanceof Int32Array ? values : Int32Array.from(values as ArrayLike<number>);
}

/**
 * A new float32 output of `shape` (wasm: on the heap; cpu: a fresh array). Take its view with
 * floatView after the kernel's last allocation.
 */
function newFloatOutput(backend: unknown, tfjsName: string, shape: number[]): TensorInfo {
  if (tfjsName === "wasm") return (backend as WasmBackend).makeOutput(shape, "float32");
  return (backend as CpuBackend).makeTensorInfo(shape, "float32", new Float32Array(tf.util.sizeFromShape(shape)));
}

function checkLogSoftmaxInputs(name: string, logits: TensorInfo, targets: TensorInfo, rows: Record<string, TensorInfo>): [number, number] {
  if (logits?.dtype !== "float32" || logits.shape.length !== 2) {
    throw new Error(`${name}: logits must be float32 [N, V], got ${logits?.dtype} [${logits?.shape}]`);
  }
  const [N, V] = logits.shape;
  if (targets?.dtype !== "int32" || targets.shape.join() !== String(N)) {
    throw new Error(`${name}: targets must be int32 [${N}], got ${targets?.dtype} [${targets?.shape}]`);
  }
  for (const [key, t] of Object.entries(rows)) {
    if (t?.dtype !== "float32" || t.shape.join() !== String(N))
      throw new Error(`${name}: ${key} must be float32 [${N}], got ${t?.dtype} [${t?.shape}]`);
  }
  return [N, V];
}

/** 2^n for n = -127 … 128, at index n + 127 (expFast's scale). */
const TWO_POW = Float64Array.from({ length: 256 }, (_, k) => 2 ** (k - 127));
/** 1.5·2^52: adding and subtracting it rounds a double to the nearest integer. */
const ROUND = 6755399441055744;

/**
 * e^x to float32 precision (relative error below 1e-7), as the addon's exp_approx: x = n·ln 2 + r
 * with |r| ≤ ln 2 / 2, e^r by a degree-7 polynomial, 2^n from a table. 2.4× faster than Math.exp
 * in V8 here (3 M values in 18 ms against 44 ms).
 */
function expFast(x: number): number {
  const c = x < -87 ? -87 : x > 88 ? 88 : x;
  const n = c * Math.LOG2E + ROUND - ROUND;
  const r = c - n * Math.LN2;
  const q =
    (((((1.98756915e-4 * r + 1.3981999507e-3) * r + 8.3334519073e-3) * r + 4.1665795894e-2) * r + 1.6666665459e-1) * r + 5.0000001201e-1) *
    r;
  return (r * q + r + 1) * TWO_POW[(n + 127) | 0];
}

/**
 * The addon's two cross-entropy loops in JavaScript, for wasm and cpu without it: one pass per row
 * each way instead of tfjs's max, subtract, exp, sum, log and one-hot product kernels (wasm's Exp
 * is scalar libm; V8's Math.exp is about twice as fast, and each kernel is a pass over [N, V]).
 */
const XENT_LOOPS: Pick<BlasAddon, "xentForward" | "xentBackward"> = {
  xentForward(logits, targets, logp, lse, n, v) {
    for (let r = 0; r < n; r++) {
      const o = r * v;
      let max = -Infinity;
      for (let i = 0; i < v; i++) if (logits[o + i] > max) max = logits[o + i];
      let sum = 0;
      for (let i = 0; i < v; i++) sum += expFast(logits[o + i] - max);
      const l = max + Math.log(sum);
      const y = targets[r];
      lse[r] = l;
      logp[r] = y >= 0 && y < v ? logits[o + y] - l : 0;
    }
  },
  xentBackward(logits, lse, targets, dy, grad, n, v) {
    for (let r = 0; r < n; r++) {
      const o = r * v;
      const y = targets[r];
      if (!(y >= 0 && y < v)) {
        grad.fill(0, o, o + v);
        continue;
      }
      const l = lse[r];
      const d = dy[r];
      for (let i = 0; i < v; i++) grad[o + i] = -d * expFast(logits[o + i] - l);
      grad[o + y] += d;
    }
  },
};

function targetLogSoftmaxKernel(tfjsName: string): Kernel {
  return (args) => {
    const { logits, targets } = args.inputs;
    const [N, V] = checkLogSoftmaxInputs(TARGET_LOG_SOFTMAX_KERNEL, logits, targets, {});
    const logp = newFloatOutput(args.backend, tfjsName, [N]);
    const lse = newFloatOutput(args.backend, tfjsName, [N]);
    // Views after both allocations (a grown wasm heap detaches older views).
    const b = args.backend;
    (blas ?? XENT_LOOPS).xentForward(
      floatView(b, tfjsName, logits),
      intView(b, tfjsName, targets),
      floatView(b, tfjsName, logp),
      floatView(b, tfjsName, lse),
      N,
      V,
    );
    return [logp, lse];
  };
}

function targetLogSoftmaxGradKernel(tfjsName: string): Kernel {
  return (args) => {
    const { logits, lse, targets, dy } = args.inputs;
    const [N, V] = checkLogSoftmaxInputs(TARGET_LOG_SOFTMAX_GRAD_KERNEL, logits, targets, { lse, dy });
    const grad = newFloatOutput(args.backend, tfjsName, [N, V]);
    const b = args.backend;
    (blas ?? XENT_LOOPS).xentBackward(
      floatView(b, tfjsName, logits),
      floatView(b, tfjsName, lse),
      intView(b, tfjsName, targets),
      floatView(b, tfjsName, dy),
      floatView(b, tfjsName, grad),
      N,
      V,
    );
    return grad;
  };
}

// ---------------------------------------------------------------------------------------------
// The optional BLAS addon (native/blas-matmul): BatchMatMul and _FusedMatMul on wasm and cpu

/** Activation codes of the addon (native/blas-matmul/blas_matmul.c). */
const ACTIVATION: Record<string, number> = { linear: 0, relu: 1, relu6: 2, sigmoid: 3, leakyrelu: 4, elu: 5 };

/** Whether GENAI_BLAS turns the addon off (off, 0 or false). */
function blasDisabled(): boolean {
  const setting = (process.env.GENAI_BLAS ?? "").toLowerCase();
  return setting === "off" || setting === "0" || setting === "false";
}

function loadBlas(): BlasAddon | null {
  if (blas !== undefined) return blas;
  blas = null;
  if (blasDisabled()) {
    blasReason = "BLAS addon disabled by GENAI_BLAS";
    return blas;
  }
  const relative = path.join("native", "blas-matmul", "build", "Release", "blas_matmul.node");
  const roots = [process.cwd()];
  if (typeof __dirname === "string") roots.push(path.join(__dirname, "..", ".."));
  const errors: string[] = [];
  for (const root of roots) {
    const file = path.join(root, relative);
    try {
      const req = createRequire(path.join(root, "package.json"));
      blas = req(file) as BlasAddon;
      blasReason = `BLAS addon loaded (${blas.config()})`;
      return blas;
    } catch (e) {
      errors.push(e instanceof Error ? e.message.split("\n")[0] : String(e));
    }
  }
  blasReason = `BLAS addon not available (${errors[0]}); build it with: ${addonInstallHint()}`;
  return blas;
}

/** A float32 view of a tensor's memory on the wasm heap or in the cpu backend. */
function floatView(backend: unknown, tfjsName: string, t: TensorInfo): Float32Array {
  if (tfjsName === "wasm") return (backend as WasmBackend).typedArrayFromHeap(t) as Float32Array;
  const values = (backend as CpuBackend).data.get(t.dataId).values;
  // A float32 tensor cast from bool or int32 shares its source's array on cpu: copy that case.
  return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
}

/**
 * C = act(op(A)·op(B) + bias) through cblas_sgemm. Falls back to the backend's kernel for what
 * it does not cover: non-float32 inputs, batch broadcasting other than 1-to-many, prelu, a bias
 * that is not one value per output column.
 */
function blasMatMul(tfjsName: string): (original: Kernel) => Kernel {
  return (original) => (args) => {
    const addon = blas as BlasAddon;
    const { a, b, bias, preluActivationWeights } = args.inputs;
    const attrs = (args.attrs ?? {}) as Attrs;
    const transA = Boolean(attrs.transposeA);
    const transB = Boolean(attrs.transposeB);
    const activation = attrs.activation === undefined ? "linear" : String(attrs.activation);
    const rankA = a.shape.length;
    const rankB = b.shape.length;
    const M = transA ? a.shape[rankA - 1] : a.shape[rankA - 2];
    const K = transA ? a.shape[rankA - 2] : a.shape[rankA - 1];
    const kB = transB ? b.shape[rankB - 1] : b.shape[rankB - 2];
    const N = transB ? b.shape[rankB - 2] : b.shape[rankB - 1];
    const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
    const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
    const batch = Math.max(batchA, batchB);
    const covered =
      a.dtype === "float32" &&
      b.dtype === "float32" &&
      K === kB &&
      (batchA === batchB || batchA === 1 || batchB === 1) &&
      (rankA === rankB || batchA === 1 || batchB === 1) &&
      preluActivationWeights === undefined &&
      activation in ACTIVATION &&
      (bias === undefined || (bias.dtype === "float32" && tf.util.sizeFromShape(bias.shape) === N));
    if (!covered || M * N === 0) return original(args);
    const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), M, N];
    const out = newFloatOutput(args.backend, tfjsName, outShape);
    // Views after the output's allocation (a grown wasm heap detaches older views).
    addon.gemm(
      floatView(args.backend, tfjsName, a),
      floatView(args.backend, tfjsName, b),
      floatView(args.backend, tfjsName, out),
      batch,
      M,
      N,
      K,
      transA,
      transB,
      batchA === 1 ? 0 : M * K,
      batchB === 1 ? 0 : K * N,
      bias === undefined ? null : floatView(args.backend, tfjsName, bias),
      ACTIVATION[activation],
      Number(attrs.leakyreluAlpha ?? 0.2),
    );
    return out;
  };
}
