// Does the U-Net's grey haze (notebook 06: the border frame's faint pixels) shrink with training?
// Trains the diffusion-digits recipe for 1,000 and 2,000 steps (the first steps of the same seeded run
// `npm run train` makes, with the moving average of the weights), loads the shipped 4,000-step
// checkpoint, and measures 300 unconditional DDIM-50 samples of each from the same x_T:
// `npx tsx scripts/dev/haze-vs-steps.ts` (about 15 minutes with the addon on 2 cores).
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../lib/engine/backend";
import { loadMnist } from "../../lib/mnist";
import { borderParts } from "../../lib/metrics";
import { drawSampleSet, loadCheckpoint, trainRecipe, type SampleSetSpec } from "../../lib/pretrained";
import type { UNet } from "../../lib/unet";
import type { Schedule } from "../../lib/diffusion";

(async () => {
  await selectBackend();
  const spec: SampleSetSpec = { name: "haze", n: 300, sampler: "ddim", steps: 50, w: null, seed: 0 };
  const mnist = loadMnist({ side: 14 });
  const real = borderParts(mnist.test.images as tf.Tensor2D, 14);
  console.log(
    `real test digits: border ${real.total.toFixed(4)} (haze ${real.haze.toFixed(4)}, strokes ${real.strokes.toFixed(4)}); target ≤ ${(1.5 * real.total).toFixed(4)}`,
  );
  const measure = (label: string, unet: UNet, schedule: Schedule, loss?: number) => {
    const images = drawSampleSet(unet, schedule, spec);
    const b = borderParts(images, 14);
    images.dispose();
    const lossText = loss === undefined ? "" : `, loss (last 500) ${loss.toFixed(4)}`;
    console.log(
      `${label}: border ${b.total.toFixed(4)} = ${(b.total / real.total).toFixed(2)}× real (haze ${b.haze.toFixed(4)}, strokes ${b.strokes.toFixed(4)})${lossText}`,
    );
  };
  for (const steps of [1000, 2000]) {
    const model = await trainRecipe("diffusion-digits", { steps, progress: false });
    const tail = model.losses.slice(-500);
    measure(`${steps} steps (${model.seconds.toFixed(0)} s)`, model.unet, model.schedule, tail.reduce((a, b) => a + b, 0) / tail.length);
    model.dispose();
  }
  const shipped = await loadCheckpoint("diffusion-digits");
  measure(`4000 steps (the shipped checkpoint)`, shipped.unet, shipped.schedule, shipped.meta.finalLoss);
  shipped.unet.dispose();
  mnist.dispose();
})();
