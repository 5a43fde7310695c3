"""Writes data/co2-monthly.csv from vega-datasets' co2-concentration.csv (CC BY 4.0,
Scripps CO2 Program, Mauna Loa). Values are copied unchanged; only the header is renamed
(Date, CO2, adjusted CO2 -> date, co2, co2_adjusted). Months missing in the source stay
missing (no row): lib/series.ts `reindexMonthly` fills them when a notebook asks.

Run once from the repository root:
    (cd /tmp && npm pack vega-datasets@3.2.1 && tar xzf vega-datasets-3.2.1.tgz)
    /usr/bin/python3 scripts/data/extract_co2.py /tmp/package/data/co2-concentration.csv
"""
import csv
import sys

source = sys.argv[1] if len(sys.argv) > 1 else "/tmp/vd/package/data/co2-concentration.csv"
with open(source, newline="") as f:
    rows = list(csv.reader(f))
assert rows[0] == ["Date", "CO2", "adjusted CO2"], rows[0]
with open("data/co2-monthly.csv", "w", newline="") as f:
    out = csv.writer(f, lineterminator="\n")
    out.writerow(["date", "co2", "co2_adjusted"])
    out.writerows(rows[1:])
print(f"wrote {len(rows) - 1} rows from {source}")
