/**
 * The checker's report: one row per exercise plus the "types" row (`CheckReport`), and how it is
 * shown, as a plain-text table (terminal, notebook fallback) or an HTML table (notebook).
 */
import { escapeHTML } from "../display";
import type { FailureKind } from "./define";

/** What happened to one row. */
export type CheckStatus =
  | "pass"
  | FailureKind // the check's comparison failed: wrong values, wrong shape, NaN/Infinity
  | "todo" // still the TODO stub
  | "threw" // the learner's function threw
  | "leak" // right result, but tensors were left allocated
  | "timeout" // longer than the time limit
  | "crash" // the process ended before the check finished
  | "missing" // the file does not export the function
  | "load" // the file could not be loaded (syntax error, error at import)
  | "types" // TypeScript type errors (the "types" row)
  | "forged" // the learner's code sent a result message of its own (ignored: lib/checker/seal.ts)
  | "error"; // the checker itself failed

export interface CheckRow {
  /** "NN.k", or "types" for the type-check row. */
  id: string;
  /** The exercise function's name ("" on the types row). */
  name: string;
  title: string;
  passed: boolean;
  status: CheckStatus;
  /** What was wrong, in the learner's terms ("" when it passed). May span lines. */
  message: string;
  /** Wall-clock seconds of the row's child process. */
  seconds: number;
  /** What the learner's code printed while it was checked ("" when nothing); the report shows it trimmed. */
  printed: string;
}

export interface CheckReport {
  /** Two-digit stage, e.g. "00". */
  stage: string;
  /** The checked file, relative to the course root (e.g. "exercises/00-orientation.ts"). */
  file: string;
  /** The overlay file, relative to the root, when one was given. */
  overlay?: string;
  /** True when every row passed. */
  passed: boolean;
  /** One row per exercise, in the checks file's order, then the "types" row (when type-checked). */
  rows: CheckRow[];
}

const MARK = { pass: "✓", fail: "✗" };

/** Lines and characters of a row's printed output that the report shows. */
const PRINTED_LINES = 12;
const PRINTED_CHARS = 1500;

/**
 * What the learner's code printed, as the report shows it: at most 12 lines and 1,500 characters,
 * then "… 40 more lines (N characters in all)"; "" when nothing was printed.
 */
export function trimPrinted(printed: string): string {
  const text = printed.replace(/\s+$/, "");
  if (text === "") return "";
  const lines = text.split("\n");
  let shown = lines.slice(0, PRINTED_LINES).join("\n");
  if (shown.length > PRINTED_CHARS) shown = shown.slice(0, PRINTED_CHARS) + "…";
  const hidden = lines.length - Math.min(lines.length, PRINTED_LINES);
  const more =
    shown.length < text.length
      ? `\n… ${hidden > 0 ? `${hidden} more line${hidden === 1 ? "" : "s"}, ` : ""}${text.length} characters in all`
      : "";
  return shown + more;
}

/** Shows a message only once when several rows share it (e.g. one syntax error fails them all). */
function dedupMessages(rows: readonly CheckRow[]): string[] {
  const firstBy = new Map<string, string>();
  return rows.map((r) => {
    if (!r.message) return "";
    const first = firstBy.get(r.message);
    if (first !== undefined) return `(same as ${first})`;
    firstBy.set(r.message, r.id);
    return r.message;
  });
}

function summary(report: CheckReport): string {
  const ex = report.rows.filter((r) => r.id !== "types");
  const passed = ex.filter((r) => r.passed).length;
  const types = report.rows.find((r) => r.id === "types");
  const typeNote = types && !types.passed ? "; fix the type errors too" : "";
  const exercises = `exercise${ex.length === 1 ? "" : "s"}`;
  if (report.passed) return `Passed all ${ex.length} ${exercises}.`;
  return `Passed ${passed} of ${ex.length} ${exercises}${typeNote}.`;
}

/** The report as a plain-text table (terminal and notebook fallback). */
export function formatReportText(report: CheckReport): string {
  const messages = dedupMessages(report.rows);
  const cells = report.rows.map((r) => [r.id, r.name, r.title, r.passed ? MARK.pass : MARK.fail]);
  const widths = [0, 1, 2].map((c) => Math.max(...cells.map((row) => row[c].length)));
  const indent = " ".repeat(2 + widths.reduce((a, b) => a + b + 2, 0) + 3);
  const lines = [`Stage ${report.stage}: ${report.file}${report.overlay ? ` with ${report.overlay}` : ""}`];
  report.rows.forEach((_, i) => {
    const left =
      "  " +
      cells[i]
        .slice(0, 3)
        .map((s, c) => s.padEnd(widths[c]))
        .join("  ") +
      "  " +
      cells[i][3];
    const msg = messages[i].split("\n");
    lines.push(`${left}  ${msg[0]}`.trimEnd());
    for (const more of msg.slice(1)) lines.push(indent + more);
    const printed = trimPrinted(report.rows[i].printed ?? "");
    if (printed) {
      lines.push(`${indent}your code printed:`);
      for (const p of printed.split("\n")) lines.push(`${indent}│ ${p}`.trimEnd());
    }
  });
  lines.push(summary(report));
  return lines.join("\n");
}

/** A row's printed output under its message, or "". */
function printedHTML(r: CheckRow): string {
  const printed = trimPrinted(r.printed ?? "");
  if (!printed) return "";
  return (
    `<div style="margin-top:4px;color:#57606a">your code printed:</div>` +
    `<pre style="margin:0;padding:2px 6px;border-left:3px solid #d0d7de;background:#f6f8fa;white-space:pre-wrap">${escapeHTML(printed)}</pre>`
  );
}

/** The report as an HTML table; every learner-provided text is escaped. */
export function formatReportHTML(report: CheckReport): string {
  const messages = dedupMessages(report.rows);
  const td = 'style="padding:2px 10px;text-align:left;vertical-align:top"';
  const rows = report.rows
    .map((r, i) => {
      const mark = r.passed
        ? `<span style="color:#1a7f37;font-weight:bold">${MARK.pass}</span>`
        : `<span style="color:#cf222e;font-weight:bold">${MARK.fail}</span>`;
      return (
        `<tr><td ${td}>${escapeHTML(r.id)}</td><td ${td}><code>${escapeHTML(r.name)}</code></td>` +
        `<td ${td}>${escapeHTML(r.title)}</td><td ${td}>${mark}</td>` +
        `<td ${td}><span style="white-space:pre-wrap;font-family:monospace">${escapeHTML(messages[i])}</span>${printedHTML(r)}</td></tr>`
      );
    })
    .join("");
  const head = ["exercise", "function", "what it does", "", "what was wrong"].map((h) => `<th ${td}>${h}</th>`).join("");
  const file = escapeHTML(report.file) + (report.overlay ? ` with ${escapeHTML(report.overlay)}` : "");
  return (
    `<div><div><b>Stage ${escapeHTML(report.stage)}</b>: <code>${file}</code></div>` +
    `<table style="border-collapse:collapse"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>` +
    `<div>${escapeHTML(summary(report))}</div></div>`
  );
}
