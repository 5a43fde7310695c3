/**
 * Loaders for the course's data files (data/, described with source and licence in
 * data/README.md). Each returns a danfojs DataFrame, the course's table type; take a column's
 * numbers with `frame["co2"].values`. The other data have their own loaders: MNIST in
 * lib/mnist.ts, the text corpora in lib/text.ts.
 *
 *   readDataCSV   any CSV in data/ as a DataFrame
 *   loadSunspots  yearly sunspot numbers 1700–2008 (stage 1)
 *   loadCO2       Mauna Loa CO2, monthly, on a complete monthly grid (stage 1)
 */
import * as dfd from "danfojs-node";
import * as fs from "node:fs";
import * as path from "node:path";
import { reindexMonthly } from "./series";

/** Options shared by every loader. */
export interface DataOptions {
  /** Folder of the data files (default: `data/` under the working directory, the repository root in notebooks and tests). */
  dataDir?: string;
}

/**
 * The absolute path of a file in data/, after checking that it exists.
 * @param file a name inside the data folder, e.g. "sunspots-yearly.csv"
 */
export function dataPath(file: string, options: DataOptions = {}): string {
  if (typeof file !== "string" || file.length === 0) throw new Error(`file must be a non-empty file name, got ${JSON.stringify(file)}`);
  const dir = options.dataDir ?? path.join(process.cwd(), "data");
  const full = path.resolve(dir, file);
  if (!fs.existsSync(full)) {
    throw new Error(`file "${file}" was not found in ${dir} (run from the repository root, or pass options.dataDir)`);
  }
  return full;
}

/**
 * Reads a CSV file of data/ into a DataFrame with danfojs' `readCSV` (header row = column
 * names; numeric columns become numbers).
 * @param file a name inside the data folder
 */
export async function readDataCSV(file: string, options: DataOptions = {}): Promise<dfd.DataFrame> {
  return dfd.readCSV(dataPath(file, options));
}

/**
 * Yearly sunspot numbers, 1700–2008 (309 rows, no gaps), from statsmodels (public domain).
 * @returns DataFrame with columns `year` and `sunactivity`
 */
export async function loadSunspots(options: DataOptions = {}): Promise<dfd.DataFrame> {
  const frame = await readDataCSV("sunspots-yearly.csv", options);
  checkColumns(frame, ["year", "sunactivity"], "sunspots-yearly.csv");
  // danfojs infers a column's dtype from its first rows, which are whole numbers (5, 11, …);
  // label it float32 so later danfojs operations do not treat 80.9 as an integer column.
  return frame.asType("sunactivity", "float32");
}

/** Options of {@link loadCO2}. */
export interface LoadCO2Options extends DataOptions {
  /**
   * Put the series on the complete monthly grid and fill the absent months by linear
   * interpolation (default true). With false, the 741 rows of the file as they are.
   */
  fill?: boolean;
}

/**
 * Mauna Loa atmospheric CO2 (ppm), monthly from 1958-03 to 2020-04 (Scripps CO2 Program,
 * CC BY 4.0). The file lacks five months (rows absent, not NaN); by default they are filled
 * by linear interpolation (lib/series.ts `reindexMonthly`) and listed in `filled`.
 * @returns `frame` with columns `date` (`YYYY-MM-01`), `co2`, `co2_adjusted` and, when
 *   filled, `filled` (true on interpolated rows); `filled` lists the interpolated months.
 */
export async function loadCO2(options: LoadCO2Options = {}): Promise<{ frame: dfd.DataFrame; filled: string[] }> {
  const raw = await readDataCSV("co2-monthly.csv", options);
  checkColumns(raw, ["date", "co2", "co2_adjusted"], "co2-monthly.csv");
  if (options.fill === false) return { frame: raw, filled: [] };
  const dates = raw["date"].values as string[];
  const co2 = reindexMonthly(dates, raw["co2"].values as number[]);
  const adjusted = reindexMonthly(dates, raw["co2_adjusted"].values as number[]);
  const frame = new dfd.DataFrame({
    date: co2.dates,
    co2: co2.values,
    co2_adjusted: adjusted.values,
    filled: co2.isFilled,
  });
  return { frame, filled: co2.filled };
}

function checkColumns(frame: dfd.DataFrame, expected: string[], file: string): void {
  const missing = expected.filter((c) => !frame.columns.includes(c));
  if (missing.length > 0) {
    throw new Error(`${file} must have columns ${expected.join(", ")}; missing ${missing.join(", ")} (got ${frame.columns.join(", ")})`);
  }
}
