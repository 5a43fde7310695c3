/**
 * The checker from a notebook: `await checkExercises("00")` shows the stage's table, and
 * `attempt("00.1 standardize", () => …)` tries a learner's function in a cell without stopping the
 * notebook while the exercise is still the TODO stub. `checkExercises` runs the CLI
 * (scripts/check.ts) as a child process, so the kernel is not blocked while the checks run.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { escapeHTML, showHTML } from "../display";
import { tsxArgs } from "./paths";
import { formatReportHTML, formatReportText, type CheckReport } from "./report";

export interface CheckExercisesOptions {
  /** Folder whose NN-*.ts is checked (default "exercises"). */
  dir?: string;
  /** Overlay file (default: none); see lib/checker/run.ts `RunChecksOptions`. */
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
