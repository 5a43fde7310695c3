/**
 * Convolution kernels for the fallback backends (2-D, NHWC, dilation 1: what a U-Net uses),
 * registered by registerCourseKernels (lib/engine/kernels.ts) after its own. As there, nothing
 * here changes what a model computes, only how fast the wasm and cpu backends compute it.
 *
 *   wasm and cpu with the BLAS addon   Conv2D, _FusedConv2D (bias, and an activation the addon
 *       knows), Conv2DBackpropInput and Conv2DBackpropFilter as im2col and OpenBLAS sgemm on the
 *       addon's threads (native/blas-matmul/blas_matmul.c convForward, convBackpropInput,
 *       convBackpropFilter). With col [N, K] the patches of x (N = B·Oh·Ow, K = Fh·Fw·Ci) and w
 *       viewed as [K, Co]:   y = col·w,   dx = col2im(dy·wᵀ),   dw = colᵀ·dy.
 *       Measured at [64, 28, 28, 32] → 32, 3×3 "same", on the 2 shared cores: wasm's XNNPACK
 *       forward 125 ms, its input gradient (a scalar loop) 1 600 ms, the filter gradient by tap
 *       (kernels.ts) 700 ms; through the addon 114, 151 and ~210 ms (PyTorch: 170, 184, 113 ms).
 *   wasm without the addon   Conv2DBackpropInput (wasm's own is a scalar loop, 10x slower than
 *       its forward convolution) as XNNPACK's forward convolution, at stride 1, of u, dy spread out
 *       by the strides (u[b, oh·sH, ow·sW] = dy[b, oh, ow], zero between), with the filter turned
 *       half a turn and its channel axes swapped:
 *         dx[b, i, j, ci] = Σ_{g, h, co} u[b, i + g − p'T, j + h − p'L, co] · w[Fh−1−g, Fw−1−h, ci, co]
 *       with p'T = Fh − 1 − padTop, p'L = Fw − 1 − padLeft (zeros outside u). At stride 2 three in
 *       four of its products are by zeros, and it is still faster than wasm's own.
 *
 * Anything else (other data formats, dilations, dtypes, prelu) runs the backend's own kernel.
 * Kernel functions here never call tf ops: only the backend's own kernel functions, on TensorInfos.
 * Letters: B batch, h w height width of x (H W in code), Oh Ow of y, Ci Co channels in and out,
 * Fh Fw filter height and width, sH sW strides.
 */
import * as tf from "@tensorflow/tfjs";
import { replaceKernel, type Attrs, type Kernel, type KernelArgs, type TensorInfo } from "./registry";

/** The addon's convolution functions (native/blas-matmul/blas_matmul.c); dims as in convDims. */
export interface ConvAddon {
  /** y = act(conv(x, w) + bias): x [B, H, W, Ci], w [Fh, Fw, Ci, Co], y [B, Oh, Ow, Co], bias [Co] or null. */
  convForward(
    x: Float32Array,
    w: Float32Array,
    y: Float32Array,
    bias: Float32Array | null,
    act: number,
    alpha: number,
    dims: Int32Array,
  ): void;
  /** dx [B, H, W, Ci], the gradient of Σ dy·conv(x, w) with respect to x. */
  convBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, dims: Int32Array): void;
  /** dw [Fh, Fw, Ci, Co], the gradient of Σ dy·conv(x, w) with respect to w. */
  convBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, dims: Int32Array): void;
}

/** How kernels.ts reads and makes a tensor's float32 memory on either backend. */
export interface TensorMemory {
  floatView(backend: unknown, tfjsName: string, t: TensorInfo): Float32Array;
  newFloatOutput(backend: unknown, tfjsName: string, shape: number[]): TensorInfo;
}

/** The parts of tfjs-backend-wasm's BackendWasm this file uses. */
interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** Activation codes of the addon (native/blas-matmul/blas_matmul.c), the ones _FusedConv2D may name. */
const ACTIVATION: Record<string, number> = { linear: 0, relu: 1, relu6: 2, sigmoid: 3, leakyrelu: 4, elu: 5 };

/**
 * Registers the convolution kernels for `tfjsName` ("wasm" or "cpu"; others are left alone):
 * through the addon when it is given (and built with its convolution functions: an addon built
 * before them counts as none), else wasm's input gradient.
 */
export function registerConvKernels(tfjsName: string, given: ConvAddon | null, memory: TensorMemory): void {
  if (tfjsName !== "wasm" && tfjsName !== "cpu") return;
  const addon = given !== null && typeof given.convBackpropFilter === "function" ? given : null;
  if (addon !== null) {
    const patch = (name: string, kernel: (args: KernelArgs) => TensorInfo | null): void =>
      replaceKernel(name, tfjsName, (original) => (args) => kernel(args) ?? original(args));
    patch("Conv2D", (args) => blasConv2D(args, tfjsName, addon, memory, false));
    patch("FusedConv2D", (args) => blasConv2D(args, tfjsName, addon, memory, true));
    patch("Conv2DBackpropInput", (args) => blasConvInput(args, tfjsName, addon, memory));
    patch("Conv2DBackpropFilter", (args) => blasConvFilter(args, tfjsName, addon, memory));
  } else if (tfjsName === "wasm") {
    replaceKernel("Conv2DBackpropInput", "wasm", (original) => (args) => wasmConvInput(args) ?? original(args));
  }
}

// ---------------------------------------------------------------------------------------------
// Registry plumbing and the convolution's geometry

/** One convolution's sizes: x [B, H, W, Ci] * w [Fh, Fw, Ci, Co] → y [B, Oh, Ow, Co]. */
interface ConvGeometry {
  B: number;
  H: number;
  W: number;
  Ci: number;
  Oh: number;
  Ow: number;
  Co: number;
  Fh: number;
  Fw: number;
  sH: number;
  sW: number;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
}

/**
 * The geometry of a kernel call, or null when this file does not cover it (dataFormat other than
 * NHWC, dilation other than 1, padding tfjs reports as negative).
 */
function convGeometry(xShape: number[], filterShape: number[], attrs: Attrs): ConvGeometry | null {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== "NHWC") return null;
  const dilations = attrs.dilations ?? 1;
  if (!(dilations === 1 || (Array.isArray(dilations) && dilations.every((d) => d === 1)))) return null;
  if (xShape.length !== 4 || filterShape.length !== 4 || xShape[3] !== filterShape[2]) return null;
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as "valid" | "same" | number,
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
  );
  const { top, left, bottom, right } = info.padInfo;
  if (top < 0 || left < 0 || info.outHeight < 1 || info.outWidth < 1) return null;
  const [B, H, W, Ci] = xShape;
  const [Fh, Fw, , Co] = filterShape;
  return {
    B,
    H,
    W,
    Ci,
    Co,
    Fh,
    Fw,
    Oh: info.outHeight,
    Ow: info.outWidth,
    sH: info.strideHeight,
    sW: info.strideWidth,
    padTop: top,
    padLeft: left,
    padBottom: bottom,
    padRight: right,
  };
}

/** The addon's dims: [B, H, W, Ci, Oh, Ow, Co, Fh, Fw, sH, sW, padTop, padLeft]. */
function convDims(g: ConvGeometry): Int32Array {
  return Int32Array.from([g.B, g.H, g.W, g.Ci, g.Oh, g.Ow, g.Co, g.Fh, g.Fw, g.sH, g.sW, g.padTop, g.padLeft]);
}

function sameShape(t: TensorInfo, shape: number[]): boolean {
  return t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);
}

// ---------------------------------------------------------------------------------------------
// wasm and cpu with the addon

/** Conv2D (fused: _FusedConv2D with its bias and activation) through the addon, or null if not covered. */
function blasConv2D(args: KernelArgs, tfjsName: string, addon: ConvAddon, memory: TensorMemory, fused: boolean): TensorInfo | null {
  const { x, filter, bias, preluActivationWeights } = args.inputs;
  const attrs = (args.attrs ?? {}) as Attrs;
  const activation = fused && attrs.activation !== undefined ? String(attrs.activation) : "linear";
  if (x.dtype !== "float32" || filter.dtype !== "float32" || preluActivationWeights !== undefined) return null;
  if (!(activation in ACTIVATION)) return null;
  const g = convGeometry(x.shape, filter.shape, attrs);
  if (g === null) return null;
  if (bias !== undefined && (bias.dtype !== "float32" || tf.util.sizeFromShape(bias.shape) !== g.Co)) return null;
  const y = memory.newFloatOutput(args.backend, tfjsName, [g.B, g.Oh, g.Ow, g.Co]);
  // Views after the output's allocation (a grown wasm heap detaches older views).
  const view = (t: TensorInfo): Float32Array => memory.floatView(args.backend, tfjsName, t);
  const alpha = Number(attrs.leakyreluAlpha ?? 0.2);
  addon.convForward(view(x), view(filter), view(y), bias === undefined ? null : view(bias), ACTIVATION[activation], alpha, convDims(g));
  return y;
}

/** Conv2DBackpropInput through the addon: inputs dy [B, Oh, Ow, Co], filter; attrs inputShape [B, H, W, Ci]. */
function blasConvInput(args: KernelArgs, tfjsName: string, addon: ConvAddon, memory: TensorMemory): TensorInfo | null {
  const { dy, filter } = args.inputs;
  const attrs = (args.attrs ?? {}) as Attrs;
  const inputShape = attrs.inputShape as number[];
  if (dy.dtype !== "float32" || filter.dtype !== "float32") return null;
  const g = convGeometry(inputShape, filter.shape, attrs);
  if (g === null || !sameShape(dy, [g.B, g.Oh, g.Ow, g.Co])) return null;
  const dx = memory.newFloatOutput(args.backend, tfjsName, inputShape.slice());
  const view = (t: TensorInfo): Float32Array => memory.floatView(args.backend, tfjsName, t);
  addon.convBackpropInput(view(dy), view(filter), view(dx), convDims(g));
  return dx;
}

/** Conv2DBackpropFilter through the addon: inputs x [B, H, W, Ci], dy [B, Oh, Ow, Co]; attrs filterShape. */
function blasConvFilter(args: KernelArgs, tfjsName: string, addon: ConvAddon, memory: TensorMemory): TensorInfo | null {
  const { x, dy } = args.inputs;
  const attrs = (args.attrs ?? {}) as Attrs;
  const filterShape = attrs.filterShape as number[];
  if (x.dtype !== "float32" || dy.dtype !== "float32") return null;
  const g = convGeometry(x.shape, filterShape, attrs);
  if (g === null || !sameShape(dy, [g.B, g.Oh, g.Ow, g.Co])) return null;
  const dw = memory.newFloatOutput(args.backend, tfjsName, filterShape.slice());
  const view = (t: TensorInfo): Float32Array => memory.floatView(args.backend, tfjsName, t);
  addon.convBackpropFilter(view(x), view(dy), view(dw), convDims(g));
  return dw;
}

// ---------------------------------------------------------------------------------------------
// wasm without the addon: the input gradient as a forward convolution (see the header)

function wasmConvInput(args: KernelArgs): TensorInfo | null {
  const backend = args.backend as WasmBackend;
  const { dy, filter } = args.inputs;
  const attrs = (args.attrs ?? {}) as Attrs;
  const inputShape = attrs.inputShape as number[];
  if (dy.dtype !== "float32" || filter.dtype !== "float32") return null;
  const g = convGeometry(inputShape, filter.shape, attrs);
  if (g === null || !sameShape(dy, [g.B, g.Oh, g.Ow, g.Co])) return null;
  const { B, Fh, Fw, Ci, Co, sH, sW } = g;
  // dy spread out by the strides: u[b, oh·sH, ow·sW] = dy[b, oh, ow], zero between; [B, Uh, Uw, Co]
  const Uh = (g.Oh - 1) * sH + 1;
  const Uw = (g.Ow - 1) * sW + 1;
  const pads = [Fh - 1 - g.padTop, g.H - Uh + g.padTop, Fw - 1 - g.padLeft, g.W - Uw + g.padLeft];
  if (pads.some((p) => p < 0)) return null;
  const temporaries: TensorInfo[] = [];
  let u = dy;
  if (sH > 1 || sW > 1) {
    u = backend.makeOutput([B, Uh, Uw, Co], "float32"); // [B, Uh, Uw, Co]
    temporaries.push(u);
    const us = backend.typedArrayFromHeap(u);
    const ds = backend.typedArrayFromHeap(dy);
    us.fill(0);
    for (let b = 0, src = 0; b < B; b++) {
      for (let oh = 0; oh < g.Oh; oh++) {
        for (let ow = 0; ow < g.Ow; ow++, src += Co) us.set(ds.subarray(src, src + Co), ((b * Uh + oh * sH) * Uw + ow * sW) * Co);
      }
    }
  }
  // turned[g, h, co, ci] = w[Fh − 1 − g, Fw − 1 − h, ci, co]
  const turned = backend.makeOutput([Fh, Fw, Co, Ci], "float32"); // [Fh, Fw, Co, Ci]
  temporaries.push(turned);
  const w = backend.typedArrayFromHeap(filter);
  const t = backend.typedArrayFromHeap(turned);
  for (let fh = 0; fh < Fh; fh++) {
    for (let fw = 0; fw < Fw; fw++) {
      const src = ((Fh - 1 - fh) * Fw + (Fw - 1 - fw)) * Ci * Co;
      const dst = (fh * Fw + fw) * Co * Ci;
      for (let ci = 0; ci < Ci; ci++) for (let co = 0; co < Co; co++) t[dst + co * Ci + ci] = w[src + ci * Co + co];
    }
  }
  const conv = tf.getKernel("Conv2D", "wasm")!.kernelFunc as unknown as Kernel;
  const pad = [
    [0, 0],
    [pads[0], pads[1]],
    [pads[2], pads[3]],
    [0, 0],
  ];
  const out = conv({ inputs: { x: u, filter: turned }, backend, attrs: { strides: 1, pad, dataFormat: "NHWC", dilations: 1 } });
  for (const tmp of temporaries) backend.disposeData(tmp.dataId);
  return Array.isArray(out) ? out[0] : out;
}
