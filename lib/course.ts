/**
 * The course's one list of stages, notebooks/budgets.json: stage N is notebook NN-name, and its
 * entry holds the notebook's title, its time budget in seconds (the notebook test's), what you build
 * (the README's stage table), the lib files it introduces and what it measures. Notebook 00 prints the
 * course map from it and notebook 07 the closing table, so adding a stage edits this one list;
 * tests/course/consistency.test.ts checks the README's stage table and the other stage lists against it.
 *
 *   parseStages(json)      the entries of budgets.json, checked, in stage order
 *   readStages(options)    the same, read from notebooks/budgets.json
 *   courseMap(stages)      rows for notebook 00: stage, notebook, what you build, time budget
 *   learnedTable(stages)   rows for notebook 07: stage, idea, lib, measured
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** One stage of the course, from its entry in notebooks/budgets.json. */
export interface Stage {
  /** N, the notebook's two-digit prefix as a number. */
  stage: number;
  /** The notebook's name without `.ipynb`, e.g. `"04-vae"`. */
  notebook: string;
  /** The notebook's subject in one line. */
  title: string;
  /** Time budget of the whole notebook run through Jupyter, in seconds. */
  seconds: number;
  /**
   * The same on wasm alone (no BLAS addon: a computer without a C compiler), in seconds; at
   * least `seconds`. The JupyterLab test runs the course on that path and holds it to this.
   */
  wasmAloneSeconds: number;
  /** What you build, one line (markdown), as in the README's stage table. */
  build: string;
  /** The lib files the stage introduces, relative to lib/, e.g. `["vae.ts"]`. */
  lib: string[];
  /** What the notebook measures, one line. */
  measured: string;
}

const NOTEBOOK_NAME = /^(\d\d)-[a-z0-9]+(?:-[a-z0-9]+)*$/;

function field<T>(entry: Record<string, unknown>, key: string, name: string, ok: (v: unknown) => boolean, want: string): T {
  const value = entry[key];
  if (!ok(value)) throw new Error(`budgets.json: "${name}".${key} must be ${want}, got ${JSON.stringify(value)}`);
  return value as T;
}

/**
 * The stages of a parsed budgets.json, in order. Throws, naming the entry and the field, unless every
 * key is a notebook name `NN-words`, the stages are 0, 1, 2, … with no gap, and every entry has
 * `title`, `seconds`, `wasmAloneSeconds`, `build`, `lib` and `measured`.
 * @param json the parsed file: `{ "NN-name": { title, seconds, wasmAloneSeconds, build, lib, measured }, … }`
 */
export function parseStages(json: unknown): Stage[] {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new Error(`budgets.json must be an object keyed by notebook name, got ${JSON.stringify(json)}`);
  }
  const isText = (v: unknown) => typeof v === "string" && v.trim().length > 0;
  const stages = Object.entries(json as Record<string, unknown>).map(([notebook, value]): Stage => {
    const m = NOTEBOOK_NAME.exec(notebook);
    if (!m) throw new Error(`budgets.json: key "${notebook}" must be a notebook name NN-words (e.g. "04-vae")`);
    if (typeof value !== "object" || value === null) throw new Error(`budgets.json: "${notebook}" must be an object`);
    const entry = value as Record<string, unknown>;
    return {
      stage: Number(m[1]),
      notebook,
      title: field(entry, "title", notebook, isText, "a non-empty string"),
      seconds: field(entry, "seconds", notebook, (v) => typeof v === "number" && v > 0, "a positive number"),
      wasmAloneSeconds: field(
        entry,
        "wasmAloneSeconds",
        notebook,
        (v) => typeof v === "number" && v >= (entry.seconds as number),
        `a number of seconds, at least "seconds" (${JSON.stringify(entry.seconds)})`,
      ),
      build: field(entry, "build", notebook, isText, "a non-empty string"),
      lib: field(entry, "lib", notebook, (v) => Array.isArray(v) && v.length > 0 && v.every(isText), "a non-empty list of lib files"),
      measured: field(entry, "measured", notebook, isText, "a non-empty string"),
    };
  });
  stages.sort((a, b) => a.stage - b.stage);
  stages.forEach((s, i) => {
    if (s.stage !== i)
      throw new Error(`budgets.json: stages must be 0, 1, 2, … with no gap or repeat; found ${s.notebook} where stage ${i} belongs`);
  });
  return stages;
}

/** Options of {@link readStages}. */
export interface ReadStagesOptions {
  /** The file (default `notebooks/budgets.json` under the working directory, the repository root in notebooks and tests). */
  file?: string;
}

/** The course's stages, read from notebooks/budgets.json and checked by {@link parseStages}. */
export function readStages(options: ReadStagesOptions = {}): Stage[] {
  const file = options.file ?? path.join(process.cwd(), "notebooks", "budgets.json");
  return parseStages(JSON.parse(fs.readFileSync(file, "utf8")));
}

/** Markdown emphasis (`*word*`) and code marks dropped, for a plain-text table cell; a lone `*` (D*) stays. */
function plain(markdown: string): string {
  return markdown.replace(/`([^`]*)`/g, "$1").replace(/(^|[\s(])\*([^*\s](?:[^*]*[^*\s])?)\*(?=[\s).,;:]|$)/g, "$1$2");
}

/**
 * The course map of notebook 00: one row per stage.
 * @param stages from {@link readStages} (default: read them)
 */
export function courseMap(stages: Stage[] = readStages()): Record<string, string | number>[] {
  return stages.map((s) => ({ stage: s.stage, notebook: s.notebook, "what you build": plain(s.build), "time budget (s)": s.seconds }));
}

/**
 * The closing table of notebook 07, "what was learned": one row per stage.
 * @param stages from {@link readStages} (default: read them)
 */
export function learnedTable(stages: Stage[] = readStages()): Record<string, string | number>[] {
  return stages.map((s) => ({ stage: s.stage, idea: s.title, lib: s.lib.join(", "), "measured here": s.measured }));
}
