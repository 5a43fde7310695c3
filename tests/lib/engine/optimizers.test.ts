/**
 * lib/engine/optimizers.ts: `adam` takes the steps torch.optim.Adam takes on the same gradients
 * (tests/reference/optimizers_reference.py), on the fused kernel and on plain tf ops; matches
 * tf.train.adam on a small model and exchanges state with it; leaks nothing; rejects bad
 * arguments by name. And lib/engine/kernels.ts's CourseAdamUpdate: the addon's compiled loop equals
 * the JavaScript one, and a wrong input is named.
 */
import fs from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { ADAM_UPDATE_KERNEL, adamUpdateLoop, courseKernelsInfo } from "../../../lib/engine/kernels";
import { adam } from "../../../lib/engine/optimizers";
import { makeRng } from "../../../lib/random";
import { expectClose } from "../../helpers/close";

interface Config {
  name: string;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  grads: number[][];
  thetas: number[][];
  m: number[];
  v: number[];
}
const ref = JSON.parse(fs.readFileSync("tests/reference/optimizers.json", "utf8")) as { theta0: number[]; configs: Config[] };

/** A variable holding `initial` (which it disposes: tf.variable keeps its own reference). */
function variable(initial: tf.Tensor, name?: string): tf.Variable {
  const v = tf.variable(initial, true, name);
  initial.dispose();
  return v;
}

/** Runs `config`'s gradients through `adam`; returns θ after each step and the final m, v. */
async function runAdam(config: Config): Promise<{ thetas: number[][]; m: number[]; v: number[] }> {
  const theta = variable(tf.tensor1d(ref.theta0), `theta-${config.name}-${Math.random()}`);
  const optimizer = adam(config.lr, config.beta1, config.beta2, config.eps);
  const thetas: number[][] = [];
  for (const g of config.grads) {
    tf.tidy(() => optimizer.applyGradients({ [theta.name]: tf.tensor1d(g) }));
    thetas.push(Array.from(theta.dataSync()));
  }
  const weights = await optimizer.getWeights();
  const result = { thetas, m: Array.from(weights[1].tensor.dataSync()), v: Array.from(weights[2].tensor.dataSync()) };
  weights[0].tensor.dispose(); // the iteration count saveIterations made
  optimizer.dispose();
  theta.dispose();
  return result;
}

/** Runs `f` with CourseAdamUpdate unregistered, so `adam` takes its plain tf-ops path. */
async function withoutFusedKernel<T>(f: () => Promise<T>): Promise<T> {
  const config = tf.getKernel(ADAM_UPDATE_KERNEL, tf.getBackend());
  expect(config, `${ADAM_UPDATE_KERNEL} is registered on ${tf.getBackend()}`).toBeDefined();
  tf.unregisterKernel(ADAM_UPDATE_KERNEL, tf.getBackend());
  try {
    return await f();
  } finally {
    tf.registerKernel(config!);
  }
}

describe("adam against torch.optim.Adam", () => {
  for (const config of ref.configs) {
    for (const path of ["fused kernel", "plain tf ops"] as const) {
      it(`${config.name} (lr ${config.lr}, betas ${config.beta1}, ${config.beta2}) on the ${path}`, async () => {
        const before = tf.memory().numTensors;
        const got = path === "fused kernel" ? await runAdam(config) : await withoutFusedKernel(() => runAdam(config));
        // float32 arithmetic in a different order: a few ulps of θ's scale
        config.thetas.forEach((expected, t) => expectClose(got.thetas[t], expected, { rtol: 1e-5, atol: 1e-6 }));
        expectClose(got.m, config.m, { rtol: 1e-5, atol: 1e-9 });
        expectClose(got.v, config.v, { rtol: 1e-5, atol: 1e-15 });
        expect(tf.memory().numTensors, "tensors leaked").toBe(before);
      });
    }
  }

  it("a wrong update is caught: the first step of defaults is lr·sign(g), the bias corrections matter", async () => {
    // Without bias correction the first step would be lr·g/(√(0.001·g²)) ≈ 3.16·lr per entry.
    const config = ref.configs[0];
    const got = await runAdam(config);
    const firstStep = got.thetas[0].map((x, i) => ref.theta0[i] - x);
    expectClose(
      firstStep,
      config.grads[0].map((g) => (g === 0 ? 0 : config.lr * Math.sign(g))),
      { rtol: 0, atol: 5e-6 },
    );
  });
});

describe("adam as a drop-in for tf.train.adam", () => {
  /** Trains a 3-4-1 tanh MLP on fixed data for `steps` steps; returns its losses. */
  function train(optimizer: tf.Optimizer, steps: number): number[] {
    const rng = makeRng(11);
    const vars = [
      variable(
        tf.tensor2d(
          Array.from({ length: 12 }, () => rng() - 0.5),
          [3, 4],
        ),
      ), // [3, 4]
      variable(tf.zeros([4])), // [4]
      variable(
        tf.tensor2d(
          Array.from({ length: 4 }, () => rng() - 0.5),
          [4, 1],
        ),
      ), // [4, 1]
    ];
    const x = tf.tensor2d(
      Array.from({ length: 24 }, () => rng() * 2 - 1),
      [8, 3],
    ); // [B, 3]
    const y = tf.tensor2d(
      Array.from({ length: 8 }, () => rng()),
      [8, 1],
    ); // [B, 1]
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) {
      const loss = tf.tidy(
        () =>
          optimizer.minimize(
            () => tf.losses.meanSquaredError(y, tf.matMul(tf.tanh(tf.matMul(x, vars[0]).add(vars[1])), vars[2])) as tf.Scalar,
            true,
            vars,
          ) as tf.Scalar,
      );
      losses.push(loss.dataSync()[0]);
      loss.dispose();
    }
    tf.dispose([...vars, x, y]);
    return losses;
  }

  it("trains a small MLP to the same losses as tf.train.adam, leaving no tensor behind", () => {
    const before = tf.memory().numTensors;
    const ours = adam(0.05);
    const theirs = tf.train.adam(0.05);
    const a = train(ours, 30);
    const b = train(theirs, 30);
    ours.dispose();
    theirs.dispose();
    expect(a[29]).toBeLessThan(a[0] / 2);
    expectClose(a, b, { rtol: 1e-4, atol: 1e-6 });
    expect(tf.memory().numTensors, "tensors leaked").toBe(before);
  });

  it("uses the backend's epsilon and tf.train.adam's defaults, and its config", () => {
    const o = adam();
    expect(o.getConfig()).toEqual({ learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: tf.backend().epsilon() });
    expect(o.getClassName()).toBe("Adam");
    o.dispose();
  });

  it("continues from tf.train.adam's weights exactly as tf.train.adam does", async () => {
    const before = tf.memory().numTensors;
    const theta = variable(tf.tensor1d([1, -2, 3]), `theta-handover-${Math.random()}`);
    const g = (k: number) => ({ [theta.name]: tf.tensor1d([0.3 * k, -0.1, 0.2 / k]) });
    const theirs = tf.train.adam(0.1);
    // tf.train.adam's applyGradients is typed for variables; it takes gradients by name as ours does
    const apply = (o: tf.Optimizer, grads: () => tf.NamedTensorMap) =>
      tf.tidy(() => (o as unknown as { applyGradients(x: tf.NamedTensorMap): void }).applyGradients(grads()));
    for (let k = 1; k <= 3; k++) apply(theirs, () => g(k));
    const weights = await theirs.getWeights();
    const ours = adam(0.1);
    const copies = weights.map((w) => ({ name: w.name, tensor: w.tensor.clone() }));
    await ours.setWeights(copies); // as tf.train.adam's, it keeps its own copies: the caller's are the caller's
    tf.dispose(copies.map((w) => w.tensor));
    expect(ours.iterations).toBe(3);
    const copy = variable(theta.clone(), `theta-copy-${Math.random()}`);
    // tf.train.adam keeps going on theta; ours continues on a copy, with the same gradients
    apply(theirs, () => g(4));
    // our moments were created for `theta`'s position 0; the copy takes its place
    apply(ours, () => ({ [copy.name]: g(4)[theta.name] }));
    // tf.train.adam's bias corrections 1 − βᵗ are float32 (off by ~3e-5 relative at β₂ = 0.999,
    // t = 4); ours are double, as torch's are
    expectClose(copy, theta, { rtol: 2e-5, atol: 1e-7 });
    tf.dispose(weights.map((w) => w.tensor));
    tf.dispose([theta, copy]);
    theirs.dispose();
    ours.dispose();
    expect(tf.memory().numTensors, "tensors leaked").toBe(before);
  });

  it("names a bad argument", () => {
    expect(() => adam(-1)).toThrow(/learningRate must be a number ≥ 0.*got -1/);
    expect(() => adam(0.1, 1)).toThrow(/beta1 must be in \[0, 1\), got 1/);
    expect(() => adam(0.1, 0.9, -0.1)).toThrow(/beta2 must be in \[0, 1\), got -0.1/);
    expect(() => adam(0.1, 0.9, 0.999, 0)).toThrow(/epsilon must be a positive number, got 0/);
  });
});

describe(`kernel ${ADAM_UPDATE_KERNEL}`, () => {
  const attrs = { beta1: 0.9, beta2: 0.999, learningRate: 0.01, epsilon: 1e-7, c1: 1 - 0.9 ** 3, c2: 1 - 0.999 ** 3 };

  it("is registered on this backend and named in the kernel report", () => {
    expect(tf.getKernel(ADAM_UPDATE_KERNEL, tf.getBackend())).toBeDefined();
    expect(courseKernelsInfo().patched).toContain(tf.getBackend());
  });

  it("computes the JavaScript loop's values (the addon's compiled loop when it is loaded)", () => {
    const rng = makeRng(5);
    const n = 1000;
    const make = (scale: number, positive = false) => Float32Array.from({ length: n }, () => (positive ? rng() : rng() - 0.5) * scale);
    const [x, m, v, g] = [make(2), make(0.1), make(0.01, true), make(1)];
    const expected = { value: new Float32Array(n), m: new Float32Array(n), v: new Float32Array(n) };
    adamUpdateLoop(x, m, v, g, expected, attrs);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const inputs = { value: tf.tensor1d(x), m: tf.tensor1d(m), v: tf.tensor1d(v), g: tf.tensor1d(g) };
      const [value2, m2, v2] = tf.engine().runKernel(ADAM_UPDATE_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      // float32 (the addon) against double (JavaScript) rounding, at the inputs' scales
      expectClose(value2, expected.value, { rtol: 1e-6, atol: 1e-6 });
      expectClose(m2, expected.m, { rtol: 1e-6, atol: 1e-8 });
      expectClose(v2, expected.v, { rtol: 1e-6, atol: 1e-10 });
      // the inputs are not written
      expectClose(inputs.value, x, { rtol: 0, atol: 0 });
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it("names an input of the wrong size", () => {
    tf.tidy(() => {
      const inputs = { value: tf.zeros([2, 3]), m: tf.zeros([2, 3]), v: tf.zeros([6]), g: tf.zeros([3, 3]) };
      expect(() => tf.engine().runKernel(ADAM_UPDATE_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap)).toThrow(
        /g must be float32 with the shape of value \[2,3\], got float32 \[3,3\]/,
      );
    });
  });
});
