import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { reindexMonthly, rollingMean, shift } from "../../lib/series";
import { expectClose } from "../helpers/close";

// Reference numbers: pandas 1.5.3, written by tests/reference/autoregression_reference.py.
const ref = JSON.parse(fs.readFileSync("tests/reference/autoregression.json", "utf8"));

describe("shift", () => {
  it("lags and leads like pandas' Series.shift, filling with NaN", () => {
    expect(shift([1, 2, 3, 4], 1)).toEqual([NaN, 1, 2, 3]);
    expect(shift([1, 2, 3, 4], -2)).toEqual([3, 4, NaN, NaN]);
    expect(shift([1, 2, 3], 0)).toEqual([1, 2, 3]);
    expect(shift([1, 2, 3], 5, 0)).toEqual([0, 0, 0]);
    expect(shift([], 1)).toEqual([]);
  });
  it("names the bad argument", () => {
    expect(() => shift([1, 2], 1.5)).toThrow(/periods must be an integer/);
    expect(() => shift("abc" as unknown as number[], 1)).toThrow(/values must be an array of numbers/);
  });
});

describe("rollingMean", () => {
  it("is a trailing mean, NaN until the window is full (pandas rolling(w).mean())", () => {
    expect(rollingMean([1, 2, 3, 4, 5], 2)).toEqual([NaN, 1.5, 2.5, 3.5, 4.5]);
    expect(rollingMean([1, 2, 3], 1)).toEqual([1, 2, 3]);
    expect(rollingMean([1, NaN, 3, 4], 2)).toEqual([NaN, NaN, NaN, 3.5]);
  });
  it("centres windows as pandas' center=True does, for odd and even windows", () => {
    const x = Array.from({ length: 10 }, (_, i) => i);
    // pandas: Series(range(10)).rolling(4, center=True).mean() and rolling(3, center=True)
    expect(rollingMean(x, 4, { center: true })).toEqual([NaN, NaN, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, NaN]);
    expect(rollingMean(x, 3, { center: true })).toEqual([NaN, 1, 2, 3, 4, 5, 6, 7, 8, NaN]);
  });
  it("matches pandas on the gap-filled CO2 series (12-month mean)", () => {
    const raw = fs
      .readFileSync("data/co2-monthly.csv", "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split(","));
    const grid = reindexMonthly(
      raw.map((r) => r[0]),
      raw.map((r) => Number(r[1])),
    );
    const m = rollingMean(grid.values, 12);
    expectClose(m.slice(-3), ref.co2.rollingMean12Last3, { rtol: 1e-12 });
    expect(m.filter((v) => !Number.isNaN(v)).length).toBe(ref.co2.rollingMean12Count);
  });
  it("names the bad argument", () => {
    expect(() => rollingMean([1, 2, 3], 0)).toThrow(/window must be an integer in \[1, 3\]/);
    expect(() => rollingMean([1, 2, 3], 4)).toThrow(/window/);
    expect(() => rollingMean(null as unknown as number[], 2)).toThrow(/values must be an array/);
  });
});

describe("reindexMonthly", () => {
  it("fills absent months by linear interpolation and reports them", () => {
    const g = reindexMonthly(["2000-01-01", "2000-02-01", "2000-05-01"], [1, 2, 5]);
    expect(g.dates).toEqual(["2000-01-01", "2000-02-01", "2000-03-01", "2000-04-01", "2000-05-01"]);
    expect(g.values).toEqual([1, 2, 3, 4, 5]);
    expect(g.filled).toEqual(["2000-03-01", "2000-04-01"]);
    expect(g.isFilled).toEqual([false, false, true, true, false]);
  });
  it("crosses year ends and accepts YYYY-MM", () => {
    const g = reindexMonthly(["1999-11", "2000-02"], [0, 3]);
    expect(g.dates).toEqual(["1999-11-01", "1999-12-01", "2000-01-01", "2000-02-01"]);
    expect(g.values).toEqual([0, 1, 2, 3]);
  });
  it("matches pandas reindex + interpolate on the Mauna Loa CO2 record", () => {
    const raw = fs
      .readFileSync("data/co2-monthly.csv", "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split(","));
    const g = reindexMonthly(
      raw.map((r) => r[0]),
      raw.map((r) => Number(r[1])),
    );
    expect(g.dates.length).toBe(ref.co2.nMonths);
    expect(g.dates[0]).toBe(ref.co2.first);
    expect(g.dates[g.dates.length - 1]).toBe(ref.co2.last);
    expect(g.filled).toEqual(ref.co2.filled);
    const filledValues = g.filled.map((m) => g.values[g.dates.indexOf(m)]);
    expectClose(filledValues, ref.co2.filledValues, { rtol: 1e-12 });
  });
  it("names the bad argument", () => {
    expect(() => reindexMonthly(["2000-01"], [1, 2])).toThrow(/dates and values must have the same length/);
    expect(() => reindexMonthly([], [])).toThrow(/dates must not be empty/);
    expect(() => reindexMonthly(["2000-13-01"], [1])).toThrow(/dates\[0\] must be a date/);
    expect(() => reindexMonthly(["2000-02", "2000-01"], [1, 2])).toThrow(/dates must be strictly increasing/);
    expect(() => reindexMonthly(["2000-01", "2000-02"], [1, NaN])).toThrow(/values must be finite, but element 1/);
  });
});
