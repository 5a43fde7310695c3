/**
 * The runner: checks one stage's module with every exercise in its own child process
 * (`node --import tsx lib/checker/child.ts --worker <json>`, lib/checker/worker.ts) under a time
 * limit, so an infinite loop, a crash or a hang is reported and the next exercise still runs;
 * one more child type-checks the file (lib/checker/typecheck.ts). At most `jobs` children run at
 * once. The checker never writes to learner files.
 *
 *   checks/NN-topic.ts       what is checked (lib/checker/define.ts)
 *   exercises/NN-topic.ts    the module checked (or `dir`'s NN-*.ts, e.g. solutions/)
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ExerciseCheck } from "./define";
import { relPath, tsxArgs } from "./paths";
import type { TypecheckRequest, WorkerMessage, WorkerRequest, WorkerResult } from "./protocol";
import type { CheckReport, CheckRow, CheckStatus } from "./report";
import { newKey, unseal, type KeyMessage } from "./seal";

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
    ? fs
        .readdirSync(checksDir)
        .filter((f) => /^\d\d-.*\.ts$/.test(f))
        .map((f) => f.slice(0, 2))
    : [];
  if (!available.includes(nn)) {
    throw new Error(`no checks for stage ${nn} (checks/${nn}-*.ts); stages with checks: ${available.join(", ") || "none"}`);
  }
  return { stage: nn, checksFile: pick("checks", `stage ${nn}`), file: pick(dir, `stage ${nn} in ${dir}/`) };
}

interface ChildOutcome {
  /** The worker's verdict (sealed with the key) or the type-checker's answer. */
  message: WorkerResult | Extract<WorkerMessage, { type: "types" }> | null;
  /** Result messages that did not carry the key's seal: sent by the learner's code, ignored. */
  forged: number;
  timedOut: "startup" | "run" | null;
  exitCode: number | null;
  signal: string | null;
  stderr: string;
  seconds: number;
}

/**
 * Runs lib/checker/child.ts in a child with `args`. The run time limit starts when the child says
 * "ready"; a child that sends its result is given a moment to exit and is then killed. With a
 * `key` (a worker), the key is the child's first message and only a result sealed with it counts
 * (lib/checker/seal.ts); every other result-like message is counted as forged and ignored.
 */
function runChild(root: string, args: string[], runSeconds: number, key?: string): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const script = path.join(root, "lib", "checker", "child.ts");
    const child = spawn(process.execPath, [...tsxArgs(root), script, ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      env: process.env,
    });
    let message: ChildOutcome["message"] = null;
    let forged = 0;
    let ready = false;
    let timedOut: ChildOutcome["timedOut"] = null;
    let stderr = "";
    const kill = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    };
    let timer = setTimeout(() => {
      timedOut = "startup";
      kill();
    }, STARTUP_SECONDS * 1000);
    child.stdout?.on("data", () => undefined); // the worker captures the learner's output itself
    if (key !== undefined) child.send({ type: "key", key } satisfies KeyMessage);
    child.stderr?.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const answered = (m: NonNullable<ChildOutcome["message"]>) => {
      if (message !== null) return;
      message = m;
      clearTimeout(timer);
      timer = setTimeout(kill, 2000);
    };
    child.on("message", (m: WorkerMessage | { type?: unknown }) => {
      if (m?.type === "ready") {
        if (ready) return; // only the worker's own first "ready" starts the clock
        ready = true;
        clearTimeout(timer);
        timer = setTimeout(() => {
          timedOut = "run";
          kill();
        }, runSeconds * 1000);
        return;
      }
      if (key === undefined) {
        if (m?.type === "types") answered(m as Extract<WorkerMessage, { type: "types" }>);
        return;
      }
      const result = unseal(key, m) as WorkerResult | undefined;
      if (result?.type === "result") answered(result);
      else forged++;
    });
    const done = (exitCode: number | null, signal: string | null) => {
      clearTimeout(timer);
      resolve({ message, forged, timedOut, exitCode, signal, stderr, seconds: (Date.now() - t0) / 1000 });
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
  if (unknown.length > 0)
    throw new Error(`no check with id ${unknown.join(", ")} in ${relPath(root, checksFile)} (ids: ${all.map((c) => c.id).join(", ")})`);
  const checks = options.only ? all.filter((c) => options.only!.includes(c.id)) : all;

  const exerciseTask = (c: ExerciseCheck) => async (): Promise<CheckRow> => {
    const request: WorkerRequest = { checksFile, id: c.id, file, overlay, root };
    const out = await runChild(root, ["--worker", JSON.stringify(request)], timeoutSeconds, newKey());
    const printed = out.message?.type === "result" ? out.message.printed : "";
    const row = (status: CheckStatus, message: string): CheckRow => ({
      id: c.id,
      name: c.name,
      title: c.title,
      passed: status === "pass",
      status,
      message,
      seconds: Math.round(out.seconds * 10) / 10,
      printed,
    });
    if (out.forged > 0) {
      const verdict = out.message?.type === "result" ? out.message : undefined;
      const real = verdict ? (verdict.status === "pass" ? "the check itself passed" : `the check itself said: ${verdict.message}`) : "";
      return row(
        "forged",
        `ignored ${out.forged === 1 ? "a result message" : `${out.forged} result messages`} that did not come from the checker ` +
          `(your code sent it, e.g. with process.send): only the checker reports a verdict${real ? `; ${real}` : ""}`,
      );
    }
    if (out.message?.type === "result") return row(out.message.status, out.message.message);
    if (out.timedOut === "run") return row("timeout", `took longer than ${timeoutSeconds} s (infinite loop?)`);
    if (out.timedOut === "startup") return row("error", `the checker did not start within ${STARTUP_SECONDS} s: ${lastError(out.stderr)}`);
    const how = out.signal ? `was killed (${out.signal})` : `exited with code ${out.exitCode}`;
    const err = lastError(out.stderr);
    return row(
      "crash",
      `the process ${how} before the check finished (does your code call process.exit, or run out of memory?)${err ? `: ${err}` : ""}`,
    );
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
      printed: "",
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
