/**
 * The integration test: every notebook runs top to bottom through Jupyter with the course
 * kernel, with no error output, within 1.5× its time budget (notebooks/budgets.json), and the numbers
 * its prose quotes are the numbers its outputs print (tests/notebooks/claims/NN.ts); then a
 * headless Chromium opens notebook 00's HTML export and checks that a Plotly chart drew, and
 * opens copies of the exports of notebooks 00 and 06 outside the repository, as on another
 * computer, and checks that their equations are typeset.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, expectPlotRendered } from "../helpers/browser";
import { checkClaims, loadClaims } from "./claims";
import { BUILD, EXPORT_ASSETS, ROOT, budgets, executeNotebook, notebookNames, registerTestKernel, type Executed } from "../helpers/jupyter";

const table = budgets();
// NOTEBOOK=01 (a name prefix) runs only the matching notebooks, e.g. while writing one.
const names = notebookNames();
const executed = new Map<string, Executed>();
const times: Record<string, { seconds: number; budget: number }> = {};

beforeAll(() => {
  registerTestKernel();
});

describe("notebooks", () => {
  it("every notebook has a time budget and is committed without outputs", () => {
    for (const name of names) {
      expect(table[name], `notebooks/budgets.json has no budget for ${name}`).toBeDefined();
      const nb = JSON.parse(fs.readFileSync(path.join(ROOT, "notebooks", `${name}.ipynb`), "utf8"));
      const withOutputs = nb.cells.filter((c: { outputs?: unknown[] }) => (c.outputs ?? []).length > 0).length;
      expect(withOutputs, `${name}: ${withOutputs} cells have outputs; commit notebooks cleared`).toBe(0);
      expect(nb.metadata.kernelspec?.name, `${name}: kernel`).toBe("genai-ts");
    }
  });

  for (const name of names) {
    it(`${name} runs top to bottom within its budget`, () => {
      const budget = table[name]?.seconds ?? 60;
      // Let nbconvert run past the budget so a slow notebook reports its time, not a timeout.
      const run = executeNotebook(name, budget * 3 + 60);
      executed.set(name, run);
      times[name] = { seconds: Math.round(run.seconds * 10) / 10, budget };
      fs.writeFileSync(path.join(BUILD, "notebook-times.json"), JSON.stringify(times, null, 2));
      console.log(`${name}: ${run.seconds.toFixed(1)} s (budget ${budget} s)`);
      expect(run.problems, `${name} has error output`).toEqual([]);
      expect(run.seconds, `${name} took ${run.seconds.toFixed(1)} s; budget ${budget} s (+50%)`).toBeLessThanOrEqual(budget * 1.5);
    });

    it(`${name}: the numbers its prose quotes are the numbers it prints`, async () => {
      const run = executed.get(name);
      expect(run, `${name} did not execute`).toBeDefined();
      const prose = JSON.parse(fs.readFileSync(path.join(ROOT, "notebooks", `${name}.ipynb`), "utf8"));
      const claims = await loadClaims(name);
      expect(claims.length, `tests/notebooks/claims/${name.slice(0, 2)}.ts has no claims`).toBeGreaterThan(0);
      expect(checkClaims(prose, run!.notebook, claims)).toEqual([]);
    });
  }

  it.runIf(names.includes("00-orientation"))("a plot drawn by notebook 00 renders in headless Chromium", async () => {
    const run = executed.get("00-orientation");
    expect(run, "notebook 00 did not execute").toBeDefined();
    const shot = path.join(BUILD, "screenshots", "00-orientation.png");
    const { plots, traces } = await expectPlotRendered(run!.htmlPath, shot);
    expect(plots).toBeGreaterThan(0);
    expect(traces).toBeGreaterThan(0);
    expect(fs.existsSync(shot)).toBe(true);
  });

  // 06 has the most math, 00 some (and a Plotly chart each).
  const mathNotebooks = ["00-orientation", "06-diffusion"].filter((n) => names.includes(n));
  it.runIf(mathNotebooks.length > 0)("math in the HTML export renders on another computer", async () => {
    for (const name of mathNotebooks) {
      const run = executed.get(name);
      expect(run, `notebook ${name} did not execute`).toBeDefined();
      const shot = path.join(BUILD, "screenshots", `${name}-math.png`);
      const seen = await openExportElsewhere(run!.htmlPath, shot);
      const where = `${name} (screenshot ${shot})`;
      const scripts = Array.from(fs.readFileSync(run!.htmlPath, "utf8").matchAll(/<script src="([^"]*)"/g), (m) => m[1]);
      expect(scripts.filter((src) => /^([a-z]+:|\/)/i.test(src)), `${name}.html loads scripts by absolute URL`).toEqual([]);
      expect(seen.outside, `${where} asked for files outside its folder`).toEqual([]);
      expect(seen.mathjax, `${where}: MathJax did not start`).toBe(true);
      expect(seen.equations, `${where}: no typeset equation`).toBeGreaterThan(0);
      expect(seen.rawTeX, `${where}: TeX left untypeset`).toEqual([]);
      expect(seen.texErrors, `${where}: MathJax errors`).toEqual([]);
      expect(seen.webFontsFailed, `${where}: math fonts missing`).toEqual([]);
      expect(seen.webFontsLoaded, `${where}: no math font loaded`).toBeGreaterThan(0);
      expect(seen.plots, `${where}: no Plotly chart drew`).toBeGreaterThan(0);
    }
  });
});

/** What a page opened by openExportElsewhere showed. */
interface SeenElsewhere {
  /** Requests blocked: not file:, data: or blob:, or a file outside the copied folder. */
  outside: string[];
  /** Whether MathJax loaded and finished typesetting. */
  mathjax: boolean;
  /** Typeset equations (MathJax 2 CommonHTML `.MathJax_CHTML`, MathJax 3+ `mjx-container`). */
  equations: number;
  /** Text in rendered Markdown (cells and outputs) that still looks like TeX: `$...$`, `\(`, `\[`. */
  rawTeX: string[];
  /** TeX errors (`.mjx-merror`) and "[Math Processing Error]"s. */
  texErrors: string[];
  /** CommonHTML's web fonts (font faces `MJXc-TeX-<font>w`, read from mathjax/fonts) that loaded. */
  webFontsLoaded: number;
  /** ...and those that the page used but could not load. */
  webFontsFailed: string[];
  /** Plotly charts with at least one drawn trace group. */
  plots: number;
}

/**
 * In-page expression: typeset equations, TeX left as text in rendered Markdown (outside code,
 * which MathJax skips on purpose), MathJax errors, CommonHTML's web fonts (it declares each font
 * twice: `MJXc-TeX-main-R` is an installed MathJax font, `MJXc-TeX-main-Rw` the woff file),
 * drawn Plotly charts. A string, not a function, so nothing the test transpiler adds reaches
 * the page.
 */
const INSPECT_MATH = `(() => {
  const equations = document.querySelectorAll("mjx-container, .MathJax_CHTML, .MathJax").length;
  const rawTeX = [];
  for (const root of document.querySelectorAll(".jp-RenderedMarkdown")) {
    const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: (n) => n.parentElement.closest("code, pre, script, style, .MathJax_CHTML, .MJX_Assistive_MathML")
        ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
    });
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const m = n.textContent.match(/[$][^$]+[$]|\\\\[([]/);
      if (m) rawTeX.push(n.textContent.slice(Math.max(0, m.index - 20), m.index + 60));
    }
  }
  const texErrors = Array.from(document.querySelectorAll(".mjx-merror, .MathJax_Error"), (e) => e.textContent);
  const webFonts = Array.from(document.fonts).filter((f) => /^MJXc-TeX-.*w$/.test(f.family));
  const webFontsLoaded = webFonts.filter((f) => f.status === "loaded").length;
  const webFontsFailed = webFonts.filter((f) => f.status === "error").map((f) => f.family);
  const plots = Array.from(document.querySelectorAll(".js-plotly-plot"))
    .filter((c) => c.querySelector(".mlayer > g, .pielayer .trace, .polarlayer .trace")).length;
  return { equations, rawTeX: rawTeX.slice(0, 10), texErrors: texErrors.slice(0, 10), webFontsLoaded, webFontsFailed, plots };
})()`;

/**
 * Opens an HTML export as it would open on another computer: the page and EXPORT_ASSETS are
 * copied to a temporary folder outside the repository, and headless Chromium may load only
 * files inside that folder (no network, no file:///usr/share/javascript), with the MathJax
 * fonts Debian's fonts-mathjax installs hidden from it (fontconfig), so the math draws with the
 * web fonts shipped beside the page, as where MathJax is not installed. Waits for MathJax to
 * finish and for a Plotly chart, and saves a full-page screenshot to `screenshotFile`.
 */
async function openExportElsewhere(htmlFile: string, screenshotFile: string): Promise<SeenElsewhere> {
  const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "genai-export-"));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "genai-chromium-"));
  const page = path.join(elsewhere, path.basename(htmlFile));
  fs.copyFileSync(htmlFile, page);
  for (const asset of EXPORT_ASSETS) {
    // one missing is not an error here: the page then fails the checks that say what is missing
    const from = path.join(path.dirname(htmlFile), asset);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(elsewhere, asset), { recursive: true });
  }
  const fontsConf = path.join(scratch, "fonts.conf");
  fs.writeFileSync(
    fontsConf,
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n` +
      `  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n` +
      `  <selectfont><rejectfont><glob>/usr/share/fonts/*/mathjax/*</glob></rejectfont></selectfont>\n</fontconfig>\n`,
  );
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu"],
    env: { ...process.env, FONTCONFIG_FILE: fontsConf },
  });
  const outside: string[] = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    const inside = pathToFileURL(elsewhere).href + "/";
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(inside) || /^(data|blob):/.test(url)) return route.continue();
      outside.push(url);
      return route.abort("blockedbyclient");
    });
    const tab = await context.newPage();
    await tab.goto(pathToFileURL(page).href, { waitUntil: "load", timeout: 60_000 });
    // MathJax 2 sets isReady when loaded, just before its first typeset; a callback queued from
    // then on runs after that typeset and after the one the template's script queued.
    const mathjax = await tab
      .waitForFunction("window.MathJax && window.MathJax.isReady === true", undefined, { timeout: 30_000, polling: 100 })
      .then(() => tab.evaluate<boolean>("new Promise((done) => MathJax.Hub.Queue(() => done(true)))"))
      .catch(() => false);
    await tab.waitForFunction(`${INSPECT_MATH}.plots > 0`, undefined, { timeout: 30_000, polling: 100 }).catch(() => undefined);
    const seen = await tab.evaluate<Omit<SeenElsewhere, "outside" | "mathjax">>(INSPECT_MATH);
    fs.mkdirSync(path.dirname(screenshotFile), { recursive: true });
    await tab.screenshot({ path: screenshotFile, fullPage: true });
    return { outside, mathjax, ...seen };
  } finally {
    await browser.close();
    fs.rmSync(elsewhere, { recursive: true, force: true });
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
