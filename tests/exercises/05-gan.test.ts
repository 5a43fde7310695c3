// Stage 05's checks: pass on solutions/, TODO stubs on exercises/, catch the typical mistakes.
import { describeStage } from "./stage";

describeStage("05", {
  mistakes: {
    "labels-swapped.ts": { fails: "05.1", message: /expected 1\.246, got 2\.621 .*labels look swapped/ },
    "sigmoid-twice.ts": { fails: "05.1", message: /got 1\.381 .*σ looks applied twice/ },
    "log-sigmoid.ts": { fails: "05.1", message: /returned Infinity\. log\(σ\(l\)\) overflows .*softplus/ },
    "saturating.ts": { fails: "05.2", message: /expected 1\.241, got -0\.8657 .*minimax \(saturating\) loss/ },
    "no-stop-gradient.ts": { fails: "05.3", message: /the D step also changed G's variables .*G's gradients flowed into D's update/ },
    "g-step-moves-d.ts": { fails: "05.3", message: /the G step also changed D's variables/ },
    "g-first.ts": { fails: "05.3", message: /dLoss: expected 0\.8623, got 1\.009 .*G was updated before D/ },
  },
});
