/**
 * Checks for stage 05 (exercises/05-gan.ts). Reference values come from PyTorch 1.13
 * (binary_cross_entropy_with_logits, autograd and torch.optim.SGD), computed by
 * tests/reference/gan_reference.py ("exercises" in tests/reference/gan.json) and written here
 * as literals; the extreme-logit values are worked out by hand in the comments. Nothing here
 * calls the solution.
 */
import * as tf from "@tensorflow/tfjs";
import { CheckFailure, close, defineCheck, expectFinite, expectTensor, formatNumber } from "../lib/checker/define";
import type { GAN, GANOptimizers, GANStepOptions, Network } from "../lib/gan";

type Loss2 = (realLogits: tf.Tensor, fakeLogits: tf.Tensor) => tf.Scalar;
type GLoss = (fakeLogits: tf.Tensor, options?: { nonSaturating?: boolean }) => tf.Scalar;
type Step = (gan: GAN, real: tf.Tensor2D, optimizers: GANOptimizers, options?: GANStepOptions) => { dLoss: tf.Scalar; gLoss: tf.Scalar };

/** How near a value must be to a known mistake's for its hint. */
const MATCH = { rtol: 1e-4, atol: 1e-4 };

/** A hint from the first value the learner returned, matched against known mistakes. */
function hintFrom(mistakes: [number, string][]): (got: number[]) => string | undefined {
  return (got) => mistakes.find(([v]) => close(got[0], v, MATCH))?.[1];
}

const UNSTABLE =
  "log(σ(l)) overflows at extreme logits (σ(−100) ≈ 4e−44 is 0 in float32): write −log σ(l) as softplus(−l) " +
  "and −log(1 − σ(l)) as softplus(l) (tf.softplus, or max(l, 0) − l·y + log(1 + e^−|l|))";

// ---------------------------------------------------------------------------------------------
// 05.3: a linear GAN whose one step PyTorch worked out (see the header).

let checkRun = 0;

/** SGD that records which variables each applyGradients call updated. */
class RecordingSGD extends tf.SGDOptimizer {
  readonly updated: string[][] = [];
  override applyGradients(variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void {
    this.updated.push(Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients));
    super.applyGradients(variableGradients);
  }
}

/** x·m + k for one-column x: a linear network with variables m [1, 1] and k [1]. */
function linearNetwork(m: number, k: number, names: [string, string]): Network & { m: tf.Variable; k: tf.Variable } {
  const mv = tf.variable(tf.tensor2d([[m]]), true, names[0]);
  const kv = tf.variable(tf.tensor1d([k]), true, names[1]);
  return {
    m: mv,
    k: kv,
    variables: [mv, kv],
    apply: (x: tf.Tensor2D) => tf.tidy(() => tf.add(tf.matMul(x, mv), kv) as tf.Tensor2D), // [B, 1]
  };
}

const STEP = {
  // torch: G(z) = a z + c with a 0.5, c 0.2; D(x) = w x + b with w 1.5, b −0.5; SGD lr 0.5 (D), 0.25 (G);
  // real [[1], [2]], zD [[−1], [1]], zG [[0.5], [−0.5]].
  correct: {
    dLoss: 0.862300155062531,
    gLoss: 0.894297527245058,
    a: 0.482760056511019,
    c: 0.4201053374564411,
    w: 1.5151070785745158,
    b: -0.6420552028991748,
  },
  noStopGradient: { gLoss: 1.2193810357309052, a: 0.35581275437256615, c: 0.1223685730627429 },
  gUpdatesD: { w: 1.5384724870313917, b: -0.4967814195679488 },
  gFirst: { dLoss: 1.0088482939322154, gLoss: 0.815444320366481 },
};

export const checks = [
  defineCheck({
    id: "05.1",
    name: "discriminatorLoss",
    title: "discriminator loss from logits",
    run(discriminatorLoss: Loss2) {
      const real = tf.tensor1d([2, -1, 0.5, 3]); // [B = 4]
      const fake = tf.tensor1d([-2, 0.25, 1]); // [B = 3]
      expectTensor(discriminatorLoss(real, fake), 1.2460898813921073, {
        call: "discriminatorLoss([2, −1, 0.5, 3], [−2, 0.25, 1])",
        hint: hintFrom([
          [2.6210898813921073, "the labels look swapped: real samples get label 1 (−log σ(l_real)), fakes label 0 (−log(1 − σ(l_fake)))"],
          [
            1.3814983675995718,
            "σ looks applied twice: the arguments are logits already, and a loss 'with logits' (or softplus) applies σ itself",
          ],
          [0.6041404503935832, "that is one mean over all 7 logits; average real and fake separately, then add the two means"],
        ]),
      });
      // [B, 1] logits at ±100: −log σ(100) ≈ 0, −log σ(−100) = 100 − log(1 + e^−100) ≈ 100, so each mean is
      // (0 + 100)/2 = 50 and L_D = 50 + 50 = 100.
      const r2 = tf.tensor2d([[100], [-100]]);
      const f2 = tf.tensor2d([[-100], [100]]);
      const call = "discriminatorLoss([[100], [−100]], [[−100], [100]])";
      const out = discriminatorLoss(r2, f2);
      expectFinite(out, call, UNSTABLE);
      expectTensor(out, 100, { call, rtol: 1e-5 });
      tf.dispose([real, fake, r2, f2]);
    },
  }),
  defineCheck({
    id: "05.2",
    name: "generatorLoss",
    title: "generator loss: non-saturating and minimax",
    run(generatorLoss: GLoss) {
      const fake = tf.tensor1d([2, -1, 0.5, -3]);
      const mistakes: [number, string][] = [
        [-0.8657135085787611, "that is the minimax (saturating) loss mean log(1 − σ(l)); asked for the non-saturating −mean log σ(l)"],
        [0.8657135085787611, "that is −mean log(1 − σ(l)): it rewards G when D calls its samples fake; G wants them called real (label 1)"],
        [0.5034338979238523, "σ looks applied twice: the argument is logits already"],
      ];
      expectTensor(generatorLoss(fake), 1.240713508578761, { call: "generatorLoss([2, −1, 0.5, −3])", hint: hintFrom(mistakes) });
      expectTensor(generatorLoss(fake, { nonSaturating: true }), 1.240713508578761, {
        call: "generatorLoss([2, −1, 0.5, −3], { nonSaturating: true })",
        hint: hintFrom(mistakes),
      });
      expectTensor(generatorLoss(fake, { nonSaturating: false }), -0.8657135085787611, {
        call: "generatorLoss([2, −1, 0.5, −3], { nonSaturating: false })",
        hint: (got) =>
          close(got[0], 1.240713508578761, MATCH)
            ? "nonSaturating: false asks for the minimax loss mean log(1 − σ(l)) = −mean softplus(l)"
            : undefined,
      });
      // [B, 1] logits at ±100: non-saturating (softplus(−100) + softplus(100))/2 = (0 + 100)/2 = 50;
      // minimax −(softplus(−100) + softplus(100))/2 = −50.
      const f2 = tf.tensor2d([[-100], [100]]);
      for (const [ns, want] of [
        [true, 50],
        [false, -50],
      ] as const) {
        const call = `generatorLoss([[−100], [100]], { nonSaturating: ${ns} })`;
        const out = generatorLoss(f2, { nonSaturating: ns });
        expectFinite(out, call, UNSTABLE);
        expectTensor(out, want, { call, rtol: 1e-5 });
      }
      tf.dispose([fake, f2]);
    },
  }),
  defineCheck({
    id: "05.3",
    name: "ganStep",
    title: "one D step (G detached), then one G step",
    run(ganStep: Step) {
      checkRun++;
      const G = linearNetwork(0.5, 0.2, [`check05.G.a.${checkRun}`, `check05.G.c.${checkRun}`]);
      const D = linearNetwork(1.5, -0.5, [`check05.D.w.${checkRun}`, `check05.D.b.${checkRun}`]);
      const dOptimizer = new RecordingSGD(0.5);
      const gOptimizer = new RecordingSGD(0.25);
      const variables = [...G.variables, ...D.variables];
      const gan: GAN = { generator: G, discriminator: D, zDim: 1, variables, dispose: () => tf.dispose(variables) };
      const real = tf.tensor2d([[1], [2]]);
      const zD = tf.tensor2d([[-1], [1]]);
      const zG = tf.tensor2d([[0.5], [-0.5]]);
      // real [[1], [2]], zD [[−1], [1]], zG [[0.5], [−0.5]]; SGD learning rate 0.5 for D, 0.25 for G.
      const call = "ganStep(G(z) = 0.5z + 0.2, D(x) = 1.5x − 0.5, { d: SGD, g: SGD }, { zD, zG })";
      const out = ganStep(gan, real, { d: dOptimizer, g: gOptimizer }, { zD, zG });
      const value = (v: tf.Variable) => v.dataSync()[0];
      const [a, c, w, b] = [value(G.m), value(G.k), value(D.m), value(D.k)];
      const gNames = [G.m.name, G.k.name];
      const dNames = [D.m.name, D.k.name];
      const shown = (n: string) => (gNames.includes(n) ? `G.${n.split(".")[2]}` : `D.${n.split(".")[2]}`);

      // Which variables each optimiser updated.
      const dUpdated = dOptimizer.updated.flat();
      const gUpdated = gOptimizer.updated.flat();
      if (dUpdated.some((n) => gNames.includes(n)) || (close(a, STEP.noStopGradient.a, MATCH) && close(c, STEP.noStopGradient.c, MATCH))) {
        throw new CheckFailure(
          `${call}: the D step also changed G's variables (${dUpdated.map(shown).join(", ")}): G's gradients flowed into D's update. ` +
            "Compute fake = G(zD) outside the D loss function, so it is a constant there, and pass gan.discriminator.variables as minimize's varList",
        );
      }
      if (gUpdated.some((n) => dNames.includes(n)) || (close(w, STEP.gUpdatesD.w, MATCH) && close(b, STEP.gUpdatesD.b, MATCH))) {
        throw new CheckFailure(
          `${call}: the G step also changed D's variables (${gUpdated.map(shown).join(", ")}). ` +
            "Pass gan.generator.variables as minimize's varList: in the G step only G moves",
        );
      }
      if (dOptimizer.updated.length === 0 || gOptimizer.updated.length === 0) {
        const missing = dOptimizer.updated.length === 0 ? "optimizers.d" : "optimizers.g";
        throw new CheckFailure(`${call}: ${missing} was never used; update D with optimizers.d and G with optimizers.g`);
      }
      if (!(out && typeof out === "object" && "dLoss" in out && "gLoss" in out)) {
        throw new CheckFailure(`${call} should return { dLoss, gLoss }`);
      }
      const order =
        out.dLoss instanceof tf.Tensor && close(out.dLoss.dataSync()[0], STEP.gFirst.dLoss, MATCH)
          ? "it looks as if G was updated before D: do the D step first, then the G step with the updated D"
          : undefined;
      expectTensor(out.dLoss, STEP.correct.dLoss, { call: `${call}.dLoss`, hint: () => order });
      expectTensor(out.gLoss, STEP.correct.gLoss, {
        call: `${call}.gLoss`,
        hint: () => order ?? "gLoss is L_G = mean softplus(−D(G(zG))) with the D just updated, before G's update",
      });
      const got = [w, b, a, c];
      const want = [STEP.correct.w, STEP.correct.b, STEP.correct.a, STEP.correct.c];
      if (!got.every((v, i) => Math.abs(v - want[i]) <= 1e-5 + 1e-4 * Math.abs(want[i]))) {
        throw new CheckFailure(
          `${call}: after the step expected D.w, D.b, G.a, G.c = [${want.map(formatNumber).join(", ")}], got [${got.map(formatNumber).join(", ")}]` +
            (order ? `. Hint: ${order}` : ""),
        );
      }
      tf.dispose([real, zD, zG, ...G.variables, ...D.variables]);
      dOptimizer.dispose();
      gOptimizer.dispose();
    },
  }),
];
