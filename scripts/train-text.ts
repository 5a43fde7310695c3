/**
 * The stage-8 half of `npm run train -- <model>` (scripts/train.ts dispatches here):
 *   vq-digits      train the tokenizer; measure its codebook and what its reconstructions keep
 *   prior-digits   (needs vq-digits) train the prior; measure bits per image token on test digits
 *   clip-digits    train the judge; measure zero-shot accuracy on test digits
 *   text-diffusion-digits --samples-only   draw lib/text-recipes' TEXT_DIFFUSION_SETS from the saved U-Net
 * Each writes data/checkpoints/<model>/ (weights, meta.json with the metrics).
 */
import * as tf from "@tensorflow/tfjs";
import { ALL_SPECS, caption, CAPTION_LENGTH, encodeCaption, isHeldOut, promptFidelity, THICKNESSES } from "../lib/captions";
import { zeroShotClassify } from "../lib/contrastive";
import { courseClassifier, loadCheckpoint, saveSampleSet } from "../lib/pretrained";
import {
  bitsPerImageToken,
  captionedMnist,
  drawFromDiffusion,
  drawFromPrior,
  loadTokenizer,
  promptBatch,
  saveTextCheckpoint,
  TEXT_DIFFUSION_SETS,
  TEXT_RECIPES,
  tokenizeAll,
  trainJudge,
  trainPrior,
  trainTokenizer,
  type TextRecipeName,
} from "../lib/text-recipes";

export const TEXT_MODELS = [...Object.keys(TEXT_RECIPES), "text-diffusion-digits"];

function testSeen(data: ReturnType<typeof captionedMnist>): { images: tf.Tensor2D; specs: typeof data.test.specs } {
  const images = tf.gather(data.mnist.test.images as tf.Tensor2D, data.test.seen) as tf.Tensor2D;
  return { images, specs: data.test.seen.map((i) => data.test.specs[i]) };
}

export async function trainText(name: string, steps: number | undefined, dir: string): Promise<void> {
  const data = captionedMnist();
  const classifier = await courseClassifier(data.mnist);
  if (name === "text-diffusion-digits") {
    const { unet, schedule } = await loadCheckpoint(name, dir);
    for (const set of TEXT_DIFFUSION_SETS) {
      const start = Date.now();
      const { specs, captions } = promptBatch(ALL_SPECS, set.perSpec, set.template);
      const images = drawFromDiffusion(unet, schedule, captions, set);
      const seconds = Math.round((Date.now() - start) / 1000);
      const labels = specs.map((s) => ALL_SPECS.indexOf(s));
      saveSampleSet(dir, {
        name: set.name,
        n: specs.length,
        sampler: "ddim",
        steps: set.steps,
        w: set.w,
        seed: set.seed,
        labels,
        images,
        seconds,
      });
      const predicted = classifier.predict(images);
      console.log(set.name, seconds, "s", promptFidelity(images, specs, predicted.dataSync(), data.train.buckets));
      tf.dispose([images, captions, predicted]);
    }
    unet.dispose();
  } else if (name === "vq-digits") {
    const trained = await trainTokenizer(data, { steps });
    const test = testSeen(data);
    const recon = tf.tidy(() => trained.model.decodeCodes(trained.model.tokenize(test.images)));
    const mse = tf.tidy(() => tf.mean(tf.squaredDifference(recon, test.images)).dataSync()[0]);
    const predicted = classifier.predict(recon);
    const kept = promptFidelity(recon, test.specs, predicted.dataSync(), data.train.buckets);
    const meta = await saveTextCheckpoint(trained, dir, { testMSE: mse, reconstructionsKeep: kept });
    console.log(`saved ${dir}: ${meta.steps} steps in ${meta.seconds} s`, meta.metrics);
    tf.dispose([recon, predicted, test.images]);
    trained.model.dispose();
  } else if (name === "prior-digits") {
    const { model: vq } = await loadTokenizer();
    const trained = await trainPrior(data, vq, { steps });
    const test = testSeen(data);
    const codes = tokenizeAll(vq, test.images);
    const captions = tf.tensor2d(
      test.specs.flatMap((s) => encodeCaption(caption(s, 0))),
      [test.specs.length, CAPTION_LENGTH],
      "int32",
    );
    await saveTextCheckpoint(trained, dir); // first the weights, so a failure below loses no training
    const bits = bitsPerImageToken(trained.model, captions, codes);
    // Samples for every spec (4 each, template 0), measured like notebook 08 does, seen and held out.
    const batch = promptBatch(ALL_SPECS, 4, 0);
    const images = drawFromPrior(trained.model, vq, batch.captions, { seed: 80 });
    const predicted = classifier.predict(images);
    const rowsWhere = (held: boolean) => batch.specs.flatMap((s, i) => (isHeldOut(s) === held ? [i] : []));
    const got = predicted.dataSync();
    const fidelity = (rows: number[]) => {
      const some = tf.gather(images, rows) as tf.Tensor2D;
      const f = promptFidelity(
        some,
        rows.map((i) => batch.specs[i]),
        rows.map((i) => got[i]),
        data.train.buckets,
      );
      some.dispose();
      return f;
    };
    const meta = await saveTextCheckpoint(trained, dir, {
      testBitsPerImageToken: bits,
      seenPrompts: fidelity(rowsWhere(false)),
      heldOutPrompts: fidelity(rowsWhere(true)),
    });
    console.log(`saved ${dir}: ${meta.steps} steps in ${meta.seconds} s`, meta.metrics);
    tf.dispose([codes, captions, test.images, batch.captions, images, predicted]);
    trained.model.dispose();
    vq.dispose();
  } else if (name === "clip-digits") {
    const trained = await trainJudge(data, { steps });
    const classTexts = tf.tensor2d(
      Array.from({ length: 10 }, (_, digit) => encodeCaption(caption({ digit, thickness: THICKNESSES[1], slant: "upright" }, 0))).flat(),
      [10, CAPTION_LENGTH],
      "int32",
    );
    const predicted = zeroShotClassify(trained.model, data.mnist.test.images as tf.Tensor2D, classTexts);
    const truth = data.mnist.test.labels.dataSync();
    const got = predicted.dataSync();
    const zeroShot = got.filter((k, i) => k === truth[i]).length / got.length;
    const meta = await saveTextCheckpoint(trained, dir, { zeroShotAccuracy: zeroShot });
    console.log(`saved ${dir}: ${meta.steps} steps in ${meta.seconds} s`, meta.metrics);
    tf.dispose([classTexts, predicted]);
    trained.model.dispose();
  } else {
    throw new Error(`unknown stage-8 model "${name}"`);
  }
  classifier.dispose();
  data.dispose();
  console.log("live tensors:", tf.memory().numTensors);
}

export function isTextModel(name: string): name is TextRecipeName | "text-diffusion-digits" {
  return TEXT_MODELS.includes(name);
}
