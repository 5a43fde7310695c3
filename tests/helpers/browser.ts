/**
 * The browser check: does a page's Plotly chart actually draw? Opens a page in headless Debian
 * Chromium (playwright-core, no downloaded browser), blocks every request that is not a local
 * file (so a pass proves the plots render offline, without a CDN), waits for drawn traces,
 * and takes a full-page screenshot for a human to look at.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Page } from "playwright-core";

/** Where Debian puts Chromium; override with the CHROMIUM environment variable. */
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

/** Chromium's flags for every browser test: headless, no sandbox (CI runs as root), nothing phoning home. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  "--disable-quic",
];

/** What the page drew, and what went wrong on the way. */
export interface RenderReport {
  /** Plotly charts that drew at least one trace. */
  plots: number;
  /** Drawn trace groups over all charts (scatter, heatmap, image, ... groups in the SVG). */
  traces: number;
  /** Plot containers on the page, drawn or not (`.js-plotly-plot` and the course's `.genai-plot`). */
  containers: number;
  /** console.error messages and uncaught exceptions on the page. */
  consoleErrors: string[];
  /** Requests that were blocked (not a file:// or an allowed URL). */
  blocked: string[];
}

export interface RenderOptions {
  /** Longest wait for the first drawn trace, ms (default 30000). */
  timeoutMs?: number;
  /** Extra URLs allowed to load besides file:, data: and blob: (default: none). */
  allow?: (url: string) => boolean;
  /** Viewport width in px (default 1100). */
  width?: number;
  /** Runs after the charts drew and before the screenshot, e.g. to move a slider (default none). */
  inspect?: (page: Page) => Promise<void>;
}

/**
 * In-page expression: charts and drawn trace groups. A string, not a function, so nothing the
 * test transpiler adds to functions (e.g. name helpers) reaches the page.
 */
const COUNT_DRAWN = `(() => {
  const charts = Array.from(document.querySelectorAll(".js-plotly-plot"));
  let plots = 0, traces = 0;
  for (const c of charts) {
    const n = c.querySelectorAll(".mlayer > g, .pielayer .trace, .polarlayer .trace").length;
    if (n > 0) plots += 1;
    traces += n;
  }
  const containers = new Set([...charts, ...document.querySelectorAll(".genai-plot")]).size;
  return { plots, traces, containers };
})()`;

/**
 * Opens `url` in headless Chromium, waits until at least one Plotly chart has drawn traces
 * (and then, briefly, for the rest), and saves a full-page screenshot to `screenshotFile`.
 * Throws, with the page's console errors and blocked requests, if nothing drew.
 */
export async function expectPlotRenderedAt(url: string, screenshotFile: string, options: RenderOptions = {}): Promise<RenderReport> {
  const { timeoutMs = 30000, allow = () => false, width = 1100, inspect } = options;
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "genai-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width, height: 800 },
  });
  const consoleErrors: string[] = [];
  const blocked: string[] = [];
  try {
    await context.route("**/*", (route) => {
      const u = route.request().url();
      if (/^(file|data|blob):/.test(u) || allow(u)) return route.continue();
      blocked.push(u);
      return route.abort("blockedbyclient");
    });
    const page: Page = await context.newPage();
    page.on("console", (m) => {
      if (m.type() === "error" && !/ERR_BLOCKED_BY_CLIENT/.test(m.text())) consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(`uncaught: ${e.message}`));
    await page.goto(url, { waitUntil: "load", timeout: timeoutMs });
    const started = Date.now();
    try {
      await page.waitForFunction(`${COUNT_DRAWN}.plots > 0`, undefined, { timeout: timeoutMs, polling: 100 });
      // The first chart drew; give the others until they are all drawn or 5 s passed.
      await page
        .waitForFunction(`(r => r.plots >= r.containers)(${COUNT_DRAWN})`, undefined, { timeout: 5000, polling: 100 })
        .catch(() => undefined);
    } catch {
      const seen = await page.evaluate<{ plots: number; traces: number; containers: number }>(COUNT_DRAWN).catch(() => null);
      fs.mkdirSync(path.dirname(screenshotFile), { recursive: true });
      await page.screenshot({ path: screenshotFile, fullPage: true }).catch(() => undefined);
      throw new Error(
        `No Plotly chart drew any trace within ${Date.now() - started} ms on ${url}` +
          (seen ? ` (${seen.containers} plot containers, ${seen.plots} drawn)` : "") +
          `\nconsole errors: ${consoleErrors.length ? consoleErrors.join("\n  ") : "none"}` +
          `\nblocked requests: ${blocked.length ? blocked.join(", ") : "none"}` +
          `\nscreenshot: ${screenshotFile}`,
      );
    }
    await page.waitForTimeout(300); // let transitions settle before the screenshot
    if (inspect) await inspect(page);
    const drawn = await page.evaluate<{ plots: number; traces: number; containers: number }>(COUNT_DRAWN);
    fs.mkdirSync(path.dirname(screenshotFile), { recursive: true });
    await page.screenshot({ path: screenshotFile, fullPage: true });
    return { ...drawn, consoleErrors, blocked };
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

/**
 * The check the notebook test uses: opens a local HTML file (e.g. an nbconvert export) with
 * all network blocked, waits for drawn Plotly traces, screenshots the whole page.
 * @returns how many charts drew and how many trace groups they drew (both > 0, or it throws)
 */
export async function expectPlotRendered(htmlFile: string, screenshotFile: string, options: RenderOptions = {}): Promise<RenderReport> {
  const file = path.resolve(htmlFile);
  if (!fs.existsSync(file)) throw new Error(`expectPlotRendered: no such file ${file}`);
  return expectPlotRenderedAt("file://" + file, screenshotFile, options);
}
