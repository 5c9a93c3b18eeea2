"""``python -m geo progress``: the JSON object of CONTRACT.md, the text, the options and the exit codes."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT

AREA_KEYS = ["code", "name", "rates", "workers", "covered", "pace_needed_pp_per_month", "pace_recent_pp_per_month",
             "on_track", "people_per_month_needed"]
TWO = "kode,periode,pekerja,peserta\n51.01,2026-01,1000,500\n51.02,2026-01,2000,1000\n" \
      "51.01,2026-03,1000,540\n51.02,2026-03,2000,1010\n51.01,2026-04,1000,560\n51.02,2026-04,2000,1030\n"


def here(capsys, *args: str) -> tuple[int, str, str]:
    from geo.__main__ import main
    status = main(["progress", *args])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_json_of_a_file_exactly_as_the_contract(capsys, tmp_path):
    f = tmp_path / "tri.csv"
    f.write_text(TWO)
    status, out, _ = here(capsys, str(f), "--json")
    assert status == 0
    obj = json.loads(out)
    assert list(obj) == ["province", "level", "periods", "target", "deadline", "areas"]
    assert (obj["province"], obj["level"], obj["periods"], obj["target"], obj["deadline"]) == (
        "51", "regency", ["2026-01", "2026-03", "2026-04"], 73.86, "2026-12")
    assert [list(a) for a in obj["areas"]] == [AREA_KEYS] * 10 and obj["areas"][0]["code"] == "51"
    jem = obj["areas"][1]
    assert jem["code"] == "51.01" and jem["rates"] == {"2026-01": 50.0, "2026-03": 54.0, "2026-04": 56.0}
    assert (jem["pace_needed_pp_per_month"], jem["pace_recent_pp_per_month"], jem["on_track"],
            jem["people_per_month_needed"]) == (2.2325, 2.0, False, 23)
    assert obj["areas"][3]["rates"] == {} and obj["areas"][3]["on_track"] is None  # Badung: no figures


def test_several_files_from_to_target_and_level(capsys, tmp_path):
    jan, mar = tmp_path / "jan.csv", tmp_path / "mar.csv"
    jan.write_text("kode,pekerja,peserta\n51.01,1000,500\n")
    mar.write_text("kode,periode,pekerja,peserta\n51.01,Maret 2026,1000,540\n51.01,April 2026,1000,560\n")
    status, out, _ = here(capsys, str(jan), str(mar), "--period", "01/2026", "--from", "2026-01",
                          "--to", "Mar 2026", "--target", "60", "--level", "district", "--json")
    obj = json.loads(out)
    assert status == 0 and obj["periods"] == ["2026-01", "2026-03"] and obj["target"] == 60.0
    assert obj["level"] == "district" and len(obj["areas"]) == 1 + 57
    assert obj["areas"][0]["rates"] == {"2026-01": 50.0, "2026-03": 54.0}
    assert all(a["rates"] == {} for a in obj["areas"][1:])  # regency figures have no district data


def test_text_names_periods_and_synthetic_demo(capsys):
    status, out, _ = here(capsys, "--demo", "--from", "2026-06", "--to", "2026-08")
    assert status == 0
    assert "periods 2026-06 to 2026-08 (3)" in out and "SYNTHETIC" in out and "Kabupaten Bangli" in out


@pytest.mark.parametrize("args,status,needle", [
    (["--json"], 2, "give FILE..., --demo or --saved"),
    (["--demo", "--saved", "--json"], 2, "one of them"),
    (["--demo", "--from", "2026-05", "--to", "2026-02", "--json"], 2, "after --to"),
    (["--demo", "--from", "maybe", "--json"], 2, "is not a month"),
    (["--demo", "--target", "120", "--json"], 2, "at most 100"),
    (["--demo", "--from", "2020-01", "--to", "2020-06", "--json"], 1, "no period between"),
    (["missing-file.csv", "--json"], 2, "cannot read"),
])
def test_failures_are_json_with_the_exit_codes_of_check(capsys, args, status, needle):
    got, out, err = here(capsys, *args)
    assert got == status and needle in json.loads(out)["error"] and needle in err
    assert "Traceback" not in err


def test_unusable_and_unreadable_files(capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("kode,periode,pekerja,peserta\n51.01,2030-01,100,50\n")  # only a future period
    got, out, _ = here(capsys, str(bad), "--json")
    assert got == 1 and "no usable row" in json.loads(out)["error"]
    pdf = tmp_path / "x.xlsx"
    pdf.write_bytes(b"%PDF-1.4 not a spreadsheet")
    got, out, _ = here(capsys, str(pdf), "--json")
    assert got == 2 and "x.xlsx" in json.loads(out)["error"]
    got, out, _ = here(capsys, str(bad), "--period", "2030-01", "--json")
    assert got == 2 and "after the current month" in json.loads(out)["error"]


def test_usage_error_and_a_real_process(tmp_path):
    p = subprocess.run([sys.executable, "-m", "geo", "progress", "--demo", "--level", "nation"], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "invalid choice" in p.stderr
    f = tmp_path / "tri.csv"
    f.write_text(TWO)
    p = subprocess.run([sys.executable, "-m", "geo", "progress", str(f), "--json"], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and json.loads(p.stdout)["periods"] == ["2026-01", "2026-03", "2026-04"]


def test_saved_history_from_the_database(capsys, tmp_path):
    """``--saved`` reads the history the app uses: each period from its current saved version."""
    from geo.__main__ import main
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    jan, feb, feb2 = (tmp_path / n for n in ("jan.csv", "feb.csv", "feb2.csv"))
    jan.write_text("kode,pekerja,peserta\n51.01,1000,500\n")
    feb.write_text("kode,pekerja,peserta\n51.01,1000,520\n")
    feb2.write_text("kode,pekerja,peserta\n51.01,1000,530\n")
    for f, name, period in ((jan, "Jan", "2026-01"), (feb, "Feb", "2026-02"), (feb2, "Feb revisi", "2026-02")):
        assert main(["datasets", "save", str(f), "--name", name, "--period", period, "--database", url]) == 0
    capsys.readouterr()
    status, out, _ = here(capsys, "--saved", "--database", url, "--json")
    obj = json.loads(out)
    assert status == 0 and obj["periods"] == ["2026-01", "2026-02"]
    assert obj["areas"][1]["covered"] == {"2026-01": 500, "2026-02": 530}  # the revision is the current version
    assert obj["areas"][1]["pace_recent_pp_per_month"] == 3.0
    status, out, _ = here(capsys, "--saved", "--database", url, "--province", "52", "--json")
    assert status in (1, 2) and "error" in json.loads(out)


def test_check_takes_the_period_of_a_file_without_one(capsys, tmp_path):
    from geo.__main__ import main
    f = tmp_path / "plain.csv"
    f.write_text("kode,pekerja,peserta\n51.01,1000,500\n")
    assert main(["check", str(f), "--period", "Mar 2026", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["periods"] == ["2026-03"]
    assert main(["check", str(f), "--period", "2099-01", "--json"]) == 2
    assert "after the current month" in json.loads(capsys.readouterr().out)["error"]
    assert main(["check", str(f)]) == 0
    assert "  periods: " in capsys.readouterr().out


def test_a_reader_that_stops_early_gets_no_traceback():
    """``python -m geo progress --demo --level village | head -2``: no BrokenPipeError traceback."""
    p = subprocess.run(f"'{sys.executable}' -m geo progress --demo --level village | head -2", shell=True, cwd=ROOT,
                       capture_output=True, text=True, timeout=180)
    assert p.stdout.count("\n") == 2 and "Traceback" not in p.stderr
