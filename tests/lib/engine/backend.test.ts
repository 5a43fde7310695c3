import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { selectBackend } from "../../../lib/engine/backend";

describe("selectBackend", () => {
  it("activates the backend GENAI_BACKEND asks for and reports it in one line", async () => {
    const choice = await selectBackend({ quiet: true });
    expect(choice.name).toBe(process.env.GENAI_BACKEND);
    expect(tf.getBackend()).toBe(choice.tfjsName);
    expect(choice.report).toMatch(/^Backend: (native|wasm|cpu) \(/);
    expect(choice.report).not.toContain("\n");
  });

  it("says on wasm and cpu whether the BLAS addon runs (GENAI_BLAS=off in the no-addon project)", async () => {
    const choice = await selectBackend({ quiet: true });
    if (choice.name === "native") return;
    expect(choice.report).toMatch(
      process.env.GENAI_BLAS === "off" ? /; BLAS addon off \(GENAI_BLAS=off\)\)/ : /; (matMul through|no BLAS addon)/,
    );
  });

  it("returns the same choice when called again", async () => {
    const a = await selectBackend({ quiet: true });
    const b = await selectBackend({ quiet: true });
    expect(b).toBe(a);
  });

  it("says which value was wrong", async () => {
    await expect(selectBackend({ prefer: "gpu" as never })).rejects.toThrow(/prefer must be .* got "gpu"/);
  });
});
