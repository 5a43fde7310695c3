/**
 * Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization", Algorithm 1), the
 * optimiser every course model trains with. The same update as `tf.train.adam`, state for state
 * (a `tf.train.adam` checkpoint's weights load into it and back), but on the wasm and cpu
 * backends each variable's update is ONE kernel (`CourseAdamUpdate`, lib/engine/kernels.ts) instead of
 * the ~12 small kernels `tf.train.adam` runs per variable: in a small model's train step those
 * launches cost more than the arithmetic. On other backends (native TensorFlow) it runs the
 * update as ordinary tf ops, exactly as tf.train.adam does.
 *
 * For step t = 1, 2, … with gradient g of a variable θ:
 *   m ← β₁·m + (1 − β₁)·g                     first moment
 *   v ← β₂·v + (1 − β₂)·g²                    second moment
 *   θ ← θ − lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
 * Introduced in notebooks/01-autoregression.ipynb (section 9); used by lib/classifier.ts
 * and the notebooks as `adam(learningRate)`.
 */
import * as tf from "@tensorflow/tfjs";
import { ADAM_UPDATE_KERNEL } from "./kernels";

/** A tensor and its name, as tfjs optimisers take gradients and give weights. */
type NamedTensor = { name: string; tensor: tf.Tensor };

/** One moment accumulator: the variable it belongs to and its state (named as tf.train.adam names it). */
interface Moment {
  originalName: string;
  variable: tf.Variable;
}

/**
 * `tf.train.adam` with the update fused into one kernel per variable on the wasm and cpu
 * backends. Serialises as "Adam" with tf.train.adam's config and weights.
 */
export class Adam extends tf.Optimizer {
  static get className(): string {
    return "Adam";
  }

  private firstMoments: Moment[] = [];
  private secondMoments: Moment[] = [];

  constructor(
    readonly learningRate: number,
    readonly beta1: number,
    readonly beta2: number,
    readonly epsilon: number,
  ) {
    super();
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const names = Array.isArray(variableGradients) ? variableGradients.map((g) => g.name) : Object.keys(variableGradients);
    const t = this.iterations + 1;
    // The bias corrections 1 − βᵗ, computed in JavaScript: no tensor to read back.
    const c1 = 1 - this.beta1 ** t;
    const c2 = 1 - this.beta2 ** t;
    const fused = tf.getKernel(ADAM_UPDATE_KERNEL, tf.getBackend()) !== undefined;
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        if (value === undefined) throw new Error(`Adam.applyGradients: no variable named "${name}" is registered`);
        this.firstMoments[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        this.secondMoments[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        const g = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
        if (g == null) return;
        const m = this.firstMoments[i].variable;
        const v = this.secondMoments[i].variable;
        if (fused && value.dtype === "float32" && g.dtype === "float32") {
          const attrs = { beta1: this.beta1, beta2: this.beta2, learningRate: this.learningRate, epsilon: this.epsilon, c1, c2 };
          const [newValue, newM, newV] = tf
            .engine()
            .runKernel(
              ADAM_UPDATE_KERNEL,
              { value, m, v, g } as unknown as tf.NamedTensorMap,
              attrs as unknown as tf.NamedAttrMap,
            ) as tf.Tensor[];
          m.assign(newM);
          v.assign(newV);
          value.assign(newValue);
          return;
        }
        const newM = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
        const newV = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        m.assign(newM);
        v.assign(newV);
        const step = tf.div(tf.div(newM, c1), tf.add(tf.sqrt(tf.div(newV, c2)), this.epsilon));
        value.assign(tf.sub(value, tf.mul(step, this.learningRate)));
      });
    });
    this.incrementIterations();
  }

  override dispose(): void {
    tf.dispose([...this.firstMoments, ...this.secondMoments].filter((s) => s !== undefined).map((s) => s.variable));
    this.firstMoments = [];
    this.secondMoments = [];
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const moments = [...this.firstMoments, ...this.secondMoments];
    return [await this.saveIterations(), ...moments.map((s) => ({ name: s.originalName, tensor: s.variable }))];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const n = rest.length / 2;
    tf.dispose([...this.firstMoments, ...this.secondMoments].map((s) => s.variable));
    this.firstMoments = rest.slice(0, n).map((w) => ({ originalName: w.name, variable: w.tensor.variable(false) }));
    this.secondMoments = rest.slice(n).map((w) => ({ originalName: w.name, variable: w.tensor.variable(false) }));
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

/**
 * Adam with tf.train.adam's signature and defaults (ε defaults to the backend's epsilon, 1e-7
 * in float32).
 * @param learningRate step size lr, ≥ 0 (default 0.001)
 * @param beta1 decay of the first moment, in [0, 1) (default 0.9)
 * @param beta2 decay of the second moment, in [0, 1) (default 0.999)
 */
export function adam(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon?: number): Adam {
  const check = (name: string, x: number, ok: boolean, expected: string): void => {
    if (!ok) throw new Error(`adam: ${name} must be ${expected}, got ${x}`);
  };
  check("learningRate", learningRate, Number.isFinite(learningRate) && learningRate >= 0, "a number ≥ 0 (0 freezes the variables)");
  check("beta1", beta1, beta1 >= 0 && beta1 < 1, "in [0, 1)");
  check("beta2", beta2, beta2 >= 0 && beta2 < 1, "in [0, 1)");
  const eps = epsilon ?? tf.backend().epsilon();
  check("epsilon", eps, Number.isFinite(eps) && eps > 0, "a positive number");
  return new Adam(learningRate, beta1, beta2, eps);
}
