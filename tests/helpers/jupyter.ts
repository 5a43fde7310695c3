/**
 * Executes notebooks the way a learner's Jupyter does: `jupyter nbconvert --execute` with the
 * course kernel, registered for this checkout under build/jupyter (JUPYTER_PATH), so the test
 * needs no prior setup step and leaves the user's own kernels alone; and exports them to HTML
 * that opens on any computer, offline (exportHTML).
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..");
export const BUILD = path.join(ROOT, "build");
/** Where executed notebooks are exported as HTML, with the scripts their pages load. */
export const HTML_DIR = path.join(BUILD, "html");
const PREFIX = path.join(BUILD, "jupyter");

export interface Budget {
  title: string;
  /** With the machine's fastest path (the BLAS addon where it builds). */
  seconds: number;
  /** On wasm alone (GENAI_BLAS=off), as on a computer without a C compiler. */
  wasmAloneSeconds: number;
}

/** The one table of notebook time budgets (also shown in the README). */
export function budgets(): Record<string, Budget> {
  return JSON.parse(fs.readFileSync(path.join(ROOT, "notebooks", "budgets.json"), "utf8"));
}

/**
 * The notebooks' names (notebooks/*.ipynb without the extension), sorted; NOTEBOOK=01 (a name
 * prefix) keeps only the matching ones, e.g. while writing one.
 */
export function notebookNames(only = process.env.NOTEBOOK): string[] {
  return fs
    .readdirSync(path.join(ROOT, "notebooks"))
    .filter((f) => f.endsWith(".ipynb"))
    .map((f) => f.replace(/\.ipynb$/, ""))
    .filter((n) => !only || n.startsWith(only))
    .sort();
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
 * draw when opened), exports it to build/html (exportHTML), and returns the wall time and what
 * went wrong.
 * A cell whose execute_reply says "error" fails nbconvert (nbclient raises), and so this
 * function throws: a TypeScript compile error, which arrives as stderr plus that status and no
 * error output, fails the test too.
 */
export function executeNotebook(name: string, timeoutSeconds: number, src = path.join(ROOT, "notebooks", `${name}.ipynb`)): Executed {
  const outDir = path.join(BUILD, "notebooks");
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
  return { name, seconds, executedPath, htmlPath: exportHTML(executedPath), notebook, problems: findProblems(notebook) };
}

// ---------------------------------------------------------------------------------------------
// The HTML export, self-contained
// ---------------------------------------------------------------------------------------------
// nbconvert's default (lab) template loads two scripts by URL: require.js
// (HTMLExporter.require_js_url) and MathJax (HTMLExporter.mathjax_url). Debian's nbconvert sets
// both to file:///usr/share/javascript/..., which exists only where libjs-mathjax and
// libjs-requirejs are installed: on any other computer the equations stay raw TeX. So the export
// gets relative URLs, and the files they name are copied from node_modules beside the pages;
// build/html/ then opens anywhere, offline.
//
// The template's configuration script (templates/base/mathjax.html.j2) is MathJax 2's API
// (`text/x-mathjax-config`, MathJax.Hub.Config, tex2jax), which MathJax 3 and later ignore, so
// the devDependency is mathjax 2.7.9, the version Debian ships. Its npm package is 73 MB (every
// font format, output, locale and the speech-rule engine); a page with the template's
// `TeX-AMS_CHTML-full,Safe` configuration loads only what MATHJAX_FILES lists, 1.4 MB in 118 files.
// require.js (requirejs 2.3.7, 86 kB) is kept so that the page is the one Jupyter intends; the
// course's plots do not need it, but they are written to draw beside it (lib/plot.ts).

/** The configuration the template's script expects (Debian's default, minus its path). */
const MATHJAX_CONFIG = "TeX-AMS_CHTML-full,Safe";

/** What the export loads from MathJax 2, relative to its package folder. */
const MATHJAX_FILES = [
  "MathJax.js", // the loader
  "config/TeX-AMS_CHTML-full.js", // TeX input with the AMS macros, CommonHTML output, menu: one file
  "config/Safe.js", // the ",Safe" part of the configuration (it loads extensions/Safe.js)
  "extensions", // Safe.js, and what loads on demand: TeX packages (\cancel, \require{...}), menu dialogs
  "jax/element/mml", // operator tables, loaded on demand per Unicode block
  "jax/output/CommonHTML", // the output's per-font metrics and autoloaded parts (tables, enclosures)
  "fonts/HTML-CSS/TeX/woff", // the web fonts CommonHTML draws with; every current browser reads woff
];

/**
 * Left out of MATHJAX_FILES' folders: the speech-rule engine and its maps (3.5 MB), used only if
 * a reader turns on the accessibility explorer in the math menu.
 */
const MATHJAX_SKIP = ["extensions/a11y/mathjax-sre.js", "extensions/a11y/mathmaps"];

/** What every exported page loads, beside it in the export folder: copy these with a page. */
export const EXPORT_ASSETS = ["mathjax", "require.js"];

const assetsCopied = new Set<string>();

/** Copies MathJax and require.js into `htmlDir`, replacing an earlier copy: once per run. */
function copyExportAssets(htmlDir: string): void {
  if (assetsCopied.has(htmlDir)) return;
  const resolve = createRequire(path.join(ROOT, "package.json")).resolve;
  const mathjax = path.dirname(resolve("mathjax/MathJax.js"));
  const target = path.join(htmlDir, "mathjax");
  fs.rmSync(target, { recursive: true, force: true });
  const skip = new Set(MATHJAX_SKIP.map((f) => path.join(mathjax, f)));
  for (const f of MATHJAX_FILES) {
    fs.cpSync(path.join(mathjax, f), path.join(target, f), { recursive: true, filter: (from) => !skip.has(from) });
  }
  fs.copyFileSync(resolve("requirejs/require.js"), path.join(htmlDir, "require.js"));
  assetsCopied.add(htmlDir);
}

/**
 * Exports an executed notebook to `<htmlDir>/<name>.html` with nbconvert, its MathJax and
 * require.js loaded from the copies beside it (EXPORT_ASSETS), so the folder is self-contained.
 * @returns the HTML file's path
 */
export function exportHTML(executedPath: string, htmlDir = HTML_DIR): string {
  fs.mkdirSync(htmlDir, { recursive: true });
  copyExportAssets(htmlDir);
  const html = spawnSync(
    "jupyter",
    [
      "nbconvert",
      "--to",
      "html",
      executedPath,
      "--output-dir",
      htmlDir,
      `--HTMLExporter.mathjax_url=mathjax/MathJax.js?config=${MATHJAX_CONFIG}`,
      "--HTMLExporter.require_js_url=require.js",
    ],
    { env: jupyterEnv(), encoding: "utf8" },
  );
  if (html.status !== 0) throw new Error(`HTML export of ${executedPath} failed:\n${html.stderr}`);
  return path.join(htmlDir, path.basename(executedPath).replace(/\.ipynb$/, ".html"));
}
