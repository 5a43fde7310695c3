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
    "qsample-flat-reshape.ts": { fails: "06.2", message: /t = 3 \(one number.*got \[2, 2, 2\]\. Hint: ᾱ was shaped \[B, 1\]/ },
    "noise-at-last-step.ts": { fails: "06.3", message: /t = 0, .*at the last step .* return the mean/ },
    "noise-only-above-one.ts": { fails: "06.3", message: /t = 1, .*no noise was added at t = 1 \(the paper's t = 2\)/ },
    "sigma-beta.ts": { fails: "06.3", message: /t = 3, .*the noise is scaled by β_t: σ_t = √β_t/ },
    "posterior-variance.ts": { fails: "06.3", message: /t = 3, .*not the posterior variance β̃_t/ },
    "loss-target-x0.ts": { fails: "06.4", message: /expected 0\.8287, got 0\.6847 .*the target is the noise ε/ },
    "loss-sum-over-d.ts": { fails: "06.4", message: /expected 0\.8287, got 1\.657 .*summed over the D features/ },
    "loop-skips-first.ts": { fails: "06.5", message: /called at t = \[2, 1, 0\].*skips t = T − 1 = 3/ },
    "loop-skips-last.ts": { fails: "06.5", message: /called at t = \[3, 2, 1\].*stops before t = 0/ },
    "loop-noise-at-last.ts": { fails: "06.5", message: /noise was added at the last step \(t = 0/ },
    "loop-no-noise-at-one.ts": { fails: "06.5", message: /no noise was added at t = 1: t = 1 is the last step WITH noise/ },
    "loop-counter-noise.ts": { fails: "06.5", message: /indexed by the loop counter/ },
  },
});
