// Stage 08's checks: pass on solutions/, TODO stubs on exercises/, catch the typical mistakes; and
// 08.4's hand-worked loss and gradient (float64, in checks/08) equal PyTorch's, tests/reference/exercise_08.json.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CLIP_REFERENCE, STREAM_CASES, streamLoss } from "../../checks/08-text-to-image";
import { expectClose } from "../helpers/close";
import { ROOT, describeStage } from "./stage";

describeStage("08", {
  mistakes: {
    "vq-farthest.ts": { fails: "08.1", message: /\.indices: .*those are the farthest codes: take the argmin/ },
    "vq-no-straight-through.ts": { fails: "08.1", message: /with respect to ze: .*no gradient reaches ze: .*zq = ze \+ sg\[e − ze\]/ },
    "vq-swapped-stop-gradient.ts": {
      fails: "08.1",
      message: /gradient of codebookLoss with respect to ze: .*are the two stop-gradients swapped\?/,
    },
    "vq-gather.ts": { fails: "08.1", message: /the backward pass failed in tf\.gather .*tf\.oneHot\(indices, K\)/ },
    "clip-one-direction.ts": { fails: "08.2", message: /logScale = ln 2\): .*the image→text half alone/ },
    "clip-no-normalise.ts": { fails: "08.2", message: /logScale = ln 2\): .*the rows are not normalised/ },
    "clip-scale-not-exp.ts": { fails: "08.2", message: /logScale = 0\): .*the scale is exp\(logScale\)/ },
    "clip-normalise-columns.ts": { fails: "08.2", message: /logScale = ln 2\): .*that scaled each column to length 1; scale each row/ },
    "clip-every-entry.ts": { fails: "08.2", message: /logScale = 0\): .*the target of row i is entry i only/ },
    "sample-prompt-only.ts": { fails: "08.3", message: /at step 2 nextLogits got \[\[0, 1\], \[3, 3\]\].*pass the sequences so far/ },
    "sample-times-temperature.ts": { fails: "08.3", message: /temperature: 0\.5.*multiplying the logits by the temperature/ },
    "sample-mutates-prompts.ts": { fails: "08.3", message: /changed the prompts it was given.*copy each row first/ },
    "prior-scores-caption.ts": { fails: "08.4", message: /K = 3\): expected 2\.461, .*the caption's words are scored too/ },
    "prior-no-shift.ts": { fails: "08.4", message: /scored against the token it reads: position i predicts the token at i \+ 1/ },
    "prior-targets-no-offset.ts": { fails: "08.4", message: /the targets are the codes z themselves: .*image code k is id Vt \+ k/ },
    "prior-every-position.ts": {
      fails: "08.4",
      message: /divides by every position B·\(Lc \+ N − 1\); the loss is the mean over the B·N image tokens/,
    },
    "prior-reads-last-token.ts": {
      fails: "08.4",
      message: /ids of shape \[2, 5\], expected \[B, Lc \+ N − 1\] = \[2, 4\]\. Hint: the last image token is never an input/,
    },
    "prior-number-loss.ts": { fails: "08.4", message: /with respect to the model's weights: .*no gradient reaches the model/ },
  },
});

describe("checks/08's hand-worked stream loss", () => {
  const json = JSON.parse(fs.readFileSync(path.join(ROOT, "tests", "reference", "exercise_08.json"), "utf8"));
  it("gives exercise_08.json's loss and gradient for each case (PyTorch autograd, float64)", () => {
    STREAM_CASES.forEach(({ captions, codes, textVocab, K }, i) => {
      const { loss, grad } = streamLoss(captions, codes, textVocab, K, {});
      expectClose(loss, json.cases[i].loss, { rtol: 1e-12, atol: 1e-12 });
      expectClose(grad.flat(), json.cases[i].grad.flat(), { rtol: 1e-10, atol: 1e-12 });
    });
  });
  it("08.2's non-square case carries exercise_08.json's clip numbers", () => {
    expect(CLIP_REFERENCE).toEqual(json.clip);
  });
});
