"""Budget arithmetic, reached rates and the fewest villages to a target (against brute force)."""
from __future__ import annotations

import itertools
import random
from fractions import Fraction

import pandas as pd
import pytest

from geo.analysis import targeting
from geo.analysis.targeting import Settings
from geo.core import schema
from geo.outputs import tables


def _frame() -> pd.DataFrame:
    """Two villages of regency 99.01 and one of 99.02, counts chosen by hand."""
    rows = [
        # code, workers, covered, wage w/c, farmer w/c, fisher w/c, trader w/c
        ("99.01.01.2001", 200, 70, (50, 10), (100, 40), (20, 20), (30, 0)),
        ("99.01.01.2002", 100, 50, (40, 40), (10, 0), (0, 0), (50, 10)),
        ("99.02.01.2001", 300, 290, (100, 100), (200, 190), (0, 0), (0, 0)),
    ]
    out = []
    for code, w, c, wage, farmer, fisher, trader in rows:
        out.append({"code": code, "name": "V" + code[-4:], "workers": w, "covered": c,
                    "workers_wage": wage[0], "covered_wage": wage[1],
                    "workers_farmer": farmer[0], "covered_farmer": farmer[1],
                    "workers_fisher": fisher[0], "covered_fisher": fisher[1],
                    "workers_trader": trader[0], "covered_trader": trader[1]})
    return pd.DataFrame(out)


def test_budget_pays_non_wage_only():
    f = _frame()
    sel = ["99.01.01.2001", "99.01.01.2002"]
    b = targeting.budget(f, sel, Settings())
    # non-wage uncovered: farmer 60 + 10, fisher 0, trader 30 + 40 = 140
    assert b.uncovered == 140 and b.enrolled == 140 and b.enrolled_paid == 140
    assert b.monthly == 140 * 16_800
    assert b.budget == 140 * 16_800 * 12 == 28_224_000
    assert b.villages == 2 and b.missing == []
    # adding the wage segment reaches 40 more people but costs nothing more
    w = targeting.budget(f, sel, Settings(segments=("wage",) + schema.NON_WAGE))
    assert w.enrolled == 180 and w.enrolled_paid == 140 and w.budget == b.budget
    assert w.by_segment.set_index("segment").loc["wage", "budget"] == 0


def test_budget_uptake_premium_months():
    f = _frame()
    b = targeting.budget(f, ["99.01.01.2001"], Settings(segments=("farmer",), uptake=25, months=6,
                                                        premium_monthly=20_000))
    assert b.uncovered == 60 and b.enrolled == 15
    assert b.budget == 15 * 20_000 * 6
    assert targeting.budget(f, [], Settings()).budget == 0


def test_budget_reports_codes_without_figures():
    b = targeting.budget(_frame(), ["99.01.01.2001", "99.09.09.2009"], Settings())
    assert b.villages == 1 and b.missing == ["99.09.09.2009"]


def test_reached_rates_from_sums():
    f = _frame()
    r = targeting.reached_rates(f, ["99.01.01.2001"], Settings(uptake=50)).set_index("code")
    # province: workers 600, covered 410; village 2001 adds half of its 90 non-wage uncovered
    assert set(r.index) == {"99", "99.01"}  # 99.02 is not touched by the selection
    assert r.loc["99", "rate_before"] == pytest.approx(100 * 410 / 600)
    assert r.loc["99", "enrolled"] == pytest.approx(45)
    assert r.loc["99", "rate_after"] == pytest.approx(100 * 455 / 600)
    # regency 99.01: workers 300, covered 120 -> 165 (not the mean of the village rates)
    assert r.loc["99.01", "rate_before"] == pytest.approx(40.0)
    assert r.loc["99.01", "rate_after"] == pytest.approx(100 * 165 / 300)
    # people to target before: ceil(0.7386 * 600) - 410 = 444 - 410
    assert r.loc["99", "to_target_before"] == 34
    assert bool(r.loc["99", "reaches_target"]) is True  # 75.8 % >= 73.86 %
    assert bool(r.loc["99.01", "reaches_target"]) is False


def test_after_enrolment_keeps_segment_and_total_consistent():
    f = _frame()
    a = targeting.after_enrolment(f, ["99.01.01.2002"], Settings(segments=("trader", "wage"))).set_index("code")
    assert a.loc["99.01.01.2002", "covered_trader"] == 50
    assert a.loc["99.01.01.2002", "covered_wage"] == 40  # already fully covered
    assert a.loc["99.01.01.2002", "covered"] == 90
    assert a.loc["99.01.01.2001", "covered"] == 70  # not selected


def test_village_table_and_filters():
    f = _frame()
    names = {"99.01": "Reg A", "99.01.01": "Dist A"}
    t = targeting.village_table(f, Settings(), names)
    assert list(t["code"]) == list(f["code"])
    assert list(t["uncovered"]) == [90, 50, 10]
    assert t.loc[0, "regency"] == "Reg A" and t.loc[0, "district"] == "Dist A"
    assert t.loc[2, "regency"] == "99.02"  # no name known: the code, never blank
    got = targeting.filter_table(t, regency="99.01", min_uncovered=60)
    assert list(got["code"]) == ["99.01.01.2001"]
    got = targeting.filter_table(t, only_codes={"99.02.01.2001", "99.01.01.2002"}, sort_by="coverage_rate")
    assert list(got["code"]) == ["99.02.01.2001", "99.01.01.2002"]
    with pytest.raises(ValueError, match="cannot sort"):
        targeting.filter_table(t, sort_by="nope")


def test_settings_are_checked():
    with pytest.raises(ValueError, match="uptake"):
        Settings(uptake=0).checked()
    with pytest.raises(ValueError, match="segment"):
        Settings(segments=("vulnerable",)).checked()
    with pytest.raises(ValueError, match="months"):
        Settings(months=0).checked()
    s = Settings(segments=("trader", "farmer"), uptake=80)
    assert Settings.from_dict(s.to_dict()) == s.checked()
    assert s.checked().segments == ("farmer", "trader")


# ---------------------------------------------------------------- fewest villages


def _table(us: list[int], workers: int, covered: int) -> pd.DataFrame:
    """A scope's villages with uncovered counts ``us``; scope totals split over them."""
    n = len(us)
    ws = [workers // n] * n
    ws[0] += workers - sum(ws)
    cs = [covered // n] * n
    cs[0] += covered - sum(cs)
    return pd.DataFrame({"code": [f"99.01.01.{2001 + i}" for i in range(n)], "workers": ws, "covered": cs,
                         "uncovered": us})


def _reaches(us, chosen, workers, covered, uptake: str, target: str) -> bool:
    p, t = Fraction(uptake) / 100, Fraction(target) / 100
    return covered + p * sum(us[i] for i in chosen) >= t * workers


def _brute_min(us, workers, covered, uptake, target):
    for k in range(len(us) + 1):
        for combo in itertools.combinations(range(len(us)), k):
            if _reaches(us, combo, workers, covered, uptake, target):
                return k
    return None


@pytest.mark.parametrize("uptake", ["100", "70", "33.33", "5"])
def test_fewest_villages_matches_brute_force(uptake):
    rng = random.Random(20260 + int(float(uptake)))
    checked = 0
    for _ in range(250):
        n = rng.randint(1, 9)
        us = [rng.choice([0, 1, 2, 3, 5, 8, 13, 40, 41, 100]) for _ in range(n)]
        workers = rng.randint(sum(us) + 1, sum(us) + 400)
        covered = rng.randint(0, workers - sum(us))
        target = rng.choice(["73.86", "50", "90", "10"])
        tab = _table(us, workers, covered)
        path = targeting.fewest_villages(tab, Settings(uptake=float(uptake), target=float(target)), "99.01")
        best = _brute_min(us, workers, covered, uptake, target)
        idx = [int(c[-4:]) - 2001 for c in path.codes]
        if best is None:
            assert not path.reachable
        else:
            assert path.reachable
            assert len(path.codes) == best, (us, workers, covered, uptake, target)
            assert _reaches(us, idx, workers, covered, uptake, target)
            checked += 1
    assert checked > 50  # the random cases were not all trivial


def test_fewest_villages_exact_boundary_and_ties_by_code():
    # workers 1000, covered 600, target 70 %: needs exactly 100 more. Uptake 50 %: 200 uncovered.
    tab = _table([100, 100, 100, 50], 1000, 600)
    path = targeting.fewest_villages(tab, Settings(uptake=50, target=70), "99.01")
    assert path.reachable and path.codes == ["99.01.01.2001", "99.01.01.2002"]  # ties: lowest codes
    assert path.need == 100 and path.enrolled == 100 and path.rate_after == pytest.approx(70)
    # one person fewer in the second and third: 100 + 99 enrol 99.5 < 100, a third is needed
    tab = _table([99, 100, 99, 50], 1000, 600)
    path = targeting.fewest_villages(tab, Settings(uptake=50, target=70), "99.01")
    assert path.codes == ["99.01.01.2002", "99.01.01.2001", "99.01.01.2003"]


def test_fewest_villages_floating_point_target():
    # 73.86 % of 10,000 is 7,386 exactly: covered 7,000 needs 386, and 386 is enough
    tab = _table([386, 385, 1], 10_000, 7_000)
    path = targeting.fewest_villages(tab, Settings(uptake=100, target=73.86), "99.01")
    assert path.codes == ["99.01.01.2001"] and path.need == 386


def test_fewest_villages_already_there_and_unreachable():
    tab = _table([10, 10], 100, 80)
    path = targeting.fewest_villages(tab, Settings(target=73.86), "99.01")
    assert path.reachable and path.codes == [] and path.need == 0
    path = targeting.fewest_villages(tab, Settings(target=100, uptake=50), "99.01")
    assert not path.reachable and len(path.codes) == 2
    assert path.rate_after == pytest.approx(90.0)


def test_fewest_villages_scope_is_a_regency():
    t = targeting.village_table(_frame(), Settings())
    # regency 99.02: workers 300, covered 290: already above 73.86 %
    assert targeting.fewest_villages(t, Settings(), "99.02").codes == []
    # regency 99.01: workers 300, covered 120, needs 222 - 120 = 102; uncovered 90 and 50
    p = targeting.fewest_villages(t, Settings(), "99.01")
    assert p.need == 102 and p.codes == ["99.01.01.2001", "99.01.01.2002"]
    # the province: 600 workers, 410 covered, needs 34: the largest village alone
    p = targeting.fewest_villages(t, Settings(), "99")
    assert p.codes == ["99.01.01.2001"] and p.candidates == 3


# ---------------------------------------------------------------- the page's view in the URL


def test_path_summary_sentences():
    tab = _table([100, 100], 1000, 600)
    s = Settings(uptake=50, target=70)
    path = targeting.fewest_villages(tab, s, "99.01")
    kind, text = tables.path_summary(path, targeting.Budget(2, 200, 100, 100, 20_160_000, 1_680_000), s,
                                        "Regency X", "en")
    assert kind == "info" and text.startswith("2 villages bring Regency X from 60.00% to 70.00%")
    assert "Rp20,160,000 for 12 months" in text
    kind, _ = tables.path_summary(targeting.fewest_villages(tab, Settings(target=99), "99.01"),
                                     targeting.Budget(2, 200, 200, 200, 0, 0), Settings(target=99), "X", "id")
    assert kind == "warning"
