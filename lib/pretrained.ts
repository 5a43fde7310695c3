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
 *
 * Sources: J. Ho, A. Jain, P. Abbeel (2020), appendix B: the exponential moving average of the
 * weights used for sampling; J. Ho & T. Salimans, "Classifier-Free Diffusion Guidance" (2021):
 * one network for ε_θ(x_t, c) and ε_θ(x_t, ∅), trained with the label dropped at random.
 *
 * Shapes: B batch, D pixels per flat image.
 */
import fs from "node:fs";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { loadOrTrainClassifier } from "./classifier";
import { conditionalLoss, guidedEpsTheta, NULL_CLASS } from "./conditional";
import { ddimSampleLoop, linearSchedule, pSampleLoop, type Schedule } from "./diffusion";
import { borderIntensity, classShares } from "./metrics";
import { restoreVariables, saveTensors, writeFileAtomic } from "./engine/checkpoint";
import { adam } from "./engine/optimizers";
import { batches, fromSymmetric, loadMnist, toSymmetric } from "./mnist";
import { seed as seedGlobal } from "./random";
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
  const x = toSymmetric(mnist.train.images as tf.Tensor2D); // [8000, D] in [−1, 1]
  const data = batches({ images: x, labels: mnist.train.labels }, { batchSize: recipe.batchSize, seed: recipe.seed });
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
      const { images, labels } = data.next();
      const loss = optimizer.minimize(
        () => conditionalLoss(unet.epsTheta, images as tf.Tensor2D, labels, schedule, { pUncond: recipe.pUncond }),
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

/** Saves the weights (weights.bin + model.json) and meta.json into `dir`. */
export async function saveCheckpoint(model: TrainedModel, dir: string, extra: Partial<CheckpointMeta> = {}): Promise<CheckpointMeta> {
  await saveTensors(dir, names(model.unet));
  const tail = model.losses.slice(-500);
  const lossCurve: number[] = [];
  for (let i = 0; i + 50 <= model.losses.length; i += 50) lossCurve.push(model.losses.slice(i, i + 50).reduce((a, b) => a + b, 0) / 50);
  const meta: CheckpointMeta = {
    name: model.name,
    recipe: model.recipe,
    steps: model.steps,
    seconds: Math.round(model.seconds),
    finalLoss: tail.reduce((a, b) => a + b, 0) / tail.length,
    lossCurve: lossCurve.map((l) => Number(l.toFixed(5))),
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

export interface SampleQuality {
  /** Samples measured. */
  n: number;
  /** Network calls per sample. */
  steps: number;
  seconds: number;
  /** The judge's class shares (unconditional) … */
  shares?: number[];
  /** … or the share drawn as the requested class (guided). */
  accuracy?: number;
  /** Mean intensity of the 2-pixel border frame, and that over real test digits' (target ≤ 1.5). */
  border: number;
  borderRatio: number;
}

export interface EvaluateOptions {
  /** Unconditional and guided samples, each (default 1000). */
  n?: number;
  /** Ancestral samples (default 200: 1000 network calls each). */
  nAncestral?: number;
  /** Guidance scale (default 2). */
  w?: number;
  /** Seed of the sampling noise (default 0). */
  seed?: number;
  log?: (line: string) => void;
}

/**
 * Samples a checkpoint and measures them with the course's digit classifier (trained once and
 * cached in CLASSIFIER_DIR): unconditional (label ∅) with DDIM, 50 steps, η = 0 and with ancestral
 * sampling (all T steps); guided with DDIM-50 at scale w, n/10 per digit. Every sampler clips the
 * predicted x̂₀ to [−1, 1] at each step (Ho et al.'s code).
 */
export async function evaluateCheckpoint(unet: UNet, schedule: Schedule, options: EvaluateOptions = {}): Promise<Record<string, unknown>> {
  const { n = 1000, nAncestral = 200, w = 2, seed = 0, log = () => {} } = options;
  const side = unet.options.side;
  const D = side * side;
  const mnist = loadMnist({ side: side as 14 | 28 });
  const { classifier } = await loadOrTrainClassifier(CLASSIFIER_DIR, mnist.train as { images: tf.Tensor2D; labels: tf.Tensor1D });
  const realBorder = borderIntensity(mnist.test.images as tf.Tensor2D, side);
  const measure = (x0: tf.Tensor2D, steps: number, seconds: number, targets?: number[]): SampleQuality => {
    const images = tf.tidy(() => fromSymmetric(x0).clipByValue(0, 1) as tf.Tensor2D); // [N, D] in [0, 1]
    const border = borderIntensity(images, side);
    const predicted = classifier.predict(images);
    const labels = Array.from(predicted.dataSync());
    predicted.dispose();
    const quality: SampleQuality = { n: x0.shape[0], steps, seconds: Math.round(seconds), border, borderRatio: border / realBorder };
    if (targets) quality.accuracy = labels.filter((l, i) => l === targets[i]).length / labels.length;
    else quality.shares = classShares(labels);
    images.dispose();
    return quality;
  };
  const run = (name: string, sample: () => tf.Tensor2D, steps: number, targets?: number[]): SampleQuality => {
    seedGlobal(seed);
    const start = Date.now();
    const x0 = sample();
    const q = measure(x0, steps, (Date.now() - start) / 1000, targets);
    x0.dispose();
    log(`${name}: ${JSON.stringify(q)}`);
    return q;
  };
  const uncond = (B: number) => tf.fill([B], NULL_CLASS, "int32") as tf.Tensor1D;
  const clipX0: [number, number] = [-1, 1];
  const out: Record<string, unknown> = { realBorder, classifier: CLASSIFIER_DIR };
  {
    const c = uncond(n);
    out.unconditionalDDIM50 = run(
      "unconditional, DDIM 50",
      () => ddimSampleLoop(guidedEpsTheta(unet.epsTheta, c, 1), [n, D], schedule, { steps: 50, clipX0 }).x0,
      50,
    );
    c.dispose();
  }
  {
    const targets = Array.from({ length: n }, (_, i) => i % 10);
    const c = tf.tensor1d(targets, "int32");
    out[`guidedDDIM50_w${w}`] = run(
      `guided w = ${w}, DDIM 50`,
      () => ddimSampleLoop(guidedEpsTheta(unet.epsTheta, c, w), [n, D], schedule, { steps: 50, clipX0 }).x0,
      50,
      targets,
    );
    c.dispose();
  }
  if (nAncestral > 0) {
    const c = uncond(nAncestral);
    out.unconditionalAncestral = run(
      `unconditional, ancestral ${schedule.T}`,
      () => pSampleLoop(guidedEpsTheta(unet.epsTheta, c, 1), [nAncestral, D], schedule, { clipX0 }).x0,
      schedule.T,
    );
    c.dispose();
  }
  classifier.dispose();
  mnist.dispose();
  return out;
}
