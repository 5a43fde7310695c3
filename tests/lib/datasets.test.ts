import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { dataPath, loadCO2, loadSunspots, readDataCSV } from "../../lib/datasets";
import { expectClose } from "../helpers/close";

const ref = JSON.parse(fs.readFileSync("tests/reference/autoregression.json", "utf8"));

describe("loadSunspots", () => {
  it("reads 309 years, 1700–2008, with their decimals intact", async () => {
    const frame = await loadSunspots();
    expect(frame.shape).toEqual([309, 2]);
    expect(frame.columns).toEqual(["year", "sunactivity"]);
    const year = frame["year"].values as number[];
    const v = frame["sunactivity"].values as number[];
    expect([year[0], year[308]]).toEqual([1700, 2008]);
    expect(v.slice(0, 3)).toEqual([5, 11, 16]);
    expect([v[49], v[50]]).toEqual([80.9, 83.4]); // 1749, 1750
    expectClose(
      v.reduce((s, x) => s + x, 0),
      15373.4,
      { rtol: 1e-12 },
    );
  });
});

describe("loadCO2", () => {
  it("puts the 741 rows on the complete 746-month grid and lists the 5 filled months", async () => {
    const { frame, filled } = await loadCO2();
    expect(frame.shape).toEqual([ref.co2.nMonths, 4]);
    expect(frame.columns).toEqual(["date", "co2", "co2_adjusted", "filled"]);
    expect(filled).toEqual(ref.co2.filled);
    const dates = frame["date"].values as string[];
    const co2 = frame["co2"].values as number[];
    const isFilled = frame["filled"].values as boolean[];
    expect(isFilled.filter(Boolean).length).toBe(5);
    expectClose(
      filled.map((m) => co2[dates.indexOf(m)]),
      ref.co2.filledValues,
      { rtol: 1e-12 },
    );
    expect([dates[0], co2[0]]).toEqual(["1958-03-01", 315.7]);
  });
  it("returns the file as it is with fill: false", async () => {
    const { frame, filled } = await loadCO2({ fill: false });
    expect(frame.shape).toEqual([ref.co2.nRows, 3]);
    expect(filled).toEqual([]);
  });
});

describe("dataPath and readDataCSV", () => {
  it("reads any CSV of data/", async () => {
    const frame = await readDataCSV("co2-monthly.csv");
    expect(frame.shape[0]).toBe(741);
  });
  it("says which file is missing and where it looked", () => {
    expect(() => dataPath("no-such.csv")).toThrow(/file "no-such.csv" was not found in .*data/);
    expect(() => dataPath("")).toThrow(/file must be a non-empty file name/);
    expect(() => dataPath("sunspots-yearly.csv", { dataDir: "/nonexistent" })).toThrow(/not found in \/nonexistent/);
  });
});
