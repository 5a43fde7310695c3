/**
 * The training loop every stage uses. It knows nothing about the model: it calls `step(i)`
 * inside `tf.tidy`, where the caller runs one optimiser step and returns the loss.
 *
 * While it runs it shows ONE live progress line (step, loss, steps/s, ETA) that updates in place,
 * reads losses from the backend in batches (one sync per progress update, not one per step),
 * yields to the event loop between batches so the notebook can draw the progress, checks that
 * the number of live tensors stays flat, and draws the loss curve at the end.
 */
import * as tf from "@tensorflow/tfjs";
import { escapeHTML, newLiveDisplay } from "./display";
import { linePlot } from "./plot";

export interface TrainOptions {
  /** Number of steps to run. Required; an integer ≥ 1. */
  steps: number;
  /**
   * One training step. Runs inside tf.tidy; returns the loss as a scalar tensor (e.g. from
   * `optimizer.minimize(lossFn, true)`), or a plain number, or nothing.
   */
  step: (i: number) => tf.Scalar | number | void;
  /** Read losses and refresh the progress line every this many steps (default: about every 0.5 s). */
  reportEvery?: number;
  /** Title shown on the progress line and the loss plot (default "training"). */
  title?: string;
  /** Draw the loss curve when done (default true). */
  plot?: boolean;
  /** The loss's name and unit, the plot's y-axis title, e.g. "cross-entropy (nats per character)" (default "loss"). */
  lossLabel?: string;
  /** Show the progress line (default true). */
  progress?: boolean;
  /** Smoothing window for the plotted loss curve, in steps (default: steps / 50, at least 1). */
  smooth?: number;
}

export interface TrainResult {
  /** The loss of every step (NaN where `step` returned nothing). */
  losses: number[];
  /** Wall-clock seconds for the whole loop. */
  seconds: number;
  /** Steps per second. */
  stepsPerSecond: number;
  /** Tensors that stayed allocated beyond the first step (0 when nothing leaks). */
  leakedTensors: number;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** Moving average over a trailing window (NaNs skipped). */
export function movingAverage(values: readonly number[], window: number): number[] {
  const out: number[] = [];
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) {
      sum += values[i];
      count++;
    }
    const drop = i - window;
    if (drop >= 0 && Number.isFinite(values[drop])) {
      sum -= values[drop];
      count--;
    }
    out.push(count > 0 ? sum / count : NaN);
  }
  return out;
}

function progressLine(title: string, i: number, steps: number, loss: number, rate: number): { html: string; text: string } {
  const eta = (steps - i) / rate;
  const pct = Math.round((100 * i) / steps);
  const text =
    `${title}: step ${i}/${steps} · loss ${Number.isFinite(loss) ? loss.toFixed(4) : "–"} · ` +
    `${rate.toFixed(1)} steps/s · ${i < steps ? `ETA ${formatSeconds(eta)}` : "done"}`;
  const html =
    `<div style="font-family:monospace"><progress value="${i}" max="${steps}" style="width:14em;vertical-align:middle"></progress> ` +
    `${pct}% ${escapeHTML(text)}</div>`;
  return { html, text };
}

/** Runs the loop; see TrainOptions. */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const { steps, step, title = "training", plot = true, progress = true } = options;
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`train: steps must be an integer ≥ 1, got ${steps}`);
  if (typeof step !== "function") throw new Error("train: step must be a function (i) => loss");
  if (options.reportEvery !== undefined && (!Number.isInteger(options.reportEvery) || options.reportEvery < 1)) {
    throw new Error(`train: reportEvery must be an integer ≥ 1, got ${options.reportEvery}`);
  }
  const live = progress ? newLiveDisplay() : null;
  const losses: number[] = [];
  const pending: tf.Scalar[] = [];
  const t0 = performance.now();
  let baseline = -1;
  let lastReport = t0;
  let reportEvery = options.reportEvery ?? 1;

  const flush = () => {
    if (pending.length === 0) return;
    const values = tf.tidy(() => tf.stack(pending).dataSync());
    losses.push(...Array.from(values));
    tf.dispose(pending);
    pending.length = 0;
  };

  for (let i = 0; i < steps; i++) {
    let scalarLoss: tf.Scalar | null = null;
    let plainLoss = NaN;
    tf.tidy(() => {
      const out = step(i);
      if (out instanceof tf.Tensor) {
        if (out.size !== 1) throw new Error(`train: step must return a scalar loss, got shape [${out.shape}]`);
        scalarLoss = tf.keep(out.reshape([]) as tf.Scalar);
      } else if (typeof out === "number") {
        plainLoss = out;
      }
    });
    if (scalarLoss) pending.push(scalarLoss);
    else {
      flush();
      losses.push(plainLoss);
    }
    if (i === 0) {
      // Optimisers create their slot variables on the first step: count from after it.
      flush();
      baseline = tf.memory().numTensors;
    }
    const done = i + 1;
    if (done % reportEvery === 0 || done === steps) {
      flush();
      const now = performance.now();
      const rate = done / ((now - t0) / 1000);
      if (options.reportEvery === undefined) {
        // Aim for about two progress updates per second.
        reportEvery = Math.max(1, Math.round(rate / 2));
      }
      if (live && (now - lastReport > 250 || done === steps)) {
        lastReport = now;
        const { html, text } = progressLine(title, done, steps, losses[losses.length - 1], rate);
        if (done === steps) live.done(html, text);
        else live.update(html, text);
      }
      // Let the kernel send the progress message (and hear an interrupt) before going on.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  flush();
  const seconds = (performance.now() - t0) / 1000;
  const leakedTensors = Math.max(0, tf.memory().numTensors - baseline);
  if (leakedTensors > 0) {
    console.warn(
      `train: ${leakedTensors} tensors stayed allocated over ${steps} steps (from ${baseline} to ` +
        `${baseline + leakedTensors}). Something in step() keeps tensors alive: create variables and ` +
        `optimisers before train(), and do not store tensors made inside step().`,
    );
  }
  if (plot) {
    const smooth = options.smooth ?? Math.max(1, Math.round(steps / 50));
    const series = [{ y: losses, name: "loss" }];
    if (smooth > 1) series.push({ y: movingAverage(losses, smooth), name: `moving average (${smooth} steps)` });
    linePlot(series, { title: `${title}: loss per step`, xTitle: "step", yTitle: options.lossLabel ?? "loss" });
  }
  return { losses, seconds, stepsPerSecond: steps / seconds, leakedTensors };
}
