/**
 * The exercise checker: runs each stage's checks against a learner's exercise file and says,
 * in the learner's terms, what passed and what was wrong.
 *
 *   checks/NN-topic.ts       `export const checks = [defineCheck({ id: "NN.k", name, title, run })]`;
 *                            `run(impl)` calls the learner's function on fixed inputs and compares
 *                            with reference numbers written in the check (never the solution's).
 *   exercises/NN-topic.ts    what is checked (or `dir`'s NN-*.ts, e.g. solutions/).
 *
 * Every exercise runs in its own child process (`node --import tsx scripts/check.ts --worker`)
 * with a time limit, so an infinite loop, a crash or a hang is reported and the next exercise
 * still runs. One more child type-checks the file with the TypeScript compiler. The worker
 * side lives in scripts/check.ts; this file holds what checks, the CLI, tests and notebooks
 * share: `defineCheck`, `expectTensor`, `runChecks`, the report formats and `checkExercises`.
 *
 * Shapes in messages are written like `[B, K]`; the checker never writes to learner files.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { escapeHTML, showHTML } from "./display";

// ---------------------------------------------------------------------------------------------
// Check definitions (used by checks/NN-topic.ts)

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

/** |got − want| ≤ atol + rtol·|want| (false for NaN). */
function close(got: number, want: number, rtol: number, atol: number): boolean {
  return Math.abs(got - want) <= atol + rtol * Math.abs(want);
}

/** True when every element of `a` is close to `b`'s (same length required). */
export function allClose(a: ArrayLike<number>, b: ArrayLike<number>, rtol = 1e-4, atol = 1e-5): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!close(a[i], b[i], rtol, atol)) return false;
  return true;
}

/** Duck-typed view of a tf.Tensor (checks never need tfjs's class identity). */
interface TensorLike {
  shape: number[];
  dataSync(): ArrayLike<number>;
  isDisposed?: boolean;
}

function isTensorLike(x: unknown): x is TensorLike {
  return (
    typeof x === "object" &&
    x !== null &&
    Array.isArray((x as TensorLike).shape) &&
    typeof (x as TensorLike).dataSync === "function"
  );
}

function describeValue(x: unknown): string {
  if (x === undefined) return "undefined (did you forget `return`?)";
  if (x === null) return "null";
  if (Array.isArray(x)) return "a plain array";
  if (x instanceof Promise) return "a Promise (the function should not be async)";
  return typeof x === "object" ? "an object that is not a tf.Tensor" : `a ${typeof x}`;
}

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
  const bad = values.findIndex((v, k) => !close(v, want.flat[k], rtol, atol));
  if (bad >= 0) {
    const hint = options.hint ? options.hint(values) : undefined;
    throw new CheckFailure(
      `${call}: expected ${formatValues(want.flat, want.shape)}, got ${formatValues(values, want.shape)}` +
        ` (first difference at ${where(bad)})` +
        (hint ? `. Hint: ${hint}` : ""),
      "wrong",
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Results

/** What happened to one row. */
export type CheckStatus =
  | "pass"
  | FailureKind // the check's comparison failed: wrong values, wrong shape, NaN/Infinity
  | "todo" // still the TODO stub
  | "threw" // the learner's function threw
  | "leak" // right result, but tensors were left allocated
  | "timeout" // longer than the time limit
  | "crash" // the process ended before the check finished
  | "missing" // the file does not export the function
  | "load" // the file could not be loaded (syntax error, error at import)
  | "types" // TypeScript type errors (the "types" row)
  | "error"; // the checker itself failed

export interface CheckRow {
  /** "NN.k", or "types" for the type-check row. */
  id: string;
  /** The exercise function's name ("" on the types row). */
  name: string;
  title: string;
  passed: boolean;
  status: CheckStatus;
  /** What was wrong, in the learner's terms ("" when it passed). May span lines. */
  message: string;
  /** Wall-clock seconds of the row's child process. */
  seconds: number;
}

export interface CheckReport {
  /** Two-digit stage, e.g. "00". */
  stage: string;
  /** The checked file, relative to the course root (e.g. "exercises/00-orientation.ts"). */
  file: string;
  /** The overlay file, relative to the root, when one was given. */
  overlay?: string;
  /** True when every row passed. */
  passed: boolean;
  /** One row per exercise, in the checks file's order, then the "types" row (when type-checked). */
  rows: CheckRow[];
}

// ---------------------------------------------------------------------------------------------
// Between the runner and its child processes (scripts/check.ts --worker / --typecheck)

/** What a worker is asked to do (passed as one JSON argument). */
export interface WorkerRequest {
  /** Absolute path of checks/NN-topic.ts. */
  checksFile: string;
  /** The check's id. */
  id: string;
  /** Absolute path of the module to check. */
  file: string;
  /** Absolute path of the overlay, if any. */
  overlay?: string;
  /** The course root (messages show paths relative to it). */
  root: string;
}

export interface TypecheckRequest {
  /** Absolute paths of the files whose diagnostics are reported. */
  files: string[];
  root: string;
}

/** Messages a child sends back over IPC. */
export type WorkerMessage =
  | { type: "ready" }
  | { type: "result"; status: CheckStatus; message: string }
  | { type: "types"; diagnostics: string[]; total: number };

// ---------------------------------------------------------------------------------------------
// The runner

export interface RunChecksOptions {
  /** The stage: "00", "0" or "00-orientation". Required. */
  stage: string;
  /** Folder whose NN-*.ts is checked, relative to the root (default "exercises"). */
  dir?: string;
  /** A .ts file whose exported functions replace the module's (default: none). */
  overlay?: string;
  /** Time limit per exercise, in seconds (default: env GENAI_CHECK_TIMEOUT, else 60). */
  timeoutSeconds?: number;
  /** Type-check the file(s) with the TypeScript compiler (default true). */
  typecheck?: boolean;
  /** Child processes run at once (default: the number of CPU cores, at most 4). */
  jobs?: number;
  /** Check only these ids, e.g. ["00.2"] (default: all). */
  only?: string[];
  /** The course root (default: process.cwd(); every course process runs there). */
  root?: string;
}

/** Seconds a child may take to start (load tfjs, choose the backend) before it counts as broken. */
const STARTUP_SECONDS = 120;

/** Resolves the stage's checks file and module; throws a usage error naming what is missing. */
export function stageFiles(stage: string, dir: string, root: string): { stage: string; checksFile: string; file: string } {
  const m = /^(\d{1,2})(-[\w-]+)?$/.exec(stage.trim());
  if (!m) throw new Error(`stage must be a stage number like "00" or "3", got "${stage}"`);
  const nn = m[1].padStart(2, "0");
  const pick = (folder: string, what: string): string => {
    const abs = path.resolve(root, folder);
    const names = fs.existsSync(abs) ? fs.readdirSync(abs).filter((f) => f.startsWith(`${nn}-`) && f.endsWith(".ts")) : [];
    if (names.length !== 1) {
      const found = names.length === 0 ? "none found" : `found ${names.join(", ")}`;
      throw new Error(`${what}: expected exactly one file ${relPath(root, path.join(abs, `${nn}-*.ts`))}, ${found}`);
    }
    return path.join(abs, names[0]);
  };
  const checksDir = path.join(root, "checks");
  const available = fs.existsSync(checksDir)
    ? fs.readdirSync(checksDir).filter((f) => /^\d\d-.*\.ts$/.test(f)).map((f) => f.slice(0, 2))
    : [];
  if (!available.includes(nn)) {
    throw new Error(`no checks for stage ${nn} (checks/${nn}-*.ts); stages with checks: ${available.join(", ") || "none"}`);
  }
  return { stage: nn, checksFile: pick("checks", `stage ${nn}`), file: pick(dir, `stage ${nn} in ${dir}/`) };
}

/** `p` relative to `root`, with forward slashes. */
export function relPath(root: string, p: string): string {
  const r = path.relative(root, p);
  return (r.startsWith("..") || path.isAbsolute(r) ? p : r).split(path.sep).join("/");
}

/** Node arguments that run a .ts file through tsx (resolved from the course root). */
function tsxArgs(root: string): string[] {
  const loader = createRequire(path.join(root, "package.json")).resolve("tsx");
  return ["--import", pathToFileURL(loader).href];
}

interface ChildOutcome {
  message: WorkerMessage | null;
  timedOut: "startup" | "run" | null;
  exitCode: number | null;
  signal: string | null;
  stderr: string;
  seconds: number;
}

/**
 * Runs scripts/check.ts in a child with `args`. The run time limit starts when the child says
 * "ready"; a child that sends its result is given a moment to exit and is then killed.
 */
function runChild(root: string, args: string[], runSeconds: number): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const script = path.join(root, "scripts", "check.ts");
    const child = spawn(process.execPath, [...tsxArgs(root), script, ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      env: process.env,
    });
    let message: WorkerMessage | null = null;
    let timedOut: ChildOutcome["timedOut"] = null;
    let stderr = "";
    const kill = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    };
    let timer = setTimeout(() => {
      timedOut = "startup";
      kill();
    }, STARTUP_SECONDS * 1000);
    child.stdout?.on("data", () => undefined); // the learner's console.log output is not shown
    child.stderr?.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.on("message", (m: WorkerMessage) => {
      if (m.type === "ready") {
        clearTimeout(timer);
        timer = setTimeout(() => {
          timedOut = "run";
          kill();
        }, runSeconds * 1000);
      } else {
        message = m;
        clearTimeout(timer);
        timer = setTimeout(kill, 2000);
      }
    });
    const done = (exitCode: number | null, signal: string | null) => {
      clearTimeout(timer);
      resolve({ message, timedOut, exitCode, signal, stderr, seconds: (Date.now() - t0) / 1000 });
    };
    child.on("error", (e) => {
      stderr += `\n${e.message}`;
      done(null, null);
    });
    child.on("exit", (code, signal) => done(code, signal));
  });
}

/** The last meaningful line a crashed process wrote to stderr (its error), or "". */
function lastError(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("at ") && !/^Node\.js v/.test(l) && !/^\^+$/.test(l));
  const err = lines.filter((l) => /Error|error:/.test(l)).pop();
  return err ?? lines.pop() ?? "";
}

/** Runs `tasks` with at most `jobs` at a time, keeping the order of results. */
async function pool<T>(tasks: (() => Promise<T>)[], jobs: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, tasks.length)) }, lane));
  return results;
}

function defaultTimeout(): number {
  const env = process.env.GENAI_CHECK_TIMEOUT;
  if (env === undefined || env === "") return 60;
  const v = Number(env);
  if (!(v > 0)) throw new Error(`GENAI_CHECK_TIMEOUT must be a number of seconds > 0, got "${env}"`);
  return v;
}

/**
 * Checks one stage's module: every exercise in its own child process, plus one type-check.
 * Runs in Node processes that load .ts (the CLI under tsx, vitest); notebooks use `checkExercises`.
 * Throws (a usage error) only when the stage, folder, overlay or options are wrong.
 */
export async function runChecks(options: RunChecksOptions): Promise<CheckReport> {
  const root = path.resolve(options.root ?? process.cwd());
  const dir = options.dir ?? "exercises";
  const timeoutSeconds = options.timeoutSeconds ?? defaultTimeout();
  if (!(timeoutSeconds > 0)) throw new Error(`timeoutSeconds must be > 0, got ${timeoutSeconds}`);
  const jobs = options.jobs ?? Math.min(4, Math.max(1, os.cpus().length));
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`jobs must be an integer ≥ 1, got ${jobs}`);
  const { stage, checksFile, file } = stageFiles(options.stage, dir, root);
  let overlay: string | undefined;
  if (options.overlay !== undefined) {
    overlay = path.resolve(root, options.overlay);
    if (!fs.existsSync(overlay)) throw new Error(`overlay file ${options.overlay} does not exist`);
  }

  const mod = (await import(pathToFileURL(checksFile).href)) as { checks?: ExerciseCheck[]; default?: { checks?: ExerciseCheck[] } };
  const all = mod.checks ?? mod.default?.checks;
  if (!Array.isArray(all)) throw new Error(`${relPath(root, checksFile)} must export \`checks\`, an array of defineCheck(...)`);
  const unknown = (options.only ?? []).filter((id) => !all.some((c) => c.id === id));
  if (unknown.length > 0) throw new Error(`no check with id ${unknown.join(", ")} in ${relPath(root, checksFile)} (ids: ${all.map((c) => c.id).join(", ")})`);
  const checks = options.only ? all.filter((c) => options.only!.includes(c.id)) : all;

  const exerciseTask = (c: ExerciseCheck) => async (): Promise<CheckRow> => {
    const request: WorkerRequest = { checksFile, id: c.id, file, overlay, root };
    const out = await runChild(root, ["--worker", JSON.stringify(request)], timeoutSeconds);
    const row = (status: CheckStatus, message: string): CheckRow => ({
      id: c.id,
      name: c.name,
      title: c.title,
      passed: status === "pass",
      status,
      message,
      seconds: Math.round(out.seconds * 10) / 10,
    });
    if (out.message?.type === "result") return row(out.message.status, out.message.message);
    if (out.timedOut === "run") return row("timeout", `took longer than ${timeoutSeconds} s (infinite loop?)`);
    if (out.timedOut === "startup") return row("error", `the checker did not start within ${STARTUP_SECONDS} s: ${lastError(out.stderr)}`);
    const how = out.signal ? `was killed (${out.signal})` : `exited with code ${out.exitCode}`;
    const err = lastError(out.stderr);
    return row("crash", `the process ${how} before the check finished (does your code call process.exit, or run out of memory?)${err ? `: ${err}` : ""}`);
  };

  const typesTask = async (): Promise<CheckRow> => {
    const request: TypecheckRequest = { files: overlay ? [file, overlay] : [file], root };
    const out = await runChild(root, ["--typecheck", JSON.stringify(request)], STARTUP_SECONDS);
    const row = (passed: boolean, message: string): CheckRow => ({
      id: "types",
      name: "",
      title: "TypeScript types",
      passed,
      status: passed ? "pass" : "types",
      message,
      seconds: Math.round(out.seconds * 10) / 10,
    });
    if (out.message?.type !== "types") return row(true, `(could not type-check: ${lastError(out.stderr) || "no answer"})`);
    const { diagnostics, total } = out.message;
    if (total === 0) return row(true, "");
    const more = total > diagnostics.length ? `\n… and ${total - diagnostics.length} more` : "";
    return row(false, `${total} type error${total === 1 ? "" : "s"}:\n${diagnostics.join("\n")}${more}`);
  };

  const tasks = checks.map(exerciseTask);
  if (options.typecheck !== false) tasks.unshift(typesTask); // start the slow one first
  const rows = await pool(tasks, jobs);
  if (options.typecheck !== false) rows.push(rows.shift()!);
  return {
    stage,
    file: relPath(root, file),
    ...(overlay ? { overlay: relPath(root, overlay) } : {}),
    passed: rows.every((r) => r.passed),
    rows,
  };
}

// ---------------------------------------------------------------------------------------------
// Showing the report

const MARK = { pass: "✓", fail: "✗" };

/** Shows a message only once when several rows share it (e.g. one syntax error fails them all). */
function dedupMessages(rows: readonly CheckRow[]): string[] {
  const firstBy = new Map<string, string>();
  return rows.map((r) => {
    if (!r.message) return "";
    const first = firstBy.get(r.message);
    if (first !== undefined) return `(same as ${first})`;
    firstBy.set(r.message, r.id);
    return r.message;
  });
}

function summary(report: CheckReport): string {
  const ex = report.rows.filter((r) => r.id !== "types");
  const passed = ex.filter((r) => r.passed).length;
  const types = report.rows.find((r) => r.id === "types");
  const typeNote = types && !types.passed ? "; fix the type errors too" : "";
  const exercises = `exercise${ex.length === 1 ? "" : "s"}`;
  if (report.passed) return `Passed all ${ex.length} ${exercises}.`;
  return `Passed ${passed} of ${ex.length} ${exercises}${typeNote}.`;
}

/** The report as a plain-text table (terminal and notebook fallback). */
export function formatReportText(report: CheckReport): string {
  const messages = dedupMessages(report.rows);
  const cells = report.rows.map((r) => [r.id, r.name, r.title, r.passed ? MARK.pass : MARK.fail]);
  const widths = [0, 1, 2].map((c) => Math.max(...cells.map((row) => row[c].length)));
  const indent = " ".repeat(2 + widths.reduce((a, b) => a + b + 2, 0) + 3);
  const lines = [`Stage ${report.stage}: ${report.file}${report.overlay ? ` with ${report.overlay}` : ""}`];
  report.rows.forEach((r, i) => {
    const left = "  " + cells[i].slice(0, 3).map((s, c) => s.padEnd(widths[c])).join("  ") + "  " + cells[i][3];
    const msg = messages[i].split("\n");
    lines.push(`${left}  ${msg[0]}`.trimEnd());
    for (const more of msg.slice(1)) lines.push(indent + more);
  });
  lines.push(summary(report));
  return lines.join("\n");
}

/** The report as an HTML table; every learner-provided text is escaped. */
export function formatReportHTML(report: CheckReport): string {
  const messages = dedupMessages(report.rows);
  const td = 'style="padding:2px 10px;text-align:left;vertical-align:top"';
  const rows = report.rows
    .map((r, i) => {
      const mark = r.passed
        ? `<span style="color:#1a7f37;font-weight:bold">${MARK.pass}</span>`
        : `<span style="color:#cf222e;font-weight:bold">${MARK.fail}</span>`;
      return (
        `<tr><td ${td}>${escapeHTML(r.id)}</td><td ${td}><code>${escapeHTML(r.name)}</code></td>` +
        `<td ${td}>${escapeHTML(r.title)}</td><td ${td}>${mark}</td>` +
        `<td ${td}><span style="white-space:pre-wrap;font-family:monospace">${escapeHTML(messages[i])}</span></td></tr>`
      );
    })
    .join("");
  const head = ["exercise", "function", "what it does", "", "what was wrong"].map((h) => `<th ${td}>${h}</th>`).join("");
  const file = escapeHTML(report.file) + (report.overlay ? ` with ${escapeHTML(report.overlay)}` : "");
  return (
    `<div><div><b>Stage ${escapeHTML(report.stage)}</b>: <code>${file}</code></div>` +
    `<table style="border-collapse:collapse"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>` +
    `<div>${escapeHTML(summary(report))}</div></div>`
  );
}

// ---------------------------------------------------------------------------------------------
// From a notebook

export interface CheckExercisesOptions {
  /** Folder whose NN-*.ts is checked (default "exercises"). */
  dir?: string;
  /** Overlay file (default: none); see RunChecksOptions. */
  overlay?: string;
  /** Time limit per exercise in seconds (default: env GENAI_CHECK_TIMEOUT, else 60). */
  timeoutSeconds?: number;
  /** Type-check the file with the TypeScript compiler (default true). */
  typecheck?: boolean;
  /** Show the table (HTML in a notebook, text elsewhere) (default true). */
  show?: boolean;
  /** The course root (default: process.cwd()). */
  root?: string;
}

/**
 * Checks a stage's exercises from a notebook: `await checkExercises("00")`. Runs the CLI
 * (`scripts/check.ts --json`) as a child process without blocking the kernel, shows the table
 * and returns the report. Throws only when the checker cannot run (e.g. unknown stage).
 */
export async function checkExercises(stage: string, options: CheckExercisesOptions = {}): Promise<CheckReport> {
  const root = path.resolve(options.root ?? process.cwd());
  const args = [stage, "--json"];
  if (options.dir !== undefined) args.push("--dir", options.dir);
  if (options.overlay !== undefined) args.push("--overlay", options.overlay);
  if (options.timeoutSeconds !== undefined) args.push("--timeout", String(options.timeoutSeconds));
  if (options.typecheck === false) args.push("--no-typecheck");
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [...tsxArgs(root), path.join(root, "scripts", "check.ts"), ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", (e) => resolve({ code: null, stdout: out, stderr: err + e.message }));
    child.on("close", (c) => resolve({ code: c, stdout: out, stderr: err }));
  });
  if (code !== 0 && code !== 1) {
    throw new Error(`checkExercises("${stage}") could not run the checker: ${stderr.trim() || `exit code ${code}`}`);
  }
  const report = JSON.parse(stdout) as CheckReport;
  if (options.show !== false) showHTML(formatReportHTML(report), formatReportText(report));
  return report;
}

/**
 * Calls a learner's function from a notebook cell and returns its result. While the exercise is
 * still the stub (it throws "TODO NN.k: …") this shows a short "not written yet" note and returns
 * undefined, so the notebook runs top to bottom before the exercises are done. Any other error
 * is the learner's to see: it is thrown as is.
 * @param label what is being tried, e.g. "00.1 standardize"
 */
export function attempt<T>(label: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (/^TODO \d\d\.\d+/.test(message)) {
      showHTML(
        `<div style="padding:4px 8px;border-left:4px solid #e0a000;background:#fff8e0">` +
          `<b>${escapeHTML(label)}</b>: not written yet — ${escapeHTML(message)}</div>`,
        `${label}: not written yet — ${message}`,
      );
      return undefined;
    }
    throw e;
  }
}
