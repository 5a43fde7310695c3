// Stage 08's checks: pass on solutions/, TODO stubs on exercises/, catch the typical mistakes.
import { describeStage } from "./stage";

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
    "clip-every-entry.ts": { fails: "08.2", message: /logScale = 0\): .*the target of row i is entry i only/ },
    "sample-prompt-only.ts": { fails: "08.3", message: /at step 2 nextLogits got \[\[0, 1\], \[3, 3\]\].*pass the sequences so far/ },
    "sample-times-temperature.ts": { fails: "08.3", message: /temperature: 0\.5.*multiplying the logits by the temperature/ },
    "sample-mutates-prompts.ts": { fails: "08.3", message: /changed the prompts it was given.*copy each row first/ },
  },
});
