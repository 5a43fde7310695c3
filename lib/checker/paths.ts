/** Paths the checker shows, and how it starts a .ts file in a child Node process. */
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

/** `p` relative to `root`, with forward slashes. */
export function relPath(root: string, p: string): string {
  const r = path.relative(root, p);
  return (r.startsWith("..") || path.isAbsolute(r) ? p : r).split(path.sep).join("/");
}

/** Node arguments that run a .ts file through tsx (resolved from the course root). */
export function tsxArgs(root: string): string[] {
  const loader = createRequire(path.join(root, "package.json")).resolve("tsx");
  return ["--import", pathToFileURL(loader).href];
}
