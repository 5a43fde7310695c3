/**
 * The type-check child: once per run, the TypeScript compiler on the learner's file (and the
 * overlay) with the course's tsconfig.json; reports the first diagnostics and their count.
 */
import path from "node:path";
import { relPath } from "./paths";
import { send, type TypecheckRequest } from "./protocol";

/** Type-checks `req.files`, sends the diagnostics; ends the process. */
export async function runTypecheck(req: TypecheckRequest): Promise<void> {
  await send({ type: "ready" });
  const ts = (await import("typescript")).default;
  const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined };
  const config = ts.getParsedCommandLineOfConfigFile(path.join(req.root, "tsconfig.json"), {}, host);
  const options = config ? config.options : { strict: true, noEmit: true, skipLibCheck: true };
  const program = ts.createProgram({ rootNames: req.files, options });
  const lines: string[] = [];
  for (const file of req.files) {
    const sf = program.getSourceFile(file);
    if (!sf) continue;
    const diags = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
    for (const d of diags) {
      const { line, character } = sf.getLineAndCharacterOfPosition(d.start ?? 0);
      const text = ts.flattenDiagnosticMessageText(d.messageText, "\n  ");
      lines.push(`${relPath(req.root, file)}:${line + 1}:${character + 1} ${text}`);
    }
  }
  await send({ type: "types", diagnostics: lines.slice(0, 5), total: lines.length });
  process.exit(0);
}
