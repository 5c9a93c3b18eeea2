"""Indicators and aggregation on small hand-made hierarchies with answers worked out by hand."""
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import box

from geo.analysis import disclosure
from geo.analysis import frames as analysis_frames
from geo.analysis import indicators as ind
from geo.figures import model as figures_model


def layers():
    """Province 99: regency 99.01 with districts 99.01.01 (2 villages) and 99.01.02 (1 village)."""
    v = ["99.01.01.2001", "99.01.01.2002", "99.01.02.2001"]
    mk = lambda codes, **cols: gpd.GeoDataFrame({"code": codes, "name": codes, **cols},  # noqa: E731
                                                 geometry=[box(i, 0, i + 1, 1) for i in range(len(codes))], crs=4326)
    return {"regency": mk(["99.01"]),
            "district": mk(["99.01.01", "99.01.02"], regency_code=["99.01"] * 2),
            "village": mk(v, regency_code=["99.01"] * 3, district_code=["99.01.01", "99.01.01", "99.01.02"],
                          kind=["desa"] * 3, area_km2=[1.0, 2.0, 4.0])}


def test_rates_are_recomputed_from_sums_not_averaged():
    data = pd.DataFrame({"code": ["99.01.01.2001", "99.01.01.2002"], "workers": [100, 900], "covered": [90, 90]})
    sums = analysis_frames.aggregate(data, "village", layers())
    d = sums["district"].set_index("code")
    assert d.loc["99.01.01", "workers"] == 1000 and d.loc["99.01.01", "covered"] == 180
    rate = ind.indicator(sums["district"], "coverage_rate").iloc[0]
    assert rate == pytest.approx(18.0)  # not (90 % + 10 %) / 2 = 50 %


def test_partly_reported_areas_carry_completeness_and_missing_is_no_data():
    data = pd.DataFrame({"code": ["99.01.01.2001"], "workers": [100], "covered": [50]})
    frames = analysis_frames.build_frames(layers(), figures_model.Figures(data, "village", "t"))
    reg = frames["regency"].iloc[0]
    assert (reg["reported"], reg["parts"]) == (1, 3) and reg["completeness"] == pytest.approx(1 / 3)
    v = frames["village"].set_index("code")
    assert pd.isna(v.loc["99.01.02.2001", "workers"])  # no data, never zero
    assert np.isnan(ind.indicator(frames["district"], "coverage_rate").iloc[1])


def test_district_figures_are_not_spread_to_villages():
    data = pd.DataFrame({"code": ["99.01.01"], "workers": [1000], "covered": [500]})
    frames = analysis_frames.build_frames(layers(), figures_model.Figures(data, "district", "t"))
    assert frames["village"]["workers"].isna().all()
    assert frames["regency"]["workers"].iloc[0] == 1000


def test_vulnerable_sums_non_wage_segments_present():
    df = pd.DataFrame({"workers_farmer": [10, None], "covered_farmer": [5, None],
                       "workers_fisher": [4, None], "covered_fisher": [1, None],
                       "workers_wage": [100, 7], "covered_wage": [100, 7]})
    w, c = ind.counts(df, "vulnerable")
    assert w.tolist()[0] == 14 and c.tolist()[0] == 6 and math.isnan(w.tolist()[1])


@given(st.integers(0, 10**7), st.integers(0, 10**7), st.floats(0, 100).map(lambda x: round(x, 2)))
def test_people_to_target_is_the_least_number_that_reaches_it(workers, covered, target):
    covered = min(covered, workers)
    need = ind.people_to_target(pd.Series([workers]), pd.Series([covered]), target).iloc[0]
    reach = lambda n: (covered + n) * 10_000 >= round(target * 100) * workers  # noqa: E731 (exact)
    assert need >= 0 and reach(need) and (need == 0 or not reach(need - 1))


def test_small_counts_rule():
    assert disclosure.is_small(3, 5) and not disclosure.is_small(0, 5) and not disclosure.is_small(5, 5)
    assert not disclosure.is_small(None, 5) and not disclosure.is_small(3, 0)


def test_measured_is_one_rule_for_map_and_clusters():
    """Density per km² and share of the segment's workers; no size or no workers is no value."""
    from geo.analysis import indicators
    frame = pd.DataFrame({"workers": pd.array([10, None, 0, 8], dtype="Int64"),
                          "covered": pd.array([5, None, 0, 2], dtype="Int64"),
                          "area_km2": [2.0, 0.0, None, 4.0]})
    people = pd.Series([5.0, np.nan, 0.0, 6.0])
    assert indicators.measured(people, frame, "all", "count").equals(people)
    np.testing.assert_allclose(indicators.measured(people, frame, "all", "density").to_numpy(dtype=float),
                               [2.5, np.nan, np.nan, 1.5])
    np.testing.assert_allclose(indicators.measured(people, frame, "all", "share").to_numpy(dtype=float),
                               [50.0, np.nan, np.nan, 75.0])
    with pytest.raises(ValueError):
        indicators.measured(people, frame, "all", "per_capita")
