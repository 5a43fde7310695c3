/**
 * The one tensor-leak assertion of the test suite: `fn` may leave exactly `returned` more tensors
 * allocated than before it (what it returns); for an async `fn`, counted when its Promise resolves.
 * The count is lib/checker/leak.ts `countNewTensors`, the one the exercise checker uses.
 *
 *   const out = expectNoLeak(() => qSample(x0, t, eps, s), 1);          // returns one tensor
 *   await expectNoLeak(async () => { ...; tf.dispose(everything); });    // leaves nothing
 */
import { expect } from "vitest";
import { countNewTensors } from "../../lib/checker/leak";

/** Runs `fn` and checks it leaves `returned` tensors allocated (default 0); returns what `fn` returns. */
export function expectNoLeak<T>(fn: () => T, returned = 0): T {
  return countNewTensors(fn, (added) => {
    expect(added, `tensors left allocated (expected ${returned}, what the function returns)`).toBe(returned);
  });
}
