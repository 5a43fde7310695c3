// lib/checker/leak.ts (the checker's tensor count) and tests/helpers/leak.ts `expectNoLeak`, which uses it.
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { countNewTensors, tensorIds } from "../../../lib/checker/leak";
import { expectNoLeak } from "../../helpers/leak";

describe("countNewTensors", () => {
  it("counts the tensors a call leaves allocated, sync and async, and passes its result", async () => {
    let added = -1;
    const out = countNewTensors(
      () => [tf.scalar(1), tf.scalar(2)],
      (n) => (added = n),
    );
    expect(added).toBe(2);
    tf.dispose(out);
    const value = await countNewTensors(
      async () => {
        const kept = tf.scalar(3);
        tf.tidy(() => {
          tf.add(kept, 1); // tidied: not counted
        });
        return kept;
      },
      (n) => (added = n),
    );
    expect(added).toBe(1);
    value.dispose();
  });

  it("lets an exception through without counting", () => {
    let called = false;
    expect(() =>
      countNewTensors(
        () => {
          throw new Error("boom");
        },
        () => (called = true),
      ),
    ).toThrow("boom");
    expect(called).toBe(false);
  });
});

describe("tensorIds", () => {
  it("finds the tensors in arrays and objects", () => {
    const a = tf.scalar(1);
    const b = tf.scalar(2);
    expect([...tensorIds({ output: a, parts: [b, 3] })].sort()).toEqual([a.id, b.id].sort());
    tf.dispose([a, b]);
  });
});

describe("expectNoLeak", () => {
  it("passes when exactly `returned` tensors are left, and returns the result", async () => {
    const t = expectNoLeak(() => tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2))), 1);
    expect(t.dataSync()[0]).toBe(3);
    t.dispose();
    await expectNoLeak(async () => tf.dispose(tf.scalar(1)));
  });

  it("fails on a leak or on fewer tensors than said, sync and async", async () => {
    const left: tf.Tensor[] = [];
    expect(() => expectNoLeak(() => void left.push(tf.scalar(1)))).toThrow(/tensors left allocated/);
    expect(() => expectNoLeak(() => undefined, 1)).toThrow(/tensors left allocated/);
    await expect(expectNoLeak(async () => void left.push(tf.scalar(1)))).rejects.toThrow(/tensors left allocated/);
    expect(left.length).toBe(2);
    tf.dispose(left);
  });
});
