// Stage 03's checks: pass on solutions/, TODO stubs on exercises/, catch the typical mistakes; and
// the PyTorch numbers checks/03 carries as literals still equal tests/reference/exercise_03.json's.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ATTENTION_BATCHED, BLOCK_REFERENCE, blockInputs, numbers } from "../../checks/03-attention";
import { ROOT, describeStage } from "./stage";

describeStage("03", {
  mistakes: {
    "no-scale.ts": { fails: "03.1", message: /without the 1\/√dK scaling/ },
    "softmax-axis.ts": { fails: "03.1", message: /softmax ran over the queries/ },
    "softmax-axis-1.ts": { fails: "03.1", message: /softmax ran over the queries \(axis −2/ },
    "scale-by-dk.ts": { fails: "03.1", message: /divided by dK = 3; divide by √dK/ },
    "scale-by-dv.ts": { fails: "03.1", message: /divided by √dV = √2 \(v's width\)/ },
    "mask-after-softmax.ts": { fails: "03.1", message: /mask was applied after the softmax/ },
    "ignores-mask.ts": { fails: "03.1", message: /future positions are not masked: the mask was ignored/ },
    "upper-mask.ts": { fails: "03.2", message: /that is the transpose/ },
    "no-mask.ts": { fails: "03.2", message: /future positions are not masked: zeros above the diagonal/ },
    "sin-cos-swapped.ts": { fails: "03.3", message: /sine and cosine are swapped/ },
    "times-temperature.ts": { fails: "03.4", message: /multiplying the logits by the temperature gives; divide them by it/ },
    "temperature-after-softmax.ts": { fails: "03.4", message: /dividing the probabilities by the temperature AFTER the softmax/ },
    "ignores-temperature.ts": { fails: "03.4", message: /temperature-1 answer at every temperature/ },
    "no-max-subtraction.ts": { fails: "03.4", message: /only the large logits go wrong: Math\.exp\(1000\) is Infinity/ },
    "block-no-mask.ts": { fails: "03.5", message: /weights: .*Hint: query t gives weight to keys s > t: pass the causal mask/ },
    "block-post-norm.ts": { fails: "03.5", message: /output: .*Hint: that is the post-norm block/ },
    "block-no-residual.ts": { fails: "03.5", message: /Hint: the residual connections are missing/ },
    "block-norm1-twice.ts": { fails: "03.5", message: /Hint: the second LayerNorm used norm1's gamma and beta/ },
    "block-relu.ts": { fails: "03.5", message: /Hint: that is ReLU in the MLP/ },
  },
});

describe("checks/03's PyTorch numbers", () => {
  const json = JSON.parse(fs.readFileSync(path.join(ROOT, "tests", "reference", "exercise_03.json"), "utf8"));
  it("03.1's batched case equals exercise_03.json's attentionBatched", () => {
    const { q, k, v, weights, output, mistakeWeights } = json.attentionBatched;
    expect([numbers(18, 21, 1.2), numbers(24, 22, 1.2), numbers(16, 23, 1)]).toEqual([q, k, v]);
    expect(ATTENTION_BATCHED).toEqual({ weights, output, mistakeWeights });
  });
  it("03.5's inputs, rebuilt from the formula, and its numbers equal exercise_03.json's", () => {
    expect(blockInputs()).toEqual(json.inputs);
    expect(BLOCK_REFERENCE).toEqual({
      output: json.output,
      weights: json.weights,
      mistakeWeightsNoMask: json.mistakeWeights.noMask,
      mistakes: json.mistakes,
    });
  });
});
