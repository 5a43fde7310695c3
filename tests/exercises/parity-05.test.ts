// Stage 05's solution and the library take the same ganStep(gan, real, optimizers, options) and,
// on the same seeded GAN, batch and noise, give the same losses and the same updated weights
// (so what the learner writes is what lib/gan.ts runs in the notebooks).
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { adam } from "../../lib/engine/optimizers";
import { createGAN, ganStep, type GAN, type GANOptimizers } from "../../lib/gan";
import { seed, unseed } from "../../lib/random";
import { ganStep as solutionGanStep } from "../../solutions/05-gan";
import { expectClose } from "../helpers/close";
import { parityHooks } from "./parity";

parityHooks();

/** A seeded GAN and a fresh pair of Adams (the state a notebook starts from). */
function setup(): { gan: GAN; optimizers: GANOptimizers } {
  seed(11);
  const gan = createGAN({ dataDim: 3, zDim: 2, generatorHidden: [6], discriminatorHidden: [5], discriminatorActivation: "leakyrelu" });
  return { gan, optimizers: { d: adam(1e-2, 0.5), g: adam(1e-2, 0.5) } };
}

function teardown({ gan, optimizers }: { gan: GAN; optimizers: GANOptimizers }): void {
  gan.dispose();
  optimizers.d.dispose();
  optimizers.g.dispose();
}

describe("05.3 ganStep: solution = lib", () => {
  for (const nonSaturating of [true, false]) {
    it(`same losses and weights over 3 steps (given noise, nonSaturating: ${nonSaturating})`, () => {
      const a = setup();
      const b = setup();
      a.gan.variables.forEach((v, i) => expectClose(v, b.gan.variables[i], { rtol: 0, atol: 0 })); // same start
      seed(12);
      const data = [0, 1, 2].map(() => ({
        real: tf.randomNormal([8, 3]) as tf.Tensor2D,
        zD: tf.randomNormal([8, 2]) as tf.Tensor2D,
        zG: tf.randomNormal([8, 2]) as tf.Tensor2D,
      }));
      for (const { real, zD, zG } of data) {
        const lib = ganStep(a.gan, real, a.optimizers, { zD, zG, nonSaturating });
        const mine = solutionGanStep(b.gan, real, b.optimizers, { zD, zG, nonSaturating });
        expectClose(mine.dLoss, lib.dLoss, { rtol: 1e-6, atol: 1e-7 });
        expectClose(mine.gLoss, lib.gLoss, { rtol: 1e-6, atol: 1e-7 });
        tf.dispose([...Object.values(lib), ...Object.values(mine)]);
      }
      a.gan.variables.forEach((v, i) => expectClose(b.gan.variables[i], v, { rtol: 1e-6, atol: 1e-7 }));
      // the weights did move (the comparison is not between two untouched copies)
      const fresh = setup();
      const moved = tf.tidy(() => a.gan.variables.some((v, i) => tf.abs(v.sub(fresh.gan.variables[i])).max().dataSync()[0] > 1e-4));
      expect(moved).toBe(true);
      tf.dispose(data.flatMap((d) => [d.real, d.zD, d.zG]));
      [a, b, fresh].forEach(teardown);
      unseed();
    });
  }

  it("the same noise is drawn when none is given (both draw zD, then zG after the D step)", () => {
    const a = setup();
    const b = setup();
    const real = tf.randomNormal([8, 3]) as tf.Tensor2D;
    seed(13);
    const lib = ganStep(a.gan, real, a.optimizers);
    seed(13);
    const mine = solutionGanStep(b.gan, real, b.optimizers);
    expectClose(mine.dLoss, lib.dLoss, { rtol: 1e-6, atol: 1e-7 });
    expectClose(mine.gLoss, lib.gLoss, { rtol: 1e-6, atol: 1e-7 });
    a.gan.variables.forEach((v, i) => expectClose(b.gan.variables[i], v, { rtol: 1e-6, atol: 1e-7 }));
    tf.dispose([real, ...Object.values(lib), ...Object.values(mine)]);
    [a, b].forEach(teardown);
    unseed();
  });
});
