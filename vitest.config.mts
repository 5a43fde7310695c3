import { defineConfig } from "vitest/config";

// One `vitest run` runs every project and ends with one summary line.
//   lib-wasm, lib-cpu   the lib tests on both fallback backends (GENAI_BACKEND), with the BLAS
//                       addon when it is built
//   lib-wasm-no-addon   the lib tests on wasm without the addon (GENAI_BLAS=off)
//   exercises           checks pass on solutions/, fail on exercises/ and on typical mistakes
//   browser             lib/plot.ts figures drawn offline in headless Chromium
//   course              the hand-kept stage lists and lib's back-links agree (no kernel, a second)
//   checkpoints         every shipped checkpoint loads, redraws its stored samples and meets its targets
//   notebooks           every notebook executed through Jupyter (nbconvert, with the addon when it is built), the
//                       browser checks of its exports, the kernel's protocol, and every notebook run again through
//                       JupyterLab's UI on wasm alone (GENAI_BLAS=off), as on a computer without a C compiler
// `extends: true` lets every project inherit the timeouts below.
// the lib projects select their backend once per file (GENAI_BACKEND), see the file
const SETUP = "tests/helpers/setup-backend.ts";

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 300_000,
    projects: [
      {
        extends: true,
        test: { name: "lib-wasm", include: ["tests/lib/**/*.test.ts"], setupFiles: [SETUP], env: { GENAI_BACKEND: "wasm" } },
      },
      { extends: true, test: { name: "lib-cpu", include: ["tests/lib/**/*.test.ts"], setupFiles: [SETUP], env: { GENAI_BACKEND: "cpu" } } },
      // what a learner without a C compiler or OpenBLAS runs: wasm and the course's kernels, no addon
      {
        extends: true,
        test: {
          name: "lib-wasm-no-addon",
          include: ["tests/lib/**/*.test.ts"],
          setupFiles: [SETUP],
          env: { GENAI_BACKEND: "wasm", GENAI_BLAS: "off" },
        },
      },
      { extends: true, test: { name: "exercises", include: ["tests/exercises/**/*.test.ts"], testTimeout: 300_000 } },
      { extends: true, test: { name: "browser", include: ["tests/browser/**/*.test.ts"], testTimeout: 120_000 } },
      { extends: true, test: { name: "course", include: ["tests/course/**/*.test.ts"] } },
      { extends: true, test: { name: "checkpoints", include: ["tests/checkpoints/**/*.test.ts"], testTimeout: 600_000 } },
      {
        extends: true,
        // one file at a time: the kernel stress test loads the CPU on purpose, the notebooks are timed
        test: {
          name: "notebooks",
          include: ["tests/notebooks/**/*.test.ts"],
          testTimeout: 1_800_000,
          hookTimeout: 1_800_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
