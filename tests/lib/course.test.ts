// lib/course.ts: budgets.json parsed and checked, and the two tables printed from it.
// The expected rows are written out by hand from notebooks/budgets.json's format.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { courseMap, learnedTable, parseStages, readStages } from "../../lib/course";

const entry = (title: string) => ({
  title,
  seconds: 30,
  wasmAloneSeconds: 60,
  build: `build *${title}*`,
  lib: [`${title}.ts`],
  measured: `${title} measured`,
});

describe("parseStages", () => {
  it("returns the stages in order, numbered by the notebook prefix", () => {
    const stages = parseStages({ "01-b": entry("b"), "00-a": entry("a") });
    expect(stages.map((s) => [s.stage, s.notebook, s.title])).toEqual([
      [0, "00-a", "a"],
      [1, "01-b", "b"],
    ]);
    expect(stages[1]).toEqual({
      stage: 1,
      notebook: "01-b",
      title: "b",
      seconds: 30,
      wasmAloneSeconds: 60,
      build: "build *b*",
      lib: ["b.ts"],
      measured: "b measured",
    });
  });

  it("says which entry and field is wrong", () => {
    expect(() => parseStages([])).toThrow(/must be an object keyed by notebook name/);
    expect(() => parseStages({ vae: entry("a") })).toThrow(/key "vae" must be a notebook name NN-words/);
    expect(() => parseStages({ "00-a": { ...entry("a"), build: "" } })).toThrow(/"00-a"\.build must be a non-empty string, got ""/);
    expect(() => parseStages({ "00-a": { ...entry("a"), seconds: "30" } })).toThrow(/"00-a"\.seconds must be a positive number/);
    expect(() => parseStages({ "00-a": { ...entry("a"), wasmAloneSeconds: 20 } })).toThrow(
      /"00-a"\.wasmAloneSeconds must be a number of seconds, at least "seconds" \(30\), got 20/,
    );
    expect(() => parseStages({ "00-a": { ...entry("a"), lib: [] } })).toThrow(/"00-a"\.lib must be a non-empty list of lib files/);
    const { measured: _, ...noMeasured } = entry("a");
    expect(() => parseStages({ "00-a": noMeasured })).toThrow(/"00-a"\.measured must be a non-empty string, got undefined/);
  });

  it("refuses a gap or a repeated stage number", () => {
    expect(() => parseStages({ "00-a": entry("a"), "02-c": entry("c") })).toThrow(/found 02-c where stage 1 belongs/);
    expect(() => parseStages({ "00-a": entry("a"), "00-b": entry("b") })).toThrow(/where stage 1 belongs/);
    expect(() => parseStages({ "01-b": entry("b") })).toThrow(/found 01-b where stage 0 belongs/);
  });
});

describe("readStages", () => {
  it("reads a file, and by default the course's notebooks/budgets.json", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "course-"));
    const file = path.join(dir, "budgets.json");
    fs.writeFileSync(file, JSON.stringify({ "00-a": entry("a") }));
    expect(readStages({ file }).map((s) => s.notebook)).toEqual(["00-a"]);
    fs.rmSync(dir, { recursive: true });
    const course = readStages();
    expect(course[0].notebook).toBe("00-orientation");
    expect(course.map((s) => s.stage)).toEqual(course.map((_, i) => i));
  });
});

describe("courseMap and learnedTable", () => {
  const stages = parseStages({ "00-a": entry("a"), "01-b": { ...entry("b"), lib: ["b.ts", "c.ts"] } });

  it("courseMap drops emphasis and code marks, and keeps a lone star", () => {
    const [row] = courseMap(parseStages({ "00-a": { ...entry("a"), build: "the optimum D*, *sample* it, `fit` (*twice*)" } }));
    expect(row["what you build"]).toBe("the optimum D*, sample it, fit (twice)");
  });

  it("courseMap: stage, notebook, what you build (markdown marks dropped), budget", () => {
    expect(courseMap(stages)).toEqual([
      { stage: 0, notebook: "00-a", "what you build": "build a", "time budget (s)": 30 },
      { stage: 1, notebook: "01-b", "what you build": "build b", "time budget (s)": 30 },
    ]);
  });

  it("learnedTable: stage, idea, lib files, what was measured", () => {
    expect(learnedTable(stages)).toEqual([
      { stage: 0, idea: "a", lib: "a.ts", "measured here": "a measured" },
      { stage: 1, idea: "b", lib: "b.ts, c.ts", "measured here": "b measured" },
    ]);
  });
});
