/**
 * Variational autoencoders: an encoder q(z|x) = N(zMean, exp(zLogVar)), a decoder p(x|z), the
 * prior p(z) = N(0, I), trained by maximising the evidence lower bound (ELBO)
 *
 *   log p(x) ≥ ELBO(x) = E_q[log p(x|z)] − KL(q(z|x) ‖ p(z))
 *
 * with the reparameterisation trick z = zMean + exp(½ zLogVar)·ε, ε ~ N(0, I).
 * Kingma & Welling (2014), "Auto-Encoding Variational Bayes"; Rezende, Mohamed & Wierstra
 * (2014). The tighter importance-weighted bound for evaluation: Burda, Grosse & Salakhutdinov
 * (2016), "Importance Weighted Autoencoders" (IWAE). The discretised logistic decoder for 8-bit
 * pixels: Kingma et al. (2016), "Improved Variational Inference with Inverse Autoregressive Flow",
 * and Salimans et al. (2017), "PixelCNN++". The KL weight β: Higgins et al. (2017).
 * A deterministic autoencoder for comparison. Taught in notebooks/04-vae.ipynb.
 *
 *   createVAE, createAutoencoder     MLP encoder/decoder models (lib/layers.ts's createMLP and dense)
 *   reparameterize                   z = μ + σ·ε                        ("The reparameterisation trick")
 *   gaussianKL                       KL(N(μ, σ²) ‖ N(0, I)) in closed form ("The KL term")
 *   bernoulliLogLik, gaussianLogLik  log p(x|z), summed over pixels     ("The reconstruction term")
 *   discretizedLogisticLogLik        log p(x|z) for 8-bit grey pixels: a logistic over each pixel's bin
 *   elbo, vaeLoss                    the ELBO's parts; the loss −(recon − β·KL), batch mean
 *   iwaeBound                        the K-sample importance-weighted bound ("How good is it?")
 *   samplePrior, interpolateLatent, latentGrid   generating from the model
 *
 * Likelihoods are in nats per image (natural log, summed over the D pixels); lib/metrics.ts
 * `likelihoodUnits` divides by D·ln 2 for bits/dim, the scale of stage 1, and `anomalyAUC` there
 * turns −ELBO into the anomaly-detection score. Shapes: B batch, D pixels (784), Hd hidden units,
 * Z latent dimensions, K importance samples.
 */
import * as tf from "@tensorflow/tfjs";
import { assertInt, assertShape } from "./assert";
import { applyDense, createMLP, dense, layerVariables, type Dense, type MLP } from "./layers";

// ---------------------------------------------------------------------------------------------
// Models

/** Options of {@link createVAE} and {@link createAutoencoder}. */
export interface VAEOptions {
  /** Pixels per image D (default 784 = 28·28; 196 for the 14×14 copy). */
  inputDim?: number;
  /** Hidden layer sizes of the encoder; the decoder mirrors them (default [400], as in Kingma & Welling). */
  hiddenDims?: number[];
  /** Latent dimensions Z (default 20). */
  latentDim?: number;
  /**
   * p(x|z): `"bernoulli"` (default; the decoder outputs logits, for pixels in {0, 1} or [0, 1]),
   * `"gaussian"` (the decoder outputs means; fixed variance `decoderLogVar`), or
   * `"discretized-logistic"` (for 8-bit pixels scaled to [−1, 1], the 256 values −1 + 2k/255: the
   * decoder outputs 2·D numbers, a mean and a log-scale per pixel; a proper distribution over the
   * 256 levels, so the bound is in the same units as the diffusion model's, Ho et al. eq. 5).
   */
  likelihood?: Likelihood;
  /** log σ² of the Gaussian decoder, the same for every pixel (default log 0.1² ≈ −4.605). */
  decoderLogVar?: number;
}

/** The decoder's distributions p(x|z); see {@link VAEOptions.likelihood}. */
export type Likelihood = "bernoulli" | "gaussian" | "discretized-logistic";

const LIKELIHOODS: readonly Likelihood[] = ["bernoulli", "gaussian", "discretized-logistic"];

/** The options with their defaults filled in. */
export type VAEConfig = Required<VAEOptions>;

function config(options: VAEOptions): VAEConfig {
  const c: VAEConfig = {
    inputDim: options.inputDim ?? 784,
    hiddenDims: options.hiddenDims ?? [400],
    latentDim: options.latentDim ?? 20,
    likelihood: options.likelihood ?? "bernoulli",
    decoderLogVar: options.decoderLogVar ?? Math.log(0.01),
  };
  assertInt(c.inputDim, "options.inputDim", 1);
  assertInt(c.latentDim, "options.latentDim", 1);
  if (!Array.isArray(c.hiddenDims)) throw new Error("options.hiddenDims must be an array of layer sizes, e.g. [400]");
  c.hiddenDims.forEach((h, i) => assertInt(h, `options.hiddenDims[${i}]`, 1));
  if (!LIKELIHOODS.includes(c.likelihood)) {
    throw new Error(
      `options.likelihood must be one of ${LIKELIHOODS.map((l) => JSON.stringify(l)).join(", ")}, got ${JSON.stringify(c.likelihood)}`,
    );
  }
  if (!Number.isFinite(c.decoderLogVar)) throw new Error(`options.decoderLogVar must be a finite number, got ${c.decoderLogVar}`);
  return c;
}

/** A VAE: Gaussian encoder q(z|x), decoder p(x|z), prior N(0, I). */
export interface VAE {
  config: VAEConfig;
  /** The layers: encoder hidden stack, the two heads, decoder stack, decoder output. */
  layers: { encoder: Dense[]; toZMean: Dense; toZLogVar: Dense; decoder: Dense[]; toX: Dense };
  /**
   * Every variable, in the order encoder (w, b per layer), toZMean, toZLogVar, decoder, toX
   * (pass to `optimizer.minimize(loss, true, vae.variables)`).
   */
  variables: tf.Variable[];
  /** q(z|x). @param x shape [B, D] @returns zMean, zLogVar, each [B, Z] */
  encode(x: tf.Tensor2D): { zMean: tf.Tensor2D; zLogVar: tf.Tensor2D };
  /**
   * The decoder's output: logits (Bernoulli), means (Gaussian), or means then log-scales
   * (discretised logistic, columns 0..D−1 and D..2D−1). @param z shape [B, Z] @returns [B, D] ([B, 2D] for the logistic)
   */
  decode(z: tf.Tensor2D): tf.Tensor2D;
  /** Frees the variables. */
  dispose(): void;
}

/**
 * An MLP VAE: x → ReLU hidden layers → (zMean, zLogVar); z → mirrored ReLU layers → D outputs.
 * Weights are drawn from tfjs's random stream (seed it with lib/random.ts `seed`).
 */
export function createVAE(options: VAEOptions = {}): VAE {
  const c = config(options);
  const { encoder, heads, decoder } = encoderDecoder(c, 2);
  const [toZMean, toZLogVar] = heads;
  const variables: tf.Variable[] = [...encoder.variables, ...heads.flatMap(layerVariables), ...decoder.variables];
  return {
    config: c,
    layers: { encoder: encoder.layers, toZMean, toZLogVar, decoder: decoder.layers.slice(0, -1), toX: decoder.layers.at(-1)! },
    variables,
    encode(x) {
      assertShape(x, [null, c.inputDim], "x", ["B", "D"]);
      return tf.tidy(() => {
        const h = encoder.apply(x); // [B, Hd]
        return { zMean: applyDense(toZMean, h, "linear"), zLogVar: applyDense(toZLogVar, h, "linear") }; // [B, Z] each
      });
    },
    decode(z) {
      assertShape(z, [null, c.latentDim], "z", ["B", "Z"]);
      return decoder.apply(z); // [B, D]
    },
    dispose: () => tf.dispose(variables),
  };
}

/**
 * The encoder's stack D → hiddenDims with ReLU after every layer (its last included), `nHeads`
 * linear heads Hd → Z, and the decoder MLP Z → reversed hiddenDims → D (2D for the discretised
 * logistic; ReLU between layers, linear output), drawn in that order (w then b, layer by layer).
 */
function encoderDecoder(c: VAEConfig, nHeads: number): { encoder: Stack; heads: Dense[]; decoder: MLP } {
  const last = c.hiddenDims.length ? c.hiddenDims[c.hiddenDims.length - 1] : c.inputDim;
  const encoder: Stack = c.hiddenDims.length
    ? createMLP([c.inputDim, ...c.hiddenDims], { output: "relu" })
    : { apply: (x) => x, layers: [], variables: [] }; // no hidden layers: x itself
  const heads = Array.from({ length: nHeads }, () => dense(last, c.latentDim));
  const outputs = c.likelihood === "discretized-logistic" ? 2 * c.inputDim : c.inputDim;
  const decoder = createMLP([c.latentDim, ...[...c.hiddenDims].reverse(), outputs]);
  return { encoder, heads, decoder };
}

/** What the models use of the encoder's stack. @param x shape [B, D] @returns shape [B, Hd] */
type Stack = Pick<MLP, "apply" | "layers" | "variables">;

/** A deterministic autoencoder: x → z (a point, no distribution) → x̂. */
export interface Autoencoder {
  config: VAEConfig;
  variables: tf.Variable[];
  /** @param x shape [B, D] @returns z, shape [B, Z] */
  encode(x: tf.Tensor2D): tf.Tensor2D;
  /** @param z shape [B, Z] @returns logits (Bernoulli), means (Gaussian), shape [B, D]; [B, 2D] for the logistic as in {@link VAE.decode} */
  decode(z: tf.Tensor2D): tf.Tensor2D;
  dispose(): void;
}

/** The VAE's architecture without the variance head and the prior: a plain autoencoder. */
export function createAutoencoder(options: VAEOptions = {}): Autoencoder {
  const c = config(options);
  const { encoder, heads, decoder } = encoderDecoder(c, 1);
  const [toZ] = heads;
  const variables: tf.Variable[] = [...encoder.variables, ...layerVariables(toZ), ...decoder.variables];
  return {
    config: c,
    variables,
    encode(x) {
      assertShape(x, [null, c.inputDim], "x", ["B", "D"]);
      return tf.tidy(() => applyDense(toZ, encoder.apply(x), "linear")); // [B, Z]
    },
    decode(z) {
      assertShape(z, [null, c.latentDim], "z", ["B", "Z"]);
      return decoder.apply(z); // [B, D] ([B, 2D] for the logistic)
    },
    dispose: () => tf.dispose(variables),
  };
}

/**
 * The autoencoder's loss: −log p(x | z = encode(x)) per image, batch mean (the VAE's
 * reconstruction term without noise and without the KL term).
 * @param x shape [B, D]
 * @returns shape []
 */
export function autoencoderLoss(model: Autoencoder, x: tf.Tensor2D): tf.Scalar {
  return tf.tidy(
    () =>
      reconLogLik(model.config, x, model.decode(model.encode(x)))
        .mean()
        .neg() as tf.Scalar,
  );
}

// ---------------------------------------------------------------------------------------------
// The ELBO's pieces

/**
 * The reparameterisation trick: z = zMean + σ·ε with σ = exp(½ zLogVar), so z ~ N(zMean, σ²)
 * while the randomness ε ~ N(0, I) does not depend on the encoder's parameters.
 * @param zMean shape [B, Z]
 * @param zLogVar log σ², shape [B, Z]
 * @param eps shape [B, Z] (default: drawn from N(0, I) with tfjs's seeded stream)
 * @returns z, shape [B, Z]
 */
export function reparameterize(zMean: tf.Tensor2D, zLogVar: tf.Tensor2D, eps?: tf.Tensor2D): tf.Tensor2D {
  assertShape(zMean, [null, null], "zMean", ["B", "Z"]);
  assertShape(zLogVar, zMean.shape, "zLogVar", ["B", "Z"]);
  if (eps) assertShape(eps, zMean.shape, "eps", ["B", "Z"]);
  return tf.tidy(() => {
    const e = eps ?? tf.randomNormal(zMean.shape);
    const sigma = tf.exp(tf.mul(0.5, zLogVar)); // [B, Z]
    return tf.add(zMean, tf.mul(sigma, e)) as tf.Tensor2D; // [B, Z]
  });
}

/**
 * KL(N(zMean, σ²) ‖ N(0, I)) in closed form, per example, summed over the Z latent dimensions:
 *
 *   KL = −½ Σ_j (1 + log σ²_j − μ²_j − σ²_j)       (≥ 0, = 0 only at μ = 0, σ² = 1)
 *
 * @param zMean shape [B, Z]
 * @param zLogVar log σ², shape [B, Z]
 * @returns nats, shape [B]
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
 * log N(z; mean, exp(logVar)) summed over the last axis:
 *   Σ_j −½ (log 2π + logVar_j + (z_j − mean_j)² / exp(logVar_j))
 * @param z shape [..., Z]
 * @param mean broadcastable to z (0 for the prior)
 * @param logVar broadcastable to z (0 for the prior)
 * @returns shape [...] (z's shape without the last axis)
 */
export function logNormal(z: tf.Tensor, mean: tf.Tensor | number = 0, logVar: tf.Tensor | number = 0): tf.Tensor {
  return tf.tidy(() => {
    const d2 = tf.div(tf.square(tf.sub(z, mean)), tf.exp(logVar));
    return tf.mul(-0.5, tf.sum(tf.add(tf.add(Math.log(2 * Math.PI), logVar), d2), -1));
  });
}

/**
 * Bernoulli log-likelihood from logits, summed over pixels, computed stably:
 *
 *   log p(x|l) = Σ_d x_d·log σ(l_d) + (1 − x_d)·log(1 − σ(l_d))
 *              = −Σ_d [max(l_d, 0) − l_d·x_d + log(1 + e^−|l_d|)]
 *
 * (never takes log of 0: fine for logits of ±1000). x may be grey levels in [0, 1]; the value
 * is then a cross-entropy, not a probability of the image.
 * @param x targets in [0, 1], shape [B, D]
 * @param logits decoder outputs, shape [B, D]
 * @returns nats, shape [B]
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
 * Gaussian log-likelihood with a fixed variance, summed over pixels:
 *   log N(x; mean, σ²) = −½ Σ_d (log 2π + log σ² + (x_d − mean_d)² / σ²)
 * @param x shape [B, D]
 * @param mean decoder outputs, shape [B, D]
 * @param logVar log σ², a number (same for every pixel) or shape [B, D]
 * @returns nats, shape [B]
 */
export function gaussianLogLik(x: tf.Tensor2D, mean: tf.Tensor2D, logVar: number | tf.Tensor2D): tf.Tensor1D {
  assertShape(x, [null, null], "x", ["B", "D"]);
  assertShape(mean, x.shape, "mean", ["B", "D"]);
  if (typeof logVar !== "number") assertShape(logVar, x.shape, "logVar", ["B", "D"]);
  return logNormal(x, mean, logVar) as tf.Tensor1D;
}

/** The smallest log-scale the discretised logistic uses (scale e^−7 ≈ 0.0009, a tenth of a bin). */
const MIN_LOG_SCALE = -7;

/** log(1 − e^−u) for u > 0 as log(−expm1(−u)): accurate for small u, where 1 − e^−u would lose its digits. */
function logOneMinusExpNeg(u: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.log(tf.neg(tf.expm1(tf.neg(u)))));
}

/** log σ(a) = −log(1 + e^−a), stably: −(max(−a, 0) + log(1 + e^−|a|)). */
function logSigmoid(a: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.neg(tf.add(tf.relu(tf.neg(a)), tf.log1p(tf.exp(tf.neg(tf.abs(a)))))));
}

/**
 * The discretised logistic log-likelihood of 8-bit pixels scaled to [−1, 1], summed over pixels.
 * Pixel d's level x_d = −1 + 2k/255 owns the bin [x_d − 1/255, x_d + 1/255] (the two end bins
 * reach to ∓∞), and
 *
 *   p(x_d) = σ((x_d + 1/255 − μ_d)/s_d) − σ((x_d − 1/255 − μ_d)/s_d),   s_d = e^{logScale_d},
 *
 * with σ the logistic CDF (Kingma et al. 2016; Salimans et al. 2017). The 256 probabilities of a
 * pixel sum to 1, so −log p is a code length in nats, as for the diffusion model's discrete
 * decoder. Computed without subtracting two close numbers: with a = (x + 1/255 − μ)/s and
 * b = (x − 1/255 − μ)/s, σ(a) − σ(b) = σ(a)·σ(−b)·(1 − e^{−(a−b)}), a − b = 2/(255 s).
 * Log-scales are clipped below at −7.
 * @param x shape [B, D], every value on the grid −1 + 2k/255 (not checked: this runs in training)
 * @param means μ, shape [B, D]
 * @param logScales log s, shape [B, D]
 * @returns nats, shape [B]
 */
export function discretizedLogisticLogLik(x: tf.Tensor2D, means: tf.Tensor2D, logScales: tf.Tensor2D): tf.Tensor1D {
  assertShape(x, [null, null], "x", ["B", "D"]);
  assertShape(means, x.shape, "means", ["B", "D"]);
  assertShape(logScales, x.shape, "logScales", ["B", "D"]);
  return tf.tidy(() => {
    const logS = tf.maximum(logScales, MIN_LOG_SCALE); // [B, D]
    const invS = tf.exp(tf.neg(logS)); // 1/s
    const centred = tf.sub(x, means); // [B, D]
    const a = tf.mul(tf.add(centred, 1 / 255), invS); // upper edge, standardised
    const b = tf.mul(tf.sub(centred, 1 / 255), invS); // lower edge
    const logUpper = logSigmoid(a); // log σ(a): the bottom bin (x = −1), whose lower edge is −∞
    const logLower = logSigmoid(tf.neg(b)); // log(1 − σ(b)) = log σ(−b): the top bin (x = 1)
    const middle = tf.add(tf.add(logUpper, logLower), logOneMinusExpNeg(tf.mul(2 / 255, invS)));
    const bottom = tf.less(x, -1 + 1 / 255);
    const top = tf.greater(x, 1 - 1 / 255);
    const perPixel = tf.where(bottom, logUpper, tf.where(top, logLower, middle)); // [B, D]
    return tf.sum(perPixel, 1) as tf.Tensor1D; // [B]
  });
}

/**
 * log p(x|z) for the model's likelihood, from the decoder's output.
 * @param x shape [B, D]
 * @param decoded logits or means, shape [B, D]; means then log-scales, [B, 2D], for the logistic
 * @returns nats, shape [B]
 */
export function reconLogLik(config: VAEConfig, x: tf.Tensor2D, decoded: tf.Tensor2D): tf.Tensor1D {
  if (config.likelihood === "bernoulli") return bernoulliLogLik(x, decoded);
  if (config.likelihood === "gaussian") return gaussianLogLik(x, decoded, config.decoderLogVar);
  const [B, D] = x.shape;
  assertShape(decoded, [B, 2 * D], "decoded", ["B", "2D (means, then log-scales)"]);
  return tf.tidy(() => {
    const [means, logScales] = tf.split(decoded, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    return discretizedLogisticLogLik(x, means, logScales);
  });
}

/** Options of {@link elbo} and {@link vaeLoss}. */
export interface ElboOptions {
  /** Weight of the KL term (default 1, the ELBO; β > 1 is the β-VAE, β < 1 favours reconstruction). */
  beta?: number;
  /** The noise ε, shape [B, Z] (default: drawn from N(0, I)). */
  eps?: tf.Tensor2D;
}

/** The ELBO and its two parts, per example (nats). */
export interface ElboParts {
  /** reconLogLik − β·kl, shape [B] (with β = 1: a lower bound on log p(x)). */
  elbo: tf.Tensor1D;
  /** log p(x|z) at one sample z ~ q(z|x), shape [B] */
  reconLogLik: tf.Tensor1D;
  /** KL(q(z|x) ‖ p(z)) in closed form, shape [B] */
  kl: tf.Tensor1D;
  /** the encoder's outputs, shape [B, Z] each */
  zMean: tf.Tensor2D;
  zLogVar: tf.Tensor2D;
}

/**
 * The one-sample ELBO estimate: encode, reparameterise, decode, and
 *
 *   ELBO(x) = log p(x|z) − KL(q(z|x) ‖ N(0, I)),   z = zMean + σ·ε
 *
 * @param x shape [B, D]
 */
export function elbo(vae: VAE, x: tf.Tensor2D, options: ElboOptions = {}): ElboParts {
  const beta = options.beta ?? 1;
  if (!Number.isFinite(beta) || beta < 0) throw new Error(`options.beta must be a number ≥ 0, got ${beta}`);
  return tf.tidy(() => {
    const { zMean, zLogVar } = vae.encode(x); // [B, Z]
    const z = reparameterize(zMean, zLogVar, options.eps); // [B, Z]
    const recon = reconLogLik(vae.config, x, vae.decode(z)); // [B]
    const kl = gaussianKL(zMean, zLogVar); // [B]
    return { elbo: tf.sub(recon, tf.mul(beta, kl)) as tf.Tensor1D, reconLogLik: recon, kl, zMean, zLogVar };
  });
}

/**
 * The training loss: −ELBO (β-weighted) per image, averaged over the batch, in nats:
 *   loss = (1/B) Σ_b [−log p(x_b|z_b) + β·KL_b]
 * @param x shape [B, D]
 * @returns shape []
 */
export function vaeLoss(vae: VAE, x: tf.Tensor2D, options: ElboOptions = {}): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(elbo(vae, x, options).elbo)) as tf.Scalar);
}

/** Options of {@link iwaeBound}. */
export interface IWAEOptions {
  /** Importance samples K per image (default 64; K = 1 is a one-sample ELBO with a Monte-Carlo KL). */
  k?: number;
  /** The noise, shape [K, B, Z] (default: drawn from N(0, I)); for tests. */
  eps?: tf.Tensor3D;
  /** At most this many decoder rows (images × samples) at once (default 8192): bounds memory. */
  maxRows?: number;
}

/**
 * The importance-weighted bound (Burda et al. 2016), per image, in nats:
 *
 *   L_K(x) = log (1/K) Σ_k p(x|z_k)·p(z_k) / q(z_k|x),   z_k ~ q(z|x)
 *
 * computed with a log-sum-exp. E[L_1] = ELBO ≤ E[L_K] ≤ E[L_{K+1}] → log p(x) as K → ∞.
 * @param x shape [B, D]
 * @returns shape [B]
 */
export function iwaeBound(vae: VAE, x: tf.Tensor2D, options: IWAEOptions = {}): tf.Tensor1D {
  const k = options.k ?? options.eps?.shape[0] ?? 64;
  assertInt(k, "options.k", 1);
  assertShape(x, [null, vae.config.inputDim], "x", ["B", "D"]);
  const [b, d] = x.shape;
  const zDim = vae.config.latentDim;
  if (options.eps) assertShape(options.eps, [k, b, zDim], "options.eps", ["K", "B", "Z"]);
  const maxRows = options.maxRows ?? 8192;
  const chunk = options.eps ? b : Math.max(1, Math.floor(maxRows / k));
  const parts: tf.Tensor1D[] = [];
  for (let start = 0; start < b; start += chunk) {
    const n = Math.min(chunk, b - start);
    parts.push(
      tf.tidy(() => {
        const xs = x.slice([start, 0], [n, d]); // [n, D]
        const { zMean, zLogVar } = vae.encode(xs); // [n, Z]
        const eps = options.eps ?? tf.randomNormal([k, n, zDim]); // [K, n, Z]
        const z = tf.add(zMean, tf.mul(tf.exp(tf.mul(0.5, zLogVar)), eps)); // [K, n, Z]
        const zFlat = z.reshape([k * n, zDim]) as tf.Tensor2D; // [K·n, Z]
        const xTiled = tf.tile(xs, [k, 1]) as tf.Tensor2D; // [K·n, D], row k·n + i is image i
        const logPxz = reconLogLik(vae.config, xTiled, vae.decode(zFlat)).reshape([k, n]); // [K, n]
        const logPz = logNormal(z); // [K, n]
        const logQz = logNormal(z, zMean, zLogVar); // [K, n]
        const logW = tf.sub(tf.add(logPxz, logPz), logQz); // [K, n]
        return tf.sub(tf.logSumExp(logW, 0), Math.log(k)) as tf.Tensor1D; // [n]
      }),
    );
  }
  if (parts.length === 1) return parts[0];
  const out = tf.concat(parts) as tf.Tensor1D;
  tf.dispose(parts);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Generating

/**
 * The decoder's output as pixel values: σ(logits) (Bernoulli), the means (Gaussian), or the
 * logistic's means clipped to [−1, 1], the data's scale (discretised logistic).
 * @param z shape [B, Z] @returns [B, D]
 */
export function decodeMean(model: VAE | Autoencoder, z: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const out = model.decode(z);
    if (model.config.likelihood === "bernoulli") return tf.sigmoid(out);
    if (model.config.likelihood === "gaussian") return out;
    return out.slice([0, 0], [out.shape[0], model.config.inputDim]).clipByValue(-1, 1) as tf.Tensor2D;
  });
}

/**
 * n images from the model: z ~ N(0, I), then the decoder's mean pixel values.
 * @returns shape [n, D]
 */
export function samplePrior(vae: VAE, n: number): tf.Tensor2D {
  assertInt(n, "n", 1);
  return tf.tidy(() => decodeMean(vae, tf.randomNormal([n, vae.config.latentDim])));
}

/**
 * Points on the straight line from zA to zB, both ends included.
 * @param zA shape [Z]
 * @param zB shape [Z]
 * @returns shape [steps, Z]
 */
export function interpolateLatent(zA: tf.Tensor1D, zB: tf.Tensor1D, steps: number): tf.Tensor2D {
  assertShape(zA, [null], "zA", ["Z"]);
  assertShape(zB, zA.shape, "zB", ["Z"]);
  assertInt(steps, "steps", 2);
  return tf.tidy(() => {
    const t = tf.linspace(0, 1, steps).reshape([steps, 1]); // [steps, 1]
    return tf.add(tf.mul(tf.sub(1, t), zA), tf.mul(t, zB)) as tf.Tensor2D; // [steps, Z]
  });
}

/**
 * An n×n grid of 2-D latent points, rows from top (+limit) to bottom (−limit) in z₂ and
 * columns left (−limit) to right (+limit) in z₁: decode it to see a 2-D latent space.
 * @returns shape [n·n, 2], row-major (row r, column c at r·n + c)
 */
export function latentGrid(n: number, limit = 2.5): tf.Tensor2D {
  assertInt(n, "n", 2);
  const values: number[] = [];
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) values.push(-limit + (2 * limit * c) / (n - 1), limit - (2 * limit * r) / (n - 1));
  }
  return tf.tensor2d(values, [n * n, 2]);
}
