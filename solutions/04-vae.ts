/**
 * Stage 04 exercises: the VAE's ELBO, piece by piece (notebooks/04-vae.ipynb, "Exercises").
 * Completed versions; the learner writes them in exercises/04-vae.ts.
 *
 * Shapes: B batch, D pixels, Z latent dimensions. All results are in nats (natural log).
 */
import * as tf from "@tensorflow/tfjs";
import { assertShape } from "../lib/assert";
import { bernoulliLogLik as libBernoulliLogLik, gaussianKL as libGaussianKL, reparameterize as libReparameterize } from "../lib/vae";

/**
 * 04.1 The reparameterisation trick: a sample z ~ N(zMean, σ²) written as a deterministic
 * function of the encoder's outputs and independent noise ε ~ N(0, I), so gradients flow
 * through zMean and zLogVar:
 *
 *   σ = exp(½ · zLogVar)        (zLogVar is log σ², the log-variance, not σ² and not σ)
 *   z = zMean + σ · ε
 *
 * Hint: `tf.exp(tf.mul(0.5, zLogVar))`, then `tf.add(zMean, tf.mul(sigma, eps))`; when eps is not
 * given, draw it with `tf.randomNormal(zMean.shape)`. Check the shapes with `assertShape` and work
 * inside `tf.tidy`.
 *
 * @param zMean μ, shape [B, Z]
 * @param zLogVar log σ², shape [B, Z]
 * @param eps ε, shape [B, Z] (default: fresh standard-normal noise, `tf.randomNormal(zMean.shape)`)
 * @returns z, shape [B, Z]
 */
export function reparameterize(zMean: tf.Tensor2D, zLogVar: tf.Tensor2D, eps?: tf.Tensor2D): tf.Tensor2D {
  assertShape(zMean, [null, null], "zMean", ["B", "Z"]);
  assertShape(zLogVar, zMean.shape, "zLogVar", ["B", "Z"]);
  if (eps) assertShape(eps, zMean.shape, "eps", ["B", "Z"]);
  return tf.tidy(() => {
    const e = eps ?? tf.randomNormal(zMean.shape); // [B, Z]
    const sigma = tf.exp(tf.mul(0.5, zLogVar)); // [B, Z]
    return tf.add(zMean, tf.mul(sigma, e)) as tf.Tensor2D; // [B, Z]
  });
}

/**
 * 04.2 The KL divergence from the encoder's Gaussian q(z|x) = N(μ, σ²) to the prior N(0, I), in
 * closed form, per example, summed over the Z latent dimensions:
 *
 *   KL = −½ Σ_j (1 + log σ²_j − μ²_j − σ²_j),    with log σ² = zLogVar and σ² = exp(zLogVar)
 *
 * A KL divergence is never negative, and it is 0 exactly when μ = 0 and σ² = 1.
 *
 * Hint: build the bracket with `tf.add`, `tf.sub`, `tf.square`, `tf.exp`, sum it over axis 1
 * (`tf.sum(t, 1)` gives [B]) and multiply by −0.5.
 *
 * @param zMean μ, shape [B, Z]
 * @param zLogVar log σ², shape [B, Z]
 * @returns KL per example, shape [B]
 */
export function gaussianKL(zMean: tf.Tensor2D, zLogVar: tf.Tensor2D): tf.Tensor1D {
  assertShape(zMean, [null, null], "zMean", ["B", "Z"]);
  assertShape(zLogVar, zMean.shape, "zLogVar", ["B", "Z"]);
  return tf.tidy(() => {
    const inner = tf.sub(tf.add(1, zLogVar), tf.add(tf.square(zMean), tf.exp(zLogVar))); // [B, Z]
    return tf.mul(-0.5, tf.sum(inner, 1)) as tf.Tensor1D; // [B]
  });
}

/**
 * 04.3 The reconstruction term log p(x|z) for a Bernoulli decoder that outputs logits l
 * (p = σ(l) is the probability that a pixel is on), summed over the D pixels of each image:
 *
 *   log p(x|z) = Σ_d [x_d · log σ(l_d) + (1 − x_d) · log(1 − σ(l_d))]
 *              = −Σ_d [max(l_d, 0) − l_d · x_d + log(1 + exp(−|l_d|))]
 *
 * Use the second line: it is the same number, but never takes the log of 0 (σ(−100) is 0 in
 * float32, so the first line gives −Infinity for confident wrong logits). The result is a
 * log-probability: ≤ 0, and a SUM over pixels (nats per image), not a mean.
 *
 * Hint: `tf.relu(l)` is max(l, 0); `tf.log1p(tf.exp(tf.neg(tf.abs(l))))`; `tf.sum(t, 1)`.
 *
 * @param x pixels in [0, 1] (usually 0 or 1), shape [B, D]
 * @param logits the decoder's outputs, shape [B, D]
 * @returns log p(x|z) per example, shape [B]
 */
export function bernoulliLogLik(x: tf.Tensor2D, logits: tf.Tensor2D): tf.Tensor1D {
  assertShape(x, [null, null], "x", ["B", "D"]);
  assertShape(logits, x.shape, "logits", ["B", "D"]);
  return tf.tidy(() => {
    const nll = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))); // [B, D]
    return tf.neg(tf.sum(nll, 1)) as tf.Tensor1D; // [B]
  });
}

/**
 * 04.4 The ELBO from its parts, per example: the reconstruction log-likelihood MINUS the
 * (β-weighted) KL term,
 *
 *   ELBO(x) = log p(x|z) − β · KL(q(z|x) ‖ p(z))
 *
 * with log p(x|z) summed over pixels (04.3) and the KL summed over latent dimensions (04.2).
 * The training loss is −ELBO: maximising the ELBO rewards good reconstructions and penalises
 * encodings far from the prior. β = 1 gives the bound on log p(x) itself.
 *
 * Hint: `libBernoulliLogLik` and `libGaussianKL` (imported at the top: lib/vae.ts's versions of
 * 04.3 and 04.2, so this exercise works before those are done) give the two parts; combine them
 * with `tf.sub` and `tf.mul` inside `tf.tidy`.
 *
 * @param x pixels, shape [B, D]
 * @param logits the decoder's outputs at z, shape [B, D]
 * @param zMean μ, shape [B, Z]
 * @param zLogVar log σ², shape [B, Z]
 * @param beta weight of the KL term (default 1)
 * @returns ELBO per example, shape [B]
 */
export function elboFromParts(x: tf.Tensor2D, logits: tf.Tensor2D, zMean: tf.Tensor2D, zLogVar: tf.Tensor2D, beta = 1): tf.Tensor1D {
  assertShape(x, [null, null], "x", ["B", "D"]);
  assertShape(zMean, [x.shape[0], null], "zMean", ["B", "Z"]);
  return tf.tidy(() => tf.sub(libBernoulliLogLik(x, logits), tf.mul(beta, libGaussianKL(zMean, zLogVar))) as tf.Tensor1D); // [B]
}

/**
 * 04.5 Build it: the VAE's loss on a batch, from the encoder's outputs to the three numbers a
 * training loop logs. Given μ and log σ² (what the encoder returned for x), the noise ε and the
 * decoder:
 *
 *   z     = μ + exp(½ log σ²)·ε                       the reparameterised sample      [B, Z]
 *   l     = decode(z)                                  the decoder's LOGITS           [B, D]
 *   recon = log p(x|z) = Σ_d [x_d log σ(l_d) + (1 − x_d) log(1 − σ(l_d))]  per image, from the logits
 *   kl    = KL(N(μ, σ²) ‖ N(0, I)), summed over the Z dimensions                  per image
 *
 * and return the BATCH MEANS (1/B) Σ_b of recon and kl, and the loss = mean kl − mean recon
 * (−ELBO, the number to minimise). All in nats per image.
 *
 * Hint: compose 04.1–04.3, or lib/vae.ts's `libReparameterize`, `libBernoulliLogLik` and
 * `libGaussianKL` (imported at the top, so this works before those are done); `tf.mean` of a [B]
 * tensor is the batch mean. Work inside `tf.tidy` and return the three scalars from it.
 *
 * @param x pixels in {0, 1}, shape [B, D]
 * @param zMean μ, shape [B, Z]
 * @param zLogVar log σ², shape [B, Z]
 * @param eps ε, shape [B, Z]
 * @param decode the decoder, z [B, Z] → logits [B, D] (e.g. a VAE's `vae.decode`)
 * @returns reconLogLik, kl and loss, each a scalar (shape [])
 */
export function vaeBatchLoss(
  x: tf.Tensor2D,
  zMean: tf.Tensor2D,
  zLogVar: tf.Tensor2D,
  eps: tf.Tensor2D,
  decode: (z: tf.Tensor2D) => tf.Tensor2D,
): { reconLogLik: tf.Scalar; kl: tf.Scalar; loss: tf.Scalar } {
  assertShape(x, [null, null], "x", ["B", "D"]);
  assertShape(zMean, [x.shape[0], null], "zMean", ["B", "Z"]);
  return tf.tidy(() => {
    const z = libReparameterize(zMean, zLogVar, eps); // [B, Z]
    const logits = decode(z); // [B, D]
    const reconLogLik = tf.mean(libBernoulliLogLik(x, logits)) as tf.Scalar; // mean over the batch of [B]
    const kl = tf.mean(libGaussianKL(zMean, zLogVar)) as tf.Scalar;
    return { reconLogLik, kl, loss: tf.sub(kl, reconLogLik) as tf.Scalar };
  });
}
