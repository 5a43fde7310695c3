/**
 * Checks for stage 04 (exercises/04-vae.ts). Reference values are worked out by hand in the
 * comments (04.1) or computed in float64 with PyTorch 1.13 (`torch.nn.functional.
 * binary_cross_entropy_with_logits` and the closed-form KL; the numbers are pasted below with
 * the expression that gave them); nothing here calls the solution or lib/.
 */
import * as tf from "@tensorflow/tfjs";
import {
  CheckFailure,
  allClose,
  close,
  defineCheck,
  expectArray,
  expectFinite,
  expectTensor,
  formatNumber,
  runCases,
} from "../lib/checker/define";

/** How near a result must be to a known mistake's for its hint. */
const MATCH = { rtol: 1e-4, atol: 1e-5 };
const LN4 = Math.log(4);
const LN9 = Math.log(9);
const LN_QUARTER = Math.log(0.25);

/**
 * 04.5's reference: PyTorch float64, copied from tests/reference/exercise_04.json (written by
 * tests/reference/exercise_04_reference.py; tests/exercises/04-vae.test.ts checks the copy), so the
 * checker does not read the test folder: the sample z [3, 2] (row-major), the three batch means,
 * those of the confident-logits case, and what each typical mistake gives.
 */
export const LOSS_REFERENCE = {
  z: [1.9656833097922037, -1.3841681452658186, 1.188479686771438, 2.2247882113640047, 1.1838491436301153, 1.071451225410788],
  parts: { reconLogLik: -3.278821913678614, kl: 0.9881134918656068, loss: 4.266935405544221 },
  extreme: { reconLogLik: -16.195683416553774, kl: 0.9881134918656068, loss: 17.18379690841938 },
  mistakes: {
    zVariance: { reconLogLik: -3.8099709704170004, kl: 0.9881134918656068, loss: 4.798084462282607 },
    zLogVarAsSigma: { reconLogLik: -3.5249083626365976, kl: 0.9881134918656068, loss: 4.513021854502204 },
    zMean: { reconLogLik: -3.7431800367733032, kl: 0.9881134918656068, loss: 4.73129352863891 },
    batchSum: { reconLogLik: -9.836465741035841, kl: 2.9643404755968206, loss: 12.800806216632662 },
    sigmoidTwice: { reconLogLik: -3.541344894220419, kl: 0.9881134918656068, loss: 4.529458386086026 },
    pixelMean: { reconLogLik: -0.6557643827357227, kl: 0.9881134918656068, loss: 1.6438778746013294 },
    klSign: { reconLogLik: -3.278821913678614, kl: -0.9881134918656068, loss: 2.290708421813007 },
    klMean: { reconLogLik: -3.278821913678614, kl: 0.4940567459328034, loss: 3.7728786596114174 },
  },
};

export const checks = [
  defineCheck({
    id: "04.1",
    name: "reparameterize",
    title: "the reparameterisation trick: z = μ + exp(½ log σ²)·ε",
    run(reparameterize: (zMean: tf.Tensor2D, zLogVar: tf.Tensor2D, eps?: tf.Tensor2D) => tf.Tensor2D) {
      // B = 3, Z = 2. log σ² = [[ln 4, 0], [ln ¼, ln 9], [0, ln 4]] → σ = [[2, 1], [½, 3], [1, 2]].
      const zMean = tf.tensor2d([
        [1, -2],
        [0, 0.5],
        [-1, 3],
      ]);
      const zLogVar = tf.tensor2d([
        [LN4, 0],
        [LN_QUARTER, LN9],
        [0, LN4],
      ]);
      const eps = tf.tensor2d([
        [0.5, -1],
        [2, -0.5],
        [1, 1],
      ]);
      // z = μ + σ·ε = [[1 + 2·½, −2 − 1], [0 + ½·2, ½ − 3·½], [−1 + 1, 3 + 2]]
      const want = [
        [2, -3],
        [1, -1],
        [0, 5],
      ];
      // Mistakes: σ² instead of σ (no ½) → [[1 + 4·½, −2 − 1], [0 + ¼·2, ½ − 9·½], [−1 + 1, 3 + 4]];
      // log σ² used as σ → μ + zLogVar·ε.
      const noHalf = [2 + 1, -3, 0.5, -4, 0, 7];
      const logVarAsSigma = [1 + LN4 * 0.5, -2, LN_QUARTER * 2, 0.5 - 0.5 * LN9, -1, 3 + LN4];
      const noNoise = [1, -2, 0, 0.5, -1, 3];
      expectTensor(reparameterize(zMean, zLogVar, eps), want, {
        call: "reparameterize(zMean [3, 2], zLogVar [3, 2], eps [3, 2])",
        hint: (got) => {
          if (allClose(got, noHalf, MATCH))
            return "you multiplied ε by σ² = exp(zLogVar), the variance; the noise scales with the standard deviation σ = exp(½·zLogVar)";
          if (allClose(got, logVarAsSigma, MATCH)) return "you multiplied ε by zLogVar itself; it is log σ², so σ = exp(½·zLogVar)";
          if (allClose(got, noNoise, MATCH)) return "that is zMean: add σ·ε";
          return undefined;
        },
      });
      tf.dispose([zMean, zLogVar, eps]);
      // Without eps, ε is fresh N(0, I) noise: with μ = 0 and σ = [2, 1] the N = 4000 draws of each
      // column have mean ≈ 0 and standard deviation ≈ σ. The sample mean's standard error is
      // σ/√N ≤ 0.032 and the sample std's σ/√(2N) ≤ 0.023, so the tolerances below are > 5 of them.
      const N = 4000;
      const mean0 = tf.zeros([N, 2]) as tf.Tensor2D;
      const logVar0 = tf.tile(tf.tensor2d([[LN4, 0]]), [N, 1]) as tf.Tensor2D;
      const call = "reparameterize(zMean = 0 [4000, 2], zLogVar = [ln 4, 0] per row) with no eps";
      const z = reparameterize(mean0, logVar0);
      tf.dispose([mean0, logVar0]);
      if (!(z instanceof tf.Tensor)) throw new CheckFailure(`${call} returned ${typeof z}; expected a tf.Tensor of shape [4000, 2]`);
      const shape = z.shape;
      const values = z.dataSync();
      z.dispose();
      if (shape.length !== 2 || shape[0] !== N || shape[1] !== 2) {
        throw new CheckFailure(`${call} has shape [${shape.join(", ")}]; expected [4000, 2]`, "shape");
      }
      for (const [d, sigma] of [
        [0, 2],
        [1, 1],
      ]) {
        const col = Array.from({ length: N }, (_, i) => values[i * 2 + d]);
        const m = col.reduce((a, b) => a + b, 0) / N;
        const sd = Math.sqrt(col.reduce((a, b) => a + (b - m) ** 2, 0) / N);
        if (!(Math.abs(m) < 0.2 && Math.abs(sd - sigma) < 0.15)) {
          const hint =
            sd < 1e-6
              ? "every draw is zMean: when eps is not given, draw it with tf.randomNormal(zMean.shape)"
              : "when eps is not given it must be standard normal, N(0, 1): tf.randomNormal(zMean.shape)";
          const got = `column ${d} has mean ${formatNumber(m)} and std ${formatNumber(sd)}`;
          throw new CheckFailure(`${call}: ${got}; expected ≈ 0 and ≈ ${sigma}. Hint: ${hint}`);
        }
      }
    },
  }),
  defineCheck({
    id: "04.2",
    name: "gaussianKL",
    title: "KL(N(μ, σ²) ‖ N(0, I)) in closed form",
    run(gaussianKL: (zMean: tf.Tensor2D, zLogVar: tf.Tensor2D) => tf.Tensor1D) {
      // Case 1: B = 3, Z = 2 (B ≠ Z, so a sum over the batch axis has the wrong shape), every
      // log σ² > 0 (so treating it as σ² stays finite and can be named).
      // μ = [[½, −1], [2, 0], [−½, 1.5]], log σ² = [[ln 4, ln 9], [1, ½], [0.3, 2]]. Row 0 by hand:
      // ½[(4 + ¼ − 1 − ln 4) + (9 + 1 − 1 − ln 9)] = ½(12.25 − ln 36) = 4.33324053.
      // PyTorch float64: (-0.5*(1 + lv - m**2 - lv.exp())).sum(1)
      //   → [4.3332405307719455, 2.4335015495795864, 3.4694574532533267]
      const m1 = tf.tensor2d([
        [0.5, -1],
        [2, 0],
        [-0.5, 1.5],
      ]);
      const lv1 = tf.tensor2d([
        [LN4, LN9],
        [1, 0.5],
        [0.3, 2],
      ]);
      const want1 = [4.3332405307719455, 2.4335015495795864, 3.4694574532533267];
      // log σ² taken as σ²: (-0.5*(1 + lv.log() - m**2 - lv)).sum(1)
      //   → [0.8598448351505924, 2.0965735902799727, 1.6554128118829954]
      const varianceAsLogVar = [0.8598448351505924, 2.0965735902799727, 1.6554128118829954];
      const hint = (want: number[], asVariance?: number[]) => (got: number[]) => {
        if (
          allClose(
            got,
            want.map((v) => -v),
            MATCH,
          )
        )
          return "your KL has the wrong sign: KL = −½ Σ (1 + log σ² − μ² − σ²) is never negative";
        if (asVariance && allClose(got, asVariance, MATCH)) {
          return "you treated zLogVar as the variance σ²; it is log σ², so σ² = exp(zLogVar) and log σ² is zLogVar itself";
        }
        if (
          allClose(
            got,
            want.map((v) => v / 2),
            MATCH,
          )
        )
          return "that is the mean over the latent dimensions; the KL is their sum";
        if (
          allClose(
            got,
            want.map((v) => v + 1),
            MATCH,
          )
        )
          return "the '1 +' inside the sum is missing (−½·Σ 1 adds Z/2 per example)";
        return undefined;
      };
      expectTensor(gaussianKL(m1, lv1), want1, {
        call: "gaussianKL(μ [[0.5, −1], [2, 0], [−0.5, 1.5]], log σ² [[ln 4, ln 9], [1, 0.5], [0.3, 2]])",
        hint: hint(want1, varianceAsLogVar),
      });
      // Case 2 (the course's reference): μ = [½, −1], σ² = [1, ¼]: ½[(1 + ¼ − 1 − 0) + (¼ + 1 − 1 − ln ¼)]
      // = ½(½ + ln 4) = 0.943147 nats; and the prior itself (μ = 0, σ² = 1) has KL 0.
      const m2 = tf.tensor2d([
        [0.5, -1],
        [0, 0],
      ]);
      const lv2 = tf.tensor2d([
        [0, LN_QUARTER],
        [0, 0],
      ]);
      const want2 = [0.5 * (0.5 + LN4), 0];
      expectTensor(gaussianKL(m2, lv2), want2, {
        call: "gaussianKL(μ [[0.5, −1], [0, 0]], log σ² [[0, ln 0.25], [0, 0]])",
        hint: hint(want2),
      });
      tf.dispose([m1, lv1, m2, lv2]);
    },
  }),
  defineCheck({
    id: "04.3",
    name: "bernoulliLogLik",
    title: "Bernoulli log-likelihood from logits, summed over pixels, stable",
    run(bernoulliLogLik: (x: tf.Tensor2D, logits: tf.Tensor2D) => tf.Tensor1D) {
      // B = 2, D = 3. Pixel by pixel x·l − log(1 + eᶫ): row 0: (2 − 2.126928) + (0 − 0.313262) + (0 − 0.693147).
      // PyTorch float64: -F.binary_cross_entropy_with_logits(l, x, reduction="none").sum(1)
      //   → [-1.1333368791211407, -1.3359260232720715]
      const x = tf.tensor2d([
        [1, 0, 1],
        [0, 0, 1],
      ]);
      const logits = tf.tensor2d([
        [2, -1, 0],
        [0.5, -3, 1],
      ]);
      const want = [-1.1333368791211407, -1.3359260232720715];
      expectTensor(bernoulliLogLik(x, logits), want, {
        call: "bernoulliLogLik(x [[1, 0, 1], [0, 0, 1]], logits [[2, −1, 0], [0.5, −3, 1]])",
        hint: (got) => {
          if (
            allClose(
              got,
              want.map((v) => v / 3),
              MATCH,
            )
          )
            return "that is the mean over the 3 pixels; log p(x|z) is the sum over pixels (nats per image)";
          if (
            allClose(
              got,
              want.map((v) => -v),
              MATCH,
            )
          )
            return "that is the negative (the cross-entropy loss); return the log-likelihood, which is ≤ 0";
          if (allClose(got, [want[0] + want[1], want[0] + want[1]], MATCH) || allClose(got, [want[0] + want[1]], MATCH))
            return "sum over the pixels of each image (axis 1), not over the whole batch";
          return undefined;
        },
      });
      // Confident logits: x = 1 with l = −100 costs 100 nats; x = 0 with l = +100 another 100;
      // right and confident costs ~e^−100 ≈ 0. → [−200, 0]
      const xe = tf.tensor2d([
        [1, 0],
        [1, 0],
      ]);
      const le = tf.tensor2d([
        [-100, 100],
        [100, -100],
      ]);
      const call = "bernoulliLogLik(x [[1, 0], [1, 0]], logits [[−100, 100], [100, −100]])";
      const got = bernoulliLogLik(xe, le);
      expectFinite(
        got,
        call,
        "Hint: log σ(l) underflows: σ(−100) is 0 in float32 and log 0 = −∞. Use the stable form −[max(l, 0) − l·x + log(1 + exp(−|l|))]",
      );
      expectTensor(got, [-200, 0], { call });
      tf.dispose([x, logits, xe, le]);
    },
  }),
  defineCheck({
    id: "04.4",
    name: "elboFromParts",
    title: "the ELBO from its parts: log p(x|z) − β·KL",
    run(elboFromParts: (x: tf.Tensor2D, logits: tf.Tensor2D, zMean: tf.Tensor2D, zLogVar: tf.Tensor2D, beta?: number) => tf.Tensor1D) {
      // x, logits as in 04.3: log p(x|z) = [−1.1333368791, −1.3359260233].
      // μ = [[½, −1], [0, 0.2]], log σ² = [[0, ln ¼], [−1, 0.3]]: KL = [0.9431471806, 0.2288691244] (PyTorch).
      const x = tf.tensor2d([
        [1, 0, 1],
        [0, 0, 1],
      ]);
      const logits = tf.tensor2d([
        [2, -1, 0],
        [0.5, -3, 1],
      ]);
      const zMean = tf.tensor2d([
        [0.5, -1],
        [0, 0.2],
      ]);
      const zLogVar = tf.tensor2d([
        [0, LN_QUARTER],
        [-1, 0.3],
      ]);
      const recon = [-1.1333368791211407, -1.3359260232720715];
      const kl = [0.9431471805599453, 0.22886912437372275];
      const hint = (beta: number) => (got: number[]) => {
        const want = recon.map((r, i) => r - beta * kl[i]);
        if (
          allClose(
            got,
            recon.map((r, i) => r + beta * kl[i]),
            MATCH,
          )
        )
          return "you added the KL term; the ELBO is log p(x|z) MINUS the KL (the KL is a penalty)";
        if (
          allClose(
            got,
            want.map((v) => -v),
            MATCH,
          )
        )
          return "that is −ELBO, the loss; return the ELBO itself";
        if (
          allClose(
            got,
            recon.map((r, i) => r / 3 - beta * kl[i]),
            MATCH,
          )
        )
          return "log p(x|z) was averaged over the pixels; it is their sum";
        if (
          beta !== 1 &&
          allClose(
            got,
            recon.map((r, i) => r - kl[i]),
            MATCH,
          )
        )
          return `that is the ELBO with β = 1; multiply the KL by beta (${formatNumber(beta)})`;
        if (allClose(got, recon, MATCH)) return "that is log p(x|z) alone: subtract β·KL";
        return undefined;
      };
      // PyTorch: r - k → [-2.076484059681086, -1.5647951476457944]; r - 0.5*k → [-1.6049104694011134, -1.450360585458933]
      const call = "elboFromParts(x [2, 3], logits [2, 3], zMean [2, 2], zLogVar [2, 2]";
      expectTensor(elboFromParts(x, logits, zMean, zLogVar), [-2.076484059681086, -1.5647951476457944], {
        call: `${call})`,
        hint: hint(1),
      });
      expectTensor(elboFromParts(x, logits, zMean, zLogVar, 0.5), [-1.6049104694011134, -1.450360585458933], {
        call: `${call}, beta 0.5)`,
        hint: hint(0.5),
      });
      tf.dispose([x, logits, zMean, zLogVar]);
    },
  }),
  defineCheck({
    id: "04.5",
    name: "vaeBatchLoss",
    title: "build it: the VAE loss on a batch (z, log p(x|z), KL, −ELBO)",
    async run(
      vaeBatchLoss: (
        x: tf.Tensor2D,
        zMean: tf.Tensor2D,
        zLogVar: tf.Tensor2D,
        eps: tf.Tensor2D,
        decode: (z: tf.Tensor2D) => tf.Tensor2D,
      ) => { reconLogLik: tf.Scalar; kl: tf.Scalar; loss: tf.Scalar },
    ) {
      // B = 3 images, D = 5 pixels, Z = 2 (all different, so a mean over the wrong axis shows); the
      // decoder is linear, logits = z·W + b, and remembers the z it was given.
      const mu = [0.5, -1, 1.5, 0.2, -0.3, 0.8];
      const lv = [0.4, -1.2, -0.5, 0.6, 1, -0.2];
      const e = [1.2, -0.7, -0.4, 1.5, 0.9, 0.3];
      const x = tf.tensor2d(
        [
          [1, 0, 1, 1, 0],
          [0, 0, 1, 0, 1],
          [1, 1, 0, 0, 0],
        ],
        [3, 5],
      );
      const zMean = tf.tensor2d(mu, [3, 2]);
      const zLogVar = tf.tensor2d(lv, [3, 2]);
      const eps = tf.tensor2d(e, [3, 2]);
      const w = tf.tensor2d([
        [0.8, -1.1, 0.5, 1.3, -0.6],
        [-0.4, 0.9, 1.2, -0.7, 0.3],
      ]);
      const ref = LOSS_REFERENCE;
      const m = ref.mistakes;
      const run = (bias: number[]) => {
        const b = tf.tensor1d(bias);
        let seen: number[] | undefined;
        const decode = (z: tf.Tensor2D) => {
          seen = Array.from(z.dataSync());
          return tf.add(tf.matMul(z, w), b) as tf.Tensor2D;
        };
        const result = vaeBatchLoss(x, zMean, zLogVar, eps, decode);
        b.dispose();
        return { result, seen };
      };
      const call = "vaeBatchLoss(x [3, 5], zMean [3, 2], zLogVar [3, 2], eps [3, 2], decode)";
      const { result, seen } = run([0.1, -0.3, 0.2, 0, -0.5]);
      if (typeof result !== "object" || result === null || !("reconLogLik" in result) || !("kl" in result) || !("loss" in result))
        throw new CheckFailure(`${call} must return an object { reconLogLik, kl, loss }`);
      /** A part of the result must be a scalar: the batch mean, not one value per image. */
      const scalar = (got: unknown, what: string) => {
        const shape = (got as tf.Tensor | undefined)?.shape;
        if (Array.isArray(shape) && shape.length === 1 && shape[0] === 3)
          throw new CheckFailure(`${call}.${what} has shape [3], one value per image; return the batch mean, a scalar (tf.mean)`, "shape");
      };
      // The mistakes' values, by part; z's are closed forms of μ, log σ² and ε, the rest PyTorch's.
      const zHints: [number[], string][] = [
        [
          mu.map((v, i) => v + Math.exp(lv[i]) * e[i]),
          "ε was scaled by exp(zLogVar) = σ², the variance; z = μ + σ·ε with σ = exp(½·zLogVar)",
        ],
        [mu.map((v, i) => v + lv[i] * e[i]), "ε was scaled by zLogVar itself; it is log σ², so σ = exp(½·zLogVar)"],
        [mu, "decode was given zMean: the loss reads the sampled z = μ + σ·ε"],
      ];
      const named = (got: number, values: [number, string][]) => values.find(([v]) => close(got, v, MATCH))?.[1];
      const batchSum = "summed over the batch; average it ((1/B) Σ_b, tf.mean), so the loss does not grow with the batch size";
      const cases = [
        () => {
          if (seen === undefined) throw new CheckFailure(`${call} never called decode: the logits are decode(z)`);
          expectArray(seen, ref.z, `the z that ${call} gave decode`, {
            rtol: 1e-5,
            atol: 1e-5,
            hint: (got) => zHints.find(([v]) => allClose(got, v, MATCH))?.[1],
          });
        },
        () => {
          scalar(result.reconLogLik, "reconLogLik");
          expectTensor(result.reconLogLik, ref.parts.reconLogLik, {
            call: `${call}.reconLogLik`,
            hint: ([got]) =>
              named(got, [
                [m.batchSum.reconLogLik, batchSum],
                [
                  m.sigmoidTwice.reconLogLik,
                  "decode returns LOGITS: the log-likelihood takes them as they are; tf.sigmoid first turns them into probabilities, then the logits formula squashes them again",
                ],
                [m.pixelMean.reconLogLik, "that is the mean over the pixels; log p(x|z) is their sum (nats per image)"],
                [-ref.parts.reconLogLik, "that is −log p(x|z), the cross-entropy; reconLogLik is the log-likelihood, ≤ 0"],
              ]),
          });
        },
        () => {
          scalar(result.kl, "kl");
          expectTensor(result.kl, ref.parts.kl, {
            call: `${call}.kl`,
            hint: ([got]) =>
              named(got, [
                [m.klSign.kl, "your KL has the wrong sign: KL = −½ Σ (1 + log σ² − μ² − σ²) is never negative"],
                [m.klMean.kl, "that is the mean over the latent dimensions; the KL is their sum"],
                [m.batchSum.kl, batchSum],
              ]),
          });
        },
        () => {
          scalar(result.loss, "loss");
          expectTensor(result.loss, ref.parts.loss, {
            call: `${call}.loss`,
            hint: ([got]) =>
              named(got, [
                [-ref.parts.loss, "that is the ELBO; the loss is −ELBO = KL − log p(x|z)"],
                [m.klSign.loss, "the KL was subtracted: the loss is −ELBO = −log p(x|z) + KL, the KL a penalty"],
                [m.batchSum.loss, batchSum],
              ]),
          });
        },
        () => {
          // Confident logits: b = +40 on pixel 0, which is off in image 1, so log(1 − σ(l)) is needed at l ≈ 41.
          const extreme = run([40, -0.3, 0.2, 0, -0.5]).result;
          const callE = `${call} with decoder bias 40 on pixel 0`;
          expectFinite(
            extreme?.reconLogLik,
            `${callE}.reconLogLik`,
            "Hint: log(1 − σ(l)) is log 0 = −∞ in float32 once σ(l) rounds to 1 (and 0·(−∞), a pixel whose term should vanish, is NaN): compute log p(x|z) from the logits in the stable form (04.3, or libBernoulliLogLik)",
          );
          expectTensor(extreme?.reconLogLik, ref.extreme.reconLogLik, { call: `${callE}.reconLogLik`, rtol: 1e-5 });
          expectTensor(extreme?.loss, ref.extreme.loss, { call: `${callE}.loss`, rtol: 1e-5 });
        },
      ];
      try {
        await runCases(cases);
      } finally {
        tf.dispose([x, zMean, zLogVar, eps, w]);
      }
    },
  }),
];
