// Numbers notebook 06's prose quotes, tied to the outputs that print them (see tests/notebooks/claims.ts).
import type { Claim } from "../claims";

const schedule = "The paper gives only the schedule ($\\beta_1$, $\\beta_T$, $T$); these numbers follow from it: Σβ = 10.05";
const shares = "The judge finds all ten digits in every set, between 5.2%\n  and 15.8% of the samples (real test digits: 8.4–11.5%)";
const border = "The border frame is 1.56–1.66× as bright as real digits' with DDIM, 1.41× with ancestral";
const haze = "The faint pixels\n  (at most 0.1) add 0.0061–0.0063 to the frame's mean in the three DDIM sets and 0.0058 with ancestral sampling, against\n  0.0003 for real digits";
const strokes = "The strokes that\n  reach into the frame add 0.0076–0.0083 and 0.0066, no more than real digits' 0.0085";
/** The border split's line: the `k`-th (from 0) haze or strokes number, in the order real, DDIM seeds 0–2, ancestral. */
const split = (part: "haze" | "strokes", k: number): RegExp =>
  new RegExp(`border frame split: (?:[^\\n]*?${part} [\\d.]+){${k}}[^\\n]*?${part} ([\\d.]+)`);
const table = "0c449d4b"; // the quality table and its three read-outs

export const claims: Claim[] = [
  // §1: the linear schedule
  { prose: schedule, quoted: "10.05", output: /Σβ = ([\d.]+)/, cell: "493863e7" },
  { prose: "$\\bar\\alpha_{500} \\approx 0.079$", quoted: "0.079", output: /ᾱ at t =\s+500: ([\d.e-]+)/, cell: "493863e7" },
  // 4·10⁻⁵: the printed ᾱ_1000 times 10⁵, to 0 decimals
  { prose: "$\\bar\\alpha_T \\approx 4\\cdot10^{-5}$", quoted: "4", output: /ᾱ at t = 1000: ([\d.e-]+)/, cell: "493863e7", scale: 1e5 },
  // §8: the checkpoint's run and the network's size
  { prose: "Its full run is 4,000 steps", quoted: "4,000", output: /(\d+) steps of batch/, cell: "97cc19b7" },
  { prose: "42 minutes on the CPU that made the checkpoint", quoted: "42", output: /(\d+) min on/, cell: "97cc19b7" },
  { prose: "(383,361 parameters)", quoted: "383,361", output: /([\d,]+) parameters/, cell: "ec92d5e6" },
  // §8: measured on 1,000 samples per set
  { prose: shares, quoted: "5.2", output: /DDIM 50, seed 2 \d+ \d+ \d+ ([\d.]+) %/, cell: table, within: 0.3 },
  { prose: shares, quoted: "15.8", output: /DDIM 50, seed 1 \d+ \d+ \d+ [\d.]+ % ([\d.]+) %/, cell: table, within: 0.4 },
  { prose: shares, quoted: "8.4", output: /real test digits \d+ — — ([\d.]+) %/, cell: table },
  { prose: shares, quoted: "11.5", output: /real test digits \d+ — — [\d.]+ % ([\d.]+) %/, cell: table },
  { prose: border, quoted: "1.66", output: /border frame at most 1\.5× real \(real: [\d.]+\): \w+ \(([\d.]+), [\d.]+, [\d.]+, [\d.]+\)/, cell: table },
  { prose: border, quoted: "1.56", output: /border frame at most 1\.5× real \(real: [\d.]+\): \w+ \([\d.]+, [\d.]+, ([\d.]+), [\d.]+\)/, cell: table },
  { prose: border, quoted: "1.41", output: /border frame at most 1\.5× real \(real: [\d.]+\): \w+ \([\d.]+, [\d.]+, [\d.]+, ([\d.]+)\)/, cell: table },
  {
    prose: "The class shares differ by at most 3.1 percentage points",
    quoted: "3.1",
    output: /differ by at most ([\d.]+) percentage points/,
    cell: table, within: 0.4 },
  { prose: haze, quoted: "0.0061", output: split("haze", 3), cell: table },
  { prose: haze, quoted: "0.0063", output: split("haze", 1), cell: table },
  { prose: haze, quoted: "0.0058", output: split("haze", 4), cell: table },
  { prose: haze, quoted: "0.0003", output: split("haze", 0), cell: table },
  { prose: strokes, quoted: "0.0076", output: split("strokes", 3), cell: table },
  { prose: strokes, quoted: "0.0083", output: split("strokes", 1), cell: table },
  { prose: strokes, quoted: "0.0066", output: split("strokes", 4), cell: table },
  { prose: strokes, quoted: "0.0085", output: split("strokes", 0), cell: table },
];
