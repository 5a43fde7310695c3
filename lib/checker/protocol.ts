/**
 * What the runner (lib/checker/run.ts) and its child processes (lib/checker/child.ts: a worker
 * per exercise, one type-checker) say to each other: the request is one JSON argument, the
 * answers come back over IPC (`send`).
 */
import type { CheckStatus } from "./report";
import type { SealedMessage } from "./seal";

/** What a worker is asked to do (passed as one JSON argument). */
export interface WorkerRequest {
  /** Absolute path of checks/NN-topic.ts. */
  checksFile: string;
  /** The check's id. */
  id: string;
  /** Absolute path of the module to check. */
  file: string;
  /** Absolute path of the overlay, if any. */
  overlay?: string;
  /** The course root (messages show paths relative to it). */
  root: string;
}

export interface TypecheckRequest {
  /** Absolute paths of the files whose diagnostics are reported. */
  files: string[];
  root: string;
}

/** A worker's verdict; it reaches the runner only sealed (lib/checker/seal.ts), as a `SealedMessage`'s payload. */
export interface WorkerResult {
  type: "result";
  status: CheckStatus;
  message: string;
  /** What the learner's code printed (console.log, console.error, …) while it was checked, untrimmed. */
  printed: string;
}

/** Messages a child sends back over IPC: a worker sends "ready", then its sealed `WorkerResult`. */
export type WorkerMessage = { type: "ready" } | SealedMessage | { type: "types"; diagnostics: string[]; total: number };

/** Sends `message` to the runner and waits until it is out. */
export function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) throw new Error("lib/checker/child.ts must be started by the checker (no IPC channel)");
    process.send(message, () => resolve());
  });
}
