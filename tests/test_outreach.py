"""Did outreach reach its targets: the baseline period, the matching of comparable villages by
hand, and the effect found when it is there and not when it is not."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.analysis import outreach


def villages(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["code", "name", "regency_code", "workers", "covered"])


def test_the_baseline_is_the_last_period_before_the_month_the_list_was_saved():
    ps = ["2025-12", "2026-01", "2026-02", "2026-03"]
    assert outreach.baseline_period("2026-02-15T10:00:00+00:00", ps) == ("2026-01", False)
    assert outreach.baseline_period("2026-04-01T00:00:00+00:00", ps) == ("2026-03", False)
    assert outreach.baseline_period("2025-12-20T00:00:00+00:00", ps) == ("2025-12", True)
    assert outreach.baseline_period("2026-01-01", []) == (None, False)


def test_matching_by_hand_same_regency_nearest_baseline_within_the_caliper():
    before = villages([
        ("a", "A", "r1", 100, 50),   # targeted, 50 %
        ("b", "B", "r1", 100, 52),   # 2 pp away: a match
        ("c", "C", "r1", 100, 40),   # 10 pp away: outside the caliper
        ("d", "D", "r2", 100, 50),   # same rate, other regency: never a match
        ("e", "E", "r2", 100, 90),   # targeted, nobody comparable in r2
        ("f", "F", "r1", 100, 49),   # 1 pp away: the nearest
    ])
    after = before.copy()
    after["covered"] = [70, 55, 41, 51, 95, 50]
    eff = outreach.effect(before, after, ["a", "e", "zz"], "2026-02-01", ("2026-01", "2026-03"))
    assert list(eff.pairs["match"]) == ["f", "b"] and set(eff.pairs["code"]) == {"a"}
    assert eff.unmatched == ["e"] and eff.no_data == ["zz"]
    assert eff.targeted.villages == 1 and eff.targeted.change_pp == pytest.approx(20.0)
    # comparable: b and f pooled: (55 + 50) / 200 - (52 + 49) / 200
    assert eff.comparable.change_pp == pytest.approx(100 * (105 - 101) / 200)
    assert eff.difference_pp == pytest.approx(20.0 - 2.0)
    assert eff.targeted.new_enrolled == 20 and eff.comparable.per_1000 == pytest.approx(1000 * 4 / 200)
    j = eff.to_json()
    assert j["difference_pp"] == pytest.approx(18.0) and j["targeted"]["villages"] == 1


def synthetic_villages(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    workers = rng.integers(500, 5000, n)
    covered = np.round(workers * rng.uniform(0.3, 0.7, n)).astype(int)
    return villages([(f"v{i:04d}", f"V{i}", f"r{i % 5}", w, c) for i, (w, c) in enumerate(zip(workers, covered))])


@pytest.mark.parametrize("lift", [0.0, 0.08])
def test_an_effect_is_found_when_there_is_one_and_not_when_there_is_none(lift):
    before = synthetic_villages(600, 1)
    rng = np.random.default_rng(2)
    after = before.copy()
    growth = rng.normal(0.02, 0.01, len(after))  # everybody enrols about 2 % of workers
    listed = list(after["code"].iloc[::12])  # 50 villages across the five regencies
    on = after["code"].isin(listed).to_numpy()
    growth[on] += lift
    after["covered"] = np.minimum(after["workers"], np.round(after["covered"] + growth * after["workers"])).astype(int)
    eff = outreach.effect(before, after, listed, "2026-02-03", ("2026-01", "2026-06"))
    assert eff.targeted.villages >= 45 and not eff.unmatched[5:]
    if lift:
        assert eff.difference_pp == pytest.approx(100 * lift, abs=1.5)
    else:
        assert abs(eff.difference_pp) < 0.5


def test_the_period_a_list_was_made_from_is_its_baseline_when_known():
    ps = ["2025-12", "2026-01", "2026-02"]
    assert outreach.baseline_period("2026-02-15", ps, made_from="2025-12") == ("2025-12", False)
    assert outreach.baseline_period("2026-02-15", ps, made_from="2024-01") == ("2026-01", False)
