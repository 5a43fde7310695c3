/**
 * npm run train -- <model> [--steps N] [--out DIR] [--samples-only] [--sets a,b]
 *
 * Trains one of the course's longer-trained models (lib/pretrained.ts's RECIPES) from scratch
 * with the same lib code the notebooks use and saves the averaged weights and meta.json (recipe,
 * seed, steps, wall time, losses) to data/checkpoints/<model>/. Then it draws the sample sets of
 * lib/pretrained.ts's SAMPLE_SETS from the saved weights into <dir>/samples/ and stores their
 * measurements (the judge's class shares, accuracy, border frame) in meta.json.
 * `--samples-only` skips training; `--sets` draws only the named sets (two processes can draw
 * different sets side by side).
 */
import path from "node:path";
import fs from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { borderIntensity } from "../lib/metrics";
import { selectBackend } from "../lib/engine/backend";
import { writeFileAtomic } from "../lib/engine/checkpoint";
import { loadMnist } from "../lib/mnist";
import {
  checkpointDir,
  courseClassifier,
  drawSampleSet,
  loadCheckpoint,
  RECIPES,
  SAMPLE_SETS,
  measureSampleSets,
  saveCheckpoint,
  saveSampleSet,
  setLabels,
  trainRecipe,
} from "../lib/pretrained";
import { isTextModel, TEXT_MODELS, trainText } from "./train-text";

function usage(message: string): never {
  console.error(
    `${message}\nusage: npm run train -- <model> [--steps N] [--out DIR] [--samples-only] [--sets a,b]\nmodels: ${[...new Set([...Object.keys(RECIPES), ...TEXT_MODELS])].join(", ")}`,
  );
  process.exit(2);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (f: string) => {
    const i = args.indexOf(f);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const values = new Set(["--steps", "--out", "--sets"].map(flag));
  const name = args.find((a) => !a.startsWith("--") && !values.has(a));
  if (!name) usage("which model?");
  if (!RECIPES[name] && !isTextModel(name)) usage(`unknown model "${name}"`);
  const steps = flag("--steps") === undefined ? undefined : Number(flag("--steps"));
  if (steps !== undefined && !(Number.isInteger(steps) && steps >= 1)) usage(`--steps must be a whole number ≥ 1, got ${flag("--steps")}`);
  const dir = flag("--out") ?? checkpointDir(name);
  const wanted = flag("--sets")?.split(",");
  const unknown = wanted?.filter((w) => !SAMPLE_SETS.some((s) => s.name === w));
  if (unknown?.length) usage(`unknown sets ${unknown.join(", ")}; the sets are ${SAMPLE_SETS.map((s) => s.name).join(", ")}`);
  await selectBackend();
  if (isTextModel(name) && !RECIPES[name]) return trainText(name, steps, dir);
  if (!args.includes("--samples-only")) {
    const model = await trainRecipe(name, { steps, progress: true });
    const meta = await saveCheckpoint(model, dir);
    console.log(`saved ${dir}: ${meta.steps} steps in ${meta.seconds} s, final loss ${meta.finalLoss.toFixed(4)}`);
    model.dispose();
  }
  if (RECIPES[name].condition === "caption") return trainText(name, steps, dir); // its prompt sets: scripts/train-text.ts
  const { unet, schedule } = await loadCheckpoint(name, dir);
  for (const spec of SAMPLE_SETS.filter((s) => !wanted || wanted.includes(s.name))) {
    const start = Date.now();
    const images = drawSampleSet(unet, schedule, spec);
    const seconds = Math.round((Date.now() - start) / 1000);
    saveSampleSet(dir, { ...spec, labels: setLabels(spec), images, seconds });
    images.dispose();
    console.log(`${spec.name}: ${spec.n} samples in ${seconds} s`);
  }
  unet.dispose();
  // Measure every stored set; meta.json is re-read so that two processes do not overwrite each other's sets.
  const mnist = loadMnist({ side: RECIPES[name].side });
  const classifier = await courseClassifier(mnist);
  const realBorder = borderIntensity(mnist.test.images as tf.Tensor2D, RECIPES[name].side);
  const metrics = { realBorder, ...measureSampleSets(dir, classifier, realBorder) };
  const metaFile = path.join(dir, "meta.json");
  writeFileAtomic(metaFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(metaFile, "utf8")), metrics }, null, 2) + "\n");
  console.log(JSON.stringify(metrics, null, 1));
  classifier.dispose();
  mnist.dispose();
  console.log("live tensors:", tf.memory().numTensors);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
