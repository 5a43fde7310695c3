/**
 * Checks for stage 00 (exercises/00-orientation.ts). Reference values are worked out by hand
 * in the comments (00.3's converged weights: the exact line the targets were made from); nothing
 * here calls the solution.
 */
import * as tf from "@tensorflow/tfjs";
import {
  CheckFailure,
  allClose,
  close,
  defineCheck,
  describeValue,
  expectArray,
  expectTensor,
  formatNumber,
  formatValues,
  runCases,
} from "../lib/checker/define";

/** How near the result's mean and std must be to a known mistake's for its hint. */
const MATCH = { rtol: 1e-3, atol: 1e-3 };

/** Mean and population std of plain numbers (to describe what the learner returned). */
function stats(v: number[]): { mean: number; std: number } {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { mean, std };
}

/**
 * Names the usual standardize mistakes from the result's own mean and std.
 * @param sigma the input's population std, worked out by hand
 * @param n the input's length
 */
function standardizeHint(sigma: number, n: number): (got: number[]) => string {
  return (got) => {
    const { mean, std } = stats(got);
    if (got.every((v) => Math.abs(v) < 1e-6)) {
      return "every value is 0: the std came out Infinity (or huge), which only a division by 0 inside it makes (a variance divided by N − N?)";
    }
    if (!close(mean, 0, MATCH)) return `your result has mean ${formatNumber(mean)}, not 0: subtract the mean before dividing`;
    if (close(std, 1 / sigma, MATCH)) {
      return `your result has std ${formatNumber(std)}: it looks divided by the variance (${formatNumber(sigma ** 2)}) instead of the std, its square root (${formatNumber(sigma)})`;
    }
    if (close(std, Math.sqrt((n - 1) / n), MATCH)) return "that is the sample std (divide by N − 1); use the population std (divide by N)";
    return `the result should have mean 0 and std 1; yours has mean ${formatNumber(mean)} and std ${formatNumber(std)}`;
  };
}

/**
 * Names the cause when standardize returned ±Infinity: the input is finite, so only a division by 0
 * makes it, i.e. a std of 0 (0/0 gives the NaN where x equals its mean). A result that is NaN
 * everywhere is left to expectTensor's message: the square root of a negative variance and a 0/0
 * inside the mean give the same values, so no hint could tell them apart.
 */
function expectNoInfinity(got: unknown, call: string): void {
  if (typeof got !== "object" || got === null || typeof (got as tf.Tensor).dataSync !== "function") return;
  if ((got as tf.Tensor).isDisposed) return;
  const values = Array.from((got as tf.Tensor).dataSync());
  const k = values.findIndex((v) => v === Infinity || v === -Infinity);
  if (k < 0) return;
  throw new CheckFailure(
    `${call} returned ${values[k]} at element ${k}. Hint: a finite input gives ±Infinity only through a division by 0: ` +
      "your std came out 0 (and 0/0 = NaN where x equals its mean). Is it the mean of the deviations, which is always 0, " +
      "instead of the square root of the mean of their squares?",
    "nan",
  );
}

/** What 00.3's fitLinear returns. */
type FitResult = { w: tf.Tensor2D; b: tf.Tensor1D; losses: number[] };

/** Throws unless `got` is an object { w, b, losses }. */
function expectFit(got: unknown, call: string, steps: number): asserts got is FitResult {
  if (got === null || typeof got !== "object" || Array.isArray(got) || typeof (got as { dataSync?: unknown }).dataSync === "function") {
    throw new CheckFailure(`${call} returned ${describeValue(got)}; expected an object { w, b, losses }`);
  }
  const keys = Object.keys(got);
  if (!("w" in got) || !("b" in got) || !("losses" in got)) {
    throw new CheckFailure(
      `${call} returned an object with keys ${keys.join(", ") || "none"}; expected { w, b, losses } (losses: ${steps} numbers)`,
    );
  }
}

/** Disposes the tensors of a learner's fitLinear result (they are the caller's). */
function disposeFit(got: unknown): void {
  if (got === null || typeof got !== "object") return;
  for (const t of [(got as FitResult).w, (got as FitResult).b]) {
    if (t && typeof t === "object" && typeof (t as tf.Tensor).dispose === "function" && !(t as tf.Tensor).isDisposed)
      (t as tf.Tensor).dispose();
  }
}

/** The losses a learner returned, checked one by one with the cause of the first wrong one. */
function expectLosses(got: unknown, call: string, want: { steps: number; hint: (losses: number[]) => string | undefined }): void {
  if (!Array.isArray(got)) throw new CheckFailure(`${call}.losses is ${describeValue(got)}; expected an array of ${want.steps} numbers`);
  const losses = got as number[];
  if (losses.some((v) => typeof v !== "number")) {
    throw new CheckFailure(`${call}.losses holds something that is not a number (push loss.dataSync()[0], not the tensor)`);
  }
  if (losses.length !== want.steps) {
    throw new CheckFailure(
      `${call}.losses has ${losses.length} numbers; expected one per step, ${want.steps}` +
        (losses.length === want.steps + 1 ? ". Hint: the loop ran one step too many (s = 0..steps − 1)" : ""),
      "shape",
    );
  }
  const hint = want.hint(losses);
  if (hint) {
    throw new CheckFailure(`${call}.losses: got ${formatValues(losses, [losses.length], 4)}. Hint: ${hint}`);
  }
}

export const checks = [
  defineCheck({
    id: "00.1",
    name: "standardize",
    title: "standardize a vector: (x − mean) / std",
    async run(standardize: (x: tf.Tensor1D) => tf.Tensor1D) {
      await runCases([
        () => {
          // x = [2, 4, 4, 4, 5, 5, 7, 9]: mean 40/8 = 5; deviations [−3, −1, −1, −1, 0, 0, 2, 4],
          // squares sum to 9+1+1+1+0+0+4+16 = 32, population variance 32/8 = 4, std 2.
          // (Sample std √(32/7): the result's std is √(7/8); divided by the variance 4: std 1/2.)
          const x1 = tf.tensor1d([2, 4, 4, 4, 5, 5, 7, 9]);
          try {
            const call = "standardize([2, 4, 4, 4, 5, 5, 7, 9])";
            const got = standardize(x1);
            expectNoInfinity(got, call);
            expectTensor(got, [-1.5, -0.5, -0.5, -0.5, 0, 0, 1, 2], { call, hint: standardizeHint(2, 8) });
          } finally {
            x1.dispose();
          }
        },
        () => {
          // x = [1, 2, 3, 4]: mean 2.5; deviations ±1.5, ±0.5, squares sum to 5, variance 5/4,
          // std √5/2; so z = deviations·2/√5 = [−3, −1, 1, 3]/√5.
          const x2 = tf.tensor1d([1, 2, 3, 4]);
          const r5 = Math.sqrt(5);
          try {
            const call = "standardize([1, 2, 3, 4])";
            const got = standardize(x2);
            expectNoInfinity(got, call);
            expectTensor(got, [-3 / r5, -1 / r5, 1 / r5, 3 / r5], { call, hint: standardizeHint(r5 / 2, 4) });
          } finally {
            x2.dispose();
          }
        },
      ]);
    },
  }),
  defineCheck({
    id: "00.2",
    name: "linear",
    title: "a linear layer: x·w + b",
    run(linear: (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D) {
      // B = 4, D = 3, K = 2 (all different, so a transposed w or result cannot slip through).
      const x = tf.tensor2d([
        [1, 2, 3],
        [4, 5, 6],
        [0, 1, 0],
        [-1, 0, 2],
      ]); // [B, D]
      const w = tf.tensor2d([
        [1, -1],
        [2, 0],
        [0, 3],
      ]); // [D, K]
      const b = tf.tensor1d([0.5, -1]); // [K]
      // x·w row by row: [1+4+0, −1+0+9] = [5, 8]; [4+10+0, −4+0+18] = [14, 14];
      // [0+2+0, 0] = [2, 0]; [−1+0+0, 1+0+6] = [−1, 7]. Then + b = + [0.5, −1].
      const xw = [5, 8, 14, 14, 2, 0, -1, 7];
      // Mistakes worked out the same way: x·w − b = [4.5, 9, 13.5, 15, 1.5, 1, −1.5, 8]; one number
      // b[0] + b[1] = −0.5 added everywhere: [4.5, 7.5, 13.5, 13.5, 1.5, −0.5, −1.5, 6.5]; a ReLU
      // after the layer (notebook section 3's cell): [5.5, 7, 14.5, 13, 2.5, 0, 0, 6].
      const linearHint = (got: number[]): string | undefined => {
        if (allClose(got, xw)) return "that is x·w without the bias: add b";
        if (allClose(got, [4.5, 9, 13.5, 15, 1.5, 1, -1.5, 8])) return "that is x·w − b: the bias is added, y = x·w + b";
        if (allClose(got, [4.5, 7.5, 13.5, 13.5, 1.5, -0.5, -1.5, 6.5])) {
          return "one number, b's sum, went to every entry: b has one value per output column, b[k] is added to column k";
        }
        if (allClose(got, [5.5, 7, 14.5, 13, 2.5, 0, 0, 6])) {
          return "the negative entries became 0: that is relu(x·w + b); the linear layer has no activation";
        }
        return undefined;
      };
      expectTensor(
        linear(x, w, b),
        [
          [5.5, 7],
          [14.5, 13],
          [2.5, -1],
          [-0.5, 6],
        ],
        {
          call: "linear(x [4, 3], w [3, 2], b [2])",
          hint: linearHint,
        },
      );
      tf.dispose([x, w, b]);
    },
  }),
  defineCheck({
    id: "00.3",
    name: "fitLinear",
    title: "build it: a gradient-descent loop that fits the linear layer",
    async run(fitLinear: (x: tf.Tensor2D, y: tf.Tensor2D, options: { steps: number; lr: number }) => FitResult) {
      await runCases([
        () => {
          // B = 4, D = K = 1: y = 2x + 1 at x = 0..3, lr 0.1, 3 steps, by hand.
          //   step 0: w = b = 0, errors r = 0 − y = [−1, −3, −5, −7], loss (1+9+25+49)/4 = 21;
          //           ∂/∂w = (2/4) Σ r·x = 0.5·(−34) = −17, ∂/∂b = 0.5·Σ r = −8 → w = 1.7, b = 0.8
          //   step 1: r = [−0.2, −0.5, −0.8, −1.1], loss (0.04+0.25+0.64+1.21)/4 = 0.535;
          //           ∂/∂w = 0.5·(−5.4) = −2.7, ∂/∂b = 0.5·(−2.6) = −1.3 → w = 1.97, b = 0.93
          //   step 2: r = [−0.07, −0.1, −0.13, −0.16], loss 0.0574/4 = 0.01435;
          //           ∂/∂w = 0.5·(−0.84) = −0.42, ∂/∂b = 0.5·(−0.46) = −0.23 → w = 2.012, b = 0.953
          // Mistakes: the summed squares give 84 first; recording after the update gives 0.535 first;
          // training w alone gives w = 1.7, b = 0 after step 0, so loss 8.86/4 = 2.215 next.
          const call = "fitLinear(x [4, 1], y [4, 1], { steps: 3, lr: 0.1 })";
          const x = tf.tensor2d([[0], [1], [2], [3]]);
          const y = tf.tensor2d([[1], [3], [5], [7]]);
          let got: FitResult | undefined;
          try {
            got = fitLinear(x, y, { steps: 3, lr: 0.1 });
            expectFit(got, call, 3);
            expectLosses(got.losses, call, {
              steps: 3,
              hint: (l) => {
                if (close(l[0], 84, MATCH))
                  return "84 is the SUM of the squared errors; the mean squared error divides it by the B·K = 4 entries: 21";
                if (close(l[0], 0.535, MATCH)) {
                  return "losses[0] is the loss after the first update: record what minimize(f, true) returns, the loss before its step";
                }
                if (!close(l[0], 21, MATCH)) {
                  return `with w = 0 and b = 0 every prediction is 0, so the first loss is the mean of y², 21; yours is ${formatNumber(l[0])}: start from zeros and use the mean squared error`;
                }
                if (close(l[1], 2.215, MATCH))
                  return "b did not move (the loss after one step of w alone is 2.215): train both variables, w and b";
                if (l[1] > l[0])
                  return "the loss rose: each step goes AGAINST the gradient, w ← w − lr·∂loss/∂w (what optimizer.minimize does)";
                if (!close(l[1], 0.535, MATCH)) {
                  return `one sgd step from zeros with lr 0.1 gives w = 1.7, b = 0.8 (gradients −17 and −8) and loss 0.535; yours gives ${formatNumber(l[1])}`;
                }
                return undefined;
              },
            });
            expectArray(got.losses, [21, 0.535, 0.01435], `${call}.losses`, { rtol: 1e-4, atol: 1e-5 });
            expectTensor(got.w, [[2.012]], { call: `${call}.w` });
            expectTensor(got.b, [0.953], { call: `${call}.b` });
          } finally {
            disposeFit(got);
            tf.dispose([x, y]);
          }
        },
        () => {
          // B = 4, D = 2, K = 3 (all different): y = x·W + b exactly, for W = [[1, −1, 0.5], [2, 0, −1]],
          // b = [0.5, 1, −0.5]; x's columns are ±1, orthogonal to each other and to the column of ones:
          //   y = [[3.5, 0, −1], [−0.5, 0, 1], [1.5, 2, −2], [−2.5, 2, 0]]
          // The squares of y sum to 35, so the first loss is 35/12 = 2.9167 (averaging over the 4 rows
          // only: 8.75; the sum: 35). With A = [x 1], AᵀA = 4·I, so the gradient of the mean over the
          // B·K = 12 entries is (2/12)·4·(β − β*) = (2/3)(β − β*): each step of lr 0.5 multiplies the
          // error β − β* by 1 − 0.5·2/3 = 2/3, and the loss by 4/9. So losses[s] = (35/12)·(4/9)^s,
          // and after 40 steps w and b are W and b to (2/3)^40 ≈ 1e-7.
          const call = "fitLinear(x [4, 2], y [4, 3], { steps: 40, lr: 0.5 })";
          const x = tf.tensor2d([
            [1, 1],
            [1, -1],
            [-1, 1],
            [-1, -1],
          ]); // [B, D]
          const y = tf.tensor2d([
            [3.5, 0, -1],
            [-0.5, 0, 1],
            [1.5, 2, -2],
            [-2.5, 2, 0],
          ]); // [B, K]
          const want = Array.from({ length: 40 }, (_, s) => (35 / 12) * (4 / 9) ** s);
          let got: FitResult | undefined;
          try {
            got = fitLinear(x, y, { steps: 40, lr: 0.5 });
            expectFit(got, call, 40);
            expectLosses(got.losses, call, {
              steps: 40,
              hint: (l) => {
                if (close(l[0], 8.75, MATCH)) {
                  return "8.75 averages over the B = 4 rows but sums the K = 3 outputs; the mean squared error averages over all B·K = 12 entries: 2.917";
                }
                if (close(l[0], 35, MATCH))
                  return "35 is the SUM of the squared errors; the mean squared error divides it by the B·K = 12 entries: 2.917";
                if (!close(l[0], 35 / 12, MATCH))
                  return `the first loss, at w = 0 and b = 0, is the mean of y², 2.917; yours is ${formatNumber(l[0])}`;
                const rise = l.findIndex((v, s) => s > 0 && !(v <= l[s - 1] * (1 + 1e-4) + 1e-7));
                if (rise > 0) {
                  return `the loss rose at step ${rise} (${formatNumber(l[rise - 1])} → ${formatNumber(l[rise])}); on this data and lr every step of gradient descent lowers it`;
                }
                if (close(l[1], 35 / 12 / 9, MATCH)) {
                  return "one step made the loss 1/9 of the first where lr 0.5 makes it 4/9: the step is twice too long (lr doubled, or a gradient twice too large)";
                }
                return undefined;
              },
            });
            expectArray(got.losses, want, `${call}.losses`, { rtol: 1e-3, atol: 1e-6 });
            expectTensor(
              got.w,
              [
                [1, -1, 0.5],
                [2, 0, -1],
              ],
              { call: `${call}.w`, atol: 1e-4 },
            );
            expectTensor(got.b, [0.5, 1, -0.5], { call: `${call}.b`, atol: 1e-4 });
          } finally {
            disposeFit(got);
            tf.dispose([x, y]);
          }
        },
      ]);
    },
  }),
];
