/**
 * Checks for stage 05 (exercises/05-gan.ts). Reference values come from PyTorch 1.13
 * (binary_cross_entropy_with_logits, autograd and torch.optim.SGD), computed by
 * tests/reference/gan_reference.py ("exercises" in tests/reference/gan.json) and, for 05.3's MLP
 * pair, tests/reference/gan_step_reference.py (tests/reference/gan_step.json), written here as
 * literals; the extreme-logit values are worked out by hand in the comments. Nothing here calls
 * the solution. 05.3 watches the two optimisers: which of the check's variables each update
 * changed tells apart a wrong optimiser, G's gradients leaking into D's step, a G step that moves
 * D, D stepping twice and G going first, before any value is compared.
 */
import * as tf from "@tensorflow/tfjs";
import {
  CheckFailure,
  close,
  defineCheck,
  describeValue,
  expectFinite,
  expectTensor,
  runCases,
  type NestedNumbers,
} from "../lib/checker/define";
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
  "log(σ(l)) hits log 0 = −Infinity at extreme logits: σ(100) rounds to exactly 1 in float32, so 1 − σ(100) = 0, and " +
  "σ(−100) ≈ 3.8e−44 is a subnormal that the wasm backend flushes to 0. Write −log σ(l) as softplus(−l) " +
  "and −log(1 − σ(l)) as softplus(l) (tf.softplus, or max(l, 0) − l·y + log(1 + e^−|l|))";

// ---------------------------------------------------------------------------------------------
// 05.3: one GAN step on two small pairs whose step PyTorch worked out: a linear pair
// (tests/reference/gan_reference.py, "exercises") and a tiny MLP pair (gan_step_reference.py).

let checkRun = 0;

/** A network of the check's, with its variables labelled as messages show them ("G.W1", "D.b"). */
type Net = Network & { named: { label: string; v: tf.Variable }[] };

/** What one update did: which optimiser applied it and which of the check's variables it changed. */
interface Update {
  by: "optimizers.d" | "optimizers.g";
  changed: string[];
}

/** SGD that logs, for every update it applies, which watched variables changed (compared by value). */
class LoggingSGD extends tf.SGDOptimizer {
  constructor(
    learningRate: number,
    private readonly by: Update["by"],
    private readonly log: Update[],
    private readonly watched: { label: string; v: tf.Variable }[],
  ) {
    super(learningRate);
  }
  override applyGradients(variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void {
    const before = this.watched.map((w) => Array.from(w.v.dataSync()));
    super.applyGradients(variableGradients);
    const changed = this.watched.filter((w, i) => Array.from(w.v.dataSync()).some((x, j) => x !== before[i][j])).map((w) => w.label);
    this.log.push({ by: this.by, changed });
  }
}

/** A variable named uniquely for this run of the check, labelled `label`. */
function named(label: string, values: NestedNumbers): { label: string; v: tf.Variable } {
  const t = typeof values === "number" ? tf.scalar(values) : tf.tensor(values as number[]);
  const v = tf.variable(t, true, `check05.${checkRun}.${label}`);
  t.dispose();
  return { label, v };
}

/** x·m + k for one-column x: a linear network with variables m [1, 1] and k [1]. */
function linearNet(prefix: "G" | "D", m: number, k: number, names: [string, string]): Net {
  const vars = [named(`${prefix}.${names[0]}`, [[m]]), named(`${prefix}.${names[1]}`, [k])];
  const [mv, kv] = vars.map((n) => n.v);
  return {
    named: vars,
    variables: [mv, kv],
    apply: (x: tf.Tensor2D) => tf.tidy(() => tf.add(tf.matMul(x, mv), kv) as tf.Tensor2D), // [B, 1]
  };
}

/** G(z) = tanh(z W1 + b1) W2 + b2: [B, Z = 3] → [B, 4] → [B, D = 2]. */
function mlpG(w: Record<string, NestedNumbers>): Net {
  const vars = ["W1", "b1", "W2", "b2"].map((k) => named(`G.${k}`, w[k]));
  const [W1, b1, W2, b2] = vars.map((n) => n.v);
  return {
    named: vars,
    variables: vars.map((n) => n.v),
    apply: (z: tf.Tensor2D) => tf.tidy(() => tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(z, W1), b1)), W2), b2) as tf.Tensor2D), // [B, 2]
  };
}

/** D(x) = leakyReLU(x V1 + c1, 0.2) V2 + c2: [B, 2] → [B, 3] → [B, 1] logits. */
function mlpD(w: Record<string, NestedNumbers>): Net {
  const vars = ["V1", "c1", "V2", "c2"].map((k) => named(`D.${k}`, w[k]));
  const [V1, c1, V2, c2] = vars.map((n) => n.v);
  return {
    named: vars,
    variables: vars.map((n) => n.v),
    apply: (x: tf.Tensor2D) => tf.tidy(() => tf.add(tf.matMul(tf.leakyRelu(tf.add(tf.matMul(x, V1), c1), 0.2), V2), c2) as tf.Tensor2D), // [B, 1]
  };
}

/** Names what went wrong from the updates the two optimisers applied, in order; undefined when they are right. */
function diagnoseUpdates(log: Update[]): string | undefined {
  const isG = (label: string) => label.startsWith("G.");
  const list = (labels: string[]) => labels.join(", ");
  for (const u of log) {
    const g = u.changed.filter(isG);
    const d = u.changed.filter((l) => !isG(l));
    if (u.by === "optimizers.d" && g.length > 0 && d.length > 0) {
      return (
        `the D step also changed G's variables (${list(g)}): G's gradients flowed into D's update. ` +
        "Compute fake = G(zD) outside the function you give minimize, so it is a constant there, and pass gan.discriminator.variables as minimize's varList"
      );
    }
    if (u.by === "optimizers.g" && g.length > 0 && d.length > 0) {
      return `the G step also changed D's variables (${list(d)}). Pass gan.generator.variables as minimize's varList: in the G step only G moves`;
    }
    if (u.by === "optimizers.g" && d.length > 0) {
      return (
        `D's variables (${list(d)}) were updated by optimizers.g: each network has its own optimiser (its own learning rate ` +
        "and state); take D's step with optimizers.d"
      );
    }
    if (u.by === "optimizers.d" && g.length > 0) {
      return `G's variables (${list(g)}) were updated by optimizers.d: each network has its own optimiser; take G's step with optimizers.g`;
    }
  }
  const dSteps = log.filter((u) => u.changed.some((l) => !isG(l))).length;
  const gSteps = log.filter((u) => u.changed.some(isG)).length;
  if (dSteps !== 1) {
    return dSteps === 0
      ? "D was never updated: minimise L_D with optimizers.d.minimize(() => …, true, gan.discriminator.variables)"
      : `D was updated ${dSteps} times: take one step on L_D = (real term) + (fake term), one minimize call`;
  }
  if (gSteps !== 1) {
    return gSteps === 0
      ? "G was never updated: minimise L_G with optimizers.g.minimize(() => …, true, gan.generator.variables)"
      : `G was updated ${gSteps} times: one round is one D step, then one G step`;
  }
  if (log.find((u) => u.changed.length > 0)?.changed.some(isG)) {
    return "G was updated before D: take the D step first, then the G step against the D just updated";
  }
  return undefined;
}

interface StepCase {
  call: string;
  G: Net;
  D: Net;
  lr: { d: number; g: number };
  data: { real: NestedNumbers; zD: NestedNumbers; zG: NestedNumbers };
  nonSaturating?: boolean;
  want: { dLoss: number; gLoss: number; after: Record<string, NestedNumbers> };
  dMistakes?: [number, string][];
  gMistakes?: [number, string][];
}

/** Runs the learner's ganStep on one case and compares the updates, both losses and every variable after the step. */
function runStep(ganStep: Step, c: StepCase): void {
  const log: Update[] = [];
  const watched = [...c.G.named, ...c.D.named];
  const dOptimizer = new LoggingSGD(c.lr.d, "optimizers.d", log, watched);
  const gOptimizer = new LoggingSGD(c.lr.g, "optimizers.g", log, watched);
  const variables = [...c.G.variables, ...c.D.variables];
  const gan: GAN = {
    generator: c.G,
    discriminator: c.D,
    zDim: (c.data.zD as number[][])[0].length,
    variables,
    dispose: () => tf.dispose(variables),
  };
  const real = tf.tensor2d(c.data.real as number[][]);
  const zD = tf.tensor2d(c.data.zD as number[][]);
  const zG = tf.tensor2d(c.data.zG as number[][]);
  const options: GANStepOptions = c.nonSaturating === undefined ? { zD, zG } : { zD, zG, nonSaturating: c.nonSaturating };
  let out: unknown;
  try {
    out = ganStep(gan, real, { d: dOptimizer, g: gOptimizer }, options);
    const wrong = diagnoseUpdates(log);
    if (wrong) throw new CheckFailure(`${c.call}: ${wrong}`);
    if (!(out && typeof out === "object" && "dLoss" in out && "gLoss" in out)) {
      throw new CheckFailure(`${c.call} returned ${describeValue(out)}; expected { dLoss, gLoss }`);
    }
    const losses = out as { dLoss: unknown; gLoss: unknown };
    expectTensor(losses.dLoss, c.want.dLoss, { call: `${c.call}.dLoss`, hint: hintFrom(c.dMistakes ?? []) });
    expectTensor(losses.gLoss, c.want.gLoss, {
      call: `${c.call}.gLoss`,
      hint: (got) => hintFrom(c.gMistakes ?? [])(got) ?? "gLoss is L_G on D(G(zG)) with the D just updated, before G's update",
    });
    for (const { label, v } of watched) {
      expectTensor(v, c.want.after[label], { call: `${c.call}: ${label} after the step` });
    }
  } finally {
    if (out && typeof out === "object") tf.dispose(Object.values(out).filter((v): v is tf.Tensor => v instanceof tf.Tensor));
    tf.dispose([real, zD, zG, ...variables]);
    dOptimizer.dispose();
    gOptimizer.dispose();
  }
}

/** The MLP pair's start, data and results (PyTorch float64, tests/reference/gan_step_reference.py). */
const MLP = {
  // weights drawn with torch.manual_seed(5), rounded to two decimals
  init: {
    W1: [
      [-0.49, -0.6, -0.56, 0.67],
      [-0.2, 1.94, -1.4, -0.76],
      [0.63, -0.9, -0.56, 0.69],
    ],
    b1: [0.22, -0.67, 0.68, 0.57],
    W2: [
      [-0.58, 0.77],
      [0.06, -1.19],
      [-0.57, -0.83],
      [0.9, 0.21],
    ],
    b2: [0.45, -0.61],
    V1: [
      [0.24, 0.47, -1.95],
      [-0.56, 0.43, -2.26],
    ],
    c1: [-0.2, 1.07, 0.32],
    V2: [[-0.07], [-1.0], [1.16]],
    c2: [-0.4],
  },
  real: [
    [2.22, -1.31],
    [0.12, -0.51],
    [-0.77, -1.67],
    [0.74, -0.23],
  ],
  zD: [
    [0.08, -0.55, -0.08],
    [-0.14, -0.53, -0.49],
    [-0.46, -0.06, 1.26],
    [1.19, 1.57, -0.9],
  ],
  zG: [
    [-0.11, 0.44, 1.67],
    [0.2, -0.29, 0.54],
    [2.23, -1.44, 0.71],
    [1.1, -0.42, -0.06],
  ],
  correct: {
    dLoss: 1.707122063367834,
    gLoss: 2.5461036686766034,
    after: {
      "G.W1": [
        [-0.5062002, -0.598898, -0.5173268, 0.6660638],
        [-0.1907137, 1.941842, -1.419622, -0.7595342],
        [0.6219739, -0.8874498, -0.5178262, 0.678224],
      ],
      "G.b1": [0.2053346, -0.6596759, 0.7402014, 0.5562271],
      "G.W2": [
        [-0.5975299, 0.7499694],
        [0.1272509, -1.114678],
        [-0.5914379, -0.8537919],
        [0.8349328, 0.1371095],
      ],
      "G.b2": [0.3784672, -0.6901417],
      "D.V1": [
        [0.2335906, 0.3842958, -1.969929],
        [-0.5587751, 0.4477527, -2.213092],
      ],
      "D.c1": [-0.2049786, 1.016728, 0.3083544],
      "D.V2": [[-0.05244997], [-0.9103511], [1.098899]],
      "D.c2": [-0.3466339],
    },
  },
  minimax: {
    dLoss: 1.707122063367834,
    gLoss: -0.09717780455598649,
    after: {
      "G.W1": [
        [-0.4922288, -0.5997866, -0.5540932, 0.6694436],
        [-0.1986604, 1.939937, -1.403356, -0.7597129],
        [0.6292236, -0.8995704, -0.557325, 0.6894533],
      ],
      "G.b1": [0.2182656, -0.6694003, 0.6860192, 0.5688527],
      "G.W2": [
        [-0.5804649, 0.769448],
        [0.06699154, -1.182188],
        [-0.5741, -0.8345787],
        [0.8933007, 0.2025134],
      ],
      "G.b2": [0.4427633, -0.6180864],
      "D.V1": [
        [0.2335906, 0.3842958, -1.969929],
        [-0.5587751, 0.4477527, -2.213092],
      ],
      "D.c1": [-0.2049786, 1.016728, 0.3083544],
      "D.V2": [[-0.05244997], [-0.9103511], [1.098899]],
      "D.c2": [-0.3466339],
    },
  },
  noiseSwapped: { dLoss: 1.3242517649615366 },
};

/** Linear pair: G(z) = a z + c with a 0.5, c 0.2; D(x) = w x + b with w 1.5, b −0.5 (tests/reference/gan_reference.py). */
const LINEAR = {
  dLoss: 0.862300155062531,
  gLoss: 0.894297527245058,
  a: 0.482760056511019,
  c: 0.4201053374564411,
  w: 1.5151070785745158,
  b: -0.6420552028991748,
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
    title: "build it: one D step (G detached), then one G step, each with its optimiser",
    async run(ganStep: Step) {
      const mlpCall = (ns: string) => `ganStep(MLP pair G 3→4→2, D 2→3→1, real [4, 2], { d: SGD 0.2, g: SGD 0.1 }, { zD, zG${ns} })`;
      const dMistakes: [number, string][] = [
        [MLP.noiseSwapped.dLoss, "the D step's fakes look made from zG: use options.zD for the D step and options.zG for the G step"],
      ];
      await runCases([
        () => {
          checkRun++;
          runStep(ganStep, {
            call: "ganStep(G(z) = 0.5z + 0.2, D(x) = 1.5x − 0.5, real [[1], [2]], { d: SGD 0.5, g: SGD 0.25 }, { zD: [[−1], [1]], zG: [[0.5], [−0.5]] })",
            G: linearNet("G", 0.5, 0.2, ["a", "c"]),
            D: linearNet("D", 1.5, -0.5, ["w", "b"]),
            lr: { d: 0.5, g: 0.25 },
            data: { real: [[1], [2]], zD: [[-1], [1]], zG: [[0.5], [-0.5]] },
            want: {
              dLoss: LINEAR.dLoss,
              gLoss: LINEAR.gLoss,
              after: { "G.a": [[LINEAR.a]], "G.c": [LINEAR.c], "D.w": [[LINEAR.w]], "D.b": [LINEAR.b] },
            },
          });
        },
        () => {
          checkRun++;
          runStep(ganStep, {
            call: mlpCall(""),
            G: mlpG(MLP.init),
            D: mlpD(MLP.init),
            lr: { d: 0.2, g: 0.1 },
            data: MLP,
            want: MLP.correct,
            dMistakes,
            gMistakes: [
              [MLP.minimax.gLoss, "that is the minimax loss: by default (nonSaturating not given) the G step uses the non-saturating L_G"],
            ],
          });
        },
        () => {
          checkRun++;
          runStep(ganStep, {
            call: mlpCall(", nonSaturating: false"),
            G: mlpG(MLP.init),
            D: mlpD(MLP.init),
            lr: { d: 0.2, g: 0.1 },
            data: MLP,
            nonSaturating: false,
            want: MLP.minimax,
            dMistakes,
            gMistakes: [[MLP.correct.gLoss, "that is the non-saturating loss: pass options.nonSaturating on to generatorLoss"]],
          });
        },
      ]);
    },
  }),
];
