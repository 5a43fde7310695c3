/**
 * The course's longer-trained models: each one's recipe (the network's options, data, steps,
 * seed), the training loop that `npm run train -- <model>` runs, and the loader the notebooks
 * call. A notebook trains its own model briefly, so the learner sees the loss fall, and then
 * loads the checkpoint made by exactly this code with more steps than a notebook's budget allows.
 *
 *   RECIPES            name → recipe (today: "diffusion-digits")
 *   trainRecipe        train a recipe's model from scratch: the loop the script and a notebook share
 *   saveCheckpoint     the EMA weights plus meta.json (recipe, seed, steps, wall time, losses, metrics)
 *   loadCheckpoint     rebuild the model and restore its weights from data/checkpoints/<name>/
 *   SAMPLE_SETS        the sample sets the script draws from a checkpoint (1,000 per set, 3 seeds)
 *   drawSampleSet, saveSampleSet, loadSampleSet   draw a set (or its first rows, to check it), store, load
 *   sampleQuality, measureSampleSets   the judge's class shares, conditional accuracy, the border frame
 *
 * Sources: J. Ho, A. Jain, P. Abbeel (2020), appendix B: the exponential moving average of the
 * weights used for sampling; J. Ho & T. Salimans, "Classifier-Free Diffusion Guidance" (2021):
 * one network for ε_θ(x_t, c) and ε_θ(x_t, ∅), trained with the label dropped at random.
 *
 * Taught in notebooks/06-diffusion.ipynb §8 (the short run, the checkpoint, the measured sets) and used by
 * notebooks/07-conditional-generation.ipynb §3.
 *
 * Shapes: B batch, D pixels per flat image.
 */
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import * as tf from "@tensorflow/tfjs";
import { captionBag, captionBatch, captionDigits, CAPTION_VOCAB } from "./captions";
import { loadOrTrainClassifier, type DigitClassifier } from "./classifier";
import { conditionalLoss, guidedEpsTheta, NULL_CLASS } from "./conditional";
import { ddimSampleLoop, linearSchedule, pSampleLoop, type Schedule } from "./diffusion";
import { borderIntensity, classShares } from "./metrics";
import { restoreVariables, saveTensors, writeFileAtomic } from "./engine/checkpoint";
import { adam } from "./engine/optimizers";
import { batches, fromSymmetric, loadMnist, toSymmetric } from "./mnist";
import { makeRng, seed as seedGlobal } from "./random";
import { train } from "./train";
import { createUNet, type UNet, type UNetOptions } from "./unet";

/** How one of the course's models is trained. */
export interface DiffusionRecipe {
  /** What the notebooks call it. */
  description: string;
  /** The U-Net's options. */
  unet: UNetOptions;
  /** Diffusion steps T of the linear schedule (β from 1e-4 to 0.02, Ho et al.). */
  T: number;
  /** Digit side: 14 (lib/mnist's 2× down-sampled digits) or 28. */
  side: 14 | 28;
  batchSize: number;
  steps: number;
  learningRate: number;
  /** Probability of training with the label replaced by ∅ (classifier-free guidance). */
  pUncond: number;
  /** Decay of the weights' moving average (the weights sampled from). */
  emaDecay: number;
  /** Seed of the weights, the batch order and the noise. */
  seed: number;
  /**
   * What the model is conditioned on (default "class"): the digit's class, or its caption
   * (lib/captions: a random template per step, as the caption's bag of words `captionBag`, ∅ = the
   * zero vector; the held-out combinations are left out of training).
   */
  condition?: "class" | "caption";
}

/**
 * The recipes. "diffusion-digits": a class-conditional U-Net on the 8,000 training digits at
 * 14 × 14. At 28 × 28 one sampling step costs about 4× as much (measured: 11 ms against 2.6 ms
 * per image and step on the 2-core machine), which puts 1,000 samples × 50 steps far outside the
 * notebooks' budgets; 14 × 14 is the size the course's digit classifier judges.
 */
export const RECIPES: Record<string, DiffusionRecipe> = {
  "diffusion-digits": {
    description: "class-conditional U-Net ε_θ(x_t, t, c) on 14×14 digits, label dropout 0.2 (∅ = unconditional)",
    unet: { side: 14, channels: [32, 64], embedDim: 32, groups: 8, classes: 10 },
    T: 1000,
    side: 14,
    batchSize: 64,
    steps: 4000,
    learningRate: 5e-4,
    pUncond: 0.2,
    emaDecay: 0.999,
    seed: 14,
  },
  "text-diffusion-digits": {
    description: "caption-conditioned U-Net ε_θ(x_t, t, bag of words) on 14×14 digits, caption dropout 0.2 (∅ = no caption)",
    unet: { side: 14, channels: [32, 64], embedDim: 32, groups: 8, condDim: CAPTION_VOCAB.length },
    T: 1000,
    side: 14,
    batchSize: 64,
    steps: 4000,
    learningRate: 5e-4,
    pUncond: 0.2,
    emaDecay: 0.999,
    seed: 18,
    condition: "caption",
  },
};

/** Where the shipped checkpoints live (committed, a few MB in all). */
export function checkpointDir(name: string, root = "data/checkpoints"): string {
  return path.join(root, name);
}

function recipeOf(name: string): DiffusionRecipe {
  const recipe = RECIPES[name];
  if (!recipe) throw new Error(`unknown model "${name}": the recipes are ${Object.keys(RECIPES).join(", ")}`);
  return recipe;
}

/** The exponential moving average θ̄ ← d·θ̄ + (1 − d)·θ, with d warmed up as min(d, (1 + n)/(10 + n)). */
export interface WeightAverage {
  /** One copy per variable, same order. */
  average: tf.Variable[];
  update(): void;
  dispose(): void;
}

export function weightAverage(variables: tf.Variable[], decay: number): WeightAverage {
  if (!(decay >= 0 && decay < 1)) throw new Error(`decay must be in [0, 1), got ${decay}`);
  const average = variables.map((v) => tf.tidy(() => tf.variable(v.clone(), false)));
  let n = 0;
  return {
    average,
    update() {
      const d = Math.min(decay, (1 + n) / (10 + n));
      n++;
      tf.tidy(() => average.forEach((a, i) => a.assign(a.mul(d).add(variables[i].mul(1 - d)))));
    },
    dispose: () => tf.dispose(average),
  };
}

export interface TrainRecipeOptions {
  /** Steps (default the recipe's). */
  steps?: number;
  /** Show lib/train's progress line and loss plot (default true). */
  progress?: boolean;
  /** Title of the progress line (default the recipe's name). */
  title?: string;
}

export interface TrainedModel {
  name: string;
  recipe: DiffusionRecipe;
  /** The network with the averaged (EMA) weights, ready to sample. */
  unet: UNet;
  schedule: Schedule;
  /** The loss of every step. */
  losses: number[];
  seconds: number;
  steps: number;
  dispose(): void;
}

/**
 * Trains a recipe's model from scratch: seeds everything with the recipe's seed, builds the
 * U-Net, trains with `conditionalLoss` (label dropout p_uncond) and Adam, keeps the weights'
 * moving average and returns the network holding that average.
 */
export async function trainRecipe(name: string, options: TrainRecipeOptions = {}): Promise<TrainedModel> {
  const recipe = recipeOf(name);
  const steps = options.steps ?? recipe.steps;
  seedGlobal(recipe.seed);
  const mnist = loadMnist({ side: recipe.side });
  const byCaption = recipe.condition === "caption";
  // With captions: only the digits whose combination is not held out.
  const captioned = byCaption ? captionDigits(mnist.train.images as tf.Tensor2D, mnist.train.labels.dataSync()) : undefined;
  const x = tf.tidy(() => {
    const all = toSymmetric(mnist.train.images as tf.Tensor2D); // [8000, D] in [−1, 1]
    return captioned ? (tf.gather(all, captioned.seen) as tf.Tensor2D) : all; // [N, D]
  });
  const labels = captioned ? (tf.gather(mnist.train.labels, captioned.seen) as tf.Tensor1D) : mnist.train.labels; // [N]
  const data = batches({ images: x, labels }, { batchSize: recipe.batchSize, seed: recipe.seed });
  const templateRng = makeRng(recipe.seed);
  // The class, or the bag of words of a caption of each batch row (`indices` are rows of x, no read-back).
  const condition = (classes: tf.Tensor1D, indices: Int32Array): tf.Tensor1D | tf.Tensor2D => {
    if (!captioned) return classes;
    const specs = Array.from(indices, (row) => captioned.specs[captioned.seen[row]]);
    return captionBag(captionBatch(specs, templateRng)); // [B, V]
  };
  const schedule = linearSchedule(recipe.T);
  const unet = createUNet(recipe.unet);
  const optimizer = adam(recipe.learningRate);
  const ema = weightAverage(unet.variables, recipe.emaDecay);
  const fit = await train({
    steps,
    title: options.title ?? name,
    progress: options.progress ?? true,
    plot: options.progress ?? true,
    step: () => {
      const { images, labels: classes, indices } = data.next();
      const loss = optimizer.minimize(
        () =>
          conditionalLoss<tf.Tensor1D | tf.Tensor2D>(unet.epsTheta, images as tf.Tensor2D, condition(classes, indices), schedule, {
            pUncond: recipe.pUncond,
          }),
        true,
        unet.variables,
      )!;
      ema.update();
      return loss;
    },
  });
  // The network samples with the averaged weights.
  unet.variables.forEach((v, i) => v.assign(ema.average[i]));
  ema.dispose();
  optimizer.dispose();
  x.dispose();
  if (captioned) labels.dispose();
  mnist.dispose();
  return { name, recipe, unet, schedule, losses: fit.losses, seconds: fit.seconds, steps, dispose: () => unet.dispose() };
}

/** What meta.json beside the weights says. */
export interface CheckpointMeta {
  name: string;
  recipe: DiffusionRecipe;
  steps: number;
  seconds: number;
  /** Mean training loss of the last 500 steps. */
  finalLoss: number;
  /** The loss averaged over blocks of 50 steps. */
  lossCurve: number[];
  backend: string;
  madeBy: string;
  date: string;
  /** Metrics measured on samples of the saved weights (see scripts/train.ts). */
  metrics?: Record<string, unknown>;
}

function names(unet: UNet): Record<string, tf.Variable> {
  return Object.fromEntries(unet.variables.map((v, i) => [`unet/${String(i).padStart(3, "0")}`, v]));
}

/** meta.json's loss fields: the mean of the last 500 steps, and the losses averaged over blocks of 50 steps. */
export function lossSummary(losses: readonly number[]): { finalLoss: number; lossCurve: number[] } {
  const tail = losses.slice(-500);
  const lossCurve: number[] = [];
  for (let i = 0; i + 50 <= losses.length; i += 50) lossCurve.push(losses.slice(i, i + 50).reduce((a, b) => a + b, 0) / 50);
  return { finalLoss: tail.reduce((a, b) => a + b, 0) / tail.length, lossCurve: lossCurve.map((l) => Number(l.toFixed(5))) };
}

/** Saves the weights (weights.bin + model.json) and meta.json into `dir`. */
export async function saveCheckpoint(model: TrainedModel, dir: string, extra: Partial<CheckpointMeta> = {}): Promise<CheckpointMeta> {
  await saveTensors(dir, names(model.unet));
  const meta: CheckpointMeta = {
    name: model.name,
    recipe: model.recipe,
    steps: model.steps,
    seconds: Math.round(model.seconds),
    ...lossSummary(model.losses),
    backend: tf.getBackend(),
    madeBy: `npm run train -- ${model.name}`,
    date: new Date().toISOString().slice(0, 10),
    ...extra,
  };
  writeFileAtomic(path.join(dir, "meta.json"), JSON.stringify(meta, null, 2) + "\n");
  return meta;
}

/** Rebuilds a recipe's U-Net and restores the shipped weights; also returns meta.json. */
export async function loadCheckpoint(
  name: string,
  dir = checkpointDir(name),
): Promise<{ unet: UNet; schedule: Schedule; meta: CheckpointMeta }> {
  const recipe = recipeOf(name);
  const metaFile = path.join(dir, "meta.json");
  if (!fs.existsSync(metaFile)) throw new Error(`no checkpoint for "${name}" in ${dir}: make it with npm run train -- ${name}`);
  const meta = JSON.parse(fs.readFileSync(metaFile, "utf8")) as CheckpointMeta;
  const unet = createUNet(recipe.unet);
  await restoreVariables(dir, names(unet));
  return { unet, schedule: linearSchedule(recipe.T), meta };
}

/** Where the course's digit classifier (the judge of notebook 07) is cached. */
export const CLASSIFIER_DIR = "build/checkpoints/07-digit-classifier";

/** One set of samples drawn from a checkpoint, and how. */
export interface SampleSetSpec {
  name: string;
  /** Samples in the set. */
  n: number;
  /** "ddim" (η = 0) or "ancestral" (all T steps). */
  sampler: "ddim" | "ancestral";
  /** Network calls per sample (DDIM's S; T for ancestral). */
  steps: number;
  /** Guidance scale; null for the unconditional model (label ∅). */
  w: number | null;
  /** Seed of x_T (and of the ancestral noise): seed(seed), then x_T = tf.randomNormal([n, D]). */
  seed: number;
}

/** A stored sample set: its spec, the requested labels (guided), the images and the time it took. */
export interface SampleSet extends SampleSetSpec {
  /** Requested class per sample (guided sets: i mod 10). */
  labels?: number[];
  /** The samples in [0, 1], shape [n, D] (stored as bytes, so to within 1/255). */
  images: tf.Tensor2D;
  seconds: number;
}

/**
 * The sets the train script draws and the notebooks measure: three seeds of 1,000 DDIM-50 samples
 * each unconditional, guided (w = 2) and plainly conditional (w = 1), and 200 ancestral samples
 * (1,000 calls each).
 */
export const SAMPLE_SETS: SampleSetSpec[] = [
  ...[0, 1, 2].map((seed) => ({ name: `unconditional-ddim50-seed${seed}`, n: 1000, sampler: "ddim" as const, steps: 50, w: null, seed })),
  ...[0, 1, 2].map((seed) => ({ name: `guided-w2-ddim50-seed${seed}`, n: 1000, sampler: "ddim" as const, steps: 50, w: 2, seed })),
  ...[0, 1, 2].map((seed) => ({ name: `conditional-w1-ddim50-seed${seed}`, n: 1000, sampler: "ddim" as const, steps: 50, w: 1, seed })),
  { name: "unconditional-ancestral-seed0", n: 200, sampler: "ancestral", steps: 1000, w: null, seed: 0 },
];

/** The labels a guided set asks for: 0, 1, …, 9, 0, 1, … */
export function setLabels(spec: SampleSetSpec): number[] | undefined {
  return spec.w === null ? undefined : Array.from({ length: spec.n }, (_, i) => i % 10);
}

/**
 * Draws a sample set from the network (x̂₀ clipped to [−1, 1] at each step, as Ho et al.'s code);
 * `first` draws only the first rows of it, with the same x_T rows, to check a stored set.
 * @returns images [first ?? n, D] in [0, 1]
 */
export function drawSampleSet(unet: UNet, schedule: Schedule, spec: SampleSetSpec, first = spec.n): tf.Tensor2D {
  const D = unet.options.side ** 2;
  seedGlobal(spec.seed);
  const xTAll = tf.randomNormal([spec.n, D]) as tf.Tensor2D; // [n, D]
  const xT = xTAll.slice([0, 0], [first, D]) as tf.Tensor2D; // [first, D]
  xTAll.dispose();
  const labels = setLabels(spec)?.slice(0, first) ?? new Array<number>(first).fill(NULL_CLASS);
  const c = tf.tensor1d(labels, "int32");
  const eps = guidedEpsTheta(unet.epsTheta, c, spec.w ?? 1);
  const clipX0: [number, number] = [-1, 1];
  const x0 =
    spec.sampler === "ddim"
      ? ddimSampleLoop(eps, [first, D], schedule, { steps: spec.steps, xT, clipX0 }).x0
      : pSampleLoop(eps, [first, D], schedule, { xT, clipX0 }).x0;
  const images = tf.tidy(() => fromSymmetric(x0).clipByValue(0, 1) as tf.Tensor2D); // [first, D] in [0, 1]
  tf.dispose([x0, xT, c]);
  return images;
}

/** Saves a set as <dir>/samples/<name>.u8.gz (bytes, gzip) and <name>.json (spec, labels, seconds). */
export function saveSampleSet(dir: string, set: SampleSet): void {
  const folder = path.join(dir, "samples");
  fs.mkdirSync(folder, { recursive: true });
  const bytes = Uint8Array.from(set.images.dataSync(), (v) => Math.round(v * 255));
  writeFileAtomic(path.join(folder, `${set.name}.u8.gz`), zlib.gzipSync(bytes, { level: 9 }));
  const { images, ...spec } = set;
  writeFileAtomic(path.join(folder, `${set.name}.json`), JSON.stringify({ ...spec, D: images.shape[1] }) + "\n");
}

/** Loads a stored set (the caller disposes `images`). */
export function loadSampleSet(dir: string, name: string): SampleSet {
  const folder = path.join(dir, "samples");
  const file = path.join(folder, `${name}.json`);
  if (!fs.existsSync(file)) throw new Error(`no sample set "${name}" in ${folder}: make it with npm run train -- <model> --samples-only`);
  const spec = JSON.parse(fs.readFileSync(file, "utf8")) as SampleSet & { D: number };
  const bytes = zlib.gunzipSync(fs.readFileSync(path.join(folder, `${name}.u8.gz`)));
  const images = tf.tidy(() =>
    tf.tensor2d(
      Float32Array.from(bytes, (b) => b / 255),
      [spec.n, spec.D],
    ),
  );
  return { ...spec, images };
}

/** What the notebooks print about a set of digit samples. */
export interface SampleQuality {
  n: number;
  /** The judge's class shares (every set). */
  shares: number[];
  /** The share drawn as the requested class (guided sets). */
  accuracy?: number;
  /** Mean intensity of the 2-pixel border frame, and its ratio to real test digits' (target ≤ 1.5). */
  border: number;
  borderRatio: number;
}

/**
 * Scores images with the judge: class shares, conditional accuracy when `labels` are given, the
 * border frame against real digits' border.
 * @param images shape [N, D] in [0, 1]
 */
export function sampleQuality(classifier: DigitClassifier, images: tf.Tensor2D, realBorder: number, labels?: number[]): SampleQuality {
  const side = Math.round(Math.sqrt(images.shape[1]));
  const border = borderIntensity(images, side);
  const predicted = classifier.predict(images);
  const got = Array.from(predicted.dataSync());
  predicted.dispose();
  const quality: SampleQuality = { n: images.shape[0], shares: classShares(got), border, borderRatio: border / realBorder };
  if (labels) quality.accuracy = got.filter((l, i) => l === labels[i]).length / got.length;
  return quality;
}

/** Every stored set of SAMPLE_SETS in `dir` (sets not drawn yet are skipped), scored by `sampleQuality`. */
export function measureSampleSets(
  dir: string,
  classifier: DigitClassifier,
  realBorder: number,
): Record<string, SampleQuality & { seconds: number }> {
  const out: Record<string, SampleQuality & { seconds: number }> = {};
  for (const spec of SAMPLE_SETS) {
    if (!fs.existsSync(path.join(dir, "samples", `${spec.name}.json`))) continue;
    const set = loadSampleSet(dir, spec.name);
    out[spec.name] = { ...sampleQuality(classifier, set.images, realBorder, set.labels), seconds: set.seconds };
    set.images.dispose();
  }
  return out;
}

/**
 * The judge, trained once and cached in CLASSIFIER_DIR with notebook 07's settings (seed(70), 1,500
 * steps), so whichever of notebook 06, notebook 07 or the tests trains it first, it is the same network.
 */
export async function courseClassifier(mnist: { train: { images: tf.Tensor; labels: tf.Tensor1D } }): Promise<DigitClassifier> {
  seedGlobal(70);
  const { classifier } = await loadOrTrainClassifier(CLASSIFIER_DIR, mnist.train as { images: tf.Tensor2D; labels: tf.Tensor1D }, {
    steps: 1500,
    seed: 70,
  });
  return classifier;
}
