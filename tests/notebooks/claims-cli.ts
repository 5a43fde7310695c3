/**
 * `npx tsx tests/notebooks/claims-cli.ts 01`: checks notebook 01's claims (tests/notebooks/claims/01.ts)
 * against its committed prose and its last executed copy in build/notebooks/ (run the notebook first:
 * `NOTEBOOK=01 npx vitest run --project notebooks tests/notebooks/notebooks.test.ts`). Exit code 1 on a problem.
 */
import fs from "node:fs";
import path from "node:path";
import { checkClaims, loadClaims } from "./claims";

const ROOT = path.resolve(__dirname, "..", "..");

(async () => {
  const nn = (process.argv[2] ?? "").padStart(2, "0");
  const file = fs.readdirSync(path.join(ROOT, "notebooks")).find((f) => f.startsWith(`${nn}-`) && f.endsWith(".ipynb"));
  if (!file) throw new Error(`no notebook notebooks/${nn}-*.ipynb`);
  const name = file.replace(/\.ipynb$/, "");
  const executedPath = path.join(ROOT, "build", "notebooks", file);
  if (!fs.existsSync(executedPath)) throw new Error(`${executedPath} does not exist: run the notebook first`);
  const prose = JSON.parse(fs.readFileSync(path.join(ROOT, "notebooks", file), "utf8"));
  const executed = JSON.parse(fs.readFileSync(executedPath, "utf8"));
  const claims = await loadClaims(name);
  const problems = checkClaims(prose, executed, claims);
  for (const p of problems) console.log(`✗ ${p}`);
  console.log(`${name}: ${claims.length - problems.length} of ${claims.length} claims hold`);
  process.exitCode = problems.length === 0 ? 0 : 1;
})().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 2;
});
