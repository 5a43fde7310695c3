/**
 * `npm run check -- <stage> [options]`: checks a stage's exercises and prints a table.
 *
 *   npm run check -- 00                       exercises/00-*.ts
 *   npm run check -- 00 --dir solutions       another folder's 00-*.ts
 *   npm run check -- 00 --overlay wrong.ts    ... with the functions wrong.ts exports swapped in
 *   --json             machine-readable report (lib/checker/report.ts `CheckReport`) on stdout
 *   --timeout <s>      time limit per exercise (default: env GENAI_CHECK_TIMEOUT, else 60)
 *   --only <id,...>    check only these exercises, e.g. --only 00.2
 *   --jobs <n>         child processes at once (default: CPU cores, at most 4)
 *   --no-typecheck     skip the TypeScript type check
 * Exit code: 0 when everything passes, 1 when something fails, 2 on a usage error.
 *
 * The checker itself is lib/checker/ (run.ts runs the checks, report.ts draws the table).
 */
import { formatReportText } from "../lib/checker/report";
import { runChecks, type RunChecksOptions } from "../lib/checker/run";

const USAGE =
  "usage: npm run check -- <stage> [--dir <folder>] [--overlay <file.ts>] [--json] [--timeout <seconds>] " +
  "[--only <id,...>] [--jobs <n>] [--no-typecheck]";

function parseArgs(argv: string[]): { options: RunChecksOptions; json: boolean } {
  const options: RunChecksOptions = { stage: "" };
  let json = false;
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") json = true;
    else if (a === "--no-typecheck") options.typecheck = false;
    else if (a === "--dir") options.dir = value(i++, a);
    else if (a === "--overlay") options.overlay = value(i++, a);
    else if (a === "--only") options.only = value(i++, a).split(",");
    else if (a === "--timeout" || a === "--jobs") {
      const n = Number(value(i++, a));
      if (!(n > 0)) throw new Error(`${a} must be a number > 0, got "${argv[i]}"`);
      if (a === "--timeout") options.timeoutSeconds = n;
      else options.jobs = n;
    } else if (a.startsWith("--")) throw new Error(`unknown option ${a}`);
    else if (options.stage === "") options.stage = a;
    else throw new Error(`unexpected argument "${a}" (the stage is "${options.stage}")`);
  }
  if (options.stage === "") throw new Error("which stage? e.g. npm run check -- 00");
  return { options, json };
}

async function main(argv: string[]): Promise<void> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    console.error(`check: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  try {
    const report = await runChecks(parsed.options);
    if (parsed.json) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
    else console.log(formatReportText(report));
    process.exitCode = report.passed ? 0 : 1;
  } catch (e) {
    console.error(`check: ${(e as Error).message}`);
    process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e);
  process.exit(2);
});
