/**
 * `npm run bench`: ms per train step of every course model (bench/models.ts) on every available
 * backend, against PyTorch on the same machine running the same models (bench/reference.py).
 * Not a test: it measures, prints a table and writes build/bench.json, an array of
 *   { model, backend, msPerStep, referenceMsPerStep, ratio }   (ratio = msPerStep / referenceMsPerStep)
 *
 * Backends: wasm and cpu, each with the optional BLAS addon (native/blas-matmul) when it is
 * built ("wasm+blas", "cpu+blas") and without it; native TensorFlow too when installed. Each
 * model runs in its own process on each (PyTorch too). msPerStep is the median over `--steps`
 * timed steps after `--warmup` steps and at least one second of steps (V8 compiles a small
 * model's hot paths over its first few hundred steps; PyTorch gets the same warm-up).
 * A model whose projected run on a backend exceeds `--budget` seconds is skipped and listed.
 *
 *   npm run bench -- --models vae-mlp,gpt-tiny --backends wasm+blas,wasm --steps 20 --budget 120
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { selectBackend, type BackendName } from "../lib/engine/backend";
import { courseKernelsInfo } from "../lib/engine/kernels";
import { MODELS } from "./models";

export interface BenchRow {
  model: string;
  backend: string;
  msPerStep: number;
  referenceMsPerStep: number | null;
  ratio: number | null;
}

interface Options {
  models: string[];
  backends: string[] | null; // null: every available one
  steps: number;
  warmup: number;
  budgetSeconds: number;
}

/** What one backend process reports. */
interface ChildResult {
  backend: string;
  report: string;
  measured: { model: string; msPerStep: number }[];
  skipped: { model: string; reason: string }[];
}

const PYTHON = "/usr/bin/python3";
/** The least warm-up, in seconds, on every backend and in PyTorch (bench/reference.py takes it too). */
const WARMUP_SECONDS = 1;

function parseOptions(argv: string[]): Options {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const options: Options = {
    models: (get("--models") ?? MODELS.map((m) => m.name).join(",")).split(","),
    backends: get("--backends")?.split(",") ?? null,
    steps: Number(get("--steps") ?? 20),
    warmup: Number(get("--warmup") ?? 10),
    budgetSeconds: Number(get("--budget") ?? 90),
  };
  const unknown = options.models.filter((m) => !MODELS.some((x) => x.name === m));
  if (unknown.length > 0) {
    throw new Error(`--models: unknown model ${unknown.join(", ")}; known: ${MODELS.map((m) => m.name).join(", ")}`);
  }
  if (!(options.steps >= 1) || !(options.warmup >= 0)) throw new Error("--steps must be ≥ 1 and --warmup ≥ 0");
  return options;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

// ---------------------------------------------------------------------------------------------
// Child: one backend, every model

async function runChild(backend: string, options: Options): Promise<ChildResult> {
  const name = backend.replace("+blas", "") as BackendName;
  const choice = await selectBackend({ prefer: name, quiet: true });
  const info = courseKernelsInfo();
  const result: ChildResult = { backend, report: `${choice.report}; ${info.blasReport}`, measured: [], skipped: [] };
  for (const modelName of options.models) {
    const model = MODELS.find((m) => m.name === modelName)!;
    const before = tf.memory().numTensors;
    const trainer = model.create();
    const times: number[] = [];
    let skipped = false;
    // Warm-up: --warmup steps, and at least WARMUP_SECONDS of them (small steps need hundreds
    // before V8 has compiled their hot paths).
    let warmup = options.warmup;
    const started = performance.now();
    for (let i = 0; i < warmup + options.steps; i++) {
      if (i === warmup - 1 && performance.now() - started < WARMUP_SECONDS * 1000) warmup++;
      const t0 = performance.now();
      const loss = trainer.step();
      const value = (await loss.data())[0]; // the step is done when its loss is readable
      const ms = performance.now() - t0;
      loss.dispose();
      if (!Number.isFinite(value)) throw new Error(`${modelName} on ${backend}: loss is ${value} at step ${i}`);
      if (i === 0 && (ms * (options.warmup + options.steps)) / 1000 > options.budgetSeconds) {
        result.skipped.push({
          model: modelName,
          reason: `first step took ${(ms / 1000).toFixed(1)} s; ${options.warmup + options.steps} steps exceed --budget ${options.budgetSeconds} s`,
        });
        skipped = true;
        break;
      }
      if (i >= warmup) times.push(ms);
    }
    trainer.dispose();
    const leaked = tf.memory().numTensors - before;
    if (leaked !== 0) console.error(`warning: ${modelName} on ${backend} leaked ${leaked} tensors`);
    if (!skipped) result.measured.push({ model: modelName, msPerStep: median(times) });
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Parent: the reference, every backend in its own process, the table

/** The options as command-line flags, for one model. */
function childArgs(options: Options, model: string): string[] {
  return [
    "--models",
    model,
    "--steps",
    String(options.steps),
    "--warmup",
    String(options.warmup),
    "--budget",
    String(options.budgetSeconds),
  ];
}

/** Runs one model on one backend in a fresh process (no model inherits another's heap or JIT state). */
function spawnChild(backend: string, args: string[]): ChildResult | string {
  const env = { ...process.env, GENAI_BLAS: backend.endsWith("+blas") ? "on" : "off" };
  const r = spawnSync(process.execPath, [...process.execArgv, __filename, ...args, "--child", backend], {
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 << 20,
  });
  const last = r.stdout.trim().split("\n").pop() ?? "";
  if (r.status !== 0 || !last.startsWith("{")) return `exit ${r.status}: ${r.stdout.slice(-500)}`;
  return JSON.parse(last) as ChildResult;
}

/** PyTorch ms/step per model, or the reason there is none. */
function runReference(options: Options): Record<string, number> | string {
  if (!fs.existsSync(PYTHON)) return `${PYTHON} not found`;
  const probe = spawnSync(PYTHON, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" });
  if (probe.status !== 0) return "PyTorch is not importable by /usr/bin/python3 (apt-get install python3-torch)";
  const script = path.join(__dirname, "reference.py");
  const msPerStep: Record<string, number> = {};
  let header = "";
  for (const model of options.models) {
    // One process per model, as for the tfjs backends.
    const args = [
      script,
      "--models",
      model,
      "--steps",
      String(options.steps),
      "--warmup",
      String(options.warmup),
      "--warmup-seconds",
      String(WARMUP_SECONDS),
    ];
    const r = spawnSync(PYTHON, args, {
      env: { ...process.env, OMP_WAIT_POLICY: "PASSIVE" },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    if (r.status !== 0) return `bench/reference.py failed on ${model} (exit ${r.status})`;
    const out = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as {
      torch: string;
      threads: number;
      msPerStep: Record<string, number>;
    };
    header = `Reference: PyTorch ${out.torch} CPU, ${out.threads} threads`;
    Object.assign(msPerStep, out.msPerStep);
  }
  console.log(header);
  return msPerStep;
}

/** The backends this machine can run, fastest first. */
function availableBackends(): string[] {
  const blasBuilt = fs.existsSync(path.join(__dirname, "..", "native", "blas-matmul", "build", "Release", "blas_matmul.node"));
  const nativeTf = fs.existsSync(path.join(process.cwd(), "node_modules", "tfjs-node-native"));
  return [...(nativeTf ? ["native"] : []), ...(blasBuilt ? ["wasm+blas"] : []), "wasm", ...(blasBuilt ? ["cpu+blas"] : []), "cpu"];
}

function printTable(rows: BenchRow[], options: Options, backends: string[], haveReference: boolean): void {
  const header = ["model", ...(haveReference ? ["torch ms"] : []), ...backends.map((b) => `${b} ms`)];
  const lines = options.models.map((model) => {
    const cells = [model];
    const ref = rows.find((r) => r.model === model)?.referenceMsPerStep ?? null;
    if (haveReference) cells.push(ref === null ? "-" : ref.toFixed(1));
    for (const backend of backends) {
      const row = rows.find((r) => r.model === model && r.backend === backend);
      cells.push(row === undefined ? "skipped" : row.msPerStep.toFixed(1) + (row.ratio === null ? "" : ` (${row.ratio.toFixed(2)}x)`));
    }
    return cells;
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]): string => "| " + cells.map((c, i) => c.padEnd(widths[i])).join(" | ") + " |";
  console.log(fmt(header));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const l of lines) console.log(fmt(l));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseOptions(argv);
  const childIndex = argv.indexOf("--child");
  if (childIndex >= 0) {
    console.log(JSON.stringify(await runChild(argv[childIndex + 1], options)));
    return;
  }
  const backends = options.backends ?? availableBackends();
  const reference = runReference(options);
  const haveReference = typeof reference !== "string";
  if (!haveReference) console.log(`Reference: none — ${reference}; the ratio column is left out`);
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  for (const backend of backends) {
    let reported = false;
    for (const model of options.models) {
      const result = spawnChild(backend, childArgs(options, model));
      if (typeof result === "string") {
        notes.push(`${model} on ${backend}: failed (${result})`);
        continue;
      }
      if (!reported) console.log(`${backend}: ${result.report}`);
      reported = true;
      for (const s of result.skipped) notes.push(`${s.model} on ${backend} skipped: ${s.reason}`);
      for (const m of result.measured) {
        const ref = haveReference ? (reference[m.model] ?? null) : null;
        rows.push({
          model: m.model,
          backend,
          msPerStep: m.msPerStep,
          referenceMsPerStep: ref,
          ratio: ref === null ? null : m.msPerStep / ref,
        });
      }
    }
  }
  console.log(
    `\nms per train step, median of ${options.steps} after ≥ ${options.warmup} warm-up steps and ≥ ${WARMUP_SECONDS} s (ratio to PyTorch):`,
  );
  printTable(rows, options, backends, haveReference);
  for (const n of notes) console.log(`note: ${n}`);
  const out = path.join(process.cwd(), "build", "bench.json");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(rows, null, 2) + "\n");
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
