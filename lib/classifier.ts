/**
 * The judge: a small MLP digit classifier that every generative model of the course is scored
 * with. Its penultimate layer supplies the features for FID and KID (lib/metrics.ts) and its
 * predictions give conditional accuracy ("does the generated 7 classify as 7?"), the role the
 * Inception network plays for FID (Heusel et al. 2017) and Inception Score (Salimans et al. 2016).
 * Taught in notebooks/07-conditional-generation.ipynb §1.
 *
 *   createDigitClassifier    D → hidden… (ReLU) → 10 logits, lib/layers.ts's dense layers
 *   trainDigitClassifier     softmax cross-entropy and Adam, through lib/train.ts's loop
 *   loadOrTrainClassifier    restore the checkpoint in a folder, or train and save it there
 *   conditionalAccuracy      the share of images classified as the class they were asked for
 *
 * Shapes: B batch, N training set size, D pixels per flat image, F features (the last hidden
 * width), K classes (10).
 */
import fs from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { assertInt, assertShape } from "./assert";
import { restoreVariables, saveTensors } from "./engine/checkpoint";
import { oneHotFloat } from "./engine/ops";
import { adam } from "./engine/optimizers";
import { applyDense, createMLP, dense } from "./layers";
import { batches } from "./mnist";
import { train } from "./train";

/** Number of digit classes K. */
const K = 10;

export interface DigitClassifierOptions {
  /** Pixels D per flat image (default 196: 14 × 14 digits). */
  inputDim?: number;
  /** Hidden widths (default [256, 64]); the last one is the feature size F. */
  hidden?: number[];
}

/** An MLP classifier D → hidden… → 10 (the model contract of lib/README.md). */
export interface DigitClassifier {
  /** @param x shape [B, D] in [0, 1] @returns logits, shape [B, 10] */
  logits(x: tf.Tensor2D): tf.Tensor2D;
  /** The penultimate layer (after ReLU): the features for FID/KID. @param x shape [B, D] @returns [B, F] */
  features(x: tf.Tensor2D): tf.Tensor2D;
  /** Most likely class. @param x shape [B, D] @returns int32 [B] */
  predict(x: tf.Tensor2D): tf.Tensor1D;
  /** w then b of each layer, input layer first (the optimiser's list; `checkpointNames` names them). */
  variables: tf.Variable[];
  inputDim: number;
  dispose(): void;
}

/**
 * A digit classifier with PyTorch's nn.Linear initialisation: hidden layers D → hidden (ReLU
 * after each, the last included: the features) and a linear head F → 10, drawn w then b, layer
 * by layer.
 */
export function createDigitClassifier(options: DigitClassifierOptions = {}): DigitClassifier {
  const { inputDim: D = 196, hidden = [256, 64] } = options;
  assertInt(D, "options.inputDim", 1);
  if (!Array.isArray(hidden) || hidden.length === 0) throw new Error("options.hidden must list at least one hidden width, e.g. [256, 64]");
  hidden.forEach((h, i) => assertInt(h, `options.hidden[${i}]`, 1));
  const body = createMLP([D, ...hidden], { output: "relu" });
  const head = dense(hidden[hidden.length - 1], K);
  const variables = [...body.variables, head.w, head.b];
  const features = (x: tf.Tensor2D) => {
    assertShape(x, [null, D], "x", ["B", "D"]);
    return body.apply(x); // [B, F]
  };
  const logits = (x: tf.Tensor2D) => tf.tidy(() => applyDense(head, features(x))); // [B, 10]
  const predict = (x: tf.Tensor2D) => tf.tidy(() => logits(x).argMax(1) as tf.Tensor1D); // [B]
  return { logits, features, predict, variables, inputDim: D, dispose: () => tf.dispose(variables) };
}

/**
 * The classifier's variables by their checkpoint names, w0, b0, w1, b1, … (layer by layer), the
 * names `loadOrTrainClassifier` has always saved under, so cached checkpoints keep loading.
 */
export function checkpointNames(classifier: DigitClassifier): Record<string, tf.Variable> {
  const named: Record<string, tf.Variable> = {};
  classifier.variables.forEach((v, i) => {
    named[`${i % 2 === 0 ? "w" : "b"}${Math.floor(i / 2)}`] = v;
  });
  return named;
}

export interface TrainClassifierOptions {
  /** Optimiser steps (default 600). */
  steps?: number;
  /** Batch size (default 128, capped at N). */
  batchSize?: number;
  /** Adam learning rate (default 1e-3). */
  learningRate?: number;
  /** Seed of the batch order (default 0). */
  seed?: number;
}

/**
 * Trains the classifier with softmax cross-entropy and Adam, through lib/train.ts's loop (no
 * progress line, no plot).
 * @param data images [N, D] in [0, 1], labels int32 [N]
 * @returns the mean loss of the last 50 steps
 */
export async function trainDigitClassifier(
  clf: DigitClassifier,
  data: { images: tf.Tensor2D; labels: tf.Tensor1D },
  options: TrainClassifierOptions = {},
): Promise<number> {
  assertShape(data.images, [null, clf.inputDim], "data.images", ["N", "D"]);
  const N = data.images.shape[0];
  const { steps = 600, learningRate = 1e-3, seed = 0 } = options;
  const batchSize = Math.min(options.batchSize ?? 128, N);
  const stream = batches(data, { batchSize, seed });
  const optimizer = adam(learningRate);
  const { losses } = await train({
    steps,
    progress: false,
    plot: false,
    step: () => {
      const { images, labels } = stream.next();
      const onehot = oneHotFloat(labels as tf.Tensor1D, K); // [B, K]
      const loss = () => tf.losses.softmaxCrossEntropy(onehot, clf.logits(images as tf.Tensor2D)) as tf.Scalar;
      return optimizer.minimize(loss, true, clf.variables)!;
    },
  });
  optimizer.dispose();
  const tail = losses.slice(-50);
  return tail.reduce((a, b) => a + b, 0) / tail.length;
}

/**
 * The course's judge: restores the classifier from `dir` when a checkpoint is there, otherwise
 * trains it on `data` and saves it to `dir` (under build/, git-ignored; notebook 07 uses
 * build/checkpoints/07-digit-classifier).
 * @returns the classifier and whether it was trained now
 */
export async function loadOrTrainClassifier(
  dir: string,
  data: { images: tf.Tensor2D; labels: tf.Tensor1D },
  options: DigitClassifierOptions & TrainClassifierOptions = {},
): Promise<{ classifier: DigitClassifier; trained: boolean }> {
  const classifier = createDigitClassifier(options);
  if (fs.existsSync(`${dir}/model.json`)) {
    try {
      await restoreVariables(dir, checkpointNames(classifier));
      return { classifier, trained: false };
    } catch {
      // a checkpoint of another architecture: retrain and overwrite it below
    }
  }
  await trainDigitClassifier(classifier, data, options);
  await saveTensors(dir, checkpointNames(classifier));
  return { classifier, trained: true };
}

/**
 * Conditional accuracy: the fraction of generated images the classifier puts in the class they
 * were asked for ("does the generated 7 classify as 7?"). Also the plain test accuracy when
 * `targets` are the true labels.
 * @param images shape [B, D]
 * @param targets int32 [B] or plain numbers
 */
export function conditionalAccuracy(classifier: DigitClassifier, images: tf.Tensor2D, targets: tf.Tensor1D | ArrayLike<number>): number {
  const B = images.shape[0];
  const want = targets instanceof tf.Tensor ? targets.dataSync() : targets;
  if (want.length !== B) throw new Error(`conditionalAccuracy: targets has ${want.length} entries, images has ${B} rows`);
  const pred = classifier.predict(images);
  const got = pred.dataSync();
  pred.dispose();
  let hits = 0;
  for (let i = 0; i < B; i++) if (got[i] === want[i]) hits++;
  return hits / B;
}
