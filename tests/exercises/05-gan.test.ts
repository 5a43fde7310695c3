// Stage 05's checks: pass on solutions/, TODO stubs on exercises/, catch the typical mistakes.
import { describeStage } from "./stage";

describeStage("05", {
  mistakes: {
    "labels-swapped.ts": { fails: "05.1", message: /expected 1\.246, got 2\.621 .*labels look swapped/ },
    "sigmoid-twice.ts": { fails: "05.1", message: /got 1\.381 .*σ looks applied twice/ },
    "one-mean.ts": { fails: "05.1", message: /got 0\.6041 .*one mean over all 7 logits/ },
    "log-sigmoid.ts": { fails: "05.1", message: /returned Infinity\. log\(σ\(l\)\) hits log 0 .*σ\(100\) rounds to exactly 1 .*softplus/ },
    "saturating.ts": { fails: "05.2", message: /expected 1\.241, got -0\.8657 .*minimax \(saturating\) loss/ },
    "g-wants-fake.ts": { fails: "05.2", message: /expected 1\.241, got 0\.8657 .*G wants them called real/ },
    "no-stop-gradient.ts": {
      fails: "05.3",
      message: /the D step also changed G's variables \(G\.a, G\.c\): G's gradients flowed into D's update/,
    },
    "g-step-moves-d.ts": {
      fails: "05.3",
      message: /the G step also changed D's variables \(D\.w, D\.b\)\. Pass gan\.generator\.variables/,
    },
    "wrong-optimizer.ts": {
      fails: "05.3",
      message: /D's variables \(D\.w, D\.b\) were updated by optimizers\.g: each network has its own optimiser/,
    },
    "g-first.ts": { fails: "05.3", message: /G was updated before D: take the D step first/ },
    "d-two-steps.ts": { fails: "05.3", message: /D was updated 2 times: take one step on L_D/ },
    "noise-swapped.ts": { fails: "05.3", message: /MLP pair.*dLoss: expected 1\.707, got 1\.324 .*fakes look made from zG/ },
    "option-dropped.ts": {
      fails: "05.3",
      message: /nonSaturating: false \}\)\.gLoss: expected -0\.09718, got 2\.546 .*pass options\.nonSaturating on/,
    },
  },
});
