import * as tf from "@tensorflow/tfjs";
import { inflateSync } from "node:zlib";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  animatedPlot,
  figureBundle,
  figureHTML,
  figureSummary,
  forgetInlinedLibrary,
  heatmap,
  imageGrid,
  linePlot,
  pageHTML,
  scatterPlot,
  showFigure,
  type Figure,
} from "../../lib/plot";
import { encodePNG } from "../../lib/png";

const quiet = { show: false } as const;
const fig: Figure = { data: [{ type: "scatter", x: [0, 1], y: [1, 2], name: "a" }], layout: { title: { text: "T" } } };
const LIB_MARK = "plotly.js v2.35.3";

/** Decodes the RGB PNG our encoder writes: { width, height, rgb [height, width, 3] }. */
function decodePNG(dataURI: string): { width: number; height: number; rgb: Uint8Array } {
  const buf = Buffer.from(dataURI.replace(/^data:image\/png;base64,/, ""), "base64");
  expect(buf.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const width = buf.readUInt32BE(16);
  const height = buf.readUInt32BE(20);
  expect(buf.toString("latin1", 12, 16)).toBe("IHDR");
  const idatLen = buf.readUInt32BE(33);
  expect(buf.toString("latin1", 37, 41)).toBe("IDAT");
  const raw = inflateSync(buf.subarray(41, 41 + idatLen));
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 3 + 1)]).toBe(0);
    rgb.set(raw.subarray(y * (width * 3 + 1) + 1, (y + 1) * (width * 3 + 1)), y * width * 3);
  }
  return { width, height, rgb };
}

describe("figureHTML", () => {
  afterEach(() => forgetInlinedLibrary());

  it("inlines plotly.js in the first figure of a session only", () => {
    forgetInlinedLibrary();
    const first = figureHTML(fig);
    const second = figureHTML(fig);
    expect(first.includes(LIB_MARK)).toBe(true);
    expect(first.length).toBeGreaterThan(4_000_000);
    expect(second.includes(LIB_MARK)).toBe(false);
    expect(second.length).toBeLessThan(5_000);
    forgetInlinedLibrary();
    expect(figureHTML(fig).includes(LIB_MARK)).toBe(true);
    expect(figureHTML(fig, { includeLibrary: "always" }).includes(LIB_MARK)).toBe(true);
    expect(figureHTML(fig, { includeLibrary: "never" }).includes(LIB_MARK)).toBe(false);
  });

  it("never loads anything from the network", () => {
    forgetInlinedLibrary();
    const first = figureHTML(fig);
    // Booleans, not toMatch: a failure must not print 4.5 MB of plotly.js.
    expect(/<script[^>]*\bsrc=/i.test(first), "a <script src=...>").toBe(false);
    // Outside plotly.js itself (whose defaults name map servers and a topojson CDN for geo
    // traces, never used here), no URL at all.
    const libraryEnd = first.indexOf("}).call(window); }</script>");
    expect(libraryEnd).toBeGreaterThan(0);
    expect(/cdn\.plot\.ly|cdnjs|jsdelivr|unpkg/i.test(first.slice(libraryEnd)), "a CDN address").toBe(false);
    expect(/https?:/.test(first.slice(libraryEnd)), "a URL in the drawing script").toBe(false);
    expect(/https?:/.test(figureHTML(fig)), "a URL in a later figure").toBe(false);
    expect(/<script[^>]*\bsrc=/i.test(pageHTML([fig])), "a <script src=...> in a page").toBe(false);
  });

  it("wraps the library so it sets window.Plotly even when define.amd exists", () => {
    forgetInlinedLibrary();
    const html = figureHTML(fig);
    // Shadowing define/module/exports sends plotly's UMD header to its `self.Plotly = ...` branch.
    expect(html.includes("if (!window.Plotly) { (function (define, module, exports) {")).toBe(true);
    expect(html.includes("}).call(window); }</script>")).toBe(true);
    const umd = html.indexOf('"function"==typeof define&&define.amd');
    expect(umd).toBeGreaterThan(html.indexOf("(function (define, module, exports)"));
  });

  it("waits for a library that arrives in another output, and keeps JSON inside its script", () => {
    const html = figureHTML({ data: [{ type: "scatter", y: [1], name: "</script><b>x" }] }, { includeLibrary: "never" });
    expect(html).toContain("setTimeout(draw, 50)");
    expect(html).toContain("window.Plotly");
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    const id = /<div id="([^"]+)"/.exec(html)![1];
    expect(html).toContain(`var id = "${id}"`);
    expect(figureHTML(fig, { includeLibrary: "never" })).not.toContain(id);
  });

  it("uses notebook-sized, clutter-free, responsive defaults", () => {
    const html = figureHTML(fig, { includeLibrary: "never" });
    expect(html).toContain("height:360px");
    expect(html).toContain('"displaylogo":false');
    expect(html).toContain('"displayModeBar":false');
    expect(html).toContain('"responsive":true');
  });

  it("says what was wrong with a bad figure or option", () => {
    expect(() => figureHTML({} as Figure)).toThrow(/fig must be a figure \{ data: Trace\[\]/);
    expect(() => figureHTML(fig, { includeLibrary: "yes" as never })).toThrow(/options.includeLibrary must be/);
  });
});

describe("figureBundle: what shows without scripts", () => {
  afterEach(() => forgetInlinedLibrary());

  it("gives every figure a text/plain summary and a note inside the plot's box", () => {
    const b = figureBundle(linePlot([1, 2], { ...quiet, title: "Loss" }));
    expect(b["text/plain"]).toBe('[plot] "Loss" 1 trace (scatter): series 0');
    expect(b["image/png"]).toBeUndefined();
    const html = String(b["text/html"]);
    const note = /<div class="genai-plot-note"[^>]*>([\s\S]*?)<\/div><\/div>\n<script/.exec(html);
    expect(note, "the note sits inside the plot's div, before the drawing script").not.toBeNull();
    expect(note![1]).toContain("Loss");
    expect(note![1]).toMatch(/draws when this cell runs, or when the notebook is trusted/);
    // The drawing script replaces the note.
    expect(html).toContain('gd.textContent = "";');
  });

  it("draws an image grid without any script: HTML rows of <img>, labels as text, and image/png", () => {
    // 5 images of 2×2, 3 per row: a full row and a short one.
    const images = Array.from({ length: 5 }, (_, n) => [
      [n / 4, 0],
      [0, 1],
    ]);
    const g = imageGrid(images, {
      ...quiet,
      cols: 3,
      pixelSize: 2,
      title: "x_t at step 3",
      rowLabels: ["real", "w = 2"],
      colLabels: ["a", "b", "c"],
    });
    const b = figureBundle(g);
    const html = String(b["text/html"]);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('class="genai-image-grid"');
    expect(html).toContain("x<sub>t</sub> at step 3");
    expect(html).toMatch(/>real<\/div>/);
    expect(html).toMatch(/>w = 2<\/div>/);
    const rows = [...html.matchAll(/<img src="(data:image\/png;base64,[^"]+)"[^>]*style="([^"]*)"/g)];
    expect(rows).toHaveLength(2);
    // Row 1: 3 images of 2 px + 2 gaps of 1 px = 8 px, ×2 = 16 px wide; the short row keeps the scale.
    expect(decodePNG(rows[0][1]).width).toBe(16);
    expect(decodePNG(rows[1][1]).width).toBe(10);
    expect(rows[0][2]).toContain("width:100.00%");
    expect(rows[1][2]).toContain("width:62.50%");
    // Never wider than full size, and as wide as the page allows otherwise.
    expect(html).toContain("minmax(0,16px)");
    const png = decodePNG("data:image/png;base64," + Buffer.from(b["image/png"] as Uint8Array).toString("base64"));
    expect([png.width, png.height]).toEqual([16, 10]);
    // Image 4 (row 2, column 2) is white gap-free at its top-left pixel: value 1 → 255 after ×2 enlarging.
    expect(png.rgb[(6 * 16 + 6) * 3]).toBe(255);
    expect(b["text/plain"]).toBe('[plot] "x_t at step 3" 1 trace (image): 5 images');
    expect(() => imageGrid(images, { ...quiet, cols: 3, rowLabels: ["a"] })).toThrow(
      "options.rowLabels has 1 labels but the grid has 2 rows (5 images, 3 per row)",
    );
    expect(() => imageGrid(images, { ...quiet, cols: 3, colLabels: ["a"] })).toThrow(
      "options.colLabels has 1 labels but the grid has 3 columns",
    );
  });

  it("adds image/png to heatmaps and to animations of images, also inside the note", () => {
    const h = figureBundle(heatmap([[0, 1]], { ...quiet, zmin: 0, zmax: 1 }));
    const png = decodePNG("data:image/png;base64," + Buffer.from(h["image/png"] as Uint8Array).toString("base64"));
    expect(png.width).toBe(2 * png.height);
    // WHITE_TO_BLUE: the low cell light, the high cell dark blue (#08306b).
    expect(Array.from(png.rgb.subarray(0, 3))).toEqual([0xf7, 0xfb, 0xff]);
    expect(Array.from(png.rgb.subarray((png.width - 1) * 3, png.width * 3))).toEqual([0x08, 0x30, 0x6b]);
    expect(String(h["text/html"])).toMatch(/<div class="genai-plot-note"[\s\S]*<img src="data:image\/png;base64,/);
    const frames = [0, 1].map((k) => imageGrid([[[k]]], quiet));
    const a = figureBundle(animatedPlot(frames, quiet));
    const last = decodePNG("data:image/png;base64," + Buffer.from(a["image/png"] as Uint8Array).toString("base64"));
    expect(last.rgb[0]).toBe(255); // the last frame's image (value 1), not the first (0)
    expect(figureBundle(linePlot([1], quiet))["image/png"]).toBeUndefined();
  });

  it("sends plotly.js again when the cell that carried it runs again, not for other cells", () => {
    const g = globalThis as { __genaiExecution__?: { count: number; cellId?: string } };
    try {
      forgetInlinedLibrary();
      g.__genaiExecution__ = { count: 1, cellId: "cell-a" };
      expect(figureHTML(fig).includes(LIB_MARK)).toBe(true);
      expect(figureHTML(fig).includes(LIB_MARK), "a second figure of the same execution").toBe(false);
      g.__genaiExecution__ = { count: 2, cellId: "cell-b" };
      expect(figureHTML(fig).includes(LIB_MARK), "another cell").toBe(false);
      g.__genaiExecution__ = { count: 3, cellId: "cell-a" };
      expect(figureHTML(fig).includes(LIB_MARK), "cell-a again: its old output is replaced").toBe(true);
      g.__genaiExecution__ = { count: 4, cellId: "cell-b" };
      expect(figureHTML(fig).includes(LIB_MARK)).toBe(false);
      // nbconvert sends no cell ids: once per session, as before.
      forgetInlinedLibrary();
      g.__genaiExecution__ = { count: 5 };
      expect(figureHTML(fig).includes(LIB_MARK)).toBe(true);
      g.__genaiExecution__ = { count: 6 };
      expect(figureHTML(fig).includes(LIB_MARK)).toBe(false);
    } finally {
      delete g.__genaiExecution__;
    }
  });

  it("writes x_t, ε_θ and p_{data} as subscripts in figure text, and as x_t in the summary", () => {
    const f = linePlot({ "p_{data}": [1], ε_θ: [2] }, { ...quiet, title: "ᾱ_t against t", yTitle: "x_t" });
    expect(f.data.map((t) => t.name)).toEqual(["p<sub>data</sub>", "ε<sub>θ</sub>"]);
    expect((f.layout!.title as { text: string }).text).toBe("ᾱ<sub>t</sub> against t");
    expect(figureSummary(f)).toBe('[plot] "ᾱ_t against t" 2 traces (scatter ×2): p_data, ε_θ');
    // A log axis reads 10⁻⁶, not "1µ".
    expect((linePlot([1, 10], { ...quiet, logY: true }).layout!.yaxis as { exponentformat?: string }).exponentformat).toBe("power");
  });
});

describe("readable axes and labels", () => {
  it("draws a log x axis, writes point labels, and thins index ticks that would overlap", () => {
    const l = linePlot([1, 2, 3], { ...quiet, x: [1, 2, 4], logX: true });
    expect(l.layout!.xaxis).toMatchObject({ type: "log", exponentformat: "power" });
    const s = scatterPlot(
      [
        [0, 0],
        [1, 1],
        [2, 2],
      ],
      { ...quiet, labels: [1, 0, 1], pointLabels: ["a", "<b>", "c"] },
    );
    expect(s.data.map((t) => t.text)).toEqual([["&lt;b&gt;"], ["a", "c"]]);
    expect(s.data[0].mode).toBe("markers+text");
    expect(() => scatterPlot([[0, 0]], { ...quiet, pointLabels: [] })).toThrow("options.pointLabels has 0 labels but points has 1 points");
    const big = heatmap(
      Array.from({ length: 32 }, () => new Array(64).fill(0)),
      quiet,
    );
    expect((big.layout!.xaxis as { tickvals: number[] }).tickvals).toEqual([0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60]);
    expect((big.layout!.yaxis as { tickvals: number[] }).tickvals).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30]);
    // A title too long for one line is broken near its middle, with room above the plot.
    const long = "the same twenty starting points x_T drawn with DDIM in fifty steps: two rows after a short run, two after the checkpoint";
    const wrapped = linePlot([1], { ...quiet, title: long });
    expect((wrapped.layout!.title as { text: string }).text).toBe(
      "the same twenty starting points x<sub>T</sub> drawn with DDIM in fifty<br>steps: two rows after a short run, two after the checkpoint",
    );
    expect((wrapped.layout!.margin as { t: number }).t).toBe(72);
    expect((linePlot([1], { ...quiet, title: "short" }).layout!.margin as { t: number }).t).toBe(50);
    // Given labels (tokens) are all kept.
    const named = heatmap(
      Array.from({ length: 30 }, () => new Array(30).fill(0)),
      { ...quiet, rowLabels: Array.from({ length: 30 }, (_, i) => `r${i}`) },
    );
    expect((named.layout!.yaxis as { tickvals: number[] }).tickvals).toHaveLength(30);
  });
});

describe("showFigure outside a notebook", () => {
  it("prints a one-line summary: title and number of traces", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    const back = showFigure(fig);
    expect(back).toBe(fig);
    expect(log).toHaveBeenCalledTimes(1);
    const line = String(log.mock.calls[0][0]);
    log.mockRestore();
    expect(line).toBe('[plot] "T" 1 trace (scatter): a');
    expect(figureSummary({ data: [{ type: "heatmap" }, {}, {}] })).toBe("[plot] 3 traces (heatmap, scatter ×2)");
  });
});

describe("a returned figure", () => {
  it("prints as its summary (a notebook prints a cell's last value) and serialises in full", async () => {
    const { inspect } = await import("node:util");
    const f = linePlot([1, 2], { ...quiet, title: "Loss" });
    expect(inspect(f)).toBe('[plot] "Loss" 1 trace (scatter): series 0');
    expect(Object.keys(JSON.parse(JSON.stringify(f)))).toEqual(["data", "layout"]);
  });
});

describe("linePlot", () => {
  it("draws one trace per series of a record, with names, titles and a log y axis", () => {
    const f = linePlot({ train: [3, 2, 1], val: [4, 3, 2.5] }, { ...quiet, title: "Loss", xTitle: "epoch", yTitle: "loss", logY: true });
    expect(f.data.map((t) => t.name)).toEqual(["train", "val"]);
    expect(f.data[0]).toMatchObject({ type: "scatter", mode: "lines", x: [0, 1, 2], y: [3, 2, 1] });
    expect(f.layout).toMatchObject({
      yaxis: { type: "log", title: { text: "loss" } },
      xaxis: { title: { text: "epoch" } },
      title: { text: "Loss" },
    });
  });

  it("takes one array, a [S, T] tensor, a shared x and series with their own x", () => {
    expect(linePlot([1, 2, 3], quiet).data).toHaveLength(1);
    const t = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const f = linePlot(t, { ...quiet, x: [10, 20], names: ["a", "b", "c"] });
    t.dispose();
    expect(f.data.map((d) => [d.name, d.x, d.y])).toEqual([
      ["a", [10, 20], [1, 2]],
      ["b", [10, 20], [3, 4]],
      ["c", [10, 20], [5, 6]],
    ]);
    const g = linePlot(
      [
        { y: [1, 2], name: "step" },
        { x: [1], y: [1.5], name: "epoch" },
      ],
      quiet,
    );
    expect(g.data[1]).toMatchObject({ x: [1], y: [1.5], name: "epoch" });
  });

  it("keeps empty and constant series, and turns NaN into a gap", () => {
    expect(linePlot([], quiet).data[0]).toMatchObject({ x: [], y: [] });
    expect(linePlot([2, 2, 2], quiet).data[0].y).toEqual([2, 2, 2]);
    expect(linePlot([1, NaN, 3], quiet).data[0].y).toEqual([1, null, 3]);
  });

  it("says which argument does not fit", () => {
    expect(() => linePlot([1, 2, 3], { ...quiet, x: [0, 1] })).toThrow("options.x has 2 values but series has 3");
    expect(() => linePlot([[1], [2]] as never, { ...quiet, names: ["a"] })).toThrow("options.names has 1 names but there are 2 series");
    expect(() => linePlot(tf.zeros([2, 2, 2]), quiet)).toThrow(
      /series must be a 1-D tensor \[T\] or a 2-D tensor \[S, T\], got shape \[2, 2, 2\]/,
    );
  });
});

describe("scatterPlot", () => {
  it("draws one trace per label, in sorted order, from a [N, 2] tensor", () => {
    const points = tf.tensor2d([
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    const f = scatterPlot(points, { ...quiet, labels: [2, 10, 2, 1], equalAxes: true });
    points.dispose();
    expect(f.data.map((t) => t.name)).toEqual(["1", "2", "10"]);
    expect(f.data[1]).toMatchObject({ mode: "markers", x: [0, 2], y: [0, 2] });
    expect((f.layout!.yaxis as Record<string, unknown>).scaleanchor).toBe("x");
  });

  it("keeps fixed groups (for animation), colours by value, and takes { x, y }", () => {
    const f = scatterPlot(
      [
        [0, 1],
        [2, 3],
      ],
      { ...quiet, labels: ["a", "a"], groups: ["a", "b"] },
    );
    expect(f.data.map((t) => [t.name, t.x])).toEqual([
      ["a", [0, 2]],
      ["b", []],
    ]);
    const g = scatterPlot({ x: [1, 2], y: [3, 4] }, { ...quiet, colors: [0.1, 0.9] });
    expect(g.data).toHaveLength(1);
    expect((g.data[0].marker as Record<string, unknown>).color).toEqual([0.1, 0.9]);
  });

  it("rejects points that are not [N, 2] and labels of the wrong length", () => {
    expect(() => scatterPlot(tf.zeros([5, 3]), quiet)).toThrow("points must have shape [N, 2], got [5, 3]");
    expect(() => scatterPlot([[1, 2, 3]] as never, quiet)).toThrow(/points must have shape \[N, 2\], but points\[0\]/);
    expect(() => scatterPlot([[1, 2]], { ...quiet, labels: [1, 2] })).toThrow("options.labels has 2 labels but points has 1 points");
  });
});

describe("heatmap", () => {
  it("draws the matrix with row 0 on top and keeps repeated labels as separate cells", () => {
    const m = tf.tensor2d([
      [0.9, 0.1],
      [0.4, 0.6],
      [0, 1],
    ]);
    const f = heatmap(m, { ...quiet, rowLabels: ["the", "<eos>", "the"], colLabels: ["a", "b"], zmin: 0, zmax: 1 });
    m.dispose();
    expect(f.data).toHaveLength(1);
    const t = f.data[0];
    expect(t).toMatchObject({ type: "heatmap", x: [0, 1], y: [0, 1, 2], zmin: 0, zmax: 1 });
    expect((t.z as number[][]).map((row) => row.map((v) => Math.round(v * 10) / 10))).toEqual([
      [0.9, 0.1],
      [0.4, 0.6],
      [0, 1],
    ]);
    expect(f.layout!.yaxis).toMatchObject({ autorange: "reversed", ticktext: ["the", "&lt;eos&gt;", "the"] });
    expect(t.texttemplate).toBe("%{z:.2f}");
  });

  it("rejects a matrix that is not [R, K] and labels that do not fit", () => {
    expect(() => heatmap(tf.zeros([2, 2, 2]), quiet)).toThrow("matrix must have shape [R, K], got [2, 2, 2]");
    expect(() => heatmap([[1, 2], [3]], quiet)).toThrow("matrix[1] has 1 values and matrix[0] has 2");
    expect(() => heatmap([[1, 2]], { ...quiet, rowLabels: ["a", "b"] })).toThrow("options.rowLabels has 2 labels but matrix has 1 rows");
  });
});

describe("imageGrid", () => {
  it("tiles [N, h, w] greyscale images into one PNG, white gaps between", () => {
    // Two 2×2 images side by side with a 1-pixel gap: a 5×2 mosaic.
    const x = tf.tensor3d([
      [
        [0, 1],
        [0.5, 0],
      ],
      [
        [1, 1],
        [1, 0],
      ],
    ]); // [N=2, H=2, W=2]
    const before = tf.memory().numTensors;
    const f = imageGrid(x, { ...quiet, cols: 2 });
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    expect(f.data).toHaveLength(1);
    expect(f.data[0].type).toBe("image");
    const png = decodePNG(f.data[0].source as string);
    expect([png.width, png.height]).toEqual([5, 2]);
    const grey = Array.from({ length: 10 }, (_, i) => png.rgb[i * 3]);
    expect(grey).toEqual([0, 255, 255, 255, 255, 128, 0, 255, 255, 0]);
    expect(f.layout).toMatchObject({ xaxis: { visible: false }, yaxis: { visible: false, scaleanchor: "x" } });
  });

  it("takes [N, H, W, 1], [N, H, W, 3], nested arrays, rows of `cols`, titles and a range", () => {
    const one = tf.zeros([5, 4, 4, 1]);
    const f = imageGrid(one, { ...quiet, cols: 2, gap: 0 });
    one.dispose();
    expect(decodePNG(f.data[0].source as string)).toMatchObject({ width: 8, height: 12 });
    const rgb = tf.tensor4d([1, 0, 0, 0, 0, 1], [2, 1, 1, 3]); // a red and a blue pixel
    const g = decodePNG(imageGrid(rgb, { ...quiet, gap: 0 }).data[0].source as string);
    rgb.dispose();
    expect(Array.from(g.rgb)).toEqual([255, 0, 0, 0, 0, 255]);
    const h = imageGrid([[[-1, 1]]], { ...quiet, range: [-1, 1], titles: ["a&b"] });
    expect(Array.from(decodePNG(h.data[0].source as string).rgb.slice(-6))).toEqual([0, 0, 0, 255, 255, 255]);
    expect((h.layout!.annotations as { text: string }[])[0].text).toBe("a&amp;b");
  });

  it("rejects bad shapes and options with a message naming the argument", () => {
    expect(() => imageGrid(tf.zeros([28, 28]), quiet)).toThrow(
      "images must have shape [N, h, w], [N, h, w, 1] or [N, h, w, 3], got [28, 28]; for one image use x.expandDims(0)",
    );
    expect(() => imageGrid(tf.zeros([2, 4, 4, 2]), quiet)).toThrow(
      "images must have shape [N, h, w], [N, h, w, 1] or [N, h, w, 3], got [2, 4, 4, 2]",
    );
    expect(() => imageGrid([[[0, 1], [0]]], quiet)).toThrow("images[0][1] must be an array of length 2");
    expect(() => imageGrid([[[NaN]]], quiet)).toThrow("images holds NaN (image 0, row 0, column 0)");
    expect(() => imageGrid("x" as never, quiet)).toThrow(/images must be a tf.Tensor or nested arrays/);
    expect(() => imageGrid([[[0]]], { ...quiet, cols: 0 })).toThrow("options.cols must be a positive integer, got 0");
    expect(() => imageGrid([[[0]]], { ...quiet, titles: ["a", "b"] })).toThrow("options.titles has 2 titles but images has 1 images");
  });

  it("encodePNG says when the bytes do not fit the size", () => {
    expect(() => encodePNG(new Uint8Array(5), 1, 2)).toThrow("rgb must hold width·height·3 = 6 bytes, got 5");
  });
});

describe("animatedPlot", () => {
  it("makes one frame per figure with a slider step and play/pause buttons", () => {
    const frames = [0, 1, 2].map((k) =>
      imageGrid(
        tf.tidy(() => tf.fill([4, 3, 3], k / 2)),
        { ...quiet, cols: 2 },
      ),
    );
    const f = animatedPlot(frames, { ...quiet, labels: ["t=2", "t=1", "t=0"], title: "Denoising" });
    expect(f.frames!.map((fr) => fr.name)).toEqual(["t=2", "t=1", "t=0"]);
    expect(f.frames![2].data![0].source).toBe(frames[2].data[0].source);
    // It opens on the last frame (where the process has got to) unless told otherwise.
    expect(f.data[0].source).toBe(frames[2].data[0].source);
    const sliders = f.layout!.sliders as { active: number; steps: { label: string; args: unknown[] }[] }[];
    expect(sliders[0].active).toBe(2);
    const first = animatedPlot(frames, { ...quiet, active: 0 });
    expect(first.data[0].source).toBe(frames[0].data[0].source);
    expect((first.layout!.sliders as { active: number }[])[0].active).toBe(0);
    expect(() => animatedPlot(frames, { ...quiet, active: 3 })).toThrow("options.active must be a frame index in [0, 2], got 3");
    expect(sliders[0].steps.map((s) => s.label)).toEqual(["t=2", "t=1", "t=0"]);
    expect(sliders[0].steps[1].args[0]).toEqual(["t=1"]);
    const buttons = (f.layout!.updatemenus as { buttons: { label: string }[] }[])[0].buttons;
    expect(buttons.map((b) => b.label)).toEqual(["▶ Play", "❚❚ Pause"]);
    expect((f.layout!.title as { text: string }).text).toBe("Denoising");
  });

  it("fixes scatter axes to fit every frame and shares a heatmap colour range", () => {
    const a = scatterPlot(
      [
        [0, 0],
        [1, 1],
      ],
      quiet,
    );
    const b = scatterPlot(
      [
        [-4, 2],
        [3, 9],
      ],
      quiet,
    );
    const f = animatedPlot([a, b], quiet);
    const xr = (f.layout!.xaxis as { range: number[] }).range;
    const yr = (f.layout!.yaxis as { range: number[] }).range;
    expect(xr[0]).toBeLessThan(-4);
    expect(xr[1]).toBeGreaterThan(3);
    expect(yr[1]).toBeGreaterThan(9);
    // Or as the caller fixes them, e.g. to keep a far-off point from shrinking every frame.
    const fixed = animatedPlot([a, b], { ...quiet, xRange: [-3, 3], yRange: [-2, 2] });
    expect([(fixed.layout!.xaxis as { range: number[] }).range, (fixed.layout!.yaxis as { range: number[] }).range]).toEqual([
      [-3, 3],
      [-2, 2],
    ]);
    const h = animatedPlot([heatmap([[0, 1]], quiet), heatmap([[5, -2]], quiet)], quiet);
    expect(h.frames!.map((fr) => [fr.data![0].zmin, fr.data![0].zmax])).toEqual([
      [-2, 5],
      [-2, 5],
    ]);
  });

  it("rejects frames that draw different traces, and labels that do not fit", () => {
    const one = linePlot([1, 2], quiet);
    const two = linePlot(
      [
        [1, 2],
        [3, 4],
      ] as never,
      quiet,
    );
    expect(() => animatedPlot([one, two], quiet)).toThrow("frames[1] has 2 traces but frames[0] has 1");
    expect(() => animatedPlot([one], { ...quiet, labels: ["a", "b"] })).toThrow("options.labels has 2 labels but there are 1 frames");
    expect(() => animatedPlot([], quiet)).toThrow("frames must be a non-empty array of figures");
  });
});
