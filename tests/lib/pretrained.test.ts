// lib/pretrained.ts: the weight average against its closed form, checkpoint and sample-set round
// trips, drawing the first rows of a set reproduces the set's rows, sampleQuality by hand, leaks.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterEach, describe, expect, it } from "vitest";
import { createDigitClassifier } from "../../lib/classifier";
import { linearSchedule } from "../../lib/diffusion";
import {
  drawSampleSet,
  loadSampleSet,
  RECIPES,
  sampleQuality,
  saveSampleSet,
  setLabels,
  weightAverage,
  type SampleSetSpec,
} from "../../lib/pretrained";
import { seed, unseed } from "../../lib/random";
import { createUNet } from "../../lib/unet";
import { expectClose } from "../helpers/close";
import { expectNoLeak } from "../helpers/leak";

afterEach(() => unseed());

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "pretrained-"));

describe("weightAverage", () => {
  it("θ̄ ← d·θ̄ + (1 − d)·θ with d = min(decay, (1 + n)/(10 + n)), by hand", () => {
    const v = tf.variable(tf.tensor1d([0]));
    const ema = weightAverage([v], 0.5);
    let byHand = 0;
    for (let n = 0; n < 4; n++) {
      v.assign(tf.tensor1d([n + 1]));
      ema.update();
      const d = Math.min(0.5, (1 + n) / (10 + n));
      byHand = d * byHand + (1 - d) * (n + 1);
    }
    expectClose(ema.average[0].dataSync()[0], byHand, { rtol: 1e-6 });
    expect(() => weightAverage([v], 1)).toThrow(/decay must be in \[0, 1\)/);
    ema.dispose();
    v.dispose();
  });
});

describe("sample sets", () => {
  it("a stored set comes back to within 1/255, with its spec and labels", () => {
    const dir = tmp();
    const images = tf.tensor2d([0, 0.5, 1, 0.2, 0.3, 0.9, 0.01, 0.99], [2, 4]);
    const spec: SampleSetSpec = { name: "t", n: 2, sampler: "ddim", steps: 5, w: 2, seed: 3 };
    saveSampleSet(dir, { ...spec, labels: setLabels(spec), images, seconds: 1 });
    const back = loadSampleSet(dir, "t");
    expect(back.labels).toEqual([0, 1]);
    expect(back.w).toBe(2);
    expect(tf.max(tf.abs(back.images.sub(images))).dataSync()[0]).toBeLessThanOrEqual(0.5 / 255 + 1e-7);
    expect(() => loadSampleSet(dir, "missing")).toThrow(/no sample set "missing"/);
    tf.dispose([images, back.images]);
  });

  it("drawing the first rows of a set gives the set's first rows (same x_T rows), in [0, 1], without leaks", () => {
    seed(1);
    const unet = createUNet({ side: 4, channels: [8], groups: 4, classes: 10 });
    for (const v of unet.variables) if (v.shape.length === 4) tf.tidy(() => v.assign(tf.randomNormal(v.shape, 0, 0.2))); // not the zero start
    const schedule = linearSchedule(20);
    const spec: SampleSetSpec = { name: "x", n: 6, sampler: "ddim", steps: 5, w: 2, seed: 4 };
    const all = expectNoLeak(() => drawSampleSet(unet, schedule, spec), 1);
    const first = drawSampleSet(unet, schedule, spec, 2);
    expect(first.shape).toEqual([2, 16]);
    expectClose(Array.from(first.dataSync()), Array.from(all.slice([0, 0], [2, 16]).dataSync()), { atol: 1e-5 });
    expect(tf.min(all).dataSync()[0]).toBeGreaterThanOrEqual(0);
    expect(tf.max(all).dataSync()[0]).toBeLessThanOrEqual(1);
    const ancestral = drawSampleSet(unet, schedule, { ...spec, sampler: "ancestral", steps: 20, w: null });
    expect(ancestral.shape).toEqual([6, 16]);
    tf.dispose([all, first, ancestral]);
    unet.dispose();
  });
});

describe("sampleQuality", () => {
  it("class shares, accuracy and the border frame, by hand", () => {
    seed(2);
    const clf = createDigitClassifier({ inputDim: 36 });
    // Images of side 6: the 2-pixel frame is 36 − 4 = 32 pixels.
    const images = tf.tidy(() => tf.concat([tf.ones([1, 36]), tf.zeros([1, 36])]) as tf.Tensor2D);
    const predicted = Array.from(clf.predict(images).dataSync());
    const q = sampleQuality(clf, images, 0.25, [predicted[0], (predicted[1] + 1) % 10]);
    expect(q.n).toBe(2);
    expect(q.accuracy).toBe(0.5);
    expectClose(q.border, 0.5, { atol: 1e-6 }); // one all-white image, one black: frame mean ½
    expectClose(q.borderRatio, 2, { atol: 1e-5 });
    expect(q.shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    expect(q.shares[predicted[0]]).toBeGreaterThanOrEqual(0.5);
    tf.dispose(images);
    clf.dispose();
  });

  it("the recipe's U-Net fits its side", () => {
    for (const r of Object.values(RECIPES)) expect(r.unet.side).toBe(r.side);
  });
});
