/**
 * The course's models as benchmark train steps: one Adam step each, on synthetic data of the
 * course's shapes. bench/reference.py builds the same models in PyTorch, entry for entry.
 *
 * Adding a model (later stages register their real lib models here) is one entry in MODELS:
 *   { name, description, create: () => ({ step, dispose }) }
 * `step()` runs one training step and returns the loss (the caller disposes it); `dispose()`
 * frees the model's variables and optimiser state.
 *
 * Letters: B batch, D features, Z latent, T context, H heads, V vocabulary.
 */
import * as tf from "@tensorflow/tfjs";

export interface TrainStep {
  /** One optimiser step; returns the loss before the update (shape []). */
  step(): tf.Scalar;
  /** Frees every tensor the model holds. */
  dispose(): void;
}

export interface BenchModel {
  /** Key shared with bench/reference.py. */
  name: string;
  /** One line: the architecture and batch. */
  description: string;
  create(): TrainStep;
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

interface Linear {
  w: tf.Variable; // [in, out]
  b: tf.Variable; // [out]
}

/** A fully connected layer, weights ~ U(±1/√in) as PyTorch's nn.Linear. */
function linear(inDim: number, outDim: number): Linear {
  const bound = 1 / Math.sqrt(inDim);
  return tf.tidy(() => ({
    w: tf.variable(tf.randomUniform([inDim, outDim], -bound, bound)),
    b: tf.variable(tf.randomUniform([outDim], -bound, bound)),
  }));
}

/** y = act(x·W + b), one fused kernel as tf.layers.dense uses. @param x shape [B, in] */
function applyLinear(layer: Linear, x: tf.Tensor2D, activation: "linear" | "relu" = "linear"): tf.Tensor2D {
  return tf.fused.matMul({ a: x, b: layer.w, bias: layer.b, activation }) as tf.Tensor2D;
}

function params(layers: Linear[]): tf.Variable[] {
  return layers.flatMap((l) => [l.w, l.b]);
}

/** An MLP with ReLU between layers. @param x shape [B, sizes[0]] @returns [B, sizes.at(-1)] */
function mlp(sizes: number[]): { layers: Linear[]; apply: (x: tf.Tensor2D) => tf.Tensor2D } {
  const layers = sizes.slice(1).map((out, i) => linear(sizes[i], out));
  const apply = (x: tf.Tensor2D): tf.Tensor2D =>
    layers.reduce((h, layer, i) => applyLinear(layer, h, i < layers.length - 1 ? "relu" : "linear"), x);
  return { layers, apply };
}

/** Runs `loss` under Adam on `vars`, returns the loss; everything else is freed. */
function adamStep(optimizer: tf.Optimizer, vars: tf.Variable[], loss: () => tf.Scalar): tf.Scalar {
  return tf.tidy(() => optimizer.minimize(loss, true, vars) as tf.Scalar);
}

function disposeAll(vars: tf.Variable[], optimizers: tf.Optimizer[], others: tf.Tensor[] = []): void {
  tf.dispose(vars);
  tf.dispose(others);
  for (const o of optimizers) o.dispose();
}

// ---------------------------------------------------------------------------------------------
// VAE (Kingma & Welling 2014): MLP 784-400-20, Bernoulli decoder, batch 128

function vae(): TrainStep {
  const B = 128;
  const D = 784;
  const Z = 20;
  const encoder = linear(D, 400);
  const toZMean = linear(400, Z);
  const toZLogVar = linear(400, Z);
  const decoder = mlp([Z, 400, D]);
  const vars = params([encoder, toZMean, toZLogVar, ...decoder.layers]);
  const optimizer = tf.train.adam(1e-3);
  // Binarised "images": a fixed batch of Bernoulli(0.3) pixels.
  const x = tf.tidy(() => tf.cast(tf.less(tf.randomUniform([B, D]), 0.3), "float32")) as tf.Tensor2D; // [B, D]
  return {
    step: () =>
      adamStep(optimizer, vars, () => {
        const h = applyLinear(encoder, x, "relu"); // [B, 400]
        const zMean = applyLinear(toZMean, h); // [B, Z]
        const zLogVar = applyLinear(toZLogVar, h); // [B, Z]
        // z = μ + σ·ε, σ = exp(½ log σ²)
        const z = tf.add(zMean, tf.mul(tf.exp(tf.mul(0.5, zLogVar)), tf.randomNormal([B, Z]))) as tf.Tensor2D;
        const logits = decoder.apply(z); // [B, D]
        // −log p(x|z) = Σ BCE(logits, x);  KL(q‖N(0,I)) = −½ Σ (1 + log σ² − μ² − σ²)
        const recon = tf.sum(bceWithLogits(x, logits));
        const kl = tf.mul(-0.5, tf.sum(tf.sub(tf.add(1, zLogVar), tf.add(tf.square(zMean), tf.exp(zLogVar)))));
        return tf.div(tf.add(recon, kl), B) as tf.Scalar;
      }),
    dispose: () => disposeAll(vars, [optimizer], [x]),
  };
}

/** Elementwise binary cross-entropy from logits: max(l, 0) − l·x + log(1 + e^−|l|). */
function bceWithLogits(x: tf.Tensor, logits: tf.Tensor): tf.Tensor {
  return tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
}

// ---------------------------------------------------------------------------------------------
// DDPM (Ho et al. 2020) on 2-D points: εθ(x_t, t) an MLP (2 + 16)-128-128-128-2, batch 1024

function ddpm(): TrainStep {
  const B = 1024;
  const steps = 1000; // diffusion steps T
  const E = 16; // sinusoidal time-embedding size
  const epsTheta = mlp([2 + E, 128, 128, 128, 2]);
  const vars = params(epsTheta.layers);
  const optimizer = tf.train.adam(1e-3);
  // β_t linear in [1e-4, 0.02]; ᾱ_t = Π_{s≤t} (1 − β_s)
  const alphaBarValues = new Float32Array(steps);
  for (let t = 0, prod = 1; t < steps; t++) {
    prod *= 1 - (1e-4 + ((0.02 - 1e-4) * t) / (steps - 1));
    alphaBarValues[t] = prod;
  }
  const alphaBar = tf.tensor1d(alphaBarValues); // [T]
  const freqs = tf.tensor1d(Array.from({ length: E / 2 }, (_, i) => Math.exp((-Math.log(10000) * i) / (E / 2)))); // [E/2]
  // Data: two interleaved half-moons, fixed.
  const x0 = tf.tidy(() => {
    const angle = tf.mul(tf.randomUniform([B]), Math.PI);
    const upper = tf.less(tf.randomUniform([B]), 0.5);
    const px = tf.where(upper, tf.cos(angle), tf.sub(1, tf.cos(angle)));
    const py = tf.where(upper, tf.sin(angle), tf.sub(0.5, tf.sin(angle)));
    return tf.add(tf.stack([px, py], 1), tf.mul(0.05, tf.randomNormal([B, 2])));
  }) as tf.Tensor2D; // [B, 2]
  return {
    step: () =>
      adamStep(optimizer, vars, () => {
        const t = tf.randomUniform([B], 0, steps, "int32"); // [B]
        const eps = tf.randomNormal([B, 2]); // [B, 2]
        const ab = tf.expandDims(tf.gather(alphaBar, t), 1); // [B, 1]
        // q_sample: x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε
        const xT = tf.add(tf.mul(tf.sqrt(ab), x0), tf.mul(tf.sqrt(tf.sub(1, ab)), eps));
        const angles = tf.mul(tf.expandDims(tf.cast(t, "float32"), 1), freqs); // [B, E/2]
        const input = tf.concat([xT, tf.sin(angles), tf.cos(angles)], 1) as tf.Tensor2D; // [B, 2 + E]
        return tf.losses.meanSquaredError(eps, epsTheta.apply(input)) as tf.Scalar;
      }),
    dispose: () => disposeAll(vars, [optimizer], [alphaBar, freqs, x0]),
  };
}

// ---------------------------------------------------------------------------------------------
// GAN (Goodfellow et al. 2014) on a 2-D ring: G 2-128-128-2, D 2-128-128-1, batch 512.
// One step = one discriminator update and one generator update (non-saturating loss).

function gan(): TrainStep {
  const B = 512;
  const generator = mlp([2, 128, 128, 2]);
  const discriminator = mlp([2, 128, 128, 1]);
  const gVars = params(generator.layers);
  const dVars = params(discriminator.layers);
  const gOptimizer = tf.train.adam(1e-3, 0.5);
  const dOptimizer = tf.train.adam(1e-3, 0.5);
  const sampleRing = (): tf.Tensor2D => {
    const angle = tf.mul(tf.randomUniform([B]), 2 * Math.PI);
    return tf.add(tf.stack([tf.cos(angle), tf.sin(angle)], 1), tf.mul(0.05, tf.randomNormal([B, 2]))) as tf.Tensor2D;
  };
  // −log σ(l) for real, −log(1 − σ(l)) for fake, as BCE with logits against labels 1 and 0.
  const bce = (logits: tf.Tensor, label: number): tf.Scalar =>
    tf.mean(bceWithLogits(tf.fill(logits.shape, label), logits)) as tf.Scalar;
  return {
    step: () =>
      tf.tidy(() => {
        const real = sampleRing(); // [B, 2]
        const fake = generator.apply(tf.randomNormal([B, 2])); // [B, 2], no gradient to G here
        const dLoss = adamStep(dOptimizer, dVars, () =>
          tf.add(bce(discriminator.apply(real), 1), bce(discriminator.apply(fake), 0)),
        );
        const gLoss = adamStep(gOptimizer, gVars, () => bce(discriminator.apply(generator.apply(tf.randomNormal([B, 2]))), 1));
        return tf.add(dLoss, gLoss) as tf.Scalar;
      }),
    dispose: () => disposeAll([...gVars, ...dVars], [gOptimizer, dOptimizer]),
  };
}

// ---------------------------------------------------------------------------------------------
// Tiny GPT (Radford et al. 2018; as minGPT): 4 pre-norm blocks, D 128, H 4, T 64, V 65, batch 32

function gpt(): TrainStep {
  const B = 32;
  const T = 64;
  const D = 128;
  const H = 4;
  const V = 65;
  const L = 4;
  const hs = D / H;
  const tokenEmbedding = tf.tidy(() => tf.variable(tf.mul(0.02, tf.randomNormal([V, D])))); // [V, D]
  const positionEmbedding = tf.tidy(() => tf.variable(tf.mul(0.02, tf.randomNormal([T, D])))); // [T, D]
  const norm = () => tf.tidy(() => ({ g: tf.variable(tf.ones([D])), b: tf.variable(tf.zeros([D])) }));
  const blocks = Array.from({ length: L }, () => ({
    ln1: norm(),
    qkv: linear(D, 3 * D),
    proj: linear(D, D),
    ln2: norm(),
    fc: linear(D, 4 * D),
    fcOut: linear(4 * D, D),
  }));
  const lnF = norm();
  const head = linear(D, V);
  const vars = [
    tokenEmbedding,
    positionEmbedding,
    ...blocks.flatMap((bl) => [bl.ln1.g, bl.ln1.b, bl.ln2.g, bl.ln2.b, ...params([bl.qkv, bl.proj, bl.fc, bl.fcOut])]),
    lnF.g,
    lnF.b,
    ...params([head]),
  ];
  const optimizer = tf.train.adam(3e-4);
  // Causal mask: 0 where key s ≤ query t, −1e9 after.
  const mask = tf.tidy(() => tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9)); // [T, T]
  // A fixed synthetic corpus over V characters; batches are random windows of it.
  const corpus = Int32Array.from({ length: 20_000 }, (_, i) => (i * 7 + Math.floor(Math.random() * 3)) % V);

  const layerNorm = (x: tf.Tensor2D, p: { g: tf.Variable; b: tf.Variable }): tf.Tensor2D => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), p.g), p.b) as tf.Tensor2D;
  };
  // GELU, tanh form: ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
  const gelu = (x: tf.Tensor2D): tf.Tensor2D =>
    tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3)))))));
  const toHeads = (x: tf.Tensor2D): tf.Tensor4D => tf.transpose(tf.reshape(x, [B, T, H, hs]), [0, 2, 1, 3]); // [B, H, T, hs]

  const attention = (x: tf.Tensor2D, bl: (typeof blocks)[number]): tf.Tensor2D => {
    const qkv = applyLinear(bl.qkv, x); // [B·T, 3D]
    const [q, k, v] = tf.split(qkv, 3, 1).map((part) => toHeads(part as tf.Tensor2D)); // [B, H, T, hs]
    // softmax(q·kᵀ/√hs + mask)·v
    const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hs)), mask); // [B, H, T, T]
    const y = tf.matMul(tf.softmax(scores), v); // [B, H, T, hs]
    const merged = tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * T, D]) as tf.Tensor2D; // [B·T, D]
    return applyLinear(bl.proj, merged);
  };

  return {
    step: () => {
      const inputs = new Int32Array(B * T);
      const targets = new Int32Array(B * T);
      for (let b = 0; b < B; b++) {
        const start = Math.floor(Math.random() * (corpus.length - T - 1));
        inputs.set(corpus.subarray(start, start + T), b * T);
        targets.set(corpus.subarray(start + 1, start + T + 1), b * T);
      }
      return tf.tidy(() => {
        const idx = tf.tensor1d(inputs, "int32"); // [B·T]
        const labels = tf.oneHot(tf.tensor1d(targets, "int32"), V); // [B·T, V]
        return adamStep(optimizer, vars, () => {
          const tok = tf.reshape(tf.gather(tokenEmbedding, idx), [B, T, D]); // [B, T, D]
          let x = tf.reshape(tf.add(tok, positionEmbedding), [B * T, D]) as tf.Tensor2D; // [B·T, D]
          for (const bl of blocks) {
            x = tf.add(x, attention(layerNorm(x, bl.ln1), bl));
            x = tf.add(x, applyLinear(bl.fcOut, gelu(applyLinear(bl.fc, layerNorm(x, bl.ln2)))));
          }
          const logits = applyLinear(head, layerNorm(x, lnF)); // [B·T, V]
          return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
        });
      });
    },
    dispose: () => disposeAll(vars, [optimizer], [mask]),
  };
}

// ---------------------------------------------------------------------------------------------

export const MODELS: BenchModel[] = [
  { name: "vae-mlp", description: "MLP VAE 784-400-20, batch 128, Adam", create: vae },
  { name: "ddpm-mlp", description: "DDPM eps-MLP on 2-D points, 3x128, batch 1024", create: ddpm },
  { name: "gan-ring", description: "GAN on a 2-D ring, MLPs 2-128-128-{2,1}, batch 512", create: gan },
  { name: "gpt-tiny", description: "GPT 4 layers x d128, 4 heads, ctx 64, batch 32, vocab 65", create: gpt },
];
