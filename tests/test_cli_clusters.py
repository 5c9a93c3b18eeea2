"""``python -m geo clusters``: the demo, a figures file, refusals and usage errors."""
from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT, needs_shared

from geo.__main__ import main

pytestmark = needs_shared
CONTRACT_KEYS = {"segment", "measure", "seed", "permutations", "alpha", "fdr", "weights", "isolates_joined",
                 "moran_i", "moran_p", "counts", "high_high_codes", "statistic", "population", "areas_analysed",
                 "permutations_used"}


def _json(capsys) -> dict:
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1, out  # exactly one JSON object on standard output
    return json.loads(out[0])


def test_demo_defaults_json(capsys, bali):
    assert main(["clusters", "--demo", "--json"]) == 0
    out = _json(capsys)
    assert CONTRACT_KEYS <= set(out)
    assert (out["segment"], out["measure"], out["seed"], out["permutations"], out["alpha"], out["fdr"],
            out["weights"], out["statistic"], out["population"]) == (
        "vulnerable", "count", 12345, 999, 0.05, True, "queen", "moran", "all")
    assert out["synthetic"] is True
    assert sum(out["counts"].values()) == out["areas_analysed"] == 716
    assert out["permutations_used"] >= 999
    assert out["isolates_joined"] == 17  # Serangan, Nusa Penida's 14 and Lembongan's 2
    assert out["moran_i"] > 0.1 and out["moran_p"] <= 0.01  # the demo is spatially clustered
    assert len(out["high_high_codes"]) == out["counts"]["high-high"]


def test_demo_fishers_are_analysed_among_their_own_villages(capsys, bali):
    from geo.figures import demo
    assert main(["clusters", "--demo", "--segment", "fisher", "--json"]) == 0
    out = _json(capsys)
    fishers = demo.demo_figures(bali).data
    with_fishers = set(fishers.loc[fishers["workers_fisher"] > 0, "code"])
    assert out["population"] == "segment" and out["areas_analysed"] == len(with_fishers) < 716
    assert out["counts"]["high-high"] >= 5 and set(out["high_high_codes"]) <= with_fishers
    # all villages instead, and Gi*: hot spots, cold spots, and the hot spots' codes
    assert main(["clusters", "--demo", "--segment", "fisher", "--population", "all", "--statistic", "gi",
                 "--no-fdr", "--seed", "7", "--json"]) == 0
    gi = _json(capsys)
    assert (gi["population"], gi["statistic"], gi["fdr"], gi["seed"], gi["areas_analysed"]) == (
        "all", "gi", False, 7, 716)
    assert set(gi["counts"]) == {"hot spot", "cold spot", "not significant"}
    assert len(gi["high_high_codes"]) == gi["counts"]["hot spot"] > 0
    # Gi* counts the village itself and its neighbours: hot spots are mostly fishing villages,
    # the others their inland neighbours (which is why fishers default to their own villages)
    assert len(set(gi["high_high_codes"]) & with_fishers) >= len(gi["high_high_codes"]) / 2


def test_farmers_can_be_analysed_among_their_own_villages(capsys, bali):
    assert main(["clusters", "--demo", "--segment", "farmer", "--population", "segment", "--json"]) == 0
    out = _json(capsys)
    assert out["population"] == "segment" and out["areas_analysed"] <= 716


def test_a_figures_file_gives_the_same_result_as_the_demo(tmp_path, capsys, bali):
    path = tmp_path / "figures.csv"
    assert main(["demo", "--out", str(path)]) == 0
    capsys.readouterr()
    args = ["--segment", "farmer", "--measure", "share", "--permutations", "999", "--json"]
    assert main(["clusters", str(path), *args]) == 0
    from_file = _json(capsys)
    assert main(["clusters", "--demo", *args]) == 0
    from_demo = _json(capsys)
    assert from_file.pop("synthetic") is False  # a file does not say it is synthetic
    from_demo.pop("synthetic")
    assert from_file == from_demo
    assert from_file["smoothed"] is True


def test_regency_level_is_refused(capsys, bali):
    assert main(["clusters", "--demo", "--level", "regency", "--json"]) == 1
    out = _json(capsys)
    assert "9 areas" in out["error"] and "30" in out["error"]


def test_a_district_file_at_village_level_says_which_level(tmp_path, capsys, bali):
    district = bali.full["district"]
    rows = ["code,workers,covered,workers_farmer,covered_farmer"]
    rows += [f"{c},1000,500,{100 + i},{50 + i // 2}" for i, c in enumerate(sorted(district["code"]))]
    path = tmp_path / "districts.csv"
    path.write_text("\n".join(rows) + "\n")
    assert main(["clusters", str(path), "--segment", "farmer", "--json"]) == 1
    assert "--level district" in _json(capsys)["error"]
    assert main(["clusters", str(path), "--segment", "farmer", "--level", "district", "--json"]) == 0
    assert sum(_json(capsys)["counts"].values()) == 57


def test_missing_file_and_bad_usage(tmp_path, capsys):
    assert main(["clusters", str(tmp_path / "nope.csv"), "--json"]) == 2
    assert "cannot read" in _json(capsys)["error"]
    assert main(["clusters", "--demo", "--alpha", "2", "--json"]) == 2
    assert "alpha" in _json(capsys)["error"]
    r = subprocess.run([sys.executable, "-m", "geo", "clusters", "--demo", "--measure", "rate"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "invalid choice" in r.stderr
