// lib/classifier.ts, the judge: shapes, the seeded draw order of its weights, training on a
// separable toy task, checkpoints (including one saved in the w0, b0, … format of earlier
// versions), errors and leaks.
import * as tf from "@tensorflow/tfjs";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  checkpointNames,
  conditionalAccuracy,
  createDigitClassifier,
  loadOrTrainClassifier,
  trainDigitClassifier,
} from "../../lib/classifier";
import { saveTensors } from "../../lib/engine/checkpoint";
import { seed, unseed } from "../../lib/random";
import { expectClose } from "../helpers/close";

afterEach(() => unseed());

/** Two classes told apart by which half of the 8 "pixels" is lit. */
function toyTask(n = 64): { images: tf.Tensor2D; labels: tf.Tensor1D; labelsArr: number[] } {
  const labelsArr = Array.from({ length: n }, (_, i) => i % 2);
  const rows = labelsArr.map((c) => Array.from({ length: 8 }, (_, j) => (j < 4 === (c === 0) ? 1 : 0) + 0.1 * Math.random()));
  return { images: tf.tensor2d(rows), labels: tf.tensor1d(labelsArr, "int32"), labelsArr };
}

describe("digit classifier", () => {
  it("has the documented shapes; variables are an array, w then b per layer, drawn in that order", () => {
    seed(5);
    const clf = createDigitClassifier({ inputDim: 8, hidden: [16, 6] });
    expect(clf.variables.map((v) => v.shape)).toEqual([[8, 16], [16], [16, 6], [6], [6, 10], [10]]);
    expect(Object.keys(checkpointNames(clf))).toEqual(["w0", "b0", "w1", "b1", "w2", "b2"]);
    // the same stream drawn by hand, in the order of the earlier Record-based version
    seed(5);
    const sizes = [8, 16, 6, 10];
    const byHand = sizes.slice(1).flatMap((out, l) => {
      const bound = 1 / Math.sqrt(sizes[l]);
      return [tf.randomUniform([sizes[l], out], -bound, bound), tf.randomUniform([out], -bound, bound)];
    });
    byHand.forEach((t, i) => expectClose(clf.variables[i], t, { rtol: 0, atol: 0 }));
    const x = tf.randomUniform([5, 8]) as tf.Tensor2D;
    const f = clf.features(x);
    const lg = clf.logits(x);
    const p = clf.predict(x);
    expect([f.shape, lg.shape, p.shape, p.dtype]).toEqual([[5, 6], [5, 10], [5], "int32"]);
    // logits = relu(relu(x·w0 + b0)·w1 + b1)·w2 + b2
    const manual = tf.tidy(() => {
      const h1 = tf.relu(x.matMul(byHand[0]).add(byHand[1])); // [5, 16]
      const h2 = tf.relu(h1.matMul(byHand[2]).add(byHand[3])); // [5, 6]
      return h2.matMul(byHand[4]).add(byHand[5]); // [5, 10]
    });
    expectClose(lg, manual, { rtol: 1e-5, atol: 1e-6 });
    expect(() => clf.features(tf.zeros([2, 7]) as tf.Tensor2D)).toThrow(/x/);
    expect(() => createDigitClassifier({ hidden: [] })).toThrow(/options.hidden/);
    expect(() => createDigitClassifier({ inputDim: 0 })).toThrow(/options.inputDim/);
    tf.dispose([x, f, lg, p, manual, ...byHand]);
    clf.dispose();
  });

  it("learns a separable toy task, checkpoints and does not leak", async () => {
    seed(0);
    const { images, labels, labelsArr } = toyTask();
    const clf = createDigitClassifier({ inputDim: 8, hidden: [16, 6] });
    const before = tf.memory().numTensors;
    const loss = await trainDigitClassifier(clf, { images, labels }, { steps: 150, batchSize: 32, learningRate: 1e-2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(loss).toBeLessThan(0.05);
    expect(conditionalAccuracy(clf, images, labelsArr)).toBe(1);
    expect(() => conditionalAccuracy(clf, images, [0, 1])).toThrow(/targets has 2 entries, images has 64 rows/);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "classifier-"));
    const options = { inputDim: 8, hidden: [16, 6], steps: 100, batchSize: 32, learningRate: 1e-2 };
    const first = await loadOrTrainClassifier(dir, { images, labels }, options);
    expect(first.trained).toBe(true);
    const second = await loadOrTrainClassifier(dir, { images, labels }, { inputDim: 8, hidden: [16, 6] });
    expect(second.trained).toBe(false);
    const a = first.classifier.logits(images);
    const b = second.classifier.logits(images);
    expectClose(b, a, { rtol: 1e-6, atol: 1e-6 });
    tf.dispose([a, b, images, labels]);
    [clf, first.classifier, second.classifier].forEach((c) => c.dispose());
    fs.rmSync(dir, { recursive: true });
  });

  it("restores a checkpoint saved under the names w0, b0, … (what build/checkpoints/07-digit-classifier holds)", async () => {
    seed(1);
    const sizes = [8, 4, 10];
    const saved: Record<string, tf.Tensor> = {};
    sizes.slice(1).forEach((out, l) => {
      saved[`w${l}`] = tf.randomNormal([sizes[l], out]);
      saved[`b${l}`] = tf.randomNormal([out]);
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "classifier-old-"));
    await saveTensors(dir, saved);
    const { images, labels } = toyTask(4);
    const { classifier, trained } = await loadOrTrainClassifier(dir, { images, labels }, { inputDim: 8, hidden: [4] });
    expect(trained).toBe(false);
    const expected = tf.tidy(() => tf.relu(images.matMul(saved.w0).add(saved.b0)).matMul(saved.w1).add(saved.b1));
    const got = classifier.logits(images);
    expectClose(got, expected, { rtol: 1e-5, atol: 1e-6 });
    tf.dispose([expected, got, images, labels, ...Object.values(saved)]);
    classifier.dispose();
    fs.rmSync(dir, { recursive: true });
  });
});
