/**
 * Executes notebooks the way a learner's Jupyter does: `jupyter nbconvert --execute` with the
 * course kernel, registered for this checkout under build/jupyter (JUPYTER_PATH), so the test
 * needs no prior setup step and leaves the user's own kernels alone.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..");
export const BUILD = path.join(ROOT, "build");
const PREFIX = path.join(BUILD, "jupyter");

export interface Budget {
  title: string;
  seconds: number;
}

/** The one table of notebook time budgets (also shown in the README). */
export function budgets(): Record<string, Budget> {
  return JSON.parse(fs.readFileSync(path.join(ROOT, "notebooks", "budgets.json"), "utf8"));
}

/** Environment for Jupyter commands: finds the kernel registered under build/jupyter. */
export function jupyterEnv(): NodeJS.ProcessEnv {
  const share = path.join(PREFIX, "share", "jupyter");
  return { ...process.env, JUPYTER_PATH: [share, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter) };
}

/** Registers the course kernel under build/jupyter (idempotent). */
export function registerTestKernel(): void {
  execFileSync(process.execPath, [path.join(ROOT, "scripts", "setup.mjs"), "--prefix", PREFIX], { stdio: "pipe" });
}

export interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  ename?: string;
  evalue?: string;
  data?: Record<string, unknown>;
}
export interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: Output[];
}
export interface Notebook {
  cells: Cell[];
  metadata: Record<string, unknown>;
}

export interface Executed {
  name: string;
  seconds: number;
  executedPath: string;
  htmlPath: string;
  notebook: Notebook;
  /** Problems found in the outputs (errors, stderr that reports an error or a leak). */
  problems: string[];
}

const text = (t: string | string[] | undefined) => (Array.isArray(t) ? t.join("") : (t ?? ""));

/** Lists what is wrong in an executed notebook's outputs. */
export function findProblems(nb: Notebook): string[] {
  const problems: string[] = [];
  nb.cells.forEach((cell, i) => {
    for (const out of cell.outputs ?? []) {
      if (out.output_type === "error") problems.push(`cell ${i}: ${out.ename}: ${out.evalue}`);
      if (out.output_type === "stream" && out.name === "stderr" && /error|stayed allocated|leak/i.test(text(out.text))) {
        problems.push(`cell ${i} stderr: ${text(out.text).slice(0, 500)}`);
      }
    }
  });
  return problems;
}

/**
 * Executes notebooks/<name>.ipynb into build/notebooks, marks it trusted (so its plots draw
 * when opened), exports it to build/html, and returns the wall time and what went wrong.
 */
export function executeNotebook(name: string, timeoutSeconds: number): Executed {
  const src = path.join(ROOT, "notebooks", `${name}.ipynb`);
  const outDir = path.join(BUILD, "notebooks");
  const htmlDir = path.join(BUILD, "html");
  fs.mkdirSync(outDir, { recursive: true });
  const env = jupyterEnv();
  const t0 = performance.now();
  const run = spawnSync(
    "jupyter",
    [
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      src,
      "--output-dir",
      outDir,
      `--ExecutePreprocessor.timeout=${Math.ceil(timeoutSeconds)}`,
      "--ExecutePreprocessor.kernel_name=genai-ts",
    ],
    { env, encoding: "utf8", cwd: ROOT },
  );
  const seconds = (performance.now() - t0) / 1000;
  const executedPath = path.join(outDir, `${name}.ipynb`);
  if (run.status !== 0) {
    const tail = (run.stderr || "").split("\n").filter((l) => !/Debugger|frozen_modules|PYDEVD|^0\.00s/.test(l));
    throw new Error(`nbconvert failed on ${name} after ${seconds.toFixed(1)} s:\n${tail.slice(-40).join("\n")}`);
  }
  const notebook: Notebook = JSON.parse(fs.readFileSync(executedPath, "utf8"));
  const trust = spawnSync("jupyter", ["trust", executedPath], { env, encoding: "utf8" });
  if (trust.status !== 0) throw new Error(`jupyter trust failed on ${executedPath}:\n${trust.stderr}`);
  const html = spawnSync("jupyter", ["nbconvert", "--to", "html", executedPath, "--output-dir", htmlDir], {
    env,
    encoding: "utf8",
  });
  if (html.status !== 0) throw new Error(`HTML export of ${name} failed:\n${html.stderr}`);
  return { name, seconds, executedPath, htmlPath: path.join(htmlDir, `${name}.html`), notebook, problems: findProblems(notebook) };
}
