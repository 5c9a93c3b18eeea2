"""Clusters of change: Mann-Kendall by hand, the emerging hot spot categories one by one,
differential local Moran and emerging hot spots on nulls that look like real changes (many
zeros, ties) and on a planted trend."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import needs_shared
from scipy import stats

from geo.analysis import clusters, trends


# ---------------------------------------------------------------- Mann-Kendall


def test_mann_kendall_by_hand_with_ties():
    # pairs of [1, 2, 2, 3]: five rising, one tie -> S = 5; Var = (4*3*13 - 2*1*9) / 18
    mk = trends.mann_kendall([1, 2, 2, 3])
    assert mk.s == 5 and mk.var_s == pytest.approx((156 - 18) / 18)
    z = (5 - 1) / np.sqrt((156 - 18) / 18)
    assert mk.z == pytest.approx(z) and mk.p == pytest.approx(2 * stats.norm.sf(z))
    assert mk.trend() == "no trend"


def test_mann_kendall_without_ties_agrees_with_kendalls_tau_against_time():
    x = np.random.default_rng(3).normal(size=12).cumsum()
    mk = trends.mann_kendall(x)
    tau = stats.kendalltau(np.arange(12), x).statistic
    assert mk.tau == pytest.approx(tau)
    assert trends.mann_kendall(np.arange(10.0)).trend() == "increasing"
    assert trends.mann_kendall(-np.arange(10.0)).trend() == "decreasing"
    flat = trends.mann_kendall([2.0] * 8)
    assert flat.p == 1.0 and flat.trend() == "no trend"


# ---------------------------------------------------------------- the categories


H, C, _ = True, "cold", False


def cat(pattern: str, trend: str = "no trend") -> str:
    hot = np.array([ch == "H" for ch in pattern])
    cold = np.array([ch == "C" for ch in pattern])
    return trends.classify_series(hot, cold, trend)


@pytest.mark.parametrize("pattern, trend, expected", [
    ("..........", "no trend", "no pattern"),
    (".........H", "no trend", "new hot spot"),
    ("......HHHH", "no trend", "consecutive hot spot"),
    ("HHHHHHHHHH", "increasing", "intensifying hot spot"),
    ("HHHHHHHHHH", "no trend", "persistent hot spot"),
    ("HHHHHHHHHH", "decreasing", "diminishing hot spot"),
    (".H.H..H..H", "no trend", "sporadic hot spot"),
    ("H...HH...H", "no trend", "sporadic hot spot"),  # hot before the last run: not consecutive
    ("C.C..H...H", "no trend", "oscillating hot spot"),
    ("HHHHHHHHHH.", "no trend", "historical hot spot"),
    ("HHHHHHHHH.", "no trend", "historical hot spot"),  # 90 %
    ("HHHHHHHH..", "no trend", "no pattern"),  # 80 % and not hot at the end
    (".........C", "no trend", "new cold spot"),
    ("CCCCCCCCCC", "decreasing", "intensifying cold spot"),
    ("CCCCCCCCCC", "increasing", "diminishing cold spot"),
    ("H.H..C...C", "no trend", "oscillating cold spot"),
])
def test_categories_as_arcgis_defines_them(pattern, trend, expected):
    assert cat(pattern, trend) == expected


# ---------------------------------------------------------------- on Bali's villages


def zero_inflated(n: int, rng, zeros: float = 0.75) -> np.ndarray:
    return np.where(rng.random(n) < zeros, 0.0, np.ceil(rng.lognormal(4.0, 1.2, n)))


def frame_of(villages: pd.DataFrame, uncovered: np.ndarray, workers: np.ndarray) -> pd.DataFrame:
    f = villages[["code", "name", "regency_code", "district_code", "geometry"]].copy()
    f["workers"] = pd.array(workers.astype(int), dtype="Int64")
    f["covered"] = pd.array((workers - uncovered).astype(int), dtype="Int64")
    return f


@pytest.fixture(scope="module")
def villages(bali):
    return bali.full["village"].reset_index(drop=True)


@pytest.fixture(scope="module")
def queen(villages):
    from geo.analysis import weights as wts
    return wts.build(villages, "queen")


def neighbourhood(villages: pd.DataFrame, centre: str, k: int = 12) -> np.ndarray:
    """The ``k`` villages nearest to ``centre`` (centroids), itself included."""
    pts = villages.geometry.to_crs(32750).centroid
    c = pts[villages["code"] == centre].iloc[0]
    return np.argsort(pts.distance(c).to_numpy())[:k]


@needs_shared
@pytest.mark.parametrize("variable", trends.VARIABLES)
def test_differential_moran_on_shuffled_zero_inflated_changes_flags_almost_nothing(villages, queen, variable):
    flagged = []
    for seed in range(3):
        rng = np.random.default_rng(seed)
        n = len(villages)
        workers = np.full(n, 5000.0)
        before_unc = np.full(n, 2000.0)
        change = zero_inflated(n, rng)  # most villages did not move, a few moved a lot
        change *= np.where(rng.random(n) < 0.5, -1, 1)
        before = frame_of(villages, before_unc, workers)
        after = frame_of(villages, before_unc + change, workers)
        d = trends.differential_moran(before, after, variable, w=queen, seed=seed)
        flagged.append(d.table["significant"].mean())
    assert max(flagged) <= 0.01, flagged


@needs_shared
def test_differential_moran_finds_a_planted_fall(villages, queen):
    rng = np.random.default_rng(7)
    n = len(villages)
    workers = np.full(n, 4000.0)
    before_unc = rng.integers(1500, 2500, n).astype(float)
    change = np.where(rng.random(n) < 0.7, 0.0, rng.normal(0, 20, n)).round()
    block = neighbourhood(villages, "51.08.01.2001" if (villages["code"] == "51.08.01.2001").any()
                          else villages["code"].iloc[300])
    change[block] += 600  # uncovered up by 600 of 4,000: coverage fell by 15 points there
    before = frame_of(villages, before_unc, workers)
    after = frame_of(villages, before_unc + change, workers)
    d = trends.differential_moran(before, after, "rate", w=queen)
    low = set(d.table.loc[d.table["label"] == clusters.LL, "code"])
    planted = set(villages["code"].iloc[block])
    assert len(low & planted) >= 6, (len(low & planted), d.counts())
    assert len(low - planted) <= 3  # hardly anything found outside the planted block


def series_of(villages, values: np.ndarray, workers: np.ndarray) -> list[tuple[str, pd.DataFrame]]:
    periods = [f"2026-{m:02d}" for m in range(1, values.shape[1] + 1)]
    return [(p, frame_of(villages, values[:, t], workers)) for t, p in enumerate(periods)]


@needs_shared
def test_emerging_hot_spots_on_zero_inflated_counts_shuffled_each_period_find_almost_no_pattern(villages, queen):
    rng = np.random.default_rng(11)
    n, T = len(villages), 8
    values = np.column_stack([zero_inflated(n, rng) for _ in range(T)])
    workers = values.max(axis=1) + 100
    e = trends.emerging_hot_spots(series_of(villages, values, workers), villages, "all", w=queen)
    patterned = (e.table["category"] != trends.NO_PATTERN).mean()
    assert patterned <= 0.02, e.counts()
    assert not e.table["category"].str.contains("intensifying|persistent").any()


@needs_shared
def test_emerging_hot_spots_find_a_planted_growing_cluster(villages, queen):
    rng = np.random.default_rng(5)
    n, T = len(villages), 10
    base = zero_inflated(n, rng)
    values = np.column_stack([base + rng.integers(0, 3, n) for _ in range(T)])
    block = neighbourhood(villages, villages["code"].iloc[450], 14)
    for t in range(T):
        values[block, t] += 60 * t  # uncovered fishers piling up, period after period
    workers = values.max(axis=1) + 100
    e = trends.emerging_hot_spots(series_of(villages, values, workers), villages, "all", w=queen)
    cats = e.table.set_index("code")["category"]
    planted = cats.loc[villages["code"].iloc[block]]
    emerging = planted.isin(["new hot spot", "consecutive hot spot", "intensifying hot spot"])
    assert emerging.sum() >= 8, planted.value_counts()
    elsewhere = cats.drop(planted.index)
    assert (elsewhere.str.contains("hot spot")).sum() <= 10, elsewhere.value_counts()


def test_too_few_periods_are_refused(bali):
    v = bali.full["village"]
    f = frame_of(v, np.zeros(len(v)), np.full(len(v), 10.0))
    with pytest.raises(clusters.Refusal) as exc:
        trends.emerging_hot_spots([(f"2026-0{m}", f) for m in range(1, 4)], v)
    assert exc.value.key == "ch_refuse_periods"


@needs_shared
def test_the_demo_historys_emerging_cluster_of_uncovered_fishers_is_found(bali):
    from geo.analysis import frames
    from geo.figures import demo_history
    h = demo_history.demo_history(bali, end="2026-11")
    series = [(p, frames.coverage(bali.full, h.for_period(p))["village"]) for p in h.periods]
    e = trends.emerging_hot_spots(series, bali.full["village"], "fisher")
    assert len(e.table) < 300  # among the fishers' own villages, not all 716
    cats = e.table.set_index("code")["category"]
    planted = cats.loc[demo_history.cluster_codes(h)]
    assert planted.isin(["new hot spot", "consecutive hot spot", "intensifying hot spot"]).sum() >= 4, planted
    others = cats.drop(planted.index)
    assert others.isin(["new hot spot", "consecutive hot spot", "intensifying hot spot"]).sum() <= 3, \
        others.value_counts()
