/**
 * The one command that builds the optional BLAS addon (native/blas-matmul) on this computer,
 * shown in the backend line when the addon is missing, so a learner on wasm alone knows how to
 * make the course faster. The addon needs a C compiler and a BLAS:
 *   Debian, Ubuntu   build-essential and libopenblas-dev from apt
 *   Fedora, RHEL     gcc, make and openblas-devel from dnf
 *   macOS            Xcode's command-line tools; the BLAS is Apple's Accelerate, which every Mac has
 *   Windows          no build configuration: the course runs on wasm alone, or inside WSL 2
 * After installing, `npm rebuild genai-blas-matmul` runs the addon's build script again.
 */
import fs from "node:fs";

/** Rebuilds the addon in place (its package name in node_modules). */
export const REBUILD_ADDON = "npm rebuild genai-blas-matmul";

export interface AddonHintContext {
  /** `process.platform` (default: this process's). */
  platform?: string;
  /** Whether a path exists (default fs.existsSync; tests pass their own). */
  exists?: (file: string) => boolean;
}

/** The command that would build the addon here, or, where no build exists, what to do instead. */
export function addonInstallHint(context: AddonHintContext = {}): string {
  const platform = context.platform ?? process.platform;
  const exists = context.exists ?? fs.existsSync;
  if (platform === "darwin") return `xcode-select --install && ${REBUILD_ADDON}`;
  if (platform === "win32") return "no build for Windows: run the course in WSL 2 (Ubuntu) to use it";
  if (platform === "linux") {
    if (exists("/etc/debian_version") || exists("/usr/bin/apt-get")) {
      return `sudo apt-get install build-essential libopenblas-dev && ${REBUILD_ADDON}`;
    }
    if (exists("/usr/bin/dnf")) return `sudo dnf install gcc make openblas-devel && ${REBUILD_ADDON}`;
  }
  return `install a C compiler and OpenBLAS's headers, then ${REBUILD_ADDON}`;
}
