// The checker itself (lib/checker/, scripts/check.ts), on stage 00: broken code gets a clear
// message while the other exercise is still checked and the run ends; the CLI's table, JSON
// and exit codes; the notebook entry point; the comparison helpers; learner files untouched.
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  CheckFailure,
  expectArray,
  expectFinite,
  expectNumber,
  expectNumbers,
  expectTensor,
  formatValues,
  runCases,
} from "../../lib/checker/define";
import { checkExercises } from "../../lib/checker/notebook";
import { formatReportHTML, formatReportText, trimPrinted, type CheckReport, type CheckStatus } from "../../lib/checker/report";
import { leakAdvice } from "../../lib/checker/worker";
import type { RunChecksOptions } from "../../lib/checker/run";
import { HOOK_TIMEOUT_MS, ROOT, exerciseRows, fixture, row, runAll } from "./stage";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "genai-check-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Copies a `.ts.txt` fixture (kept out of `tsc -p`) to `tmp/<dir>/<name>`; returns its path. */
function materialize(from: string, dir: string, name: string): string {
  fs.mkdirSync(path.join(tmp, dir), { recursive: true });
  const to = path.join(tmp, dir, name);
  fs.copyFileSync(path.join(ROOT, fixture("00", from)), to);
  return to;
}

/** Stage 00's exercise ids, from its checks file ("00.1", "00.2", …). */
const IDS_00 = Array.from(
  fs.readFileSync(path.join(ROOT, "checks", "00-orientation.ts"), "utf8").matchAll(/\bid: "(00\.\d+)"/g),
  (m) => m[1],
);

const hashLearnerFiles = () =>
  ["exercises/00-orientation.ts", "solutions/00-orientation.ts"].map((f) =>
    crypto
      .createHash("sha256")
      .update(fs.readFileSync(path.join(ROOT, f)))
      .digest("hex"),
  );
const hashesBefore = hashLearnerFiles();

interface BrokenCase {
  what: string;
  run: RunChecksOptions;
  fails: string;
  status: CheckStatus;
  message: RegExp;
}

const broken: BrokenCase[] = [
  ...(
    [
      ["an infinite loop", "infinite-loop.ts", "00.1", "timeout", /^took longer than 3 s \(infinite loop\?\)$/],
      [
        "an exception",
        "throws.ts",
        "00.1",
        "threw",
        /^threw: Size\(8\) must match the product of shape 2,3 \(tests\/fixtures\/exercises\/00\/throws\.ts:5\)$/,
      ],
      [
        "a wrong shape",
        "wrong-shape.ts",
        "00.2",
        "shape",
        /^linear\(x \[4, 3\], w \[3, 2\], b \[2\]\): expected shape \[4, 2\], got \[2, 4\]$/,
      ],
      ["NaN", "nan.ts", "00.1", "nan", /returned NaN at element 0 \(expected -1\.5\)$/],
      [
        "leaked tensors",
        "leak.ts",
        "00.1",
        "leak",
        /^your function left 10 tensors allocated \(over 2 calls\): wrap intermediate work in tf\.tidy$/,
      ],
      ["process.exit", "exits.ts", "00.2", "crash", /^the process exited with code 3 before the check finished/],
      [
        "a disposed input",
        "disposes-input.ts",
        "00.1",
        "wrong",
        /^standardize disposed its argument 1: never dispose the tensors you are given$/,
      ],
    ] as const
  ).map(([what, file, fails, status, message]) => ({
    what,
    run: {
      stage: "00",
      dir: "solutions",
      overlay: fixture("00", file),
      typecheck: false,
      timeoutSeconds: file === "infinite-loop.ts" ? 3 : undefined,
    },
    fails,
    status,
    message,
  })),
  {
    what: "a missing export",
    // a file with linear only: 00.1 (and any later exercise) is missing, 00.2 still checked
    run: {
      stage: "00",
      dir: path.dirname(materialize("type-error.ts.txt", "missing", "00-orientation.ts")),
      typecheck: false,
      only: ["00.1", "00.2"],
    },
    fails: "00.1",
    status: "missing",
    message: /^.*00-orientation\.ts does not export a function named standardize$/,
  },
];

describe("the checker on broken code (stage 00)", () => {
  let reports: CheckReport[];
  let syntax: CheckReport;
  let types: CheckReport;
  beforeAll(async () => {
    const syntaxDir = path.dirname(materialize("syntax-error.ts.txt", "syntax", "00-orientation.ts"));
    const typeOverlay = materialize("type-error.ts.txt", "types", "type-error.ts");
    [syntax, types, ...reports] = await runAll([
      { stage: "00", dir: syntaxDir },
      { stage: "00", dir: "solutions", overlay: typeOverlay },
      ...broken.map((c) => c.run),
    ]);
  }, HOOK_TIMEOUT_MS);

  broken.forEach((c, i) => {
    it(`reports ${c.what} (${c.fails}: ${c.status}) and still checks the other exercise`, () => {
      const r = row(reports[i], c.fails);
      expect(r.passed).toBe(false);
      expect(r.status).toBe(c.status);
      expect(r.message).toMatch(c.message);
      expect(
        exerciseRows(reports[i])
          .filter((x) => x.id !== c.fails)
          .every((x) => x.passed),
      ).toBe(true);
      expect(reports[i].passed).toBe(false);
    });
  });

  it("stops an infinite loop at the time limit", () => {
    expect(row(reports[0], "00.1").seconds).toBeLessThan(15);
  });

  it("reports a syntax error in the learner's file with esbuild's line, on every exercise and the types row", () => {
    for (const r of exerciseRows(syntax)) {
      expect(r.status).toBe("load");
      expect(r.message).toMatch(/^could not load .*00-orientation\.ts: line 5:24: Expected ";" but found "\)"$/);
    }
    expect(row(syntax, "types").passed).toBe(false);
    expect(row(syntax, "types").message).toMatch(/00-orientation\.ts:5:\d+ ';' expected/);
  });

  it("reports a type error in its own row without hiding the runtime results", () => {
    expect(exerciseRows(types).every((r) => r.passed)).toBe(true);
    const t = row(types, "types");
    expect(t.status).toBe("types");
    expect(t.message).toMatch(/^1 type error:\n.*type-error\.ts:7:9 Type 'string' is not assignable to type 'number'\.$/);
    expect(types.passed).toBe(false);
  });
});

describe("the CLI (scripts/check.ts)", () => {
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/check.ts", ...args], { cwd: ROOT, encoding: "utf8" });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it("prints a table and exits 1 on the TODO stubs", () => {
    const { code, stdout } = cli("00", "--no-typecheck");
    expect(code).toBe(1);
    expect(stdout).toMatch(/^Stage 00: exercises\/00-orientation\.ts\n/);
    expect(stdout).toMatch(/00\.1 +standardize +.*✗ +still the TODO stub \(TODO 00\.1: /);
    expect(stdout).toMatch(/00\.2 +linear +.*✗ +still the TODO stub \(TODO 00\.2: /);
    expect(stdout).toMatch(new RegExp(`\\nPassed 0 of ${IDS_00.length} exercises\\.\\n$`));
  });

  it("prints JSON with --json and exits 1 when an overlay's function is wrong", () => {
    const { code, stdout } = cli("0", "--dir", "solutions", "--overlay", fixture("00", "no-bias.ts"), "--json", "--no-typecheck");
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as CheckReport;
    expect(report.overlay).toBe("tests/fixtures/exercises/00/no-bias.ts");
    expect(report.rows.map((r) => [r.id, r.status])).toEqual(IDS_00.map((id) => [id, id === "00.2" ? "wrong" : "pass"]));
  });

  it("exits 2 with a clear message on a usage error", () => {
    expect(cli("42")).toMatchObject({ code: 2, stderr: expect.stringMatching(/no checks for stage 42 .*stages with checks: 00/) });
    expect(cli()).toMatchObject({ code: 2, stderr: expect.stringMatching(/which stage\?/) });
    expect(cli("00", "--dir", "nowhere")).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/expected exactly one file nowhere\/00-\*\.ts, none found/),
    });
  });
});

describe("checkExercises (the notebook entry point)", () => {
  it("runs the CLI, shows the table (text outside a notebook) and returns the report", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      const report = await checkExercises("00", { dir: "solutions", typecheck: false, root: ROOT });
      expect(report.passed).toBe(true);
      expect(report.rows.map((r) => r.id)).toEqual(IDS_00);
      expect(log.mock.calls.map((c) => String(c[0])).join("\n")).toMatch(new RegExp(`Passed all ${IDS_00.length} exercises\\.`));
    } finally {
      log.mockRestore();
    }
  });

  it("throws when the checker cannot run", async () => {
    await expect(checkExercises("42", { show: false, root: ROOT })).rejects.toThrow(/no checks for stage 42/);
  });

  it("escapes learner text in the HTML table", () => {
    const html = formatReportHTML({
      stage: "00",
      file: "exercises/00-orientation.ts",
      passed: false,
      rows: [
        {
          id: "00.1",
          name: "f",
          title: "t",
          passed: false,
          status: "threw",
          message: "threw: <img src=x onerror=alert(1)>",
          seconds: 1,
          printed: "<b>printed</b>",
        },
      ],
    });
    expect(html).toContain("threw: &lt;img src=x onerror=alert(1)&gt;");
    expect(html).toContain("your code printed:");
    expect(html).toContain("&lt;b&gt;printed&lt;/b&gt;");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>printed");
  });
});

describe("a verdict the learner's code cannot write (lib/checker/seal.ts)", () => {
  let forged: CheckReport;
  let forgedRight: CheckReport;
  let fakeFailure: CheckReport;
  beforeAll(async () => {
    [forged, forgedRight, fakeFailure] = await runAll(
      ["checker-forges-pass.ts", "checker-forges-right.ts", "checker-fake-failure.ts"].map((f) => ({
        stage: "00",
        dir: "solutions",
        overlay: fixture("00", f),
        typecheck: false,
        only: ["00.1"],
      })),
    );
  }, HOOK_TIMEOUT_MS);

  it("ignores result messages the exercise sends itself (plain or with a made-up seal), reports them, and fails", () => {
    const r = row(forged, "00.1");
    expect(r.status).toBe("forged");
    expect(r.passed).toBe(false);
    expect(r.message).toMatch(
      /^ignored 2 result messages that did not come from the checker \(your code sent it, e\.g\. with process\.send\)/,
    );
    expect(r.message).toMatch(/the check itself said: standardize\(\[2, 4, 4, 4, 5, 5, 7, 9\]\): expected \[-1\.5, /);
    expect(forged.passed).toBe(false);
    expect(formatReportText(forged)).toMatch(/\nPassed 0 of 1 exercise\.$/);
  });

  it("fails a right answer that forges a pass too, saying the check itself passed", () => {
    const r = row(forgedRight, "00.1");
    expect(r.status).toBe("forged");
    expect(r.message).toMatch(/^ignored (a result message|\d+ result messages) .*; the check itself passed$/);
    expect(forgedRight.passed).toBe(false);
  });

  it("takes no pass from an error dressed as the check's CheckFailure", () => {
    const r = row(fakeFailure, "00.1");
    expect(r.status).toBe("error");
    expect(r.message).toMatch(/a CheckFailure with the status "pass" \(not a failure\)/);
  });
});

describe("the learner's printed output in the report", () => {
  let printed: CheckReport;
  beforeAll(async () => {
    [printed] = await runAll([{ stage: "00", dir: "solutions", overlay: fixture("00", "checker-prints.ts"), typecheck: false }]);
  }, HOOK_TIMEOUT_MS);

  it("is kept per exercise, stdout and stderr, from loading to the last call", () => {
    const r = row(printed, "00.1");
    expect(r.passed).toBe(true);
    expect(r.printed).toMatch(/^loading line 1\n/);
    expect(r.printed).toContain("loading line 30\n");
    expect(r.printed).toContain("x.shape = [ 8 ]\n");
    expect(r.printed).toContain("a warning from standardize\n");
    expect(row(printed, "00.2").printed).toMatch(/^loading line 1\n/); // its own process loads the module too
    expect(row(printed, "00.2").printed).not.toContain("x.shape");
  });

  it("is shown trimmed under the row, in the text and the HTML table", () => {
    const text = formatReportText(printed);
    expect(text).toMatch(/your code printed:\n +│ loading line 1\n/);
    expect(text).toContain("│ loading line 12\n");
    expect(text).not.toContain("│ loading line 13");
    expect(text).toMatch(/│ … \d+ more lines, \d+ characters in all/);
    expect(formatReportHTML(printed)).toContain("loading line 12");
  });

  it("trimPrinted keeps 12 lines and 1,500 characters", () => {
    expect(trimPrinted("")).toBe("");
    expect(trimPrinted("a\nb\n\n")).toBe("a\nb");
    const many = Array.from({ length: 20 }, (_, i) => `line ${i}`).join("\n");
    expect(trimPrinted(many)).toBe(`${many.split("\n").slice(0, 12).join("\n")}\n… 8 more lines, ${many.length} characters in all`);
    expect(trimPrinted("x".repeat(2000))).toBe(`${"x".repeat(1500)}…\n… 2000 characters in all`);
  });
});

describe("hints that name the cause", () => {
  const message = async (cases: (() => void)[]) => {
    try {
      await runCases(cases);
    } catch (e) {
      return (e as Error).message;
    }
    return "passed";
  };
  const fail = (m: string) => () => {
    throw new CheckFailure(m);
  };

  it("runCases reports the first failure with a hint, else the first failure", async () => {
    expect(await message([() => undefined])).toBe("passed");
    expect(await message([fail("batched: expected 1, got 2"), fail("one query: expected 3, got 4. Hint: the scale")])).toBe(
      "one query: expected 3, got 4. Hint: the scale",
    );
    expect(await message([fail("a"), fail("b")])).toBe("a");
    await expect(
      runCases([
        () => {
          throw new TypeError("the check's bug");
        },
      ]),
    ).rejects.toThrow(TypeError);
  });

  it("leak advice: dispose what a given function returned; no tf.tidy around async code; else tf.tidy", () => {
    expect(leakAdvice(3, 1, { fromCallbacks: [0], async: false })).toBe(
      "your function left 3 tensors allocated: the tensors returned by the function you were given (argument 1) were never disposed. " +
        "Call .dispose() on each once you have used it, or make the call inside tf.tidy",
    );
    expect(leakAdvice(1, 2, { fromCallbacks: [], async: true })).toMatch(
      /^your function left 1 tensor allocated \(over 2 calls\): tf\.tidy cannot wrap async code/,
    );
    expect(leakAdvice(2, 1, { fromCallbacks: [], async: false })).toBe(
      "your function left 2 tensors allocated: wrap intermediate work in tf.tidy",
    );
  });
});

describe("expectTensor", () => {
  const fake = (shape: number[], values: number[]) => ({ shape, dataSync: () => Float32Array.from(values) });
  const fails = (got: unknown, expected: number[][] | number[]) => {
    try {
      expectTensor(got, expected, { call: "f(x)" });
    } catch (e) {
      expect(e).toBeInstanceOf(CheckFailure);
      return { kind: (e as CheckFailure).kind, message: (e as Error).message };
    }
    throw new Error("expectTensor did not throw");
  };

  it("accepts values within tolerance", () => {
    expect(() => expectTensor(fake([2], [1, 2.00001]), [1, 2], { call: "f(x)" })).not.toThrow();
  });

  it("names what is wrong: not a tensor, shape, NaN, values", () => {
    expect(fails(undefined, [1])).toEqual({
      kind: "wrong",
      message: "f(x) returned undefined (did you forget `return`?); expected a tf.Tensor of shape [1]",
    });
    expect(
      fails(fake([3, 2], [1, 2, 3, 4, 5, 6]), [
        [1, 2, 3],
        [4, 5, 6],
      ]),
    ).toEqual({ kind: "shape", message: "f(x): expected shape [2, 3], got [3, 2]" });
    expect(fails(fake([3], [1, 2, NaN]), [1, 2, 3])).toEqual({ kind: "nan", message: "f(x) returned NaN at element 2 (expected 3)" });
    expect(
      fails(fake([2, 2], [1, 2, 3, 5]), [
        [1, 2],
        [3, 4],
      ]),
    ).toEqual({
      kind: "wrong",
      message: "f(x): expected [[1, 2], [3, 4]], got [[1, 2], [3, 5]] (first difference at position [1, 1])",
    });
  });

  it("shortens long values", () => {
    expect(
      formatValues(
        Array.from({ length: 10 }, (_, i) => i / 3),
        [10],
        4,
      ),
    ).toBe("[0, 0.3333, 0.6667, 1, … 6 more]");
  });
});

describe("the plain-number helpers", () => {
  /** What `f` throws: its kind and message. */
  const failure = (f: () => void) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(CheckFailure);
      return { kind: (e as CheckFailure).kind, message: (e as Error).message };
    }
    throw new Error("did not throw");
  };
  const fake = (shape: number[], values: number[]) => ({ shape, dataSync: () => Float32Array.from(values) });

  it("expectNumbers: type, length, NaN with its usual cause, values with a hint", () => {
    expect(() => expectNumbers([1, 2.0000001], [1, 2], { call: "f()" })).not.toThrow();
    expect(failure(() => expectNumbers(fake([2], [1, 2]), [1, 2], { call: "f()" })).message).toBe(
      "f() returned a tf.Tensor (this exercise works on plain numbers); expected an array of 2 numbers",
    );
    expect(failure(() => expectNumbers([1, 2, 3], [1, 2], { call: "f()" }))).toEqual({
      kind: "shape",
      message: "f(): expected 2 values [1, 2], got 3: [1, 2, 3]",
    });
    expect(failure(() => expectNumbers([1, NaN], [1, 2], { call: "f()", whyNaN: "x[T] is undefined" }))).toEqual({
      kind: "nan",
      message: "f() returned NaN at element 1 (expected 2); x[T] is undefined",
    });
    expect(failure(() => expectNumbers([1, 3], [1, 2], { call: "f()", hint: (got) => `got ${got[1]}` })).message).toBe(
      "f(): expected [1, 2], got [1, 3] (first difference at element 1). Hint: got 3",
    );
  });

  it("expectNumber, expectArray and expectFinite", () => {
    expect(failure(() => expectNumber(undefined, 1, { call: "f()" })).message).toBe(
      "f() returned undefined (did you forget `return`?); expected a number",
    );
    expect(failure(() => expectNumber(1.001, 1, { call: "f()", hint: () => "h" })).message).toBe("f(): expected 1, got 1.001. Hint: h");
    expect(() => expectNumber(1 + 1e-7, 1, { call: "f()" })).not.toThrow();
    const betas = (got: unknown, want: number[]) => failure(() => expectArray(got, want, "s.betas"));
    expect(betas([1, 2], [1, 2, 3])).toEqual({ kind: "shape", message: "s.betas has 2 numbers; expected 3" });
    expect(betas([1, Infinity], [1, 2])).toEqual({ kind: "nan", message: "s.betas[1] is Infinity (expected 2)" });
    const scalar = failure(() => expectFinite(fake([], [Infinity]), "loss()", "Use softplus."));
    expect(scalar).toEqual({ kind: "nan", message: "loss() returned Infinity. Use softplus." });
    const vector = failure(() => expectFinite(fake([2], [0, -Infinity]), "ll()", "Hint: h"));
    expect(vector.message).toBe("ll() returned -Infinity at element 1. Hint: h");
    expect(() => expectFinite(fake([2], [0, 1]), "ll()", "Hint: h")).not.toThrow();
  });
});

describe("learner files", () => {
  it("are never modified by the checker", () => {
    expect(hashLearnerFiles()).toEqual(hashesBefore);
  });
});
