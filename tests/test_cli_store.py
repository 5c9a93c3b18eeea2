"""``python -m geo lists|datasets|store``: the store from the command line, with the names rule."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, needs_shared
from fixtures.store import release_store

FIX = Path(__file__).parent / "fixtures" / "figures"


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'cli.sqlite'}"


def geo(capsys, *argv: str) -> tuple[int, dict]:
    from geo.__main__ import main
    status = main([*argv, "--json"])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return status, json.loads(out.out)


def test_lists_from_the_command_line_follow_the_names_rule(capsys, db):
    status, got = geo(capsys, "lists", "save", "\u202eefaC ratfaD", "5103012001", "51.03.01.2002",
                      "--author", "Ayu\x1b[31m", "--database", db)
    assert status == 0 and (got["name"], got["author"], got["codes"]) == ("efaC ratfaD", "Ayu[31m",
                                                                          ["51.03.01.2001", "51.03.01.2002"])
    status, got = geo(capsys, "lists", "save", "EFAC  RATFAD", "5103012001", "--database", db)
    assert status == 1 and "already exists" in got["error"]
    status, got = geo(capsys, "lists", "save", "\u200b\u200b", "5103012001", "--database", db)
    assert (status, got) == (1, {"error": "A name is needed: it must have at least one visible character (spaces, "
                                          "control and invisible characters do not count)."})
    status, got = geo(capsys, "lists", "save", "x" * 10_000, "5103012001", "--database", db)
    assert (status, got) == (1, {"error": "The name is too long: at most 120 characters (10000 given)."})
    status, got = geo(capsys, "lists", "save", "Tamu", "5103012001", "--role", "viewer", "--database", db)
    assert status == 1 and "can only view" in got["error"]
    assert geo(capsys, "lists", "rename", "efac ratfad", "Nusa Penida", "--database", db)[1]["name"] == "Nusa Penida"
    assert geo(capsys, "lists", "delete", "Nusa Penida", "--database", db)[1] == {"deleted": "Nusa Penida",
                                                                                 "versions": 1}
    assert [e["name"] for e in geo(capsys, "lists", "bin", "--database", db)[1]["bin"]] == ["Nusa Penida"]
    assert geo(capsys, "lists", "restore", "nusa penida", "--database", db)[1]["versions"] == 1
    assert [n["name"] for n in geo(capsys, "lists", "ls", "--database", db)[1]["lists"]] == ["Nusa Penida"]
    audit = geo(capsys, "lists", "audit", "--user", "boss", "--database", db)[1]["audit"]
    assert [a["action"] for a in reversed(audit)] == ["save", "rename", "delete", "restore"]
    status, got = geo(capsys, "lists", "audit", "--role", "planner", "--database", db)
    assert status == 1 and "only an admin" in got["error"]


def test_store_upgrade_reports_renamed_twins(capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    old = release_store.Store(url)
    old.save("Daftar Caf\u00e9", ["5103012001"])
    old.save("daftar caf\u00e9", ["5103012001"])
    old.dispose()
    status, got = geo(capsys, "store", "upgrade", "--database", url)
    from geo.outputs import store
    assert status == 0 and got["revision"] == store.head_revision() and len(got["report"]) == 1
    assert "'daftar café' renamed to 'daftar café (2)'" in got["report"][0]
    assert geo(capsys, "store", "upgrade", "--database", url)[1]["report"] == []


@needs_shared
def test_datasets_from_the_command_line(capsys, db):
    status, got = geo(capsys, "datasets", "save", str(FIX / "good.csv"), "--name", "Denpasar\u200b Selatan",
                      "--database", db)
    assert status == 0 and got["name"] == "Denpasar Selatan" and got["file_name"] == "good.csv"
    assert len(got["sha256"]) == 64 and got["rows"] == got["report"]["matched_by_code"] + got["report"]["matched_by_name"]
    ds = got["id"]
    assert [d["id"] for d in geo(capsys, "datasets", "ls", "--database", db)[1]["datasets"]] == [ds]
    assert geo(capsys, "datasets", "ls", "--province", "52", "--database", db)[1]["datasets"] == []
    periods = geo(capsys, "datasets", "periods", "--database", db)[1]["periods"]
    assert [(p["dataset_id"], p["current"]) for p in periods] == [(ds, True)] * len(periods)
    assert geo(capsys, "datasets", "delete", str(ds), "--database", db)[1]["versions"] == 1
    assert geo(capsys, "datasets", "restore", str(ds), "--database", db)[1]["id"] == ds
    status, got = geo(capsys, "datasets", "rename", "999", "x", "--database", db)
    assert (status, got) == (1, {"error": "no saved dataset with id 999"})


def test_the_real_command_shows_no_traceback(tmp_path):
    url = f"sqlite:///file:{tmp_path / 'missing.sqlite'}?mode=ro&uri=true"  # cannot be opened at all
    p = subprocess.run([sys.executable, "-m", "geo", "lists", "ls", "--database", url], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "Traceback" not in p.stderr and p.stderr.startswith("error: cannot open the database")
