/**
 * Rich output from lib code: HTML and text shown inline when running inside the tslab
 * Jupyter kernel, plain text on the terminal everywhere else (tests, scripts, the checker).
 *
 * tslab's `display` only works inside its kernel; lib code calls `showHTML`/`showText`
 * here and never imports tslab itself, so the same function runs in a notebook and in vitest.
 */
import { createRequire } from "node:module";
import path from "node:path";

/** The slice of tslab's Display interface that the course uses. */
export interface Display {
  html(s: string): void;
  text(s: string): void;
  png(b: Uint8Array): void;
}

interface TslabModule {
  display: Display;
  newDisplay(): Display;
}

let tslabModule: TslabModule | null | undefined;

/** tslab's public module when this process is a tslab kernel, else null. */
function tslab(): TslabModule | null {
  if (tslabModule !== undefined) return tslabModule;
  tslabModule = null;
  // tslab sets globalThis.__tslab__ before it runs the first cell.
  if ((globalThis as { __tslab__?: unknown }).__tslab__ !== undefined) {
    // Resolve from the kernel's working directory (the course root): the kernel's own copy.
    const req = createRequire(path.join(process.cwd(), "noop.js"));
    tslabModule = req("tslab") as TslabModule;
  }
  return tslabModule;
}

/** A display bundle: one output with several representations, by MIME type. */
export type Bundle = Record<string, string | Uint8Array>;

interface TslabJupyter {
  lastWriteDisplayData:
    | ((
        data: { data: Record<string, string>; metadata: Record<string, unknown>; transient: Record<string, unknown> },
        update: boolean,
      ) => void)
    | null;
}

/** The running execution, as the course kernel publishes it (scripts/kernel.cjs, announceExecutions). */
export interface Execution {
  /** Jupyter's execution count of the running cell. */
  count: number;
  /** The running cell's id, when the front end sends one (JupyterLab, Notebook 7; not nbconvert). */
  cellId?: string;
}

/** The execution running now, or undefined outside the course kernel. */
export function currentExecution(): Execution | undefined {
  const e = (globalThis as { __genaiExecution__?: Execution }).__genaiExecution__;
  return e && typeof e.count === "number" ? e : undefined;
}

/** True inside a Jupyter notebook (the tslab kernel). */
export function inNotebook(): boolean {
  return tslab() !== null;
}

/** Escapes text for safe use inside HTML element content or a quoted attribute. */
export function escapeHTML(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Strips tags from HTML for the terminal fallback (keeps the text, drops scripts). */
export function htmlToText(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/gi, "")
    .replace(/<style[\s\S]*?<\/style>/gi, "")
    .replace(/<br\s*\/?>|<\/(p|div|tr|h\d|li)>/gi, "\n")
    .replace(/<\/t[dh]>/gi, "\t")
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/**
 * Shows HTML inline in the notebook. Outside a notebook, prints `fallbackText`
 * (default: the HTML's text content) so scripts and tests still say something useful.
 */
export function showHTML(html: string, fallbackText?: string): void {
  const t = tslab();
  if (t) t.display.html(html);
  else console.log(fallbackText ?? htmlToText(html));
}

/**
 * Shows ONE output with several representations, e.g. `text/html`, `image/png` and `text/plain`:
 * each front end picks the richest it can show (JupyterLab the HTML, GitHub's viewer or a
 * text-only client the image or the text). Bytes (`image/png`) are sent as base64. Outside a
 * notebook, prints `fallbackText`.
 */
export function showBundle(bundle: Bundle, fallbackText: string): void {
  const t = tslab();
  if (!t) {
    console.log(fallbackText);
    return;
  }
  // tslab's public Display sends one MIME type per output; its jupyter module sends any bundle.
  const req = createRequire(path.join(process.cwd(), "noop.js"));
  const jupyter = req("tslab/dist/jupyter") as TslabJupyter;
  if (!jupyter.lastWriteDisplayData) throw new Error("showBundle: the tslab kernel is not ready to display (no cell is running)");
  const data: Record<string, string> = {};
  for (const [mime, value] of Object.entries(bundle))
    data[mime] = typeof value === "string" ? value : Buffer.from(value).toString("base64");
  jupyter.lastWriteDisplayData({ data, metadata: {}, transient: {} }, false);
}

/** Shows plain text (in a notebook, as a display output rather than stdout). */
export function showText(s: string): void {
  const t = tslab();
  if (t) t.display.text(s);
  else console.log(s);
}

/**
 * One output area that can be overwritten in place: the notebook shows only its latest
 * content (a live progress line). On a terminal, `update` rewrites the current line when
 * stdout is a TTY and otherwise prints at most one line every `minIntervalMs`, plus the last.
 */
export interface LiveDisplay {
  /** Replaces the content with HTML (`text` is the terminal version). */
  update(html: string, text: string): void;
  /** Writes the final content and ends the line on a terminal. */
  done(html: string, text: string): void;
}

export function newLiveDisplay(minIntervalMs = 2000): LiveDisplay {
  const t = tslab();
  if (t) {
    const d = t.newDisplay();
    return { update: (html) => d.html(html), done: (html) => d.html(html) };
  }
  const tty = Boolean(process.stdout.isTTY);
  let last = 0;
  return {
    update(_html, text) {
      if (tty) {
        process.stdout.write(`\r${text}\x1b[K`);
      } else if (Date.now() - last >= minIntervalMs) {
        last = Date.now();
        console.log(text);
      }
    },
    done(_html, text) {
      if (tty) process.stdout.write(`\r${text}\x1b[K\n`);
      else console.log(text);
    },
  };
}
