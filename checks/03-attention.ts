/**
 * Checks for stage 03 (exercises/03-attention.ts). Reference values are closed forms or were
 * worked out by hand with NumPy from the formulas in the comments (not from the solution), and
 * so were the values each typical mistake gives, which the hints recognise.
 */
import * as tf from "@tensorflow/tfjs";
import { CheckFailure, allClose, defineCheck, expectTensor } from "../lib/checker/define";

type Attention = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask?: tf.Tensor2D) => { output: tf.Tensor; weights: tf.Tensor };

/** Returns a hint when `got` matches one of the known wrong answers. */
function recognise(mistakes: [number[][], string][]): (got: number[]) => string | undefined {
  return (got) => mistakes.find(([values]) => allClose(got, values.flat(), { rtol: 1e-4, atol: 1e-4 }))?.[1];
}

/** The learner's {output, weights}, checked to be an object with both. */
function parts(result: unknown, call: string): { output: unknown; weights: unknown } {
  if (typeof result !== "object" || result === null || !("output" in result) || !("weights" in result)) {
    throw new CheckFailure(`${call} must return an object { output, weights }`, "wrong");
  }
  return result as { output: unknown; weights: unknown };
}

export const checks = [
  defineCheck({
    id: "03.1",
    name: "attention",
    title: "scaled dot-product attention with a mask",
    run(attention: Attention) {
      // Unmasked, Tq = 2, Tk = 3, dK = dV = 2 (Tq ≠ Tk so a softmax over the wrong axis shows).
      // q·kᵀ = [[1, 0, 2], [0, 2, 2]]; /√2, softmax over each row:
      //   row 0: softmax([0.7071, 0, 1.4142]) = [0.283995, 0.140029, 0.575975]
      //   row 1: softmax([0, 1.4142, 1.4142]) = [0.108383, 0.445808, 0.445808]
      // output = weights·v with v = [[1, 0], [0, 1], [1, 1]].
      const q = tf.tensor2d([
        [1, 0],
        [0, 2],
      ]);
      const k = tf.tensor2d([
        [1, 0],
        [0, 1],
        [2, 1],
      ]);
      const v = tf.tensor2d([
        [1, 0],
        [0, 1],
        [1, 1],
      ]);
      const call = "attention(q [2, 2], k [3, 2], v [3, 2])";
      const r1 = parts(attention(q, k, v), call);
      expectTensor(
        r1.weights,
        [
          [0.283995, 0.140029, 0.575975],
          [0.108383, 0.445808, 0.445808],
        ],
        {
          call: `${call}.weights`,
          atol: 1e-5,
          hint: recognise([
            [
              [
                [0.244728, 0.090031, 0.665241],
                [0.063379, 0.468311, 0.468311],
              ],
              "these are softmax(q·kᵀ) without the 1/√dK scaling: divide the scores by √dK = √2",
            ],
            [
              [
                [0.669762, 0.19557, 0.5],
                [0.330238, 0.80443, 0.5],
              ],
              "the softmax ran over the queries (axis −2): each query's weights over the KEYS must sum to 1, so use the last axis",
            ],
          ]),
        },
      );
      expectTensor(
        r1.output,
        [
          [0.859971, 0.716005],
          [0.554192, 0.891617],
        ],
        { call: `${call}.output`, atol: 1e-5 },
      );

      // Causal, T = 3, with the mask given: [[1, 0, 0], [1, 1, 0], [1, 1, 1]].
      // q·kᵀ/√2 with q = [[1, 0], [0, 1], [1, 1]], k = [[0, 1], [1, 0], [1, 1]]:
      //   row 0 keeps key 0 only → [1, 0, 0]
      //   row 1: softmax([1, 0]/√2) = [0.669762, 0.330238], key 2 masked
      //   row 2: softmax([1, 1, 2]/√2) = [0.248255, 0.248255, 0.50349]
      const qc = tf.tensor2d([
        [1, 0],
        [0, 1],
        [1, 1],
      ]);
      const kc = tf.tensor2d([
        [0, 1],
        [1, 0],
        [1, 1],
      ]);
      const vc = tf.tensor2d([
        [1, 2],
        [3, 4],
        [5, 6],
      ]);
      const mask = tf.tensor2d([
        [1, 0, 0],
        [1, 1, 0],
        [1, 1, 1],
      ]);
      const callC = "attention(q [3, 2], k [3, 2], v [3, 2], causal mask [3, 3])";
      const r2 = parts(attention(qc, kc, vc, mask), callC);
      expectTensor(
        r2.weights,
        [
          [1, 0, 0],
          [0.669762, 0.330238, 0],
          [0.248255, 0.248255, 0.50349],
        ],
        {
          call: `${callC}.weights`,
          atol: 1e-5,
          hint: recognise([
            [
              [
                [0.197776, 0, 0],
                [0.401112, 0.197776, 0],
                [0.248255, 0.248255, 0.50349],
              ],
              "the mask was applied after the softmax, so rows no longer sum to 1: add (1 − mask)·(−1e9) to the scores BEFORE the softmax",
            ],
            [
              [
                [0.197776, 0.401112, 0.401112],
                [0.401112, 0.197776, 0.401112],
                [0.248255, 0.248255, 0.50349],
              ],
              "future positions are not masked: the mask was ignored (query 0 still attends to keys 1 and 2)",
            ],
          ]),
        },
      );
      expectTensor(
        r2.output,
        [
          [1, 2],
          [1.660477, 2.660477],
          [3.51047, 4.51047],
        ],
        { call: `${callC}.output`, atol: 1e-5 },
      );

      // Batched [B=2, T=1, dK=4], dK = 4 so √dK = 2: one key → weight 1, output = v.
      const qb = tf.ones([2, 1, 4]);
      const vb = tf.tensor3d([[[7, 8]], [[9, 10]]]);
      const r3 = parts(attention(qb, qb, vb), "attention(q [2, 1, 4], k [2, 1, 4], v [2, 1, 2])");
      expectTensor(r3.output, [[[7, 8]], [[9, 10]]], { call: "attention(q [2, 1, 4], k [2, 1, 4], v [2, 1, 2]).output" });
      tf.dispose([q, k, v, qc, kc, vc, mask, qb, vb]);
    },
  }),
  defineCheck({
    id: "03.2",
    name: "causalMask",
    title: "the causal mask: no looking at the future",
    run(causalMask: (T: number) => tf.Tensor2D) {
      expectTensor(causalMask(1), [[1]], { call: "causalMask(1)" });
      // Row t is query t: ones up to and including column t.
      const expected = [
        [1, 0, 0, 0],
        [1, 1, 0, 0],
        [1, 1, 1, 0],
        [1, 1, 1, 1],
      ];
      expectTensor(causalMask(4), expected, {
        call: "causalMask(4)",
        hint: recognise([
          [
            expected[0].map((_, i) => expected.map((row) => row[i])),
            "that is the transpose: row t (the query) must have ones at columns s ≤ t (the past), zeros at the future",
          ],
          [
            [
              [1, 1, 1, 1],
              [1, 1, 1, 1],
              [1, 1, 1, 1],
              [1, 1, 1, 1],
            ],
            "future positions are not masked: zeros above the diagonal",
          ],
          [
            [
              [0, 0, 0, 0],
              [1, 0, 0, 0],
              [1, 1, 0, 0],
              [1, 1, 1, 0],
            ],
            "the diagonal must be 1: a position may attend to itself",
          ],
        ]),
      });
    },
  }),
  defineCheck({
    id: "03.3",
    name: "positionalEncoding",
    title: "the sinusoidal positional encoding",
    run(positionalEncoding: (T: number, D: number) => tf.Tensor2D) {
      // D = 4: frequencies 1/10000^0 = 1 and 1/10000^(2/4) = 1/100.
      // pos 0: [sin 0, cos 0, sin 0, cos 0]; pos 1: [sin 1, cos 1, sin 0.01, cos 0.01];
      // pos 2: [sin 2, cos 2, sin 0.02, cos 0.02].
      const expected = [
        [0, 1, 0, 1],
        [0.841471, 0.540302, 0.00999983, 0.99995],
        [0.909297, -0.416147, 0.0199987, 0.9998],
      ];
      expectTensor(positionalEncoding(3, 4), expected, {
        call: "positionalEncoding(3, 4)",
        atol: 1e-5,
        hint: recognise([
          [
            expected.map((r) => [r[1], r[0], r[3], r[2]]),
            "sine and cosine are swapped: even columns (2i) are sin, odd columns (2i + 1) are cos",
          ],
          [
            [
              [0, 1, 0, 1],
              [0.841471, 0.540302, 0.841471, 0.540302],
              [0.909297, -0.416147, 0.909297, -0.416147],
            ],
            "every pair has frequency 1: divide pos by 10000^(2i/D)",
          ],
        ]),
      });
    },
  }),
  defineCheck({
    id: "03.4",
    name: "sampleWithTemperature",
    title: "sample the next character with a temperature",
    run(sample: (logits: number[], temperature: number, rng: () => number) => number) {
      // logits = ln [1, 2, 5]:
      //   temperature 1:   p = [1, 2, 5]/8 = [0.125, 0.25, 0.625],   CDF [0.125, 0.375, 1]
      //   temperature 2:   p ∝ [1, √2, √5] = [0.215041, 0.304114, 0.480846], CDF [0.215041, 0.519154, 1]
      //   temperature 0.5: p ∝ [1, 4, 25] = [0.0333, 0.1333, 0.8333], CDF [0.0333, 0.1667, 1]
      // Large logits [1000, 1001, 1002] at temperature 1: p = softmax([0, 1, 2]), CDF [0.090031, 0.334759, 1].
      const logits = [0, Math.log(2), Math.log(5)];
      const cases: { logits: number[]; t: number; r: number; want: number }[] = [
        { logits, t: 1, r: 0.1, want: 0 },
        { logits, t: 1, r: 0.3, want: 1 },
        { logits, t: 1, r: 0.9, want: 2 },
        { logits, t: 2, r: 0.2, want: 0 },
        { logits, t: 2, r: 0.5, want: 1 },
        { logits, t: 2, r: 0.53, want: 2 },
        { logits, t: 0.5, r: 0.03, want: 0 },
        { logits, t: 0.5, r: 0.1, want: 1 },
        { logits, t: 0.5, r: 0.2, want: 2 },
        { logits: [1000, 1001, 1002], t: 1, r: 0.2, want: 1 },
      ];
      for (const c of cases) {
        let calls = 0;
        const got = sample(c.logits.slice(), c.t, () => {
          calls++;
          return c.r;
        });
        const call = `sampleWithTemperature([${c.logits.map((l) => (Number.isInteger(l) ? l : `ln ${Math.round(Math.exp(l))}`)).join(", ")}], ${c.t}, rng = ${c.r})`;
        if (got !== c.want) {
          let hint = "";
          if (!Number.isInteger(got)) hint = ": return an index (an integer), not a probability";
          else if (c.t === 2 && c.r === 0.2 && got === 2)
            hint = ". Hint: that is what multiplying the logits by the temperature gives; divide by it";
          else if (c.t !== 1 && got === [0, 1, 2][[0.125, 0.375, 1].findIndex((cdf) => c.r < cdf)])
            hint = ". Hint: that is the temperature-1 answer: divide the logits by the temperature before the softmax";
          throw new CheckFailure(`${call} returned ${got}, expected ${c.want}${hint}`, "wrong");
        }
        if (calls !== 1) throw new CheckFailure(`${call} called rng ${calls} times; draw exactly one uniform number per sample`, "wrong");
      }
      let calls = 0;
      const greedy = sample([0.5, 3, -1], 0, () => {
        calls++;
        return 0.99;
      });
      if (greedy !== 1)
        throw new CheckFailure(
          `sampleWithTemperature([0.5, 3, −1], 0, rng) returned ${greedy}, expected 1: temperature 0 returns the argmax`,
          "wrong",
        );
      if (calls !== 0)
        throw new CheckFailure("sampleWithTemperature(..., 0, rng) called rng: with temperature 0 there is nothing to draw", "wrong");
    },
  }),
];
