/**
 * Counting the tensors a call leaves allocated: `tf.memory().numTensors` once the call has
 * finished (for a Promise, once it resolves) minus before it. The checker's worker counts each
 * call of the learner's function this way, less the new tensors it returns (lib/checker/worker.ts);
 * the tests' `expectNoLeak` (tests/helpers/leak.ts) is the same count.
 */
import * as tf from "@tensorflow/tfjs";

/**
 * Calls `fn` and passes `settle` how many more tensors are allocated when it has finished than
 * before it, with what it returned. Returns what `fn` returns; an exception or a rejection passes
 * through without calling `settle`.
 */
export function countNewTensors<T>(fn: () => T, settle: (added: number, value: Awaited<T>) => void): T {
  const before = tf.memory().numTensors;
  const out = fn();
  if (out instanceof Promise) {
    return out.then((v: Awaited<T>) => {
      settle(tf.memory().numTensors - before, v);
      return v;
    }) as T;
  }
  settle(tf.memory().numTensors - before, out as Awaited<T>);
  return out;
}

/** The ids of the tensors in `x`, looking into arrays and objects (not Promises) up to 3 levels deep. */
export function tensorIds(x: unknown, into: Set<number> = new Set(), depth = 0): Set<number> {
  if (x instanceof tf.Tensor) into.add(x.id);
  else if (depth < 3 && Array.isArray(x)) x.forEach((v) => tensorIds(v, into, depth + 1));
  else if (depth < 3 && x && typeof x === "object" && !(x instanceof Promise)) {
    Object.values(x).forEach((v) => tensorIds(v, into, depth + 1));
  }
  return into;
}
