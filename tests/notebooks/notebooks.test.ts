/**
 * The integration test: every notebook runs top to bottom through Jupyter with the course
 * kernel, with no error output, within 1.5× its time budget (notebooks/budgets.json); then a
 * headless Chromium opens notebook 00's HTML export and checks that a Plotly chart drew.
 */
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { expectPlotRendered } from "../helpers/browser";
import { BUILD, ROOT, budgets, executeNotebook, registerTestKernel, type Executed } from "../helpers/jupyter";

const table = budgets();
// NOTEBOOK=01 (a name prefix) runs only the matching notebooks, e.g. while writing one.
const only = process.env.NOTEBOOK;
const names = fs
  .readdirSync(path.join(ROOT, "notebooks"))
  .filter((f) => f.endsWith(".ipynb"))
  .map((f) => f.replace(/\.ipynb$/, ""))
  .filter((n) => !only || n.startsWith(only))
  .sort();
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
});
