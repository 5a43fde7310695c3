/**
 * The course's hand-kept lists cannot drift: the stage lists agree with notebooks/budgets.json,
 * lib's back-links name real notebook sections, and every "stage N" uses budgets.json's numbering
 * (stage N is notebook NN). Each check is then broken once, in a copy, to show that it notices.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { backLinkProblems, copyCourse, readCourse, stageListProblems, stageNumberProblems, type Course } from "./lists";

const ROOT = path.resolve(__dirname, "../..");
const course = readCourse(ROOT);

/** A copy of the course with one thing changed. */
function broken(change: (c: Course) => void): Course {
  const c = copyCourse(course);
  change(c);
  return c;
}
const cells = (c: Course, name: string) => c.notebooks.get(name)!;
/** The problems `check` finds in `c` that it does not find in the course as it is. */
const added = (check: (c: Course) => string[], c: Course) => {
  const before = new Set(check(course));
  return check(c).filter((p) => !before.has(p));
};
const lists = (c: Course) => added(stageListProblems, c);
const links = (c: Course) => added(backLinkProblems, c);
const numbers = (c: Course) => added(stageNumberProblems, c);
const budgets = (c: Course) => c.budgets as Record<string, Record<string, unknown>>;

describe("the course's lists and links", () => {
  it("the stage lists agree: budgets.json, notebooks, README table, check registry, notebook 00's map, notebook 08's table", () => {
    expect(stageListProblems(course)).toEqual([]);
  });

  it("every lib back-link to a notebook section resolves to a heading that uses the file", () => {
    expect(backLinkProblems(course)).toEqual([]);
  });

  it('every "stage N" in the notebooks and the README is budgets.json\'s stage N', () => {
    expect(stageNumberProblems(course)).toEqual([]);
  });
});

describe("each check notices when its list is broken", () => {
  it("a notebook without a budgets.json entry, and an entry without a notebook", () => {
    const c = broken((c) => c.notebooks.set("09-flows", [{ type: "markdown", source: "# 09 · Flows" }]));
    expect(lists(c)).toContain("notebooks/09-flows.ipynb has no entry in notebooks/budgets.json (stage N is notebook NN)");
    const d = broken((c) => c.notebooks.delete("06-diffusion"));
    expect(lists(d)).toContain("notebooks/budgets.json lists 06-diffusion, but notebooks/06-diffusion.ipynb does not exist");
    const e = broken((c) => delete budgets(c)["03-attention-and-transformers"]);
    expect(lists(e)[0]).toMatch(/found 04-vae where stage 3 belongs/);
  });

  it("budgets.json naming a lib file that does not exist", () => {
    const c = broken((c) => (budgets(c)["04-vae"].lib = ["vae.ts", "vqvae.ts"]));
    expect(lists(c)).toContain("notebooks/budgets.json: 04-vae lists lib/vqvae.ts, which does not exist");
  });

  it("the README's stage table: a row missing, a row extra, a stale build line or budget", () => {
    const row5 = /^\| 5 \|.*\n/m;
    expect(course.readme).toMatch(row5);
    const missing = broken((c) => (c.readme = c.readme.replace(row5, "")));
    expect(lists(missing)).toEqual(["README.md's stage table has no row for stage 5 (05-gan) of notebooks/budgets.json"]);
    const stale = broken((c) => (budgets(c)["06-diffusion"].build = "DDPM"));
    expect(lists(stale)[0]).toMatch(/^README.md's stage table: stage 6's "what you build" is not budgets.json's build/);
    const slower = broken((c) => (budgets(c)["06-diffusion"].seconds = 300));
    expect(lists(slower)).toEqual(["README.md's stage table: stage 6's time budget is 240 s, budgets.json says 300 s"]);
    const wasm = broken((c) => (budgets(c)["06-diffusion"].wasmAloneSeconds = 999));
    expect(lists(wasm)).toEqual([
      `README.md's stage table: stage 6's wasm-alone budget is ${budgets(course)["06-diffusion"].wasmAloneSeconds} s, budgets.json says 999 s`,
    ]);
    const extra = broken(
      (c) => (c.readme = c.readme.replace(row5, (r) => `${r}| 9 | \`09-flows\` | flows | 60 s | — | 90 s | — | planned |\n`)),
    );
    expect(lists(extra)).toEqual(["README.md's stage table has stage 9 (09-flows), which notebooks/budgets.json lacks"]);
  });

  it("the exercise registry: checks, exercises, solutions, tests, fixtures, README sentence, checkExercises calls", () => {
    const noTest = broken((c) => (c.files.tests = c.files.tests.filter((f) => !f.startsWith("06-"))));
    expect(lists(noTest)).toEqual([
      "stage 06 is in checks/NN-*.ts, exercises/NN-*.ts, solutions/NN-*.ts, tests/fixtures/exercises/NN/, " +
        'README.md\'s "Stages with exercises" sentence, the notebooks\' checkExercises("NN") calls ' +
        "but missing from tests/exercises/NN-*.test.ts",
    ]);
    const noCheck = broken((c) => (c.files.checks = c.files.checks.filter((f) => !f.startsWith("04-"))));
    expect(lists(noCheck)[0]).toMatch(/^stage 04 is in .* but missing from checks\/NN-\*\.ts$/);
    const readme = broken((c) => (c.readme = c.readme.replace(/, 05 \(discriminator[^)]*\)/, "")));
    expect(lists(readme)[0]).toMatch(/^stage 05 is in .* but missing from README.md's "Stages with exercises" sentence$/);
    const notebook = broken((c) => {
      const cell = cells(c, "01-autoregression").find((x) => x.source.includes('checkExercises("01")'))!;
      cell.source = cell.source.replace('checkExercises("01")', "undefined");
    });
    expect(lists(notebook)[0]).toMatch(/^stage 01 is in .* but missing from the notebooks' checkExercises\("NN"\) calls$/);
    const newStage = broken((c) => c.files.checks.push("09-flows.ts"));
    expect(lists(newStage)).toEqual([
      "stage 09 is in checks/NN-*.ts but missing from exercises/NN-*.ts, solutions/NN-*.ts, tests/exercises/NN-*.test.ts, " +
        'tests/fixtures/exercises/NN/, README.md\'s "Stages with exercises" sentence, the notebooks\' checkExercises("NN") calls',
      "stage 09 has exercises but no notebook in notebooks/budgets.json",
    ]);
  });

  it("notebook 00's course map: printed from budgets.json, and its family table names every stage", () => {
    const notPrinted = broken((c) =>
      c.notebooks.set(
        "00-orientation",
        cells(c, "00-orientation").filter((x) => !x.source.includes("courseMap(")),
      ),
    );
    expect(lists(notPrinted)).toEqual([
      "notebook 00-orientation no longer prints the course map (a code cell calling courseMap() from lib/course.ts)",
    ]);
    const familyRow = /^\| \*\*diffusion model\*\*.*\| 6 \|$/m;
    expect(cells(course, "00-orientation")[0].source).toMatch(familyRow);
    const noRow = broken((c) => (cells(c, "00-orientation")[0].source = cells(c, "00-orientation")[0].source.replace(familyRow, "")));
    expect(lists(noRow)).toEqual([
      "notebook 00-orientation's course map (the family table in its first cell) does not mention stage 6 (06-diffusion)",
    ]);
  });

  it("notebook 08's closing table: printed from budgets.json, never a hand-kept copy", () => {
    const handKept = broken((c) => {
      const nb = cells(c, "08-text-to-image");
      const i = nb.findIndex((x) => x.source.includes("learnedTable("));
      nb[i] = { type: "markdown", source: "| stage | idea | lib |\n| --- | --- | --- |\n| 1 | autoregression | `autoregression.ts` |" };
    });
    expect(lists(handKept)).toEqual([
      "notebook 08-text-to-image no longer prints its closing table (a code cell calling learnedTable() from lib/course.ts)",
      expect.stringMatching(/^notebook 08-text-to-image, cell \d+: a hand-kept table of stages; print it with learnedTable\(\) instead$/),
    ]);
  });

  it("back-links: a missing section, a section that does not teach the file, a misquoted title, a missing notebook", () => {
    const edit = (file: string, from: string | RegExp, to: string) =>
      broken((c) => {
        expect(c.lib.get(file)).toMatch(from);
        c.lib.set(file, c.lib.get(file)!.replace(from, to));
      });
    expect(links(edit("diffusion.ts", "§9", "§19"))).toEqual([
      expect.stringMatching(/^lib\/diffusion.ts:1: points to notebooks\/06-diffusion, section 19, which has no heading "## 19 · …"$/),
    ]);
    expect(links(edit("metrics.ts", "notebooks/06-diffusion.ipynb (section 7)", "notebooks/06-diffusion.ipynb (section 2)"))).toEqual([
      expect.stringMatching(
        /metrics.ts:\d+: points to notebooks\/06-diffusion, section 2 \("2 · The forward process.*\), which uses nothing lib\/metrics.ts/,
      ),
    ]);
    expect(links(edit("vae.ts", '("How good is it?")', '("How good is the model?")'))).toEqual([
      'lib/vae.ts:1: quotes the section "How good is the model?", but no heading of notebooks/04-vae contains it',
    ]);
    expect(links(edit("gan.ts", "notebooks/05-gan.ipynb", "notebooks/05-gans.ipynb"))).toEqual([
      expect.stringMatching(/^lib\/gan.ts:\d+: links notebooks\/05-gans, which does not exist$/),
    ]);
  });

  it('"stage N" in another numbering: glossed by other notebooks, next to another stage\'s function, name or notebook', () => {
    const edit = (name: string, from: string, to: string) =>
      broken((c) => {
        const cell = cells(c, name).find((x) => x.source.includes(from));
        expect(cell, `${name} contains ${from}`).toBeDefined();
        cell!.source = cell!.source.replace(from, to);
      });
    const nb07 = "07-conditional-generation";
    expect(numbers(edit(nb07, "Stages 4–6 (notebooks 04–06)", "Stages 3–5 (notebooks 04–06)"))).toEqual([
      expect.stringMatching(/cell 0: "Stages 3–5" is glossed with notebooks 04–06 \(stages 4–6 in notebooks\/budgets.json\)$/),
    ]);
    expect(numbers(edit(nb07, "(stage 4, `anomalyAUC`)", "(stage 3, `anomalyAUC`)"))).toEqual([
      expect.stringMatching(/: "stage 3" next to `anomalyAUC`, which is stage 4 or 7 in notebooks\/budgets.json/),
    ]);
    expect(numbers(edit(nb07, '{ name: "GAN (stage 5)"', '{ name: "GAN (stage 4)"'))).toEqual([
      expect.stringMatching(/: "stage 4" next to GAN, which is stage 5 in/),
    ]);
    expect(numbers(edit(nb07, "stage 4 / notebook 04's", "stage 3 / notebook 04's"))).toEqual([
      expect.stringMatching(/: "stage 3" next to `createVAE`, which is stage 4 or 7 in/),
    ]);
    expect(numbers(edit("00-orientation", "Stage 7 puts them together", "Stage 9 puts them together"))).toEqual([
      'notebooks/00-orientation.ipynb, cell 0: "Stage 9", but notebooks/budgets.json stops at stage 8',
    ]);
  });
});
