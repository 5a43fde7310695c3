#!/usr/bin/env node
// Registers the course's TypeScript kernel ("genai-ts") with Jupyter for this checkout.
//
// No global install: the kernel spec points at this checkout's node and scripts/kernel.cjs,
// and goes into the user's Jupyter kernel folder through `jupyter kernelspec install --user`,
// so it lands wherever this Jupyter looks (Linux, macOS, Windows alike). Run again after
// moving the checkout. `--prefix DIR` installs under DIR/share/jupyter/kernels instead.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const KERNEL_NAME = "genai-ts";
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The command that runs Jupyter here, or null with the reason. */
export function findJupyter() {
  const r = spawnSync("jupyter", ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return null;
  return "jupyter";
}

export function registerKernel({ prefix } = {}) {
  if (!findJupyter()) {
    throw new Error(
      "Jupyter was not found on PATH. Install it first, then run this again:\n" +
        "  pip install jupyterlab            (any OS)\n" +
        "  sudo apt-get install jupyter-notebook python3-nbconvert   (Debian/Ubuntu)",
    );
  }
  const dir = mkdtempSync(path.join(tmpdir(), "genai-ts-kernel-"));
  const spec = {
    argv: [process.execPath, path.join(root, "scripts", "kernel.cjs"), "kernel", "--config-path", "{connection_file}"],
    display_name: "TypeScript (GenAI course)",
    language: "typescript",
  };
  writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(spec, null, 2));
  const where = prefix ? ["--prefix", prefix] : ["--user"];
  const r = spawnSync("jupyter", ["kernelspec", "install", ...where, "--name", KERNEL_NAME, "--replace", dir], {
    encoding: "utf8",
  });
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`jupyter kernelspec install failed:\n${r.stderr}`);
  return { name: KERNEL_NAME, spec };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const i = process.argv.indexOf("--prefix");
  try {
    const { name } = registerKernel({ prefix: i > 0 ? process.argv[i + 1] : undefined });
    console.log(`Registered the Jupyter kernel "${name}" (TypeScript, tslab) for ${root}`);
  } catch (e) {
    console.error(String(e instanceof Error ? e.message : e));
    process.exit(1);
  }
}
