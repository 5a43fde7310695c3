/**
 * Shared by the exercise tests: runs the checker (lib/checker/run.ts `runChecks`, the same core the
 * CLI uses) and, with `describeStage`, the three tests every stage gets: its checks pass on
 * solutions/, fail as TODO stubs on the untouched exercises/, and catch its typical mistakes
 * (overlay fixtures in tests/fixtures/exercises/NN/ that export only the wrong function). A
 * fixture is checked on its own exercise only (`only`): it replaces one function, so the other
 * exercises would run the solutions again, at a worker process each.
 */
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { CheckReport, CheckRow } from "../../lib/checker/report";
import { runChecks, type RunChecksOptions } from "../../lib/checker/run";

export const ROOT = path.resolve(__dirname, "..", "..");

/** For beforeAll hooks that run the checker (the "exercises" project does not set hookTimeout). */
export const HOOK_TIMEOUT_MS = 900_000;

/** Path of a fixture file of `stage`, relative to the course root. */
export function fixture(stage: string, file: string): string {
  return `tests/fixtures/exercises/${stage}/${file}`;
}

/** Runs several checker runs, `concurrency` at a time (each spawns its own child processes). */
export async function runAll(runs: RunChecksOptions[], concurrency = 3): Promise<CheckReport[]> {
  const out: CheckReport[] = new Array(runs.length);
  let next = 0;
  const lane = async () => {
    while (next < runs.length) {
      const i = next++;
      out[i] = await runChecks({ root: ROOT, ...runs[i] });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return out;
}

/** The report's row `id`; fails the test when there is none. */
export function row(report: CheckReport, id: string): CheckRow {
  const r = report.rows.find((x) => x.id === id);
  if (!r) throw new Error(`no row ${id} in the report (rows: ${report.rows.map((x) => x.id).join(", ")})`);
  return r;
}

/** The exercise rows (everything but "types"). */
export function exerciseRows(report: CheckReport): CheckRow[] {
  return report.rows.filter((r) => r.id !== "types");
}

export interface StageSpec {
  /** Fixture file in tests/fixtures/exercises/NN/ → the check it must fail and what it says. */
  mistakes: Record<string, { fails: string; message: RegExp }>;
}

/** The standard tests of one stage's checks (see the header). */
export function describeStage(stage: string, spec: StageSpec): void {
  describe(`stage ${stage} checks`, () => {
    const mistakes = Object.entries(spec.mistakes);
    let solutions: CheckReport;
    let stubs: CheckReport;
    let wrong: CheckReport[];
    beforeAll(async () => {
      [solutions, stubs, ...wrong] = await runAll([
        { stage, dir: "solutions" },
        { stage, dir: "exercises" },
        ...mistakes.map(([file, { fails }]) => ({
          stage,
          dir: "solutions",
          overlay: fixture(stage, file),
          typecheck: false,
          only: [fails],
        })),
      ]);
    }, HOOK_TIMEOUT_MS);

    it("passes every check on solutions/ (and its types)", () => {
      expect(solutions.rows.filter((r) => !r.passed)).toEqual([]);
      expect(solutions.passed).toBe(true);
      expect(row(solutions, "types").passed).toBe(true);
    });

    it("fails every check on the untouched exercises/ as a TODO stub (which type-checks)", () => {
      for (const r of exerciseRows(stubs)) {
        expect(r.status, `${r.id}: ${r.message}`).toBe("todo");
        expect(r.message).toMatch(new RegExp(`^still the TODO stub \\(TODO ${r.id.replace(".", "\\.")}:`));
      }
      expect(row(stubs, "types").passed).toBe(true);
      expect(stubs.passed).toBe(false);
    });

    mistakes.forEach(([file, { fails, message }], i) => {
      it(`${file} fails ${fails} with the hint for its cause`, () => {
        const r = row(wrong[i], fails);
        expect(r.passed).toBe(false);
        expect(r.message).toMatch(message);
      });
    });
  });
}
