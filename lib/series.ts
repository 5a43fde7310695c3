/**
 * Series helpers danfojs lacks: `shift`, `rollingMean`, and `reindexMonthly`, which puts a
 * monthly series with absent months onto the complete monthly grid and fills the gaps by
 * linear interpolation in time (what pandas does with `reindex(...).interpolate("linear")`).
 *
 * Plain number arrays in and out; take them from a danfojs frame with `frame["co2"].values`.
 * Missing values are NaN, as in pandas. T is the length of a series.
 */

/** Throws unless `x` is an array (or typed array) of numbers. */
function assertNumberArray(x: unknown, name: string): asserts x is ArrayLike<number> {
  const ok = (Array.isArray(x) && x.every((v) => typeof v === "number")) || x instanceof Float32Array || x instanceof Float64Array;
  if (!ok) {
    throw new Error(
      `${name} must be an array of numbers, got ${x === null ? "null" : Array.isArray(x) ? "an array with non-numbers" : typeof x}`,
    );
  }
}

/**
 * Shifts a series by `periods` steps, like pandas' `Series.shift`: `shift(x, 1)[t] = x[t - 1]`.
 * The `|periods|` places that have no source value get `fill` (default NaN).
 * @param values shape [T]
 * @param periods steps to shift; positive moves values later (lags), negative earlier (leads)
 * @param fill value for the vacated places (default NaN)
 * @returns shape [T]
 */
export function shift(values: ArrayLike<number>, periods = 1, fill = NaN): number[] {
  assertNumberArray(values, "values");
  if (!Number.isInteger(periods)) throw new Error(`periods must be an integer, got ${periods}`);
  const n = values.length;
  const out = new Array<number>(n);
  for (let t = 0; t < n; t++) {
    const s = t - periods;
    out[t] = s >= 0 && s < n ? values[s] : fill;
  }
  return out;
}

/** Options of {@link rollingMean}. */
export interface RollingMeanOptions {
  /** Centre the window on t instead of ending it at t (default false, as in pandas). */
  center?: boolean;
}

/**
 * Trailing moving average, like pandas' `Series.rolling(window).mean()`:
 * `out[t] = mean(values[t - window + 1 .. t])`. Places without a full window, or whose window
 * holds a NaN, are NaN. With `center`, the window ends at `t + floor((window - 1) / 2)` (pandas' `center=True`).
 * @param values shape [T]
 * @param window number of values averaged, an integer in [1, T]
 * @returns shape [T]
 */
export function rollingMean(values: ArrayLike<number>, window: number, options: RollingMeanOptions = {}): number[] {
  assertNumberArray(values, "values");
  const n = values.length;
  if (!Number.isInteger(window) || window < 1 || window > Math.max(n, 1)) {
    throw new Error(`window must be an integer in [1, ${Math.max(n, 1)}] (the series length), got ${window}`);
  }
  const offset = options.center ? Math.floor((window - 1) / 2) : 0; // window covers [t - window + 1 + offset, t + offset]
  const out = new Array<number>(n).fill(NaN);
  for (let t = 0; t < n; t++) {
    const end = t + offset;
    const start = end - window + 1;
    if (start < 0 || end >= n) continue;
    let sum = 0;
    for (let s = start; s <= end; s++) sum += values[s];
    out[t] = sum / window; // NaN in the window propagates
  }
  return out;
}

/** What {@link reindexMonthly} returns. */
export interface MonthlyGrid {
  /** Every month from the first to the last, as `YYYY-MM-01`; shape [T]. */
  dates: string[];
  /** The values on that grid, absent months filled by linear interpolation; shape [T]. */
  values: number[];
  /** The months that were filled (`YYYY-MM-01`), in order. */
  filled: string[];
  /** True where the value was filled; shape [T]. */
  isFilled: boolean[];
}

/** `YYYY-MM...` → months since year 0. */
function monthIndex(date: string, name: string, i: number): number {
  const m = /^(\d{4})-(\d{2})/.exec(date);
  const month = m ? Number(m[2]) : NaN;
  if (!m || month < 1 || month > 12) {
    throw new Error(`${name}[${i}] must be a date "YYYY-MM" or "YYYY-MM-DD", got "${date}"`);
  }
  return Number(m[1]) * 12 + (month - 1);
}

function monthLabel(index: number): string {
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-01`;
}

/**
 * Reindexes a monthly series whose missing months are absent rows (not NaN) onto the complete
 * monthly grid from its first to its last month, and fills each absent month by linear
 * interpolation between its nearest present neighbours (equal spacing per month, as pandas'
 * `interpolate(method="linear")` after `reindex`). Used for the Mauna Loa CO2 record.
 * @param dates shape [N], strictly increasing months, `YYYY-MM` or `YYYY-MM-DD` (the day is ignored)
 * @param values shape [N], finite
 */
export function reindexMonthly(dates: readonly string[], values: ArrayLike<number>): MonthlyGrid {
  if (!Array.isArray(dates) || !dates.every((d) => typeof d === "string")) {
    throw new Error('dates must be an array of strings like "1958-03-01"');
  }
  assertNumberArray(values, "values");
  if (dates.length !== values.length) {
    throw new Error(`dates and values must have the same length, got ${dates.length} and ${values.length}`);
  }
  if (dates.length === 0) throw new Error("dates must not be empty");
  const index = dates.map((d, i) => monthIndex(d, "dates", i));
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new Error(`values must be finite, but element ${i} (${dates[i]}) is ${values[i]}`);
    if (i > 0 && index[i] <= index[i - 1]) {
      throw new Error(`dates must be strictly increasing months, but dates[${i}] = "${dates[i]}" follows "${dates[i - 1]}"`);
    }
  }
  const first = index[0];
  const T = index[index.length - 1] - first + 1;
  const out: MonthlyGrid = { dates: [], values: [], filled: [], isFilled: [] };
  let k = 0; // the next present row
  for (let t = 0; t < T; t++) {
    const month = first + t;
    const label = monthLabel(month);
    out.dates.push(label);
    if (index[k] === month) {
      out.values.push(values[k]);
      out.isFilled.push(false);
      k++;
    } else {
      // between present rows k-1 and k: x = x0 + (x1 - x0) (month - m0) / (m1 - m0)
      const m0 = index[k - 1];
      const m1 = index[k];
      const x0 = values[k - 1];
      const x1 = values[k];
      out.values.push(x0 + ((x1 - x0) * (month - m0)) / (m1 - m0));
      out.isFilled.push(true);
      out.filled.push(label);
    }
  }
  return out;
}
