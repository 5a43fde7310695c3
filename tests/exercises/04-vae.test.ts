// Stage 04's checks: pass on solutions/, TODO stubs on exercises/, catch the typical mistakes; and
// the PyTorch numbers checks/04 carries as literals for 04.5 still equal tests/reference/exercise_04.json's.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LOSS_REFERENCE } from "../../checks/04-vae";
import { ROOT, describeStage } from "./stage";

describeStage("04", {
  mistakes: {
    "reparam-variance.ts": { fails: "04.1", message: /multiplied ε by σ² = exp\(zLogVar\), the variance/ },
    "reparam-logvar-as-sigma.ts": { fails: "04.1", message: /multiplied ε by zLogVar itself; it is log σ²/ },
    "kl-sign.ts": { fails: "04.2", message: /got \[-4\.33.*wrong sign/ },
    "kl-variance.ts": { fails: "04.2", message: /treated zLogVar as the variance σ²/ },
    "kl-mean.ts": { fails: "04.2", message: /mean over the latent dimensions; the KL is their sum/ },
    "recon-mean.ts": { fails: "04.3", message: /mean over the 3 pixels; log p\(x\|z\) is the sum over pixels/ },
    "recon-naive.ts": { fails: "04.3", message: /returned -Infinity at element 0\. Hint: log σ\(l\) underflows/ },
    "recon-negative.ts": { fails: "04.3", message: /the cross-entropy loss/ },
    "elbo-plus-kl.ts": { fails: "04.4", message: /you added the KL term; the ELBO is log p\(x\|z\) MINUS the KL/ },
    "elbo-pixel-mean.ts": { fails: "04.4", message: /averaged over the pixels; it is their sum/ },
    "elbo-no-beta.ts": { fails: "04.4", message: /beta 0\.5\).*ELBO with β = 1; multiply the KL by beta \(0\.5\)/ },
    "loss-z-variance.ts": { fails: "04.5", message: /gave decode: .*Hint: ε was scaled by exp\(zLogVar\) = σ², the variance/ },
    "loss-kl-sign.ts": { fails: "04.5", message: /\.kl: .*Hint: your KL has the wrong sign/ },
    "loss-batch-sum.ts": { fails: "04.5", message: /Hint: summed over the batch; average it/ },
    "loss-sigmoid-twice.ts": { fails: "04.5", message: /Hint: decode returns LOGITS.*tf\.sigmoid first/ },
    "loss-naive-bce.ts": { fails: "04.5", message: /bias 40 on pixel 0\.reconLogLik returned NaN\. Hint: log\(1 − σ\(l\)\) is log 0/ },
    "loss-is-elbo.ts": { fails: "04.5", message: /\.loss: .*Hint: that is the ELBO; the loss is −ELBO/ },
  },
});

describe("checks/04's PyTorch numbers", () => {
  it("04.5's equal tests/reference/exercise_04.json's", () => {
    const json = JSON.parse(fs.readFileSync(path.join(ROOT, "tests", "reference", "exercise_04.json"), "utf8"));
    expect(LOSS_REFERENCE).toEqual({ z: json.z, parts: json.parts, extreme: json.extreme, mistakes: json.mistakes });
  });
});
