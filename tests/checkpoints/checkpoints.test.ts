// Every shipped checkpoint (data/checkpoints/<model>/) still does what the notebooks say, with the
// current code: its weights load into the recipe's network; the first rows of every stored DDIM
// sample set redraw to the stored bytes; and the stored sets meet the targets that notebooks 06
// and 07 print (judged by the course's digit classifier, retrained here if build/ has none).
import fs from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { selectBackend } from "../../lib/engine/backend";
import { borderIntensity } from "../../lib/metrics";
import { loadMnist } from "../../lib/mnist";
import {
  checkpointDir,
  courseClassifier,
  drawSampleSet,
  loadCheckpoint,
  loadSampleSet,
  RECIPES,
  SAMPLE_SETS,
  measureSampleSets,
} from "../../lib/pretrained";

// The class-conditional recipes (stage 6–7); the caption-conditioned one is stage 8's, tested in text-checkpoints.test.ts.
const shipped = Object.keys(RECIPES).filter(
  (name) => RECIPES[name].condition !== "caption" && fs.existsSync(`${checkpointDir(name)}/meta.json`),
);

beforeAll(async () => {
  await selectBackend({ quiet: true });
});

describe.each(shipped)("checkpoint %s", (name) => {
  const dir = checkpointDir(name);

  it("loads, and the first 16 rows of every stored DDIM set redraw to the stored bytes", async () => {
    const { unet, schedule, meta } = await loadCheckpoint(name);
    expect(meta.recipe).toEqual(RECIPES[name]); // the weights were made by today's recipe
    for (const spec of SAMPLE_SETS.filter((s) => s.sampler === "ddim")) {
      const stored = loadSampleSet(dir, spec.name);
      const again = drawSampleSet(unet, schedule, spec, 16);
      const gap = tf.tidy(() => tf.max(tf.abs(again.sub(stored.images.slice([0, 0], [16, stored.images.shape[1]])))).dataSync()[0]);
      expect(gap, `${spec.name}: max |redrawn − stored|`).toBeLessThan(0.02); // bytes round to 1/510; float rounding differs by batch size
      tf.dispose([again, stored.images]);
    }
    unet.dispose();
  });

  // Issue 14's targets. Met by the shipped checkpoint: guided ≥ 90 % at w = 2; DDIM-50 within 5 points of
  // ancestral. Not met yet (reported in notebook 06 and the closing note, not lowered): every class in
  // 5–15 % (one seed has a class at 15.5 %) and the border frame ≤ 1.5× real (1.6–2.0×). For those two
  // the test guards the shipped numbers against regressions.
  it("meets its targets: guided ≥ 90 % at w = 2, DDIM-50 close to ancestral; classes and border no worse than shipped", async () => {
    const mnist = loadMnist({ side: RECIPES[name].side });
    const judge = await courseClassifier(mnist);
    const realBorder = borderIntensity(mnist.test.images as tf.Tensor2D, RECIPES[name].side);
    const quality = measureSampleSets(dir, judge, realBorder);
    for (const spec of SAMPLE_SETS)
      expect(quality[spec.name]?.n, `${spec.name}: samples stored`).toBeGreaterThanOrEqual(spec.sampler === "ddim" ? 1000 : 200);
    for (const [set, q] of Object.entries(quality)) {
      expect(q.borderRatio, `${set}: border frame / real (target 1.5, shipped 1.6–2.0)`).toBeLessThanOrEqual(2.2);
      if (set.startsWith("unconditional")) {
        for (const [c, s] of q.shares.entries()) {
          expect(s, `${set}: share of class ${c} (target 5–15 %)`).toBeGreaterThanOrEqual(0.04);
          expect(s, `${set}: share of class ${c} (target 5–15 %)`).toBeLessThanOrEqual(0.17);
        }
      } else if (set.startsWith("guided-w2")) {
        expect(q.accuracy, `${set}: requested digit drawn (target ≥ 90 % at w = 2)`).toBeGreaterThanOrEqual(0.9);
      } else {
        expect(q.accuracy, `${set}: requested digit drawn with the label alone (no target; shipped ≈ 0.89)`).toBeGreaterThanOrEqual(0.8);
      }
    }
    const ddim = quality["unconditional-ddim50-seed0"];
    const ancestral = quality["unconditional-ancestral-seed0"];
    const gap = Math.max(...ddim.shares.map((s, c) => Math.abs(s - ancestral.shares[c])));
    expect(gap, "largest class-share difference, DDIM-50 against ancestral").toBeLessThanOrEqual(0.05);
    judge.dispose();
    mnist.dispose();
  });
});

it("ships at least one checkpoint", () => {
  expect(shipped.length).toBeGreaterThan(0);
});
