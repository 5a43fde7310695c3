// lib/random.ts: the global stream and tfjs; the explicit streams against a Python
// re-implementation of splitmix32 + sfc32, Box–Muller and Fisher–Yates (tests/reference/
// random_reference.py → random.json); each draw's closed form on a scripted generator; moments.
import * as tf from "@tensorflow/tfjs";
import * as fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { selectBackend } from "../../lib/engine/backend";
import {
  choice,
  makeRng,
  normalFrom,
  rand,
  randInt,
  randn,
  sampleIndex,
  seed,
  shuffled,
  shuffleInPlace,
  uniformFrom,
  unseed,
  type Rng,
} from "../../lib/random";
import { expectClose } from "../helpers/close";

const ref = JSON.parse(fs.readFileSync("tests/reference/random.json", "utf8"));

/** A generator that returns `values` in turn (and throws when they run out). */
function scripted(values: number[]): Rng {
  let i = 0;
  return () => {
    if (i >= values.length) throw new Error("scripted generator exhausted");
    return values[i++];
  };
}

afterEach(() => unseed());

describe("seed", () => {
  it("makes tfjs's unseeded ops and weight initialisers repeat", async () => {
    await selectBackend({ quiet: true });
    const draw = () =>
      tf.tidy(() => {
        const layer = tf.layers.dense({ units: 3, inputShape: [2] });
        layer.build([null, 2]);
        return [...tf.randomNormal([4]).dataSync(), ...tf.randomUniform([4]).dataSync(), ...layer.getWeights()[0].dataSync()];
      });
    seed(42);
    const a = draw();
    seed(42);
    const b = draw();
    seed(43);
    const c = draw();
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it("treats 0 as a seed like any other", () => {
    seed(0);
    const a = [rand(), rand()];
    seed(0);
    expect([rand(), rand()]).toEqual(a);
    seed(1);
    expect([rand(), rand()]).not.toEqual(a);
  });

  it("draws uniform numbers in [0, 1) with mean near 1/2", () => {
    const r = makeRng(7);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const u = r();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
    }
    expect(Math.abs(sum / 100_000 - 0.5)).toBeLessThan(0.005);
  });
});

describe("explicit streams", () => {
  it("makeRng, normalFrom and shuffleInPlace reproduce the Python re-implementation draw for draw", () => {
    for (const seedValue of [0, 1, 42, -7]) {
      const r = makeRng(seedValue);
      const want = ref[String(seedValue)];
      expect(Array.from({ length: 5 }, () => r())).toEqual(want.uniform);
      expectClose(
        Array.from({ length: 5 }, () => normalFrom(r)),
        want.normal,
        { rtol: 1e-14, atol: 1e-15 },
      );
      expect(
        shuffleInPlace(
          Array.from({ length: 10 }, (_, i) => i),
          r,
        ),
      ).toEqual(want.shuffle);
    }
  });

  it("normalFrom is Box–Muller √(−2 ln u)·cos(2πv), redrawing u = 0", () => {
    expectClose(normalFrom(scripted([0.25, 0.5])), -Math.sqrt(-2 * Math.log(0.25)), { rtol: 1e-15 });
    expectClose(normalFrom(scripted([0, 0, Math.exp(-2), 0])), 2, { rtol: 1e-15 });
    expectClose(randn(scripted([0.5, 0.25])), 0, { atol: 1e-15 }); // cos(π/2)
  });

  it("shuffleInPlace swaps items[i] with items[⌊(i + 1)u⌋] from the end, also in typed arrays", () => {
    // i = 3: j = ⌊4·0⌋ = 0 → [d, b, c, a]; i = 2: j = ⌊3·0.99⌋ = 2; i = 1: j = ⌊2·0.5⌋ = 1
    expect(shuffleInPlace(["a", "b", "c", "d"], scripted([0, 0.99, 0.5]))).toEqual(["d", "b", "c", "a"]);
    const typed = Int32Array.from([1, 2, 3]);
    expect(shuffleInPlace(typed, scripted([0, 0]))).toBe(typed); // i = 2 ↔ 0, then i = 1 ↔ 0
    expect(Array.from(typed)).toEqual([2, 3, 1]);
    expect(shuffleInPlace([], scripted([]))).toEqual([]);
  });

  it("shuffled leaves its input alone and gives each of the 6 permutations of 3 about equally often", () => {
    const items = [0, 1, 2];
    const r = makeRng(3);
    const counts = new Map<string, number>();
    for (let n = 0; n < 60_000; n++) {
      const key = shuffled(items, r).join("");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(items).toEqual([0, 1, 2]);
    expect(counts.size).toBe(6);
    for (const c of counts.values()) expect(Math.abs(c - 10_000)).toBeLessThan(400); // ≈ 4 standard deviations
  });

  it("uniformFrom, randInt, choice and sampleIndex invert the uniform draw as documented", () => {
    expect(uniformFrom(-2, 6, scripted([0.25]))).toBe(0);
    expect(randInt(10, scripted([0.999]))).toBe(9);
    expect(choice(["x", "y", "z"], scripted([0.5]))).toBe("y");
    // weights [1, 0, 3]: u·4 = 0.9 falls in the first; 1.2 skips the empty one into the third
    expect(sampleIndex([1, 0, 3], scripted([0.225]))).toBe(0);
    expect(sampleIndex([1, 0, 3], scripted([0.3]))).toBe(2);
  });

  it("a standard normal's moments: mean 0, variance 1, kurtosis 3 (100,000 draws)", () => {
    const r = makeRng(11);
    const x = Array.from({ length: 100_000 }, () => normalFrom(r));
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    const m2 = x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length;
    const m4 = x.reduce((s, v) => s + (v - mean) ** 4, 0) / x.length;
    expect(Math.abs(mean)).toBeLessThan(0.015); // standard error 0.0032
    expect(Math.abs(m2 - 1)).toBeLessThan(0.02); // standard error 0.0045
    expect(Math.abs(m4 / (m2 * m2) - 3)).toBeLessThan(0.1);
  });

  it("draws from the global stream without an rng, so seed(n) makes them repeat", () => {
    const draw = () => [randn(), randInt(100), uniformFrom(0, 1), choice([1, 2, 3]), sampleIndex([1, 1]), ...shuffled([1, 2, 3, 4])];
    seed(5);
    const a = draw();
    seed(5);
    expect(draw()).toEqual(a);
    seed(6);
    expect(draw()).not.toEqual(a);
  });

  it("names the bad argument", () => {
    expect(() => randInt(0)).toThrow("randInt: n must be a positive integer, got 0");
    expect(() => uniformFrom(1, 0)).toThrow("uniformFrom: need finite lo ≤ hi, got lo = 1, hi = 0");
    expect(() => choice([])).toThrow("choice: items must not be empty");
    expect(() => sampleIndex([0, 0])).toThrow("sampleIndex: weights must not all be zero");
    expect(() => sampleIndex([1, -1])).toThrow("weights[1] = -1");
    expect(() => makeRng(1.5)).toThrow("seed must be an integer, got 1.5");
  });
});
