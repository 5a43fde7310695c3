// checks/01-autoregression.ts carries statsmodels' sunspot numbers as literals (the learner's
// checker does not read tests/); they must still be the ones tests/reference/autoregression.json holds.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { STATSMODELS } from "../../checks/01-autoregression";
import { ROOT } from "./stage";

describe("checks/01's statsmodels numbers", () => {
  it("equal tests/reference/autoregression.json's", () => {
    const json = JSON.parse(fs.readFileSync(path.join(ROOT, "tests", "reference", "autoregression.json"), "utf8"));
    const ref = json.sunspots;
    expect(STATSMODELS.acf).toEqual(ref.acf.slice(0, 6));
    expect(STATSMODELS.ar2).toEqual({ intercept: ref.ar2.intercept, phi: ref.ar2.phi, forecastMean: ref.ar2.forecastMean.slice(0, 1) });
  });
});
