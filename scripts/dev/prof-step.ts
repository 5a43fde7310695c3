// Where a bench model's train step spends its time, by kernel: `npx tsx scripts/dev/prof-step.ts lstm-poems`
// (GENAI_BLAS=off for wasm alone). Warm-up steps first, then tf.profile over a few steps.
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../lib/engine/backend";
import { MODELS } from "../../bench/models";

(async () => {
  await selectBackend({ prefer: "wasm" });
  const name = process.argv[2];
  const model = MODELS.find((m) => m.name === name);
  if (!model) throw new Error(`unknown model ${name}; known: ${MODELS.map((m) => m.name).join(", ")}`);
  const run = model.create();
  for (let i = 0; i < 15; i++) run.step().dispose();
  const steps = 5;
  const t0 = performance.now();
  const prof = await tf.profile(() => {
    for (let i = 0; i < steps; i++) run.step().dispose();
  });
  const wall = (performance.now() - t0) / steps;
  const by: Record<string, { ms: number; n: number }> = {};
  for (const k of prof.kernels) {
    const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
    by[key] ??= { ms: 0, n: 0 };
    by[key].ms += (k.kernelTimeMs as number) / steps;
    by[key].n += 1 / steps;
  }
  const byName: Record<string, number> = {};
  for (const k of prof.kernels) byName[k.name] = (byName[k.name] ?? 0) + (k.kernelTimeMs as number) / steps;
  const total = Object.values(byName).reduce((a, b) => a + b, 0);
  console.log(
    `${name}: ${prof.kernels.length / steps} kernels/step, kernel time ${total.toFixed(1)} ms of ${wall.toFixed(1)} ms (profiled)`,
  );
  for (const [k, v] of Object.entries(byName)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 14))
    console.log(`  ${k.padEnd(28)} ${v.toFixed(1)}`);
  console.log("top kernel calls:");
  for (const [k, v] of Object.entries(by)
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, 14))
    console.log(`  ${v.ms.toFixed(1).padStart(6)} ms ×${v.n.toFixed(0)} ${k}`);
  run.dispose();
})();
