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
  execution_count?: number | null;
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

/**
 * Lists what is wrong in an executed notebook's outputs: errors, stderr reporting an error or a
 * leak, code cells without an execution count (or out of order), figures printed again as a
 * cell's value, and figure outputs without their script-free fallbacks.
 */
export function findProblems(nb: Notebook): string[] {
  const problems: string[] = [];
  let lastCount = 0;
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type === "code" && text(cell.source).trim() !== "") {
      const n = cell.execution_count;
      if (typeof n !== "number" || n <= lastCount) problems.push(`cell ${i}: execution count ${n} after ${lastCount}`);
      else lastCount = n;
    }
    for (const out of cell.outputs ?? []) {
      if (out.output_type === "stream" && /^\[plot\] |^\{ data: \[/m.test(text(out.text))) {
        problems.push(`cell ${i}: a figure printed as text under its plot: ${text(out.text).slice(0, 120)}`);
      }
      const html = text(out.data?.["text/html"] as string | string[] | undefined);
      if (html.includes('class="genai-plot"') || html.includes('class="genai-image-grid"')) {
        if (!out.data?.["text/plain"]) problems.push(`cell ${i}: a figure output without text/plain`);
        if (html.includes('class="genai-image-grid"') && !out.data?.["image/png"])
          problems.push(`cell ${i}: an image grid without image/png`);
        if (html.includes('class="genai-plot"') && !html.includes('class="genai-plot-note"')) {
          problems.push(`cell ${i}: a plot without its note for untrusted views`);
        }
      }
    }
  });
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
 * Executes notebooks/<name>.ipynb (or `src`) into build/notebooks, marks it trusted (so its plots
 * draw when opened), exports it to build/html, and returns the wall time and what went wrong.
 * A cell whose execute_reply says "error" fails nbconvert (nbclient raises), and so this
 * function throws: a TypeScript compile error, which arrives as stderr plus that status and no
 * error output, fails the test too.
 */
export function executeNotebook(name: string, timeoutSeconds: number, src = path.join(ROOT, "notebooks", `${name}.ipynb`)): Executed {
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
  const executedPath = path.join(outDir, path.basename(src));
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
  return {
    name,
    seconds,
    executedPath,
    htmlPath: path.join(htmlDir, path.basename(src).replace(/\.ipynb$/, ".html")),
    notebook,
    problems: findProblems(notebook),
  };
}
