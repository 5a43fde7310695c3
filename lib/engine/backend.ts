/**
 * Backend selection: which engine runs the course's tensors.
 *
 *   native  `@tensorflow/tfjs-node` (libtensorflow, multi-threaded). An optional install: it
 *           downloads libtensorflow at install time, which fails offline and on some systems.
 *           Installed under the alias `tfjs-node-native`, so the real package is never
 *           confused with the pure-JS stand-in that danfojs-node is given under its own name.
 *   wasm    `@tensorflow/tfjs-backend-wasm` (XNNPACK, SIMD, one thread in Node). The fallback.
 *   cpu     `@tensorflow/tfjs` pure JavaScript. Always there; slowest.
 *
 * Order: native → wasm → cpu, chosen once per process. Kernels a backend lacks, and slow paths
 * in it, are patched in lib/engine/kernels.ts so every course model trains on whichever is active.
 * The environment variable GENAI_BACKEND (native | wasm | cpu) forces a choice (tests use it).
 */
import * as tf from "@tensorflow/tfjs";
import { createRequire } from "node:module";
import path from "node:path";
import { addonInstallHint } from "./addon-hint";
import { courseKernelsInfo, registerCourseKernels } from "./kernels";

export type BackendName = "native" | "wasm" | "cpu";

/** The tfjs registry name of each course backend. */
const TFJS_NAME: Record<BackendName, string> = { native: "tensorflow", wasm: "wasm", cpu: "cpu" };

export interface BackendChoice {
  /** The course's name for the backend. */
  name: BackendName;
  /** tfjs's name for it (`tf.getBackend()`). */
  tfjsName: string;
  /** One line: what is active and why the faster ones are not. */
  report: string;
}

export interface SelectBackendOptions {
  /** Force a backend; default: the GENAI_BACKEND environment variable, else "auto". */
  prefer?: BackendName | "auto";
  /** Do not print the report line (default false: print it once). */
  quiet?: boolean;
}

let current: Promise<BackendChoice> | null = null;
let currentPrefer: string | null = null;

/** Loads `tfjs-node-native`; returns null and the reason when it is not installed or fails. */
function loadNative(): string | null {
  try {
    // Resolved from the course root, where node_modules lives (every course process runs there).
    const req = createRequire(path.join(process.cwd(), "package.json"));
    req("tfjs-node-native");
    return null;
  } catch (e) {
    const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
    return /Cannot find module 'tfjs-node-native'/.test(msg)
      ? "native TensorFlow (@tensorflow/tfjs-node) is not installed"
      : `native TensorFlow failed to load (${msg})`;
  }
}

/**
 * tfjs's cpu backend prints a banner advertising tfjs-node on its first use (the wasm backend
 * uses it too); our one-line report already says which backend runs and why.
 */
function silenceCpuAdvert(): void {
  const cpu = tf.findBackend("cpu") as unknown as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
}

async function trySet(name: BackendName): Promise<boolean> {
  try {
    return await tf.setBackend(TFJS_NAME[name]);
  } catch {
    return false;
  }
}

async function choose(prefer: BackendName | "auto"): Promise<BackendChoice> {
  const why: string[] = [];
  const order: BackendName[] = prefer === "auto" ? ["native", "wasm", "cpu"] : [prefer];
  for (const name of order) {
    if (name === "native") {
      const err = loadNative();
      if (err) {
        why.push(err);
        continue;
      }
    }
    if (name === "wasm") {
      await import("@tensorflow/tfjs-backend-wasm");
    }
    if (await trySet(name)) {
      await tf.ready();
      silenceCpuAdvert();
      registerCourseKernels(TFJS_NAME[name]);
      const blas = name === "native" ? "" : addonPart(courseKernelsInfo());
      const detail =
        {
          native: "native TensorFlow, multi-threaded",
          wasm: "WebAssembly SIMD via XNNPACK, 1 thread",
          cpu: "pure JavaScript, the slowest",
        }[name] + blas;
      const reason = prefer !== "auto" ? "chosen explicitly" + (process.env.GENAI_BACKEND ? " by GENAI_BACKEND" : "") : why.join("; ");
      return {
        name,
        tfjsName: TFJS_NAME[name],
        report: `Backend: ${name} (${detail})` + (reason ? ` — ${reason}` : ""),
      };
    }
    why.push(`the ${name} backend did not initialise`);
  }
  throw new Error(`No tfjs backend could be started: ${why.join("; ")}`);
}

/**
 * The addon's part of the report line on wasm and cpu: "matMul through OpenBLAS" (or Accelerate)
 * when it runs; otherwise that it is off, or missing and the one command that builds it here.
 */
export function addonPart(info: { blas: boolean; blasOff: boolean }): string {
  if (info.blas) return process.platform === "darwin" ? "; matMul through Accelerate" : "; matMul through OpenBLAS";
  if (info.blasOff) return "; BLAS addon off (GENAI_BLAS=off)";
  return `; no BLAS addon, for a faster course: ${addonInstallHint()}`;
}

function preferFromEnv(): BackendName | "auto" {
  const env = process.env.GENAI_BACKEND;
  if (env === undefined || env === "" || env === "auto") return "auto";
  if (env === "native" || env === "wasm" || env === "cpu") return env;
  throw new Error(`GENAI_BACKEND must be one of native, wasm, cpu or auto; got "${env}"`);
}

/**
 * Chooses and activates the backend (once per process; later calls return the same choice
 * unless `prefer` asks for a different one) and prints a one-line report of what is active.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendChoice> {
  const prefer = options.prefer ?? preferFromEnv();
  if (!["auto", "native", "wasm", "cpu"].includes(prefer)) {
    throw new Error(`selectBackend: prefer must be "auto", "native", "wasm" or "cpu"; got "${prefer}"`);
  }
  if (current === null || currentPrefer !== prefer) {
    currentPrefer = prefer;
    current = choose(prefer);
    const choice = await current;
    if (!options.quiet) console.log(choice.report);
    return choice;
  }
  return current;
}
