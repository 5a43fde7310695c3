/**
 * MNIST digits for stages 4–7 (VAE, GAN, diffusion, conditional generation): 10,000 handwritten
 * digits, 28×28, shipped in data/mnist-10k.bin.gz (source, licence and format in data/README.md;
 * written by scripts/data/extract_mnist.py). LeCun, Bottou, Bengio & Haffner (1998).
 *
 *   loadMnist(options)          train/test images in [0, 1] as tensors + labels, fixed split
 *   batches(split, options)     seeded mini-batches that reshuffle every epoch
 *   downsample2x(images)        2×2 average pooling, 28×28 → 14×14
 *   binarize(images, options)   0/1 pixels: threshold at 0.5, or sampled with p = grey level
 *   perClassSubset(labels, k)   a seeded subset of k examples per class (small labelled sets)
 *
 * The split is fixed in the file: rows 0–7,999 train, 8,000–9,999 test (stratified per class).
 * Every loader call returns new tensors; call `mnist.dispose()` when done.
 *
 * Shapes: N examples, B batch, S image side (28, or 14 downsampled), D = S·S pixels.
 */
import * as tf from "@tensorflow/tfjs";
import * as fs from "node:fs";
import * as zlib from "node:zlib";
import { assertInt, assertShape } from "./assert";
import { dataPath, type DataOptions } from "./datasets";
import { makeRng, shuffleInPlace } from "./random";

/** The data file in data/. */
export const MNIST_FILE = "mnist-10k.bin.gz";
/** Number of digits in the file. */
export const MNIST_SIZE = 10_000;
/** Rows 0 … MNIST_TRAIN_SIZE − 1 are the training set, the rest the test set. */
export const MNIST_TRAIN_SIZE = 8_000;
/** Side of the stored images, in pixels. */
export const MNIST_SIDE = 28;

/** Options of {@link loadMnist}. */
export interface LoadMnistOptions extends DataOptions {
  /** Image tensors as `"image"` [N, S, S] or `"flat"` [N, S·S] (default `"flat"`). */
  layout?: "image" | "flat";
  /** Image side: 28 (as stored, default) or 14 (2×2 average pooling, 4× fewer pixels). */
  side?: 28 | 14;
  /**
   * Pixel values: `"grey"` the grey levels in [0, 1] (default); `"threshold"` 1 where the grey
   * level is ≥ 0.5, else 0; `"sample"` each pixel 1 with probability its grey level, drawn once
   * with `binarizeSeed` (the usual "statically binarised MNIST" of VAE papers).
   */
  pixels?: "grey" | "threshold" | "sample";
  /** Seed of the `"sample"` binarisation (default 0). */
  binarizeSeed?: number;
  /** Keep only these digit classes, e.g. [0, 1] (default: all ten). */
  digits?: number[];
  /** Keep the first n training examples (after the class filter; default all 8,000). */
  trainSize?: number;
  /** Keep the first n test examples (after the class filter; default all 2,000). */
  testSize?: number;
}

/** One half of the split. */
export interface MnistSplit {
  /** Pixels in [0, 1], float32: shape [N, D] (`layout: "flat"`) or [N, S, S] (`"image"`). */
  images: tf.Tensor2D | tf.Tensor3D;
  /** Digit classes 0–9, int32, shape [N]. */
  labels: tf.Tensor1D;
  /** The same labels as plain numbers (for colouring plots and counting without a sync). */
  labelArray: Int32Array;
  /** N. */
  size: number;
}

/** What {@link loadMnist} returns. */
export interface Mnist {
  train: MnistSplit;
  test: MnistSplit;
  /** Image side S (28 or 14). */
  side: number;
  /** Pixels per image D = S·S. */
  pixels: number;
  /** Frees the four tensors. */
  dispose(): void;
}

let cachedBytes: { file: string; labels: Uint8Array; images: Uint8Array } | undefined;

/** The raw file: N label bytes, then N·784 pixel bytes (cached after the first read). */
function readRaw(options: DataOptions): { labels: Uint8Array; images: Uint8Array } {
  const file = dataPath(MNIST_FILE, options);
  if (cachedBytes?.file === file) return cachedBytes;
  const raw = zlib.gunzipSync(fs.readFileSync(file));
  const d = MNIST_SIDE * MNIST_SIDE;
  if (raw.length !== MNIST_SIZE * (1 + d)) {
    throw new Error(`${file} has ${raw.length} bytes, expected ${MNIST_SIZE * (1 + d)} (${MNIST_SIZE} labels + ${MNIST_SIZE}·784 pixels)`);
  }
  const bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
  cachedBytes = { file, labels: bytes.subarray(0, MNIST_SIZE), images: bytes.subarray(MNIST_SIZE) };
  return cachedBytes;
}

/**
 * Loads the course's MNIST digits with the fixed train/test split.
 *
 * ```ts
 * const mnist = loadMnist({ pixels: "sample" });   // train.images [8000, 784], test.images [2000, 784]
 * const small = loadMnist({ side: 14, layout: "image" });   // [8000, 14, 14]
 * ```
 */
export function loadMnist(options: LoadMnistOptions = {}): Mnist {
  const layout = options.layout ?? "flat";
  const side = options.side ?? MNIST_SIDE;
  const pixelsMode = options.pixels ?? "grey";
  if (layout !== "image" && layout !== "flat") throw new Error(`options.layout must be "image" or "flat", got ${JSON.stringify(layout)}`);
  if (side !== 28 && side !== 14) throw new Error(`options.side must be 28 or 14, got ${JSON.stringify(side)}`);
  if (!["grey", "threshold", "sample"].includes(pixelsMode)) {
    throw new Error(`options.pixels must be "grey", "threshold" or "sample", got ${JSON.stringify(pixelsMode)}`);
  }
  const digits = options.digits ?? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  if (!Array.isArray(digits) || digits.length === 0) throw new Error("options.digits must be a non-empty array of classes 0–9");
  for (const c of digits) assertInt(c, "options.digits[i]", 0, 9);
  const keep = new Set(digits);
  const raw = readRaw(options);
  const rng = makeRng(options.binarizeSeed ?? 0);
  const d = side * side;

  const makeSplit = (from: number, to: number, limit: number | undefined, name: string): MnistSplit => {
    const rows: number[] = [];
    for (let i = from; i < to; i++) if (keep.has(raw.labels[i])) rows.push(i);
    if (limit !== undefined) {
      assertInt(limit, name, 1, rows.length);
      rows.length = limit;
    }
    const n = rows.length;
    const values = new Float32Array(n * d);
    const labelArray = new Int32Array(n);
    const full = MNIST_SIDE * MNIST_SIDE;
    rows.forEach((r, k) => {
      labelArray[k] = raw.labels[r];
      const src = raw.images.subarray(r * full, (r + 1) * full);
      const dst = values.subarray(k * d, (k + 1) * d);
      if (side === MNIST_SIDE) for (let p = 0; p < full; p++) dst[p] = src[p] / 255;
      else pool2x(src, dst, MNIST_SIDE, 1 / (4 * 255));
      if (pixelsMode === "threshold") for (let p = 0; p < d; p++) dst[p] = dst[p] >= 0.5 ? 1 : 0;
      else if (pixelsMode === "sample") for (let p = 0; p < d; p++) dst[p] = rng() < dst[p] ? 1 : 0;
    });
    const shape: [number, number] | [number, number, number] = layout === "flat" ? [n, d] : [n, side, side];
    return {
      images: tf.tensor(values, shape, "float32") as tf.Tensor2D | tf.Tensor3D,
      labels: tf.tensor1d(labelArray, "int32"),
      labelArray,
      size: n,
    };
  };

  const train = makeSplit(0, MNIST_TRAIN_SIZE, options.trainSize, "options.trainSize");
  const test = makeSplit(MNIST_TRAIN_SIZE, MNIST_SIZE, options.testSize, "options.testSize");
  return {
    train,
    test,
    side,
    pixels: d,
    dispose: () => tf.dispose([train.images, train.labels, test.images, test.labels]),
  };
}

/** Writes the 2×2 average of `src` (side s, values scaled by `scale`) into `dst` (side s/2). */
function pool2x(src: ArrayLike<number>, dst: Float32Array, s: number, scale: number): void {
  const h = s / 2;
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < h; c++) {
      const p = 2 * r * s + 2 * c;
      dst[r * h + c] = (src[p] + src[p + 1] + src[p + s] + src[p + s + 1]) * scale;
    }
  }
}

/**
 * 2×2 average pooling: 28×28 → 14×14 (any even side S → S/2).
 * @param images shape [N, S, S] or [N, S·S] (square images, S even)
 * @returns shape [N, S/2, S/2] or [N, S·S/4], the input's layout
 */
export function downsample2x<T extends tf.Tensor2D | tf.Tensor3D>(images: T): T {
  const n = images.shape[0];
  const s = images.rank === 3 ? images.shape[1] : Math.round(Math.sqrt(images.shape[1]));
  if (images.rank === 3) assertShape(images, [null, s, s], "images", ["N", "S", "S"]);
  else assertShape(images, [null, s * s], "images", ["N", "D = S·S (a square)"]);
  if (s % 2 !== 0) throw new Error(`images must have an even side to downsample by 2, got side ${s}`);
  return tf.tidy(() => {
    const x = images.reshape([n, s, s, 1]) as tf.Tensor4D; // [N, S, S, 1]
    const pooled = tf.avgPool(x, 2, 2, "valid"); // [N, S/2, S/2, 1]
    return (images.rank === 3 ? pooled.reshape([n, s / 2, s / 2]) : pooled.reshape([n, (s * s) / 4])) as T;
  });
}

/** Options of {@link binarize}. */
export interface BinarizeOptions {
  /** `"threshold"` (default): 1 where x ≥ 0.5. `"sample"`: 1 with probability x (tfjs's seeded stream, see `seed`). */
  mode?: "threshold" | "sample";
}

/**
 * Turns grey levels in [0, 1] into 0/1 pixels (a Bernoulli likelihood's natural data).
 * @param images any shape, values in [0, 1]
 * @returns the same shape, values 0 or 1
 */
export function binarize<T extends tf.Tensor>(images: T, options: BinarizeOptions = {}): T {
  const mode = options.mode ?? "threshold";
  if (mode !== "threshold" && mode !== "sample")
    throw new Error(`options.mode must be "threshold" or "sample", got ${JSON.stringify(mode)}`);
  return tf.tidy(() => {
    const cut = mode === "threshold" ? tf.scalar(0.5) : tf.randomUniform(images.shape);
    return (mode === "threshold" ? tf.greaterEqual(images, cut) : tf.less(cut, images)).cast("float32") as T;
  });
}

/** Options of {@link batches}. */
export interface BatchOptions {
  /** Examples per batch (default 128). */
  batchSize?: number;
  /** Seed of the shuffling (default 0): the same seed gives the same batches. */
  seed?: number;
  /** Shuffle every epoch (default true); false walks the rows in order. */
  shuffle?: boolean;
}

/** A seeded stream of mini-batches over one split; see {@link batches}. */
export interface Batches {
  /**
   * The next batch: images [B, …] as the split's layout and labels [B] (new tensors: dispose
   * them, or call inside tf.tidy / lib/train.ts's step). The last, smaller batch of an epoch is
   * dropped, so every batch has exactly `batchSize` rows.
   */
  next(): { images: tf.Tensor; labels: tf.Tensor1D; indices: Int32Array };
  /** The epoch the last batch came from (0 for the first pass over the data). */
  readonly epoch: number;
  /** Batches per epoch: floor(N / batchSize). */
  readonly perEpoch: number;
}

/**
 * Seeded mini-batches: each epoch is a fresh permutation of the rows (Fisher–Yates with
 * `makeRng(seed)`), cut into floor(N / B) batches.
 *
 * ```ts
 * const data = batches(mnist.train, { batchSize: 128, seed: 1 });
 * await train({ steps: 500, step: () => { const { images } = data.next(); return loss(images); } });
 * ```
 * @param split from {@link loadMnist} (images [N, …], labels [N]); any {images, labels} pair works
 */
export function batches(split: { images: tf.Tensor; labels: tf.Tensor1D }, options: BatchOptions = {}): Batches {
  const n = split.images.shape[0];
  assertShape(split.labels, [n], "split.labels", ["N"]);
  const batchSize = options.batchSize ?? 128;
  assertInt(batchSize, "options.batchSize", 1, n);
  const rng = makeRng(options.seed ?? 0);
  const shuffle = options.shuffle ?? true;
  const order = new Int32Array(n).map((_, i) => i);
  const perEpoch = Math.floor(n / batchSize);
  let position = perEpoch; // forces a shuffle on the first call
  let epoch = -1;
  return {
    next() {
      if (position >= perEpoch) {
        if (shuffle) shuffleInPlace(order, rng);
        position = 0;
        epoch++;
      }
      const indices = order.slice(position * batchSize, (position + 1) * batchSize);
      position++;
      return tf.tidy(() => {
        const idx = tf.tensor1d(indices, "int32");
        return { images: tf.gather(split.images, idx), labels: tf.gather(split.labels, idx) as tf.Tensor1D, indices };
      });
    },
    get epoch() {
      return Math.max(epoch, 0);
    },
    perEpoch,
  };
}

/**
 * A seeded subset of `k` examples per class, for the small-labelled-set experiments: each class's
 * rows, in order, are shuffled (Fisher–Yates, one `makeRng(seed)` stream over classes 0…9) and
 * the first k kept.
 * @param labels shape [N], integers in [0, 10)
 * @param k examples per class, an integer ≥ 1 (a class with fewer gives all it has)
 * @param seed of the shuffle (default 0)
 * @returns row indices, class 0's first, shape [≤ 10·k]
 */
export function perClassSubset(labels: ArrayLike<number>, k: number, seed = 0): number[] {
  assertInt(k, "k", 1);
  const rng = makeRng(seed);
  const byClass: number[][] = Array.from({ length: 10 }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!(Number.isInteger(label) && label >= 0 && label < 10)) {
      throw new Error(`labels must be integers in [0, 10), got labels[${i}] = ${label}`);
    }
    byClass[label].push(i);
  }
  const out: number[] = [];
  for (const rows of byClass) out.push(...shuffleInPlace(rows, rng).slice(0, k));
  return out;
}

/**
 * Pixels from [0, 1] to [−1, 1], x ↦ 2x − 1: the range of the diffusion stages (the Gaussian noise
 * is centred on 0) and of a tanh generator. The inverse is {@link fromSymmetric}.
 * @param x pixels in [0, 1], any shape (e.g. [N, D])
 * @returns the same shape, in [−1, 1]
 */
export function toSymmetric<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => x.mul(2).sub(1)) as T;
}

/**
 * Pixels from [−1, 1] back to [0, 1], x ↦ (x + 1) / 2 (no clipping: a sample outside [−1, 1] stays
 * outside [0, 1]; {@link toImages} clips for display).
 * @param x pixels in [−1, 1], any shape (e.g. [N, D])
 * @returns the same shape, in [0, 1]
 */
export function fromSymmetric<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => x.add(1).div(2)) as T;
}

/**
 * Flat pixel rows as square images for `imageGrid`: clipped to [0, 1], reshaped to [N, S, S].
 * Rows in [−1, 1] go through {@link fromSymmetric} first.
 * @param x shape [N, D], D = S·S pixels in [0, 1]
 * @returns shape [N, S, S]
 */
export function toImages(x: tf.Tensor2D): tf.Tensor3D {
  if (x.rank !== 2) throw new Error(`x must be pixel rows [N, D], got shape [${x.shape}]`);
  const side = Math.round(Math.sqrt(x.shape[1]));
  if (side * side !== x.shape[1]) throw new Error(`x must have D = S·S pixels per row (a square image), got D = ${x.shape[1]}`);
  return tf.tidy(() => x.clipByValue(0, 1).reshape([-1, side, side])) as tf.Tensor3D;
}
