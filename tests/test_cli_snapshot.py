"""``python -m geo snapshot``: PNG and standalone HTML from the demo or a figures file."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT, needs_shared
from PIL import Image

from geo.__main__ import main

pytestmark = needs_shared


def _json(capsys) -> dict:
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1, out  # exactly one JSON object on standard output
    return json.loads(out[0])


def test_demo_village_png_and_html(tmp_path):
    png, html = tmp_path / "v.png", tmp_path / "v.html"
    r = subprocess.run([sys.executable, "-m", "geo", "snapshot", "--demo", "--level", "village",
                        "--indicator", "coverage_rate", "--png", str(png), "--html", str(html), "--json"],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["areas"] == 716 and out["no_data"] == 0 and out["synthetic"] is True
    assert Image.open(png).size == (1600, 1200)
    text = html.read_text(encoding="utf-8")
    assert "<script src=" not in text and "/app/static/" not in text
    assert out["html_bytes"] == len(text.encode("utf-8"))


def test_figures_file_regency_level(tmp_path, capsys, bali):
    # a real upload: regency totals only, not synthetic
    rows = ["kode,nama,pekerja,peserta"]
    for i, code in enumerate(sorted(bali.full["regency"]["code"])):
        if i == 0:
            continue  # one regency without figures: drawn as "no data"
        rows.append(f"{code},,{100_000 + 1000 * i},{40_000 + 3000 * i}")
    src = tmp_path / "regencies.csv"
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    png = tmp_path / "r.png"
    code = main(["snapshot", str(src), "--level", "regency", "--indicator", "gap_to_target",
                 "--lang", "en", "--png", str(png), "--size", "800x600", "--json"])
    out = _json(capsys)
    assert code == 0
    assert out["synthetic"] is False and "regencies.csv" in out["source"]
    assert out["areas"] == 9 and out["no_data"] == 1
    assert Image.open(png).size == (800, 600)


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main(["snapshot", "--demo", "--level", "village", "--json"]) == 2
    assert "nothing to write" in _json(capsys)["error"]
    assert main(["snapshot", str(tmp_path / "missing.csv"), "--png", str(tmp_path / "x.png"), "--json"]) == 2
    assert "cannot read" in _json(capsys)["error"]
    assert main(["snapshot", "--demo", "--regency", "99.01", "--png", str(tmp_path / "x.png"), "--json"]) == 2
    assert "not a regency" in _json(capsys)["error"]
    assert main(["snapshot", "--demo", "--size", "big", "--png", str(tmp_path / "x.png"), "--json"]) == 2
    with pytest.raises(SystemExit) as exc:  # argparse: FILE and --demo together
        main(["snapshot", "f.csv", "--demo", "--png", "x.png"])
    assert exc.value.code == 2
    assert not (tmp_path / "x.png").exists()


def test_file_without_usable_rows_exits_1(tmp_path, capsys):
    src = tmp_path / "header_only.csv"
    src.write_text("kode,nama,pekerja,peserta\n", encoding="utf-8")
    assert main(["snapshot", str(src), "--png", str(tmp_path / "x.png"), "--json"]) == 1
    assert "error" in _json(capsys)
    assert not (tmp_path / "x.png").exists()
