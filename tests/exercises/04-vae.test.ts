// Stage 04's checks: pass on solutions/, TODO stubs on exercises/, catch the typical mistakes.
import { describeStage } from "./stage";

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
  },
});
