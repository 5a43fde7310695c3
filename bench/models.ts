/**
 * The course's models as benchmark train steps: one Adam step each, on synthetic data of the
 * course's shapes. The VAE, DDPM and GAN are the lib models the notebooks train. bench/reference.py builds the same models in PyTorch, entry for entry.
 *
 * Adding a model (later stages register their real lib models here) is one entry in MODELS:
 *   { name, description, create: () => ({ step, dispose }) }
 * `step()` runs one training step and returns the loss (the caller disposes it); `dispose()`
 * frees the model's variables and optimiser state.
 *
 * Letters: B batch, D features, Z latent, T context, H heads, V vocabulary.
 */
import * as tf from "@tensorflow/tfjs";
import { createEpsMLP, diffusionLoss, linearSchedule } from "../lib/diffusion";
import { createGan, disposeGan, ganStep } from "../lib/gan";
import { ringOfGaussians, twoMoons } from "../lib/toy-data";
import { createVAE, vaeLoss } from "../lib/vae";

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
// The course's own models (lib/), same architectures as bench/reference.py builds in PyTorch.

/** VAE (Kingma & Welling 2014), lib/vae.ts: MLP 784-400-20, Bernoulli decoder, batch 128. */
function vae(): TrainStep {
  const model = createVAE({ inputDim: 784, hiddenDims: [400], latentDim: 20 });
  const optimizer = tf.train.adam(1e-3);
  // Binarised "images": a fixed batch of Bernoulli(0.3) pixels.
  const x = tf.tidy(() => tf.cast(tf.less(tf.randomUniform([128, 784]), 0.3), "float32")) as tf.Tensor2D; // [B, D]
  return {
    step: () => adamStep(optimizer, model.variables, () => vaeLoss(model, x)),
    dispose: () => {
      model.dispose();
      optimizer.dispose();
      x.dispose();
    },
  };
}

/** DDPM (Ho et al. 2020), lib/diffusion.ts: εθ an MLP (2 + 16)-128-128-128-2 on two moons, batch 1024. */
function ddpm(): TrainStep {
  const net = createEpsMLP({ dataDim: 2, hidden: [128, 128, 128], embedDim: 16 });
  const schedule = linearSchedule(1000);
  const optimizer = tf.train.adam(1e-3);
  const x0 = twoMoons(1024, { seed: 0 }); // [B, 2]
  return {
    step: () => adamStep(optimizer, net.variables, () => diffusionLoss(net.epsTheta, x0, schedule)),
    dispose: () => {
      net.dispose();
      optimizer.dispose();
      x0.dispose();
    },
  };
}

/**
 * GAN (Goodfellow et al. 2014), lib/gan.ts, on a ring of Gaussians: G 2-128-128-2,
 * D 2-128-128-1, batch 512. One step = one D update and one G update (non-saturating loss).
 */
function gan(): TrainStep {
  const model = createGan({ dataDim: 2, zDim: 2, dLearningRate: 1e-3, gLearningRate: 1e-3, beta1: 0.5 });
  // A few fixed real batches, cycled, so the step times the networks rather than data sampling.
  const real = Array.from({ length: 8 }, (_, i) => ringOfGaussians(512, { seed: i + 1 })); // [B, 2] each
  let i = 0;
  return {
    step: () =>
      tf.tidy(() => {
        const r = ganStep(model, real[i++ % real.length]);
        return tf.add(r.dLoss, r.gLoss) as tf.Scalar;
      }),
    dispose: () => {
      disposeGan(model);
      tf.dispose(real);
    },
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
