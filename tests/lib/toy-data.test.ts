import * as tf from "@tensorflow/tfjs";
import { afterEach, describe, expect, it } from "vitest";
import { seed, unseed } from "../../lib/random";
import { modeCoverage, ringCentres, ringOfGaussians, swissRoll, twoMoons } from "../../lib/toy-data";
import { expectClose } from "../helpers/close";
import { LETTER_FONT, letterImages } from "../../lib/toy-data";

afterEach(() => unseed());

/** Reads [N, 2] points and disposes the tensor. */
function points(x: tf.Tensor2D): number[][] {
  const v = x.arraySync();
  x.dispose();
  return v;
}

describe("ringOfGaussians", () => {
  it("puts the 8 centres on a circle of radius 2, mode k at angle 2πk/8", () => {
    const c = ringCentres();
    expect(c.shape).toEqual([8, 2]);
    const v = points(c);
    expectClose(v[0], [2, 0], { atol: 1e-6 });
    expectClose(v[2], [0, 2], { atol: 1e-6 });
    expectClose(v[5], [-Math.SQRT2, -Math.SQRT2], { atol: 1e-6 });
  });

  it("draws [N, 2] points, evenly over the modes, with the given std around each centre", () => {
    const n = 8000;
    const v = points(ringOfGaussians(n, { seed: 3 }));
    expect(v.length).toBe(n);
    const centres = points(ringCentres());
    const counts = new Array(8).fill(0);
    let sumSq = 0;
    for (const [x, y] of v) {
      let best = 0;
      let dist = Infinity;
      centres.forEach(([cx, cy], k) => {
        const d = Math.hypot(x - cx, y - cy);
        if (d < dist) [dist, best] = [d, k];
      });
      counts[best]++;
      expect(dist).toBeLessThan(6 * 0.02);
      sumSq += (x - centres[best][0]) ** 2 + (y - centres[best][1]) ** 2;
    }
    // Each count is Binomial(8000, 1/8): mean 1000, std ≈ 30.
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
    // Per-coordinate variance std² = 4e-4; over 16000 coordinates the estimate is within a few %.
    expectClose(Math.sqrt(sumSq / (2 * n)), 0.02, { rtol: 0.03 });
  });

  it("is reproducible: options.seed, or the global seed()", () => {
    const a = points(ringOfGaussians(5, { seed: 7 }));
    expect(points(ringOfGaussians(5, { seed: 7 }))).toEqual(a);
    expect(points(ringOfGaussians(5, { seed: 8 }))).not.toEqual(a);
    seed(1);
    const b = points(ringOfGaussians(5));
    seed(1);
    expect(points(ringOfGaussians(5))).toEqual(b);
  });

  it("takes other mode counts, radii and stds, and rejects bad options", () => {
    const v = points(ringOfGaussians(100, { modes: 3, radius: 5, std: 0.001, seed: 1 }));
    for (const [x, y] of v) expectClose(Math.hypot(x, y), 5, { atol: 0.01 });
    expect(() => ringOfGaussians(0)).toThrow(/n must be an integer ≥ 1, got 0/);
    expect(() => ringOfGaussians(10, { std: -1 })).toThrow(/options.std must be a positive number, got -1/);
    expect(() => ringOfGaussians(10, { modes: 2.5 })).toThrow(/options.modes must be an integer/);
  });
});

describe("twoMoons and swissRoll", () => {
  it("twoMoons without noise lies on the two unit half circles (centred by (0.5, 0.25))", () => {
    const v = points(twoMoons(400, { noise: 0, seed: 2 }));
    let upper = 0;
    for (const [x0, y0] of v) {
      const [x, y] = [x0 + 0.5, y0 + 0.25];
      const onUpper = Math.abs(Math.hypot(x, y) - 1) < 1e-5 && y >= -1e-6;
      const onLower = Math.abs(Math.hypot(x - 1, y - 0.5) - 1) < 1e-5 && y <= 0.5 + 1e-6;
      expect(onUpper || onLower).toBe(true);
      if (onUpper) upper++;
    }
    expect(Math.abs(upper - 200)).toBeLessThan(50);
  });

  it("swissRoll without noise is the spiral r = t/5 at angle t, t in [1.5π, 4.5π]", () => {
    const v = points(swissRoll(300, { noise: 0, seed: 4 }));
    for (const [x, y] of v) {
      const t = 5 * Math.hypot(x, y);
      expect(t).toBeGreaterThanOrEqual(1.5 * Math.PI - 1e-4);
      expect(t).toBeLessThanOrEqual(4.5 * Math.PI + 1e-4);
      expectClose([x, y], [(t * Math.cos(t)) / 5, (t * Math.sin(t)) / 5], { atol: 1e-4 });
    }
  });

  it("are seeded, [N, 2], and reject a negative noise", () => {
    expect(points(twoMoons(6, { seed: 1 }))).toEqual(points(twoMoons(6, { seed: 1 })));
    expect(points(swissRoll(6, { seed: 1 }))).toEqual(points(swissRoll(6, { seed: 1 })));
    const m = twoMoons(7);
    expect(m.shape).toEqual([7, 2]);
    m.dispose();
    expect(() => swissRoll(5, { noise: -0.1 })).toThrow(/options.noise must be a non-negative number/);
  });
});

describe("letterImages", () => {
  // Independent of the drawing code: the font scaled ×3 by a Kronecker product with a 3×3 block of
  // ones, and the letter's bounding box inside the 28×28 image at row 3 + dr, column 6 + dc.
  const scaled = (rows: readonly string[]) =>
    rows.flatMap((line) => {
      const row = [...line].flatMap((ch) => new Array(3).fill(ch === "#" ? 1 : 0));
      return [row, row, row];
    });

  it("draws letter i mod 10, the font ×3, shifted by at most 2 pixels, as 0/1 pixels [N, 784]", () => {
    const x = letterImages(30, { seed: 3 });
    expect(x.shape).toEqual([30, 784]);
    const v = x.arraySync();
    const names = Object.keys(LETTER_FONT);
    expect(names).toEqual(["A", "E", "F", "H", "K", "L", "T", "X", "Y", "Z"]);
    const shifts = new Set<string>();
    v.forEach((img, n) => {
      expect(img.every((p) => p === 0 || p === 1)).toBe(true);
      const rows = Array.from({ length: 28 }, (_, r) => img.slice(28 * r, 28 * r + 28));
      const inkRows = rows.map((r, i) => (r.some((p) => p === 1) ? i : -1)).filter((i) => i >= 0);
      const inkCols = Array.from({ length: 28 }, (_, c) => (rows.some((r) => r[c] === 1) ? c : -1)).filter((c) => c >= 0);
      const top = inkRows[0];
      const left = inkCols[0];
      expect(top - 3, `image ${n}: row shift`).toBeGreaterThanOrEqual(-2);
      expect(top - 3).toBeLessThanOrEqual(2);
      expect(left - 6, `image ${n}: column shift`).toBeGreaterThanOrEqual(-2);
      expect(left - 6).toBeLessThanOrEqual(2);
      shifts.add(`${top},${left}`);
      // every letter of this font touches all four sides of its 7×5 box, so the box is the letter
      const crop = rows.slice(top, top + 21).map((r) => r.slice(left, left + 15));
      expect(crop, `image ${n} is ${names[n % 10]}`).toEqual(scaled(LETTER_FONT[names[n % 10]]));
      expect(img.reduce((a, b) => a + b, 0)).toBe(9 * LETTER_FONT[names[n % 10]].join("").split("#").length - 9);
    });
    expect(shifts.size).toBeGreaterThan(5); // the shifts vary
    x.dispose();
  });

  it("repeats with a seed, follows the global stream without one, and leaks nothing", () => {
    const before = tf.memory().numTensors;
    const a = letterImages(12, { seed: 9 });
    const b = letterImages(12, { seed: 9 });
    const c = letterImages(12, { seed: 10 });
    expect(a.arraySync()).toEqual(b.arraySync());
    expect(a.arraySync()).not.toEqual(c.arraySync());
    seed(5);
    const g1 = letterImages(12);
    seed(5);
    const g2 = letterImages(12);
    expect(g1.arraySync()).toEqual(g2.arraySync());
    const empty = letterImages(0);
    expect(empty.shape).toEqual([0, 784]);
    tf.dispose([a, b, c, g1, g2, empty]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => letterImages(2.5)).toThrow("count must be an integer ≥ 0, got 2.5");
  });
});

describe("modeCoverage", () => {
  it("counts every mode and every sample when the samples are the ring's own", () => {
    const x = ringOfGaussians(2000, { seed: 5 });
    const c = modeCoverage(x);
    x.dispose();
    expect(c.modesCovered).toBe(8);
    // Within 3 std in 2-D: P(χ²₂ ≤ 9) = 1 − e^−4.5 = 0.98889.
    expectClose(c.goodFraction, 1 - Math.exp(-4.5), { atol: 0.01 });
    expect(c.goodPerMode.reduce((a, b) => a + b, 0)).toBe(Math.round(c.goodFraction * 2000));
    expect(c.minCount).toBe(20);
    expectClose(c.maxDistance, 0.06);
  });

  it("sees a collapse onto one mode, and misses samples that are off the ring", () => {
    // 90 samples on mode 2, 10 at the origin (far from every centre).
    const pts = [...Array.from({ length: 90 }, () => [0.01, 2.01]), ...Array.from({ length: 10 }, () => [0, 0])];
    const x = tf.tensor2d(pts);
    const c = modeCoverage(x);
    expect(c.modesCovered).toBe(1);
    expect(c.goodPerMode).toEqual([0, 0, 90, 0, 0, 0, 0, 0]);
    expectClose(c.goodFraction, 0.9);
    // minCount: a mode with fewer good samples does not count.
    expect(modeCoverage(x, { minCount: 91 }).modesCovered).toBe(0);
    // threshold: 0.01·√2 = 0.0141 from the centre is within 1 std (0.02), not within 0.5 std.
    expect(modeCoverage(x, { threshold: 0.5 }).goodFraction).toBe(0);
    x.dispose();
  });

  it("rejects samples that are not [N, 2]", () => {
    const x = tf.zeros([4, 3]) as tf.Tensor2D;
    expect(() => modeCoverage(x)).toThrow("samples must have shape [?, 2] (N, 2), got [4, 3]");
    x.dispose();
  });

  it("leaves no tensors behind", () => {
    const before = tf.memory().numTensors;
    const x = ringOfGaussians(50, { seed: 1 });
    modeCoverage(x);
    x.dispose();
    tf.dispose(ringCentres());
    expect(tf.memory().numTensors).toBe(before);
  });
});
