"""Classes and legends: edge cases, and bounds and counts checked against mapclassify itself."""
import mapclassify
import numpy as np
import pandas as pd
import pytest

from geo.analysis import classify
from geo.outputs import palettes

rng = np.random.default_rng(7)
VALUES = pd.Series(rng.gamma(2.0, 50.0, 300))


@pytest.mark.parametrize("scheme, cls", [("quantiles", mapclassify.Quantiles),
                                         ("equal_interval", mapclassify.EqualInterval)])
@pytest.mark.parametrize("k", [3, 5, 9])
def test_bounds_and_counts_match_mapclassify(scheme, cls, k):
    c = classify.classify(VALUES, scheme, k)
    ref = cls(VALUES.to_numpy(), k=k)
    assert c.upper == pytest.approx(list(ref.bins))
    assert c.counts == list(ref.counts)
    assert (c.index.to_numpy() == ref.yb).all()
    colors = palettes.class_colors(c, palettes.SEQUENTIAL_GOOD)
    assert len(colors) == k == len(set(colors))


def test_natural_breaks_exact_for_small_inputs():
    small = VALUES.iloc[:150]
    c = classify.classify(small, "natural_breaks", 4)
    ref = mapclassify.FisherJenks(small.to_numpy(), k=4)
    assert c.upper == pytest.approx(list(ref.bins)) and c.counts == list(ref.counts)
    assert c.note is None


def test_natural_breaks_on_quantile_sample_for_large_inputs():
    big = pd.Series(np.concatenate([rng.normal(10, 1, 300), rng.normal(50, 2, 250), rng.normal(90, 2, 250)]))
    c = classify.classify(big, "natural_breaks", 3)
    assert c.note == "jenks_sampled"
    assert c.upper[0] < 42 and 50 < c.upper[1] < 82  # class tops fall in the gaps between groups
    assert c.counts == [300, 250, 250]


def test_missing_values_are_no_data_not_a_class():
    s = pd.Series([1.0, np.nan, 3.0, None, 5.0, 7.0, np.inf])
    c = classify.classify(s, "quantiles", 3)
    assert c.index.tolist()[1] == -1 and c.index.tolist()[3] == -1 and c.index.tolist()[6] == -1
    assert c.nodata == 3 and sum(c.counts) == 4


def test_all_values_equal_gives_one_class():
    c = classify.classify(pd.Series([5.0] * 6), "equal_interval", 5)
    assert c.k == 1 and c.counts == [6] and c.lower == c.upper == [5.0]
    assert classify.labels(c, str) == ["5.0"]


def test_fewer_distinct_values_than_classes():
    c = classify.classify(pd.Series([1, 1, 2, 2, 3.0]), "quantiles", 5)
    assert c.upper == [1.0, 2.0, 3.0] and c.counts == [2, 2, 1] and c.note == "distinct"


def test_single_area():
    c = classify.classify(pd.Series([42.0]), "natural_breaks", 5)
    assert c.k == 1 and c.counts == [1] and c.index.tolist() == [0]


def test_all_missing():
    c = classify.classify(pd.Series([np.nan, np.nan]), "quantiles", 5)
    assert c.k == 0 and c.nodata == 2


def test_k_is_clamped_to_3_to_9():
    assert classify.classify(VALUES, "quantiles", 2).k == 3
    assert classify.classify(VALUES, "quantiles", 20).k == 9


def test_user_defined_breaks_add_the_maximum():
    c = classify.classify(pd.Series([1, 2, 3, 4, 5, 6.0]), "user_defined", 5, breaks=[2, 4])
    assert c.upper == [2.0, 4.0, 6.0] and c.counts == [2, 2, 2]
    with pytest.raises(ValueError):
        classify.classify(VALUES, "user_defined", 5, breaks=[])


def test_box_map_flags_outliers():
    s = pd.Series(list(range(1, 21)) + [200.0])
    c = classify.classify(s, "box_map", 5)
    assert c.k == 6 and c.counts[5] == 1 and c.counts[0] == 0
    q1, q3 = np.percentile(s, [25, 75])
    assert c.upper[0] == pytest.approx(q1 - 1.5 * (q3 - q1)) and c.upper[4] == pytest.approx(q3 + 1.5 * (q3 - q1))
    assert c.index.iloc[-1] == 5


def test_diverging_classes_never_straddle_the_centre():
    s = pd.Series(np.linspace(-30, 10, 41))
    c = classify.classify(s, "quantiles", 5, diverging_center=0.0)
    colors = palettes.class_colors(c, "RdBu")
    assert 0.0 in c.upper
    below = [col for col, u in zip(colors, c.upper) if u <= 0]
    above = [col for col, u in zip(colors, c.upper) if u > 0]
    reds, blues = set(palettes._ramp("RdBu", 10)[:5]), set(palettes._ramp("RdBu", 10)[5:])
    assert below and set(below) <= reds and set(above) <= blues


def test_diverging_with_many_classes_on_one_side():
    c = classify.classify(pd.Series(np.linspace(-50, -1, 60)), "quantiles", 9,
                          diverging_center=0.0)
    assert c.k == 9 and len(set(palettes.class_colors(c, "RdBu"))) == 9


def test_parse_breaks():
    assert classify.parse_breaks("60; 40,5;50") == [40.5, 50.0, 60.0]
    assert classify.parse_breaks("1.5; 2") == [1.5, 2.0]
    with pytest.raises(ValueError, match="abc"):
        classify.parse_breaks("10; abc")


def test_legend_of_repeated_values_says_what_each_class_holds():
    # 12 villages at exactly 40 %, 35 spread over (40, 50]: the first quintile break is 40 itself
    from geo.core import i18n
    values = pd.Series([40.0] * 12 + list(np.linspace(41.2, 50.0, 35)))
    c = classify.classify(values, "quantiles", 5)
    fmt = lambda v: i18n.fmt_pct(v, "id")  # noqa: E731
    got = classify.labels(c, fmt)
    assert got[0] == "40,0%" and c.counts[0] == 12  # a class of one value reads as that value
    assert got[1].startswith("41,2%")  # the next class starts where its values start ...
    assert not any(label.startswith("40,0% –") for label in got[1:])  # ... never at 40,0 %
    for i, label in enumerate(got[1:], start=1):  # every class starts at the least value it holds
        held = values[c.index == i]
        assert label.split(" – ")[0] == fmt(held.min()), (label, held.min())


def test_legend_says_above_when_the_least_value_reads_as_the_previous_bound():
    from geo.core import i18n
    values = pd.Series([40.0] * 5 + [40.01] * 3 + [45.0, 50.0, 48.0, 49.0])
    c = classify.classify(values, "user_defined", breaks=[40.0, 45.0])
    got = classify.labels(c, lambda v: i18n.fmt_pct(v, "en"))
    assert got == ["40.0%", "> 40.0% – 45.0%", "48.0% – 50.0%"]
