/**
 * The course's hand-kept lists and back-links, read into one snapshot and checked against
 * notebooks/budgets.json (stage N is notebook NN). Each check returns its problems as sentences that
 * say which list is missing what; consistency.test.ts expects none, and breaks each list once in a
 * copy of the snapshot to show that the check notices.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseStages, type Stage } from "../../lib/course";

export interface Cell {
  type: "markdown" | "code";
  source: string;
}

/** Everything the checks read, so a test can break one list in a copy. */
export interface Course {
  readme: string;
  /** notebooks/budgets.json, parsed. */
  budgets: unknown;
  /** notebook name (no .ipynb) → its cells. */
  notebooks: Map<string, Cell[]>;
  /** File names in the folders that make up the exercise registry. */
  files: { checks: string[]; exercises: string[]; solutions: string[]; tests: string[]; fixtures: string[] };
  /** lib file (relative to lib/, e.g. "vae.ts", "engine/kernels.ts") → its text. */
  lib: Map<string, string>;
}

const list = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);

function libFiles(dir: string, prefix = ""): string[] {
  return list(dir).flatMap((f) => {
    const full = path.join(dir, f);
    if (fs.statSync(full).isDirectory()) return libFiles(full, `${prefix}${f}/`);
    return f.endsWith(".ts") ? [`${prefix}${f}`] : [];
  });
}

export function readCourse(root: string): Course {
  const notebooks = new Map<string, Cell[]>();
  for (const f of list(path.join(root, "notebooks")).filter((n) => n.endsWith(".ipynb"))) {
    const nb = JSON.parse(fs.readFileSync(path.join(root, "notebooks", f), "utf8"));
    const cells = nb.cells.map((c: { cell_type: string; source: string[] | string }) => ({
      type: c.cell_type === "code" ? "code" : "markdown",
      source: Array.isArray(c.source) ? c.source.join("") : c.source,
    }));
    notebooks.set(f.replace(/\.ipynb$/, ""), cells);
  }
  const lib = new Map<string, string>();
  for (const f of libFiles(path.join(root, "lib"))) lib.set(f, fs.readFileSync(path.join(root, "lib", f), "utf8"));
  return {
    readme: fs.readFileSync(path.join(root, "README.md"), "utf8"),
    budgets: JSON.parse(fs.readFileSync(path.join(root, "notebooks", "budgets.json"), "utf8")),
    notebooks,
    files: {
      checks: list(path.join(root, "checks")),
      exercises: list(path.join(root, "exercises")),
      solutions: list(path.join(root, "solutions")),
      tests: list(path.join(root, "tests", "exercises")),
      fixtures: list(path.join(root, "tests", "fixtures", "exercises")),
    },
    lib,
  };
}

/** A deep enough copy to break one list without touching the others. */
export function copyCourse(c: Course): Course {
  return {
    readme: c.readme,
    budgets: JSON.parse(JSON.stringify(c.budgets)),
    notebooks: new Map([...c.notebooks].map(([k, cells]) => [k, cells.map((cell) => ({ ...cell }))])),
    files: {
      checks: [...c.files.checks],
      exercises: [...c.files.exercises],
      solutions: [...c.files.solutions],
      tests: [...c.files.tests],
      fixtures: [...c.files.fixtures],
    },
    lib: new Map(c.lib),
  };
}

/** Where a match of matchAll starts (always set for matchAll; the type says it may not be). */
const at = (m: RegExpMatchArray) => m.index ?? 0;
const nn = (n: number) => String(n).padStart(2, "0");

function stagesOf(c: Course): { stages: Stage[]; problems: string[] } {
  try {
    return { stages: parseStages(c.budgets), problems: [] };
  } catch (e) {
    return { stages: [], problems: [`notebooks/${(e as Error).message}`] };
  }
}

// ---------------------------------------------------------------------------------------------
// (c) The stage lists agree with notebooks/budgets.json

/** The README's stage table: `| N | \`NN-name\` | what you build | S s | measured | W s | …` (W: the wasm-alone budget). */
function readmeStageRows(readme: string): { stage: number; notebook: string; build: string; seconds: number; wasmAlone: number | null }[] {
  const rows = [];
  for (const m of readme.matchAll(/^\| (\d+) \| `([^`]+)` \| (.*?) \| (\d+) s \|(?: [^|]* \| (\d+) s \|)?/gm)) {
    rows.push({
      stage: Number(m[1]),
      notebook: m[2],
      build: m[3],
      seconds: Number(m[4]),
      wasmAlone: m[5] === undefined ? null : Number(m[5]),
    });
  }
  return rows;
}

/** Stage numbers in the README's sentence "Stages with exercises: 00 (…), 01 (…), …". */
function readmeExerciseStages(readme: string): number[] {
  const m = /Stages with exercises:([\s\S]*?)\n\n/.exec(readme);
  if (!m) return [];
  // only the stage numbers outside the parentheses, e.g. "00 (standardize, a linear layer)"
  const outside = m[1].replace(/\([^)]*\)/g, "");
  return [...outside.matchAll(/\b(\d\d)\b/g)].map((x) => Number(x[1]));
}

const prefixes = (names: string[], pattern: RegExp) => new Set(names.filter((f) => pattern.test(f)).map((f) => Number(f.slice(0, 2))));

export function stageListProblems(c: Course): string[] {
  const { stages, problems } = stagesOf(c);
  if (stages.length === 0) return problems;
  const byName = new Map(stages.map((s) => [s.notebook, s]));

  for (const name of c.notebooks.keys()) {
    if (!byName.has(name)) problems.push(`notebooks/${name}.ipynb has no entry in notebooks/budgets.json (stage N is notebook NN)`);
  }
  for (const s of stages) {
    if (!c.notebooks.has(s.notebook))
      problems.push(`notebooks/budgets.json lists ${s.notebook}, but notebooks/${s.notebook}.ipynb does not exist`);
    for (const f of s.lib) if (!c.lib.has(f)) problems.push(`notebooks/budgets.json: ${s.notebook} lists lib/${f}, which does not exist`);
  }

  // the README's stage table
  const rows = readmeStageRows(c.readme);
  for (const s of stages) {
    const row = rows.find((r) => r.stage === s.stage);
    if (!row) {
      problems.push(`README.md's stage table has no row for stage ${s.stage} (${s.notebook}) of notebooks/budgets.json`);
      continue;
    }
    if (row.notebook !== s.notebook)
      problems.push(`README.md's stage table: stage ${s.stage} is \`${row.notebook}\`, budgets.json says ${s.notebook}`);
    if (row.build !== s.build) {
      problems.push(
        `README.md's stage table: stage ${s.stage}'s "what you build" is not budgets.json's build: "${row.build}" vs "${s.build}"`,
      );
    }
    if (row.seconds !== s.seconds)
      problems.push(`README.md's stage table: stage ${s.stage}'s time budget is ${row.seconds} s, budgets.json says ${s.seconds} s`);
    if (row.wasmAlone !== s.wasmAloneSeconds) {
      problems.push(
        `README.md's stage table: stage ${s.stage}'s wasm-alone budget is ${row.wasmAlone === null ? "missing" : `${row.wasmAlone} s`}, ` +
          `budgets.json says ${s.wasmAloneSeconds} s`,
      );
    }
  }
  for (const r of rows)
    if (!byName.has(r.notebook))
      problems.push(`README.md's stage table has stage ${r.stage} (${r.notebook}), which notebooks/budgets.json lacks`);

  // the exercise registry: each list must name the same stages
  const lists: [string, Set<number>][] = [
    ["checks/NN-*.ts", prefixes(c.files.checks, /^\d\d-.*\.ts$/)],
    ["exercises/NN-*.ts", prefixes(c.files.exercises, /^\d\d-.*\.ts$/)],
    ["solutions/NN-*.ts", prefixes(c.files.solutions, /^\d\d-.*\.ts$/)],
    ["tests/exercises/NN-*.test.ts", prefixes(c.files.tests, /^\d\d-.*\.test\.ts$/)],
    ["tests/fixtures/exercises/NN/", prefixes(c.files.fixtures, /^\d\d$/)],
    ['README.md\'s "Stages with exercises" sentence', new Set(readmeExerciseStages(c.readme))],
    [
      'the notebooks\' checkExercises("NN") calls',
      new Set(
        stages
          .filter((s) => c.notebooks.get(s.notebook)?.some((cell) => cell.source.includes(`checkExercises("${nn(s.stage)}")`)))
          .map((s) => s.stage),
      ),
    ],
  ];
  const all = new Set(lists.flatMap(([, set]) => [...set]));
  for (const stage of [...all].sort((a, b) => a - b)) {
    const has = lists.filter(([, set]) => set.has(stage)).map(([name]) => name);
    const lacks = lists.filter(([, set]) => !set.has(stage)).map(([name]) => name);
    if (lacks.length > 0) problems.push(`stage ${nn(stage)} is in ${has.join(", ")} but missing from ${lacks.join(", ")}`);
    if (!stages.some((s) => s.stage === stage)) problems.push(`stage ${nn(stage)} has exercises but no notebook in notebooks/budgets.json`);
  }

  // notebook 00's course map: printed from budgets.json; its family table names every stage
  const first = c.notebooks.get(stages[0].notebook) ?? [];
  if (!first.some((cell) => cell.type === "code" && /\bcourseMap\(/.test(cell.source))) {
    problems.push(`notebook ${stages[0].notebook} no longer prints the course map (a code cell calling courseMap() from lib/course.ts)`);
  }
  // the family table (header "| family | … | stages |": its last column) and "Stage N" in the prose around it
  const intro = (first[0]?.source ?? "").split("\n");
  const named = new Set<number>();
  const header = intro.findIndex((l) => /^\|\s*family\s*\|.*\|\s*stages\s*\|\s*$/.test(l));
  for (let i = header + 2; header >= 0 && i < intro.length && intro[i].startsWith("|"); i++) {
    const columns = intro[i].split("|");
    for (const d of columns[columns.length - 2].matchAll(/\b(\d+)\b/g)) named.add(Number(d[1]));
  }
  for (const line of intro.filter((l) => !l.startsWith("|"))) {
    for (const m of line.matchAll(/\b[Ss]tages? (\d+)(?:\s*[–-]\s*(\d+))?/g))
      for (let k = Number(m[1]); k <= Number(m[2] ?? m[1]); k++) named.add(k);
  }
  for (const s of stages.slice(1)) {
    if (!named.has(s.stage))
      problems.push(
        `notebook ${stages[0].notebook}'s course map (the family table in its first cell) ` +
          `does not mention stage ${s.stage} (${s.notebook})`,
      );
  }

  // the capstone's closing table: printed from budgets.json, not kept by hand
  const last = stages[stages.length - 1];
  const capstone = c.notebooks.get(last.notebook) ?? [];
  if (!capstone.some((cell) => cell.type === "code" && /\blearnedTable\(/.test(cell.source))) {
    problems.push(`notebook ${last.notebook} no longer prints its closing table (a code cell calling learnedTable() from lib/course.ts)`);
  }
  capstone.forEach((cell, i) => {
    if (cell.type === "markdown" && /^\|\s*stage\s*\|/im.test(cell.source)) {
      problems.push(`notebook ${last.notebook}, cell ${i}: a hand-kept table of stages; print it with learnedTable() instead`);
    }
  });
  return problems;
}

// ---------------------------------------------------------------------------------------------
// (a) Back-links from lib to notebook sections resolve

interface Heading {
  level: number;
  number?: number;
  text: string;
  /** The heading and everything up to the next heading of its level or above. */
  body: string;
}

function headings(cells: Cell[]): Heading[] {
  const lines = cells
    .filter((c) => c.type === "markdown" || c.type === "code")
    .flatMap((c) => c.source.split("\n").map((l) => ({ l, md: c.type === "markdown" })));
  const out: Heading[] = [];
  lines.forEach(({ l, md }, i) => {
    const m = md ? /^(#{2,4})\s+(.*)$/.exec(l) : null;
    if (!m) return;
    const level = m[1].length;
    const num = /^(\d+) · /.exec(m[2]);
    let end = i + 1;
    while (end < lines.length && !(lines[end].md && new RegExp(`^#{2,${level}}\\s`).test(lines[end].l))) end++;
    out.push({
      level,
      number: num && level === 2 ? Number(num[1]) : undefined,
      text: m[2],
      body: lines
        .slice(i, end)
        .map((x) => x.l)
        .join("\n"),
    });
  });
  return out;
}

/** Comment text of a TS file: each block's lines with the leading `*` or `//` dropped, joined by spaces. */
function comments(text: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  for (const m of text.matchAll(/\/\*[\s\S]*?\*\//g)) {
    const body = m[0]
      .replace(/^\/\*\*?|\*\/$/g, "")
      .split("\n")
      .map((l) => l.replace(/^\s*\*?\s?/, ""))
      .join(" ");
    out.push({ text: body, line: text.slice(0, at(m)).split("\n").length });
  }
  return out;
}

const exportsOf = (text: string) =>
  [...text.matchAll(/^export (?:async )?(?:function\*?|const|class|interface|type|let) (\w+)/gm)].map((m) => m[1]);

export function backLinkProblems(c: Course): string[] {
  const problems: string[] = [];
  for (const [file, text] of c.lib) {
    const names = exportsOf(text);
    let current: string | undefined; // the notebook named last in this file
    for (const block of comments(text)) {
      const where = `lib/${file}:${block.line}`;
      // events in order of position: notebook links, section numbers after a link, §K, ("Title")
      const events: { at: number; kind: "link" | "section" | "title"; value: string; to?: string; notebook?: string }[] = [];
      for (const m of block.text.matchAll(/notebooks\/(\d\d-[a-z0-9]+(?:-[a-z0-9]+)*)(?:\.ipynb)?/g)) {
        events.push({ at: at(m), kind: "link", value: m[1] });
        const after = /^(?:,\s*|\s*\(\s*)sections?\s+(\d+)(?:\s*[–-]\s*(\d+))?/.exec(block.text.slice(at(m) + m[0].length));
        if (after) events.push({ at: at(m) + 1, kind: "section", value: after[1], to: after[2], notebook: m[1] });
      }
      for (const m of block.text.matchAll(/§(\d+)(?![.\d])(?:\s*[–-]\s*§?(\d+)(?![.\d]))?/g))
        events.push({ at: at(m), kind: "section", value: m[1], to: m[2] });
      // ("Title"): a section's title, in the file's header or right after a link (not after a year: a paper's title)
      for (const m of block.text.matchAll(/\("([^"]+)"\)/g)) {
        const before = block.text.slice(0, at(m));
        const afterLink = /notebooks\/[\w.-]+\s*$/.test(before);
        if ((block.line === 1 || afterLink) && !/\d{4}\s*$/.test(before)) events.push({ at: at(m), kind: "title", value: m[1] });
      }
      events.sort((a, b) => a.at - b.at);
      for (const e of events) {
        if (e.kind === "link") {
          if (!c.notebooks.has(e.value)) problems.push(`${where}: links notebooks/${e.value}, which does not exist`);
          current = e.value;
          continue;
        }
        const target = e.notebook ?? current;
        if (!target || !c.notebooks.has(target)) {
          if (e.kind === "section") problems.push(`${where}: §${e.value} with no notebook named before it in the file`);
          continue;
        }
        const hs = headings(c.notebooks.get(target)!);
        if (e.kind === "title") {
          const want = e.value.toLowerCase();
          if (!hs.some((h) => h.text.toLowerCase().includes(want))) {
            problems.push(`${where}: quotes the section "${e.value}", but no heading of notebooks/${target} contains it`);
          }
          continue;
        }
        const range: Heading[] = [];
        for (let k = Number(e.value); k <= Number(e.to ?? e.value); k++) {
          const h = hs.find((x) => x.number === k);
          if (h) range.push(h);
          else problems.push(`${where}: points to notebooks/${target}, section ${k}, which has no heading "## ${k} · …"`);
        }
        // "taught in notebooks/NN-…, section K": that section (or one of a range) uses something this file exports
        const uses = (h: Heading) => names.some((n) => new RegExp(`\\b${n}\\b`).test(h.body));
        if (e.notebook && range.length > 0 && !range.some(uses)) {
          const what = range.map((h) => `"${h.text}"`).join(", ");
          problems.push(
            `${where}: points to notebooks/${target}, section ${e.value}${e.to ? `–${e.to}` : ""} (${what}), ` +
              `which uses nothing lib/${file} exports`,
          );
        }
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// (b) "stage N" in the notebooks and the README uses budgets.json's numbering

interface Anchor {
  start: number;
  end: number;
  stages: number[];
  what: string;
  /** True when any one of `stages` is enough (a function used by several stages); false: all of them (notebooks 04–06). */
  any?: boolean;
  /** How far from "stage N" it may be, in characters: 25 for a notebook or a backticked name, 3 for a word. */
  reach: number;
}

interface AnchorIndex {
  /** A lib export or lib file → the stages it belongs to. */
  names: Map<string, number[]>;
  /** A lesson file's name as a word ("vae", "gan", "diffusion") → its stage. */
  words: Map<string, number>;
}

/**
 * What ties a place in the text to stages: "notebook NN" (or "notebooks NN–MM": all of them), a
 * backticked lib file or export (any of: the stage whose budgets.json `lib` lists its file, the stages
 * whose notebooks' code uses it), or a lesson file's name used as a word ("VAE", "GAN", "diffusion").
 * Files budgets.json lists for stage 0 or for two stages are tools, not a stage's own.
 */
function anchorIndex(c: Course, stages: Stage[]): AnchorIndex {
  const owners = new Map<string, number[]>();
  for (const s of stages.slice(1)) for (const f of s.lib) owners.set(f, [...(owners.get(f) ?? []), s.stage]);
  const names = new Map<string, number[]>();
  const words = new Map<string, number>();
  const add = (name: string, stage: number) =>
    names.set(
      name,
      [...new Set([...(names.get(name) ?? []), stage])].sort((a, b) => a - b),
    );
  for (const [f, st] of owners) {
    if (st.length !== 1) continue;
    add(f, st[0]);
    add(`lib/${f}`, st[0]);
    words.set(path.basename(f, ".ts").replace(/-/g, " ").toLowerCase(), st[0]);
    for (const n of exportsOf(c.lib.get(f) ?? "")) add(n, st[0]);
  }
  const code = stages.map((s) =>
    (c.notebooks.get(s.notebook) ?? [])
      .filter((cell) => cell.type === "code")
      .map((cell) => cell.source)
      .join("\n"),
  );
  for (const text of c.lib.values()) {
    for (const n of exportsOf(text)) stages.forEach((s, i) => new RegExp(`\\b${n}\\b`).test(code[i]) && add(n, s.stage));
  }
  return { names, words };
}

function anchors(text: string, index: AnchorIndex): Anchor[] {
  const out: Anchor[] = [];
  for (const m of text.matchAll(/\bnotebooks? (\d\d)(?:\s*[–-]\s*(\d\d))?\b/g)) {
    const lo = Number(m[1]);
    const hi = Number(m[2] ?? m[1]);
    out.push({
      start: at(m),
      end: at(m) + m[0].length,
      stages: Array.from({ length: hi - lo + 1 }, (_, i) => lo + i),
      what: m[0],
      reach: 25,
    });
  }
  for (const m of text.matchAll(/`([^`\n]+)`/g)) {
    const key = /^lib\/[\w/-]+\.ts$|^[\w/-]+\.ts$/.test(m[1]) ? m[1] : (/^[A-Za-z_$][\w$]*/.exec(m[1])?.[0] ?? "");
    const owners = index.names.get(key);
    if (owners !== undefined) out.push({ start: at(m), end: at(m) + m[0].length, stages: owners, any: true, what: m[0], reach: 25 });
  }
  for (const [word, stage] of index.words) {
    for (const m of text.matchAll(new RegExp(`\\b${word}s?\\b`, "gi")))
      out.push({ start: at(m), end: at(m) + m[0].length, stages: [stage], what: m[0], reach: 3 });
  }
  return out;
}

const span = (s: number[]) => (s.length === 1 ? `stage ${s[0]}` : `stages ${s[0]}–${s[s.length - 1]}`);
/** "stage 4", "stages 4–6" (all of them), "stage 4 or 7" (any of them). */
const belongs = (a: Anchor) => (a.any && a.stages.length > 1 ? `stage ${a.stages.join(" or ")}` : span(a.stages));

/** Problems with the stage numbers of one text (a notebook cell or the README). */
function stageNumbersIn(text: string, where: string, stages: Stage[], index: AnchorIndex): string[] {
  const problems: string[] = [];
  const last = stages[stages.length - 1].stage;
  const all = anchors(text, index);
  for (const m of text.matchAll(/\b[Ss]tages?[ -](\d+)(?:\s*(?:[–-]|and|to)\s*(\d+))?/g)) {
    const lo = Number(m[1]);
    const hi = Number(m[2] ?? m[1]);
    const said = `"${m[0].replace(/\s+/g, " ")}"`;
    if (hi > last) {
      problems.push(`${where}: ${said}, but notebooks/budgets.json stops at stage ${last}`);
      continue;
    }
    const inRange = (a: Anchor) => (a.any ? a.stages.some((s) => s >= lo && s <= hi) : a.stages.every((s) => s >= lo && s <= hi));
    const start = at(m);
    const end = at(m) + m[0].length;
    // a gloss in parentheses right after, "stages 4–6 (notebooks 04–06)": all of it must agree
    const gloss = /^\s*\(([^)]*)\)/.exec(text.slice(end));
    if (gloss) {
      const gEnd = end + gloss[0].length;
      const wrong = all.filter((a) => a.start >= end && a.end <= gEnd && !inRange(a));
      if (wrong.length > 0) {
        problems.push(
          `${where}: ${said} is glossed with ${wrong.map((a) => a.what).join(", ")} (${belongs(wrong[0])} in notebooks/budgets.json)`,
        );
        continue;
      }
    }
    // otherwise the nearest thing in the same paragraph that belongs to a stage must agree
    const distance = (a: Anchor) => (a.end <= start ? start - a.end : a.start >= end ? a.start - end : 0);
    const between = (a: Anchor) => (a.end <= start ? text.slice(a.end, start) : text.slice(end, a.start));
    const near = all.filter((a) => (a.end <= start || a.start >= end) && distance(a) <= a.reach && !/\n\s*\n/.test(between(a)));
    if (near.length === 0) continue;
    const best = Math.min(...near.map(distance));
    const nearest = near.filter((a) => distance(a) === best);
    if (!nearest.some(inRange)) {
      const a = nearest[0];
      problems.push(`${where}: ${said} next to ${a.what}, which is ${belongs(a)} in notebooks/budgets.json (stage N is notebook NN)`);
    }
  }
  return problems;
}

export function stageNumberProblems(c: Course): string[] {
  const { stages, problems } = stagesOf(c);
  if (stages.length === 0) return problems;
  const index = anchorIndex(c, stages);
  problems.push(...stageNumbersIn(c.readme, "README.md", stages, index));
  for (const [name, cells] of c.notebooks) {
    cells.forEach((cell, i) => problems.push(...stageNumbersIn(cell.source, `notebooks/${name}.ipynb, cell ${i}`, stages, index)));
  }
  return problems;
}
