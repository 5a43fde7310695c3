// `npm run progress` (scripts/progress.ts) and `npm run reset` (scripts/reset.ts): the table tells
// passed, failing and not started apart; reset restores the shipped stub from git, after a backup
// that holds the learner's version, and refuses (changing nothing) when it cannot.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tsxArgs } from "../../lib/checker/paths";
import { ROOT } from "./stage";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "genai-progress-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const TSX = tsxArgs(ROOT);
const script = (name: string, args: string[], cwd: string) => {
  const r = spawnSync(process.execPath, [...TSX, path.join(ROOT, "scripts", name), ...args], {
    cwd,
    encoding: "utf8",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe("npm run progress", () => {
  it("shows each exercise as passed, failing or not started, per stage and in all", () => {
    const dir = path.join(tmp, "mixed");
    fs.mkdirSync(dir);
    const from = (p: string) => JSON.stringify(path.join(ROOT, p));
    fs.writeFileSync(
      path.join(dir, "00-orientation.ts"),
      `export * from ${from("exercises/00-orientation")};\n` +
        `export { standardize } from ${from("solutions/00-orientation")};\n` +
        `export { linear } from ${from("tests/fixtures/exercises/00/no-bias")};\n`,
    );
    const json = script("progress.ts", ["--stages", "00", "--dir", dir, "--json"], ROOT);
    expect(json.code, json.stderr).toBe(0);
    const rows = JSON.parse(json.stdout) as { id: string; progress: string; why: string }[];
    expect(rows[0]).toMatchObject({ id: "00.1", progress: "passed", why: "" });
    expect(rows[1]).toMatchObject({ id: "00.2", progress: "failing" });
    expect(rows[1].why).toMatch(/^wrong: linear\(/);
    for (const r of rows.slice(2)) expect(r.progress, r.id).toBe("not started");

    const table = script("progress.ts", ["--stages", "0", "--dir", dir], ROOT);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      /stage 00: 1 of \d+ passed\n {2}00\.1 +standardize +.*✓ passed\n {2}00\.2 +linear +.*✗ failing {2}wrong: /,
    );
    expect(table.stdout).toMatch(/\n1 passed, 1 failing, \d+ not started, of \d+ exercises\.\n$/);
  });

  it("names an unknown stage and a bad option", () => {
    expect(script("progress.ts", ["--stages", "42"], ROOT)).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/no checks for stage 42/),
    });
    expect(script("progress.ts", ["--jobs", "0"], ROOT)).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--jobs must be an integer/),
    });
  });
});

describe("npm run reset", () => {
  const git = (cwd: string, ...args: string[]) => {
    const r = spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  /** A course copy with stage 00's stub and checks as committed, the stub committed once. */
  const course = (name: string, withGit = true) => {
    const dir = path.join(tmp, name);
    for (const rel of ["exercises/00-orientation.ts", "checks/00-orientation.ts"]) {
      fs.mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), git(ROOT, "show", `HEAD:${rel}`));
    }
    if (withGit) {
      git(dir, "init", "-q");
      git(dir, "add", ".");
      git(dir, "commit", "-q", "-m", "the course");
    }
    return dir;
  };
  const read = (dir: string, rel: string) => fs.readFileSync(path.join(dir, rel), "utf8");
  const backups = (dir: string) => fs.readdirSync(path.join(dir, "exercises")).filter((f) => /^00-orientation\.ts\.bak-/.test(f));

  it("restores the stub after a backup of the learner's version, even when the learner committed it", () => {
    const dir = course("committed");
    const stub = read(dir, "exercises/00-orientation.ts");
    const mine = stub.replace(/throw new Error\("TODO 00\.1:[^;]*;/, "return x;");
    expect(mine).not.toBe(stub);
    fs.writeFileSync(path.join(dir, "exercises/00-orientation.ts"), mine);
    git(dir, "commit", "-q", "-am", "my work");

    const r = script("reset.ts", ["0"], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /exercises\/00-orientation\.ts is the original again \(commit [0-9a-f]{7}\)\.\nYour version is in exercises\/00-orientation\.ts\.bak-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ/,
    );
    expect(read(dir, "exercises/00-orientation.ts")).toBe(stub);
    expect(backups(dir).map((b) => read(dir, `exercises/${b}`))).toEqual([mine]);

    const again = script("reset.ts", ["00"], dir);
    expect(again).toMatchObject({ code: 0, stdout: expect.stringMatching(/already the original .*nothing to do/) });
    expect(backups(dir)).toHaveLength(1);
  });

  it("changes nothing without git history, or with a wrong stage", () => {
    const dir = course("no-git", false);
    fs.writeFileSync(path.join(dir, "exercises/00-orientation.ts"), "// my work\n");
    const r = script("reset.ts", ["00"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/reset needs the course's git history.*; exercises\/00-orientation\.ts is unchanged/);
    expect(read(dir, "exercises/00-orientation.ts")).toBe("// my work\n");
    expect(backups(dir)).toEqual([]);
    expect(script("reset.ts", ["12"], dir)).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/stage 12 has no exercises\/12-\*\.ts/),
    });
    expect(script("reset.ts", [], dir)).toMatchObject({ code: 2, stderr: expect.stringMatching(/^usage: npm run reset -- <stage>/) });
  });
});
