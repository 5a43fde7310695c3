#!/usr/bin/env node
// The course's Jupyter kernel: tslab, started from the course root.
//
// tslab compiles imported .ts files itself, but only below its working directory (its
// TypeScript rootDir is process.cwd()), and Jupyter starts a kernel in the notebook's own
// folder. Starting tslab from the course root lets every notebook import the ONE copy of
// lib/ and exercises/ as `./lib/...` and `./exercises/...`, and read `data/...`, the same
// way in JupyterLab, classic Notebook and nbconvert.
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const tslabMain = path.join(root, "node_modules", "tslab", "dist", "main.js");

/** Writes a failed send's error to the kernel's own stderr (fd 2), which Jupyter logs. */
function writeFailure(err) {
  try {
    fs.writeSync(2, `genai-ts kernel: a zeromq send failed and was dropped: ${err && err.stack ? err.stack : err}\n`);
  } catch {
    // stderr closed: nothing left to tell
  }
}

/**
 * Makes every send on a zeromq socket wait for the socket's previous send (one queue per socket).
 *
 * Why: zeromq 6 allows one send in progress per socket; a second `send` while one is pending throws
 * EBUSY ("Socket is busy writing") synchronously. A send is pending whenever it could not complete
 * at once, e.g. every 513th send on a socket, which zeromq delays to the next event-loop turn so as
 * not to starve the loop. tslab 1.0.22 calls `sock.send(...)` without awaiting it (ZmqMessage.
 * signAndSend, for every status, stream and display message), so a burst of output (a figure
 * carrying plotly.js, a loop of display updates, a loaded machine) sooner or later sends twice in
 * one turn. The EBUSY then fails the learner's cell with an empty error, or loses the "idle" status
 * (the notebook shows the kernel busy for ever), or, thrown in a timer callback, leaves the cell
 * waiting for ever and every later cell queued behind it (learners also report the kernel process
 * exiting). Either way the learner must restart and loses every variable of the session.
 *
 * How: while nothing is queued for a socket, `send` is tried at once, so output printed during a
 * long synchronous cell still streams live; if zeromq answers EBUSY (a check it makes before doing
 * anything), the message waits in the socket's queue, which drains in order each time one of the
 * socket's sends settles. A failed send is written to the kernel's own stderr (fd 2, the Jupyter
 * server's log: tslab points process.stderr at iopub) and the queue moves on. No busy loop: if
 * zeromq is busy with a send made around this wrapper, the queue looks again every 10 ms.
 *
 * @param Socket zeromq's native Socket class, whose prototype every socket type inherits `send` from
 * @param logFailure called once with each failed send's error; default: a line on fd 2
 */
function serialiseSends(Socket, logFailure = writeFailure) {
  const send = Socket.prototype.send;
  /** @type {WeakMap<object, { waiting: { args: unknown[], resolve: Function, reject: Function }[], started: number, retry: boolean }>} */
  const queues = new WeakMap();

  /** Starts one send now; throws what zeromq throws synchronously (EBUSY among them). */
  const start = (sock, queue, args) => {
    const sent = send.apply(sock, args);
    queue.started += 1;
    const settled = () => {
      queue.started -= 1;
      drain(sock, queue);
    };
    // Attaching the handlers also marks the promise handled, so a failure is logged, never fatal.
    sent.then(settled, (err) => {
      logFailure(err);
      settled();
    });
    return sent;
  };

  /**
   * Busy with a send started here: its settling drains the queue. Busy otherwise (a send made
   * around this wrapper): nothing will call back, so look again on a later turn.
   */
  const retryLater = (sock, queue) => {
    if (queue.started > 0 || queue.retry) return;
    queue.retry = true;
    setTimeout(() => {
      queue.retry = false;
      drain(sock, queue);
    }, 10);
  };

  /** Sends queued messages in order until the queue is empty or zeromq is busy again. */
  const drain = (sock, queue) => {
    while (queue.waiting.length > 0) {
      const job = queue.waiting[0];
      let sent;
      try {
        sent = start(sock, queue, job.args);
      } catch (err) {
        if (err && err.code === "EBUSY") {
          retryLater(sock, queue);
          return;
        }
        queue.waiting.shift();
        logFailure(err);
        job.reject(err);
        continue;
      }
      queue.waiting.shift();
      sent.then(job.resolve, job.reject);
    }
  };

  // Defined, not assigned: the native prototype's methods are read-only (but configurable).
  function queuedSend(...args) {
    let queue = queues.get(this);
    if (!queue) {
      queue = { waiting: [], started: 0, retry: false };
      queues.set(this, queue);
    }
    if (queue.waiting.length === 0) {
      try {
        return start(this, queue, args);
      } catch (err) {
        if (!err || err.code !== "EBUSY") throw err; // zeromq's own contract: bad message, closed socket
      }
    }
    const later = new Promise((resolve, reject) => queue.waiting.push({ args, resolve, reject }));
    later.catch(() => {}); // tslab ignores the promise; the failure is logged once, in start or drain
    retryLater(this, queue);
    return later;
  }
  Object.defineProperty(Socket.prototype, "send", { ...Object.getOwnPropertyDescriptor(Socket.prototype, "send"), value: queuedSend });
}

/** Where lib/ code reads which execution is running: `{ count, cellId }` (see announceExecutions). */
const CURRENT = "__genaiExecution__";
const START = Symbol("genai-ts execution start");

/**
 * Makes tslab announce each execution as Jupyter's protocol asks: an `execute_input` message on
 * iopub carrying the execution count when the cell starts. tslab 1.0.22 sends the count only in
 * its execute_reply; nbclient (nbconvert) reads counts from iopub messages only, so every
 * executed notebook showed `[ ]:`.
 *
 * It also publishes the running execution as `globalThis.__genaiExecution__ = { count, cellId }`.
 * `cellId` is the id JupyterLab and Notebook 7 send in the execute_request's metadata (undefined
 * from nbconvert): lib/plot.ts uses it to send plotly.js again when the cell that carried it
 * runs again (its old output, and the library with it, is then replaced).
 *
 * tslab runs execute requests one at a time from a queue, so the announcement is made when the
 * queued request starts (in JupyterHandlerImpl.handleExecuteImpl), not when it arrives.
 *
 * @param jupyter tslab's dist/jupyter.js module (ZmqServer, JupyterHandlerImpl)
 */
function announceExecutions(jupyter) {
  const { ZmqServer, JupyterHandlerImpl } = jupyter;
  const handleExecute = ZmqServer.prototype.handleExecute;
  ZmqServer.prototype.handleExecute = function (sock, msg) {
    const server = this;
    const cellId = msg.metadata && typeof msg.metadata.cellId === "string" ? msg.metadata.cellId : undefined;
    const code = msg.content.code;
    // A symbol key: tslab reads only req.code.
    msg.content = {
      ...msg.content,
      [START]: (count) => {
        globalThis[CURRENT] = { count, cellId };
        const input = msg.createReply();
        input.header.msg_type = "execute_input";
        input.content = { code, execution_count: count };
        input.signAndSend(server.connInfo.key, server.iopub);
      },
    };
    return handleExecute.call(this, sock, msg);
  };
  const handleExecuteImpl = JupyterHandlerImpl.prototype.handleExecuteImpl;
  JupyterHandlerImpl.prototype.handleExecuteImpl = function (req, ...rest) {
    if (typeof req[START] === "function") req[START](this.execCount + 1);
    return handleExecuteImpl.call(this, req, ...rest);
  };
}

/**
 * Keeps a figure the course has already shown from being printed again as the cell's value.
 * tslab prints a cell's last expression with `console.log(value)`; every plotting helper in
 * lib/plot.ts shows its figure and returns it, so a cell ending in `linePlot(...)` printed a
 * summary line (or, for a hand-built figure, the whole JSON) under the plot. lib/plot.ts marks a
 * shown figure with the symbol below; a `console.log` of exactly that one value prints nothing
 * (log `figureSummary(fig)` to see its summary).
 *
 * @param konsole the console to patch (default the global one, which tslab's executor uses)
 */
function quietShownFigures(konsole = console) {
  const SHOWN = Symbol.for("genai-ts.figure.shown");
  const log = konsole.log;
  konsole.log = function (...args) {
    if (args.length === 1 && args[0] !== null && typeof args[0] === "object" && args[0][SHOWN] === true) return;
    return log.apply(this, args);
  };
}

/**
 * Stops tslab's compiler from watching folders, so a folder that gains or loses a file while the
 * kernel runs (`npm install`, an editor's temporary files in lib/ or exercises/) does not fail the
 * learner's next cell with "Unexpected pending rebuildTimer" and drop every queued cell after it.
 *
 * Why: tslab 1.0.22 gives TypeScript's watch compiler a `setTimeout` that holds ONE pending timer
 * and throws on a second. A change to a watched FILE reschedules the one program update (the old
 * timer is cleared first); a change in a watched FOLDER (node_modules and lib/ are, for failed
 * module lookups) schedules a second, separate timer, and the next cell's compile throws.
 *
 * What is kept: file watching, so an edited exercises/NN.ts is recompiled for the next cell. What
 * is lost: an import that failed because its file did not exist yet keeps failing after the file
 * is created, until the kernel restarts (Kernel ▸ Restart).
 *
 * @param ts the TypeScript that tslab compiles with (@tslab/typescript-for-tslab); tslab's compiler
 *   host inherits `watchDirectory` from its `sys`
 */
function ignoreFolderChanges(ts) {
  ts.sys.watchDirectory = () => ({ close() {} });
}

module.exports = { serialiseSends, announceExecutions, quietShownFigures, ignoreFolderChanges };

if (require.main === module) {
  // The zeromq that tslab will load (tslab requires it lazily, when the kernel starts).
  serialiseSends(require(require.resolve("zeromq", { paths: [path.dirname(tslabMain)] })).Socket);
  announceExecutions(require(path.join(path.dirname(tslabMain), "jupyter.js")));
  quietShownFigures();
  ignoreFolderChanges(require(require.resolve("@tslab/typescript-for-tslab", { paths: [path.dirname(tslabMain)] })));
  process.chdir(root);
  // tslab reads its own command line: `kernel --config-path <connection file>`.
  require(tslabMain).main();
}
