/**
 * A real JupyterLab 4.6 (and Notebook 7.6) for the browser test: the course's own frontends in
 * jupyterlab/ (built here from npm with webpack when their build is missing or stale), served
 * by Debian's jupyter_server and jupyterlab_server on 127.0.0.1 with a random token, and driven
 * in headless Chromium through the app's own objects (jupyterlab-page.js).
 *
 * Everything the servers write goes under build/jupyterlab/ (Jupyter data, runtime, settings
 * and workspaces per server), and the kernel is the course's, registered under build/jupyter
 * (tests/helpers/jupyter.ts), so the user's own Jupyter is left alone.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS } from "./browser";
import { BUILD, ROOT, jupyterEnv, registerTestKernel } from "./jupyter";

/** The two frontends in jupyterlab/. */
export type AppName = "lab" | "notebook7";

/** Where the test writes: notebook copies, server state, screenshots, reports. */
export const OUT = path.join(BUILD, "jupyterlab");
const APPS = path.join(ROOT, "jupyterlab");
const PAGE_SCRIPT = path.join(__dirname, "jupyterlab-page.js");
/** Debian's python, which has python3-jupyter-server and python3-jupyterlab-server. */
const PYTHON = "/usr/bin/python3";

/** Each app's server class in its main.py (its traits are set from the command line). */
const SERVER_CLASS: Record<AppName, string> = { lab: "CourseLabApp", notebook7: "CourseNotebookApp" };

const sha256 = (files: string[]) => {
  const h = crypto.createHash("sha256");
  for (const f of files) h.update(path.basename(f)).update(fs.existsSync(f) ? fs.readFileSync(f) : "");
  return h.digest("hex");
};

function run(cmd: string, args: string[], cwd: string, logFile: string): void {
  const fd = fs.openSync(logFile, "a");
  try {
    const r = spawnSync(cmd, args, { cwd, stdio: ["ignore", fd, fd], env: process.env });
    if (r.status !== 0) {
      const tail = fs.readFileSync(logFile, "utf8").split("\n").slice(-40).join("\n");
      throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd} (status ${r.status}, log ${logFile}):\n${tail}`);
    }
  } finally {
    fs.closeSync(fd);
  }
}

export interface BuildResult {
  app: AppName;
  /** What had to be done: npm ci, webpack, or nothing (the build is current). */
  steps: string[];
  seconds: number;
}

/**
 * Builds jupyterlab/<app> unless its build is current: `npm ci` when node_modules does not
 * match package-lock.json, then webpack when build/ does not match the lockfile and the app's
 * sources. The keys are sha256 stamps in node_modules/ and build/.
 */
export function ensureAppBuilt(app: AppName): BuildResult {
  const dir = path.join(APPS, app);
  const lock = path.join(dir, "package-lock.json");
  const sources = [lock, "package.json", "index.js", "webpack.config.js", "plugins.json", "../webpack.shared.js"].map((f) =>
    path.resolve(dir, f),
  );
  const modulesStamp = path.join(dir, "node_modules", ".course-lock-sha256");
  const buildStamp = path.join(dir, "build", ".course-build-sha256");
  const lockKey = sha256([lock]);
  const buildKey = sha256(sources);
  const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8").trim() : "");
  fs.mkdirSync(OUT, { recursive: true });
  const logFile = path.join(OUT, `${app}-build.log`);
  const steps: string[] = [];
  const t0 = performance.now();
  if (read(modulesStamp) !== lockKey) {
    fs.writeFileSync(logFile, "");
    run("npm", ["ci", "--no-audit", "--no-fund"], dir, logFile);
    fs.writeFileSync(modulesStamp, lockKey + "\n");
    steps.push("npm ci");
  }
  if (read(buildStamp) !== buildKey || !fs.existsSync(path.join(dir, "build", "bundle.js"))) {
    if (steps.length === 0) fs.writeFileSync(logFile, "");
    run("npm", ["run", "build"], dir, logFile);
    fs.writeFileSync(buildStamp, buildKey + "\n");
    steps.push("webpack");
  }
  return { app, steps, seconds: (performance.now() - t0) / 1000 };
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** A running server; stop() shuts its kernels down and ends it by PID. */
export interface LabServer {
  app: AppName;
  url: string;
  token: string;
  pid: number;
  /** Its Jupyter data dir (notebook trust is stored here, by content hash). */
  dataDir: string;
  log: string;
  /** The page that opens notebook `relPath` (relative to the repo root, the server's root dir). */
  notebookUrl(relPath: string): string;
  /** Shuts down every kernel (each notebook's session), so the next notebook starts clean. */
  shutdownKernels(): Promise<void>;
  stop(): Promise<void>;
}

export interface ServerOptions {
  /** Folder name under build/jupyterlab/servers/ for its state (default: the app's name). */
  name?: string;
  /** Start from an empty Jupyter data dir: no notebook is trusted (default false). */
  freshData?: boolean;
  /** More environment for the server and so its kernels, e.g. `{ GENAI_BLAS: "off" }`. */
  env?: Record<string, string>;
}

/**
 * Starts jupyterlab/<app>/main.py on 127.0.0.1 on a free port with a random token, its root dir
 * the repo root, Jupyter's data, runtime and config dirs private under build/jupyterlab/servers/,
 * and the course kernel registered under build/jupyter. Resolves once /api/status answers.
 */
export async function startServer(app: AppName, options: ServerOptions = {}): Promise<LabServer> {
  const { name = app, freshData = false } = options;
  registerTestKernel();
  const state = path.join(OUT, "servers", name);
  const dataDir = path.join(state, "data");
  if (freshData) fs.rmSync(dataDir, { recursive: true, force: true });
  for (const d of ["data", "runtime", "config", "settings", "workspaces"]) fs.mkdirSync(path.join(state, d), { recursive: true });
  const port = await freePort();
  const token = crypto.randomBytes(24).toString("hex");
  const url = `http://127.0.0.1:${port}`;
  const log = path.join(state, "server.log");
  const fd = fs.openSync(log, "w");
  const cls = SERVER_CLASS[app];
  const child: ChildProcess = spawn(
    PYTHON,
    [
      path.join(APPS, app, "main.py"),
      "--ServerApp.ip=127.0.0.1",
      `--ServerApp.port=${port}`,
      "--ServerApp.port_retries=0",
      `--ServerApp.token=${token}`,
      "--ServerApp.open_browser=False",
      "--ServerApp.allow_root=True",
      `--ServerApp.root_dir=${ROOT}`,
      `--${cls}.user_settings_dir=${path.join(state, "settings")}`,
      `--${cls}.workspaces_dir=${path.join(state, "workspaces")}`,
    ],
    {
      cwd: path.join(APPS, app),
      stdio: ["ignore", fd, fd],
      env: {
        ...jupyterEnv(),
        JUPYTER_DATA_DIR: dataDir,
        JUPYTER_RUNTIME_DIR: path.join(state, "runtime"),
        JUPYTER_CONFIG_DIR: path.join(state, "config"),
        ...options.env,
      },
    },
  );
  fs.closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${PYTHON} ${app}/main.py`);
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exited = true;
      resolve();
    }),
  );
  // If the test process ends without stop() (a crash), still take the server down.
  const onExit = () => {
    if (!exited) process.kill(pid, "SIGTERM");
  };
  process.once("exit", onExit);

  const api = (route: string, method = "GET") =>
    fetch(`${url}${route}`, { method, headers: { Authorization: `token ${token}` }, signal: AbortSignal.timeout(10_000) });

  const server: LabServer = {
    app,
    url,
    token,
    pid,
    dataDir,
    log,
    notebookUrl: (relPath) =>
      app === "lab"
        ? `${url}/lab/tree/${encodeURI(relPath)}?reset&token=${token}`
        : `${url}/notebooks/${encodeURI(relPath)}?token=${token}`,
    async shutdownKernels() {
      if (exited) return;
      const sessions = (await (await api("/api/sessions")).json()) as { id: string }[];
      for (const s of sessions) await api(`/api/sessions/${s.id}`, "DELETE");
      const kernels = (await (await api("/api/kernels")).json()) as { id: string }[];
      for (const k of kernels) await api(`/api/kernels/${k.id}`, "DELETE");
    },
    async stop() {
      process.removeListener("exit", onExit);
      if (exited) return;
      await server.shutdownKernels().catch(() => undefined);
      process.kill(pid, "SIGTERM");
      const timedOut = await Promise.race([exitedPromise.then(() => false), sleep(10_000).then(() => true)]);
      if (timedOut && !exited) {
        process.kill(pid, "SIGKILL");
        await exitedPromise;
      }
    },
  };

  const started = Date.now();
  for (;;) {
    if (exited) throw new Error(`the ${app} server exited at start; log ${log}:\n${tail(log)}`);
    const ok = await api("/api/status").then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return server;
    if (Date.now() - started > 60_000) {
      await server.stop();
      throw new Error(`the ${app} server did not answer within 60 s; log ${log}:\n${tail(log)}`);
    }
    await sleep(250);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tail = (file: string, lines = 30) => fs.readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");

/** Headless Debian Chromium through playwright-core (no downloaded browser). */
export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** A page on one server, with what it logged: console errors, and requests it tried elsewhere. */
export interface LabPage {
  page: Page;
  context: BrowserContext;
  consoleErrors: string[];
  /** Requests to anywhere but the server (blocked: the course must work offline). */
  blocked: string[];
}

/** A fresh browser context (no cookies, no local storage) whose pages can reach only `server`. */
export async function newLabPage(browser: Browser, server: LabServer, width = 1200, height = 1000): Promise<LabPage> {
  const context = await browser.newContext({ viewport: { width, height } });
  await context.addInitScript({ path: PAGE_SCRIPT });
  const blocked: string[] = [];
  await context.route("**/*", (route) => {
    const u = route.request().url();
    if (u.startsWith(server.url) || /^(data|blob):/.test(u)) return route.continue();
    blocked.push(u);
    return route.abort("blockedbyclient");
  });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text().replace(server.token, "…").slice(0, 500));
  });
  page.on("pageerror", (e) => consoleErrors.push(`uncaught: ${e.message}`.slice(0, 500)));
  return { page, context, consoleErrors, blocked };
}

/**
 * Calls `window.genaiLab.<method>(...args)` in the page (jupyterlab-page.js): the call is a
 * string with JSON arguments, so nothing the test transpiler adds to functions reaches the page.
 */
export function call<T>(page: Page, method: string, ...args: unknown[]): Promise<T> {
  return page.evaluate<T>(`window.genaiLab.${method}(...${JSON.stringify(args)})`);
}

/**
 * Copies notebooks/<name>.ipynb to build/jupyterlab/run/<folder>/ and returns its path relative
 * to the repo root. The kernel runs in the repo root (scripts/kernel.cjs), so a copy anywhere
 * below it imports ./lib/... as the original does; notebooks/ itself is never touched.
 */
export function copyNotebook(name: string, folder: string, from = path.join(ROOT, "notebooks", `${name}.ipynb`)): string {
  const dir = path.join(OUT, "run", folder);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.ipynb`);
  fs.copyFileSync(from, file);
  return path.relative(ROOT, file).split(path.sep).join("/");
}

interface PanelState {
  open: boolean;
  ready?: boolean;
  cells?: number;
  kernel?: { name: string; status: string; connection: string } | null;
  windowingMode?: string | null;
}

/**
 * Opens notebook `relPath` in a fresh page load and waits until it shows its cells and its
 * kernel is connected and idle, choosing the course kernel if a dialog asks for one.
 */
export async function openNotebook(lab: LabPage, server: LabServer, relPath: string, timeoutMs = 120_000): Promise<PanelState> {
  const { page } = lab;
  await page.goto(server.notebookUrl(relPath));
  await page.waitForSelector("body[data-jlab-restored]", { state: "attached", timeout: timeoutMs });
  const started = Date.now();
  let last: PanelState = { open: false };
  for (;;) {
    const dialog = await call<{ title: string; options: { value: string; label: string }[] } | null>(page, "dialog");
    if (dialog) {
      const choice = dialog.options.find((o) => o.value.includes("genai-ts"));
      if (choice) await page.selectOption(".jp-Dialog select", choice.value);
      await page.click(".jp-Dialog .jp-mod-accept");
    }
    last = await call<PanelState>(page, "state", relPath);
    if (last.ready && last.kernel && last.kernel.connection === "connected" && last.kernel.status === "idle") return last;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`${relPath} did not open with an idle kernel within ${timeoutMs / 1000} s: ${JSON.stringify(last)}`);
    }
    await page.waitForTimeout(500);
  }
}

export interface RunState {
  running: number;
  notRun: number;
  code: number;
  kernel: string | null;
}

/**
 * Run All, then waits until no cell shows [*] (queued or running) for 3 s in a row. The kernel
 * status is no guide: tslab reports idle after each queued cell. After an error the rest of
 * the queue is aborted and shows no [*] either: the caller checks the execution counts.
 */
export async function runAllCells(page: Page, relPath: string, timeoutMs: number): Promise<{ seconds: number; state: RunState }> {
  await call(page, "watch", relPath);
  const t0 = Date.now();
  await call(page, "runAll");
  let quiet = 0;
  for (;;) {
    await page.waitForTimeout(1000);
    const state = await call<RunState>(page, "runState", relPath);
    quiet = state.running === 0 ? quiet + 1 : 0;
    if (quiet >= 3 || (state.running === 0 && state.notRun === 0)) return { seconds: (Date.now() - t0) / 1000, state };
    if (Date.now() - t0 > timeoutMs) {
      throw new Error(`Run All of ${relPath} did not finish within ${timeoutMs / 1000} s: ${JSON.stringify(state)}`);
    }
  }
}

/** Runs one cell again (as Ctrl+Enter does) and waits until it has a new execution count. */
export async function rerunCell(page: Page, relPath: string, index: number, timeoutMs = 120_000): Promise<CellReport> {
  const before = await call<CellReport>(page, "cell", relPath, index);
  await call(page, "runCell", relPath, index);
  const t0 = Date.now();
  for (;;) {
    await page.waitForTimeout(500);
    const c = await call<CellReport>(page, "cell", relPath, index);
    const state = await call<RunState>(page, "runState", relPath);
    if (c.executionCount !== before.executionCount && typeof c.executionCount === "number" && state.running === 0) return c;
    if (Date.now() - t0 > timeoutMs) throw new Error(`cell ${index} of ${relPath} did not run again within ${timeoutMs / 1000} s`);
  }
}

/** What the kernel sent during a run (jupyterlab-page.js watch). */
export interface Watched {
  replies: { status: string; executionCount: number | null; error: string | null }[];
  requests: number;
  /** Every state (value/max) each live progress output went through, in order. */
  progress: Record<string, string[]>;
}

export interface OutputReport {
  output_type: string;
  name?: string;
  text?: string;
  ename?: string;
  evalue?: string;
  mimes: string[];
  plot: boolean;
  imageGrid: boolean;
  table: boolean;
  progress: { value: number; max: number; text: string } | null;
}

/** One output as the page shows it. */
export interface OutputDom {
  /** Its `.genai-plot` boxes: drawn (has a `.main-svg`), and the visible `.genai-plot-note`, if any. */
  plots: { id: string; drawn: boolean; note: string | null; text: string; size: string }[];
  images: { loaded: boolean; naturalWidth: number; src: string }[];
  /** Visible `<table>`s. */
  tables: number;
  text: string;
}

export interface CellReport {
  index: number;
  type: string;
  empty: boolean;
  firstLine: string;
  executionCount: number | null;
  trusted: boolean;
  outputs: OutputReport[];
  /** What each output shows, in the model's order (one `.jp-OutputArea-child` per output). */
  dom: {
    children: OutputDom[];
    svgs: number;
  };
}

/**
 * Reads every code cell, each scrolled to the top first (so its outputs lay out), waiting up to
 * `drawMs` for its Plotly boxes to draw; returns the cells and those whose outputs scroll sideways.
 */
export async function inspectCells(
  page: Page,
  relPath: string,
  drawMs: number,
): Promise<{ cells: CellReport[]; overflow: Record<number, { output: number; scrollWidth: number; clientWidth: number }[]> }> {
  const { code } = await call<{ code: number[] }>(page, "layout", relPath);
  const cells: CellReport[] = [];
  const overflow: Record<number, { output: number; scrollWidth: number; clientWidth: number }[]> = {};
  for (const i of code) {
    let c = await call<CellReport>(page, "cell", relPath, i);
    if (c.outputs.length > 0) {
      await call(page, "scrollTo", relPath, i);
      const t0 = Date.now();
      for (;;) {
        await page.waitForTimeout(150);
        c = await call<CellReport>(page, "cell", relPath, i);
        if (c.dom.children.every((o) => o.plots.every((p) => p.drawn)) || Date.now() - t0 > drawMs) break;
      }
      const o = await call<{ output: number; scrollWidth: number; clientWidth: number }[]>(page, "overflow", relPath, i);
      if (o.length > 0) overflow[i] = o;
    }
    cells.push(c);
  }
  return { cells, overflow };
}

/** Output elements that scroll sideways, per cell, at the page's current width. */
export async function measureOverflow(page: Page, relPath: string, indexes: number[]) {
  const overflow: Record<number, { output: number; scrollWidth: number; clientWidth: number }[]> = {};
  for (const i of indexes) {
    await call(page, "scrollTo", relPath, i);
    await page.waitForTimeout(150);
    const o = await call<{ output: number; scrollWidth: number; clientWidth: number }[]>(page, "overflow", relPath, i);
    if (o.length > 0) overflow[i] = o;
  }
  return overflow;
}

/**
 * Screenshots for a person to look at, in `dir`: the whole notebook page by page
 * (notebook-01.png, ... at 1200 × 3000), and each figure output (cellNN-figureK.png).
 * @returns the files written
 */
export async function screenshots(page: Page, relPath: string, cells: CellReport[], dir: string): Promise<string[]> {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const c of cells) {
    const n = await call<number>(page, "markFigures", relPath, c.index);
    for (let k = 0; k < n; k++) {
      const file = path.join(dir, `cell${String(c.index).padStart(2, "0")}-figure${k}.png`);
      await page.locator(`[data-genai-figure="${k}"]`).screenshot({ path: file, timeout: 30_000 });
      files.push(file);
    }
  }
  const size = page.viewportSize() ?? { width: 1200, height: 1000 };
  await page.setViewportSize({ width: size.width, height: 3000 });
  await page.waitForTimeout(500);
  const box = await call<{ height: number; view: number }>(page, "scrollBox", relPath);
  const step = Math.max(500, box.view - 100);
  for (let top = 0, k = 1; top < box.height && k <= 40; top += step, k++) {
    await call(page, "scrollBoxTo", relPath, top);
    await page.waitForTimeout(400);
    const file = path.join(dir, `notebook-${String(k).padStart(2, "0")}.png`);
    await page.screenshot({ path: file });
    files.push(file);
  }
  await page.setViewportSize(size);
  return files;
}

/** Saves the notebook (docmanager:save) and waits until it has no unsaved changes. */
export async function saveNotebook(page: Page, relPath: string, timeoutMs = 60_000): Promise<void> {
  await call(page, "save", relPath);
  const t0 = Date.now();
  while (await call<boolean>(page, "dirty", relPath)) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`${relPath} was not saved within ${timeoutMs / 1000} s`);
    await page.waitForTimeout(250);
  }
}
