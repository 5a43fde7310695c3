import { defineConfig } from "vitest/config";

// One `vitest run` runs every project and ends with one summary line.
//   lib-wasm, lib-cpu   the lib tests on both fallback backends (GENAI_BACKEND)
//   exercises           checks pass on solutions/, fail on exercises/ and on typical mistakes
//   notebooks           every notebook executed through Jupyter, then the browser check
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { test: { name: "lib-wasm", include: ["tests/lib/**/*.test.ts"], env: { GENAI_BACKEND: "wasm" } } },
      { test: { name: "lib-cpu", include: ["tests/lib/**/*.test.ts"], env: { GENAI_BACKEND: "cpu" } } },
      { test: { name: "exercises", include: ["tests/exercises/**/*.test.ts"], testTimeout: 300_000 } },
      {
        test: {
          name: "notebooks",
          include: ["tests/notebooks/**/*.test.ts"],
          testTimeout: 1_800_000,
          hookTimeout: 1_800_000,
        },
      },
    ],
  },
});
