/**
 * `npm run check -- <stage> [options]`: checks a stage's exercises and prints a table.
 *
 *   npm run check -- 00                       exercises/00-*.ts
 *   npm run check -- 00 --dir solutions       another folder's 00-*.ts
 *   npm run check -- 00 --overlay wrong.ts    ... with the functions wrong.ts exports swapped in
 *   --json             machine-readable report (lib/check.ts `CheckReport`) on stdout
 *   --timeout <s>      time limit per exercise (default: env GENAI_CHECK_TIMEOUT, else 60)
 *   --only <id,...>    check only these exercises, e.g. --only 00.2
 *   --jobs <n>         child processes at once (default: CPU cores, at most 4)
 *   --no-typecheck     skip the TypeScript type check
 * Exit code: 0 when everything passes, 1 when something fails, 2 on a usage error.
 *
 * The same file is also the child process of the checker (lib/check.ts `runChecks`):
 *   --worker <json>     runs ONE exercise's check (WorkerRequest) and reports over IPC;
 *   --typecheck <json>  type-checks the learner's file(s) (TypecheckRequest).
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import {
  CheckFailure,
  formatReportText,
  relPath,
  runChecks,
  type CheckStatus,
  type ExerciseCheck,
  type RunChecksOptions,
  type TypecheckRequest,
  type WorkerMessage,
  type WorkerRequest,
} from "../lib/check";

const USAGE =
  "usage: npm run check -- <stage> [--dir <folder>] [--overlay <file.ts>] [--json] [--timeout <seconds>] " +
  "[--only <id,...>] [--jobs <n>] [--no-typecheck]";

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) throw new Error("scripts/check.ts --worker must be started by the checker (no IPC channel)");
    process.send(message, () => resolve());
  });
}

// ---------------------------------------------------------------------------------------------
// Worker: one exercise

/** The learner's exception, as opposed to one from the check's own code. */
class LearnerError {
  constructor(readonly error: unknown) {}
}

/** "could not load <file>: <esbuild message with line>", with paths made relative. */
function loadMessage(root: string, file: string, e: unknown): string {
  let msg = e instanceof Error ? e.message : String(e);
  // esbuild: "Transform failed with 1 error:\n/abs/file.ts:5:24: ERROR: Expected ..." → "line 5:24: Expected ..."
  msg = msg.replace(/^Transform failed with \d+ errors?:\n/, "");
  msg = msg.split(`${file}:`).join("line ").replace(/(line \d+:\d+): ERROR:/g, "$1:");
  msg = msg.split(root + path.sep).join("");
  return `could not load ${relPath(root, file)}: ${msg.trim()}`;
}

/** " (exercises/00-orientation.ts:12)" for the first stack frame in one of `files`, else "". */
function whereThrown(root: string, e: unknown, files: string[]): string {
  const stack = e instanceof Error && e.stack ? e.stack : "";
  for (const line of stack.split("\n")) {
    for (const f of files) {
      const m = new RegExp(`${escapeRegExp(f)}:(\\d+)`).exec(line) ?? new RegExp(`${escapeRegExp(pathToFileURL(f).href)}:(\\d+)`).exec(line);
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

async function runWorker(req: WorkerRequest): Promise<void> {
  const finish = async (status: CheckStatus, message: string) => {
    await send({ type: "result", status, message });
    process.exit(0);
  };
  Error.stackTraceLimit = 100; // tfjs frames come first; the learner's line is further down
  const tf = await import("@tensorflow/tfjs");
  const { selectBackend } = await import("../lib/engine/backend");
  const { seed } = await import("../lib/random");
  await selectBackend({ quiet: true });
  const checksModule = await importModule(req.checksFile);
  const check = (checksModule.checks as ExerciseCheck[]).find((c) => c.id === req.id);
  if (!check) return finish("error", `no check ${req.id} in ${relPath(req.root, req.checksFile)}`);
  await send({ type: "ready" }); // the time limit starts now

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
  const tensorIds = (x: unknown, into: Set<number>, depth = 0): Set<number> => {
    if (x instanceof tf.Tensor) into.add(x.id);
    else if (depth < 3 && Array.isArray(x)) x.forEach((v) => tensorIds(v, into, depth + 1));
    else if (depth < 3 && x && typeof x === "object" && !(x instanceof Promise)) Object.values(x).forEach((v) => tensorIds(v, into, depth + 1));
    return into;
  };
  const account = (before: number, args: unknown[], out: unknown) => {
    const inputs = tensorIds(args, new Set());
    const returned = [...tensorIds(out, new Set())].filter((id) => !inputs.has(id)).length;
    leaked += Math.max(0, tf.memory().numTensors - before - returned);
  };
  const wrapped = (...args: unknown[]): unknown => {
    calls++;
    const before = tf.memory().numTensors;
    let out: unknown;
    try {
      out = (fn as (...a: unknown[]) => unknown)(...args);
    } catch (e) {
      throw new LearnerError(e);
    }
    const disposed = args.findIndex((a) => a instanceof tf.Tensor && a.isDisposed);
    if (disposed >= 0) {
      throw new CheckFailure(`${check.name} disposed its argument ${disposed + 1}: never dispose the tensors you are given`);
    }
    if (out instanceof Promise) {
      return out.then(
        (v: unknown) => (account(before, args, v), v),
        (e: unknown) => {
          throw new LearnerError(e);
        },
      );
    }
    account(before, args, out);
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
      return finish((e as Error & { kind: CheckStatus }).kind, e.message);
    }
    return finish("error", `the check itself failed (please report this): ${e instanceof Error ? e.message : String(e)}`);
  }
  if (leaked > 0) {
    const over = calls > 1 ? ` (over ${calls} calls)` : "";
    return finish("leak", `your function left ${leaked} tensor${leaked === 1 ? "" : "s"} allocated${over}: wrap intermediate work in tf.tidy`);
  }
  return finish("pass", "");
}

// ---------------------------------------------------------------------------------------------
// Type check: once per run, on the learner's file (and the overlay)

async function runTypecheck(req: TypecheckRequest): Promise<void> {
  await send({ type: "ready" });
  const ts = (await import("typescript")).default;
  const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined };
  const config = ts.getParsedCommandLineOfConfigFile(path.join(req.root, "tsconfig.json"), {}, host);
  const options = config ? config.options : { strict: true, noEmit: true, skipLibCheck: true };
  const program = ts.createProgram({ rootNames: req.files, options });
  const lines: string[] = [];
  for (const file of req.files) {
    const sf = program.getSourceFile(file);
    if (!sf) continue;
    const diags = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
    for (const d of diags) {
      const { line, character } = sf.getLineAndCharacterOfPosition(d.start ?? 0);
      const text = ts.flattenDiagnosticMessageText(d.messageText, "\n  ");
      lines.push(`${relPath(req.root, file)}:${line + 1}:${character + 1} ${text}`);
    }
  }
  await send({ type: "types", diagnostics: lines.slice(0, 5), total: lines.length });
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// CLI

function parseArgs(argv: string[]): { options: RunChecksOptions; json: boolean } {
  const options: RunChecksOptions = { stage: "" };
  let json = false;
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") json = true;
    else if (a === "--no-typecheck") options.typecheck = false;
    else if (a === "--dir") options.dir = value(i++, a);
    else if (a === "--overlay") options.overlay = value(i++, a);
    else if (a === "--only") options.only = value(i++, a).split(",");
    else if (a === "--timeout" || a === "--jobs") {
      const n = Number(value(i++, a));
      if (!(n > 0)) throw new Error(`${a} must be a number > 0, got "${argv[i]}"`);
      if (a === "--timeout") options.timeoutSeconds = n;
      else options.jobs = n;
    } else if (a.startsWith("--")) throw new Error(`unknown option ${a}`);
    else if (options.stage === "") options.stage = a;
    else throw new Error(`unexpected argument "${a}" (the stage is "${options.stage}")`);
  }
  if (options.stage === "") throw new Error("which stage? e.g. npm run check -- 00");
  return { options, json };
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === "--worker") return runWorker(JSON.parse(argv[1]) as WorkerRequest);
  if (argv[0] === "--typecheck") return runTypecheck(JSON.parse(argv[1]) as TypecheckRequest);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    console.error(`check: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  try {
    const report = await runChecks(parsed.options);
    if (parsed.json) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
    else console.log(formatReportText(report));
    process.exitCode = report.passed ? 0 : 1;
  } catch (e) {
    console.error(`check: ${(e as Error).message}`);
    process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e);
  process.exit(2);
});
