// Stage 02's checks: pass on solutions/, TODO stubs on exercises/, catch the typical mistakes.
//
// describeStage runs every check for each fixture (5 worker processes per run, 02.5 training a
// model each time), so its list holds the mistakes the exercises are about and stays within the
// hook's time limit. The further mistakes below run only the exercise they break (`only`): the
// overlay replaces that one function, so the others are the solutions' and pass as in describeStage.
import { beforeAll, describe, expect, it } from "vitest";
import type { CheckReport } from "../../lib/checker/report";
import { HOOK_TIMEOUT_MS, describeStage, exerciseRows, fixture, row, runAll } from "./stage";

describeStage("02", {
  mistakes: {
    "bigram-columns.ts": { fails: "02.1", message: /0\.5\)\[0\]: expected .*the COLUMNS sum to 1, not the rows/ },
    "bigram-smooth-nonzero-only.ts": { fails: "02.1", message: /got \[0, 0\.7, 0\.3\].*α was added only to the non-zero counts/ },
    "bigram-no-alpha-v.ts": { fails: "02.1", message: /the denominator lacks α·V/ },
    "mlp-concat-reversed.ts": { fails: "02.2", message: /V = 4, k = 2.*concatenated newest first/ },
    "mlp-w2-transposed.ts": { fails: "02.2", message: /W2 is used transposed/ },
    "lstm-gate-order.ts": { fails: "02.3", message: /\.c: expected .*read as if they were i, g, f, o/ },
    "lstm-sigmoid-candidate.ts": { fails: "02.3", message: /the candidate g goes through tanh, not σ/ },
    "lstm-output-on-c.ts": { fails: "02.3", message: /\.h: expected .*output gate was applied to c' itself/ },
    "sample-emits-end.ts": { fails: "02.4", message: /expected "ba", got "ba\\n".*end token .* is not part of the name/ },
    "sample-max-length-off-by-one.ts": { fails: "02.4", message: /maxLength: 4 .*got "ccccc".*stop once it has maxLength = 4/ },
    "sample-no-start-token.ts": { fails: "02.4", message: /the first call got the prefix \[\]\. Hint: .*conditioned on the start token/ },
    "train-sgd.ts": { fails: "02.5", message: /\|b2\| after the step.*plain gradient descent/ },
  },
});

const MORE: Record<string, { fails: string; message: RegExp }> = {
  "bigram-zero-row-nan.ts": { fails: "02.1", message: /NaN: row 0 has no counts, .*0\/0.*Hint: give a row with no counts/ },
  "mlp-no-tanh.ts": { fails: "02.2", message: /no nonlinearity: h = tanh/ },
  "mlp-interleaved.ts": { fails: "02.2", message: /interleaved feature by feature/ },
  "lstm-c-from-h.ts": { fails: "02.3", message: /c' was computed from h/ },
  "sample-last-char-only.ts": { fails: "02.4", message: /call 2 got the prefix \[2\], expected \[0, 2\]\. Hint: pass the whole prefix/ },
  "sample-ignores-temperature.ts": { fails: "02.4", message: /temperature: 0\.5.*got "ab"\. Hint: that is the name at temperature 1/ },
  "train-loss-after-update.ts": { fails: "02.5", message: /expected \[1\.386\], got .*that is the loss after the update/ },
  "train-no-embedding.ts": { fails: "02.5", message: /model\.embedding did not change\. Hint: train all of model\.variables/ },
  "train-math-random.ts": { fails: "02.5", message: /options\.rng was called 0 times .*not Math\.random/ },
  "train-optimizer-not-disposed.ts": { fails: "02.5", message: /per variable of the model: those are the optimiser's moments/ },
};

describe("stage 02 checks: more typical mistakes, each on its own exercise", () => {
  const files = Object.entries(MORE);
  let reports: CheckReport[];
  beforeAll(async () => {
    reports = await runAll(
      files.map(([file, { fails }]) => ({ stage: "02", dir: "solutions", overlay: fixture("02", file), typecheck: false, only: [fails] })),
    );
  }, HOOK_TIMEOUT_MS);

  files.forEach(([file, { fails, message }], i) => {
    it(`${file} fails ${fails} with its hint`, () => {
      expect(exerciseRows(reports[i]).map((r) => r.id)).toEqual([fails]);
      expect(row(reports[i], fails).passed).toBe(false);
      expect(row(reports[i], fails).message).toMatch(message);
    });
  });
});
