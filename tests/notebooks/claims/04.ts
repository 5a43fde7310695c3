// Claims of notebooks/04-vae.ipynb: the numbers its prose quotes, tied to the outputs that print them.
import type { Claim } from "../claims";

const DATA = "86801adf"; // section 1: the split
const BASELINE = "ca5880a0"; // 784 ln 2
const UNTRAINED = "b580acf2"; // section 3.4: the ELBO before training
const TRAINING = "352d57f8"; // section 4
const BOUNDS = "a74b9f31"; // section 5: ELBO, IWAE
const GRADIENTS = "c6f3f052"; // section 5: gradient variance

export const claims: Claim[] = [
  { prose: "against the trivial 543.43-nat baseline", quoted: "543.43", output: /baseline: ([\d.]+) nats per image/, cell: BASELINE },
  { prose: "with a fixed split: 8,000 for training", quoted: "8,000", output: /train (\d+),784/, cell: DATA },
  { prose: "2,000 for testing", quoted: "2,000", output: /test (\d+),784/, cell: DATA },
  { prose: "$-\\log p(x) = 784 \\ln 2 = 543.43$ nats per image", quoted: "543.43", output: /baseline: ([\d.]+) nats per image/, cell: BASELINE },
  { prose: "or exactly\n1 bit per pixel", quoted: "1", output: /= ([\d.]+) bits\/dim/, cell: BASELINE },
  { prose: "Before training the ELBO is about −550 nats", quoted: "−550", output: /(-[\d.]+)(?:,|\n)/, cell: UNTRAINED },
  { prose: "coin-flip baseline of −543.43", quoted: "543.43", output: /baseline: ([\d.]+) nats per image/, cell: BASELINE },
  { prose: "batches of 128, 1,200 steps", quoted: "1,200", output: /step \d+\/(\d+)/, cell: TRAINING },
  { prose: "about 113 nats per test digit", quoted: "113", output: /VAE, −ELBO, 2,000 test digits ([\d.]+)/, cell: BOUNDS },
  { prose: "0.21 bits/dim", quoted: "0.21", output: /VAE, −ELBO, 2,000 test digits [\d.]+ ([\d.]+)/, cell: BOUNDS },
  { prose: "against 543.43): it has learned", quoted: "543.43", output: /baseline: every pixel p = ½ ([\d.]+)/, cell: BOUNDS },
  { prose: "draw 2,000 samples", quoted: "2,000", output: /([\d,]+) single-sample estimates/, cell: GRADIENTS },
];
