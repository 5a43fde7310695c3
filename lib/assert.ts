/**
 * Shape and value checks that say what was wrong: the argument's name, the expected shape
 * and the shape it got. Use them at the top of every public function that takes tensors.
 */
import * as tf from "@tensorflow/tfjs";

/** An expected dimension: a number, or null for "any size". */
export type Dim = number | null;

function fmt(shape: readonly (number | null | string)[]): string {
  return `[${shape.map((d) => (d === null ? "?" : String(d))).join(", ")}]`;
}

/**
 * Throws unless `x` has exactly the expected rank and sizes.
 * @param x a tensor (or its shape)
 * @param expected one entry per dimension; null matches any size
 * @param name the argument's name, used in the message
 * @param dimNames optional letters for the message, e.g. ["B", "D"]
 */
export function assertShape(x: tf.Tensor | readonly number[], expected: readonly Dim[], name: string, dimNames?: readonly string[]): void {
  const shape = Array.isArray(x) ? (x as readonly number[]) : (x as tf.Tensor).shape;
  const ok = shape.length === expected.length && expected.every((d, i) => d === null || d === shape[i]);
  if (!ok) {
    const letters = dimNames ? ` (${dimNames.join(", ")})` : "";
    throw new Error(`${name} must have shape ${fmt(expected)}${letters}, got ${fmt(shape)}`);
  }
}

/** Throws unless `x` is a tf.Tensor. */
export function assertTensor(x: unknown, name: string): asserts x is tf.Tensor {
  if (!(x instanceof tf.Tensor)) {
    const got = x === null ? "null" : Array.isArray(x) ? "an array" : typeof x;
    throw new Error(`${name} must be a tf.Tensor, got ${got}`);
  }
}

/** Throws unless every value is finite (no NaN, no ±Infinity). */
export function assertFinite(x: tf.Tensor | ArrayLike<number>, name: string): void {
  const values = x instanceof tf.Tensor ? x.dataSync() : x;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new Error(`${name} must be finite, but element ${i} is ${values[i]}`);
    }
  }
}

/** Throws unless `value` is an integer in [min, max]. */
export function assertInt(value: number, name: string, min = -Infinity, max = Infinity): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `≥ ${min}` : `in [${min}, ${max}]`;
    throw new Error(`${name} must be an integer ${range}, got ${value}`);
  }
}
