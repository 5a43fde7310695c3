// Claims of notebooks/02-neural-language-models.ipynb: the numbers its prose quotes, tied to the outputs that print them.
import type { Claim } from "../claims";

const DATA = "2ab783a9"; // section 1: the names, V, ln V, the split
const BIGRAM = "391e45ba";
const MLP = "8a09ad3e";
const LSTM = "ff3d8f93";
const SCOREBOARD = "dadfd9d6";

export const claims: Claim[] = [
  { prose: "All three are trained on 7,580 English first names", quoted: "7,580", output: /train (\d+) · validation/, cell: DATA },
  { prose: "scored on the same 842 held-out names", quoted: "842", output: /validation (\d+) ·/, cell: DATA },
  { prose: "`data/names-en.txt` has 8,422 lower-case names", quoted: "8,422", output: /(\d+) names · V =/, cell: DATA },
  { prose: "the same 842 names are held out for every model", quoted: "842", output: /validation (\d+) ·/, cell: DATA },
  { prose: "`names-en.txt` has 8,422, so any name it contains", quoted: "8,422", output: /(\d+) names · V =/, cell: DATA },
  {
    prose: "the course's runs give **2.438** (bigram)",
    quoted: "2.438",
    output: /bigram: [\d.]+ nats\/char on training names, ([\d.]+) on validation/,
    cell: BIGRAM,
  },
  { prose: "**2.078** (MLP)", quoted: "2.078", output: /MLP: (?:[\d.]+ nats\/char on \d+ training names, )?([\d.]+)(?: nats\/char)? on validation/, cell: MLP },
  { prose: "**2.015** (LSTM)", quoted: "2.015", output: /LSTM: (?:[\d.]+ nats\/char on \d+ training names, )?([\d.]+)(?: nats\/char)? on validation/, cell: LSTM },
  { prose: "against ln 28 = 3.332 for the uniform guess", quoted: "28", output: /V = (\d+) \(/, cell: DATA },
  { prose: "against ln 28 = 3.332 for the uniform guess", quoted: "3.332", output: /ln V = ([\d.]+) nats/, cell: DATA },
  {
    prose: "The 1.3 nats per character the LSTM takes off the uniform guess",
    quoted: "1.3",
    output: /below the uniform guess: .*LSTM ([\d.]+)/,
    cell: SCOREBOARD,
  },
  { prose: "a count table of 28 × 28 cells", quoted: "28", output: /V = (\d+) \(/, cell: DATA },
];
