/**
 * What the course kernel tells Jupyter, checked through nbconvert on three small notebooks:
 * execution counts (scripts/kernel.cjs, announceExecutions), a TypeScript compile error failing
 * the run although it is no error output, a shown figure not printed again as the cell's value
 * (quietShownFigures), a folder changing mid-session (ignoreFolderChanges), and every figure
 * output carrying its fallbacks (lib/plot.ts).
 */
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, executeNotebook, registerTestKernel, type Output } from "../helpers/jupyter";

const FIXTURES = path.join(ROOT, "tests", "fixtures", "kernel");
const text = (t: string | string[] | undefined) => (Array.isArray(t) ? t.join("") : (t ?? ""));

beforeAll(() => {
  registerTestKernel();
});

describe("the course kernel through Jupyter", () => {
  it("fails the run on a TypeScript compile error, which is no error output", () => {
    expect(() => executeNotebook("compile-error", 120, path.join(FIXTURES, "compile-error.ipynb"))).toThrow(
      /nbconvert failed on compile-error[\s\S]*CellExecutionError[\s\S]*not a number/,
    );
  });

  it("keeps working when a folder changes under node_modules mid-session (npm install, an editor)", () => {
    // Without ignoreFolderChanges the third cell fails with "Unexpected pending rebuildTimer".
    const run = executeNotebook("folder-change", 120, path.join(FIXTURES, "folder-change.ipynb"));
    expect(run.problems).toEqual([]);
    expect(run.notebook.cells.map((c) => (c.outputs ?? []).map((o) => text(o.text)).join(""))).toEqual(["1.9599639471668926\n", "changed\n", "2\n"]);
  });

  it("numbers every cell, shows figures once, with text/plain, a note and PNGs", () => {
    const run = executeNotebook("figures", 120, path.join(FIXTURES, "figures.ipynb"));
    const cells = run.notebook.cells;
    expect(cells.map((c) => c.execution_count)).toEqual([1, 2, 3, 4, 5, 6]);
    // findProblems flags only cell 3's summary line (a figure printed as text), which is cell 3's point.
    expect(run.problems).toEqual([expect.stringMatching(/^cell 3: a figure printed as text under its plot/)]);
    const outputs = (i: number): Output[] => cells[i].outputs ?? [];
    // Cell 0 ends in linePlot(...), cell 1 in showFigure(literal): one display output each, no text.
    for (const i of [0, 1]) {
      expect(outputs(i).map((o) => o.output_type), `cell ${i}`).toEqual(["display_data"]);
      const data = outputs(i)[0].data!;
      expect(Object.keys(data).sort()).toEqual(["text/html", "text/plain"]);
      expect(text(data["text/html"] as string)).toContain('class="genai-plot-note"');
    }
    expect(text(outputs(0)[0].data!["text/plain"] as string)).toBe('[plot] "a loss" 1 trace (scatter): series 0');
    // The first figure of the session carries plotly.js; the second does not.
    expect(text(outputs(0)[0].data!["text/html"] as string).length).toBeGreaterThan(4_000_000);
    expect(text(outputs(1)[0].data!["text/html"] as string).length).toBeLessThan(10_000);
    // An image grid: HTML without script, and a PNG.
    const grid = outputs(2)[0].data!;
    expect(Object.keys(grid).sort()).toEqual(["image/png", "text/html", "text/plain"]);
    expect(text(grid["text/html"] as string)).not.toMatch(/<script/i);
    // Pictures drawn by Plotly (a heatmap, an animation of image grids) carry a PNG too.
    for (const i of [4, 5]) {
      expect(outputs(i).map((o) => o.output_type), `cell ${i}`).toEqual(["display_data"]);
      expect(Object.keys(outputs(i)[0].data!).sort(), `cell ${i}`).toEqual(["image/png", "text/html", "text/plain"]);
    }
    // A figure never shown still prints as its summary when it is the cell's value.
    expect(outputs(3).map((o) => text(o.text))).toEqual(['[plot] 1 trace (scatter): series 0\n']);
  });
});
