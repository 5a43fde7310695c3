/**
 * Kernels the fallback backends lack or run slowly, registered once per backend by
 * `selectBackend` (lib/backend.ts) right after it activates one. Nothing here changes what a
 * model computes, only how fast (and whether) the wasm and cpu backends compute it.
 *
 *   wasm BatchMatMul, _FusedMatMul   XNNPACK is fast only for plain A·B; with transposeA or
 *       transposeB set (which tfjs's own matMul gradient uses) it is 10–30x slower. We
 *       transpose explicitly with the wasm Transpose kernel, then run the plain kernel.
 *   wasm UnsortedSegmentSum   missing; the gradient of tf.gather (embeddings) needs it.
 *       A loop over the wasm heap views.
 *   wasm Conv2DBackpropFilter   missing; the gradient of tf.conv2d's filter needs it.
 *       dW[fh, fw] = X_(fh,fw)ᵀ · dY, one plain wasm matMul per filter tap (im2col by tap).
 *   wasm and cpu BatchMatMul, _FusedMatMul through a system BLAS   only when the optional
 *       native addon (native/blas-matmul, cblas_sgemm over OpenBLAS) has been built; it reads
 *       and writes the backends' own memory (wasm heap views, cpu typed arrays) without
 *       copies. Set GENAI_BLAS=off to keep it unloaded.
 *
 * Kernel functions here never call tf ops: only the backend's own kernel functions, on
 * TensorInfos, disposing intermediates with `backend.disposeData`.
 * Letters: B batch, M×K times K×N matrices, H W height width, C channels, F filter size.
 */
import * as tf from "@tensorflow/tfjs";
import { createRequire } from "node:module";
import path from "node:path";

type TensorInfo = tf.TensorInfo;
type Attrs = Record<string, unknown>;
type KernelArgs = { inputs: Record<string, TensorInfo>; backend: unknown; attrs?: Attrs };
type Kernel = (args: KernelArgs) => TensorInfo | TensorInfo[];

/** The parts of tfjs-backend-wasm's BackendWasm this file uses. */
interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** The parts of tfjs-backend-cpu's MathBackendCPU this file uses. */
interface CpuBackend {
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): TensorInfo;
}

/** The addon's one function: C[i] = act(op(A[i])·op(B[i]) + bias), i < batch, row-major. */
interface BlasAddon {
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
  /** "OpenBLAS 0.3.21 ..." */
  config(): string;
}

const done = new Set<string>();
let blas: BlasAddon | null | undefined;
let blasReason = "";

/** What registerCourseKernels did: whether the BLAS addon is in use, and if not why. */
export function courseKernelsInfo(): { blas: boolean; blasReport: string; patched: string[] } {
  return { blas: loadBlas() !== null, blasReport: blasReason, patched: Array.from(done) };
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
  }
  if ((tfjsName === "wasm" || tfjsName === "cpu") && loadBlas() !== null) {
    replaceKernel("BatchMatMul", tfjsName, blasMatMul(tfjsName));
    replaceKernel("_FusedMatMul", tfjsName, blasMatMul(tfjsName));
  }
}

// ---------------------------------------------------------------------------------------------
// Registry plumbing

/** Replaces a registered kernel by `wrap(original)`, keeping the original's setup function. */
function replaceKernel(name: string, backendName: string, wrap: (original: Kernel) => Kernel): void {
  const original = tf.getKernel(name, backendName);
  if (!original) throw new Error(`registerCourseKernels: no ${name} kernel registered for ${backendName}`);
  const originalFunc = original.kernelFunc as unknown as Kernel;
  tf.unregisterKernel(name, backendName);
  tf.registerKernel({
    kernelName: name,
    backendName,
    kernelFunc: wrap(originalFunc) as unknown as tf.KernelFunc,
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
  });
}

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
    throw new Error(
      `UnsortedSegmentSum: segmentIds shape [${segmentIds.shape}] must be a prefix of x shape [${x.shape}]`,
    );
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
  const [B, H, W, Ci] = x.shape;
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
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
              for (let c = 0; c < Ci; c++) col[c * N + n] = 0;
            } else {
              const src = ((b * H + ih) * W + iw) * Ci;
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
// The optional BLAS addon (native/blas-matmul): BatchMatMul and _FusedMatMul on wasm and cpu

/** Activation codes of the addon (native/blas-matmul/blas_matmul.c). */
const ACTIVATION: Record<string, number> = { linear: 0, relu: 1, relu6: 2, sigmoid: 3, leakyrelu: 4, elu: 5 };

function loadBlas(): BlasAddon | null {
  if (blas !== undefined) return blas;
  blas = null;
  const setting = (process.env.GENAI_BLAS ?? "").toLowerCase();
  if (setting === "off" || setting === "0" || setting === "false") {
    blasReason = "BLAS addon disabled by GENAI_BLAS";
    return blas;
  }
  const relative = path.join("native", "blas-matmul", "build", "Release", "blas_matmul.node");
  const roots = [process.cwd()];
  if (typeof __dirname === "string") roots.push(path.join(__dirname, ".."));
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
  blasReason = `BLAS addon not available (${errors[0]}); build it with npm install in native/blas-matmul`;
  return blas;
}

/** A float32 view of a tensor's memory on the wasm heap or in the cpu backend. */
function floatView(backend: unknown, tfjsName: string, t: TensorInfo): Float32Array {
  if (tfjsName === "wasm") return (backend as WasmBackend).typedArrayFromHeap(t) as Float32Array;
  return (backend as CpuBackend).data.get(t.dataId).values as Float32Array;
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
    const outShape = [
      ...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)),
      M,
      N,
    ];
    let out: TensorInfo;
    let c: Float32Array;
    if (tfjsName === "wasm") {
      out = (args.backend as WasmBackend).makeOutput(outShape, "float32");
      c = floatView(args.backend, tfjsName, out);
    } else {
      c = new Float32Array(batch * M * N);
      out = (args.backend as CpuBackend).makeTensorInfo(outShape, "float32", c);
    }
    // Views after the output's allocation (a grown wasm heap detaches older views).
    addon.gemm(
      floatView(args.backend, tfjsName, a),
      floatView(args.backend, tfjsName, b),
      c,
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
