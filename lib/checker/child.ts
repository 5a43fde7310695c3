/**
 * The entry point of the checker's child processes (started by lib/checker/run.ts):
 *   --worker <json>     runs ONE exercise's check (WorkerRequest, lib/checker/worker.ts);
 *   --typecheck <json>  type-checks the learner's file(s) (TypecheckRequest, lib/checker/typecheck.ts).
 * Each loads only what it needs (the type-checker never loads tfjs).
 */
import type { TypecheckRequest, WorkerRequest } from "./protocol";

async function main(argv: string[]): Promise<void> {
  if (argv[0] === "--worker" && argv[1] !== undefined) {
    // the key first, before anything of the learner's can load (lib/checker/seal.ts)
    const { receiveKey } = await import("./seal");
    const seal = await receiveKey();
    const { runWorker } = await import("./worker");
    return runWorker(JSON.parse(argv[1]) as WorkerRequest, seal);
  }
  if (argv[0] === "--typecheck" && argv[1] !== undefined) {
    const { runTypecheck } = await import("./typecheck");
    return runTypecheck(JSON.parse(argv[1]) as TypecheckRequest);
  }
  throw new Error(`lib/checker/child.ts: expected --worker <json> or --typecheck <json>, got ${argv.join(" ") || "nothing"}`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e);
  process.exit(2);
});
