// Stage 07's checks: pass on solutions/, TODO stubs on exercises/, catch the typical mistakes.
import { describeStage } from "./stage";

describeStage("07", {
  mistakes: {
    "guidance-wrong-sign.ts": { fails: "07.1", message: /w = 1\).*the guidance points the wrong way/ },
    "guidance-swapped.ts": { fails: "07.1", message: /w = 0\).*ε_cond and ε_uncond are swapped/ },
    "fid-covariance.ts": { fails: "07.2", message: /covariance product itself; the formula needs its matrix square root/ },
    "fid-entrywise-sqrt.ts": { fails: "07.2", message: /the same Gaussian\).*entrywise square root of Σ₁Σ₂/ },
    "kid-biased.ts": { fails: "07.3", message: /include i = j \(the biased estimate\)/ },
    "kid-no-scale.ts": { fails: "07.3", message: /divide xᵀy by the number of features F/ },
  },
});
