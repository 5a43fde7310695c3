import * as dfd from "danfojs-node";
import { describe, expect, it, vi } from "vitest";
import { formatCell, showTable, tableHTML, tableText } from "../../lib/table";

const records = [
  { name: "<script>alert(1)</script>", loss: 0.123456, steps: 100 },
  { name: "a & b", loss: 2, steps: 2000 },
];

describe("formatCell", () => {
  it("rounds non-integers to `digits` decimals and keeps integers whole", () => {
    expect(formatCell(0.123456, 4)).toBe("0.1235");
    expect(formatCell(0.123456, 2)).toBe("0.12");
    expect(formatCell(2, 4)).toBe("2");
    expect(formatCell(2, 2, true)).toBe("2.00");
    expect(formatCell(-3.5, 0)).toBe("-4");
    expect(formatCell(1.23e-7, 4)).toBe("1.230e-7"); // would read as 0.0000
    expect(formatCell(0, 4)).toBe("0");
    expect(formatCell(NaN)).toBe("NaN");
    expect(formatCell(-Infinity)).toBe("-Infinity");
  });

  it("shows missing values as empty and objects as JSON", () => {
    expect(formatCell(null)).toBe("");
    expect(formatCell(undefined)).toBe("");
    expect(formatCell(true)).toBe("true");
    expect(formatCell([1, 2])).toBe("[1,2]");
  });
});

describe("tableHTML", () => {
  it("escapes cell text, headers and the caption", () => {
    const html = tableHTML([{ "<b>": "x & y", v: "<script>alert(1)</script>" }], { caption: "R&D <i>" });
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("x &amp; y");
    expect(html).toContain('<th style="text-align:left">&lt;b&gt;</th>');
    expect(html).toContain("R&amp;D &lt;i&gt;</caption>");
  });

  it("formats numbers with `digits` and right-aligns numeric columns", () => {
    const html = tableHTML(records, { digits: 2 });
    expect(html).toContain('<td style="text-align:right">0.12</td>');
    expect(html).toContain('<td style="text-align:right">2000</td>');
    expect(html).toContain('<td style="text-align:right">2.00</td>'); // a whole number in a column of fractions
    expect(html).toContain('<td style="text-align:left">a &amp; b</td>');
    expect(html.match(/<tr>/g)).toHaveLength(3); // header + 2 rows
  });

  it("takes a danfojs DataFrame, index first", () => {
    const df = new dfd.DataFrame({ a: [1, 2.5], b: ["x", "<y>"] }, { index: ["r0", "r1"] });
    const html = tableHTML(df, { digits: 1 });
    expect(html).toContain("<thead><tr><th");
    expect(html).toMatch(/<tr><td[^>]*>r1<\/td><td[^>]*>2\.5<\/td><td[^>]*>&lt;y&gt;<\/td><\/tr>/);
    expect(tableHTML(df, { index: false })).not.toContain(">r0<");
  });

  it("picks columns, unions record keys and elides long tables", () => {
    const html = tableHTML([{ a: 1 }, { b: 2 }], { columns: ["b"] });
    expect(html).toContain(">b</th>");
    expect(html).not.toContain(">a</th>");
    const long = Array.from({ length: 50 }, (_, i) => ({ i }));
    const text = tableText(long, { maxRows: 4 });
    expect(text.split("\n")).toEqual([" i", "--", " 0", " 1", " …", "48", "49", "50 rows × 1 columns"]);
  });

  it("says what was wrong", () => {
    expect(() => tableHTML({} as never)).toThrow("data must be a danfojs DataFrame or an array of records, got object");
    expect(() => tableHTML([1] as never)).toThrow("data[0] is number");
    expect(() => tableHTML(records, { columns: ["nope"] })).toThrow(
      'options.columns names "nope", which is not a column; the columns are name, loss, steps',
    );
    expect(() => tableHTML(records, { digits: -1 })).toThrow("options.digits must be an integer in [0, 20], got -1");
  });
});

describe("showTable outside a notebook", () => {
  it("prints aligned columns", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    showTable(records, { caption: "Runs", digits: 3 });
    const text = String(log.mock.calls[0][0]);
    log.mockRestore();
    expect(text.split("\n")).toEqual([
      "Runs",
      "name                        loss  steps",
      "-------------------------  -----  -----",
      "<script>alert(1)</script>  0.123    100",
      "a & b                      2.000   2000",
    ]);
  });

  it("prints a DataFrame with its index", () => {
    const df = new dfd.DataFrame({ x: [1, 22] });
    expect(tableText(df)).toBe("    x\n-  --\n0   1\n1  22");
  });
});
