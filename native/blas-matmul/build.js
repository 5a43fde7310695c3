// Builds the addon with node-gyp (bundled with npm) and the system's OpenBLAS. Optional: when
// it cannot build (no compiler, no libopenblas-dev, no Node headers) it says why and exits 0,
// and the course keeps using tfjs's own kernels.
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
    "/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js",
    "/usr/share/nodejs/node-gyp/bin/node-gyp.js",
  ];
  return candidates.find((p) => p && fs.existsSync(p));
}

const gyp = findNodeGyp();
if (!gyp) {
  console.log("genai-blas-matmul: node-gyp not found; skipping the optional BLAS addon");
  process.exit(0);
}
const args = [gyp, "rebuild"];
// Distribution Node (e.g. Debian's) ships its headers in /usr/include/node: use them, offline.
if (fs.existsSync(path.join(path.dirname(process.execPath), "..", "include", "node", "node_api.h"))) {
  args.push(`--nodedir=${path.join(path.dirname(process.execPath), "..")}`);
}
const r = spawnSync(process.execPath, args, { cwd: __dirname, stdio: "inherit" });
if (r.status !== 0) {
  console.log(
    "genai-blas-matmul: could not build the optional BLAS addon (needs a C compiler and libopenblas-dev);" +
      " the course will use tfjs's own matMul kernels",
  );
}
process.exit(0);
