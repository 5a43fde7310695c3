/**
 * The one closeness matcher of the test suite: |actual − expected| ≤ atol + rtol·|expected|,
 * element by element, for numbers, nested arrays, typed arrays and tensors. The rule itself is
 * lib/checker/close.ts `close`, the one the exercise checks use; the tests' defaults are tighter.
 */
import * as tf from "@tensorflow/tfjs";
import { expect } from "vitest";
import { close } from "../../lib/checker/close";

export type Numeric = number | ArrayLike<number> | readonly Numeric[] | tf.Tensor;

function flatten(x: Numeric): { values: number[]; shape: number[] } {
  if (x instanceof tf.Tensor) return { values: Array.from(x.dataSync()), shape: x.shape.slice() };
  if (typeof x === "number") return { values: [x], shape: [] };
  const arr = Array.from(x as ArrayLike<Numeric>);
  if (arr.length > 0 && typeof arr[0] !== "number") {
    const parts = arr.map((a) => flatten(a));
    return { values: parts.flatMap((p) => p.values), shape: [arr.length, ...parts[0].shape] };
  }
  return { values: arr as number[], shape: [arr.length] };
}

export interface CloseOptions {
  rtol?: number; // default 1e-5
  atol?: number; // default 1e-6
}

export function expectClose(actual: Numeric, expected: Numeric, { rtol = 1e-5, atol = 1e-6 }: CloseOptions = {}): void {
  const a = flatten(actual);
  const e = flatten(expected);
  expect(a.values.length, `length: got shape [${a.shape}], expected [${e.shape}]`).toBe(e.values.length);
  for (let i = 0; i < e.values.length; i++) {
    if (!close(a.values[i], e.values[i], { rtol, atol })) {
      const diff = Math.abs(a.values[i] - e.values[i]);
      const tol = atol + rtol * Math.abs(e.values[i]);
      expect.fail(
        `element ${i}: got ${a.values[i]}, expected ${e.values[i]} (|diff| ${diff.toExponential(3)} > tol ${tol.toExponential(3)})`,
      );
    }
  }
}
