#!/usr/bin/env node
// The course's Jupyter kernel: tslab, started from the course root.
//
// tslab compiles imported .ts files itself, but only below its working directory (its
// TypeScript rootDir is process.cwd()), and Jupyter starts a kernel in the notebook's own
// folder. Starting tslab from the course root lets every notebook import the ONE copy of
// lib/ and exercises/ as `./lib/...` and `./exercises/...`, and read `data/...`, the same
// way in JupyterLab, classic Notebook and nbconvert.
const path = require("path");

const root = path.resolve(__dirname, "..");
process.chdir(root);
// tslab reads its own command line: `kernel --config-path <connection file>`.
require(path.join(root, "node_modules", "tslab", "dist", "main.js")).main();
