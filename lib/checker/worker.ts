/**
 * The worker: runs ONE exercise's check in its own process (started by lib/checker/run.ts through
 * lib/checker/child.ts) and reports the verdict over IPC. It loads the checks file and the
 * learner's module (then the overlay's functions on top), wraps the learner's function so that
 * its exceptions are told apart from the check's and the tensors it leaves allocated are counted,
 * and runs the check with the global random stream seeded at 0. What the learner's code prints is
 * captured and sent with the verdict, which is sealed with the runner's key (lib/checker/seal.ts):
 * a result message the exercise itself sends is not believed.
 */
import type { Tensor } from "@tensorflow/tfjs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { CheckFailure, type ExerciseCheck } from "./define";
import { countNewTensors, tensorIds } from "./leak";
import { relPath } from "./paths";
import { send, type WorkerRequest, type WorkerResult } from "./protocol";
import type { CheckStatus } from "./report";
import type { Seal } from "./seal";

/** The statuses a check's `CheckFailure` may carry (anything else is the check's bug, or forged). */
const FAILURE_KINDS: readonly string[] = ["wrong", "shape", "nan"];

/** At most this many characters of printed output are kept (the report trims further). */
const MAX_PRINTED = 20_000;

/**
 * Captures what is written to stdout and stderr from now on (console.log, console.error, …),
 * still passing it through; returns a function that reads what was captured.
 */
function capturePrinted(): () => string {
  let captured = "";
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...a: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (captured.length < MAX_PRINTED) captured += typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString();
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
  return () => captured.slice(0, MAX_PRINTED);
}

/** Why tensors were left allocated, and the fix, from what the worker saw of the calls. */
export function leakAdvice(leaked: number, calls: number, why: { fromCallbacks: number[]; async: boolean }): string {
  const over = calls > 1 ? ` (over ${calls} calls)` : "";
  const head = `your function left ${leaked} tensor${leaked === 1 ? "" : "s"} allocated${over}`;
  if (why.fromCallbacks.length > 0) {
    const which = why.fromCallbacks.map((k) => `argument ${k + 1}`).join(" and ");
    return (
      `${head}: the tensors returned by the function you were given (${which}) were never disposed. ` +
      "Call .dispose() on each once you have used it, or make the call inside tf.tidy"
    );
  }
  if (why.async)
    return `${head}: tf.tidy cannot wrap async code (it ends at the first await), so call .dispose() on each intermediate tensor`;
  return `${head}: wrap intermediate work in tf.tidy`;
}

/** The learner's exception, as opposed to one from the check's own code. */
class LearnerError {
  constructor(readonly error: unknown) {}
}

/** "could not load <file>: <esbuild message with line>", with paths made relative. */
function loadMessage(root: string, file: string, e: unknown): string {
  let msg = e instanceof Error ? e.message : String(e);
  // esbuild: "Transform failed with 1 error:\n/abs/file.ts:5:24: ERROR: Expected ..." → "line 5:24: Expected ..."
  msg = msg.replace(/^Transform failed with \d+ errors?:\n/, "");
  msg = msg
    .split(`${file}:`)
    .join("line ")
    .replace(/(line \d+:\d+): ERROR:/g, "$1:");
  msg = msg.split(root + path.sep).join("");
  return `could not load ${relPath(root, file)}: ${msg.trim()}`;
}

/** " (exercises/00-orientation.ts:12)" for the first stack frame in one of `files`, else "". */
function whereThrown(root: string, e: unknown, files: string[]): string {
  const stack = e instanceof Error && e.stack ? e.stack : "";
  for (const line of stack.split("\n")) {
    for (const f of files) {
      const m =
        new RegExp(`${escapeRegExp(f)}:(\\d+)`).exec(line) ?? new RegExp(`${escapeRegExp(pathToFileURL(f).href)}:(\\d+)`).exec(line);
      if (m) return ` (${relPath(root, f)}:${m[1]})`;
    }
  }
  return "";
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

async function importModule(file: string): Promise<Record<string, unknown>> {
  const ns = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const cjs = (ns.default ?? {}) as Record<string, unknown>;
  return { ...(typeof cjs === "object" ? cjs : {}), ...ns };
}

/** Runs the check `req` names and sends its verdict, sealed with `seal`; ends the process. */
export async function runWorker(req: WorkerRequest, seal: Seal): Promise<void> {
  let printed = () => "";
  const finish = async (status: CheckStatus, message: string) => {
    const result: WorkerResult = { type: "result", status, message, printed: printed() };
    await send(seal(result));
    process.exit(0);
  };
  Error.stackTraceLimit = 100; // tfjs frames come first; the learner's line is further down
  const tf = await import("@tensorflow/tfjs");
  const { selectBackend } = await import("../engine/backend");
  const { seed } = await import("../random");
  await selectBackend({ quiet: true });
  const checksModule = await importModule(req.checksFile);
  const check = (checksModule.checks as ExerciseCheck[]).find((c) => c.id === req.id);
  if (!check) return finish("error", `no check ${req.id} in ${relPath(req.root, req.checksFile)}`);
  await send({ type: "ready" }); // the time limit starts now
  printed = capturePrinted();

  // The learner's module, then the overlay's functions on top.
  let impls: Record<string, unknown>;
  try {
    impls = await importModule(req.file);
  } catch (e) {
    return finish("load", loadMessage(req.root, req.file, e));
  }
  if (req.overlay) {
    try {
      const over = await importModule(req.overlay);
      for (const [k, v] of Object.entries(over)) if (typeof v === "function") impls[k] = v;
    } catch (e) {
      return finish("load", loadMessage(req.root, req.overlay, e));
    }
  }
  const fn = impls[check.name];
  const file = relPath(req.root, req.file);
  if (typeof fn !== "function") return finish("missing", `${file} does not export a function named ${check.name}`);

  // Wrap the learner's function: count tensors it leaves behind, mark its exceptions.
  let leaked = 0;
  let calls = 0;
  const why = { fromCallbacks: new Set<number>(), async: false };
  const wrapped = (...given: unknown[]): unknown => {
    calls++;
    // The functions it is given (a network, ε_θ, …) are watched: a tensor one of them returned
    // and the learner never disposed is the usual leak where tf.tidy is not the whole answer.
    const handedOut: { arg: number; tensor: Tensor }[] = [];
    const args = given.map((a, k) => {
      if (typeof a !== "function") return a;
      const f = a as (...x: unknown[]) => unknown;
      return (...x: unknown[]) => {
        const r = f(...x);
        if (r instanceof tf.Tensor) handedOut.push({ arg: k, tensor: r });
        return r;
      };
    });
    const account = (added: number, value: unknown) => {
      const inputs = tensorIds(args);
      const returnedIds = tensorIds(value);
      const returned = [...returnedIds].filter((id) => !inputs.has(id)).length;
      const left = Math.max(0, added - returned);
      leaked += left;
      if (left > 0) {
        for (const h of handedOut) if (!h.tensor.isDisposed && !returnedIds.has(h.tensor.id)) why.fromCallbacks.add(h.arg);
        if (value !== out0) why.async = true;
      }
    };
    let out0: unknown;
    // Inside a check's tf.grad the engine keeps the call's intermediate tensors for the backward
    // pass until the gradient is computed: not leaks, so such calls are not counted (the checks
    // also call the function without a tape, where they are).
    const taped = tf.engine().isTapeOn();
    let out: unknown;
    try {
      const call = () => (out0 = (fn as (...a: unknown[]) => unknown)(...args));
      out = taped ? call() : countNewTensors(call, account);
    } catch (e) {
      throw new LearnerError(e);
    }
    const disposed = args.findIndex((a) => a instanceof tf.Tensor && a.isDisposed);
    if (disposed >= 0) {
      throw new CheckFailure(`${check.name} disposed its argument ${disposed + 1}: never dispose the tensors you are given`);
    }
    if (out instanceof Promise) {
      return out.catch((e: unknown) => {
        throw new LearnerError(e);
      });
    }
    return out;
  };

  seed(0);
  try {
    await check.run(wrapped);
  } catch (e) {
    if (e instanceof LearnerError) {
      const inner = e.error;
      const msg = inner instanceof Error ? inner.message : String(inner);
      if (/^TODO\b/.test(msg)) return finish("todo", `still the TODO stub (${msg})`);
      return finish("threw", `threw: ${msg}${whereThrown(req.root, inner, [req.file, ...(req.overlay ? [req.overlay] : [])])}`);
    }
    if (e instanceof Error && e.name === "CheckFailure") {
      const kind = (e as Error & { kind: unknown }).kind;
      if (typeof kind === "string" && FAILURE_KINDS.includes(kind)) return finish(kind as CheckStatus, e.message);
      return finish("error", `a CheckFailure with the status "${String(kind)}" (not a failure): ${e.message}`);
    }
    return finish("error", `the check itself failed (please report this): ${e instanceof Error ? e.message : String(e)}`);
  }
  if (leaked > 0) return finish("leak", leakAdvice(leaked, calls, { fromCallbacks: [...why.fromCallbacks].sort(), async: why.async }));
  return finish("pass", "");
}
