// Numbers notebook 05's prose quotes, tied to the outputs that print them (see tests/notebooks/claims.ts).
import type { Claim } from "../claims";

const atHalf = "each cross-entropy term is $\\ln 2 = 0.693147$ and $V = -\\log 4 = -1.386294$";
const dataScore = "The data itself scores 8 modes and about 99% good samples";
const balanced = "and the table counts the modes covered and the share of good samples, against the data's 98.5%";
const coverage = "6914a257"; // the coverage table after training
/** One number of a row of the coverage table: "<run> <steps> <modes> <good %> <spread>". */
function row(run: string, column: "modes" | "good" | "spread"): RegExp {
  const cells = ["\\d+", "[\\d.]+", "[\\d.]+"];
  const k = ["modes", "good", "spread"].indexOf(column);
  cells[k] = `(${cells[k]})`;
  return new RegExp(`${run} \\d+ ${cells.join(" ")}`);
}

export const claims: Claim[] = [
  // §1: the value of the game at its optimum
  { prose: "$C(G) \\ge -\\log 4 \\approx -1.386$", quoted: "-1.386", output: /C\(G\) at μ = 0: (-[\d.]+)/, cell: "bd0c55e6" },
  // §2: the losses at D ≡ ½
  { prose: atHalf, quoted: "0.693147", output: /L_G non-saturating at D ≡ ½ \(expect ln 2\) ([\d.]+)/, cell: "104474f2" },
  { prose: atHalf, quoted: "-1.386294", output: /V at D ≡ ½ \(expect −log 4 = −1\.386294\) (-[\d.]+)/, cell: "104474f2" },
  // §4: the ring itself
  { prose: dataScore, quoted: "8", output: /the data: (\d+) of 8 modes/, cell: "efe56e1a" },
  { prose: dataScore, quoted: "99", output: /the data: \d+ of 8 modes, ([\d.]+)% good samples/, cell: "efe56e1a" },
  { prose: "which is about 2 for the ring itself (its radius)", quoted: "2", output: row("the data itself", "spread"), cell: coverage },
  // §5: the collapsing run's counter, and the balanced run
  { prose: "it says **0 of 8 modes** and almost no good samples", quoted: "0", output: row("\\(seed 1\\)", "modes"), cell: coverage },
  // (the balanced run's own modes, good share and spread change between runs with the same seed: not quoted)
  { prose: "(the table's spread column; the ring's is 2.00)", quoted: "2.00", output: row("the data itself", "spread"), cell: coverage },
  { prose: balanced, quoted: "98.5", output: row("the data itself", "good"), cell: coverage },
  // §5: the stuck discriminator
  { prose: "and after 50 steps `GANMonitor` warns", quoted: "50", output: /the first at step (\d+)/, cell: "b6e5d495" },
];
