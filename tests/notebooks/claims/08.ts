// Numbers notebook 08's prose quotes, tied to the outputs that print them (see tests/notebooks/claims.ts).
import type { Claim } from "../claims";

/** A fidelity row ("route, images, class %, thickness %, slant %, all three %"): its `column`. */
const fidelity = (route: string, column: "class" | "thickness" | "slant"): RegExp => {
  const k = { class: 0, thickness: 1, slant: 2 }[column];
  const skip = "[\\d.]+ ".repeat(k);
  return new RegExp(`${route} \\d+ ${skip}([\\d.]+)`);
};
/** The CLIP-score column of a row of the reranking table (after its four fidelity numbers). */
const clipScoreOf = (route: string): RegExp => new RegExp(`${route} \\d+ [\\d.]+ [\\d.]+ [\\d.]+ [\\d.]+ ([\\d.]+)`);
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const T1_SEEN = esc("prior, temperature 1, seen prompts");
const T07_SEEN = esc("prior, temperature 0.7, seen prompts");
const T1_HELD = esc("prior, temperature 1, held-out prompts");
const T07_HELD = esc("prior, temperature 0.7, held-out prompts");
const ALL_SEEN = esc("prior, all 6 per prompt (seen)");
const BEST_SEEN = esc("prior, best 1 of 6 by CLIP (seen)");
const DIFF_SEEN = esc("text-conditioned diffusion, seen");
const DIFF_HELD = esc("text-conditioned diffusion, held out");
const PRIOR_HELD = esc("VQ tokens + Transformer prior, held out");
const FIDELITY = "fa40275c";
const RERANK = "34e18cdf";
const ROUTES = "55feadfa";

const t1 = "On seen prompts at temperature 1 the prior draws the prompted digit 77 % of the time, its slant 81 % and its\nthickness 61 %";
const t07 = "temperature 0.7 raises the class to 87 % and the slant to 83 % and leaves the thickness at 60 %";
const held = "the class holds at 70–77 % and the slant at 83 %,\nbut the thickness falls to 30–50 %";
const judge = "The judge names the class of 88 % of test digits from captions alone (stage 7's classifier, trained on the labels,\n95.5 %), and among the 9 captions of a digit's class it picks the right thickness word 88 % and the right slant word\n89 % of the time.";
const rerank = "Keeping the best of 6 lifts the seen prompts' class from 86.5 % to 91.8 %,\nthickness from 59.8 % to 76.5 % and slant from 83.1 % to 96.5 %";
const routes = "class\n87.35 against 86.5 %, thickness 78.4 against 59.8 %, slant 91.8 against 83.1 %), and the prior wins back class and slant\nonly with CLIP reranking (91.8 % and 96.5 %; thickness 76.5 %)";
const heldRoutes = "diffusion follows the attribute words (thickness 95 %, slant 90 %)\nbut loses the digit half the time (class 55 %), the prior keeps the digit (77 %) and loses the attribute (thickness 30 %)";

export const claims: Claim[] = [
  // section 1: the data
  { prose: "Transformer of 362,126 parameters, 7,468 pairs", quoted: "7,468", output: /: ([\d,]+) of 8,000 training digits remain/ },
  // section 2: the tokenizer
  {
    prose: "the tokenizer itself keeps a digit's thickness word in only 81 % of its reconstructions",
    quoted: "81 %",
    output: /thickness word ([\d.]+) %/,
    cell: "d86cf5b7",
  },
  { prose: "which keeps the thickness word of only 81 % of digits", quoted: "81 %", output: /thickness word ([\d.]+) %/, cell: "d86cf5b7" },
  // section 3: the prior
  { prose: "Transformer of 362,126 parameters", quoted: "362,126", output: /the prior has ([\d,]+) parameters/, cell: "a67b8117" },
  { prose: t1, quoted: "77 %", output: fidelity(T1_SEEN, "class"), cell: FIDELITY },
  { prose: t1, quoted: "81 %", output: fidelity(T1_SEEN, "slant"), cell: FIDELITY },
  { prose: t1, quoted: "61 %", output: fidelity(T1_SEEN, "thickness"), cell: FIDELITY },
  { prose: t07, quoted: "87 %", output: fidelity(T07_SEEN, "class"), cell: FIDELITY },
  { prose: t07, quoted: "83 %", output: fidelity(T07_SEEN, "slant"), cell: FIDELITY },
  { prose: t07, quoted: "60 %", output: fidelity(T07_SEEN, "thickness"), cell: FIDELITY },
  { prose: held, quoted: "70", output: fidelity(T1_HELD, "class"), cell: FIDELITY },
  { prose: held, quoted: "77 %", output: fidelity(T07_HELD, "class"), cell: FIDELITY },
  { prose: held, quoted: "83 %", output: fidelity(T07_HELD, "slant"), cell: FIDELITY },
  { prose: held, quoted: "30", output: fidelity(T07_HELD, "thickness"), cell: FIDELITY },
  { prose: held, quoted: "50 %", output: fidelity(T1_HELD, "thickness"), cell: FIDELITY },
  // section 4: the judge
  { prose: judge, quoted: "88 %", output: /checkpoint, \d+ steps \(\d+ s\) ([\d.]+)/, cell: "f9c18e5e" },
  { prose: judge, quoted: "95.5 %", output: /stage 7\S{1,6}s classifier, trained on labels ([\d.]+)/, cell: "f9c18e5e", within: 0.3 },
  { prose: judge, quoted: "88 %", output: /thickness word right ([\d.]+) %/, cell: "0ec5b877" },
  { prose: judge, quoted: "89 %", output: /slant word right ([\d.]+) %/, cell: "0ec5b877" },
  { prose: rerank, quoted: "86.5 %", output: fidelity(ALL_SEEN, "class"), cell: RERANK },
  { prose: rerank, quoted: "91.8 %", output: fidelity(BEST_SEEN, "class"), cell: RERANK },
  { prose: rerank, quoted: "59.8 %", output: fidelity(ALL_SEEN, "thickness"), cell: RERANK },
  { prose: rerank, quoted: "76.5 %", output: fidelity(BEST_SEEN, "thickness"), cell: RERANK },
  { prose: rerank, quoted: "83.1 %", output: fidelity(ALL_SEEN, "slant"), cell: RERANK },
  { prose: rerank, quoted: "96.5 %", output: fidelity(BEST_SEEN, "slant"), cell: RERANK },
  { prose: "The kept samples score 87 against 83.6 for real test digits", quoted: "87", output: clipScoreOf(BEST_SEEN), cell: RERANK },
  {
    prose: "The kept samples score 87 against 83.6 for real test digits",
    quoted: "83.6",
    output: /real test digits with their captions \d+ ([\d.]+)/,
    cell: RERANK,
  },
  // section 5: the two routes
  { prose: routes, quoted: "87.35", output: fidelity(DIFF_SEEN, "class"), cell: ROUTES },
  { prose: routes, quoted: "78.4", output: fidelity(DIFF_SEEN, "thickness"), cell: ROUTES },
  { prose: routes, quoted: "91.8", output: fidelity(DIFF_SEEN, "slant"), cell: ROUTES },
  { prose: heldRoutes, quoted: "95 %", output: fidelity(DIFF_HELD, "thickness"), cell: ROUTES },
  { prose: heldRoutes, quoted: "90 %", output: fidelity(DIFF_HELD, "slant"), cell: ROUTES },
  { prose: heldRoutes, quoted: "55 %", output: fidelity(DIFF_HELD, "class"), cell: ROUTES },
  { prose: heldRoutes, quoted: "77 %", output: fidelity(PRIOR_HELD, "class"), cell: ROUTES },
  { prose: heldRoutes, quoted: "30 %", output: fidelity(PRIOR_HELD, "thickness"), cell: ROUTES },
];
