// lib/metrics.ts: FID and KID against scipy/numpy (tests/reference/metrics_reference.py →
// metrics.json) on synthetic features; FID against the Gaussian closed form; diversity;
// likelihood units; the anomaly AUC. (The classifier's tests are in classifier.test.ts.)
import * as tf from "@tensorflow/tfjs";
import * as fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import {
  borderIntensity,
  borderParts,
  classShares,
  separatedOrder,
  anomalyAUC,
  featureStats,
  fid,
  frechetDistance,
  kid,
  likelihoodUnits,
  meanNearestDistance,
  sampleDiversity,
} from "../../lib/metrics";
import type { Matrix } from "../../lib/numerics";
import { seed, unseed } from "../../lib/random";
import { expectClose } from "../helpers/close";

const ref = JSON.parse(fs.readFileSync("tests/reference/metrics.json", "utf8"));
const X: Matrix = ref.X;
const Y: Matrix = ref.Y;

afterEach(() => unseed());

describe("FID", () => {
  it("matches scipy on correlated synthetic features", () => {
    expectClose(fid(X, Y), ref.fid, { rtol: 1e-8 });
    const tx = tf.tensor2d(X);
    const ty = tf.tensor2d(Y);
    expectClose(fid(tx, ty), ref.fid, { rtol: 1e-5 }); // float32 features
    tf.dispose([tx, ty]);
  });
  it("is 0 against itself and ‖δ‖² against a shifted copy (same Σ)", () => {
    expect(fid(X, X)).toBeLessThan(1e-9);
    const delta = [1, -2, 0.5, 3];
    const shifted = X.map((r) => r.map((v, j) => v + delta[j]));
    expectClose(fid(X, shifted), 1 + 4 + 0.25 + 9, { rtol: 1e-9 });
  });
  it("matches the closed form for Gaussians: diagonal Σ gives Σᵢ (√aᵢ − √bᵢ)² + ‖μ₁ − μ₂‖²", () => {
    const a = [1, 4, 9];
    const b = [4, 1, 16];
    const diag = (v: number[]) => v.map((x, i) => v.map((_, j) => (i === j ? x : 0)));
    const d = frechetDistance({ mu: [0, 0, 0], sigma: diag(a) }, { mu: [1, 2, 0], sigma: diag(b) });
    // (1 − 2)² + (2 − 1)² + (3 − 4)² = 3, plus 1 + 4 = 5
    expectClose(d, 8, { rtol: 1e-10 });
  });
  it("uses the matrix square root, not Σ₁Σ₂ or the entrywise root (non-commuting case)", () => {
    const s1 = [
      [2, 1],
      [1, 2],
    ];
    const s2 = [
      [1, 0],
      [0, 4],
    ];
    // Tr((Σ₁Σ₂)^½) = √(Tr(Σ₁Σ₂) + 2√det(Σ₁Σ₂)) for 2×2: Σ₁Σ₂ = [[2, 4], [1, 8]], tr 10, det 12
    const expected = 4 + 5 - 2 * Math.sqrt(10 + 2 * Math.sqrt(12));
    expectClose(frechetDistance({ mu: [0, 0], sigma: s1 }, { mu: [0, 0], sigma: s2 }), expected, { rtol: 1e-10 });
  });
  it("says what is wrong with bad input", () => {
    expect(() => featureStats([[1, 2]])).toThrow(/at least 2 rows/);
    expect(() => frechetDistance(featureStats(X), { mu: [0], sigma: [[1]] })).toThrow(/4 and 1 features/);
  });
});

describe("KID", () => {
  it("matches numpy, is ≈ 0 against itself and grows with a shift", () => {
    const tx = tf.tensor2d(X);
    const ty = tf.tensor2d(Y);
    const before = tf.memory().numTensors;
    expectClose(kid(tx, ty), ref.kid, { rtol: 1e-4 });
    expectClose(kid(tx, tx), ref.kidSelf, { rtol: 1e-3, atol: 1e-3 });
    expect(tf.memory().numTensors).toBe(before);
    seed(3);
    const z = tf.randomNormal([200, 4]) as tf.Tensor2D;
    const z2 = tf.randomNormal([200, 4]) as tf.Tensor2D;
    const zs = z2.add(1) as tf.Tensor2D;
    expect(Math.abs(kid(z, z2))).toBeLessThan(0.15);
    expect(kid(z, zs)).toBeGreaterThan(1);
    tf.dispose([tx, ty, z, z2, zs]);
  });
  it("rejects mismatched feature sizes", () => {
    const a = tf.zeros([4, 3]) as tf.Tensor2D;
    const b = tf.zeros([4, 2]) as tf.Tensor2D;
    expect(() => kid(a, b)).toThrow(/fake/);
    tf.dispose([a, b]);
  });
});

describe("diversity and units", () => {
  it("meanNearestDistance is the mean distance to the nearest other point, in each direction (hand-computed)", () => {
    const before = tf.memory().numTensors;
    const a = tf.tensor2d([
      [0, 0],
      [3, 4],
    ]);
    const b = tf.tensor2d([
      [0, 1],
      [3, 0],
      [10, 10],
    ]);
    // a → b: (0,0)→(0,1) is 1, (3,4)→(3,0) is 4. b → a: 1, 3 and √85 (from (10,10) to (3,4)).
    expectClose(meanNearestDistance(a, b), 2.5, { rtol: 1e-6 });
    expectClose(meanNearestDistance(b, a), (1 + 3 + Math.sqrt(85)) / 3, { rtol: 1e-6 });
    expect(meanNearestDistance(a, a)).toBeLessThan(1e-3);
    const wrong = tf.zeros([2, 3]) as tf.Tensor2D;
    expect(() => meanNearestDistance(a, wrong)).toThrow(/b \(the same feature count D as a\)/);
    tf.dispose([a, b, wrong]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("sampleDiversity is the mean pairwise distance (numpy) and 0 for a collapsed set", () => {
    const tx = tf.tensor2d(X);
    expectClose(sampleDiversity(tx), ref.diversityX, { rtol: 1e-4 });
    const same = tf.ones([5, 3]) as tf.Tensor2D;
    expectClose(sampleDiversity(same), 0, { atol: 1e-6 });
    tf.dispose([tx, same]);
  });
  it("likelihoodUnits: 784·ln 2 nats per image is 1 bit/dim", () => {
    const u = likelihoodUnits(784 * Math.LN2, 784);
    expectClose([u.natsPerDim, u.bitsPerDim], [Math.LN2, 1], { rtol: 1e-12 });
  });
  it("anomalyAUC: 1 when every anomaly scores higher, 0.5 for equal scores, hand-counted pairs otherwise", () => {
    expect(anomalyAUC([1, 2, 3], [4, 5])).toBe(1);
    expect(anomalyAUC([4, 5], [1, 2, 3])).toBe(0);
    expect(anomalyAUC([1, 1], [1, 1, 1])).toBe(0.5);
    // pairs (anomaly > normal): 2 > 1 ✓, 2 vs 3 ✗, 4 > 1 ✓, 4 > 3 ✓; 3 of 4
    expect(anomalyAUC([1, 3], [2, 4])).toBe(0.75);
    // a tie counts ½: anomaly 3 vs normals [1, 3] → 1 + ½ of 2 pairs
    expect(anomalyAUC([1, 3], [3])).toBe(0.75);
    expect(() => anomalyAUC([], [1])).toThrow(/at least one score of each kind/);
  });
});

describe("classShares and borderIntensity", () => {
  it("class shares by counting; errors name the bad label", () => {
    expect(classShares([0, 0, 3, 9], 10)).toEqual([0.5, 0, 0, 0.25, 0, 0, 0, 0, 0, 0.25]);
    expect(() => classShares([0, 10])).toThrow(/labels\[1\] = 10 is not a class in 0..9/);
    expect(() => classShares([])).toThrow(/empty/);
  });

  it("the frame of a 5 × 5 image with width 1 is its 16 edge pixels", () => {
    // One image: the centre 3 × 3 white, one edge pixel white → frame mean 1/16.
    const v = new Float32Array(25);
    for (const r of [1, 2, 3]) for (const c of [1, 2, 3]) v[r * 5 + c] = 1;
    v[4] = 1;
    const images = tf.tensor2d(v, [1, 25]);
    expect(borderIntensity(images, 5, 1)).toBeCloseTo(1 / 16, 7);
    expect(() => borderIntensity(images, 5, 3)).toThrow(/width/);
    expect(() => borderIntensity(images, 6, 1)).toThrow(/images/);
    images.dispose();
  });

  it("borderParts splits the frame's mean into faint haze and bright strokes", () => {
    // 5 × 5, width 1: 16 frame pixels; four at 0.05 (haze), one at 0.8 (a stroke), one at 0.1 (haze: ≤ faint).
    const v = new Float32Array(25);
    for (const i of [0, 1, 2, 3]) v[i] = 0.05;
    v[24] = 0.8;
    v[10] = 0.1;
    v[12] = 1; // the centre: not in the frame
    const images = tf.tensor2d(v, [1, 25]);
    const parts = borderParts(images, 5, { width: 1, faint: 0.1 });
    expect(parts.haze).toBeCloseTo(0.3 / 16, 6);
    expect(parts.strokes).toBeCloseTo(0.8 / 16, 6);
    expect(parts.total).toBeCloseTo(1.1 / 16, 6);
    expect(() => borderParts(images, 5, { faint: 1 })).toThrow(/options.faint must be a pixel value in \[0, 1\), got 1/);
    images.dispose();
  });
});

describe("separatedOrder", () => {
  it("orders only what the ranges separate", () => {
    const order = separatedOrder([
      { name: "C", values: [5, 6] },
      { name: "A", values: [1, 2, 1.5] },
      { name: "B", values: [5.5, 7] },
    ]);
    expect(order).toBe("A < C ≈ B");
    expect(separatedOrder([{ name: "x", values: [3] }])).toBe("x");
    expect(() => separatedOrder([{ name: "x", values: [] }])).toThrow(/"x" has no values/);
  });
});
