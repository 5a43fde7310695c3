// Stage 00's checks: pass on solutions/, TODO stubs on exercises/, catch the typical mistakes.
import { describeStage } from "./stage";

describeStage("00", {
  mistakes: {
    "no-mean.ts": { fails: "00.1", message: /got \[1, 2, 2, 2, .*subtract the mean/ },
    "variance.ts": { fails: "00.1", message: /divided by the variance \(4\) instead of the std/ },
    "no-bias.ts": { fails: "00.2", message: /x·w without the bias: add b/ },
    "transposed-w.ts": {
      fails: "00.2",
      message: /^threw: .*matMul: inner shapes .*\(tests\/fixtures\/exercises\/00\/transposed-w\.ts:5\)/,
    },
  },
});
