/**
 * The claims check (tests/notebooks/claims.ts), which the notebook test runs on every executed
 * notebook: it passes when prose and output agree and fails when a quoted number changes, in the
 * output or in the prose. And, without running anything: every notebook has claims, and every
 * claim's prose is still in its committed notebook.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkClaims, loadClaims, outputText, parseQuoted, type Claim, type NotebookJSON } from "../notebooks/claims";

const ROOT = path.resolve(__dirname, "../..");

/** A two-cell notebook: prose, then a code cell with id "fit" whose outputs are `printed`. */
const notebook = (prose: string, ...printed: NotebookJSON["cells"][number]["outputs"][]): NotebookJSON => ({
  cells: [
    { cell_type: "markdown", source: ["The mean growth is ", prose] },
    ...printed.map((outputs, i) => ({ id: i === 0 ? "fit" : `other${i}`, cell_type: "code", source: "", outputs })),
  ],
});
const stream = (text: string) => [{ output_type: "stream", text: [text] }];
const claim: Claim = { prose: "0.134 ppm/month", quoted: "0.134", output: /mean growth ([\d.]+) ppm\/month/, cell: "fit" };

describe("checkClaims", () => {
  it("holds when the output prints the quoted number (rounded to its decimals)", () => {
    const nb = notebook("0.134 ppm/month.", stream("intercept 0.0409\nmean growth 0.13394 ppm/month\n"));
    expect(checkClaims(nb, nb, [claim])).toEqual([]);
  });

  it("fails when the printed number changes", () => {
    const nb = notebook("0.134 ppm/month.", stream("mean growth 0.1352 ppm/month\n"));
    expect(checkClaims(nb, nb, [claim])).toEqual([
      'claim "0.134" (0.134 ppm/month): the prose quotes 0.134, the output prints 0.1352 (/mean growth ([\\d.]+) ppm\\/month/)',
    ]);
  });

  it("fails when the prose changes, when the output is gone, or in another cell", () => {
    const printed = stream("mean growth 0.134 ppm/month\n");
    expect(checkClaims(notebook("0.135 ppm/month."), notebook("", printed), [claim])[0]).toMatch(/no Markdown cell contains its prose/);
    expect(checkClaims(notebook("0.134 ppm/month."), notebook("", stream("nothing")), [claim])[0]).toMatch(/no output matches/);
    expect(checkClaims(notebook("0.134 ppm/month."), notebook("", [], printed), [claim])[0]).toMatch(/no output matches .* in cell fit/);
    expect(checkClaims(notebook("0.134 ppm/month."), notebook("", printed), [{ ...claim, quoted: "0.13" }])[0]).toMatch(
      /the prose does not contain the quoted number "0\.13"/,
    );
  });

  it("with `within`, accepts a run-to-run wobble and no more", () => {
    const nb = notebook("0.134 ppm/month.", stream("mean growth 0.1352 ppm/month\n"));
    expect(checkClaims(nb, nb, [{ ...claim, within: 0.002 }])).toEqual([]);
    expect(checkClaims(nb, nb, [{ ...claim, within: 0.001 }])).toHaveLength(1);
  });

  it("reads HTML tables and text/plain, scales, signs, commas and percentages", () => {
    const html = [{ output_type: "display_data", data: { "text/html": ["<table><tr><td>class</td><td>0.918</td></tr></table>"] } }];
    const nb = notebook("91.8 % of 1,857 digits, slope −0.42", html, [
      { output_type: "execute_result", data: { "text/plain": "1857 -0.4213" } },
    ]);
    const claims: Claim[] = [
      { prose: "91.8 %", quoted: "91.8", output: /class ([\d.]+)/, scale: 100 },
      { prose: "1,857 digits", quoted: "1,857", output: /^(\d+)/ },
      { prose: "slope −0.42", quoted: "−0.42", output: /(-[\d.]+)/ },
    ];
    expect(checkClaims(nb, nb, claims)).toEqual([]);
    expect(outputText(nb.cells[1])).toContain("class 0.918");
    expect(parseQuoted("12.5%")).toEqual({ value: 12.5, decimals: 1 });
    expect(parseQuoted("n/a").value).toBeNaN();
  });
});

describe("every notebook's claims", () => {
  const names = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, "notebooks", "budgets.json"), "utf8")) as Record<string, unknown>);
  for (const name of names) {
    it(`${name}: has claims, and their prose is in the committed notebook`, async () => {
      const claims = await loadClaims(name);
      expect(claims.length, `tests/notebooks/claims/${name.slice(0, 2)}.ts has no claims`).toBeGreaterThan(0);
      const nb = JSON.parse(fs.readFileSync(path.join(ROOT, "notebooks", `${name}.ipynb`), "utf8")) as NotebookJSON;
      const problems = checkClaims(nb, nb, claims).filter((p) => !/no output matches/.test(p));
      expect(problems).toEqual([]);
    });
  }
});
