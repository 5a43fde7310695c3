/**
 * The sealed result channel: a verdict the learner's code cannot write. The exercise runs in the
 * same process as the worker that reports its verdict, so a plain IPC message could come from
 * either: `process.send({ type: "result", status: "pass" })` in an exercise would pass it. So the
 * runner (lib/checker/run.ts) gives each worker a fresh random key as its first IPC message,
 * before the learner's file is loaded; the worker keeps it only inside the `Seal` closure that
 * `receiveKey` returns (no module, global or environment variable holds it) and signs its result
 * with HMAC-SHA256. The runner accepts only a result whose signature verifies; any other result
 * message is ignored and reported as forged.
 *
 * Before the learner's code loads, `receiveKey` also takes its own references to what signing
 * needs (`JSON.stringify`, the Hmac methods), so replacing those later changes nothing, and pins
 * `process.send`, so the exercise cannot intercept or rewrite the worker's messages.
 * Limits: code that sets out to cheat can still bend the checks themselves (e.g. by redefining
 * built-ins the comparisons use); this closes the channel, not every door.
 */
import crypto from "node:crypto";

/** The runner's first message to a worker. */
export interface KeyMessage {
  type: "key";
  /** 32 random bytes, hex. */
  key: string;
}

/** A signed message: `payload` is JSON, `mac` its HMAC-SHA256 under the run's key (hex). */
export interface SealedMessage {
  type: "sealed";
  payload: string;
  mac: string;
}

/** Signs a value as a `SealedMessage`. */
export type Seal = (value: unknown) => SealedMessage;

/** A fresh key for one child (runner side). */
export function newKey(): string {
  return crypto.randomBytes(32).toString("hex");
}

/** The payload of `m` parsed, when `m` is a `SealedMessage` signed with `key`; undefined for anything else. */
export function unseal(key: string, m: unknown): unknown {
  if (typeof m !== "object" || m === null || (m as SealedMessage).type !== "sealed") return undefined;
  const { payload, mac } = m as SealedMessage;
  if (typeof payload !== "string" || typeof mac !== "string" || !/^[0-9a-f]{64}$/.test(mac)) return undefined;
  const want = crypto.createHmac("sha256", Buffer.from(key, "hex")).update(payload, "utf8").digest();
  if (!crypto.timingSafeEqual(want, Buffer.from(mac, "hex"))) return undefined;
  return JSON.parse(payload) as unknown;
}

/**
 * Worker side: waits for the runner's key (the first IPC message) and returns the `Seal` that
 * signs with it. Call before loading any learner code.
 */
export function receiveKey(): Promise<Seal> {
  const stringify = JSON.stringify;
  const createHmac = crypto.createHmac;
  const proto = Object.getPrototypeOf(createHmac("sha256", "probe")) as {
    update: (this: unknown, data: string, enc: "utf8") => unknown;
    digest: (this: unknown, enc: "hex") => string;
  };
  const { update, digest } = proto;
  const send = process.send;
  if (!send) throw new Error("lib/checker/child.ts must be started by the checker (no IPC channel)");
  Object.defineProperty(process, "send", { value: send, writable: false, configurable: false });
  return new Promise((resolve) => {
    const onMessage = (m: KeyMessage) => {
      if (m?.type !== "key" || typeof m.key !== "string") return;
      process.off("message", onMessage);
      const key = Buffer.from(m.key, "hex");
      resolve((value: unknown): SealedMessage => {
        const payload = stringify(value);
        const mac = digest.call(update.call(createHmac("sha256", key), payload, "utf8"), "hex");
        return { type: "sealed", payload, mac };
      });
    };
    process.on("message", onMessage);
  });
}
