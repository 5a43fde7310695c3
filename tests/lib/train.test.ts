import * as tf from "@tensorflow/tfjs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { seed, unseed } from "../../lib/random";
import { movingAverage, train } from "../../lib/train";
import { expectClose } from "../helpers/close";

afterEach(() => {
  unseed();
  vi.restoreAllMocks();
});

describe("train", () => {
  it("fits a line, records every step's loss, and leaks nothing", async () => {
    seed(3);
    const xs = tf.tidy(() => tf.linspace(-1, 1, 32).reshape([32, 1]));
    const ys = tf.tidy(() => xs.mul(3).sub(0.5));
    const w = tf.variable(tf.zeros([1, 1]));
    const b = tf.variable(tf.zeros([1]));
    const opt = tf.train.sgd(0.2);
    const before = tf.memory().numTensors;
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const result = await train({
      steps: 300,
      reportEvery: 50,
      plot: false,
      step: () => opt.minimize(() => tf.losses.meanSquaredError(ys, xs.matMul(w).add(b)) as tf.Scalar, true)!,
    });
    expect(log).toHaveBeenCalled(); // the progress line, on a terminal
    expect(result.losses).toHaveLength(300);
    expect(result.losses[299]).toBeLessThan(1e-4 * result.losses[0]);
    expectClose(w, [[3]], { atol: 1e-2 });
    expectClose(b, [-0.5], { atol: 1e-2 });
    expect(result.leakedTensors).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([xs, ys, w, b]);
  });

  it("says when tensors leak out of step()", async () => {
    const kept: tf.Tensor[] = [];
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    vi.spyOn(console, "log").mockImplementation(() => {});
    const result = await train({
      steps: 5,
      plot: false,
      step: () => {
        kept.push(tf.keep(tf.ones([2])));
        return tf.scalar(1);
      },
    });
    expect(result.leakedTensors).toBe(4); // counted from after the first step
    expect(warn.mock.calls[0][0]).toMatch(/4 tensors stayed allocated over 5 steps/);
    tf.dispose(kept);
  });

  it("accepts plain-number losses and no loss at all", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const a = await train({ steps: 3, plot: false, step: (i) => i * 2 });
    expect(a.losses).toEqual([0, 2, 4]);
    const b = await train({ steps: 2, plot: false, progress: false, step: () => {} });
    expect(b.losses.every(Number.isNaN)).toBe(true);
  });

  it("names the bad option", async () => {
    await expect(train({ steps: 0, step: () => 1 })).rejects.toThrow(/steps must be an integer ≥ 1, got 0/);
    await expect(train({ steps: 2, step: () => 1, reportEvery: 0.5 })).rejects.toThrow(/reportEvery/);
    await expect(train({ steps: 2, plot: false, progress: false, step: () => tf.ones([2]) as tf.Scalar })).rejects.toThrow(
      /scalar loss, got shape \[2\]/,
    );
  });
});

describe("movingAverage", () => {
  it("averages a trailing window and skips NaN", () => {
    expect(movingAverage([1, 2, 3, 4], 2)).toEqual([1, 1.5, 2.5, 3.5]);
    expect(movingAverage([1, NaN, 3], 2)).toEqual([1, 1, 3]);
  });
});
