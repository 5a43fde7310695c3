// Numbers notebook 07's prose quotes, tied to the outputs that print them (see tests/notebooks/claims.ts).
import type { Claim } from "../claims";

/** Section 4's sweep table (cell 8a3e1bd8): the row of guidance scale w, its `column`-th number (1: accuracy, 2: diversity). */
const sweepRow = (w: number, column: 1 | 2): RegExp =>
  new RegExp(`\\n ${w} ${column === 1 ? "([\\d.]+) [\\d.]+" : "[\\d.]+ ([\\d.]+)"} -?[\\d.]+ ?\\n`);
const SWEEP = "8a3e1bd8";
const BOARD = "94ab6170";
const accuracy = "With the label alone ($w = 1$) it agrees 83% of the time, at $w = 2$ 99%, at $w = 4$ always";
const diversity = "diversity within a class 17.1 → 12.5 → 10.4 → 8.9";
/** One scoreboard row's FID mean, min or max (cell 94ab6170), the row named by a regex source. */
const fid = (row: string, part: "mean" | "min" | "max"): RegExp =>
  new RegExp(`${row} ${part === "mean" ? "([\\d.]+) \\[" : part === "min" ? "[\\d.]+ \\[([\\d.]+)–" : "[\\d.]+ \\[[\\d.]+–([\\d.]+)\\]"}`);
/** A scoreboard row's mean conditional accuracy: after FID, KID and diversity (each "mean [min–max]") and classes seen. */
const boardAccuracy = (row: string): RegExp => new RegExp(`${row} [\\d.]+ \\[[^\\]]*\\] [\\d.]+ \\[[^\\]]*\\] [\\d.]+ \\[[^\\]]*\\] \\d+ \\[[^\\]]*\\] ([\\d.]+) \\[`);
const COND = "diffusion, conditional \\(w = 1\\)";
const UNCOND = "diffusion, unconditional \\(∅\\)";
const GUIDED = "diffusion, guided \\(w = 2\\)";
const first = "With the label alone ($w = 1$) the diffusion model's FID, 1.82 [1.72–1.89], is";
const second = "without a label (∅) it is 7.25 [6.67–8.01]; then come the\n  VAE (12.50) and the GAN (its row";
const oneScale = "the VAE's $-\\text{ELBO}$ is\n  2.278 bits/dim and its $-\\text{IWAE}$ 2.247; the diffusion model's bound is 2.745 bits/dim, give or take 0.161 (the\n  standard error over the 500 digits, 21.9 nats per image";
const bitsGo = "Where its 372.9 nats per image go (the line under the\n  table): 156.0 to the decoder";
const guided = "At $w = 2$ the model draws the requested digit 98.3% of the time (83.4% with the label\n  alone), but its FID rises to 16.52";

export const claims: Claim[] = [
  // section 3: the checkpoint
  { prose: "$p_\\text{uncond}$ (here 0.2)", quoted: "0.2", output: /label dropout ([\d.]+)/, cell: "9d432c59" },
  { prose: "loaded as a 4,000-step checkpoint", quoted: "4,000", output: /checkpoint: (\d+) steps of batch/, cell: "9d432c59" },
  // section 4: the guidance sweep
  { prose: accuracy, quoted: "83%", output: sweepRow(1, 1), cell: SWEEP, scale: 100 },
  { prose: accuracy, quoted: "99%", output: sweepRow(2, 1), cell: SWEEP, scale: 100 },
  { prose: diversity, quoted: "17.1", output: sweepRow(0, 2), cell: SWEEP },
  { prose: diversity, quoted: "12.5", output: sweepRow(1, 2), cell: SWEEP },
  { prose: diversity, quoted: "10.4", output: sweepRow(2, 2), cell: SWEEP },
  { prose: diversity, quoted: "8.9", output: sweepRow(4, 2), cell: SWEEP },
  // section 6: the scoreboard
  { prose: first, quoted: "1.82", output: fid(COND, "mean"), cell: BOARD, within: 0.1 },
  { prose: first, quoted: "1.72", output: fid(COND, "min"), cell: BOARD },
  { prose: first, quoted: "1.89", output: fid(COND, "max"), cell: BOARD, within: 0.1 },
  { prose: "close to the floor of two halves of the real test set (1.37)", quoted: "1.37", output: /real test digits 1000–1999 ([\d.]+) /, cell: BOARD },
  { prose: second, quoted: "7.25", output: fid(UNCOND, "mean"), cell: BOARD, within: 0.3 },
  { prose: second, quoted: "6.67", output: fid(UNCOND, "min"), cell: BOARD, within: 0.3 },
  { prose: second, quoted: "8.01", output: fid(UNCOND, "max"), cell: BOARD, within: 0.3 },
  { prose: second, quoted: "12.50", output: fid("VAE \\(stage 4\\)", "mean"), cell: BOARD, within: 1 },
  { prose: guided, quoted: "98.3%", output: boardAccuracy(GUIDED), cell: BOARD, scale: 100 },
  { prose: guided, quoted: "83.4%", output: boardAccuracy(COND), cell: BOARD, scale: 100, within: 0.5 },
  { prose: guided, quoted: "16.52", output: fid(GUIDED, "mean"), cell: BOARD, within: 0.3 },
  { prose: oneScale, quoted: "2.278", output: /8-bit grey test digits: −ELBO [\d.]+, −IWAE [\d.]+ nats\/image = ([\d.]+) and/, cell: BOARD },
  { prose: oneScale, quoted: "2.247", output: /8-bit grey test digits: −ELBO [\d.]+, −IWAE [\d.]+ nats\/image = [\d.]+ and ([\d.]+) bits/, cell: BOARD },
  { prose: oneScale, quoted: "2.745", output: /\) = ([\d.]+) ± [\d.]+ bits\/dim, \d+ s/, cell: BOARD },
  { prose: oneScale, quoted: "0.161", output: /\) = [\d.]+ ± ([\d.]+) bits\/dim, \d+ s/, cell: BOARD },
  { prose: oneScale, quoted: "21.9", output: /bound [\d.]+ ± ([\d.]+) nats\/image/, cell: BOARD },
  { prose: bitsGo, quoted: "372.9", output: /bound ([\d.]+) ± [\d.]+ nats\/image/, cell: BOARD },
  { prose: bitsGo, quoted: "156.0", output: /L_0 ([\d.]+)\)/, cell: BOARD },
  { prose: "The other 216.9 go to", quoted: "216.9", output: /Σ L_t−1 ([\d.]+),/, cell: BOARD },
  { prose: "the binarised VAE's 0.298 bits/dim", quoted: "0.298", output: /8-bit grey\); ([\d.]+) \/ [\d.]+ \(binarised\)/, cell: BOARD },
];
