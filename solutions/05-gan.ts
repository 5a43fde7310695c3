/**
 * Stage 05 exercises: the GAN losses and one adversarial training step
 * (notebooks/05-gan.ipynb, "Exercises"). Completed versions; the learner writes them in
 * exercises/05-gan.ts. The library's own versions are in lib/gan.ts.
 *
 * Shapes: B batch, D data features, Z noise size. Logits l are D's raw scores: D(x) = σ(l).
 */
import * as tf from "@tensorflow/tfjs";
import type { GAN, GANOptimizers, GANStepOptions, GANStepResult } from "../lib/gan";

/** What 05.3 returns: the two losses of lib's GANStepResult. */
export type GANStepLosses = Pick<GANStepResult, "dLoss" | "gLoss">;

/**
 * 05.1 The discriminator's loss from logits: binary cross-entropy with label 1 for real
 * samples and 0 for generated ones, each averaged over its own batch.
 *
 *   L_D = −mean log σ(l_real) − mean log(1 − σ(l_fake))
 *       =  mean softplus(−l_real) + mean softplus(l_fake)        softplus(x) = log(1 + eˣ)
 *
 * It must stay finite at logits of ±100: never take log of σ(l) itself.
 *
 * @param realLogits D's logits on real samples, shape [B] or [B, 1]
 * @param fakeLogits D's logits on generated samples, shape [B] or [B, 1] (B may differ)
 * @returns L_D, shape []
 */
export function discriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.add(tf.mean(tf.softplus(tf.neg(realLogits))), tf.mean(tf.softplus(fakeLogits))) as tf.Scalar);
}

/**
 * 05.2 The generator's loss from D's logits on generated samples.
 *
 *   non-saturating (default)   L_G = −mean log σ(l_fake)       = mean softplus(−l_fake)
 *   minimax (saturating)       L_G =  mean log(1 − σ(l_fake))  = −mean softplus(l_fake)
 *
 * @param fakeLogits shape [B] or [B, 1]
 * @param options.nonSaturating true (default) for the non-saturating loss
 * @returns L_G, shape []
 */
export function generatorLoss(fakeLogits: tf.Tensor, options: { nonSaturating?: boolean } = {}): tf.Scalar {
  const { nonSaturating = true } = options;
  return tf.tidy(() =>
    nonSaturating ? (tf.mean(tf.softplus(tf.neg(fakeLogits))) as tf.Scalar) : (tf.neg(tf.mean(tf.softplus(fakeLogits))) as tf.Scalar),
  );
}

/**
 * 05.3 Build it: one round of adversarial training (Goodfellow et al. 2014, Algorithm 1 with
 * k = 1): first a D step, then a G step (non-saturating loss by default), each with its own
 * optimiser, using your discriminatorLoss and generatorLoss. The check runs it on a linear pair
 * and on a tiny MLP pair and looks at which variables each optimiser changed, both losses and
 * every weight after the step.
 *
 *   D step   fake = G(z_D), computed OUTSIDE the loss function so it is a constant there;
 *            minimise L_D(D(real), D(fake)) over D's variables only
 *   G step   minimise L_G(D(G(z_G))) over G's variables only (D, just updated, stays fixed)
 *
 * `optimizer.minimize(f, true, varList)` returns the loss; without a varList tfjs would update
 * every trainable variable that f reaches. The signature is lib/gan.ts's `ganStep` (which also
 * returns D's accuracies); the caller owns the optimisers.
 *
 * @param gan generator and discriminator (each with `apply` and `variables`), zDim
 * @param real a batch of data, shape [B, D]
 * @param optimizers d updates D, g updates G
 * @param options.zD noise for the D step, shape [B, Z] (default: drawn from N(0, I))
 * @param options.zG noise for the G step, shape [B, Z] (default: drawn from N(0, I))
 * @param options.nonSaturating passed to generatorLoss (default true)
 * @returns dLoss (before D's update) and gLoss (before G's update), both shape []
 */
export function ganStep(gan: GAN, real: tf.Tensor2D, optimizers: GANOptimizers, options: GANStepOptions = {}): GANStepLosses {
  return tf.tidy(() => {
    const B = real.shape[0];
    const zD = options.zD ?? (tf.randomNormal([B, gan.zDim]) as tf.Tensor2D); // [B, Z]
    const fake = gan.generator.apply(zD); // [B, D], made outside the D loss: no gradient reaches G
    const dLoss = optimizers.d.minimize(
      () => discriminatorLoss(gan.discriminator.apply(real), gan.discriminator.apply(fake)),
      true,
      gan.discriminator.variables,
    ) as tf.Scalar;
    const zG = options.zG ?? (tf.randomNormal([B, gan.zDim]) as tf.Tensor2D); // [B, Z]
    const gLoss = optimizers.g.minimize(
      () => generatorLoss(gan.discriminator.apply(gan.generator.apply(zG)), { nonSaturating: options.nonSaturating }),
      true,
      gan.generator.variables,
    ) as tf.Scalar;
    return { dLoss, gLoss };
  });
}
