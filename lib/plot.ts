/**
 * Plots inline in the notebook: Plotly figures drawn offline from the npm copy of plotly.js.
 *
 * A figure is plain Plotly JSON, `{ data, layout?, config?, frames? }`. `figureHTML` turns it
 * into a `<div>` plus a small drawing script; `showFigure` displays that in the notebook, or
 * prints a one-line summary on a terminal (tests, scripts). The course's plots are built by
 * named helpers that show the figure and return it: `linePlot` (loss curves, series),
 * `scatterPlot` (a 2-D latent space coloured by label), `heatmap` (attention weights, a bigram
 * table), `imageGrid` (generated images) and `animatedPlot` (a process unfolding: diffusion
 * steps, GAN snapshots; its frames are figures made by the other helpers with `show: false`).
 *
 * Offline and once: plotly.js (4.5 MB, from node_modules/plotly.js-dist-min) is inlined in the
 * FIRST figure shown in a kernel session; later figures carry only their drawing script, which
 * waits briefly for `window.Plotly`. When the cell that carried the library runs again, its new
 * output carries it again (its old output, library included, is being replaced): the course
 * kernel tells which cell runs (lib/display.ts, currentExecution). The library is wrapped so
 * that it always sets `window.Plotly`, even where require.js defines `define.amd` (classic
 * Notebook), which would otherwise make plotly's UMD header register an AMD module instead. No
 * CDN, no network.
 *
 * Every figure output also shows without scripts (an untrusted notebook, GitHub's viewer, a
 * text-only client): it is one display bundle with `text/plain` (the one-line summary), a note
 * inside the plot's box saying how to see the interactive plot (the drawing script replaces
 * it), and, for pictures (image grids, heatmaps, animations of images), `image/png`. An image
 * grid needs no script at all: it is shown as an `<img>` that scales to the page's width, with
 * its title, row and column labels as HTML.
 *
 * Shape letters: N images, h height, w width, C channels (1 or 3), R rows, K columns,
 * S series, T points per series.
 */
import * as tf from "@tensorflow/tfjs";
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { currentExecution, escapeHTML, inNotebook, showBundle, type Bundle } from "./display";
import { encodePNG } from "./png";

// ---------------------------------------------------------------------------------------------
// Figures and their HTML
// ---------------------------------------------------------------------------------------------

/** One Plotly trace, as plain JSON (`type`, `x`, `y`, `z`, `name`, `marker`, ...). */
export interface Trace {
  type?: string;
  name?: string;
  [key: string]: unknown;
}

/** Plotly layout JSON (`title`, `xaxis`, `yaxis`, `height`, ...). */
export interface Layout {
  [key: string]: unknown;
}

/** One animation frame in Plotly's own format. */
export interface PlotlyFrame {
  name?: string;
  data?: Trace[];
  layout?: Layout;
  [key: string]: unknown;
}

/** A Plotly figure: what every helper here returns. */
export interface Figure {
  data: Trace[];
  layout?: Layout;
  config?: Record<string, unknown>;
  frames?: PlotlyFrame[];
}

export interface FigureHTMLOptions {
  /**
   * Whether the HTML carries plotly.js itself. Default "auto": only if no earlier output of
   * this session carried it (and then this one does, so the next does not). Use "always" for
   * HTML that must stand alone (a file), "never" when the page already has `window.Plotly`.
   */
  includeLibrary?: "auto" | "always" | "never";
  /** Longest wait, in ms, for plotly.js to appear before the div shows an error (default 30000). */
  waitMs?: number;
  /** A picture of the figure (a data: URI) shown in the note until the script draws (default none). */
  pictureDataURI?: string;
}

/** Height of a figure when the helper or the layout does not choose one (px). */
export const DEFAULT_HEIGHT = 360;

/** Plotly config used unless the figure overrides a field: no logo, no mode bar, responsive. */
export const DEFAULT_CONFIG: Readonly<Record<string, unknown>> = {
  displaylogo: false,
  displayModeBar: false,
  responsive: true,
  scrollZoom: false,
};

/** The execution whose output carries plotly.js (`count` and `cellId` may be unknown), or null. */
let libraryCarrier: { count?: number; cellId?: string } | null = null;
let plotlySource: string | null = null;
let figureCounter = 0;

/** The text of plotly.min.js from node_modules (read once). */
function plotlyJS(): string {
  if (plotlySource !== null) return plotlySource;
  let file: string;
  try {
    file = createRequire(path.join(process.cwd(), "noop.js")).resolve("plotly.js-dist-min");
  } catch {
    throw new Error(`plotly.js-dist-min was not found from ${process.cwd()}: run the course from its root folder, after npm install`);
  }
  plotlySource = fs.readFileSync(file, "utf8");
  return plotlySource;
}

/**
 * The `<script>` that defines `window.Plotly` from the inlined library. The UMD header of
 * plotly.min.js checks `exports`/`module`, then `define.amd`, and only then sets `self.Plotly`;
 * shadowing those three names with undefined parameters makes it take the last branch even on
 * pages with require.js. It does nothing if the page already has Plotly.
 */
export function plotlyLibraryScript(): string {
  // "</script" cannot appear inside an inline script; plotly.min.js has none, but be safe.
  const src = plotlyJS().replace(/<\/script/gi, "<\\/script");
  return (
    `<script type="text/javascript">window.PlotlyConfig = window.PlotlyConfig || { MathJaxConfig: "local" };\n` +
    `if (!window.Plotly) { (function (define, module, exports) {\n${src}\n}).call(window); }</script>`
  );
}

/**
 * Marks plotly.js as not yet sent, so the next figure carries it again. Call this after
 * clearing all outputs without restarting the kernel (otherwise the saved notebook's plots
 * would have no library once reopened).
 */
export function forgetInlinedLibrary(): void {
  libraryCarrier = null;
}

/**
 * Whether an "auto" figure shown now must carry plotly.js: when no output of the session
 * carries it yet, or when the cell whose output carries it is running again (its old output
 * is being replaced). A figure of that same execution after the first does not.
 */
function libraryNeeded(): boolean {
  if (libraryCarrier === null) return true;
  const now = currentExecution();
  return now?.cellId !== undefined && now.cellId === libraryCarrier.cellId && now.count !== libraryCarrier.count;
}

/** JSON safe inside a `<script>`: typed arrays become arrays, `<` is escaped. */
function scriptJSON(value: unknown): string {
  const json = JSON.stringify(value, (_key, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v));
  return json
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function checkFigure(fig: Figure, name: string): void {
  if (fig === null || typeof fig !== "object" || !Array.isArray(fig.data)) {
    throw new Error(`${name} must be a figure { data: Trace[], layout?, config?, frames? }, got ${describe(fig)}`);
  }
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (x instanceof tf.Tensor) return `a tensor of shape [${x.shape.join(", ")}]`;
  return typeof x;
}

/**
 * The HTML of one figure: a div and the script that draws it (plus plotly.js itself, see
 * `includeLibrary`). The script waits for `window.Plotly` and for the div to be on the page,
 * so it works whichever output, earlier or later, brought the library.
 */
export function figureHTML(fig: Figure, options: FigureHTMLOptions = {}): string {
  checkFigure(fig, "fig");
  const { includeLibrary = "auto", waitMs = 30000 } = options;
  if (includeLibrary !== "auto" && includeLibrary !== "always" && includeLibrary !== "never") {
    throw new Error(`options.includeLibrary must be "auto", "always" or "never", got ${JSON.stringify(includeLibrary)}`);
  }
  const withLibrary = includeLibrary === "always" || (includeLibrary === "auto" && libraryNeeded());
  if (includeLibrary === "auto" && withLibrary) {
    const now = currentExecution();
    libraryCarrier = { count: now?.count, cellId: now?.cellId };
  }

  const layout: Layout = { ...(fig.layout ?? {}) };
  const height = typeof layout.height === "number" ? layout.height : DEFAULT_HEIGHT;
  layout.height = height;
  const width = typeof layout.width === "number" ? `${layout.width}px` : "100%";
  const config = { ...DEFAULT_CONFIG, ...(fig.config ?? {}) };
  const payload = { data: fig.data, layout, config, frames: fig.frames ?? null };

  figureCounter += 1;
  const id = `genai-plot-${Date.now().toString(36)}-${figureCounter}-${Math.random().toString(36).slice(2, 8)}`;
  // What shows until the script draws (and where it did not run: untrusted, GitHub, no JS).
  const title = titleText(layout.title);
  const note =
    `<div class="genai-plot-note" style="box-sizing:border-box;height:100%;overflow:hidden;padding:10px 12px;` +
    `border:1px dashed #bbb;color:#555;font:13px/1.4 sans-serif;">` +
    (title ? `<div style="font-weight:600;color:#333;">${title}</div>` : "") +
    `<div>Interactive plot: it draws when this cell runs, or when the notebook is trusted ` +
    `(JupyterLab: Command Palette ▸ “Trust Notebook”; or <code>jupyter trust</code> on the file).</div>` +
    (options.pictureDataURI
      ? `<img src="${options.pictureDataURI}" alt="${escapeHTML(plainText(title) || "figure")}" ` +
        `style="display:block;max-width:100%;max-height:80%;margin-top:6px;image-rendering:pixelated;">`
      : "") +
    `</div>`;
  const draw =
    `<script type="text/javascript">(function () {\n` +
    `  var fig = ${scriptJSON(payload)};\n` +
    `  var id = "${id}", start = Date.now(), waitMs = ${Math.max(0, Math.round(waitMs))};\n` +
    `  function draw() {\n` +
    `    var gd = document.getElementById(id), P = window.Plotly;\n` +
    `    var attached = gd && (gd.isConnected === undefined ? document.body.contains(gd) : gd.isConnected);\n` +
    `    if (!attached || !P || !P.newPlot) {\n` +
    `      if (Date.now() - start < waitMs) { setTimeout(draw, 50); return; }\n` +
    `      var note = gd && gd.querySelector(".genai-plot-note");\n` +
    `      if (note) note.textContent = "This plot needs plotly.js, which an earlier output should have loaded. " +\n` +
    `        "Restart the kernel and run all cells (or see forgetInlinedLibrary in lib/plot.ts).";\n` +
    `      return;\n` +
    `    }\n` +
    `    gd.textContent = "";\n` +
    `    P.newPlot(gd, fig.data, fig.layout, fig.config).then(function () {\n` +
    `      if (fig.frames) return P.addFrames(gd, fig.frames);\n` +
    `    });\n` +
    `  }\n` +
    `  draw();\n` +
    `})();</script>`;
  const div = `<div id="${id}" class="genai-plot" style="width:${width};max-width:100%;height:${height}px;">${note}</div>`;
  return (withLibrary ? plotlyLibraryScript() + "\n" : "") + div + "\n" + draw;
}

/** A one-line description of a figure, shown instead of the plot outside a notebook. */
export function figureSummary(fig: Figure): string {
  checkFigure(fig, "fig");
  const title = plainText(titleText(fig.layout?.title));
  const kinds = new Map<string, number>();
  for (const t of fig.data) kinds.set(t.type ?? "scatter", (kinds.get(t.type ?? "scatter") ?? 0) + 1);
  const kindText = [...kinds].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join(", ");
  const names = fig.data
    .map((t) => t.name)
    .filter((n): n is string => typeof n === "string" && n !== "")
    .map(plainText);
  const namesText = names.length > 0 && names.length <= 10 ? `: ${names.join(", ")}` : "";
  const frames = fig.frames && fig.frames.length > 0 ? `, ${fig.frames.length} frames` : "";
  const n = fig.data.length;
  return `[plot] ${title ? `"${title}" ` : ""}${n} trace${n === 1 ? "" : "s"} (${kindText || "none"})${namesText}${frames}`;
}

function unescape(s: string): string {
  return s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

function titleText(title: unknown): string {
  if (typeof title === "string") return title;
  if (title && typeof title === "object" && typeof (title as { text?: unknown }).text === "string") {
    return (title as { text: string }).text;
  }
  return "";
}

/**
 * Shows a figure inline in the notebook; on a terminal prints its one-line summary.
 * @returns the same figure
 */
export function showFigure(fig: Figure): Figure {
  checkFigure(fig, "fig");
  summarised(fig);
  const summary = figureSummary(fig);
  if (!inNotebook()) {
    console.log(summary);
    return fig;
  }
  showBundle(figureBundle(fig), summary);
  // The course kernel does not print a shown figure again as the cell's last value.
  Object.defineProperty(fig, SHOWN, { value: true, enumerable: false, configurable: true });
  return fig;
}

/** Set on a figure once it is shown in a notebook; scripts/kernel.cjs then does not print it as a value. */
const SHOWN = Symbol.for("genai-ts.figure.shown");

/**
 * The output of a figure, as a display bundle: `text/plain` always; an image grid as HTML with
 * an `<img>` (no script) plus `image/png`; any other figure as the Plotly HTML, plus `image/png`
 * when it is a picture (a heatmap, an animation of image grids).
 */
export function figureBundle(fig: Figure): Bundle {
  checkFigure(fig, "fig");
  const summary = figureSummary(fig);
  const grid = gridOf(fig);
  if (grid) {
    const png = gridPNG(grid, gridRows(grid).all);
    return { "text/html": gridHTML(grid), "image/png": png, "text/plain": summary };
  }
  const png = picturePNG(fig);
  const pictureDataURI = png ? "data:image/png;base64," + png.toString("base64") : undefined;
  return { "text/html": figureHTML(fig, { pictureDataURI }), ...(png ? { "image/png": png } : {}), "text/plain": summary };
}

const PICTURE = Symbol("genai-ts.picture");

/** The figure as a PNG when it is a picture (a heatmap, an animation of images), else undefined. */
function picturePNG(fig: Figure): Buffer | undefined {
  const make = (fig as { [PICTURE]?: () => Buffer })[PICTURE];
  return make ? make() : undefined;
}

/** Marks a figure as a picture, drawn by `make` for its static output. */
function withPicture(fig: Figure, make: () => Buffer): Figure {
  Object.defineProperty(fig, PICTURE, { value: make, enumerable: false, configurable: true });
  return fig;
}

/** Gives a figure the inspect hook that prints it as its one-line summary (see finish). */
function summarised(fig: Figure): Figure {
  if (!Object.getOwnPropertyDescriptor(fig, Symbol.for("nodejs.util.inspect.custom"))) {
    Object.defineProperty(fig, Symbol.for("nodejs.util.inspect.custom"), {
      value: () => figureSummary(fig),
      enumerable: false,
      configurable: true,
    });
  }
  return fig;
}

/**
 * A complete, standalone HTML page with plotly.js inlined once and each figure below it
 * (for files opened in a browser, and for the headless render check).
 */
export function pageHTML(figs: Figure[], title = "Figures"): string {
  if (!Array.isArray(figs)) throw new Error(`figs must be an array of figures, got ${describe(figs)}`);
  figs.forEach((f, i) => checkFigure(f, `figs[${i}]`));
  const body = figs.map((f) => `<div class="figure">${figureHTML(f, { includeLibrary: "never" })}</div>`).join("\n");
  return (
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escapeHTML(title)}</title></head>\n` +
    `<body style="font-family:sans-serif;max-width:960px;margin:1em auto;">\n` +
    `${plotlyLibraryScript()}\n${body}\n</body></html>\n`
  );
}

// ---------------------------------------------------------------------------------------------
// Shared helper options and input reading
// ---------------------------------------------------------------------------------------------

/** Options every plotting helper takes. */
export interface CommonPlotOptions {
  /** Figure title (default: none). */
  title?: string;
  /** Height in px (default: chosen by the helper, usually 360). */
  height?: number;
  /** Width in px (default: the notebook's width; image grids choose their own). */
  width?: number;
  /** Show the figure now (default true); false only builds it, e.g. as an animation frame. */
  show?: boolean;
}

/** Numbers as a 1-D tensor, a plain or typed array. */
export type Numbers = tf.Tensor | ArrayLike<number>;

/**
 * User text for Plotly's text fields, which read a few HTML tags and entities: escaped, so a
 * token like "<eos>" shows as itself.
 */
function plotText(s: string | number): string {
  return escapeHTML(String(s)).replace(
    SUBSCRIPT,
    (_m, base: string, braced?: string, plain?: string) => `${base}<sub>${braced ?? plain}</sub>`,
  );
}

/**
 * `x_t`, `ε_θ`, `p_{data}`: a letter (or a closing bracket) then `_` then a word or a braced
 * group, written as a subscript (Plotly's text and HTML both read `<sub>`).
 */
const SUBSCRIPT = /([\p{L}\p{M})\]])_(?:\{([^{}]+)\}|([\p{L}\p{N}]+))/gu;

/** Text of a Plotly text field for a plain-text summary: subscripts back to `_`, tags dropped. */
function plainText(s: string): string {
  return unescape(
    s
      .replace(/<sub>(.*?)<\/sub>/g, "_$1")
      .replace(/<br\s*\/?>/g, " · ")
      .replace(/<[^>]+>/g, ""),
  );
}

/** Characters of a title line at most: about what fits 900 px at Plotly's title size. */
const TITLE_LINE = 90;

/**
 * A title's text for Plotly, which does not wrap titles: one longer than TITLE_LINE characters
 * is broken at the space nearest its middle.
 */
function wrapTitle(title: string): string {
  const text = plotText(title);
  if (title.length <= TITLE_LINE) return text;
  const middle = title.length / 2;
  let best = -1;
  for (let i = title.indexOf(" "); i >= 0; i = title.indexOf(" ", i + 1))
    if (best < 0 || Math.abs(i - middle) < Math.abs(best - middle)) best = i;
  return best < 0 ? text : `${plotText(title.slice(0, best))}<br>${plotText(title.slice(best + 1))}`;
}

function titleLayout(title: string | undefined): Layout {
  return title ? { title: { text: wrapTitle(title), x: 0.02, xanchor: "left" } } : {};
}

/** Room above the plot for the title: none, one line or two. */
function titleSpace(title: string | undefined): number {
  return !title ? 20 : title.length <= TITLE_LINE ? 50 : 72;
}

function margin(title: string | undefined): Layout {
  return { l: 60, r: 20, t: titleSpace(title), b: 50 };
}

/**
 * Shows the figure unless `show: false`, and returns it. A notebook cell prints its last value:
 * the course kernel skips a figure already shown, and anywhere else a figure prints as its
 * one-line summary instead of pages of JSON (a non-enumerable util.inspect hook;
 * JSON.stringify(fig) still gives the full figure).
 */
function finish(fig: Figure, options: { show?: boolean }): Figure {
  summarised(fig);
  if (options.show ?? true) showFigure(fig);
  return fig;
}

function checkSize(options: CommonPlotOptions): void {
  for (const key of ["height", "width"] as const) {
    const v = options[key];
    if (v !== undefined && !(typeof v === "number" && Number.isFinite(v) && v > 0)) {
      throw new Error(`options.${key} must be a positive number of pixels, got ${v}`);
    }
  }
}

/** Reads numbers from a tensor or array into a plain array (no tensors created). */
function toNumbers(x: Numbers, name: string, rank1 = true): number[] {
  if (x instanceof tf.Tensor) {
    if (rank1 && x.rank !== 1) throw new Error(`${name} must be a 1-D tensor [T], got shape [${x.shape.join(", ")}]`);
    return Array.from(x.dataSync());
  }
  if (x === null || typeof x !== "object" || typeof (x as ArrayLike<number>).length !== "number") {
    throw new Error(`${name} must be an array of numbers or a 1-D tensor, got ${describe(x)}`);
  }
  const out = Array.from(x as ArrayLike<number>);
  for (let i = 0; i < out.length; i++) {
    if (typeof out[i] !== "number") {
      throw new Error(`${name} must hold numbers, but ${name}[${i}] is ${describe(out[i])}`);
    }
  }
  return out;
}

/** Plotly's finite-only JSON: NaN and ±Infinity become null (a gap). */
function gaps(values: number[]): (number | null)[] {
  return values.map((v) => (Number.isFinite(v) ? v : null));
}

// ---------------------------------------------------------------------------------------------
// linePlot
// ---------------------------------------------------------------------------------------------

/** One series: its y values, or an object with its own x and name. */
export type LineSeries = Numbers | { y: Numbers; x?: Numbers; name?: string };

export interface LinePlotOptions extends CommonPlotOptions {
  /** x values shared by every series that has no own x (default 0, 1, 2, ...). */
  x?: Numbers;
  /** Legend names, one per series (default: record keys, the series' own names, or "series i"). */
  names?: string[];
  /** x-axis title (default none). */
  xTitle?: string;
  /** y-axis title (default none). */
  yTitle?: string;
  /** Logarithmic y axis, e.g. for losses (default false). */
  logY?: boolean;
  /** Logarithmic x axis, e.g. for widths 1, 2, 4, …, 512 (default false). */
  logX?: boolean;
  /** Plotly mode (default "lines"). */
  mode?: "lines" | "markers" | "lines+markers";
}

/**
 * Line plot of one or more series, e.g. training and validation loss.
 *
 * `series` is one series (numbers, a 1-D tensor [T], or `{ y, x?, name? }`), a list of them,
 * a 2-D tensor [S, T] (one series per row), or a record `{ name: series }`.
 * @returns the figure (one scatter trace per series)
 */
export function linePlot(
  series: LineSeries | LineSeries[] | tf.Tensor | Record<string, LineSeries>,
  options: LinePlotOptions = {},
): Figure {
  checkSize(options);
  const { x, names, xTitle, yTitle, logY = false, logX = false, mode = "lines", title, height, width } = options;
  let list: { y: Numbers; x?: Numbers; name?: string }[];
  if (series instanceof tf.Tensor) {
    if (series.rank === 1) list = [{ y: series }];
    else if (series.rank === 2) {
      const [S, T] = series.shape;
      const v = series.dataSync();
      list = Array.from({ length: S }, (_, s) => ({ y: Array.from(v.subarray(s * T, (s + 1) * T)) }));
    } else throw new Error(`series must be a 1-D tensor [T] or a 2-D tensor [S, T], got shape [${series.shape.join(", ")}]`);
  } else if (Array.isArray(series) && (series.length === 0 || typeof series[0] === "number")) {
    list = [{ y: series as unknown as number[] }];
  } else if (Array.isArray(series)) {
    list = (series as LineSeries[]).map((s) => asSeries(s));
  } else if (ArrayBuffer.isView(series)) {
    list = [{ y: series as unknown as ArrayLike<number> }];
  } else if (series !== null && typeof series === "object" && "y" in series) {
    list = [series as { y: Numbers; x?: Numbers; name?: string }];
  } else if (series !== null && typeof series === "object") {
    list = Object.entries(series as Record<string, LineSeries>).map(([k, s]) => ({ name: k, ...asSeries(s) }));
  } else {
    throw new Error(`series must be numbers, a tensor, a list of series or a record of series, got ${describe(series)}`);
  }
  if (names !== undefined && names.length !== list.length) {
    throw new Error(`options.names has ${names.length} names but there are ${list.length} series`);
  }
  const sharedX = x === undefined ? undefined : toNumbers(x, "options.x");
  const data: Trace[] = list.map((s, i) => {
    const label = i === 0 && list.length === 1 ? "series" : `series[${i}]`;
    const y = toNumbers(s.y, label + ".y");
    const xs = s.x !== undefined ? toNumbers(s.x, label + ".x") : (sharedX ?? y.map((_, j) => j));
    if (xs.length !== y.length) {
      throw new Error(`${s.x !== undefined ? label + ".x" : "options.x"} has ${xs.length} values but ${label} has ${y.length}`);
    }
    return { type: "scatter", mode, name: plotText(names?.[i] ?? s.name ?? `series ${i}`), x: gaps(xs), y: gaps(y) };
  });
  const layout: Layout = {
    ...titleLayout(title),
    height: height ?? DEFAULT_HEIGHT,
    ...(width ? { width } : {}),
    margin: margin(title),
    showlegend: data.length > 1,
    xaxis: { title: { text: plotText(xTitle ?? "") }, zeroline: false, ...(logX ? { type: "log", exponentformat: "power" } : {}) },
    // "power": a log axis reads 10⁻⁶, not "1µ"
    yaxis: {
      title: { text: plotText(yTitle ?? "") },
      type: logY ? "log" : "linear",
      zeroline: false,
      ...(logY ? { exponentformat: "power" } : {}),
    },
  };
  return finish({ data, layout }, options);
}

function asSeries(s: LineSeries): { y: Numbers; x?: Numbers; name?: string } {
  if (s !== null && typeof s === "object" && !(s instanceof tf.Tensor) && !ArrayBuffer.isView(s) && "y" in s) {
    return s as { y: Numbers; x?: Numbers; name?: string };
  }
  return { y: s as Numbers };
}

// ---------------------------------------------------------------------------------------------
// scatterPlot
// ---------------------------------------------------------------------------------------------

export interface ScatterPlotOptions extends CommonPlotOptions {
  /** One label per point [N] (e.g. digit class): one coloured trace per distinct label. */
  labels?: ArrayLike<number | string> | tf.Tensor;
  /** Which labels to draw, in legend order (default: the distinct labels, sorted). Fix it when animating. */
  groups?: (number | string)[];
  /** A number per point [N] for a continuous colour scale (cannot be combined with labels). */
  colors?: Numbers;
  /** Legend title (default "label"). */
  legendTitle?: string;
  /** x-axis title (default none). */
  xTitle?: string;
  /** y-axis title (default none). */
  yTitle?: string;
  /** Marker diameter in px (default 5). */
  markerSize?: number;
  /** Marker opacity (default 0.75). */
  opacity?: number;
  /** One unit on x is as long as one on y, right for latent spaces (default false). */
  equalAxes?: boolean;
  /** A short text written next to each point [N], e.g. the character an embedding stands for (default none). */
  pointLabels?: string[];
}

/**
 * Scatter plot of 2-D points, e.g. a VAE's latent means coloured by digit.
 * @param points shape [N, 2], as a tensor or `number[][]`, or `{ x: [N], y: [N] }`
 * @returns the figure: one trace per group (labels), or one trace
 */
export function scatterPlot(points: tf.Tensor | number[][] | { x: Numbers; y: Numbers }, options: ScatterPlotOptions = {}): Figure {
  checkSize(options);
  const { labels, groups, colors, legendTitle = "label", xTitle, yTitle, title, height, width } = options;
  const { markerSize = 5, opacity = 0.75, equalAxes = false, pointLabels } = options;
  let xs: number[];
  let ys: number[];
  if (points instanceof tf.Tensor) {
    if (points.rank !== 2 || points.shape[1] !== 2) {
      throw new Error(`points must have shape [N, 2], got [${points.shape.join(", ")}]`);
    }
    const v = points.dataSync();
    xs = [];
    ys = [];
    for (let i = 0; i < points.shape[0]; i++) {
      xs.push(v[2 * i]);
      ys.push(v[2 * i + 1]);
    }
  } else if (Array.isArray(points)) {
    points.forEach((p, i) => {
      if (!Array.isArray(p) || p.length !== 2) throw new Error(`points must have shape [N, 2], but points[${i}] is ${describe(p)}`);
    });
    xs = points.map((p) => p[0]);
    ys = points.map((p) => p[1]);
  } else if (points !== null && typeof points === "object" && "x" in points && "y" in points) {
    xs = toNumbers(points.x, "points.x");
    ys = toNumbers(points.y, "points.y");
    if (xs.length !== ys.length) throw new Error(`points.x has ${xs.length} values but points.y has ${ys.length}`);
  } else {
    throw new Error(`points must be a [N, 2] tensor, a number[][] of pairs or { x, y }, got ${describe(points)}`);
  }
  const N = xs.length;
  if (labels !== undefined && colors !== undefined) throw new Error("options.labels and options.colors cannot both be given");
  if (pointLabels !== undefined && pointLabels.length !== N) {
    throw new Error(`options.pointLabels has ${pointLabels.length} labels but points has ${N} points`);
  }
  const marker = { size: markerSize, opacity };
  // Written next to the points of `idx` (all points when idx is undefined).
  const texts = (idx?: number[]): Trace =>
    pointLabels === undefined
      ? {}
      : {
          mode: "markers+text",
          text: (idx ?? pointLabels.map((_, i) => i)).map((i) => plotText(pointLabels[i])),
          textposition: "top center",
        };
  const data: Trace[] = [];
  if (labels !== undefined) {
    const lab: (number | string)[] = labels instanceof tf.Tensor ? Array.from(labels.dataSync()) : Array.from(labels);
    if (lab.length !== N) throw new Error(`options.labels has ${lab.length} labels but points has ${N} points`);
    const order =
      groups ??
      [...new Set(lab)].sort((a, b) => (typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b))));
    for (const g of order) {
      const idx: number[] = [];
      lab.forEach((l, i) => {
        if (l === g) idx.push(i);
      });
      data.push({
        type: "scatter",
        mode: "markers",
        name: plotText(g),
        x: gaps(idx.map((i) => xs[i])),
        y: gaps(idx.map((i) => ys[i])),
        marker,
        ...texts(idx),
      });
    }
  } else if (colors !== undefined) {
    const c = toNumbers(colors, "options.colors");
    if (c.length !== N) throw new Error(`options.colors has ${c.length} values but points has ${N} points`);
    data.push({
      type: "scatter",
      mode: "markers",
      name: "",
      x: gaps(xs),
      y: gaps(ys),
      marker: { ...marker, color: c, colorscale: "Viridis", showscale: true },
      ...texts(),
    });
  } else {
    data.push({ type: "scatter", mode: "markers", name: "", x: gaps(xs), y: gaps(ys), marker, ...texts() });
  }
  const layout: Layout = {
    ...titleLayout(title),
    height: height ?? 420,
    ...(width ? { width } : {}),
    margin: margin(title),
    showlegend: labels !== undefined,
    legend: { title: { text: plotText(legendTitle) }, itemsizing: "constant" },
    xaxis: { title: { text: plotText(xTitle ?? "") }, zeroline: false },
    yaxis: { title: { text: plotText(yTitle ?? "") }, zeroline: false, ...(equalAxes ? { scaleanchor: "x", scaleratio: 1 } : {}) },
  };
  return finish({ data, layout }, options);
}

// ---------------------------------------------------------------------------------------------
// heatmap
// ---------------------------------------------------------------------------------------------

export interface HeatmapOptions extends CommonPlotOptions {
  /** Labels of the R rows, top to bottom (default 0, 1, ...). Repeats are fine (tokens). */
  rowLabels?: (string | number)[];
  /** Labels of the K columns, left to right (default 0, 1, ...). */
  colLabels?: (string | number)[];
  /** x-axis title (default none). */
  xTitle?: string;
  /** y-axis title (default none). */
  yTitle?: string;
  /** A Plotly colour scale: a name ("Viridis", "RdBu") or [[0, colour], ..., [1, colour]] (default white to blue). */
  colorscale?: string | [number, string][];
  /** Colour range (default: the data's min and max). Attention weights: 0 and 1. */
  zmin?: number;
  zmax?: number;
  /** Write each value in its cell (default: only when R·K ≤ 144). */
  showValues?: boolean;
  /** Decimal places of the written values and the hover text (default 2). */
  digits?: number;
  /** Square cells (default true). */
  square?: boolean;
}

/** ColorBrewer's "Blues", light for low values (Plotly's own "Blues" runs dark to light). */
export const WHITE_TO_BLUE: [number, string][] = [
  [0, "#f7fbff"],
  [0.125, "#deebf7"],
  [0.25, "#c6dbef"],
  [0.375, "#9ecae1"],
  [0.5, "#6baed6"],
  [0.625, "#4292c6"],
  [0.75, "#2171b5"],
  [0.875, "#08519c"],
  [1, "#08306b"],
];

/**
 * Heatmap of a matrix, row 0 at the top, e.g. attention weights [T, T] or bigram counts.
 * @param matrix shape [R, K], a tensor or `number[][]`
 * @returns the figure (one heatmap trace)
 */
export function heatmap(matrix: tf.Tensor | number[][], options: HeatmapOptions = {}): Figure {
  checkSize(options);
  const { rowLabels, colLabels, xTitle, yTitle, colorscale = WHITE_TO_BLUE, zmin, zmax, digits = 2, square = true, title, width } = options;
  let z: number[][];
  if (matrix instanceof tf.Tensor) {
    if (matrix.rank !== 2) throw new Error(`matrix must have shape [R, K], got [${matrix.shape.join(", ")}]`);
    const [R, K] = matrix.shape;
    const v = matrix.dataSync();
    z = Array.from({ length: R }, (_, r) => Array.from(v.subarray(r * K, (r + 1) * K)));
  } else if (Array.isArray(matrix)) {
    z = matrix.map((row, r) => toNumbers(row, `matrix[${r}]`));
    const K = z.length > 0 ? z[0].length : 0;
    z.forEach((row, r) => {
      if (row.length !== K)
        throw new Error(`matrix must have shape [R, K], but matrix[${r}] has ${row.length} values and matrix[0] has ${K}`);
    });
  } else {
    throw new Error(`matrix must be a [R, K] tensor or number[][], got ${describe(matrix)}`);
  }
  const R = z.length;
  const K = R > 0 ? z[0].length : 0;
  if (rowLabels !== undefined && rowLabels.length !== R)
    throw new Error(`options.rowLabels has ${rowLabels.length} labels but matrix has ${R} rows`);
  if (colLabels !== undefined && colLabels.length !== K)
    throw new Error(`options.colLabels has ${colLabels.length} labels but matrix has ${K} columns`);
  if (!Number.isInteger(digits) || digits < 0 || digits > 10)
    throw new Error(`options.digits must be an integer in [0, 10], got ${digits}`);
  const rows = (rowLabels ?? z.map((_, r) => r)).map(plotText);
  const cols = (colLabels ?? (z[0] ?? []).map((_, k) => k)).map(plotText);
  // Index labels (none given) on every k-th cell only when there are many: they would overlap.
  const every = (n: number, given: boolean) => (given || n <= 24 ? 1 : Math.ceil(n / 16));
  const rowStep = every(R, rowLabels !== undefined);
  const colStep = every(K, colLabels !== undefined);
  const showValues = options.showValues ?? R * K <= 144;
  // Cells sit at integer positions, labels are tick texts: repeated labels stay separate cells.
  const trace: Trace = {
    type: "heatmap",
    z: z.map((row) => gaps(row)),
    x: cols.map((_, k) => k),
    y: rows.map((_, r) => r),
    text: rows.map((rl) => cols.map((cl) => `${rl} → ${cl}`)),
    hovertemplate: `%{text}: %{z:.${digits}f}<extra></extra>`,
    colorscale,
    ...(zmin !== undefined ? { zmin } : {}),
    ...(zmax !== undefined ? { zmax } : {}),
    ...(showValues ? { texttemplate: `%{z:.${digits}f}`, textfont: { size: 10 } } : {}),
  };
  const height = options.height ?? Math.min(640, Math.max(260, 24 * R + titleSpace(title) + 70));
  const layout: Layout = {
    ...titleLayout(title),
    height,
    ...(width ? { width } : {}),
    margin: { l: 70, r: 20, t: titleSpace(title), b: 60 },
    xaxis: {
      title: { text: plotText(xTitle ?? "") },
      tickmode: "array",
      tickvals: cols.map((_, k) => k).filter((k) => k % colStep === 0),
      ticktext: cols.filter((_, k) => k % colStep === 0),
      showgrid: false,
      zeroline: false,
      ...(square ? { constrain: "domain" } : {}),
    },
    yaxis: {
      title: { text: plotText(yTitle ?? "") },
      tickmode: "array",
      tickvals: rows.map((_, r) => r).filter((r) => r % rowStep === 0),
      ticktext: rows.filter((_, r) => r % rowStep === 0),
      autorange: "reversed",
      showgrid: false,
      zeroline: false,
      ...(square ? { scaleanchor: "x", scaleratio: 1, constrain: "domain" } : {}),
    },
  };
  const fig = withPicture({ data: [trace], layout }, () => heatmapPNG(z, colorscale, zmin, zmax));
  return finish(fig, options);
}

/** Plotly's Viridis colour scale, at 9 stops. */
const VIRIDIS: [number, string][] = [
  [0, "#440154"],
  [0.125, "#482878"],
  [0.25, "#3e4989"],
  [0.375, "#31688e"],
  [0.5, "#26828e"],
  [0.625, "#1f9e89"],
  [0.75, "#35b779"],
  [0.875, "#6ece58"],
  [1, "#fde725"],
];

/** The RGB colour of t ∈ [0, 1] on a colour scale given as [[0, "#rrggbb"], ..., [1, "#rrggbb"]]. */
function scaleColour(scale: [number, string][], t: number): [number, number, number] {
  const rgb = (hex: string): [number, number, number] => {
    const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
    return m ? [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)] : [128, 128, 128];
  };
  let k = 0;
  while (k < scale.length - 2 && t > scale[k + 1][0]) k++;
  const [t0, c0] = scale[k];
  const [t1, c1] = scale[Math.min(k + 1, scale.length - 1)];
  const f = t1 > t0 ? Math.min(1, Math.max(0, (t - t0) / (t1 - t0))) : 0;
  const a = rgb(c0);
  const b = rgb(c1);
  return [0, 1, 2].map((c) => Math.round(a[c] + f * (b[c] - a[c]))) as [number, number, number];
}

/**
 * A heatmap's cells as a PNG (no labels: the static stand-in for the interactive plot). Named
 * colour scales other than Viridis are drawn in grey.
 */
function heatmapPNG(z: number[][], colorscale: string | [number, string][], zmin?: number, zmax?: number): Buffer {
  const R = z.length;
  const K = z[0]?.length ?? 0;
  const scale: [number, string][] = Array.isArray(colorscale)
    ? colorscale
    : colorscale.toLowerCase() === "viridis"
      ? VIRIDIS
      : [
          [0, "#ffffff"],
          [1, "#000000"],
        ];
  const finite = z.flat().filter((v) => Number.isFinite(v));
  const lo = zmin ?? Math.min(...finite);
  const hi = zmax ?? Math.max(...finite);
  const cell = Math.max(4, Math.min(40, Math.round(360 / Math.max(R, K, 1))));
  const W = K * cell;
  const H = R * cell;
  const rgb = new Uint8Array(W * H * 3);
  for (let r = 0; r < R; r++) {
    for (let k = 0; k < K; k++) {
      const v = z[r][k];
      const colour: [number, number, number] = Number.isFinite(v)
        ? scaleColour(scale, hi > lo ? (v - lo) / (hi - lo) : 0.5)
        : [230, 230, 230];
      for (let i = 0; i < cell; i++) {
        for (let j = 0; j < cell; j++) rgb.set(colour, ((r * cell + i) * W + k * cell + j) * 3);
      }
    }
  }
  return encodePNG(rgb, W, H);
}

// ---------------------------------------------------------------------------------------------
// imageGrid
// ---------------------------------------------------------------------------------------------

/** Images as a tensor [N, h, w], [N, h, w, 1] or [N, h, w, 3], or nested arrays of those shapes. */
export type Images = tf.Tensor | number[][][] | number[][][][];

export interface ImageGridOptions extends CommonPlotOptions {
  /** Images per row (default min(N, 8)). */
  cols?: number;
  /** One title per image, drawn above it (default none). */
  titles?: string[];
  /** One label per row, drawn at its left, e.g. the model or the setting of that row (default none). */
  rowLabels?: string[];
  /** One label per column, drawn above the first row, e.g. the class asked for (default none). */
  colLabels?: string[];
  /** The values shown as black and white (default [0, 1]); values outside are clipped. */
  range?: [number, number];
  /**
   * Screen pixels per image pixel at full size (default: an integer that makes an image about
   * 96 px: 7 for 14×14 digits, 3 for 28×28). A grid wider than the page shrinks to fit it.
   */
  pixelSize?: number;
  /** Blank image pixels between images (default 1). */
  gap?: number;
}

/** Reads images into [N, h, w, C] values (no tensors created) and checks the shape. */
function readImages(images: Images): { values: ArrayLike<number>; shape: [number, number, number, number] } {
  const expected = "[N, h, w], [N, h, w, 1] or [N, h, w, 3]";
  let shape: number[];
  let values: ArrayLike<number>;
  if (images instanceof tf.Tensor) {
    shape = images.shape.slice();
    if (!(shape.length === 3 || (shape.length === 4 && (shape[3] === 1 || shape[3] === 3)))) {
      const hint = shape.length === 2 ? "; for one image use x.expandDims(0)" : "";
      throw new Error(`images must have shape ${expected}, got [${shape.join(", ")}]${hint}`);
    }
    values = images.dataSync();
  } else if (Array.isArray(images)) {
    shape = [];
    let probe: unknown = images;
    while (Array.isArray(probe)) {
      shape.push(probe.length);
      probe = probe[0];
    }
    if (!(shape.length === 3 || (shape.length === 4 && (shape[3] === 1 || shape[3] === 3)))) {
      const hint = shape.length === 2 ? "; for one image pass [image]" : "";
      throw new Error(`images must have shape ${expected}, got nested arrays of shape [${shape.join(", ")}]${hint}`);
    }
    const flat: number[] = [];
    const walk = (a: unknown, depth: number, where: string): void => {
      if (depth === shape.length) {
        if (typeof a !== "number") throw new Error(`images${where} must be a number, got ${describe(a)}`);
        flat.push(a);
        return;
      }
      if (!Array.isArray(a) || a.length !== shape[depth]) {
        throw new Error(`images${where} must be an array of length ${shape[depth]} (shape [${shape.join(", ")}]), got ${describe(a)}`);
      }
      a.forEach((b, i) => walk(b, depth + 1, `${where}[${i}]`));
    };
    walk(images, 0, "");
    values = flat;
  } else {
    throw new Error(`images must be a tf.Tensor or nested arrays of shape ${expected}, got ${describe(images)}`);
  }
  const [N, h, w] = shape;
  const C = shape.length === 4 ? shape[3] : 1;
  if (N === 0 || h === 0 || w === 0) throw new Error(`images must hold at least one non-empty image, got shape [${shape.join(", ")}]`);
  return { values, shape: [N, h, w, C] };
}

/** What an image grid's static output is made of (kept on its figure, not in its JSON). */
interface GridPicture {
  values: ArrayLike<number>;
  shape: [number, number, number, number];
  cols: number;
  gap: number;
  range: [number, number];
  pixelSize: number;
  title?: string;
  titles?: string[];
  rowLabels?: string[];
  colLabels?: string[];
  maxWidth?: number;
}

const GRID = Symbol("genai-ts.imageGrid");

function gridOf(fig: Figure): GridPicture | undefined {
  return (fig as { [GRID]?: GridPicture })[GRID];
}

/** The image indices of each row of a grid, and of all of them. */
function gridRows(g: GridPicture): { rows: number[][]; all: number[] } {
  const N = g.shape[0];
  const rows: number[][] = [];
  for (let start = 0; start < N; start += g.cols) rows.push(Array.from({ length: Math.min(g.cols, N - start) }, (_, k) => start + k));
  return { rows, all: Array.from({ length: N }, (_, n) => n) };
}

/**
 * Lays images out `cols` to a row with `gap` white pixels between them (and `titleGap` white
 * rows above each row of images), as RGB bytes [height, width, 3] at one pixel per image pixel.
 * A short last row is padded with white to the full width.
 */
function mosaic(
  values: ArrayLike<number>,
  shape: [number, number, number, number],
  indices: number[],
  cols: number,
  gap: number,
  range: [number, number],
  titleGap = 0,
): { rgb: Uint8Array; width: number; height: number } {
  const [, h, w, C] = shape;
  const rows = Math.ceil(indices.length / cols);
  const usedCols = Math.min(cols, indices.length);
  const cellW = w + gap;
  const cellH = h + gap + titleGap;
  const width = usedCols * cellW - gap;
  const height = rows * cellH - gap;
  const rgb = new Uint8Array(width * height * 3).fill(255); // white gaps
  const [lo, hi] = range;
  indices.forEach((n, k) => {
    const top = Math.floor(k / cols) * cellH + titleGap;
    const left = (k % cols) * cellW;
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const src = ((n * h + i) * w + j) * C;
        const dst = ((top + i) * width + left + j) * 3;
        for (let c = 0; c < 3; c++) {
          const v = values[src + (C === 3 ? c : 0)];
          if (Number.isNaN(v)) throw new Error(`images holds NaN (image ${n}, row ${i}, column ${j})`);
          rgb[dst + c] = Math.round(255 * Math.min(1, Math.max(0, (v - lo) / (hi - lo))));
        }
      }
    }
  });
  return { rgb, width, height };
}

/** Enlarges RGB bytes by an integer factor, each pixel a k×k block (crisp in any viewer). */
function enlarge(rgb: Uint8Array, width: number, height: number, k: number): { rgb: Uint8Array; width: number; height: number } {
  if (k === 1) return { rgb, width, height };
  const W = width * k;
  const out = new Uint8Array(W * height * k * 3);
  for (let y = 0; y < height; y++) {
    const row = new Uint8Array(W * 3);
    for (let x = 0; x < width; x++) {
      const src = (y * width + x) * 3;
      for (let d = 0; d < k; d++) row.set(rgb.subarray(src, src + 3), (x * k + d) * 3);
    }
    for (let d = 0; d < k; d++) out.set(row, (y * k + d) * W * 3);
  }
  return { rgb: out, width: W, height: height * k };
}

/** A PNG of the given images of a grid, at its full display size. */
function gridPNG(g: GridPicture, indices: number[], cols = g.cols): Buffer {
  const m = mosaic(g.values, g.shape, indices, cols, g.gap, g.range);
  const big = enlarge(m.rgb, m.width, m.height, Math.max(1, Math.round(g.pixelSize)));
  return encodePNG(big.rgb, big.width, big.height);
}

/**
 * An image grid as HTML without scripts: the title, then one row of images per `<img>` with its
 * row label at the left and per-image titles above it. Each `<img>` is as wide as the page
 * allows, never wider than its full size; all rows scale together.
 */
function gridHTML(g: GridPicture): string {
  const [, , w] = g.shape;
  const { rows } = gridRows(g);
  const usedCols = Math.min(g.cols, g.shape[0]);
  const fullWidth = Math.round((usedCols * (w + g.gap) - g.gap) * g.pixelSize);
  const maxWidth = g.maxWidth ?? fullWidth;
  const hasRowLabels = g.rowLabels !== undefined;
  const label = "font:12px/1.25 sans-serif;color:#333;";
  // A row of labels over the columns of a strip (the gap is small enough to ignore).
  const labelRow = (texts: string[]) =>
    `<div style="display:grid;grid-template-columns:repeat(${usedCols},minmax(0,1fr));${label}text-align:center;">` +
    Array.from(
      { length: usedCols },
      (_, k) => `<div style="overflow:hidden;text-overflow:ellipsis;white-space:nowrap;">${plotText(texts[k] ?? "")}</div>`,
    ).join("") +
    `</div>`;
  const cells: string[] = [];
  if (g.colLabels) {
    if (hasRowLabels) cells.push(`<div></div>`);
    cells.push(`<div>${labelRow(g.colLabels)}</div>`);
  }
  rows.forEach((indices, r) => {
    if (hasRowLabels) {
      cells.push(`<div style="${label}text-align:right;padding:0 2px 0 4px;">${plotText(g.rowLabels![r] ?? "")}</div>`);
    }
    const png = gridPNG(g, indices, usedCols);
    const titles = g.titles ? labelRow(indices.map((n) => g.titles![n])) : "";
    // A short last row keeps the other rows' scale.
    const share = indices.length === usedCols ? 1 : (indices.length * (w + g.gap) - g.gap) / (usedCols * (w + g.gap) - g.gap);
    cells.push(
      `<div>${titles}<img src="data:image/png;base64,${png.toString("base64")}" alt="row ${r + 1}" ` +
        `style="display:block;width:${(100 * share).toFixed(2)}%;height:auto;image-rendering:pixelated;"></div>`,
    );
  });
  const columns = hasRowLabels ? `max-content minmax(0,${maxWidth}px)` : `minmax(0,${maxWidth}px)`;
  return (
    `<figure class="genai-image-grid" style="margin:4px 0;max-width:100%;">` +
    (g.title ? `<figcaption style="font:600 14px/1.3 sans-serif;color:#222;margin:0 0 6px;">${plotText(g.title)}</figcaption>` : "") +
    `<div style="display:grid;grid-template-columns:${columns};column-gap:8px;row-gap:4px;align-items:center;">${cells.join("")}</div>` +
    `</figure>`
  );
}

/**
 * A grid of images, e.g. generated digits. In a notebook it shows as a picture that needs no
 * script (HTML `<img>` rows plus `image/png`), as wide as the page allows, with its title and
 * labels as text; the returned figure holds the same grid as a Plotly `image` trace, e.g. for
 * `animatedPlot` frames.
 * @param images shape [N, h, w] or [N, h, w, 1] (greyscale) or [N, h, w, 3] (RGB), values in
 *   `range` (default [0, 1]); a tensor or nested arrays. The tensor is read, never disposed.
 * @returns the figure (one `image` trace holding the whole grid)
 */
export function imageGrid(images: Images, options: ImageGridOptions = {}): Figure {
  checkSize(options);
  const { values, shape } = readImages(images);
  const [N, h, w] = shape;
  const { cols = Math.min(N, 8), titles, rowLabels, colLabels, range = [0, 1], gap = 1, title } = options;
  if (!Number.isInteger(cols) || cols < 1) throw new Error(`options.cols must be a positive integer, got ${cols}`);
  if (titles !== undefined && titles.length !== N) throw new Error(`options.titles has ${titles.length} titles but images has ${N} images`);
  const rows = Math.ceil(N / cols);
  if (rowLabels !== undefined && rowLabels.length !== rows) {
    throw new Error(`options.rowLabels has ${rowLabels.length} labels but the grid has ${rows} rows (${N} images, ${cols} per row)`);
  }
  const usedCols = Math.min(cols, N);
  if (colLabels !== undefined && colLabels.length !== usedCols) {
    throw new Error(`options.colLabels has ${colLabels.length} labels but the grid has ${usedCols} columns`);
  }
  if (!Array.isArray(range) || range.length !== 2 || !(range[1] > range[0])) {
    throw new Error(`options.range must be [low, high] with low < high, got ${JSON.stringify(range)}`);
  }
  if (!Number.isInteger(gap) || gap < 0) throw new Error(`options.gap must be an integer ≥ 0, got ${gap}`);
  const pixelSize = options.pixelSize ?? Math.max(1, Math.round(96 / Math.max(h, w)));
  if (!(pixelSize > 0)) throw new Error(`options.pixelSize must be positive, got ${pixelSize}`);

  // The Plotly version (animation frames): titles above each row, in image pixels.
  const titleGap = titles ? Math.ceil(14 / pixelSize) : 0;
  const cellW = w + gap;
  const cellH = h + gap + titleGap;
  const all = Array.from({ length: N }, (_, n) => n);
  const m = mosaic(values, shape, all, cols, gap, range, titleGap);
  const trace: Trace = {
    type: "image",
    source: "data:image/png;base64," + encodePNG(m.rgb, m.width, m.height).toString("base64"),
    x0: 0,
    y0: 0,
    dx: 1,
    dy: 1,
    hoverinfo: "skip",
    name: `${N} images`,
  };
  const annotations = (titles ?? []).map((t, n) => ({
    text: plotText(t),
    x: (n % cols) * cellW + w / 2 - 0.5,
    y: Math.floor(n / cols) * cellH + titleGap - 0.5,
    xanchor: "center",
    yanchor: "bottom",
    showarrow: false,
    font: { size: 10 },
  }));
  const top = title ? titleSpace(title) - 10 : 4;
  const layout: Layout = {
    ...titleLayout(title),
    width: options.width ?? Math.round(m.width * pixelSize) + 8,
    height: options.height ?? Math.round(m.height * pixelSize) + top + 4,
    margin: { l: 4, r: 4, t: top, b: 4 },
    xaxis: { visible: false, range: [-0.5, m.width - 0.5], constrain: "domain" },
    yaxis: { visible: false, range: [m.height - 0.5, -0.5], scaleanchor: "x", constrain: "domain" },
    annotations,
    plot_bgcolor: "#fff",
  };
  const fig: Figure = { data: [trace], layout };
  const picture: GridPicture = { values, shape, cols, gap, range, pixelSize, title, titles, rowLabels, colLabels, maxWidth: options.width };
  Object.defineProperty(fig, GRID, { value: picture, enumerable: false });
  return finish(fig, options);
}

// ---------------------------------------------------------------------------------------------
// animatedPlot
// ---------------------------------------------------------------------------------------------

export interface AnimatedPlotOptions {
  /** Slider label of each frame (default "0", "1", ...), e.g. "t = 999" or "epoch 3". */
  labels?: string[];
  /** Title (default: the first frame's title). */
  title?: string;
  /** Milliseconds each frame stays when playing (default 300). */
  frameMs?: number;
  /** Prefix before the current label on the slider (default ""). */
  sliderPrefix?: string;
  /**
   * The frame shown when the figure opens, and in its static picture (default: the last, where
   * a training run or a sampler has got to; use 0 when the start is the point, e.g. clean data
   * before noising).
   */
  active?: number;
  /** Fixed x-axis range of line and scatter frames (default: one that fits every frame). */
  xRange?: [number, number];
  /** Fixed y-axis range of line and scatter frames (default: one that fits every frame). */
  yRange?: [number, number];
  /** Show the figure now (default true). */
  show?: boolean;
}

/**
 * An animation with a slider and a play button: one figure per step of a process (diffusion
 * steps, GAN training snapshots). Make the frames with the other helpers and `show: false`,
 * e.g. `steps.map((x) => imageGrid(x, { show: false }))`; they must draw the same number of
 * traces. The first frame's layout is used; axis ranges of line and scatter frames are fixed
 * to fit every frame, and heatmap colour ranges are shared.
 * @returns the figure (the first frame's traces, plus `frames`, a slider and play/pause buttons)
 */
export function animatedPlot(frames: Figure[], options: AnimatedPlotOptions = {}): Figure {
  if (!Array.isArray(frames) || frames.length === 0) {
    throw new Error(`frames must be a non-empty array of figures, got ${describe(frames)}`);
  }
  frames.forEach((f, i) => checkFigure(f, `frames[${i}]`));
  const { labels, frameMs = 300, sliderPrefix = "", show = true, active = frames.length - 1 } = options;
  if (!Number.isInteger(active) || active < 0 || active >= frames.length) {
    throw new Error(`options.active must be a frame index in [0, ${frames.length - 1}], got ${active}`);
  }
  if (labels !== undefined && labels.length !== frames.length) {
    throw new Error(`options.labels has ${labels.length} labels but there are ${frames.length} frames`);
  }
  if (!(frameMs >= 0)) throw new Error(`options.frameMs must be ≥ 0, got ${frameMs}`);
  const nTraces = frames[0].data.length;
  frames.forEach((f, i) => {
    if (f.data.length !== nTraces) {
      throw new Error(
        `frames[${i}] has ${f.data.length} traces but frames[0] has ${nTraces}; every frame must draw the same traces (for scatterPlot, fix options.groups)`,
      );
    }
  });
  const names = frames.map((_, i) => labels?.[i] ?? String(i));
  const data = frames.map((f) => f.data.map((t) => ({ ...t })));

  // Shared heatmap colour range per trace index.
  for (let k = 0; k < nTraces; k++) {
    if (data[0][k].type !== "heatmap" || data.some((d) => d[k].zmin !== undefined || d[k].zmax !== undefined)) continue;
    let lo = Infinity;
    let hi = -Infinity;
    for (const d of data) {
      for (const row of d[k].z as (number | null)[][]) {
        for (const v of row) {
          if (v !== null && v < lo) lo = v;
          if (v !== null && v > hi) hi = v;
        }
      }
    }
    if (lo <= hi) for (const d of data) Object.assign(d[k], { zmin: lo, zmax: hi });
  }

  const base = frames[0].layout ?? {};
  const layout: Layout = { ...base };
  // Each frame's own title is its caption (e.g. "step 400: 3 of 8 modes"): kept under a shared title.
  const captions = frames.map((f) => titleText(f.layout?.title));
  const captioned = Boolean(options.title) && captions.some((c) => c !== "");
  const titleOf = (i: number): Layout["title"] =>
    captioned
      ? { text: `${plotText(options.title!)}<br><span style="font-size:12px;">${captions[i]}</span>`, x: 0.02, xanchor: "left" }
      : (frames[i].layout?.title ?? base.title);
  // Fixed axes for line and scatter frames: Plotly does not re-autorange while animating.
  // A far-off point in one frame would shrink every other frame: the caller may fix the ranges.
  const fits = (r: [number, number] | null) => (r ? pad(r) : null);
  const xr = extent(data, "x") && (options.xRange ?? fits(extent(data, "x")));
  const yr = extent(data, "y") && (options.yRange ?? fits(extent(data, "y")));
  const logY = (base.yaxis as { type?: string } | undefined)?.type === "log";
  if (xr) layout.xaxis = { ...((base.xaxis as Layout) ?? {}), range: xr, autorange: false };
  if (yr && !logY) layout.yaxis = { ...((base.yaxis as Layout) ?? {}), range: yr, autorange: false };
  const baseMargin = (base.margin as Record<string, number> | undefined) ?? {};
  const margins = { l: 60, r: 20, t: 20, b: 50, ...baseMargin };
  if (options.title) {
    Object.assign(layout, titleLayout(options.title));
    margins.t = Math.max(margins.t, captioned ? 70 : 50);
  }
  if (titleOf(active) !== undefined) layout.title = titleOf(active);

  const needsRedraw = data[0].some((t) => (t.type ?? "scatter") !== "scatter");
  const extra = 90; // px for the slider and buttons under the plot
  const baseHeight = typeof base.height === "number" ? base.height : DEFAULT_HEIGHT;
  layout.height = baseHeight + extra + margins.t - (baseMargin.t ?? margins.t);
  layout.margin = { ...margins, b: margins.b + extra };
  // Fixed-width figures (image grids) get room for the buttons beside the slider.
  if (typeof base.width === "number") layout.width = Math.max(base.width, 480);
  const paperWidth = (typeof layout.width === "number" ? layout.width : 900) - margins.l - margins.r;
  const sliderX = Math.min(0.5, 210 / paperWidth); // room for the two buttons and the current label
  const step = (duration: number) => ({
    mode: "immediate",
    frame: { duration, redraw: needsRedraw },
    transition: { duration: 0 },
    fromcurrent: true,
  });
  layout.updatemenus = [
    {
      type: "buttons",
      direction: "left",
      showactive: false,
      x: 0,
      y: 0,
      xanchor: "left",
      yanchor: "top",
      pad: { t: 50, r: 10 },
      buttons: [
        { label: "▶ Play", method: "animate", args: [null, step(frameMs)] },
        {
          label: "❚❚ Pause",
          method: "animate",
          args: [[null], { mode: "immediate", frame: { duration: 0, redraw: false }, transition: { duration: 0 } }],
        },
      ],
    },
  ];
  layout.sliders = [
    {
      active,
      x: sliderX,
      len: 1 - sliderX,
      y: 0,
      xanchor: "left",
      yanchor: "top",
      pad: { t: 40, r: 40 }, // room for the last tick's label
      currentvalue: { prefix: sliderPrefix, visible: true, xanchor: "left" },
      steps: names.map((name) => ({ label: name, method: "animate", args: [[name], step(0)] })),
    },
  ];
  const plotlyFrames: PlotlyFrame[] = data.map((d, i) => {
    const fl = frames[i].layout;
    const frameLayout: Layout = {};
    if (fl?.annotations !== undefined) frameLayout.annotations = fl.annotations;
    const t = titleOf(i);
    if (t !== undefined) frameLayout.title = t;
    return { name: names[i], data: d, layout: frameLayout };
  });
  if (frames[active].layout?.annotations !== undefined) layout.annotations = frames[active].layout!.annotations;
  const fig: Figure = { data: data[active], layout, frames: plotlyFrames, ...(frames[0].config ? { config: frames[0].config } : {}) };
  // The static picture: the shown frame, when it is an image grid or a heatmap.
  const shownFrame = frames[active];
  const grid = gridOf(shownFrame);
  if (grid) withPicture(fig, () => gridPNG(grid, gridRows(grid).all));
  else {
    const make = (shownFrame as { [PICTURE]?: () => Buffer })[PICTURE];
    if (make) withPicture(fig, make);
  }
  return finish(fig, { show });
}

/** The [min, max] of the numeric `key` arrays of scatter traces in every frame, or null. */
function extent(frames: Trace[][], key: "x" | "y"): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const d of frames) {
    for (const t of d) {
      if ((t.type ?? "scatter") !== "scatter" || !Array.isArray(t[key])) return null;
      for (const v of t[key] as unknown[]) {
        if (typeof v === "number") {
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

function pad([lo, hi]: [number, number]): [number, number] {
  const m = hi > lo ? 0.05 * (hi - lo) : Math.max(1, Math.abs(lo)) * 0.05;
  return [lo - m, hi + m];
}
