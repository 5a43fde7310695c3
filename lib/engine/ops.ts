/**
 * Course ops that use a fused kernel where one is registered (lib/engine/kernels.ts), and the
 * same numbers from plain tf ops elsewhere; plus workarounds for tf ops that are wrong on a
 * backend. Lesson files call these and never see the kernel names.
 *
 *   targetLogSoftmax   log softmax(logits_n)[y_n] per row, with its gradient
 *   oneHotFloat        a float32 one-hot that is right on wasm too
 *
 * Shapes: N rows, V classes (vocabulary).
 */
import * as tf from "@tensorflow/tfjs";
import { TARGET_LOG_SOFTMAX_GRAD_KERNEL, TARGET_LOG_SOFTMAX_KERNEL } from "./kernels";

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
 * Where the course's compiled kernels are registered (wasm and cpu with the BLAS addon) it is
 * one pass over [N, V] each way, with the gradient
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
