// lib/gan-theory.ts: Proposition 1 and Theorem 1 of Goodfellow et al. 2014 on the 1-D toy, by
// quadrature, against scipy's adaptive quadrature of the JSD (tests/reference/gan_reference.py →
// gan.json, "jsd") and the closed forms D* = σ(μ²/2 − μx), V(½, G) = −log 4.
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { jsDivergence1D, optimalDiscriminator1D, trainingCriterion1D, value1D } from "../../lib/gan-theory";
import { normalPdf } from "../../lib/numerics";
import { expectClose } from "../helpers/close";

const ref = JSON.parse(fs.readFileSync("tests/reference/gan.json", "utf8"));
const LOG4 = 1.3862943611198906;

describe("the 1-D toy (Proposition 1 and Theorem 1)", () => {
  it("C(G) by quadrature equals −log 4 + 2·JSD (scipy) for several μ", () => {
    ref.jsd.mu.forEach((mu: number, i: number) => {
      const jsd = ref.jsd.value[i];
      expectClose(trainingCriterion1D(mu), -LOG4 + 2 * jsd, { rtol: 1e-9, atol: 1e-10 });
      const lo = Math.min(0, mu) - 12;
      const hi = Math.max(0, mu) + 12;
      expectClose(
        jsDivergence1D(
          (x) => normalPdf(x),
          (x) => normalPdf(x, mu),
          lo,
          hi,
        ),
        jsd,
        { rtol: 1e-8, atol: 1e-12 },
      );
    });
  });

  it("C(G) reaches its minimum −log 4 exactly at μ = 0 and tends to 0 as the distributions separate", () => {
    expectClose(trainingCriterion1D(0), -LOG4, { rtol: 1e-12 });
    for (const mu of [0.1, 0.5, 1, 3]) expect(trainingCriterion1D(mu)).toBeGreaterThan(trainingCriterion1D(mu / 2));
    expectClose(trainingCriterion1D(30), 0, { atol: 1e-9 });
  });

  it("D* = σ(μ²/2 − μx) is the best discriminator: V(D*, G) = C(G) ≥ V(D, G) for other D", () => {
    const mu = 1.5;
    for (const x of [-2, 0, 0.75, 3])
      expectClose(optimalDiscriminator1D(x, mu), 1 / (1 + Math.exp(mu * x - (mu * mu) / 2)), { rtol: 1e-12 });
    expectClose(optimalDiscriminator1D(0.75, mu), 0.5, { rtol: 1e-12 }); // halfway between the means
    const c = trainingCriterion1D(mu);
    expectClose(
      value1D(mu, (x) => optimalDiscriminator1D(x, mu)),
      c,
      { rtol: 1e-9 },
    );
    expectClose(
      value1D(mu, () => 0.5),
      -LOG4,
      { rtol: 1e-12 },
    );
    expect(value1D(mu, (x) => 1 / (1 + Math.exp(x - 0.75)))).toBeLessThan(c);
    expect(value1D(mu, (x) => optimalDiscriminator1D(x, mu + 0.3))).toBeLessThan(c);
  });

  it("rejects a bad quadrature setup", () => {
    expect(() => trainingCriterion1D(1, { intervals: 5 })).toThrow("options.intervals must be even, got 5");
    expect(() => trainingCriterion1D(NaN)).toThrow("mu must be a finite number, got NaN");
    expect(() => value1D(0, () => 0.5, { intervals: 2.5 })).toThrow("options.intervals must be an integer ≥ 2, got 2.5");
    expect(() => jsDivergence1D(normalPdf, normalPdf, 0, 1, 3)).toThrow("intervals must be an even integer ≥ 2, got 3");
    expect(() => jsDivergence1D(normalPdf, normalPdf, 1, 0)).toThrow("need finite lo < hi, got lo = 1, hi = 0");
  });
});
