"""Writes data/sunspots-yearly.csv from the copy statsmodels ships (public domain).

Run once from the repository root with Debian's statsmodels 0.13.5:
    /usr/bin/python3 scripts/data/extract_sunspots.py
"""
import csv
import statsmodels
from statsmodels.datasets import sunspots

frame = sunspots.load_pandas().data  # columns YEAR, SUNACTIVITY; 309 rows, 1700-2008
with open("data/sunspots-yearly.csv", "w", newline="") as f:
    out = csv.writer(f, lineterminator="\n")
    out.writerow(["year", "sunactivity"])
    for year, value in zip(frame["YEAR"], frame["SUNACTIVITY"]):
        out.writerow([int(year), repr(float(value)).removesuffix(".0")])
print(f"wrote {len(frame)} rows from statsmodels {statsmodels.__version__}")
