// Stage 00's checks: pass on solutions/, TODO stubs on exercises/, catch the typical mistakes.
import { describeStage } from "./stage";

describeStage("00", {
  mistakes: {
    "no-mean.ts": { fails: "00.1", message: /got \[1, 2, 2, 2, .*subtract the mean/ },
    "variance.ts": { fails: "00.1", message: /divided by the variance \(4\) instead of the std/ },
    "sample-std.ts": { fails: "00.1", message: /that is the sample std \(divide by N − 1\)/ },
    "std-of-deviations.ts": { fails: "00.1", message: /returned -Infinity at element 0\. Hint: .*division by 0: your std came out 0/ },
    "no-bias.ts": { fails: "00.2", message: /x·w without the bias: add b/ },
    "bias-subtracted.ts": { fails: "00.2", message: /that is x·w − b: the bias is added/ },
    "relu.ts": { fails: "00.2", message: /got \[\[5\.5, 7\], .*relu\(x·w \+ b\); the linear layer has no activation/ },
    "transposed-w.ts": {
      fails: "00.2",
      message: /^threw: .*matMul: inner shapes .*\(tests\/fixtures\/exercises\/00\/transposed-w\.ts:5\)/,
    },
    "fit-sum-loss.ts": { fails: "00.3", message: /got \[84, .*84 is the SUM of the squared errors/ },
    "fit-loss-after-step.ts": { fails: "00.3", message: /got \[0\.535, .*losses\[0\] is the loss after the first update/ },
    "fit-mean-over-rows.ts": { fails: "00.3", message: /\[4, 2\].*got \[8\.75, .*averages over the B = 4 rows but sums the K = 3 outputs/ },
    "fit-w-only.ts": { fails: "00.3", message: /got \[21, 2\.215, .*b did not move/ },
  },
});
