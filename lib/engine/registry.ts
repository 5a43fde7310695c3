/**
 * The kernel-registry plumbing lib/engine/kernels.ts and conv-kernels.ts share: the kernel
 * function type and `replaceKernel`, which swaps a registered kernel for a wrapped one.
 */
import * as tf from "@tensorflow/tfjs";

export type TensorInfo = tf.TensorInfo;
export type Attrs = Record<string, unknown>;
export type KernelArgs = { inputs: Record<string, TensorInfo>; backend: unknown; attrs?: Attrs };
export type Kernel = (args: KernelArgs) => TensorInfo | TensorInfo[];

/** Replaces a registered kernel by `wrap(original)`, keeping the original's setup function. */
export function replaceKernel(name: string, backendName: string, wrap: (original: Kernel) => Kernel): void {
  const original = tf.getKernel(name, backendName);
  if (!original) throw new Error(`replaceKernel: no ${name} kernel registered for ${backendName}`);
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
