/**
 * What a stage's checks file (checks/NN-topic.ts) is written with:
 *
 *   export const checks = [defineCheck({ id: "NN.k", name, title, run })];
 *
 * `run(impl)` calls the learner's function on fixed inputs and compares with reference numbers
 * written in the check (never the solution's), through the `expect*` helpers below, which throw a
 * `CheckFailure` whose message says, in the learner's terms, what was wrong. Shapes in messages
 * are written like `[B, K]`. Comparisons use lib/checker/close.ts (re-exported here).
 */
import { allClose, close, firstDifference, type Tolerance } from "./close";

export { allClose, close, firstDifference, type Tolerance };

/** One exercise's check. `F` is the exercise function's type, e.g. `(x: tf.Tensor1D) => tf.Tensor1D`. */
export interface ExerciseCheck<F extends (...args: any[]) => unknown = (...args: any[]) => unknown> {
  /** Exercise id as in the TODO message, "NN.k" (e.g. "00.1"). */
  id: string;
  /** Name of the exported function the learner writes (e.g. "standardize"). */
  name: string;
  /** A few words on what the exercise does, shown in the table. */
  title: string;
  /**
   * Calls `impl` on fixed inputs and throws a `CheckFailure` (usually via `expectTensor`) when
   * the result is wrong. The worker wraps `impl`: it counts leaked tensors and reports the
   * learner's own exceptions, so `run` just calls it and compares.
   */
  run(impl: F): void | Promise<void>;
}

/** Declares a check; infers the function type from `run`'s parameter. */
export function defineCheck<F extends (...args: any[]) => unknown>(check: ExerciseCheck<F>): ExerciseCheck {
  return check as unknown as ExerciseCheck;
}

/** How a check can fail; the row's status. */
export type FailureKind = "wrong" | "shape" | "nan";

/** Thrown by a check when the learner's result is wrong; `message` is shown to the learner. */
export class CheckFailure extends Error {
  readonly kind: FailureKind;
  constructor(message: string, kind: FailureKind = "wrong") {
    super(message);
    this.name = "CheckFailure";
    this.kind = kind;
  }
}

// ---------------------------------------------------------------------------------------------
// Writing values in messages

/** A number, or nested arrays of numbers (a tensor's values written out). */
export type NestedNumbers = number | readonly NestedNumbers[];

/** The shape and row-major values of nested arrays; throws when rows are ragged. */
export function flattenNested(values: NestedNumbers): { shape: number[]; flat: number[] } {
  if (typeof values === "number") return { shape: [], flat: [values] };
  const parts = values.map(flattenNested);
  const inner = parts.length > 0 ? parts[0].shape : [];
  for (const p of parts) {
    if (formatShape(p.shape) !== formatShape(inner)) throw new Error("flattenNested: ragged nested array");
  }
  return { shape: [values.length, ...inner], flat: parts.flatMap((p) => p.flat) };
}

/** `[2, 3]` */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** A number in at most 4 significant digits: 0.4472, -1.5, 1e-7, NaN. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v) || v === 0) return String(v);
  return String(Number(v.toPrecision(4)));
}

/** Row-major values written as nested arrays, at most `maxItems` per row ("…" after). */
export function formatValues(flat: ArrayLike<number>, shape: readonly number[], maxItems = 8): string {
  const rec = (offset: number, dim: number): string => {
    if (dim === shape.length) return formatNumber(flat[offset]);
    const size = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    const n = shape[dim];
    const items: string[] = [];
    for (let i = 0; i < Math.min(n, maxItems); i++) items.push(rec(offset + i * size, dim + 1));
    if (n > maxItems) items.push(`… ${n - maxItems} more`);
    return `[${items.join(", ")}]`;
  };
  return rec(0, 0);
}

/** The [i, j, …] position of flat index `k` in `shape`. */
function position(k: number, shape: readonly number[]): number[] {
  const pos: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    pos.unshift(k % shape[d]);
    k = Math.floor(k / shape[d]);
  }
  return pos;
}

/** Duck-typed view of a tf.Tensor (checks never need tfjs's class identity). */
interface TensorLike {
  shape: number[];
  dataSync(): ArrayLike<number>;
  isDisposed?: boolean;
}

function isTensorLike(x: unknown): x is TensorLike {
  return typeof x === "object" && x !== null && Array.isArray((x as TensorLike).shape) && typeof (x as TensorLike).dataSync === "function";
}

/** What a learner returned, when it is not what was asked for: "undefined (did you forget `return`?)", "a string". */
export function describeValue(x: unknown): string {
  if (x === undefined) return "undefined (did you forget `return`?)";
  if (x === null) return "null";
  if (x instanceof Promise) return "a Promise (the function should not be async)";
  if (isTensorLike(x)) return "a tf.Tensor (this exercise works on plain numbers)";
  if (Array.isArray(x)) return "a plain array";
  return typeof x === "object" ? "an object that is not a tf.Tensor" : `a ${typeof x}`;
}

/** "Hint: …" after a message, or "" when there is no hint. */
function withHint(hint: string | undefined): string {
  return hint ? `. Hint: ${hint}` : "";
}

// ---------------------------------------------------------------------------------------------
// Comparisons

export interface ExpectTensorOptions {
  /** How the call reads in messages, e.g. "standardize([2, 4, 4])". Required. */
  call: string;
  /** Relative tolerance per element (default 1e-4: float32 arithmetic). */
  rtol?: number;
  /** Absolute tolerance per element (default 1e-5). */
  atol?: number;
  /**
   * Recognises a typical mistake from the values the learner returned (row-major) and returns
   * a hint, e.g. "did you subtract the mean?"; undefined when nothing fits (default: no hint).
   */
  hint?: (got: number[]) => string | undefined;
}

/**
 * Throws a `CheckFailure` unless `got` is a tensor with `expected`'s shape and values:
 * "expected shape [4, 2], got [2, 4]", "returned NaN at element 2", "expected [..], got [..]".
 * @param got what the learner's function returned
 * @param expected reference values written as nested arrays; their nesting gives the shape
 */
export function expectTensor(got: unknown, expected: NestedNumbers, options: ExpectTensorOptions): void {
  const { call, rtol = 1e-4, atol = 1e-5 } = options;
  const want = flattenNested(expected);
  if (!isTensorLike(got)) {
    throw new CheckFailure(`${call} returned ${describeValue(got)}; expected a tf.Tensor of shape ${formatShape(want.shape)}`, "wrong");
  }
  if (got.isDisposed) {
    throw new CheckFailure(`${call} returned a tensor that was already disposed (return it from tf.tidy, do not dispose it)`, "wrong");
  }
  if (formatShape(got.shape) !== formatShape(want.shape)) {
    throw new CheckFailure(`${call}: expected shape ${formatShape(want.shape)}, got ${formatShape(got.shape)}`, "shape");
  }
  const values = Array.from(got.dataSync());
  const where = (k: number) => (want.shape.length > 1 ? `position ${formatShape(position(k, want.shape))}` : `element ${k}`);
  for (let k = 0; k < values.length; k++) {
    if (!Number.isFinite(values[k]) && Number.isFinite(want.flat[k])) {
      throw new CheckFailure(`${call} returned ${values[k]} at ${where(k)} (expected ${formatNumber(want.flat[k])})`, "nan");
    }
  }
  const bad = firstDifference(values, want.flat, { rtol, atol });
  if (bad >= 0) {
    const hint = options.hint ? options.hint(values) : undefined;
    throw new CheckFailure(
      `${call}: expected ${formatValues(want.flat, want.shape)}, got ${formatValues(values, want.shape)}` +
        ` (first difference at ${where(bad)})` +
        withHint(hint),
      "wrong",
    );
  }
}

/**
 * Throws a `CheckFailure` with `why` when `got` is a tensor holding ±Infinity or NaN, before
 * `expectTensor`'s generic message: "loss(…) returned Infinity. <why>", or "… returned -Infinity at
 * element 0. <why>" when it holds more than one value. Anything else is left to `expectTensor`.
 * @param got what the learner's function returned
 * @param why what usually causes it and the fix, e.g. "Hint: log σ(l) underflows: …"
 */
export function expectFinite(got: unknown, call: string, why: string): void {
  if (!isTensorLike(got) || got.isDisposed) return; // expectTensor says what is wrong
  const values = Array.from(got.dataSync());
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new CheckFailure(`${call} returned ${values[bad]}${values.length > 1 ? ` at element ${bad}` : ""}. ${why}`, "nan");
}

export interface ExpectNumbersOptions {
  /** How the call reads in messages. Required. */
  call: string;
  /** Relative tolerance per element (default 1e-6: these exercises compute in float64). */
  rtol?: number;
  /** Absolute tolerance per element (default 1e-9). */
  atol?: number;
  /** Names a typical mistake from what the learner returned (default: no hint). */
  hint?: (got: number[]) => string | undefined;
  /** Said after a NaN or ±Infinity, e.g. its usual cause (default: nothing). */
  whyNaN?: string;
}

/**
 * Throws a `CheckFailure` unless `got` is a plain array (or Float32Array / Float64Array) of finite
 * numbers close to `want`: "expected 4 values [..], got 5: [..]", "returned NaN at element 2", ….
 * @param got what the learner's function returned
 * @param want the reference values, shape [N]
 */
export function expectNumbers(got: unknown, want: readonly number[], options: ExpectNumbersOptions): void {
  const { call, rtol = 1e-6, atol = 1e-9 } = options;
  const fmt = (v: readonly number[]) => formatValues(v, [v.length]);
  const isArray = Array.isArray(got) || got instanceof Float64Array || got instanceof Float32Array;
  if (!isArray) throw new CheckFailure(`${call} returned ${describeValue(got)}; expected an array of ${want.length} numbers`);
  const values = Array.from(got as ArrayLike<unknown>);
  const notNumber = values.findIndex((v) => typeof v !== "number");
  if (notNumber >= 0) {
    throw new CheckFailure(`${call} returned an array whose element ${notNumber} is ${describeValue(values[notNumber])}, not a number`);
  }
  const nums = values as number[];
  if (nums.length !== want.length) {
    const hint = options.hint?.(nums);
    const message = `${call}: expected ${want.length} values ${fmt(want)}, got ${nums.length}: ${fmt(nums)}`;
    throw new CheckFailure(message + withHint(hint), "shape");
  }
  const nan = nums.findIndex((v) => !Number.isFinite(v));
  if (nan >= 0) {
    const why = options.whyNaN ? `; ${options.whyNaN}` : "";
    throw new CheckFailure(`${call} returned ${nums[nan]} at element ${nan} (expected ${formatNumber(want[nan])})${why}`, "nan");
  }
  const bad = firstDifference(nums, want, { rtol, atol });
  if (bad >= 0) {
    const hint = options.hint?.(nums);
    throw new CheckFailure(`${call}: expected ${fmt(want)}, got ${fmt(nums)} (first difference at element ${bad})` + withHint(hint));
  }
}

export interface ExpectNumberOptions {
  /** How the call reads in messages. Required. */
  call: string;
  /** Relative tolerance (default 1e-6). */
  rtol?: number;
  /** Absolute tolerance (default 1e-9). */
  atol?: number;
  /** Names a typical mistake from what the learner returned (default: no hint). */
  hint?: (got: number) => string | undefined;
  /** Said after a NaN or ±Infinity, e.g. its usual cause (default: nothing). */
  whyNaN?: string;
}

/** Throws a `CheckFailure` unless `got` is a finite number close to `want`: "expected 4.5, got 3.7. Hint: …". */
export function expectNumber(got: unknown, want: number, options: ExpectNumberOptions): void {
  const { call, rtol = 1e-6, atol = 1e-9 } = options;
  if (typeof got !== "number") throw new CheckFailure(`${call} returned ${describeValue(got)}; expected a number`);
  if (!Number.isFinite(got)) {
    const why = options.whyNaN ? `; ${options.whyNaN}` : "";
    throw new CheckFailure(`${call} returned ${got} (expected ${formatNumber(want)})${why}`, "nan");
  }
  if (!close(got, want, { rtol, atol })) {
    const hint = options.hint?.(got);
    throw new CheckFailure(`${call}: expected ${formatNumber(want)}, got ${formatNumber(got)}` + withHint(hint));
  }
}

export interface ExpectArrayOptions {
  /** Relative tolerance per element (default 1e-6). */
  rtol?: number;
  /** Absolute tolerance per element (default 1e-12). */
  atol?: number;
  /** Names a typical mistake from the values (default: no hint). */
  hint?: (got: number[]) => string | undefined;
}

/**
 * Throws a `CheckFailure` unless `got`, a part of what the learner returned (e.g. a schedule's
 * `betas`), is an array of `want.length` finite numbers close to `want`: "….betas has 4 numbers;
 * expected 5", "….betas[2] is NaN", "….betas: expected [..], got [..]".
 * @param got the part, any array-like of numbers
 * @param want the reference values, shape [T]
 * @param what how the part reads in messages, e.g. "linearSchedule(5, 0.1, 0.5).betas"
 */
export function expectArray(got: unknown, want: readonly number[], what: string, options: ExpectArrayOptions = {}): void {
  const { rtol = 1e-6, atol = 1e-12 } = options;
  if (got === undefined || got === null || typeof (got as ArrayLike<number>).length !== "number" || typeof got === "string") {
    throw new CheckFailure(`${what} is ${got === undefined ? "undefined" : typeof got}; expected an array of ${want.length} numbers`);
  }
  const values = Array.from(got as ArrayLike<number>);
  if (values.length !== want.length) {
    throw new CheckFailure(`${what} has ${values.length} numbers; expected ${want.length}`, "shape");
  }
  const nan = values.findIndex((v) => typeof v !== "number" || !Number.isFinite(v));
  if (nan >= 0) throw new CheckFailure(`${what}[${nan}] is ${values[nan]} (expected ${formatNumber(want[nan])})`, "nan");
  const bad = firstDifference(values, want, { rtol, atol });
  if (bad >= 0) {
    const hint = options.hint?.(values);
    const fmt = (v: readonly number[]) => formatValues(v, [v.length]);
    throw new CheckFailure(`${what}: expected ${fmt(want)}, got ${fmt(values)} (first difference at element ${bad})` + withHint(hint));
  }
}

// ---------------------------------------------------------------------------------------------
// Several sub-cases in one check

/**
 * Runs every sub-case of a check, then throws the most useful failure: the first one whose message
 * carries a hint ("Hint: …"), else the first failure. A sub-case without a hint (say, a batched
 * input that fails on a wrong axis) then no longer hides a later one that names the cause (the
 * one-query case whose values give the mistake away). Anything that is not a `CheckFailure` (the
 * learner's exception, the check's own bug) is rethrown at once.
 * @param cases the sub-cases, in the order a learner should read them; each throws a `CheckFailure`
 */
export async function runCases(cases: readonly (() => void | Promise<void>)[]): Promise<void> {
  const failures: CheckFailure[] = [];
  for (const c of cases) {
    try {
      await c();
    } catch (e) {
      // by name, as the worker tells them apart: a checks file may load its own copy of this module
      if (e instanceof Error && e.name === "CheckFailure") failures.push(e as CheckFailure);
      else throw e;
    }
  }
  if (failures.length === 0) return;
  throw failures.find((f) => /\bHint: /.test(f.message)) ?? failures[0];
}
