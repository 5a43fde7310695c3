/**
 * The course kernel survives bursts of output. tslab 1.0.22 does not await zeromq sends, and
 * zeromq 6 throws EBUSY on a second send while one is in progress (every 513th send on a socket is
 * delayed to the next event-loop turn); scripts/kernel.cjs queues the sends per socket.
 *
 * First the queue on its own, against a stand-in socket that behaves like zeromq's. Then a real
 * Jupyter client (Debian's jupyter_client, tests/fixtures/kernel/run_session.py) runs
 * tests/fixtures/kernel/stress.ipynb (several MB of display data and bursts of hundreds of display
 * updates, back to back) under CPU load, twice at once: in the course kernel (genai-ts, the
 * launcher) and in tslab started directly, without the launcher. The course kernel must answer
 * every cell with every message; plain tslab must lose the session (die, fail a cell, lose an "idle"
 * or stop answering; here it stops at the first such cell), or the test says the crash
 * could not be provoked. NOTEBOOK=... (notebooks.test.ts's filter) skips the session unless it
 * names this test, e.g. NOTEBOOK=kernel.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { BUILD, ROOT, jupyterEnv, registerTestKernel } from "../helpers/jupyter";

interface SocketLike {
  send(message: unknown): Promise<void>;
}
type SocketClass = { prototype: SocketLike };
const { serialiseSends } = createRequire(import.meta.url)("../../scripts/kernel.cjs") as {
  serialiseSends: (Socket: SocketClass, logFailure?: (err: unknown) => void) => void;
};

class Busy extends Error {
  code = "EBUSY";
}

/**
 * A socket that sends like zeromq 6: at once for a while, then one send deferred to a later turn,
 * during which another send throws EBUSY; a message "fail" is rejected as a failed send is.
 */
function fakeSocketClass(deferEvery: number) {
  return class FakeSocket {
    sent: unknown[] = [];
    calls = 0;
    pending = false;
    send(message: unknown): Promise<void> {
      if (this.pending) throw new Busy("Socket is busy writing");
      this.calls += 1;
      const deliver = () => {
        if (message === "fail") throw new Error("send failed");
        this.sent.push(message);
      };
      if (this.calls % deferEvery !== 0) return Promise.resolve().then(deliver);
      this.pending = true;
      return new Promise<void>((resolve, reject) =>
        setTimeout(() => {
          this.pending = false;
          try {
            deliver();
            resolve();
          } catch (err) {
            reject(err);
          }
        }, 5),
      );
    }
  };
}

async function settle(socket: { sent: unknown[] }, count: number): Promise<void> {
  for (let i = 0; i < 200 && socket.sent.length < count; i++) await new Promise((r) => setTimeout(r, 5));
}

describe("serialiseSends (scripts/kernel.cjs)", () => {
  it("the stand-in socket throws EBUSY on a burst without the queue, like zeromq", () => {
    const socket = new (fakeSocketClass(4))();
    expect(() => {
      for (let i = 0; i < 10; i++) void socket.send(i);
    }).toThrow(/busy/);
  });

  it("sends a burst in order, failures do not block the queue, and no rejection goes unhandled", async () => {
    const FakeSocket = fakeSocketClass(4);
    const logged: unknown[] = [];
    serialiseSends(FakeSocket, (err) => logged.push(err));
    const a = new FakeSocket();
    const b = new FakeSocket();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const messages = Array.from({ length: 50 }, (_, i) => (i === 6 || i === 30 ? "fail" : i));
      for (const m of messages) {
        void a.send(m); // the way tslab sends: nothing awaits, nothing catches
        void b.send(m);
      }
      // the queue keeps zeromq's promise: the caller still learns of a failure
      await expect(a.send("fail")).rejects.toThrow("send failed");
      await a.send("last");
      const delivered = messages.filter((m) => m !== "fail");
      await settle(b, delivered.length);
      expect(a.sent).toEqual([...delivered, "last"]);
      expect(b.sent).toEqual(delivered);
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
      expect(logged.map(String)).toEqual(Array(5).fill("Error: send failed")); // 2 from a, 2 from b, the awaited one
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("sends at once while the socket is free, so output streams during a synchronous cell", () => {
    const FakeSocket = fakeSocketClass(1000);
    serialiseSends(FakeSocket, () => {});
    const socket = new FakeSocket();
    for (let i = 0; i < 5; i++) void socket.send(i);
    expect(socket.calls).toBe(5);
  });
});

interface Display {
  messages: number;
  text: string | null;
  htmlSizes: number[];
}
interface CellRun {
  status: string;
  idle: boolean;
  stdout: string;
  stderr: string;
  error: string | null;
  displays: Record<string, Display>;
  seconds: number;
}
interface Session {
  kernel: string;
  cells: CellRun[];
  alive: boolean;
  exitCode: number | null;
  startSeconds?: number;
}

const FIXTURES = path.join(ROOT, "tests", "fixtures", "kernel");
const STRESS = path.join(FIXTURES, "stress.ipynb");
const UNPATCHED = "tslab-unpatched";
const UNPATCHED_SHARE = path.join(BUILD, "kernel-stress", "share", "jupyter");
/** Per cell: how long to wait for the reply; then for each further output, until "idle". */
const CELL_SECONDS = 15;
const IDLE_GRACE_SECONDS = 4;
const MB = 2 ** 20;

/** A kernelspec under build/ that starts tslab's own command, in the notebook's folder, without the launcher. */
function registerUnpatchedKernel(): void {
  const dir = path.join(UNPATCHED_SHARE, "kernels", UNPATCHED);
  fs.mkdirSync(dir, { recursive: true });
  const tslab = path.join(ROOT, "node_modules", "tslab", "bin", "tslab");
  const spec = {
    argv: [process.execPath, tslab, "kernel", "--config-path", "{connection_file}"],
    display_name: "tslab without the course launcher (kernel-stress test)",
    language: "typescript",
  };
  fs.writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(spec, null, 2));
}

/** The Python that runs `jupyter` (its shebang), which has jupyter_client; else python3. */
function jupyterPython(): string {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const file = path.join(dir, "jupyter");
    if (!fs.existsSync(file)) continue;
    const first = fs.readFileSync(file, "utf8").split("\n", 1)[0];
    const m = /^#!\s*(\S*python\S*)/.exec(first);
    if (m) return m[1];
  }
  return "python3";
}

/** Runs the stress notebook in `kernel` through jupyter_client; resolves with what each cell got back. */
function runSession(kernel: string): Promise<Session> {
  const env = jupyterEnv();
  env.JUPYTER_PATH = [UNPATCHED_SHARE, env.JUPYTER_PATH].filter(Boolean).join(path.delimiter);
  const args = [path.join(FIXTURES, "run_session.py"), kernel, STRESS, FIXTURES, String(CELL_SECONDS), String(IDLE_GRACE_SECONDS)];
  return new Promise((resolve, reject) => {
    const child = spawn(jupyterPython(), args, { env, cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const line = stdout.split("\n").find((l) => l.startsWith("SESSION "));
      if (line) resolve(JSON.parse(line.slice("SESSION ".length)));
      else reject(new Error(`run_session.py ${kernel} exited ${code} without a report:\n${stderr.slice(-3000)}`));
    });
  });
}

/** One line per cell: what went wrong in a session, or "" if nothing did. */
function lost(session: Session): string {
  const problems = session.cells.flatMap((c, i) => {
    if (c.status === "no-reply") return [`cell ${i}: no reply within ${CELL_SECONDS} s`];
    const idle = c.idle ? "" : `, and its "idle" status never arrived`;
    if (c.status !== "ok") return [`cell ${i}: ${c.status}${c.error ? ` (${c.error})` : " (no error message arrived)"}${idle}`];
    return c.idle ? [] : [`cell ${i}: replied ok${idle}`];
  });
  if (!session.alive) problems.push(`the kernel process died (exit code ${session.exitCode})`);
  return problems.join("; ");
}

const only = process.env.NOTEBOOK;
const selected = !only || "kernel-stress".startsWith(only);

describe.skipIf(!selected)("the kernel under a stress session (several MB of output, bursts of updates)", () => {
  beforeAll(() => {
    registerTestKernel();
    registerUnpatchedKernel();
  });

  it("the course kernel answers every cell with every message; tslab without the launcher loses the session", async () => {
    const code = JSON.parse(fs.readFileSync(STRESS, "utf8")).cells.filter((c: { cell_type: string }) => c.cell_type === "code");
    // CPU load on top of whatever else runs: a busy child process for the length of the sessions.
    const load = spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" });
    let course: Session;
    let plain: Session;
    try {
      [course, plain] = await Promise.all([runSession("genai-ts"), runSession(UNPATCHED)]);
    } finally {
      load.kill();
    }
    console.log(`genai-ts: started in ${course.startSeconds} s, cells ${course.cells.map((c) => c.seconds).join(", ")} s`);
    console.log(`${UNPATCHED}: ${lost(plain) || "nothing went wrong"}`);

    expect(lost(course), "the course kernel lost the session").toBe("");
    expect(course.cells.length).toBe(code.length);
    expect(course.cells.map((c) => c.stdout)).toEqual([
      "ready\n",
      "large outputs sent\n",
      "step 0\nstep 200\nstep 400\nstep 600\nburst sent\n",
      "interleaved sent\n",
      "timer burst sent\n",
      "alive 42\n",
    ]);
    expect(course.cells.map((c) => c.stderr).join("")).toBe("");
    // Every display message arrived, the last one last: `<pre>` + n MB + `</pre>` is n MB + 11 characters.
    const displays = course.cells.map((c) => Object.values(c.displays));
    expect(displays[1].map((d) => d.htmlSizes)).toEqual([[3 * MB + 11], [3 * MB + 11], [3 * MB + 11]]);
    expect(displays[2].map((d) => [d.messages, d.text])).toEqual([[700, "update 699"]]);
    const [figure, progress] = displays[3];
    expect(figure.htmlSizes).toEqual([2 * MB + 11, 2 * MB + 11, 2 * MB + 11, 2 * MB + 11]);
    expect([progress.messages, progress.text]).toEqual([800, "update 1499"]);
    expect(displays[4].map((d) => [d.messages, d.text])).toEqual([[700, "update 2199"]]);

    expect(
      lost(plain),
      `could not provoke the crash: tslab without the launcher answered all ${plain.cells.length} cells in 1 try`,
    ).not.toBe("");
  });
});
