/**
 * Generative adversarial networks, after Goodfellow et al. 2014, "Generative Adversarial Nets".
 *
 * A generator G turns noise z ~ N(0, I) into samples; a discriminator D scores a sample with a
 * logit l (D(x) = σ(l) is the probability that x is real). They play
 *
 *   min_G max_D V(D, G) = E_x[log D(x)] + E_z[log(1 − D(G(z)))]
 *
 * Everything here works on logits, never on probabilities, with softplus(l) = log(1 + e^l):
 *   −log D(x)         = −log σ(l)      = softplus(−l)
 *   −log(1 − D(x))    = −log(1 − σ(l)) = softplus(l)
 * so that no loss overflows or takes log(0), even at logits of ±100.
 *
 *   softplus, bceWithLogits                numerically stable pieces
 *   discriminatorLoss, generatorLoss       −V for D; the minimax or non-saturating loss for G
 *   valueFunction                          V(D, G) itself (at D ≡ ½ it is −log 4)
 *   createGAN                              MLP generator and discriminator (lib/layers.ts's createMLP)
 *   ganStep                                one D update (G's output detached), then one G update,
 *                                          with the caller's two optimisers { d, g }
 *   GANMonitor                             losses and D's accuracy per step, with warnings
 * (The paper's Proposition 1 and Theorem 1 on a 1-D toy, by quadrature, are in lib/gan-theory.ts.)
 *
 * Taught in notebooks/05-gan.ipynb. Shape letters: B batch, D data features, Z noise (latent)
 * size, Hd hidden units.
 */
import * as tf from "@tensorflow/tfjs";
import { assertInt, assertShape, assertTensor } from "./assert";
import { createMLP, type MLPOptions, type OutputActivation } from "./layers";

// ---------------------------------------------------------------------------------------------
// Stable losses from logits

/**
 * softplus(x) = log(1 + eˣ), written as max(x, 0) + log(1 + e^−|x|) so that it neither
 * overflows (x = 100) nor loses its value (x = −100).
 * @param x any shape
 * @returns same shape as x
 */
export function softplus(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.relu(x), tf.log1p(tf.exp(tf.neg(tf.abs(x))))));
}

/**
 * Binary cross-entropy from logits, elementwise (PyTorch's `binary_cross_entropy_with_logits`
 * with reduction "none"):
 *   −[y·log σ(l) + (1 − y)·log(1 − σ(l))] = y·softplus(−l) + (1 − y)·softplus(l)
 *                                          = max(l, 0) − l·y + log(1 + e^−|l|)
 * @param logits l, any shape
 * @param labels y in [0, 1]: a number, or a tensor of the logits' shape
 * @returns same shape as logits
 */
export function bceWithLogits(logits: tf.Tensor, labels: number | tf.Tensor): tf.Tensor {
  assertTensor(logits, "logits");
  if (labels instanceof tf.Tensor) assertShape(labels, logits.shape, "labels");
  return tf.tidy(() => tf.add(tf.sub(tf.relu(logits), tf.mul(logits, labels)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))));
}

/** Checks that logits are [B] or [B, 1]. */
function checkLogits(logits: tf.Tensor, name: string): void {
  assertTensor(logits, name);
  if (logits.rank === 2) assertShape(logits, [null, 1], name, ["B", "1"]);
  else assertShape(logits, [null], name, ["B"]);
}

/**
 * The discriminator's loss, −V(D, G) estimated on a batch:
 *   L_D = −E_x[log D(x)] − E_z[log(1 − D(G(z)))] = mean softplus(−l_real) + mean softplus(l_fake)
 * (binary cross-entropy with label 1 for real and 0 for fake). At D ≡ ½ it is 2·ln 2 = log 4.
 * @param realLogits D's logits on real samples, shape [B] or [B, 1]
 * @param fakeLogits D's logits on generated samples, shape [B] or [B, 1] (B may differ)
 * @returns shape []
 */
export function discriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar {
  checkLogits(realLogits, "realLogits");
  checkLogits(fakeLogits, "fakeLogits");
  return tf.tidy(() => tf.add(tf.mean(softplus(tf.neg(realLogits))), tf.mean(softplus(fakeLogits))) as tf.Scalar);
}

export interface GeneratorLossOptions {
  /**
   * true (default): the non-saturating loss −E_z[log D(G(z))] = mean softplus(−l_fake), which
   * the paper recommends in practice. false: the minimax loss E_z[log(1 − D(G(z)))] =
   * −mean softplus(l_fake), whose gradient vanishes when D confidently rejects G's samples.
   */
  nonSaturating?: boolean;
}

/**
 * The generator's loss on D's logits for generated samples.
 * At D ≡ ½ it is ln 2 (non-saturating) or −ln 2 (minimax).
 * @param fakeLogits shape [B] or [B, 1]
 * @returns shape []
 */
export function generatorLoss(fakeLogits: tf.Tensor, options: GeneratorLossOptions = {}): tf.Scalar {
  checkLogits(fakeLogits, "fakeLogits");
  const { nonSaturating = true } = options;
  return tf.tidy(
    () =>
      nonSaturating
        ? (tf.mean(softplus(tf.neg(fakeLogits))) as tf.Scalar) // −E log D(G(z))
        : (tf.neg(tf.mean(softplus(fakeLogits))) as tf.Scalar), // E log(1 − D(G(z)))
  );
}

/**
 * The value function V(D, G) = E_x[log D(x)] + E_z[log(1 − D(G(z)))] on a batch
 * (= −discriminatorLoss). Its maximum over D, for a fixed G, is C(G) ≥ −log 4.
 * @param realLogits shape [B] or [B, 1]
 * @param fakeLogits shape [B] or [B, 1]
 * @returns shape []
 */
export function valueFunction(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.neg(discriminatorLoss(realLogits, fakeLogits)) as tf.Scalar);
}

// ---------------------------------------------------------------------------------------------
// Networks

/** What a GAN needs from a network: a forward pass and the variables it trains. */
export interface Network {
  /** @param x shape [B, in] @returns shape [B, out] */
  apply(x: tf.Tensor2D): tf.Tensor2D;
  /** The trainable variables (only these move when this network is optimised). */
  variables: tf.Variable[];
}

/** A generator and a discriminator (the caller owns their optimisers; see `ganStep`). */
export interface GAN {
  /** G: noise [B, Z] → samples [B, D] (an MLP from `createGAN`; any Network will do for `ganStep`). */
  generator: Network;
  /** D: samples [B, D] → logits [B, 1]. */
  discriminator: Network;
  /** Z, the noise size. */
  zDim: number;
  /** G's variables, then D's (each network's own list is `generator.variables`, `discriminator.variables`). */
  variables: tf.Variable[];
  /** Frees both networks' variables. */
  dispose(): void;
}

export interface GANOptions {
  /** D, the data size (default 2). */
  dataDim?: number;
  /** Z, the noise size (default 2). */
  zDim?: number;
  /** G's hidden widths (default [128, 128]). */
  generatorHidden?: number[];
  /** D's hidden widths (default [128, 128]). */
  discriminatorHidden?: number[];
  /** G's last activation (default "linear"; "sigmoid" for pixels in [0, 1]). */
  generatorOutput?: OutputActivation;
  /** D's hidden activation (default "relu"; "leakyrelu" is common for images). */
  discriminatorActivation?: MLPOptions["hidden"];
}

/**
 * Builds G (MLP Z-…-D) and D (MLP D-…-1), drawn in that order. Train it with `ganStep` and two
 * optimisers of your own (the paper and DCGAN use Adam, e.g. `adam(1e-3, 0.5)` from
 * lib/engine/optimizers, β₁ = 0.5 as Radford et al. 2016). Free with `gan.dispose()`.
 */
export function createGAN(options: GANOptions = {}): GAN {
  const {
    dataDim = 2,
    zDim = 2,
    generatorHidden = [128, 128],
    discriminatorHidden = [128, 128],
    generatorOutput = "linear",
    discriminatorActivation = "relu",
  } = options;
  assertInt(dataDim, "options.dataDim", 1);
  assertInt(zDim, "options.zDim", 1);
  const generator = createMLP([zDim, ...generatorHidden, dataDim], { output: generatorOutput });
  const discriminator = createMLP([dataDim, ...discriminatorHidden, 1], { hidden: discriminatorActivation });
  const variables = [...generator.variables, ...discriminator.variables];
  return { generator, discriminator, zDim, variables, dispose: () => tf.dispose(variables) };
}

/**
 * Draws n samples from G: x = G(z), z ~ N(0, I).
 * @returns shape [n, D]
 */
export function sampleGenerator(gan: GAN, n: number): tf.Tensor2D {
  assertInt(n, "n", 1);
  return tf.tidy(() => gan.generator.apply(tf.randomNormal([n, gan.zDim]))); // [n, D]
}

// ---------------------------------------------------------------------------------------------
// One training step

export interface GANStepOptions extends GeneratorLossOptions {
  /** Noise for the D step, shape [B, Z] (default: drawn from N(0, I) with B = real's batch). */
  zD?: tf.Tensor2D;
  /** Noise for the G step, shape [B, Z] (default: drawn fresh). */
  zG?: tf.Tensor2D;
}

/** What one step measured (all shape [], from before the respective update). */
export interface GANStepResult {
  /** L_D on this batch. */
  dLoss: tf.Scalar;
  /** L_G, computed with the just-updated D. */
  gLoss: tf.Scalar;
  /** Share of real samples D calls real (logit > 0). */
  dRealAccuracy: tf.Scalar;
  /** Share of generated samples D calls fake (logit < 0). */
  dFakeAccuracy: tf.Scalar;
}

/** The two optimisers of a GAN, owned by the caller (e.g. `{ d: adam(1e-3, 0.5), g: adam(1e-3, 0.5) }`). */
export interface GANOptimizers {
  /** Updates D's variables only. */
  d: tf.Optimizer;
  /** Updates G's variables only. */
  g: tf.Optimizer;
}

/**
 * One round of Algorithm 1 of the paper (k = 1): a D step, then a G step.
 *
 *   D step  fake = G(z_D) is computed OUTSIDE the loss closure, so it is a constant there (the
 *           "detach"/stop-gradient); minimise L_D over D's variables only, with `optimizers.d`.
 *   G step  minimise L_G(D(G(z_G))) over G's variables only, with `optimizers.g`; D (just
 *           updated) is held fixed.
 *
 * Both optimisers get an explicit variable list: tfjs's `minimize` would otherwise update every
 * trainable variable the loss reaches.
 * @param real a batch of data, shape [B, D]
 */
export function ganStep(gan: GAN, real: tf.Tensor2D, optimizers: GANOptimizers, options: GANStepOptions = {}): GANStepResult {
  assertShape(real, [null, null], "real", ["B", "D"]);
  const B = real.shape[0];
  // (tf.Optimizer's instanceof reads o.minimize, so undefined must be ruled out first)
  const isOptimizer = (o: unknown) => o != null && o instanceof tf.Optimizer;
  if (!isOptimizer(optimizers?.d) || !isOptimizer(optimizers?.g)) {
    throw new Error("ganStep: optimizers must be { d: tf.Optimizer; g: tf.Optimizer }, e.g. { d: adam(1e-3, 0.5), g: adam(1e-3, 0.5) }");
  }
  const { nonSaturating = true } = options;
  if (options.zD) assertShape(options.zD, [null, gan.zDim], "options.zD", ["B", "Z"]);
  if (options.zG) assertShape(options.zG, [null, gan.zDim], "options.zG", ["B", "Z"]);
  return tf.tidy(() => {
    const zD = options.zD ?? (tf.randomNormal([B, gan.zDim]) as tf.Tensor2D); // [B, Z]
    const fake = gan.generator.apply(zD); // [B, D], a constant inside the D step
    let logits: tf.Tensor[] = [];
    const dLoss = optimizers.d.minimize(
      () => {
        const realLogits = gan.discriminator.apply(real); // [B, 1]
        const fakeLogits = gan.discriminator.apply(fake); // [B, 1]
        logits = [tf.keep(realLogits), tf.keep(fakeLogits)]; // outlive minimize's tidy; disposed below
        return discriminatorLoss(realLogits, fakeLogits);
      },
      true,
      gan.discriminator.variables,
    ) as tf.Scalar;
    const dRealAccuracy = tf.mean(tf.cast(tf.greater(logits[0], 0), "float32")) as tf.Scalar;
    const dFakeAccuracy = tf.mean(tf.cast(tf.less(logits[1], 0), "float32")) as tf.Scalar;
    tf.dispose(logits); // kept tensors are never freed by a tidy
    const zG = options.zG ?? (tf.randomNormal([B, gan.zDim]) as tf.Tensor2D); // [B, Z]
    const gLoss = optimizers.g.minimize(
      () => generatorLoss(gan.discriminator.apply(gan.generator.apply(zG)), { nonSaturating }),
      true,
      gan.generator.variables,
    ) as tf.Scalar;
    return { dLoss, gLoss, dRealAccuracy, dFakeAccuracy };
  });
}

// ---------------------------------------------------------------------------------------------
// Diagnostics

/** One step's measurements as plain numbers. */
export interface GANStepStats {
  dLoss: number;
  gLoss: number;
  dRealAccuracy: number;
  dFakeAccuracy: number;
}

export interface GANMonitorOptions {
  /** Steps looked at by each rule (default 50). */
  window?: number;
  /** "At equilibrium" means |L_D − 2 ln 2| and ||L_G| − ln 2| below this (default 0.01). */
  equilibriumTolerance?: number;
  /** "D wins" needs both mean accuracies over the window at least this (default 0.99)… */
  winAccuracy?: number;
  /** …and the mean L_D over the window at most this (default 0.05). */
  winLoss?: number;
  /** Where warnings go (default console.warn). */
  warn?: (message: string) => void;
}

/** L_D at D ≡ ½: −log ½ − log ½ = 2 ln 2 = log 4. */
export const EQUILIBRIUM_D_LOSS = 2 * Math.LN2;

/**
 * Records each step's losses and D's accuracies and warns about the two failures one can read
 * off them:
 *   D not learning   L_D ≈ 2 ln 2 and |L_G| ≈ ln 2 (the values at D ≡ ½) for every one of the
 *                    first `window` steps: D's update does nothing (learning rate 0, wrong
 *                    variable list, a constant output…).
 *   D wins           over the last `window` steps D classifies (almost) everything right and
 *                    L_D ≈ 0: G's gradient has vanished (always so with the minimax loss).
 * Each warning is given once per episode (again only after the condition went away).
 */
export class GANMonitor {
  readonly history: { dLoss: number[]; gLoss: number[]; dRealAccuracy: number[]; dFakeAccuracy: number[] } = {
    dLoss: [],
    gLoss: [],
    dRealAccuracy: [],
    dFakeAccuracy: [],
  };
  /** Every warning given so far, with the step it was given at. */
  readonly warnings: { step: number; message: string }[] = [];
  private readonly window: number;
  private readonly tolerance: number;
  private readonly winAccuracy: number;
  private readonly winLoss: number;
  private readonly warn: (message: string) => void;
  private dWinning = false;

  constructor(options: GANMonitorOptions = {}) {
    const { window = 50, equilibriumTolerance = 0.01, winAccuracy = 0.99, winLoss = 0.05, warn = (m: string) => console.warn(m) } = options;
    assertInt(window, "options.window", 1);
    this.window = window;
    this.tolerance = equilibriumTolerance;
    this.winAccuracy = winAccuracy;
    this.winLoss = winLoss;
    this.warn = warn;
  }

  /** Steps recorded so far. */
  get steps(): number {
    return this.history.dLoss.length;
  }

  /**
   * Reads one step's result (one sync for the four numbers), records it and checks the rules.
   * Does not dispose the result's tensors (inside `train`'s step, its tf.tidy does).
   */
  record(result: GANStepResult): GANStepStats {
    const [dLoss, gLoss, dRealAccuracy, dFakeAccuracy] = tf.tidy(() =>
      Array.from(tf.stack([result.dLoss, result.gLoss, result.dRealAccuracy, result.dFakeAccuracy]).dataSync()),
    );
    return this.recordStats({ dLoss, gLoss, dRealAccuracy, dFakeAccuracy });
  }

  /** As `record`, for numbers already read. */
  recordStats(stats: GANStepStats): GANStepStats {
    const h = this.history;
    h.dLoss.push(stats.dLoss);
    h.gLoss.push(stats.gLoss);
    h.dRealAccuracy.push(stats.dRealAccuracy);
    h.dFakeAccuracy.push(stats.dFakeAccuracy);
    const n = this.steps;
    const w = this.window;
    if (n === w) {
      const stuck = h.dLoss.every(
        (d, i) => Math.abs(d - EQUILIBRIUM_D_LOSS) < this.tolerance && Math.abs(Math.abs(h.gLoss[i]) - Math.LN2) < this.tolerance,
      );
      if (stuck) {
        this.give(
          `GAN warning: D is not learning. For all of the first ${w} steps L_D stayed at 2 ln 2 = 1.386 and L_G at ` +
            `ln 2 = 0.693, the values at D ≡ ½. Check D's learning rate and that optimizers.d updates D's variables.`,
        );
      }
    }
    if (n >= w && n % Math.max(1, Math.floor(w / 5)) === 0) {
      const mean = (xs: number[]) => xs.slice(n - w).reduce((a, b) => a + b, 0) / w;
      const winning =
        mean(h.dRealAccuracy) >= this.winAccuracy && mean(h.dFakeAccuracy) >= this.winAccuracy && mean(h.dLoss) <= this.winLoss;
      if (winning && !this.dWinning) {
        this.give(
          `GAN warning: D wins completely. Over steps ${n - w + 1}–${n} it told real from generated ` +
            `${(100 * Math.min(mean(h.dRealAccuracy), mean(h.dFakeAccuracy))).toFixed(1)}% of the time and L_D is ` +
            `${mean(h.dLoss).toFixed(3)}: G's gradient has all but vanished. Use the non-saturating loss, ` +
            `a smaller D learning rate, or a weaker D.`,
        );
      }
      this.dWinning = winning;
    }
    return stats;
  }

  private give(message: string): void {
    this.warnings.push({ step: this.steps, message });
    this.warn(message);
  }
}
