/**
 * npm run train -- <model> [--steps N] [--out DIR] [--evaluate-only] [--n N] [--n-ancestral N]
 *
 * Trains one of the course's longer-trained models (lib/pretrained.ts's RECIPES) from scratch
 * with the same lib code the notebooks use, saves the averaged weights and meta.json (recipe,
 * seed, steps, wall time, losses) to data/checkpoints/<model>/, then measures the samples
 * (lib/pretrained.ts's evaluateCheckpoint) and stores the numbers in meta.json too.
 * `--evaluate-only` re-measures an existing checkpoint without training.
 */
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../lib/engine/backend";
import { checkpointDir, evaluateCheckpoint, loadCheckpoint, RECIPES, saveCheckpoint, trainRecipe } from "../lib/pretrained";
import { writeFileAtomic } from "../lib/engine/checkpoint";
import path from "node:path";

function usage(message: string): never {
  console.error(
    `${message}\nusage: npm run train -- <model> [--steps N] [--out DIR] [--evaluate-only]\nmodels: ${Object.keys(RECIPES).join(", ")}`,
  );
  process.exit(2);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const name = args.find((a) => !a.startsWith("--") && !/^\d+$/.test(a));
  if (!name) usage("which model?");
  if (!RECIPES[name]) usage(`unknown model "${name}"`);
  const flag = (f: string) => {
    const i = args.indexOf(f);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const steps = flag("--steps") === undefined ? undefined : Number(flag("--steps"));
  if (steps !== undefined && !(Number.isInteger(steps) && steps >= 1)) usage(`--steps must be a whole number ≥ 1, got ${flag("--steps")}`);
  const dir = flag("--out") ?? checkpointDir(name);
  await selectBackend();
  if (!args.includes("--evaluate-only")) {
    const model = await trainRecipe(name, { steps, progress: true });
    const meta = await saveCheckpoint(model, dir);
    console.log(`saved ${dir}: ${meta.steps} steps in ${meta.seconds} s, final loss ${meta.finalLoss.toFixed(4)}`);
    model.dispose();
  }
  const { unet, schedule, meta } = await loadCheckpoint(name, dir);
  const count = (f: string) => (flag(f) === undefined ? undefined : Number(flag(f)));
  const metrics = await evaluateCheckpoint(unet, schedule, { n: count("--n"), nAncestral: count("--n-ancestral"), log: console.log });
  writeFileAtomic(path.join(dir, "meta.json"), JSON.stringify({ ...meta, metrics }, null, 2) + "\n");
  console.log(JSON.stringify(metrics, null, 2));
  unet.dispose();
  console.log("live tensors:", tf.memory().numTensors);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
