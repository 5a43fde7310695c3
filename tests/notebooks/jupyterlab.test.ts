/**
 * The notebooks as a learner sees them: each one opened in a real JupyterLab 4.6 (the course's
 * build in jupyterlab/lab, served by Debian's jupyter_server) in headless Chromium, Run All, then
 * checked in the page: every code cell ran in order, no error (output or execute_reply), every
 * Plotly figure drew and every image loaded, tables shown, each live progress display is one
 * output that ends at 100%, nothing scrolls sideways at 1200 px. Notebook 00 also: re-run figure
 * cells, saved and reopened (figures draw again), opened untrusted (no script, but a visible
 * fallback), and Run All in Notebook 7.6. Every kernel here runs on wasm alone (LEARNER_ENV below).
 *
 * Notebooks run from copies in build/jupyterlab/run/; notebooks/ is never touched. Screenshots
 * and a report per notebook go to build/jupyterlab/<name>/, times to build/jupyterlab/times.json.
 * NOTEBOOK=01 (a name prefix) runs only the matching notebooks.
 */
import fs from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILD, ROOT, budgets, executeNotebook, findProblems, notebookNames, type Cell } from "../helpers/jupyter";
import {
  OUT,
  call,
  copyNotebook,
  ensureAppBuilt,
  inspectCells,
  launchBrowser,
  measureOverflow,
  newLabPage,
  openNotebook,
  rerunCell,
  runAllCells,
  saveNotebook,
  screenshots,
  startServer,
  type CellReport,
  type LabServer,
  type Watched,
} from "../helpers/jupyterlab";

const table = budgets();
/**
 * The Lab runs the course as a learner without a C compiler does: wasm alone, no BLAS addon
 * (the nbconvert run in notebooks.test.ts uses the addon where it built). Each notebook is held
 * to its wasm-alone budget, and its backend line must say the addon is off.
 */
const LEARNER_ENV = { GENAI_BLAS: "off" };
const names = notebookNames();
const FIRST = "00-orientation";
const withFirst = names.includes(FIRST);

/** The width every check runs at; NARROW is only recorded. */
const WIDE = 1200;
const NARROW = 900;
/** lib/plot.ts's drawing script waits this long for plotly.js before it gives up. */
const PLOT_WAIT_MS = 30_000;

/** Wall-clock times, merged into build/jupyterlab/times.json so a NOTEBOOK= run keeps the rest. */
function recordTime(group: string, key: string, value: unknown): void {
  const file = path.join(OUT, "times.json");
  const times = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
  times[group] = { ...times[group], [key]: value };
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(times, null, 2));
}

type Overflow = Record<number, { output: number; scrollWidth: number; clientWidth: number }[]>;

/** What is wrong in a notebook after Run All, one sentence each (empty: nothing). */
function runProblems(cells: CellReport[], watched: Watched, overflow: Overflow): string[] {
  const problems: string[] = [];
  // Every non-empty code cell ran, in order, in one fresh kernel: counts 1..n.
  const code = cells.filter((c) => !c.empty);
  const counts = code.map((c) => c.executionCount);
  const notRun = code.filter((c) => typeof c.executionCount !== "number").map((c) => c.index);
  if (notRun.length > 0) problems.push(`code cells ${notRun.join(", ")} did not run (no execution count)`);
  else if (counts.some((n, k) => n !== k + 1)) problems.push(`execution counts [${counts.join(", ")}] are not 1..${code.length} in order`);

  // Error outputs and stderr that reports an error or a leak: the same rule as the nbconvert run.
  const nb: { cells: Cell[]; metadata: Record<string, unknown> } = { cells: [], metadata: {} };
  for (const c of cells) nb.cells[c.index] = { cell_type: "code", source: "", outputs: c.outputs };
  for (let i = 0; i < nb.cells.length; i++) nb.cells[i] ??= { cell_type: "markdown", source: "" };
  problems.push(...findProblems(nb));
  // A TypeScript compile error arrives as stderr plus an execute_reply with status "error".
  for (const r of watched.replies.filter((r) => r.status !== "ok")) {
    problems.push(`execute_reply ${r.status} (execution count ${r.executionCount}): ${r.error}`);
  }
  if (watched.replies.length < code.length) problems.push(`${watched.replies.length} execute replies for ${code.length} code cells`);

  for (const c of cells) {
    const at = `cell ${c.index} (${c.firstLine})`;
    if (c.dom.children.length !== c.outputs.length) {
      problems.push(`${at}: ${c.outputs.length} outputs in the model, ${c.dom.children.length} shown`);
      continue;
    }
    c.outputs.forEach((o, k) => {
      const shown = c.dom.children[k];
      if (o.plot && shown.plots.length === 0) problems.push(`${at}, output ${k}: a figure output shows no .genai-plot box`);
      for (const p of shown.plots) {
        if (!p.drawn) problems.push(`${at}, output ${k}: figure ${p.id} did not draw (${p.size}, text "${p.text.slice(0, 120)}")`);
      }
      for (const img of shown.images) {
        if (!img.loaded) problems.push(`${at}, output ${k}: an <img> did not load (${img.src}…)`);
      }
      if (o.table && shown.tables === 0) problems.push(`${at}, output ${k}: an HTML table output shows no table`);
      // A live progress display is ONE output, updated in place, that ends at its final state.
      if (o.progress && !(o.progress.value === o.progress.max && /100%/.test(o.progress.text) && /done/.test(o.progress.text))) {
        problems.push(`${at}, output ${k}: a progress display stopped at "${o.progress.text}"`);
      }
    });
  }
  for (const [i, outs] of Object.entries(overflow)) {
    for (const o of outs) {
      problems.push(`cell ${i}, output ${o.output}: scrolls sideways at ${WIDE} px (scrollWidth ${o.scrollWidth} > ${o.clientWidth})`);
    }
  }
  return problems;
}

interface RunResult {
  seconds: number;
  problems: string[];
  cells: CellReport[];
  shots: string[];
}

/**
 * Opens the copy `rel` on `server`, Run All, waits, checks (runProblems), measures the narrow
 * width, takes the screenshots, saves the notebook, writes `dir`/report.json; the kernel is shut
 * down afterwards, also on failure.
 */
async function runAndCheck(browser: Browser, server: LabServer, rel: string, runMs: number, dir: string): Promise<RunResult> {
  const lab = await newLabPage(browser, server, WIDE, 1000);
  const { page } = lab;
  try {
    const opened = await openNotebook(lab, server, rel);
    const run = await runAllCells(page, rel, runMs);
    await page.waitForTimeout(2000); // the last outputs render
    const watched = await call<Watched>(page, "watched");
    const { cells, overflow } = await inspectCells(page, rel, 20_000);
    await page.setViewportSize({ width: NARROW, height: 1000 });
    await page.waitForTimeout(1500); // Plotly's responsive relayout
    const withOutputs = cells.filter((c) => c.outputs.length > 0).map((c) => c.index);
    const overflowNarrow = await measureOverflow(page, rel, withOutputs);
    await page.setViewportSize({ width: WIDE, height: 1000 });
    await page.waitForTimeout(1500);
    const shots = await screenshots(page, rel, cells, dir);
    await saveNotebook(page, rel);
    const problems = runProblems(cells, watched, overflow);
    const report = {
      notebook: rel,
      app: server.app,
      kernel: opened.kernel,
      windowingMode: opened.windowingMode,
      seconds: run.seconds,
      problems,
      [`overflowAt${NARROW}px`]: overflowNarrow,
      // Each live progress output's states as the page saw them: it updated in place.
      progressStates: Object.fromEntries(
        Object.entries(watched.progress).map(([k, v]) => [k, `${v.length} states, ${v[0]} … ${v[v.length - 1]}`]),
      ),
      executeReplies: watched.replies.length,
      consoleErrors: lab.consoleErrors,
      blockedRequests: lab.blocked,
      cells,
    };
    fs.writeFileSync(path.join(dir, "report.json"), JSON.stringify(report, null, 2));
    console.log(
      `${rel} (${server.app}): Run All ${run.seconds.toFixed(1)} s, ${cells.length} code cells, ` +
        `${problems.length} problems; ${Object.keys(overflowNarrow).length} cells scroll sideways at ${NARROW} px; ` +
        `screenshots in ${path.relative(ROOT, dir)}`,
    );
    return { seconds: run.seconds, problems, cells, shots };
  } catch (e) {
    fs.mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, "failure.png") }).catch(() => undefined);
    throw e;
  } finally {
    await lab.context.close();
    await server.shutdownKernels().catch(() => undefined);
  }
}

/** Builds the app if it is stale (recording the time), starts its server and a browser. */
async function buildAndServe(app: "lab" | "notebook7"): Promise<{ server: LabServer; browser: Browser }> {
  const built = ensureAppBuilt(app);
  if (built.steps.length > 0) recordTime("build", app, { steps: built.steps, seconds: Math.round(built.seconds) });
  console.log(`jupyterlab/${app}: ${built.steps.join(" + ") || "build current"} (${built.seconds.toFixed(0)} s)`);
  return { server: await startServer(app, { env: LEARNER_ENV }), browser: await launchBrowser() };
}

describe("JupyterLab 4.6", () => {
  let server: LabServer;
  let browser: Browser;

  beforeAll(async () => {
    ({ server, browser } = await buildAndServe("lab"));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const name of names) {
    const budget = table[name]?.wasmAloneSeconds ?? 60;
    // Room past the budget, so a slow notebook reports its time rather than a timeout.
    const runMs = (3 * budget + 60) * 1000;
    it(`${name}: Run All on wasm alone shows every output as it should, within its wasm-alone budget`, { timeout: runMs + 300_000 }, async () => {
      const rel = copyNotebook(name, "lab");
      const result = await runAndCheck(browser, server, rel, runMs, path.join(OUT, name));
      recordTime("lab", name, { seconds: Math.round(result.seconds * 10) / 10, wasmAloneBudget: budget });
      expect(result.problems, `${name} in JupyterLab; report in build/jupyterlab/${name}/report.json`).toEqual([]);
      const line = result.cells.flatMap((c) => (c.outputs.map((o) => o.text ?? "").join("\n").match(/^Backend: .*$/m) ?? []))[0];
      expect(line, `${name}: the backend line`).toMatch(/^Backend: wasm \(.*; BLAS addon off \(GENAI_BLAS=off\)\)/);
      expect(result.seconds, `${name} took ${result.seconds.toFixed(1)} s on wasm alone; budget ${budget} s (+50%)`).toBeLessThanOrEqual(budget * 1.5);
    });
  }

  it.runIf(withFirst)(`${FIRST}: re-run figure cells, saved and reopened, draws every figure again`, { timeout: 600_000 }, async () => {
    const rel = copyNotebook(FIRST, "rerun");
    const dir = path.join(OUT, `${FIRST}-rerun`);
    const lab = await newLabPage(browser, server, WIDE, 1000);
    const { page } = lab;
    const problems: string[] = [];
    try {
      await openNotebook(lab, server, rel);
      await runAllCells(page, rel, (3 * table[FIRST].seconds + 60) * 1000);
      const { figures } = await call<{ figures: number[] }>(page, "layout", rel);
      expect(figures.length, `${FIRST} needs two cells with a figure for this test`).toBeGreaterThanOrEqual(2);
      // The first figure of a kernel session carries plotly.js; run its cell again, then another.
      const rerun = [figures[0], figures[1]];
      for (const i of rerun) await rerunCell(page, rel, i);
      await page.waitForTimeout(2000);
      await saveNotebook(page, rel);
      await call(page, "close", rel);
      await page.waitForTimeout(1000);

      // A fresh page load, as tomorrow's session: nothing runs, the saved outputs must draw.
      await openNotebook(lab, server, rel);
      const { cells } = await inspectCells(page, rel, PLOT_WAIT_MS + 5000);
      await screenshots(page, rel, cells, dir);
      for (const c of cells) {
        c.outputs.forEach((o, k) => {
          const shown = c.dom.children[k];
          if (o.plot && (!shown || shown.plots.length === 0)) problems.push(`cell ${c.index}, output ${k}: no .genai-plot box shown`);
          for (const p of shown?.plots ?? []) {
            if (!p.drawn) {
              problems.push(
                `cell ${c.index}${rerun.includes(c.index) ? " (re-run)" : ""}, output ${k}: figure not drawn after reopening ` +
                  `(cell ${c.trusted ? "trusted" : "NOT trusted"}; it shows "${p.text.slice(0, 160)}")`,
              );
            }
          }
        });
      }
      fs.writeFileSync(path.join(dir, "report.json"), JSON.stringify({ rerun, problems, consoleErrors: lab.consoleErrors, cells }, null, 2));
    } catch (e) {
      fs.mkdirSync(dir, { recursive: true });
      await page.screenshot({ path: path.join(dir, "failure.png") }).catch(() => undefined);
      throw e;
    } finally {
      await lab.context.close();
      await server.shutdownKernels().catch(() => undefined);
    }
    expect(problems, `re-run, saved, reopened; screenshots in build/jupyterlab/${FIRST}-rerun/`).toEqual([]);
  });

  it.runIf(withFirst)(`${FIRST}: opened untrusted, runs no script and shows each figure's fallback`, { timeout: 300_000 }, async () => {
    // An executed copy: the one saved by the re-run test, else the Run All copy, else nbconvert's.
    const source = [
      path.join(OUT, "run", "rerun", `${FIRST}.ipynb`),
      path.join(OUT, "run", "lab", `${FIRST}.ipynb`),
      path.join(BUILD, "notebooks", `${FIRST}.ipynb`),
    ].find((f) => fs.existsSync(f) && JSON.parse(fs.readFileSync(f, "utf8")).cells.some((c: Cell) => (c.outputs ?? []).length > 0));
    expect(source, "no executed copy of notebook 00 to open").toBeDefined();
    const problems = await checkUntrusted(browser, source!, FIRST, `${FIRST}-untrusted`);
    expect(problems, `untrusted; screenshots in build/jupyterlab/${FIRST}-untrusted/`).toEqual([]);
  });

  it.runIf(withFirst)("pictures opened untrusted: image grids, heatmaps and image animations show their PNG", { timeout: 300_000 }, async () => {
    // Notebook 00 draws only line and scatter plots: this executed fixture has every kind of picture.
    const run = executeNotebook("figures", 180, path.join(ROOT, "tests", "fixtures", "kernel", "figures.ipynb"));
    const problems = await checkUntrusted(browser, run.executedPath, "figures", "figures-untrusted", { picturesShowPNG: true });
    expect(problems, "untrusted pictures; screenshots in build/jupyterlab/figures-untrusted/").toEqual([]);
  });
});

/**
 * Opens an executed notebook in a JupyterLab whose data dir is fresh (trust is stored there by
 * content hash, so it trusts nothing) and lists what is wrong: a script that ran, a trusted cell,
 * a figure output that shows neither a loaded <img> nor the note saying to run the cell or trust
 * the notebook. With `picturesShowPNG`, an image grid must show its <img>, and a plot that carries
 * image/png (a heatmap, an animation of images) its picture as well as the note.
 */
async function checkUntrusted(browser: Browser, source: string, name: string, folder: string, options: { picturesShowPNG?: boolean } = {}): Promise<string[]> {
  const rel = copyNotebook(name, folder, source);
  const dir = path.join(OUT, folder);
  const fresh = await startServer("lab", { name: `lab-${folder}`, freshData: true, env: LEARNER_ENV });
  const lab = await newLabPage(browser, fresh, WIDE, 1000);
  const { page } = lab;
  const problems: string[] = [];
  try {
    await openNotebook(lab, fresh, rel);
    await page.waitForTimeout(5000); // time for any script that would run
    const { cells } = await inspectCells(page, rel, 0);
    const graphs = await call<number>(page, "drawnGraphs");
    if (graphs > 0) problems.push(`${graphs} Plotly graphs drew: a script ran in an untrusted notebook`);
    const trusted = cells.filter((c) => c.outputs.length > 0 && c.trusted).map((c) => c.index);
    if (trusted.length > 0) problems.push(`cells ${trusted.join(", ")} are trusted: the fresh data dir did not make the notebook untrusted`);
    let figures = 0;
    for (const c of cells) {
      c.outputs.forEach((o, k) => {
        if (!o.plot && !o.imageGrid) return;
        figures += 1;
        const shown = c.dom.children[k];
        const image = shown?.images.some((img) => img.loaded) ?? false;
        const note = shown?.plots.find((p) => p.note !== null && /run|trust/i.test(p.note))?.note ?? null;
        const where = `cell ${c.index}, output ${k} (${o.mimes.join(", ")})`;
        if (!image && !note) {
          problems.push(
            `${where}: shows neither a loaded <img> nor a visible .genai-plot-note saying to run the cell or trust the notebook (it shows "${shown?.text ?? "nothing"}")`,
          );
        }
        if (options.picturesShowPNG && (o.imageGrid || o.mimes.includes("image/png")) && !image) problems.push(`${where}: a picture without a loaded <img>`);
        if (options.picturesShowPNG && o.plot && !note) problems.push(`${where}: a plot without its note`);
      });
    }
    if (figures === 0) problems.push(`${path.relative(ROOT, source)} has no figure outputs`);
    await screenshots(page, rel, cells, dir);
    fs.writeFileSync(path.join(dir, "report.json"), JSON.stringify({ source, problems, consoleErrors: lab.consoleErrors, cells }, null, 2));
  } catch (e) {
    fs.mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, "failure.png") }).catch(() => undefined);
    throw e;
  } finally {
    await lab.context.close();
    await fresh.stop();
  }
  return problems;
}

describe.runIf(withFirst)("Notebook 7.6", () => {
  let server: LabServer;
  let browser: Browser;

  beforeAll(async () => {
    ({ server, browser } = await buildAndServe("notebook7"));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const runMs = (3 * (table[FIRST]?.seconds ?? 60) + 60) * 1000;
  it(`${FIRST}: Run All shows every output as it should`, { timeout: runMs + 300_000 }, async () => {
    const rel = copyNotebook(FIRST, "notebook7");
    const result = await runAndCheck(browser, server, rel, runMs, path.join(OUT, `${FIRST}-notebook7`));
    recordTime("notebook7", FIRST, { seconds: Math.round(result.seconds * 10) / 10 });
    expect(result.problems, `${FIRST} in Notebook 7; report in build/jupyterlab/${FIRST}-notebook7/report.json`).toEqual([]);
  });
});
