// Parity, stage 06: each solution in solutions/06-diffusion.ts against its lib counterpart
// (lib/diffusion.ts) on seeded inputs, so the two independent versions cannot drift apart.
// Same names, same signatures: linearSchedule, qSample. Different name: pSampleWithNoise(…, z)
// ↔ pSample(…, { z }) (lib's default variance "beta" and no clipping, exactly Algorithm 2);
// diffusionLossWith(…, t, eps, schedule) ↔ diffusionLoss(…, schedule, { t, eps }); pSampleLoopWithNoise(…, xT,
// schedule, zs) ↔ pSampleLoop(…, shape, schedule, { xT }) with zs drawn from the same seeded stream.
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { createEpsMLP, diffusionLoss, linearSchedule, pSample, pSampleLoop, qSample } from "../../lib/diffusion";
import { seed } from "../../lib/random";
import type * as exercise from "../../exercises/06-diffusion";
import * as solution from "../../solutions/06-diffusion";
import { expectClose } from "../helpers/close";
import { parityHooks, type Same } from "./parity";

const TOL = { rtol: 1e-5, atol: 1e-5 };
const FIELDS = ["betas", "alphas", "alphaBars", "alphaBarsPrev", "posteriorVariances"] as const;

parityHooks();

// One signature per name, checked by tsc -p: each entry is `true` only while lib, the solution and
// the exercise stub agree on the parameters and the return type.
export const sameSignatures: [
  Same<typeof linearSchedule, typeof solution.linearSchedule>,
  Same<typeof linearSchedule, typeof exercise.linearSchedule>,
  Same<typeof qSample, typeof solution.qSample>,
  Same<typeof qSample, typeof exercise.qSample>,
] = [true, true, true, true];

describe("stage 06: solutions = lib", () => {
  it("linearSchedule(T, betaStart, betaEnd) = lib's Schedule, field by field, defaults included", () => {
    for (const args of [[5, 0.1, 0.5], [1000, 1e-4, 0.02], [50, 1e-3, 0.05], []] as [number?, number?, number?][]) {
      const mine = solution.linearSchedule(...args);
      const lib = linearSchedule(...args);
      expect(mine.kind).toBe(lib.kind);
      expect(mine.T).toBe(lib.T);
      for (const f of FIELDS) {
        expect(mine[f], `${f} is a Float64Array`).toBeInstanceOf(Float64Array);
        expectClose(mine[f], lib[f], { rtol: 1e-12, atol: 1e-15 });
      }
    }
  });

  it("qSample(x0, t, eps, schedule) = lib's: t per example on [B, D], one number t on [B, h, w]", () => {
    const schedule = linearSchedule(100);
    tf.tidy(() => {
      const x0 = tf.randomNormal([6, 3], 0, 1, "float32", 1) as tf.Tensor2D; // [B, D]
      const eps = tf.randomNormal([6, 3], 0, 1, "float32", 2) as tf.Tensor2D; // [B, D]
      const t = tf.tensor1d([0, 1, 10, 50, 98, 99], "int32"); // [B]
      expectClose(solution.qSample(x0, t, eps, schedule), qSample(x0, t, eps, schedule), TOL);
      const x0i = tf.randomNormal([2, 4, 4], 0, 1, "float32", 3); // [B, h, w]
      const epsi = tf.randomNormal([2, 4, 4], 0, 1, "float32", 4);
      for (const step of [0, 37, 99]) expectClose(solution.qSample(x0i, step, epsi, schedule), qSample(x0i, step, epsi, schedule), TOL);
    });
  });

  it("pSampleWithNoise(epsTheta, xt, t, schedule, z) = lib pSample(epsTheta, xt, t, schedule, { z }) at t = 0, 1, T/2, T − 1", () => {
    seed(5);
    const net = createEpsMLP({ dataDim: 2, hidden: [16, 16] });
    const schedule = linearSchedule(200);
    tf.tidy(() => {
      const xt = tf.randomNormal([5, 2], 0, 1, "float32", 6) as tf.Tensor2D; // [B, D]
      const z = tf.randomNormal([5, 2], 0, 1, "float32", 7) as tf.Tensor2D; // [B, D]
      for (const t of [0, 1, 100, 199]) {
        const mine = solution.pSampleWithNoise(net.epsTheta, xt, t, schedule, z);
        expectClose(mine, pSample(net.epsTheta, xt, t, schedule, { z }), TOL);
      }
    });
    net.dispose();
  });

  it("diffusionLossWith(epsTheta, x0, t, eps, schedule) = lib diffusionLoss(epsTheta, x0, schedule, { t, eps }), t = 0 and T − 1 included", () => {
    seed(8);
    const net = createEpsMLP({ dataDim: 3, hidden: [16] });
    const schedule = linearSchedule(50);
    tf.tidy(() => {
      const x0 = tf.randomNormal([5, 3], 0, 1, "float32", 9) as tf.Tensor2D; // [B, D]
      const eps = tf.randomNormal([5, 3], 0, 1, "float32", 10) as tf.Tensor2D; // [B, D]
      const t = tf.tensor1d([0, 1, 25, 48, 49], "int32"); // [B]
      expectClose(
        solution.diffusionLossWith(net.epsTheta, x0, t, eps, schedule),
        diffusionLoss(net.epsTheta, x0, schedule, { t, eps }),
        TOL,
      );
    });
    net.dispose();
  });

  it("pSampleLoopWithNoise(epsTheta, xT, schedule, zs) = lib pSampleLoop(epsTheta, shape, schedule, { xT }) on the same noise", () => {
    seed(11);
    const net = createEpsMLP({ dataDim: 2, hidden: [16, 16] });
    const schedule = linearSchedule(20);
    const xT = tf.randomNormal([4, 2], 0, 1, "float32", 12) as tf.Tensor2D; // [B, D]
    seed(13);
    const lib = pSampleLoop(net.epsTheta, [4, 2], schedule, { xT });
    // lib draws z for t = T − 1, …, 1 from the global stream; draw the same ones, in the same order
    seed(13);
    const drawn = Array.from({ length: schedule.T - 1 }, () => tf.randomNormal([4, 2]) as tf.Tensor2D); // zs[T − 1], …, zs[1]
    const zs = [tf.zeros([4, 2]) as tf.Tensor2D, ...drawn.reverse()]; // zs[t] for step t; zs[0] unused
    const mine = solution.pSampleLoopWithNoise(net.epsTheta, xT, schedule, zs);
    expectClose(mine, lib.x0, TOL);
    tf.dispose([xT, mine, lib.x0, ...lib.trajectory, ...zs]);
    net.dispose();
  });
});
