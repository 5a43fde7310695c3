#!/usr/bin/env node
// `npm start`: registers the course kernel for this checkout, then opens the course in
// JupyterLab, or in classic Jupyter Notebook where that is what is installed.
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findJupyter, registerKernel } from "./setup.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const first = path.join("notebooks", "00-orientation.ipynb");

if (!findJupyter()) {
  console.error(
    "Jupyter is not installed (no `jupyter` command on PATH). Install one of:\n" +
      "  pip install jupyterlab                      (recommended, any OS)\n" +
      "  sudo apt-get install jupyter-notebook jupyter-nbconvert   (Debian/Ubuntu: classic Notebook)\n" +
      "then run `npm start` again.",
  );
  process.exit(1);
}
const { name } = registerKernel();
console.log(`Kernel "${name}" registered for ${root}.`);

const has = (sub) => spawnSync("jupyter", [sub, "--version"], { encoding: "utf8" }).status === 0;
const app = has("lab") ? "lab" : has("notebook") ? "notebook" : null;
if (!app) {
  console.error("Found `jupyter` but neither JupyterLab nor classic Notebook: `pip install jupyterlab`.");
  process.exit(1);
}
console.log(`Opening ${first} in Jupyter ${app === "lab" ? "Lab" : "Notebook"} (Ctrl+C twice to stop).`);
const child = spawn("jupyter", [app, first, ...process.argv.slice(2)], { cwd: root, stdio: "inherit" });
child.on("exit", (code) => process.exit(code ?? 0));
