"""Memory (and time) of refusing hostile files: zip bomb, billion laughs, million-row CSV, ...

Each file is built by testsupport/hostile.py into a temporary folder and read by
``geo.figures.read_table`` in a fresh Python process; the figures are that process's peak
resident memory (VmHWM, imports included), the same minus a baseline process that reads a
small good workbook, and the read time. Prints one JSON object (``--json``, the default) or a
table (``--text``):

    .venv/bin/python bench/hostile_memory.py [--text] [--unguarded]

``--unguarded`` also reads the workbooks with openpyxl directly (read-only, every row
iterated, none of geo.figures' checks), as the reader did before the checks, so the figures
show what the checks save; each such read is stopped after 180 s.

The tests (tests/test_hostile_bombs.py) assert the bounds; this script reports the numbers.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from testsupport import hostile as builders

CASES = {
    "zip_bomb": ("xlsx", lambda d: builders.zip_bomb(300)),
    "billion_laughs_sheet": ("xlsx", lambda d: builders.laughs_in_sheet()),
    "billion_laughs_shared_strings": ("xlsx", lambda d: builders.laughs_in_shared_strings()),
    "lying_zip_sizes": ("xlsx", lambda d: builders.lying_sizes(300)),
    "wide_row_2m_cells": ("xlsx", lambda d: builders.wide_row(2_000_000)),
    "shared_strings_1_2m": ("xlsx", lambda d: builders.shared_strings_flood(1_200_000)),
    "row_900m": ("xlsx", lambda d: builders.far_row(900_000_000)),
    "million_row_csv": ("csv", None),
}


UNGUARDED = r"""
import io, sys, time, openpyxl
data = open(sys.argv[1], "rb").read()
start = time.perf_counter()
try:
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    for row in wb.worksheets[0].iter_rows(values_only=True):
        pass
    outcome = "read"
except Exception as exc:
    outcome = type(exc).__name__
with open("/proc/self/status") as fh:
    hwm = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
print(outcome, time.perf_counter() - start, hwm / 1024)
"""


def unguarded(path: Path, timeout_s: float = 180) -> dict:
    """openpyxl alone on ``path``, in a fresh process: outcome, seconds, peak MB (None on timeout)."""
    try:
        p = subprocess.run([sys.executable, "-c", UNGUARDED, str(path)], capture_output=True, text=True,
                           timeout=timeout_s, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    except subprocess.TimeoutExpired:
        return {"outcome": f"not finished after {timeout_s:.0f} s", "read_s": None, "peak_rss_mb": None}
    outcome, secs, mb = p.stdout.split()
    return {"outcome": outcome, "read_s": round(float(secs), 2), "peak_rss_mb": round(float(mb), 1)}


def run(with_unguarded: bool = False) -> dict:
    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="hostile-bench-") as tmp:
        d = Path(tmp)
        good = d / "good.xlsx"
        good.write_bytes(builders.good_workbook())
        base = builders.peak_rss(good)
        out["baseline_peak_rss_mb"] = round(base["peak_rss_mb"], 1)
        for name, (ext, build) in CASES.items():
            path = d / f"{name}.{ext}"
            if build is None:
                builders.million_row_csv(path)
            else:
                path.write_bytes(build(d))
            got = builders.peak_rss(path)
            out[f"{name}_file_bytes"] = path.stat().st_size
            out[f"{name}_refusal"] = got["key"]
            out[f"{name}_peak_rss_mb"] = round(got["peak_rss_mb"], 1)
            out[f"{name}_over_baseline_mb"] = round(got["peak_rss_mb"] - base["peak_rss_mb"], 1)
            out[f"{name}_read_s"] = round(got["read_s"], 3)
            if with_unguarded and ext == "xlsx":
                raw = unguarded(path)
                out[f"{name}_unguarded_outcome"] = raw["outcome"]
                out[f"{name}_unguarded_peak_rss_mb"] = raw["peak_rss_mb"]
                out[f"{name}_unguarded_read_s"] = raw["read_s"]
            path.unlink()
    return out


if __name__ == "__main__":
    result = run(with_unguarded="--unguarded" in sys.argv)
    if "--text" in sys.argv:
        for k, v in result.items():
            print(f"{k:45s} {v}")
    else:
        print(json.dumps(result, indent=1))
