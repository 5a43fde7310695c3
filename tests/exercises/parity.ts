/**
 * What every parity test (tests/exercises/parity-NN.test.ts) shares: the backend, a leak check
 * around each test with the global stream unseeded after it, and `Same`, the compile-time check
 * that lib, the solution and the stub agree on a shared name's signature.
 */
import * as tf from "@tensorflow/tfjs";
import { afterEach, beforeAll, beforeEach, expect } from "vitest";
import { selectBackend } from "../../lib/engine/backend";
import { unseed } from "../../lib/random";

/** true only when A and B are assignable both ways (for functions: the same signature). */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** Selects the backend once; after each test, unseeds the global stream and checks that no tensor leaked. */
export function parityHooks(): void {
  beforeAll(async () => {
    await selectBackend({ quiet: true });
  });
  let before = 0;
  beforeEach(() => {
    before = tf.memory().numTensors;
  });
  afterEach(() => {
    unseed();
    expect(tf.memory().numTensors, "tensors leaked").toBe(before);
  });
}
