// lib/checker/close.ts: the one closeness rule, |got − want| ≤ atol + rtol·|want| (NumPy's isclose).
import { describe, expect, it } from "vitest";
import { allClose, close, firstDifference } from "../../../lib/checker/close";

describe("close", () => {
  it("allows atol + rtol·|want| and no more", () => {
    // want 100, rtol 1e-3, atol 0.5: tolerance 0.5 + 0.1 = 0.6
    expect(close(100.6, 100, { rtol: 1e-3, atol: 0.5 })).toBe(true);
    expect(close(100.61, 100, { rtol: 1e-3, atol: 0.5 })).toBe(false);
    expect(close(99.4, 100, { rtol: 1e-3, atol: 0.5 })).toBe(true);
    expect(close(99.39, 100, { rtol: 1e-3, atol: 0.5 })).toBe(false);
  });

  it("scales by |want|, not |got| (so it is not symmetric)", () => {
    // |10 − 0| ≤ 0 + 1·|0| is false; |0 − 10| ≤ 0 + 1·|10| is true
    expect(close(10, 0, { rtol: 1, atol: 0 })).toBe(false);
    expect(close(0, 10, { rtol: 1, atol: 0 })).toBe(true);
  });

  it("defaults to the checks' float32 tolerance, rtol 1e-4 and atol 1e-5", () => {
    expect(close(1 + 1.05e-4, 1)).toBe(true); // tolerance 1e-5 + 1e-4·1 = 1.1e-4
    expect(close(1 + 1.15e-4, 1)).toBe(false);
    expect(close(0.9e-5, 0)).toBe(true);
    expect(close(1.1e-5, 0)).toBe(false);
  });

  it("is false for NaN on either side and for infinities (∞ − ∞ is NaN)", () => {
    expect(close(NaN, 0, { rtol: 1, atol: 1 })).toBe(false);
    expect(close(0, NaN, { rtol: 1, atol: 1 })).toBe(false);
    expect(close(Infinity, Infinity)).toBe(false); // ∞ − ∞ is NaN
  });
});

describe("allClose and firstDifference", () => {
  it("compare element by element and need the same length", () => {
    expect(allClose([1, 2, 3], [1, 2, 3.0001])).toBe(true);
    expect(allClose([1, 2, 3], [1, 2, 3.01])).toBe(false);
    expect(allClose([1, 2], [1, 2, 3])).toBe(false);
    expect(allClose([1, 2, 3], [1, 2])).toBe(false);
    expect(allClose(Float32Array.from([0.1, 0.2]), [0.1, 0.2], { rtol: 1e-7, atol: 0 })).toBe(true);
    expect(firstDifference([1, 5, 3, 7], [1, 2, 3, 4])).toBe(1);
    expect(firstDifference([1, 2], [1, 2])).toBe(-1);
  });
});
