/**
 * Tables inline in the notebook: a danfojs DataFrame or an array of plain records shown as an
 * HTML table (cell text escaped, numbers rounded), or as aligned text columns on a terminal.
 *
 * danfojs-node is not imported here: a DataFrame is recognised by its `columns`, `index` and
 * `values`, so showing a table of records never pays for loading danfojs (about 0.5 s).
 *
 * Shape letters: R rows, K columns.
 */
import { escapeHTML, inNotebook, showHTML } from "./display";

/** The part of a danfojs DataFrame a table needs (a real `dfd.DataFrame` fits it). */
export interface DataFrameLike {
  columns: string[];
  index: (string | number)[];
  values: unknown[];
  shape: number[];
}

/** One row as a plain object, e.g. `{ epoch: 3, loss: 0.1234 }`. */
export type TableRecord = Record<string, unknown>;

export interface TableOptions {
  /** Decimal places of non-integer numbers (default 4); integers are shown whole. */
  digits?: number;
  /** Caption above the table (default none). */
  caption?: string;
  /** Which columns, in order (default: all; for records, every key in first-seen order). */
  columns?: string[];
  /** Show the row index as the first column (default: true for a DataFrame, false for records). */
  index?: boolean;
  /** Most rows shown; beyond that the first and last halves, with "…" between (default 20). */
  maxRows?: number;
}

interface Cells {
  header: string[];
  rows: string[][]; // [R', K] formatted text, R' ≤ maxRows (+1 for the "…" row)
  numeric: boolean[]; // [K] right-align the column
  note: string;
}

/**
 * Formats one cell: numbers to `digits` decimals (tiny non-zero values and huge ones in
 * exponent form so they do not read as 0), integers whole unless `decimals` (a column that
 * also holds fractions), null/undefined as empty, objects as JSON.
 */
export function formatCell(value: unknown, digits = 4, decimals = false): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return String(value);
    if (Number.isInteger(value) && Math.abs(value) < 1e15 && !decimals) return String(value);
    const abs = Math.abs(value);
    if ((abs !== 0 && abs < 0.5 * 10 ** -digits) || abs >= 1e15) return value.toExponential(Math.max(digits - 1, 1));
    return value.toFixed(digits);
  }
  if (typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (typeof value === "string") return value;
  if (value instanceof Date) return value.toISOString();
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function isDataFrame(data: unknown): data is DataFrameLike {
  return (
    data !== null &&
    typeof data === "object" &&
    !Array.isArray(data) &&
    Array.isArray((data as DataFrameLike).columns) &&
    Array.isArray((data as DataFrameLike).index) &&
    Array.isArray((data as DataFrameLike).values)
  );
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array";
  return typeof x;
}

/** Reads the data into formatted text cells and checks the options. */
function cells(data: DataFrameLike | TableRecord[], options: TableOptions): Cells {
  const { digits = 4, maxRows = 20 } = options;
  if (!Number.isInteger(digits) || digits < 0 || digits > 20)
    throw new Error(`options.digits must be an integer in [0, 20], got ${digits}`);
  if (!Number.isInteger(maxRows) || maxRows < 1) throw new Error(`options.maxRows must be a positive integer, got ${maxRows}`);

  let allColumns: string[];
  let rowValues: unknown[][]; // [R, K of allColumns]
  let index: (string | number)[];
  let showIndex: boolean;
  if (isDataFrame(data)) {
    allColumns = data.columns.map(String);
    const vals = data.values;
    // danfojs gives a 2-D array [R, K]; a one-column frame may still give rows of one value.
    rowValues = vals.map((row) => (Array.isArray(row) ? row : [row]));
    index = data.index;
    showIndex = options.index ?? true;
  } else if (Array.isArray(data)) {
    const seen = new Set<string>();
    data.forEach((rec, i) => {
      if (rec === null || typeof rec !== "object" || Array.isArray(rec)) {
        throw new Error(`data must be a DataFrame or an array of records (plain objects), but data[${i}] is ${describe(rec)}`);
      }
      for (const k of Object.keys(rec)) seen.add(k);
    });
    allColumns = [...seen];
    rowValues = data.map((rec) => allColumns.map((k) => rec[k]));
    index = data.map((_, i) => i);
    showIndex = options.index ?? false;
  } else {
    throw new Error(`data must be a danfojs DataFrame or an array of records, got ${describe(data)}`);
  }

  let picks = allColumns.map((_, k) => k);
  if (options.columns !== undefined) {
    picks = options.columns.map((c) => {
      const k = allColumns.indexOf(c);
      if (k < 0) throw new Error(`options.columns names "${c}", which is not a column; the columns are ${allColumns.join(", ")}`);
      return k;
    });
  }
  const R = rowValues.length;
  const shown =
    R <= maxRows
      ? rowValues.map((_, r) => r)
      : [
          ...Array(Math.ceil(maxRows / 2)).keys(),
          ...Array.from({ length: Math.floor(maxRows / 2) }, (_, i) => R - Math.floor(maxRows / 2) + i),
        ];
  const numeric = picks.map(
    (k) => rowValues.length > 0 && rowValues.every((row) => row[k] === null || row[k] === undefined || typeof row[k] === "number"),
  );
  // A column with any fraction shows all its numbers with `digits` decimals, so they line up.
  const fractional = picks.map((k) =>
    rowValues.some((row) => typeof row[k] === "number" && Number.isFinite(row[k]) && !Number.isInteger(row[k])),
  );
  const rows: string[][] = [];
  shown.forEach((r, i) => {
    if (i > 0 && r !== shown[i - 1] + 1) rows.push([...(showIndex ? ["…"] : []), ...picks.map(() => "…")]);
    rows.push([
      ...(showIndex ? [formatCell(index[r], digits)] : []),
      ...picks.map((k, j) => formatCell(rowValues[r][k], digits, fractional[j])),
    ]);
  });
  return {
    header: [...(showIndex ? [""] : []), ...picks.map((k) => allColumns[k])],
    rows,
    numeric: [...(showIndex ? [false] : []), ...numeric],
    note: R > maxRows ? `${R} rows × ${picks.length} columns` : "",
  };
}

/**
 * The HTML of a table (every cell escaped).
 * @param data a danfojs DataFrame, or an array of records (one object per row)
 */
export function tableHTML(data: DataFrameLike | TableRecord[], options: TableOptions = {}): string {
  const c = cells(data, options);
  const align = (k: number) => (c.numeric[k] ? ' style="text-align:right"' : ' style="text-align:left"');
  const head = c.header.map((h, k) => `<th${align(k)}>${escapeHTML(h)}</th>`).join("");
  const body = c.rows.map((row) => `<tr>${row.map((v, k) => `<td${align(k)}>${escapeHTML(v)}</td>`).join("")}</tr>`).join("\n");
  const caption = options.caption
    ? `<caption style="caption-side:top;text-align:left;font-weight:bold">${escapeHTML(options.caption)}</caption>`
    : "";
  const note = c.note ? `<p style="font-size:smaller;color:#666">${escapeHTML(c.note)}</p>` : "";
  return (
    `<table class="genai-table" style="border-collapse:collapse;font-variant-numeric:tabular-nums">${caption}\n` +
    `<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>${note}`
  );
}

/** The table as aligned text columns (what a terminal shows). */
export function tableText(data: DataFrameLike | TableRecord[], options: TableOptions = {}): string {
  const c = cells(data, options);
  const width = c.header.map((h, k) => Math.max(h.length, ...c.rows.map((row) => row[k].length)));
  const pad = (s: string, k: number) => (c.numeric[k] ? s.padStart(width[k]) : s.padEnd(width[k]));
  const line = (row: string[]) => row.map(pad).join("  ").trimEnd();
  const lines = [line(c.header), width.map((w) => "-".repeat(w)).join("  "), ...c.rows.map(line)];
  if (options.caption) lines.unshift(options.caption);
  if (c.note) lines.push(c.note);
  return lines.join("\n");
}

/**
 * Shows a table inline in the notebook, or as aligned text on a terminal.
 * @param data a danfojs DataFrame, or an array of records (one object per row)
 */
export function showTable(data: DataFrameLike | TableRecord[], options: TableOptions = {}): void {
  if (inNotebook()) showHTML(tableHTML(data, options), tableText(data, options));
  else console.log(tableText(data, options));
}
