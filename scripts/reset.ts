/**
 * `npm run reset -- 06`: puts one stage's exercise file (exercises/06-*.ts) back as the course
 * shipped it, with every exercise the TODO stub again. Nothing is lost: the current file is first
 * copied to exercises/06-diffusion.ts.bak-<UTC time> (never over an existing file), the copy is
 * read back and compared, and only then is the file replaced. Asks nothing; prints what it did.
 *
 * The original comes from the course's git history: the newest committed version of the file in
 * which every exercise of checks/06-*.ts is still a stub ("TODO 06.k:"), so a learner who committed
 * their work still gets the original. Exit code 0 when reset (or already the original), 2 otherwise.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

function git(root: string, args: string[]): { ok: boolean; out: string; err: string } {
  const r = spawnSync("git", args, { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { ok: r.status === 0, out: r.stdout ?? "", err: (r.stderr ?? "") + (r.error ? r.error.message : "") };
}

/** The exercise ids in a checks file's text ("06.1", …). */
function exerciseIds(checksText: string): string[] {
  return Array.from(checksText.matchAll(/\bid: "(\d\d\.\d+)"/g), (m) => m[1]);
}

/**
 * The newest committed version of `rel` in which every exercise that the same commit's checks
 * file `checksRel` defines is a stub, or an error message.
 */
export function originalVersion(root: string, rel: string, checksRel: string): { text: string; commit: string } | { error: string } {
  const inRepo = git(root, ["rev-parse", "--show-toplevel"]);
  if (!inRepo.ok) return { error: `reset needs the course's git history, and ${root} is not a git checkout (${inRepo.err.trim()})` };
  const log = git(root, ["log", "--format=%H", "--", rel]);
  if (!log.ok) return { error: `git log failed: ${log.err.trim()}` };
  for (const commit of log.out.split("\n").filter(Boolean)) {
    const show = git(root, ["show", `${commit}:${rel}`]);
    const checks = git(root, ["show", `${commit}:${checksRel}`]);
    if (!show.ok || !checks.ok) continue;
    const ids = exerciseIds(checks.out);
    if (ids.length > 0 && ids.every((id) => show.out.includes(`TODO ${id}:`))) return { text: show.out, commit };
  }
  return { error: `no commit of ${rel} has every exercise of ${checksRel} as its TODO stub` };
}

/** "2026-12-02T17-05-09Z": a UTC time that is safe in a file name. */
function stamp(d = new Date()): string {
  return d
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replace(/:/g, "-");
}

function main(argv: string[]): number {
  const root = process.cwd();
  const stage = argv[0]?.trim() ?? "";
  const m = /^(\d{1,2})$/.exec(stage);
  if (!m || argv.length !== 1) {
    console.error("usage: npm run reset -- <stage>, e.g. npm run reset -- 06 (puts exercises/06-*.ts back as shipped, after a backup)");
    return 2;
  }
  const nn = m[1].padStart(2, "0");
  const find = (dir: string) =>
    (fs.existsSync(path.join(root, dir)) ? fs.readdirSync(path.join(root, dir)) : []).filter(
      (f) => f.startsWith(`${nn}-`) && f.endsWith(".ts"),
    );
  const [exercise] = find("exercises");
  const [checks] = find("checks");
  if (!exercise || !checks) {
    console.error(`reset: stage ${nn} has no exercises/${nn}-*.ts with checks/${nn}-*.ts`);
    return 2;
  }
  const rel = `exercises/${exercise}`;
  const file = path.join(root, rel);
  const original = originalVersion(root, rel, `checks/${checks}`);
  if ("error" in original) {
    console.error(`reset: ${original.error}; ${rel} is unchanged`);
    return 2;
  }
  const current = fs.readFileSync(file, "utf8");
  if (current === original.text) {
    console.log(`${rel} is already the original (commit ${original.commit.slice(0, 7)}): nothing to do`);
    return 0;
  }
  const backup = `${file}.bak-${stamp()}`;
  try {
    fs.writeFileSync(backup, current, { flag: "wx" }); // never over an existing file
  } catch (e) {
    console.error(`reset: could not write the backup ${path.relative(root, backup)} (${(e as Error).message}); ${rel} is unchanged`);
    return 2;
  }
  if (fs.readFileSync(backup, "utf8") !== current) {
    console.error(`reset: the backup ${path.relative(root, backup)} does not read back as ${rel}; ${rel} is unchanged`);
    return 2;
  }
  fs.writeFileSync(file, original.text);
  console.log(`${rel} is the original again (commit ${original.commit.slice(0, 7)}).`);
  console.log(`Your version is in ${path.relative(root, backup)}: copy back what you want from it.`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
