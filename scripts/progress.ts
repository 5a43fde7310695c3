/**
 * `npm run progress`: one table of every stage's exercises, each passed, failing or not started,
 * checked on exercises/ (or `--dir`) by the same checker as `npm run check` (lib/checker/run.ts),
 * without the type check. The checker never writes to learner files.
 *
 *   npm run progress                      every stage with checks
 *   npm run progress -- --stages 02,06    only these stages
 *   --dir <folder>   another folder's NN-*.ts (default exercises)
 *   --jobs <n>       child processes at once (default: CPU cores, at most 4)
 *   --json           the rows as JSON on stdout
 * Exit code 0 (the table is information, not a verdict), 2 on a usage error.
 */
import fs from "node:fs";
import path from "node:path";
import { runChecks } from "../lib/checker/run";
import type { CheckRow } from "../lib/checker/report";

const USAGE = "usage: npm run progress -- [--stages <NN,...>] [--dir <folder>] [--jobs <n>] [--json]";

/** How a row counts: passed, not started (still the TODO stub) or failing. */
export type Progress = "passed" | "not started" | "failing";

export function progressOf(r: CheckRow): Progress {
  if (r.passed) return "passed";
  return r.status === "todo" ? "not started" : "failing";
}

interface ProgressRow {
  stage: string;
  id: string;
  name: string;
  title: string;
  progress: Progress;
  /** The checker's status and the first line of its message, for failing rows. */
  why: string;
}

function parseArgs(argv: string[]): { stages?: string[]; dir: string; jobs?: number; json: boolean } {
  const out: { stages?: string[]; dir: string; jobs?: number; json: boolean } = { dir: "exercises", json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--json") out.json = true;
    else if (a === "--dir") out.dir = value();
    else if (a === "--stages") out.stages = value().split(",");
    else if (a === "--jobs") {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) throw new Error(`--jobs must be an integer ≥ 1, got "${argv[i]}"`);
      out.jobs = n;
    } else throw new Error(`unknown argument ${a}`);
  }
  return out;
}

async function main(argv: string[]): Promise<void> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(argv);
  } catch (e) {
    console.error(`progress: ${(e as Error).message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const root = process.cwd();
  const all = fs
    .readdirSync(path.join(root, "checks"))
    .filter((f) => /^\d\d-.*\.ts$/.test(f))
    .map((f) => f.slice(0, 2))
    .sort();
  const stages = args.stages ? args.stages.map((s) => s.trim().padStart(2, "0")) : all;
  const unknown = stages.filter((s) => !all.includes(s));
  if (unknown.length > 0) {
    console.error(`progress: no checks for stage ${unknown.join(", ")}; stages with checks: ${all.join(", ")}`);
    process.exitCode = 2;
    return;
  }
  const rows: ProgressRow[] = [];
  for (const stage of stages) {
    if (!args.json) process.stderr.write(`checking stage ${stage}…\n`);
    const report = await runChecks({ stage, dir: args.dir, typecheck: false, jobs: args.jobs, root });
    for (const r of report.rows) {
      const progress = progressOf(r);
      const why = progress === "failing" ? `${r.status}: ${r.message.split("\n")[0]}` : "";
      rows.push({ stage, id: r.id, name: r.name, title: r.title, progress, why });
    }
  }
  if (args.json) {
    process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
    return;
  }
  console.log(formatProgress(rows, args.dir));
}

const MARK: Record<Progress, string> = { passed: "✓ passed", failing: "✗ failing", "not started": "· not started" };

/** The table: one line per exercise, a line per stage with its count, and the total. */
export function formatProgress(rows: readonly ProgressRow[], dir: string): string {
  const w = (k: "id" | "name" | "title") => Math.max(...rows.map((r) => r[k].length));
  const lines = [`Progress on ${dir}/`];
  let stage = "";
  for (const r of rows) {
    if (r.stage !== stage) {
      stage = r.stage;
      const mine = rows.filter((x) => x.stage === stage);
      lines.push(`stage ${stage}: ${mine.filter((x) => x.progress === "passed").length} of ${mine.length} passed`);
    }
    const why = r.why ? `  ${r.why.length > 100 ? r.why.slice(0, 99) + "…" : r.why}` : "";
    lines.push(
      `  ${r.id.padEnd(w("id"))}  ${r.name.padEnd(w("name"))}  ${r.title.padEnd(w("title"))}  ${MARK[r.progress]}${why}`.trimEnd(),
    );
  }
  const count = (p: Progress) => rows.filter((r) => r.progress === p).length;
  lines.push(`${count("passed")} passed, ${count("failing")} failing, ${count("not started")} not started, of ${rows.length} exercises.`);
  return lines.join("\n");
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e);
    process.exit(2);
  });
}
