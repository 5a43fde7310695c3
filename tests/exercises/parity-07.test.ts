// Parity, stage 07: each solution in solutions/07-conditional.ts against its lib counterpart on
// seeded inputs, so the two independent versions cannot drift apart unnoticed.
// Same names, same signatures: guidedEps (lib/conditional.ts), frechetDistance and kid
// (lib/metrics.ts; FID is frechetDistance of the two sets' featureStats). guidedSample (07.4) has
// no lib twin of that name: it is lib's guidedEpsTheta stepped by lib's pSample with the given noise.
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { createCondEpsMLP, guidedEps, guidedEpsTheta } from "../../lib/conditional";
import { linearSchedule, pSample } from "../../lib/diffusion";
import { featureStats, fid, frechetDistance, kid } from "../../lib/metrics";
import type * as exercise from "../../exercises/07-conditional";
import * as solution from "../../solutions/07-conditional";
import { expectClose } from "../helpers/close";
import { parityHooks, type Same } from "./parity";

parityHooks();

// One signature per name, checked by tsc -p: each entry is `true` only while lib, the solution and
// the exercise stub agree on the parameters and the return type.
export const sameSignatures: [
  Same<typeof guidedEps, typeof solution.guidedEps>,
  Same<typeof guidedEps, typeof exercise.guidedEps>,
  Same<typeof frechetDistance, typeof solution.frechetDistance>,
  Same<typeof frechetDistance, typeof exercise.frechetDistance>,
  Same<typeof kid, typeof solution.kid>,
  Same<typeof kid, typeof exercise.kid>,
] = [true, true, true, true, true, true];

describe("stage 07: solutions = lib", () => {
  it("guidedEps(epsCond, epsUncond, w) = lib's for w = 0, 1, 3, −0.5", () => {
    tf.tidy(() => {
      const c = tf.randomNormal([4, 6], 0, 1, "float32", 1) as tf.Tensor2D; // [B, D]
      const u = tf.randomNormal([4, 6], 0, 1, "float32", 2) as tf.Tensor2D; // [B, D]
      for (const w of [0, 1, 3, -0.5]) expectClose(solution.guidedEps(c, u, w), guidedEps(c, u, w), { rtol: 1e-5, atol: 1e-6 });
    });
  });

  it("frechetDistance(a, b) = lib frechetDistance (= lib fid) on seeded feature sets", () => {
    tf.tidy(() => {
      const real = tf.randomNormal([60, 5], 0, 1, "float32", 3) as tf.Tensor2D; // [N, F]
      const fake = tf
        .randomNormal([50, 5], 0, 1, "float32", 4)
        .mul(tf.tensor1d([1, 2, 0.5, 1, 1.5]))
        .add(0.3) as tf.Tensor2D; // [M, F]
      const a = featureStats(real);
      const b = featureStats(fake);
      const lib = frechetDistance(a, b);
      expect(lib).toBeGreaterThan(0.5); // the sets differ: a distance that can tell
      expectClose(solution.frechetDistance(a, b), lib, { rtol: 1e-9, atol: 1e-10 });
      expectClose(solution.frechetDistance(a, b), fid(real, fake), { rtol: 1e-9, atol: 1e-10 });
      expectClose(solution.frechetDistance(a, a), frechetDistance(a, a), { rtol: 0, atol: 1e-6 });
    });
  });

  it("kid(real, fake) = lib kid on seeded feature sets", () => {
    tf.tidy(() => {
      const real = tf.randomNormal([40, 8], 0, 1, "float32", 5) as tf.Tensor2D; // [N, F]
      const fake = tf.randomNormal([30, 8], 0.5, 1.3, "float32", 6) as tf.Tensor2D; // [M, F]
      const lib = kid(real, fake);
      expect(lib).toBeGreaterThan(0.01);
      expectClose(solution.kid(real, fake), lib, { rtol: 1e-4, atol: 1e-6 });
      expectClose(solution.kid(real, real.slice([0, 0], [20, 8]) as tf.Tensor2D), kid(real, real.slice([0, 0], [20, 8]) as tf.Tensor2D), {
        rtol: 1e-4,
        atol: 1e-5,
      });
    });
  });

  it("guidedSample(epsTheta, labels, w, schedule, xT, noise) = guidedEpsTheta stepped by pSample, for w = 0, 1, 2.5", () => {
    const net = createCondEpsMLP({ dataDim: 5, hidden: [16], embedDim: 8, classDim: 4 });
    try {
      tf.tidy(() => {
        const schedule = linearSchedule(6, 0.05, 0.3);
        const labels = tf.tensor1d([0, 4, 9], "int32");
        const xT = tf.randomNormal([3, 5], 0, 1, "float32", 7) as tf.Tensor2D; // [B, D]
        const noise = Array.from({ length: 6 }, (_, t) => tf.randomNormal([3, 5], 0, 1, "float32", 10 + t) as tf.Tensor2D); // T × [B, D]
        for (const w of [0, 1, 2.5]) {
          const eps = guidedEpsTheta(net.epsTheta, labels, w);
          let x = xT.clone();
          for (let t = schedule.T - 1; t >= 0; t--) x = pSample(eps, x, t, schedule, { z: noise[t] });
          expectClose(solution.guidedSample(net.epsTheta, labels, w, schedule, xT, noise), x, { rtol: 1e-4, atol: 1e-5 });
        }
      });
    } finally {
      net.dispose();
    }
  });
});
