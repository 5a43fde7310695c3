import * as tf from "@tensorflow/tfjs";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fileIO, loadTensors, restoreVariables, saveTensors } from "../../../lib/engine/checkpoint";
import { seed } from "../../../lib/random";
import { expectClose } from "../../helpers/close";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "genai-ckpt-"));

describe("fileIO", () => {
  it("round-trips a layers model through disk", async () => {
    seed(1);
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 4, inputShape: [3], activation: "relu" }), tf.layers.dense({ units: 2 })],
    });
    const dir = tmp();
    await model.save(fileIO(dir));
    expect(fs.readdirSync(dir).sort()).toEqual(["model.json", "weights.bin"]);
    const loaded = await tf.loadLayersModel(fileIO(dir));
    const x = tf.tensor2d([
      [1, 2, 3],
      [-1, 0, 0.5],
    ]);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expectClose(b, a);
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });

  it("says which folder has no checkpoint", async () => {
    await expect(tf.loadLayersModel(fileIO(path.join(tmp(), "nope")))).rejects.toThrow(/no checkpoint in .*nope/);
  });
});

describe("saveTensors / loadTensors / restoreVariables", () => {
  it("round-trips named tensors of several dtypes without leaking", async () => {
    const dir = tmp();
    const w = tf.tensor2d([
      [1.5, -2],
      [3, 4e-3],
    ]);
    const ids = tf.tensor1d([3, 1, 2], "int32");
    const before = tf.memory().numTensors;
    await saveTensors(dir, { w, ids });
    const back = await loadTensors(dir);
    expect(Object.keys(back).sort()).toEqual(["ids", "w"]);
    expectClose(back.w, [
      [1.5, -2],
      [3, 4e-3],
    ]);
    expect(back.ids.dtype).toBe("int32");
    expect(Array.from(back.ids.dataSync())).toEqual([3, 1, 2]);
    tf.dispose(Object.values(back));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([w, ids]);
  });

  it("leaves no temporary files and overwrites atomically", async () => {
    const dir = tmp();
    await saveTensors(dir, { a: tf.scalar(1) });
    await saveTensors(dir, { a: tf.scalar(2) });
    expect(fs.readdirSync(dir).sort()).toEqual(["model.json", "weights.bin"]);
    const back = await loadTensors(dir);
    expect(back.a.dataSync()[0]).toBe(2);
    tf.dispose(Object.values(back));
  });

  it("restores variables and names a shape mismatch", async () => {
    const dir = tmp();
    await saveTensors(dir, { w: tf.ones([2, 3]) });
    const v = tf.variable(tf.zeros([2, 3]));
    await restoreVariables(dir, { w: v });
    expectClose(v, [
      [1, 1, 1],
      [1, 1, 1],
    ]);
    const wrong = tf.variable(tf.zeros([3, 2]));
    await expect(restoreVariables(dir, { w: wrong })).rejects.toThrow(/"w" has shape \[2,3\].*\[3,2\]/);
    await expect(restoreVariables(dir, { b: wrong })).rejects.toThrow(/no tensor "b"/);
    v.dispose();
    wrong.dispose();
  });
});
