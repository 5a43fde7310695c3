// Stage 03's checks: pass on solutions/, TODO stubs on exercises/, catch the typical mistakes.
import { describeStage } from "./stage";

describeStage("03", {
  mistakes: {
    "no-scale.ts": { fails: "03.1", message: /without the 1\/√dK scaling/ },
    "softmax-axis.ts": { fails: "03.1", message: /softmax ran over the queries/ },
    "mask-after-softmax.ts": { fails: "03.1", message: /mask was applied after the softmax/ },
    "ignores-mask.ts": { fails: "03.1", message: /future positions are not masked: the mask was ignored/ },
    "upper-mask.ts": { fails: "03.2", message: /that is the transpose/ },
    "no-mask.ts": { fails: "03.2", message: /future positions are not masked: zeros above the diagonal/ },
    "sin-cos-swapped.ts": { fails: "03.3", message: /sine and cosine are swapped/ },
    "times-temperature.ts": { fails: "03.4", message: /multiplying the logits by the temperature/ },
    "ignores-temperature.ts": { fails: "03.4", message: /temperature-1 answer/ },
  },
});
