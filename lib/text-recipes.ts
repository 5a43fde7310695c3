/**
 * The longer-trained models of stage 8, made the way lib/pretrained.ts makes stage 6's: a recipe,
 * one training function that both `npm run train -- <model>` and notebook 08's short runs call, a
 * checkpoint of the weights with meta.json, and a loader.
 *
 *   TEXT_RECIPES     "vq-digits" (the image tokenizer), "prior-digits" (the Transformer over
 *                    [caption ; image tokens]), "clip-digits" (the contrastive judge)
 *   captionedMnist   the 14×14 digits with their captions (buckets fitted on the training split)
 *   trainTokenizer, trainPrior, trainJudge    train from scratch with a recipe's seed and steps
 *   saveTextCheckpoint, loadTokenizer, loadPrior, loadJudge
 *
 * Every model trains only on the digits whose (class, thickness, slant) is not held out
 * (lib/captions' HELD_OUT), so no model of stage 8 has seen "a thin 0".
 * Taught in notebooks/08-text-to-image.ipynb.
 *
 * Shapes: N digits, D = 196 pixels, Lc caption tokens, Nt image tokens per digit.
 */
import fs from "node:fs";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import {
  CAPTION_LENGTH,
  CAPTION_VOCAB,
  caption,
  captionBag,
  captionBatch,
  captionDigits,
  encodeCaption,
  type CaptionedDigits,
  type CaptionSpec,
} from "./captions";
import { guidedEpsTheta } from "./conditional";
import { ddimSampleLoop, type Schedule } from "./diffusion";
import { clipModelLoss, createCLIP, type CLIP, type CLIPOptions } from "./contrastive";
import { restoreVariables, saveTensors, writeFileAtomic } from "./engine/checkpoint";
import { adam } from "./engine/optimizers";
import { batches, fromSymmetric, loadMnist, type Mnist } from "./mnist";
import { checkpointDir, lossSummary, type CheckpointMeta } from "./pretrained";
import { makeRng, seed as seedGlobal } from "./random";
import { createPrior, natsToBits, priorLoss, samplePrior, type Prior, type PriorOptions, type PriorSamplingOptions } from "./text-to-image";
import type { UNet } from "./unet";
import { train } from "./train";
import { codePerplexity, createVQVAE, restartDeadCodes, vqvaeLoss, type VQVAE, type VQVAEOptions } from "./vq";

interface RecipeBase {
  description: string;
  batchSize: number;
  steps: number;
  learningRate: number;
  seed: number;
}

export interface TokenizerRecipe extends RecipeBase {
  vq: VQVAEOptions;
  /** Every this many steps, codes no batch used since the last check restart at a random encoder output. */
  restartEvery: number;
}

export interface PriorRecipe extends RecipeBase {
  transformer: Omit<PriorOptions, "textVocab" | "textLength" | "codes" | "imageTokens">;
}

export interface JudgeRecipe extends RecipeBase {
  clip: CLIPOptions;
}

export const TEXT_RECIPES = {
  "vq-digits": {
    description: "VQ-VAE: a 14×14 digit → 7×7 codes from a codebook of 64 (code size 16)",
    vq: { side: 14, channels: [32, 64], codes: 64, codeDim: 16, beta: 0.25 },
    restartEvery: 100,
    batchSize: 128,
    steps: 2000,
    learningRate: 1e-3,
    seed: 80,
  } satisfies TokenizerRecipe,
  "prior-digits": {
    description: "decoder-only Transformer over [6 caption words ; 49 image codes], 3 blocks of width 96",
    transformer: { dModel: 96, heads: 4, layers: 3, positions: "learned" },
    batchSize: 64,
    steps: 3000,
    learningRate: 7e-4,
    seed: 81,
  } satisfies PriorRecipe,
  "clip-digits": {
    description: "CLIP-style judge: conv image encoder and Transformer text encoder, 32-d joint space",
    clip: { side: 14, embedDim: 32 },
    batchSize: 128,
    steps: 1500,
    learningRate: 1e-3,
    seed: 82,
  } satisfies JudgeRecipe,
};
export type TextRecipeName = keyof typeof TEXT_RECIPES;

/** The 14×14 digits with captions: training split (buckets fitted here) and test split (same buckets). */
export interface CaptionedMnist {
  mnist: Mnist;
  train: CaptionedDigits;
  test: CaptionedDigits;
  dispose(): void;
}

export function captionedMnist(): CaptionedMnist {
  const mnist = loadMnist({ side: 14 });
  const trainSet = captionDigits(mnist.train.images as tf.Tensor2D, mnist.train.labels.dataSync());
  const test = captionDigits(mnist.test.images as tf.Tensor2D, mnist.test.labels.dataSync(), trainSet.buckets);
  return { mnist, train: trainSet, test, dispose: () => mnist.dispose() };
}

export interface TrainTextOptions {
  /** Steps (default the recipe's). */
  steps?: number;
  /** Show lib/train's progress line and loss plot (default true). */
  progress?: boolean;
}

/** A trained stage-8 model with its loss curve. */
export interface Trained<M> {
  name: TextRecipeName;
  model: M;
  losses: number[];
  seconds: number;
  steps: number;
  /** Measured at the end of training (e.g. the codebook's perplexity). */
  metrics: Record<string, number>;
}

/** The training digits not held out, as an {images, labels: row index} split for lib/mnist's batches. */
function seenSplit(data: CaptionedMnist): { images: tf.Tensor2D; labels: tf.Tensor1D } {
  return tf.tidy(() => ({
    images: tf.gather(data.mnist.train.images as tf.Tensor2D, data.train.seen) as tf.Tensor2D, // [N, D]
    labels: tf.tensor1d(data.train.seen, "int32"), // [N]: the row in the training split
  }));
}

/**
 * Seeded batches of the seen digits' rows (images, or their image codes) with one caption per row,
 * its template drawn from the recipe's seed: the stream the prior and the judge train on.
 * @returns next(): rows [B, …] and caption ids int32 [B, Lc] (new tensors: call inside lib/train's step)
 */
function captionedBatches(
  data: CaptionedMnist,
  split: { images: tf.Tensor2D; labels: tf.Tensor1D },
  recipe: RecipeBase,
): () => { rows: tf.Tensor2D; captions: tf.Tensor2D } {
  const rng = makeRng(recipe.seed);
  const stream = batches(split, { batchSize: recipe.batchSize, seed: recipe.seed });
  return () => {
    const { images, indices } = stream.next(); // indices are rows of the split: no read-back from the tensors
    const specs = Array.from(indices, (i) => data.train.specs[data.train.seen[i]]);
    return { rows: images as tf.Tensor2D, captions: captionBatch(specs, rng) };
  };
}

/** Trains the VQ-VAE tokenizer (reconstruction + codebook + β·commitment, random restarts of dead codes). */
export async function trainTokenizer(data: CaptionedMnist, options: TrainTextOptions = {}): Promise<Trained<VQVAE>> {
  const recipe = TEXT_RECIPES["vq-digits"];
  const steps = options.steps ?? recipe.steps;
  seedGlobal(recipe.seed);
  const rng = makeRng(recipe.seed);
  const split = seenSplit(data);
  const stream = batches(split, { batchSize: recipe.batchSize, seed: recipe.seed });
  const model = createVQVAE(recipe.vq);
  const K = model.config.codes;
  const optimizer = adam(recipe.learningRate);
  let counts = new Array<number>(K).fill(0);
  let restarts = 0;
  const fit = await train({
    steps,
    title: "vq-digits",
    progress: options.progress ?? true,
    plot: options.progress ?? true,
    lossLabel: "reconstruction + codebook + β·commitment",
    step: (i) => {
      const x = stream.next().images as tf.Tensor2D;
      let used: Int32Array | undefined;
      let ze: tf.Tensor2D | undefined;
      const loss = optimizer.minimize(
        () => {
          const out = vqvaeLoss(model, x);
          used = out.indices.dataSync() as Int32Array;
          ze = tf.keep(out.ze);
          return out.loss;
        },
        true,
        model.variables,
      )!;
      for (const k of used!) counts[k]++;
      if ((i + 1) % recipe.restartEvery === 0 && i + 1 < steps) {
        restarts += restartDeadCodes(model.codebook, counts, ze!, rng);
        counts = new Array<number>(K).fill(0);
      }
      ze!.dispose();
      return loss;
    },
  });
  optimizer.dispose();
  const perplexity = tf.tidy(() => codePerplexity(model.tokenize(split.images).dataSync(), K));
  tf.dispose(split);
  return { name: "vq-digits", model, losses: fit.losses, seconds: fit.seconds, steps, metrics: { perplexity, restarts } };
}

/**
 * The image tokens of every training digit, tokenized in chunks.
 * @returns int32 shape [N, Nt]
 */
export function tokenizeAll(vq: VQVAE, images: tf.Tensor2D, chunk = 1000): tf.Tensor2D {
  const parts: tf.Tensor2D[] = [];
  for (let i = 0; i < images.shape[0]; i += chunk) {
    const n = Math.min(chunk, images.shape[0] - i);
    parts.push(tf.tidy(() => vq.tokenize(tf.slice(images, [i, 0], [n, images.shape[1]]))));
  }
  const all = tf.concat(parts, 0) as tf.Tensor2D;
  tf.dispose(parts);
  return all;
}

/** The prior's shape for a tokenizer: caption words, caption length, codes, image tokens. */
export function priorFor(vq: VQVAE): Pick<PriorOptions, "textVocab" | "textLength" | "codes" | "imageTokens"> {
  return { textVocab: CAPTION_VOCAB.length, textLength: CAPTION_LENGTH, codes: vq.config.codes, imageTokens: (vq.config.side / 2) ** 2 };
}

/** Trains the Transformer prior on [caption ; image tokens] of the seen training digits (a random template each time). */
export async function trainPrior(data: CaptionedMnist, vq: VQVAE, options: TrainTextOptions = {}): Promise<Trained<Prior>> {
  const recipe = TEXT_RECIPES["prior-digits"];
  const steps = options.steps ?? recipe.steps;
  seedGlobal(recipe.seed);
  const split = seenSplit(data);
  const codes = tokenizeAll(vq, split.images); // [N, Nt]
  const next = captionedBatches(data, { images: codes, labels: split.labels }, recipe);
  const prior = createPrior({ ...recipe.transformer, ...priorFor(vq) });
  const optimizer = adam(recipe.learningRate);
  const fit = await train({
    steps,
    title: "prior-digits",
    progress: options.progress ?? true,
    plot: options.progress ?? true,
    lossLabel: "nats per image token",
    step: () => {
      const { rows, captions } = next(); // image codes [B, Nt], caption ids [B, Lc]
      return optimizer.minimize(() => priorLoss(prior, captions, rows), true, prior.variables)!;
    },
  });
  optimizer.dispose();
  tf.dispose([split, codes]);
  return { name: "prior-digits", model: prior, losses: fit.losses, seconds: fit.seconds, steps, metrics: {} };
}

/** Trains the CLIP-style judge with the symmetric contrastive loss on (digit, caption) pairs. */
export async function trainJudge(data: CaptionedMnist, options: TrainTextOptions = {}): Promise<Trained<CLIP>> {
  const recipe = TEXT_RECIPES["clip-digits"];
  const steps = options.steps ?? recipe.steps;
  seedGlobal(recipe.seed);
  const split = seenSplit(data);
  const next = captionedBatches(data, split, recipe);
  const clip = createCLIP(recipe.clip);
  const optimizer = adam(recipe.learningRate);
  const fit = await train({
    steps,
    title: "clip-digits",
    progress: options.progress ?? true,
    plot: options.progress ?? true,
    lossLabel: "symmetric contrastive loss (nats)",
    step: () => {
      const { rows, captions } = next(); // images [B, D], caption ids [B, Lc]
      return optimizer.minimize(() => clipModelLoss(clip, rows, captions), true, clip.variables)!;
    },
  });
  optimizer.dispose();
  tf.dispose(split);
  return { name: "clip-digits", model: clip, losses: fit.losses, seconds: fit.seconds, steps, metrics: {} };
}

function variableNames(variables: tf.Variable[]): Record<string, tf.Variable> {
  return Object.fromEntries(variables.map((v, i) => [`v${String(i).padStart(3, "0")}`, v]));
}

/** What meta.json beside a stage-8 checkpoint says: lib/pretrained's fields, with a stage-8 recipe. */
export interface TextCheckpointMeta extends Omit<CheckpointMeta, "name" | "recipe" | "metrics"> {
  name: TextRecipeName;
  recipe: RecipeBase;
  metrics: Record<string, unknown>;
}

/** Saves a trained model's variables and meta.json into `dir` (default data/checkpoints/<name>). */
export async function saveTextCheckpoint(
  trained: Trained<{ variables: tf.Variable[] }>,
  dir = checkpointDir(trained.name),
  metrics: Record<string, unknown> = {},
): Promise<TextCheckpointMeta> {
  await saveTensors(dir, variableNames(trained.model.variables));
  const meta: TextCheckpointMeta = {
    name: trained.name,
    recipe: TEXT_RECIPES[trained.name],
    steps: trained.steps,
    seconds: Math.round(trained.seconds),
    ...lossSummary(trained.losses),
    backend: tf.getBackend(),
    madeBy: `npm run train -- ${trained.name}`,
    date: new Date().toISOString().slice(0, 10),
    metrics: { ...trained.metrics, ...metrics },
  };
  writeFileAtomic(path.join(dir, "meta.json"), JSON.stringify(meta, null, 2) + "\n");
  return meta;
}

function readMeta(name: TextRecipeName, dir: string): TextCheckpointMeta {
  const file = path.join(dir, "meta.json");
  if (!fs.existsSync(file)) throw new Error(`no checkpoint for "${name}" in ${dir}: make it with npm run train -- ${name}`);
  return JSON.parse(fs.readFileSync(file, "utf8")) as TextCheckpointMeta;
}

export async function loadTokenizer(dir = checkpointDir("vq-digits")): Promise<{ model: VQVAE; meta: TextCheckpointMeta }> {
  const meta = readMeta("vq-digits", dir);
  const model = createVQVAE(TEXT_RECIPES["vq-digits"].vq);
  await restoreVariables(dir, variableNames(model.variables));
  return { model, meta };
}

export async function loadPrior(vq: VQVAE, dir = checkpointDir("prior-digits")): Promise<{ model: Prior; meta: TextCheckpointMeta }> {
  const meta = readMeta("prior-digits", dir);
  const model = createPrior({ ...TEXT_RECIPES["prior-digits"].transformer, ...priorFor(vq) });
  await restoreVariables(dir, variableNames(model.variables));
  return { model, meta };
}

export async function loadJudge(dir = checkpointDir("clip-digits")): Promise<{ model: CLIP; meta: TextCheckpointMeta }> {
  const meta = readMeta("clip-digits", dir);
  const model = createCLIP(TEXT_RECIPES["clip-digits"].clip);
  await restoreVariables(dir, variableNames(model.variables));
  return { model, meta };
}

// ---------------------------------------------------------------------------------------------
// Drawing images for prompts, by both routes
// ---------------------------------------------------------------------------------------------

/** One prompt per spec, repeated `perSpec` times: the specs in order, and their caption ids (template `template`). */
export function promptBatch(specs: readonly CaptionSpec[], perSpec: number, template = 0): { specs: CaptionSpec[]; captions: tf.Tensor2D } {
  const rows = specs.flatMap((s) => new Array<CaptionSpec>(perSpec).fill(s));
  const ids = rows.flatMap((s) => encodeCaption(caption(s, template)));
  return { specs: rows, captions: tf.tensor2d(ids, [rows.length, CAPTION_LENGTH], "int32") };
}

/**
 * The DALL·E route: image tokens sampled from the prior for each prompt, decoded by the VQ-VAE.
 * @param captions int32 shape [P, Lc]
 * @returns images shape [P, D] in [0, 1]
 */
export function drawFromPrior(
  prior: Prior,
  vq: VQVAE,
  captions: tf.Tensor2D,
  options: PriorSamplingOptions & { seed?: number } = {},
): tf.Tensor2D {
  const rng = makeRng(options.seed ?? 0);
  const codes = samplePrior(prior, captions, { ...options, rng }); // [P, Nt]
  const images = tf.tidy(() => vq.decodeCodes(codes));
  codes.dispose();
  return images;
}

/**
 * The diffusion route: DDIM (η = 0) with classifier-free guidance on the caption's bag of words
 * (∅ = the zero vector); x_T from seed(seed).
 * @param captions int32 shape [P, Lc]
 * @returns images shape [P, D] in [0, 1]
 */
export function drawFromDiffusion(
  unet: UNet,
  schedule: Schedule,
  captions: tf.Tensor2D,
  options: { w?: number; steps?: number; seed?: number } = {},
): tf.Tensor2D {
  const P = captions.shape[0];
  const D = unet.options.side ** 2;
  seedGlobal(options.seed ?? 0);
  const xT = tf.randomNormal([P, D]) as tf.Tensor2D; // [P, D]
  const bag = captionBag(captions); // [P, Vt]
  const eps = guidedEpsTheta<tf.Tensor2D>(unet.epsTheta, bag, options.w ?? 2);
  const x0 = ddimSampleLoop(eps, [P, D], schedule, { steps: options.steps ?? 50, xT, clipX0: [-1, 1] }).x0;
  const images = tf.tidy(() => fromSymmetric(x0).clipByValue(0, 1) as tf.Tensor2D);
  tf.dispose([xT, bag, x0]);
  return images;
}

/** The stored diffusion-route set (drawn by npm run train -- text-diffusion-digits): every spec × 8, English template 0, guidance w = 5 (of w = 1, 3, 5 on 170 seen prompts it matched the prompts best: class 52, 78, 83 %). */
export const TEXT_DIFFUSION_SETS = [{ name: "prompts-w5-ddim50-seed0", perSpec: 8, w: 5, steps: 50, seed: 0, template: 0 }] as const;

/**
 * Bits per image token of the prior on many digits, in chunks (one forward pass over thousands of
 * 54-token sequences would exhaust wasm's memory): the mean of priorLoss over every image token.
 * @param captions int32 shape [M, Lc]
 * @param codes int32 shape [M, Nt]
 */
export function bitsPerImageToken(prior: Prior, captions: tf.Tensor2D, codes: tf.Tensor2D, chunk = 200): number {
  const M = captions.shape[0];
  let total = 0;
  for (let i = 0; i < M; i += chunk) {
    const n = Math.min(chunk, M - i);
    total +=
      n *
      tf.tidy(
        () =>
          priorLoss(
            prior,
            tf.slice(captions, [i, 0], [n, captions.shape[1]]) as tf.Tensor2D,
            tf.slice(codes, [i, 0], [n, codes.shape[1]]) as tf.Tensor2D,
          ).dataSync()[0],
      );
  }
  return natsToBits(total / M);
}
