"""``python -m geo check``: the JSON object, the text report, ``--report`` and the exit codes."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

FIX = Path(__file__).parent / "fixtures" / "figures"
KEYS = {"rows", "matched_by_code", "matched_by_name", "ambiguous", "unmatched", "invalid", "level",
        "areas_without_figures", "synthetic", "problems"}


def geo(*args: str) -> subprocess.CompletedProcess:
    """The real command, as a user runs it (a new process: exit status and streams as seen outside)."""
    return subprocess.run([sys.executable, "-m", "geo", "check", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def geo_here(capsys, *args: str) -> subprocess.CompletedProcess:
    """The same entry point in this process (faster: the stack is imported once)."""
    from geo.__main__ import main
    status = main(["check", *args])
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, status, out.out, out.err)


def test_json_report_of_the_messy_file(tmp_path):
    out = tmp_path / "report.csv"
    p = geo(str(FIX / "messy.csv"), "--province", "51", "--json", "--report", str(out))
    assert p.returncode == 0, p.stderr
    obj = json.loads(p.stdout)  # exactly one JSON object on standard output
    assert KEYS <= set(obj)
    assert {k: obj[k] for k in KEYS - {"problems"}} == {
        "rows": 13, "matched_by_code": 4, "matched_by_name": 2, "ambiguous": 1, "unmatched": 1, "invalid": 5,
        "level": "village", "areas_without_figures": 710, "synthetic": False}
    assert all(set(p) == {"row", "column", "severity", "message"} for p in obj["problems"])
    frac = [p for p in obj["problems"] if p["row"] == 13]
    assert frac == [{"row": 13, "column": "workers", "severity": "error",
                     "message": "A count of people cannot be fractional: 2.500,5. Write thousands as 1.234 or 1234; "
                                "a comma is a decimal mark."}]
    assert {p["severity"] for p in obj["problems"] if p["row"] == 18} == {"warning"}
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert [int(r["row"]) for r in rows] == [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 18]
    assert rows[2]["category"] == "matched_by_name" and rows[2]["code"] == "51.03.02.2001"


def test_text_report(capsys):
    p = geo_here(capsys, str(FIX / "messy.csv"))
    assert p.returncode == 0
    assert "rows 13: matched by code 4, by name 2, ambiguous 1, unmatched 1, invalid 5" in p.stdout
    assert "row 11, code: error: Code 52.01.01.2001 is outside the selected province (51)." in p.stdout


@pytest.mark.parametrize("name", ["empty.csv", "header_only.csv", "missing_columns.csv"])
def test_nothing_usable_exits_1(capsys, name):
    p = geo_here(capsys, str(FIX / name), "--json")
    assert p.returncode == 1
    obj = json.loads(p.stdout)
    assert obj["matched_by_code"] == obj["matched_by_name"] == 0
    assert obj["rows"] == obj["invalid"] and obj["problems"] and obj["problems"][0]["severity"] == "error"


def test_all_rows_rejected_exits_1(capsys, tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("kode,pekerja,peserta\n52.01.01.2001,10,5\n51.71.01.1001,10,50\n")
    p = geo_here(capsys, str(f), "--json")
    assert p.returncode == 1 and json.loads(p.stdout)["invalid"] == 2


@pytest.mark.parametrize("name", ["old.xls", "xlsx_content.csv", "text.xlsx"])
def test_unreadable_exits_2(capsys, name):
    p = geo_here(capsys, str(FIX / name), "--json")
    assert p.returncode == 2
    obj = json.loads(p.stdout)
    assert set(obj) == {"error"} and name in obj["error"]


def test_missing_file_exits_2(capsys):
    p = geo_here(capsys, "/nonexistent/figures.csv")
    assert p.returncode == 2 and "cannot read" in p.stderr


def test_sheet_option(capsys):
    p = geo_here(capsys, str(FIX / "title_rows.xlsx"), "--sheet", "Data", "--json")
    assert p.returncode == 0
    obj = json.loads(p.stdout)
    assert (obj["rows"], obj["matched_by_code"], obj["matched_by_name"], obj["invalid"]) == (5, 3, 1, 1)
