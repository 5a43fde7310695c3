/**
 * Claims: the numbers a notebook's prose quotes, tied to the outputs that print them, so prose
 * and outputs cannot drift apart. Each notebook NN-name may have tests/notebooks/claims/NN.ts
 * exporting `claims: Claim[]`. The notebook test (tests/notebooks/notebooks.test.ts) checks them
 * against the executed copy after each run; `npx tsx tests/notebooks/claims-cli.ts NN` checks one
 * notebook's claims against its last executed copy in build/notebooks/ while writing them.
 *
 * A claim fails when the prose no longer holds `prose`, when `prose` does not hold `quoted` as a
 * whole number (not the start of a longer one),
 * when no output matches `output`, or when the number the output prints, rounded to the decimals
 * of `quoted` (after `scale`), is not the quoted number.
 */
import fs from "node:fs";
import path from "node:path";

export interface Claim {
  /** Exact text of one Markdown cell (after joining its lines) that quotes the number. */
  prose: string;
  /** The number as `prose` quotes it: "0.134", "1,857", "−0.42", "91.8" (a sign, commas and a "%" are allowed). */
  quoted: string;
  /** Matches the printed output; its first group is the printed number, e.g. /mean growth ([\d.]+) ppm\/month/. */
  output: RegExp;
  /** Only the outputs of the code cell with this id (default: every code cell's). */
  cell?: string;
  /** The printed number is multiplied by this before comparing (default 1; 100 when the prose says 91.8 % of a printed 0.918). */
  scale?: number;
  /**
   * For a number that changes between runs with the same seed (a judge or a GAN retrained in the notebook; the cause
   * is not pinned down, most likely floating-point sums added in another order): the printed number (after `scale`) may differ from
   * the quoted one by at most this much (default: it must round to the quoted number).
   */
  within?: number;
}

interface Cell {
  id?: string;
  cell_type: string;
  source: string | string[];
  outputs?: { output_type: string; text?: string | string[]; data?: Record<string, unknown> }[];
}

export interface NotebookJSON {
  cells: Cell[];
}

const join = (t: unknown): string => (Array.isArray(t) ? t.join("") : typeof t === "string" ? t : "");

/** What a code cell printed, as text: streams, text/plain, and text/html or text/markdown with tags removed. */
export function outputText(cell: Cell): string {
  const parts: string[] = [];
  for (const o of cell.outputs ?? []) {
    if (o.text !== undefined) parts.push(join(o.text));
    const data = o.data ?? {};
    if (data["text/plain"] !== undefined) parts.push(join(data["text/plain"]));
    for (const rich of ["text/html", "text/markdown"]) {
      if (data[rich] === undefined) continue;
      parts.push(
        join(data[rich])
          .replace(/<(script|style)[\s\S]*?<\/\1>/gi, " ")
          .replace(/<[^>]+>/g, " ")
          .replace(/&nbsp;/g, " ")
          .replace(/&amp;/g, "&")
          .replace(/&lt;/g, "<")
          .replace(/&gt;/g, ">")
          .replace(/&quot;/g, '"')
          .replace(/[ \t]+/g, " "),
      );
    }
  }
  return parts.join("\n");
}

/** "−1,857.50 %" → -1857.5 and its 2 decimals; NaN when it is not a number. */
export function parseQuoted(s: string): { value: number; decimals: number } {
  const clean = s.trim().replace(/[−–]/g, "-").replace(/[,\s  ]/g, "").replace(/%$/, "");
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(clean)) return { value: NaN, decimals: 0 };
  const dot = clean.replace(/e.*$/i, "").split(".");
  return { value: Number(clean), decimals: dot.length > 1 ? dot[1].length : 0 };
}

/** The problems of `claims` against `prose` (the committed notebook) and `executed` (its run); [] when all hold. */
export function checkClaims(prose: NotebookJSON, executed: NotebookJSON, claims: readonly Claim[]): string[] {
  const problems: string[] = [];
  const markdown = prose.cells.filter((c) => c.cell_type === "markdown").map((c) => join(c.source));
  for (const claim of claims) {
    const name = `claim "${claim.quoted}" (${claim.prose.slice(0, 60)}${claim.prose.length > 60 ? "…" : ""})`;
    if (!markdown.some((m) => m.includes(claim.prose))) {
      problems.push(`${name}: no Markdown cell contains its prose any more`);
      continue;
    }
    const esc = claim.quoted.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    if (!new RegExp(`(?<![\\d.,])${esc}(?!\\.?\\d|,\\d)`).test(claim.prose)) {
      problems.push(`${name}: the prose does not contain the quoted number "${claim.quoted}"`);
      continue;
    }
    const quoted = parseQuoted(claim.quoted);
    if (Number.isNaN(quoted.value)) {
      problems.push(`${name}: "${claim.quoted}" is not a number`);
      continue;
    }
    const cells = executed.cells.filter((c) => c.cell_type === "code" && (claim.cell === undefined || c.id === claim.cell));
    if (claim.cell !== undefined && cells.length === 0) {
      problems.push(`${name}: no code cell with id ${claim.cell}`);
      continue;
    }
    const printed: string[] = [];
    for (const c of cells) {
      const re = new RegExp(claim.output.source, claim.output.flags.replace("g", "") + "g");
      for (const m of outputText(c).matchAll(re)) if (m[1] !== undefined) printed.push(m[1]);
    }
    if (printed.length === 0) {
      problems.push(`${name}: no output matches ${claim.output}${claim.cell ? ` in cell ${claim.cell}` : ""}`);
      continue;
    }
    const agrees = (p: string) => {
      const v = parseQuoted(p).value * (claim.scale ?? 1);
      if (!Number.isFinite(v)) return false;
      if (claim.within !== undefined) return Math.abs(v - quoted.value) <= claim.within + 1e-9;
      return v.toFixed(quoted.decimals) === quoted.value.toFixed(quoted.decimals);
    };
    if (!printed.some(agrees)) {
      problems.push(`${name}: the prose quotes ${claim.quoted}, the output prints ${printed.slice(0, 4).join(", ")} (${claim.output})`);
    }
  }
  return problems;
}

const CLAIMS_DIR = path.join(__dirname, "claims");

/** The claims of notebook `name` ("01-autoregression"), [] when it has no claims file. */
export async function loadClaims(name: string): Promise<Claim[]> {
  const file = path.join(CLAIMS_DIR, `${name.slice(0, 2)}.ts`);
  if (!fs.existsSync(file)) return [];
  const mod = (await import(file)) as { claims?: Claim[]; default?: { claims?: Claim[] } };
  const claims = mod.claims ?? mod.default?.claims;
  if (!Array.isArray(claims)) throw new Error(`${file} must export \`claims\`, an array of Claim`);
  return claims;
}
