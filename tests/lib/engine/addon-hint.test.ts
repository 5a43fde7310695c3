import { describe, expect, it } from "vitest";
import { addonInstallHint, REBUILD_ADDON } from "../../../lib/engine/addon-hint";
import { addonPart } from "../../../lib/engine/backend";

const only =
  (...files: string[]) =>
  (file: string) =>
    files.includes(file);

describe("addonInstallHint", () => {
  it("names the package manager's command for each system, then the rebuild", () => {
    expect(addonInstallHint({ platform: "linux", exists: only("/etc/debian_version") })).toBe(
      `sudo apt-get install build-essential libopenblas-dev && ${REBUILD_ADDON}`,
    );
    expect(addonInstallHint({ platform: "linux", exists: only("/usr/bin/dnf") })).toBe(
      `sudo dnf install gcc make openblas-devel && ${REBUILD_ADDON}`,
    );
    expect(addonInstallHint({ platform: "darwin", exists: only() })).toBe(`xcode-select --install && ${REBUILD_ADDON}`);
    expect(addonInstallHint({ platform: "win32", exists: only() })).toMatch(/no build for Windows.*WSL 2/);
    expect(addonInstallHint({ platform: "linux", exists: only() })).toMatch(
      /C compiler and OpenBLAS's headers, then npm rebuild genai-blas-matmul/,
    );
  });

  it("rebuilds the package npm installed from native/blas-matmul", async () => {
    const pkg = await import("../../../native/blas-matmul/package.json");
    expect(REBUILD_ADDON).toBe(`npm rebuild ${pkg.name}`);
  });
});

describe("the backend line's addon part", () => {
  it("says the addon runs, is off, or gives this system's command", () => {
    expect(addonPart({ blas: true, blasOff: false })).toMatch(/^; matMul through (OpenBLAS|Accelerate)$/);
    expect(addonPart({ blas: false, blasOff: true })).toBe("; BLAS addon off (GENAI_BLAS=off)");
    expect(addonPart({ blas: false, blasOff: false })).toBe(`; no BLAS addon, for a faster course: ${addonInstallHint()}`);
  });
});
