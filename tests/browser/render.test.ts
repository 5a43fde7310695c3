/**
 * Plots really draw: pages built from lib/plot.ts open in headless Chromium with the network
 * blocked, and every chart draws its traces. Covers a standalone page, a page with require.js's
 * `define.amd` (classic Notebook), and figures whose library arrives in a LATER output.
 * Screenshots go to build/screenshots/ for a human to look at.
 */
import * as tf from "@tensorflow/tfjs";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { expectPlotRendered } from "../helpers/browser";
import {
  animatedPlot,
  figureHTML,
  heatmap,
  imageGrid,
  linePlot,
  pageHTML,
  plotlyLibraryScript,
  scatterPlot,
  type Figure,
} from "../../lib/plot";

const ROOT = path.resolve(__dirname, "..", "..");
const OUT = path.join(ROOT, "build", "browser");
const SHOTS = path.join(ROOT, "build", "screenshots");
const quiet = { show: false } as const;
let figs: Figure[] = [];

beforeAll(async () => {
  await tf.setBackend("cpu");
  fs.mkdirSync(OUT, { recursive: true });
  const images = tf.tidy(() => tf.linspace(0, 1, 28).reshape([1, 1, 28]).tile([16, 28, 1]) as tf.Tensor3D); // [16, 28, 28]
  const steps = [3, 2, 1, 0].map((t) => tf.tidy(() => images.slice([0, 0, 0], [8, 28, 28]).add(tf.randomUniform([8, 28, 28]).mul(t / 3))));
  figs = [
    linePlot({ train: [3, 2, 1.5, 1.2], val: [3.1, 2.4, 2.1, 2] }, { ...quiet, title: "Loss", xTitle: "epoch", logY: true }),
    heatmap(
      [
        [0.9, 0.1, 0],
        [0.3, 0.4, 0.3],
        [0, 0.2, 0.8],
      ],
      { ...quiet, rowLabels: ["the", "<eos>", "the"], colLabels: ["a", "b", "c"], zmin: 0, zmax: 1, title: "Attention" },
    ),
    imageGrid(images, { ...quiet, cols: 8, title: "Samples", titles: Array.from({ length: 16 }, (_, i) => String(i)) }),
    animatedPlot(
      steps.map((x) => imageGrid(x, { ...quiet, cols: 4, range: [0, 2] })),
      { ...quiet, labels: ["t=3", "t=2", "t=1", "t=0"], title: "Denoising" },
    ),
    animatedPlot(
      [1, 2, 3].map((k) =>
        scatterPlot(
          [
            [0, 0],
            [k, k],
            [-k, k],
          ],
          { ...quiet, labels: [0, 1, 1], groups: [0, 1] },
        ),
      ),
      quiet,
    ),
  ];
  tf.dispose([images, ...steps]);
});

describe("plots render in headless Chromium, offline", () => {
  it("a standalone page of every kind of figure draws them all", async () => {
    const file = path.join(OUT, "figures.html");
    fs.writeFileSync(file, pageHTML(figs, "lib/plot.ts figures"));
    const r = await expectPlotRendered(file, path.join(SHOTS, "figures.png"), {
      // The slider and play button work: it opens on the last frame; jump to the first and see its image drawn.
      inspect: async (page) => {
        const moved = await page.evaluate(`(async () => {
          const gd = document.querySelectorAll(".js-plotly-plot")[3];
          const before = gd.querySelector(".im image").getAttribute("href");
          await window.Plotly.animate(gd, ["t=3"], { frame: { duration: 0, redraw: true }, transition: { duration: 0 } });
          const after = gd.querySelector(".im image").getAttribute("href");
          return before !== after && after === gd._transitionData._frameHash["t=3"].data[0].source;
        })()`);
        expect(moved, "animating to frame t=3 redraws its image").toBe(true);
      },
    });
    expect(r.consoleErrors).toEqual([]);
    expect(r.blocked).toEqual([]);
    expect(r.plots).toBe(figs.length);
    expect(r.containers).toBe(figs.length);
    expect(r.traces).toBe(2 + 1 + 1 + 1 + 2);
  });

  it("draws where require.js has defined define.amd (classic Notebook)", async () => {
    const amd =
      "<script>window.define = function () { window.__amdCalls = (window.__amdCalls || 0) + 1; }; window.define.amd = { jQuery: true };</script>";
    const file = path.join(OUT, "amd.html");
    fs.writeFileSync(file, pageHTML(figs.slice(0, 2)).replace("<body", `${amd}\n<body`));
    const r = await expectPlotRendered(file, path.join(SHOTS, "amd.png"), {
      inspect: async (page) => {
        expect(await page.evaluate("window.__amdCalls || 0"), "plotly.js registered itself with AMD define").toBe(0);
      },
    });
    expect(r.plots).toBe(2);
    expect(r.consoleErrors).toEqual([]);
  });

  it("a figure whose output comes before plotly.js arrives still draws (it waits)", async () => {
    // The library is loaded 0.5 s after the figure's script ran, as a slow earlier output would.
    const lib = plotlyLibraryScript()
      .replace(/^<script[^>]*>/, "")
      .replace(/<\/script>$/, "");
    fs.writeFileSync(path.join(OUT, "plotly-wrapped.js"), lib);
    const file = path.join(OUT, "order.html");
    fs.writeFileSync(
      file,
      `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>\n` +
        `${figureHTML(figs[0], { includeLibrary: "never" })}\n` +
        `<script>setTimeout(function () {
           var s = document.createElement("script"); s.src = "plotly-wrapped.js"; document.body.appendChild(s);
         }, 500);</script></body></html>`,
    );
    const r = await expectPlotRendered(file, path.join(SHOTS, "order.png"));
    expect(r.plots).toBe(1);
    expect(r.consoleErrors).toEqual([]);
  });
});
