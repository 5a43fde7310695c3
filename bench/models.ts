/**
 * The course's models as benchmark train steps: one Adam step each, on synthetic data of the
 * course's shapes. Every entry is the lib model the notebooks train. bench/reference.py builds the same models in PyTorch, entry for entry.
 *
 * Adding a model (later stages register their real lib models here) is one entry in MODELS:
 *   { name, description, create: () => ({ step, dispose }) }
 * `step()` runs one training step and returns the loss (the caller disposes it); `dispose()`
 * frees the model's variables and optimiser state.
 *
 * Letters: B batch, D features, Z latent, T context, H heads, V vocabulary.
 */
import * as tf from "@tensorflow/tfjs";
import { adam } from "../lib/engine/optimizers";
import { uniformVariable } from "../lib/layers";
import { conditionalLoss, createCondEpsMLP } from "../lib/conditional";
import { createEpsMLP, diffusionLoss, linearSchedule } from "../lib/diffusion";
import { createGAN, ganStep } from "../lib/gan";
import { ringOfGaussians, twoMoons } from "../lib/toy-data";
import { createLSTM, lstmLogits } from "../lib/language-models";
import { charCrossEntropy } from "../lib/lm";
import { createTransformer, transformerLoss } from "../lib/transformer";
import { createUNet } from "../lib/unet";
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

/** Runs `loss` under Adam on `vars`, returns the loss; everything else is freed. */
function adamStep(optimizer: tf.Optimizer, vars: tf.Variable[], loss: () => tf.Scalar): tf.Scalar {
  return tf.tidy(() => optimizer.minimize(loss, true, vars) as tf.Scalar);
}

// ---------------------------------------------------------------------------------------------
// The course's own models (lib/), same architectures as bench/reference.py builds in PyTorch.

/** VAE (Kingma & Welling 2014), lib/vae.ts: MLP 784-400-20, Bernoulli decoder, batch 128. */
function vae(): TrainStep {
  const model = createVAE({ inputDim: 784, hiddenDims: [400], latentDim: 20 });
  const optimizer = adam(1e-3);
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
  const optimizer = adam(1e-3);
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
  const model = createGAN({ dataDim: 2, zDim: 2 });
  const optimizers = { d: adam(1e-3, 0.5), g: adam(1e-3, 0.5) };
  // A few fixed real batches, cycled, so the step times the networks rather than data sampling.
  const real = Array.from({ length: 8 }, (_, i) => ringOfGaussians(512, { seed: i + 1 })); // [B, 2] each
  let i = 0;
  return {
    step: () =>
      tf.tidy(() => {
        const r = ganStep(model, real[i++ % real.length], optimizers);
        return tf.add(r.dLoss, r.gLoss) as tf.Scalar;
      }),
    dispose: () => {
      model.dispose();
      optimizers.d.dispose();
      optimizers.g.dispose();
      tf.dispose(real);
    },
  };
}

/**
 * Class-conditional DDPM with classifier-free guidance training (Ho & Salimans 2021),
 * lib/conditional.ts as notebook 07 trains it on 14×14 digits: residual ε-MLP, 3 blocks of 256,
 * time embedding 32, class embedding 16, condition dropout 0.1, batch 128.
 */
function condDdpm(): TrainStep {
  const B = 128;
  const D = 196;
  const model = createCondEpsMLP({ dataDim: D, hidden: [256, 256, 256], embedDim: 32, residual: true, classDim: 16 });
  const schedule = linearSchedule(1000);
  const optimizer = adam(1e-3);
  const x0 = tf.tidy(() => tf.randomUniform([B, D], -1, 1)) as tf.Tensor2D; // [B, D] "images" in [−1, 1]
  const labels = tf.randomUniform([B], 0, 10, "int32") as tf.Tensor1D; // [B]
  return {
    step: () => adamStep(optimizer, model.variables, () => conditionalLoss(model.epsTheta, x0, labels, schedule, { pUncond: 0.1 })),
    dispose: () => {
      model.dispose();
      optimizer.dispose();
      tf.dispose([x0, labels]);
    },
  };
}

/**
 * The U-Net ε-network of notebooks 06–07 (lib/unet.ts, lib/pretrained.ts's recipe
 * "diffusion-digits"): 14×14 digits, channels 32 → 64, class-conditional, label dropout 0.2, batch 64.
 */
function unetDigits(): TrainStep {
  const B = 64;
  const model = createUNet({ side: 14, channels: [32, 64], embedDim: 32, groups: 8, classes: 10 });
  const schedule = linearSchedule(1000);
  const optimizer = adam(5e-4);
  const x0 = tf.tidy(() => tf.randomUniform([B, 196], -1, 1)) as tf.Tensor2D; // [B, D] "images" in [−1, 1]
  const labels = tf.randomUniform([B], 0, 10, "int32") as tf.Tensor1D; // [B]
  return {
    step: () => adamStep(optimizer, model.variables, () => conditionalLoss(model.epsTheta, x0, labels, schedule, { pUncond: 0.2 })),
    dispose: () => {
      model.dispose();
      optimizer.dispose();
      tf.dispose([x0, labels]);
    },
  };
}

/**
 * Tiny GPT (Radford et al. 2018; as minGPT), lib/transformer.ts: 4 pre-norm blocks, D 128, H 4,
 * T 64, V 65, learned positions, batch 32, on random windows of a fixed synthetic corpus.
 */
function gpt(): TrainStep {
  const B = 32;
  const T = 64;
  const V = 65;
  const model = createTransformer({ vocabSize: V, contextLength: T, dModel: 128, heads: 4, layers: 4, positions: "learned" });
  const optimizer = adam(3e-4);
  const corpus = Int32Array.from({ length: 20_000 }, (_, i) => (i * 7 + Math.floor(Math.random() * 3)) % V);
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
        const x = tf.tensor2d(inputs, [B, T], "int32"); // [B, T]
        const y = tf.tensor2d(targets, [B, T], "int32"); // [B, T]
        return adamStep(optimizer, model.variables, () => transformerLoss(model, x, y));
      });
    },
    dispose: () => {
      model.dispose();
      optimizer.dispose();
    },
  };
}

/** Notebook 03's batches of Tang quatrains: B 32 windows of T 25 ids over V 3761 characters. */
const POEMS = { B: 32, T: 25, V: 3761 };

/** Random [B, T] input and target ids over the poems' vocabulary (the step's cost does not depend on the text). */
function poemBatch(): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const { B, T, V } = POEMS;
  const ids = () => Int32Array.from({ length: B * T }, () => Math.floor(Math.random() * V));
  return { x: tf.tensor2d(ids(), [B, T], "int32"), y: tf.tensor2d(ids(), [B, T], "int32") };
}

/** Notebook 03's LSTM baseline, lib/language-models.ts createLSTM: embedding 32, LSTM 128, dense V. */
function lstmPoems(): TrainStep {
  const model = createLSTM({ vocabSize: POEMS.V, embeddingSize: 32, hiddenSize: 128 });
  const optimizer = adam(1e-2);
  return {
    step: () =>
      tf.tidy(() => {
        const { x, y } = poemBatch();
        return adamStep(optimizer, model.variables, () => charCrossEntropy(lstmLogits(model, x), y));
      }),
    dispose: () => {
      model.dispose();
      optimizer.dispose();
    },
  };
}

/** Notebook 03's Transformer on the poems, lib/transformer.ts: 2 layers, D 64, H 4, learned positions. */
function gptPoems(): TrainStep {
  const model = createTransformer({ vocabSize: POEMS.V, contextLength: POEMS.T, dModel: 64, heads: 4, layers: 2, positions: "learned" });
  const optimizer = adam(3e-3);
  return {
    step: () =>
      tf.tidy(() => {
        const { x, y } = poemBatch();
        return adamStep(optimizer, model.variables, () => transformerLoss(model, x, y));
      }),
    dispose: () => {
      model.dispose();
      optimizer.dispose();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Convolution stacks: the U-Net ε-network's convolutions at 28×28 digits (lib/engine/conv-kernels.ts)

/**
 * A convolution's variables, PyTorch's initialisation: filter [F, F, Ci, Co], bias [Co], or for a
 * transposed convolution (tf.conv2dTranspose's layout) filter [F, F, Co, Ci], bias [Co].
 */
interface ConvVars {
  filter: tf.Variable<tf.Rank.R4>;
  bias: tf.Variable<tf.Rank.R1>;
}

function convVars(F: number, ci: number, co: number, transposed = false): ConvVars {
  // nn.Conv2d's fan-in is F·F·Ci; nn.ConvTranspose2d's is F·F·Co (its weight is [Ci, Co, F, F]).
  const fanIn = F * F * (transposed ? co : ci);
  return { filter: uniformVariable(transposed ? [F, F, co, ci] : [F, F, ci, co], fanIn), bias: uniformVariable([co], fanIn) };
}

/** relu(conv2d(x, filter, stride, "same") + bias), one fused kernel: x [B, h, w, Ci] → [B, h/s, w/s, Co]. */
function convRelu(x: tf.Tensor4D, v: ConvVars, stride: number, activation: "relu" | "linear" = "relu"): tf.Tensor4D {
  return tf.fused.conv2d({ x, filter: v.filter, bias: v.bias, strides: stride, pad: "same", activation });
}

/**
 * An encoder-decoder of 3×3 convolutions at a U-Net's sizes on 28×28 digits, batch 64:
 * 1→32 and 32→32 at 28×28, 32→64 stride 2, 64→64 at 14×14, 64→128 stride 2, 128→128 at 7×7,
 * up 128→64 to 14×14, 64→64, up 64→32 to 28×28, 32→32, 1×1 32→1; mean squared error to a
 * fixed target. Up-sampling is nearest-neighbour then a 3×3 convolution, or (`transposed`) one
 * stride-2 transposed 3×3 convolution (tf.conv2dTranspose).
 */
function convStack(transposed: boolean): () => TrainStep {
  return () => {
    const B = 64;
    const widths: [number, number, number][] = [
      [3, 1, 32],
      [3, 32, 32],
      [3, 32, 64],
      [3, 64, 64],
      [3, 64, 128],
      [3, 128, 128],
      [3, 128, 64],
      [3, 64, 64],
      [3, 64, 32],
      [3, 32, 32],
      [1, 32, 1],
    ];
    const layers = widths.map(([F, ci, co], i) => convVars(F, ci, co, transposed && (i === 6 || i === 8))); // 6, 8: up-sampling
    const variables = layers.flatMap((l) => [l.filter, l.bias]);
    const optimizer = adam(1e-3);
    const x = tf.tidy(() => tf.randomUniform([B, 28, 28, 1], -1, 1)) as tf.Tensor4D; // [B, h, w, 1]
    const target = tf.tidy(() => tf.randomNormal([B, 28, 28, 1])) as tf.Tensor4D; // [B, h, w, 1]
    const up = (h: tf.Tensor4D, v: ConvVars): tf.Tensor4D => {
      const [b, hh, ww] = h.shape;
      if (!transposed) return convRelu(tf.image.resizeNearestNeighbor(h, [2 * hh, 2 * ww]), v, 1); // [B, 2h, 2w, Co]
      const y = tf.conv2dTranspose(h, v.filter, [b, 2 * hh, 2 * ww, v.filter.shape[2]], 2, "same"); // [B, 2h, 2w, Co]
      return tf.relu(tf.add(y, v.bias)) as tf.Tensor4D;
    };
    const forward = (): tf.Scalar => {
      let h = convRelu(convRelu(x, layers[0], 1), layers[1], 1); // [B, 28, 28, 32]
      h = convRelu(convRelu(h, layers[2], 2), layers[3], 1); // [B, 14, 14, 64]
      h = convRelu(convRelu(h, layers[4], 2), layers[5], 1); // [B, 7, 7, 128]
      h = convRelu(up(h, layers[6]), layers[7], 1); // [B, 14, 14, 64]
      h = convRelu(up(h, layers[8]), layers[9], 1); // [B, 28, 28, 32]
      const out = convRelu(h, layers[10], 1, "linear"); // [B, 28, 28, 1]
      return tf.mean(tf.square(tf.sub(out, target)));
    };
    return {
      step: () => adamStep(optimizer, variables, forward),
      dispose: () => {
        tf.dispose(variables);
        optimizer.dispose();
        tf.dispose([x, target]);
      },
    };
  };
}

export const MODELS: BenchModel[] = [
  { name: "vae-mlp", description: "MLP VAE 784-400-20, batch 128, Adam", create: vae },
  { name: "ddpm-mlp", description: "DDPM eps-MLP on 2-D points, 3x128, batch 1024", create: ddpm },
  { name: "gan-ring", description: "GAN on a 2-D ring, MLPs 2-128-128-{2,1}, batch 512", create: gan },
  { name: "cond-ddpm", description: "conditional DDPM, residual eps-MLP 3x256 on 14x14, batch 128", create: condDdpm },
  { name: "unet-digits", description: "conditional U-Net eps-network 14x14, channels 32-64, batch 64", create: unetDigits },
  { name: "lstm-poems", description: "LSTM LM, embedding 32, LSTM 128, vocab 3761, ctx 25, batch 32", create: lstmPoems },
  { name: "gpt-poems", description: "Transformer LM 2 layers x d64, 4 heads, vocab 3761, ctx 25, batch 32", create: gptPoems },
  { name: "gpt-tiny", description: "GPT 4 layers x d128, 4 heads, ctx 64, batch 32, vocab 65", create: gpt },
  {
    name: "conv-stack",
    description: "3x3 conv encoder-decoder 28-14-7 x 32-64-128, nearest up-sampling, batch 64",
    create: convStack(false),
  },
  { name: "conv-stack-transpose", description: "the same with stride-2 transposed convolutions up, batch 64", create: convStack(true) },
];
