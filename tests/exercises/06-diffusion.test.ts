// Stage 06's checks: pass on solutions/, TODO stubs on exercises/, catch the typical mistakes.
import { describeStage } from "./stage";

describeStage("06", {
  mistakes: {
    "reversed-schedule.ts": { fails: "06.1", message: /betas: expected \[0\.1, 0\.2, .*the schedule is reversed/ },
    "alphabar-off-by-one.ts": {
      fails: "06.1",
      message: /alphaBars: expected \[0\.9, .*got \[1, 0\.9, .*off by one step: alphaBars\[0\] is 1/,
    },
    "no-sqrt-alphabar.ts": { fails: "06.2", message: /the signal is scaled by ᾱ_t: use √ᾱ_t/ },
    "qsample-index-shift.ts": { fails: "06.2", message: /ᾱ is indexed one step early/ },
    "noise-at-last-step.ts": { fails: "06.3", message: /t = 0, .*at the last step .* return the mean/ },
    "sigma-beta.ts": { fails: "06.3", message: /t = 2, .*σ_t = √β_t/ },
  },
});
