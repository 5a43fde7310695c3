// Stage 8's shipped checkpoints (data/checkpoints/{vq-digits, prior-digits, clip-digits, text-diffusion-digits})
// still do what notebook 08 says, with the current code: each loads into today's recipe; its
// measurements, recomputed now, match meta.json; the diffusion route's stored prompt images redraw from the
// weights; and the prompt-fidelity numbers the notebook prints hold (the targets where they are met,
// the shipped numbers as a floor where they are not).
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_SPECS, caption, CAPTION_LENGTH, encodeCaption, isHeldOut, promptFidelity } from "../../lib/captions";
import { clipScore, rerank, zeroShotClassify } from "../../lib/contrastive";
import { selectBackend } from "../../lib/engine/backend";
import { checkpointDir, courseClassifier, loadCheckpoint, loadSampleSet, RECIPES } from "../../lib/pretrained";
import {
  bitsPerImageToken,
  captionedMnist,
  drawFromDiffusion,
  drawFromPrior,
  loadJudge,
  loadPrior,
  loadTokenizer,
  promptBatch,
  TEXT_DIFFUSION_SETS,
  TEXT_RECIPES,
  tokenizeAll,
  type CaptionedMnist,
} from "../../lib/text-recipes";
import type { DigitClassifier } from "../../lib/classifier";

let data: CaptionedMnist;
let judge: DigitClassifier;
let testImages: tf.Tensor2D;
let testSpecs: CaptionedMnist["test"]["specs"];

beforeAll(async () => {
  await selectBackend({ quiet: true });
  data = captionedMnist();
  judge = await courseClassifier(data.mnist);
  testImages = tf.gather(data.mnist.test.images as tf.Tensor2D, data.test.seen) as tf.Tensor2D;
  testSpecs = data.test.seen.map((i) => data.test.specs[i]);
});

afterAll(() => {
  tf.dispose(testImages);
  judge.dispose();
  data.dispose();
});

const classesOf = (images: tf.Tensor2D) => {
  const p = judge.predict(images);
  const out = p.dataSync();
  p.dispose();
  return out;
};

describe("stage 8 checkpoints", () => {
  it("vq-digits: today's recipe; perplexity, test error and what reconstructions keep match meta.json", async () => {
    const { model: vq, meta } = await loadTokenizer();
    expect(meta.recipe).toEqual(TEXT_RECIPES["vq-digits"]);
    const recon = tf.tidy(() => vq.decodeCodes(vq.tokenize(testImages)));
    const mse = tf.tidy(() => tf.mean(tf.squaredDifference(recon, testImages)).dataSync()[0]);
    const kept = promptFidelity(recon, testSpecs, classesOf(recon), data.train.buckets);
    const shipped = meta.metrics.reconstructionsKeep as typeof kept;
    expect(mse).toBeCloseTo(meta.metrics.testMSE as number, 4);
    expect(kept.classRate).toBeCloseTo(shipped.classRate, 2);
    expect(kept.thicknessRate).toBeCloseTo(shipped.thicknessRate, 2);
    expect(kept.classRate, "a reconstruction keeps its class").toBeGreaterThanOrEqual(0.93);
    expect(meta.metrics.perplexity as number, "codes in use (of 64)").toBeGreaterThanOrEqual(30);
    tf.dispose(recon);
    vq.dispose();
  });

  // Issue 16's targets on seen prompts: class ≥ 90 %, thickness and slant ≥ 70 %. Met by the prior with CLIP
  // reranking (best of 6 at temperature 0.7, as notebook 08 draws them: 91.8, 76.5, 96.5 %); its raw samples
  // (86.5, 59.8, 83.1 %) and the diffusion route (87.4, 78.4, 91.8 %) miss the class target and are held at
  // the shipped numbers, less 2 points for float differences between backends.
  it("prior-digits: today's recipe; test bits per image token as shipped; reranked samples meet the targets", async () => {
    const { model: vq } = await loadTokenizer();
    const { model: prior, meta } = await loadPrior(vq);
    expect(meta.recipe).toEqual(TEXT_RECIPES["prior-digits"]);
    const codes = tokenizeAll(vq, testImages);
    const captions = tf.tensor2d(
      testSpecs.flatMap((s) => encodeCaption(caption(s, 0))),
      [testSpecs.length, CAPTION_LENGTH],
      "int32",
    );
    const bits = bitsPerImageToken(prior, captions, codes);
    expect(bits).toBeCloseTo(meta.metrics.testBitsPerImageToken as number, 3);
    expect(bits, "well below uniform (6 bits)").toBeLessThan(3);
    const batch = promptBatch(ALL_SPECS, 6, 0);
    const images = drawFromPrior(prior, vq, batch.captions, { seed: 80, temperature: 0.7 });
    const { model: clip } = await loadJudge();
    const best = rerank(clipScore(clip, images, batch.captions), 6, 1).filter((i) => !isHeldOut(batch.specs[i]));
    const seenRows = batch.specs.flatMap((s, i) => (isHeldOut(s) ? [] : [i]));
    const fidelityOf = (rows: number[]) => {
      const some = tf.gather(images, rows) as tf.Tensor2D;
      const f = promptFidelity(
        some,
        rows.map((i) => batch.specs[i]),
        classesOf(some),
        data.train.buckets,
      );
      some.dispose();
      return f;
    };
    const raw = fidelityOf(seenRows);
    const reranked = fidelityOf(best);
    expect(reranked.classRate, "reranked: class (target 90 %)").toBeGreaterThanOrEqual(0.9);
    expect(reranked.thicknessRate, "reranked: thickness (target 70 %)").toBeGreaterThanOrEqual(0.7);
    expect(reranked.slantRate, "reranked: slant (target 70 %)").toBeGreaterThanOrEqual(0.7);
    expect(raw.classRate, "raw: class (shipped 86.5 %)").toBeGreaterThanOrEqual(0.845);
    expect(raw.thicknessRate, "raw: thickness (shipped 59.8 %)").toBeGreaterThanOrEqual(0.578);
    expect(raw.slantRate, "raw: slant (shipped 83.1 %)").toBeGreaterThanOrEqual(0.811);
    tf.dispose([codes, captions, batch.captions, images]);
    clip.dispose();
    prior.dispose();
    vq.dispose();
  });

  it("clip-digits: today's recipe; zero-shot test accuracy as shipped", async () => {
    const { model: clip, meta } = await loadJudge();
    expect(meta.recipe).toEqual(TEXT_RECIPES["clip-digits"]);
    const classTexts = tf.tensor2d(Array.from({ length: 10 }, (_, k) => encodeCaption(`a ${k}`)).flat(), [10, CAPTION_LENGTH], "int32");
    const got = zeroShotClassify(clip, data.mnist.test.images as tf.Tensor2D, classTexts);
    const truth = data.mnist.test.labels.dataSync();
    const accuracy = Array.from(got.dataSync()).filter((k, i) => k === truth[i]).length / truth.length;
    expect(accuracy).toBeCloseTo(meta.metrics.zeroShotAccuracy as number, 3);
    expect(accuracy).toBeGreaterThanOrEqual(0.85);
    tf.dispose([classTexts, got]);
    clip.dispose();
  });

  it("text-diffusion-digits: the first 8 stored prompt images redraw from the weights; the set's fidelity as shipped", async () => {
    const name = "text-diffusion-digits";
    const { unet, schedule, meta } = await loadCheckpoint(name);
    expect(meta.recipe).toEqual(RECIPES[name]);
    const set = TEXT_DIFFUSION_SETS[0];
    const stored = loadSampleSet(checkpointDir(name), set.name);
    const batch = promptBatch(ALL_SPECS, set.perSpec, set.template);
    expect(stored.n).toBe(batch.specs.length);
    const first = batch.captions.slice([0, 0], [8, CAPTION_LENGTH]) as tf.Tensor2D;
    // x_T of the first 8 rows after seed(set.seed) is the first 8 rows of the stored set's x_T.
    const again = drawFromDiffusion(unet, schedule, first, set);
    const gap = tf.tidy(() => tf.max(tf.abs(again.sub(stored.images.slice([0, 0], [8, stored.images.shape[1]])))).dataSync()[0]);
    expect(gap, "max |redrawn − stored|").toBeLessThan(0.02);
    const seenRows = batch.specs.flatMap((s, i) => (isHeldOut(s) ? [] : [i]));
    const seenImages = tf.gather(stored.images, seenRows) as tf.Tensor2D;
    const f = promptFidelity(
      seenImages,
      seenRows.map((i) => batch.specs[i]),
      classesOf(seenImages),
      data.train.buckets,
    );
    expect(f.classRate, "class (target 90 %, shipped 87.4 %)").toBeGreaterThanOrEqual(0.854);
    expect(f.thicknessRate, "thickness (shipped 78.4 %)").toBeGreaterThanOrEqual(0.764);
    expect(f.slantRate, "slant (shipped 91.8 %)").toBeGreaterThanOrEqual(0.898);
    tf.dispose([stored.images, batch.captions, first, again, seenImages]);
    unet.dispose();
  });
});
