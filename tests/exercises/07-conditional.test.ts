// Stage 07's checks: pass on solutions/, TODO stubs on exercises/, catch the typical mistakes; and
// 07.4's hand-worked sampler (float64, in checks/07) equals PyTorch's, tests/reference/exercise_07.json.
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "vitest";
import { SAMPLER_CASE, referenceSample, scheduleOf } from "../../checks/07-conditional";
import { expectClose } from "../helpers/close";
import { ROOT, describeStage } from "./stage";

describeStage("07", {
  mistakes: {
    "guidance-wrong-sign.ts": { fails: "07.1", message: /w = 3\).*the guidance points the wrong way/ },
    "guidance-swapped.ts": { fails: "07.1", message: /w = 3\).*ε_cond and ε_uncond are swapped/ },
    "guidance-paper-convention.ts": {
      fails: "07.1",
      message: /w = 3\).*Ho & Salimans' \(1 \+ w\)·ε_cond − w·ε_uncond; their 1 \+ w is this course's w/,
    },
    "fid-covariance.ts": { fails: "07.2", message: /covariance product itself; the formula needs its matrix square root/ },
    "fid-entrywise-sqrt.ts": { fails: "07.2", message: /the same Gaussian\).*entrywise square root of Σ₁Σ₂/ },
    "fid-root-product.ts": {
      fails: "07.2",
      message: /diag\(1, 4\)\)\).*Tr\(Σ₁\^½ Σ₂\^½\), which equals Tr\(\(Σ₁Σ₂\)\^½\) only when the covariances commute/,
    },
    "kid-biased.ts": { fails: "07.3", message: /include i = j \(the biased estimate\)/ },
    "kid-no-scale.ts": { fails: "07.3", message: /divide xᵀy by the number of features F/ },
    "kid-swapped-sizes.ts": { fails: "07.3", message: /\(N = 2, M = 3\).*N and M are swapped/ },
    "kid-square-denominator.ts": { fails: "07.3", message: /divide by the N\(N − 1\) pairs i ≠ j, not by N²/ },
    "sampler-paper-convention.ts": { fails: "07.4", message: /w = 2, .*Ho & Salimans' \(1 \+ w\)·ε_c − w·ε_∅ with this w/ },
    "sampler-wrong-branch.ts": { fails: "07.4", message: /w = 2, .*w is on the wrong branch, ε_c \+ w·\(ε_∅ − ε_c\)/ },
    "sampler-null-zero.ts": { fails: "07.4", message: /w = 2, .*used class 0 as ∅: ∅ is NULL_CLASS = 10/ },
    "sampler-guidance-first-step.ts": { fails: "07.4", message: /w = 2, .*guidance was applied at the first step only/ },
    "sampler-stops-early.ts": { fails: "07.4", message: /that is x_1: the loop stops one step early/ },
    "sampler-noise-shift.ts": { fails: "07.4", message: /step t added noise\[t − 1\]: step t adds noise\[t\]/ },
  },
});

describe("checks/07's hand-worked guided sampler", () => {
  const json = JSON.parse(fs.readFileSync(path.join(ROOT, "tests", "reference", "exercise_07.json"), "utf8"));
  it("gives exercise_07.json's x_0 for w = 2, 0, 1 (PyTorch, float64)", () => {
    const { betas, labels, xT, noise } = SAMPLER_CASE;
    for (const w of [2, 0, 1]) {
      expectClose(referenceSample(scheduleOf(betas), labels, xT, noise, w, {}).flat(), json.x0[String(w)].flat(), {
        rtol: 1e-12,
        atol: 1e-12,
      });
    }
  });
});
