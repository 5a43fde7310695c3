// Claims of notebooks/03-attention-and-transformers.ipynb: the numbers its prose quotes, tied to the outputs that print them.
import type { Claim } from "../claims";

const PE = "f94020f5"; // section 5: PE(1, 0), PE(1, 1)
const DATA = "bfd8f602"; // section 6: poems, V, ln V, the split
const BASELINES = "31077fb6"; // section 7: bigram alphas, LSTM
const TRANSFORMER = "c7dc6378"; // section 8
const SAMPLES = "f551eae5"; // section 12: well-formed quatrains out of 50

export const claims: Claim[] = [
  { prose: "Transformer on 3,379 Tang quatrains", quoted: "3,379", output: /train (\d+) poems/, cell: DATA },
  { prose: "$PE(1, 0) = \\sin 1 = 0.841471$", quoted: "0.841471", output: /PE\(1, 0\) = ([\d.]+)/, cell: PE },
  { prose: "$PE(1, 1) = \\cos 1 = 0.540302$", quoted: "0.540302", output: /PE\(1, 1\) = ([\d.]+)/, cell: PE },
  { prose: "holds 3,755 five-character quatrains", quoted: "3,755", output: /(\d+) poems · V =/, cell: DATA },
  { prose: "90% to train on (3,379 poems)", quoted: "3,379", output: /train (\d+) poems/, cell: DATA },
  { prose: "(3,379 poems), 376 held out", quoted: "376", output: /validation (\d+) poems/, cell: DATA },
  { prose: "alpha matters a lot with 3,761", quoted: "3,761", output: /V = (\d+) characters/, cell: DATA },
  { prose: "only 3,379 training poems (25 pairs each)", quoted: "3,379", output: /train (\d+) poems/, cell: DATA },
  { prose: "runs give **5.321**", quoted: "5.321", output: /Transformer: ([\d.]+) nats\/char/, cell: TRANSFORMER },
  { prose: "**5.413** for the LSTM", quoted: "5.413", output: /LSTM: ([\d.]+) nats\/char/, cell: BASELINES },
  { prose: "**6.044** for the best bigram", quoted: "6.044", output: /bigram \(alpha [\d.]+\): ([\d.]+) nats\/char/, cell: BASELINES },
  { prose: "(ln V = 8.232)", quoted: "8.232", output: /ln V = ([\d.]+) nats/, cell: DATA },
  { prose: "(bidirectional 0, causal 50)", quoted: "0", output: /out of 50: bidirectional (\d+)/, cell: SAMPLES },
  { prose: "(bidirectional 0, causal 50)", quoted: "50", output: /out of 50: bidirectional \d+, causal (\d+)/, cell: SAMPLES },
];
