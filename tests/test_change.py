"""Change between two periods: the arithmetic by hand, every level, the change map (HTML and
PNG), and the synthetic label."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import needs_shared

from geo.analysis import change, frames
from geo.core.provenance import Provenance
from geo.figures.model import Figures
from geo.outputs import changemap


def small(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["code", "name", "workers", "covered"])


def test_change_by_hand_on_three_villages():
    before = small([("a", "A", 100, 50), ("b", "B", 200, 100), ("c", "C", 50, 10)])
    after = small([("a", "A", 110, 66), ("b", "B", 200, 90), ("c", "C", None, None), ("d", "D", 10, 1)])
    t = change.compare(before, after).set_index("code")
    assert t.loc["a", "change_pp"] == pytest.approx(60.0 - 50.0)
    assert t.loc["a", "new_enrolled"] == 16 and t.loc["a", "uncovered_change"] == 44 - 50
    assert t.loc["b", "change_pp"] == pytest.approx(-5.0) and t.loc["b", "new_enrolled"] == -10
    assert np.isnan(t.loc["c", "change_pp"]) and np.isnan(t.loc["d", "change_pp"])  # one period only: no change
    ch = change.Change(table=change.compare(before, after), level="village", segment="all", before="2025-12",
                       after="2026-03", provenance=Provenance())
    assert list(ch.fell()["code"]) == ["b"] and list(ch.rose()["code"]) == ["a"]
    s = ch.summary()
    assert (s["fell"], s["rose"], s["no_data"], s["new_enrolled"]) == (1, 1, 2, 6.0)


def test_a_segment_is_compared_on_its_own_columns():
    before = pd.DataFrame({"code": ["a"], "name": ["A"], "workers_fisher": [40], "covered_fisher": [10]})
    after = pd.DataFrame({"code": ["a"], "name": ["A"], "workers_fisher": [40], "covered_fisher": [14]})
    t = change.compare(before, after, "fisher")
    assert t["change_pp"].iloc[0] == pytest.approx(10.0) and t["new_enrolled"].iloc[0] == 4
    with pytest.raises(ValueError, match="segment"):
        change.compare(before, after, "sailor")


def later(figures: Figures, period: str, factor: float, seed: int = 0) -> Figures:
    """The same areas a few months later: every segment's covered scaled by ``factor`` ± noise."""
    rng = np.random.default_rng(seed)
    d = figures.data.copy()
    segs = [c[len("covered_"):] for c in d if c.startswith("covered_")]
    for s in segs:
        w = d[f"workers_{s}"].astype(float)
        d[f"covered_{s}"] = np.minimum(w, np.round(d[f"covered_{s}"].astype(float) * factor
                                                    * rng.uniform(0.98, 1.02, len(d)))).astype("Int64")
    d["covered"] = d[[f"covered_{s}" for s in segs]].sum(axis=1).astype("Int64")
    return replace(figures, data=d, period=period)


@pytest.fixture(scope="module")
def two_periods(bali):
    from geo.figures import demo
    first = replace(demo.demo_figures(bali), period="2025-12")
    return frames.coverage(bali.full, first), frames.coverage(bali.full, later(first, "2026-03", 1.04))


@needs_shared
def test_every_level_adds_up_and_is_labelled_synthetic(two_periods):
    a, b = two_periods
    net = {}
    for level in ("regency", "district", "village"):
        ch = change.change(a, b, level)
        assert ch.provenance.synthetic and ch.provenance.period == "2025-12–2026-03"
        assert ch.table["change_pp"].notna().all()
        net[level] = ch.table["new_enrolled"].sum()
        # the rate change is from each period's sums, never averaged
        r = ch.table.iloc[0]
        assert r["change_pp"] == pytest.approx(100 * r["covered_after"] / r["workers_after"]
                                               - 100 * r["covered_before"] / r["workers_before"])
    assert net["regency"] == net["district"] == net["village"] > 0
    seg = change.by_segment(a["regency"], b["regency"])
    assert seg.set_index("segment").loc["all", "new_enrolled"] == net["village"]


def test_real_periods_stay_real_and_one_synthetic_period_makes_the_change_synthetic():
    f = pd.DataFrame({"code": ["51.01"], "name": ["X"], "workers": [10], "covered": [5]})
    real = frames.Coverage({"regency": f}, Provenance("a.csv", False, "2025-12"), "regency")
    fake = frames.Coverage({"regency": f}, Provenance("demo", True, "2026-01"), "regency")
    assert not change.change(real, real, "regency", periods=("2025-12", "2026-01")).provenance.synthetic
    mixed = change.change(real, fake, "regency")
    assert mixed.provenance.synthetic and mixed.provenance.source == "a.csv → demo"
    assert (mixed.before, mixed.after) == ("2025-12", "2026-01")


def test_change_classes_are_symmetric_and_centred_on_zero():
    v = pd.Series([-9.0, -3.0, -0.5, 0.0, 0.01, 0.5, 3.0, 9.0, np.nan])
    cls, (step,) = changemap.change_classes(v)
    assert step == 5.0  # a round number near a third of the largest |change| (9)
    assert cls.tolist() == [1, 2, 2, 3, 3, 4, 4, 5, -1]
    cls2, _ = changemap.change_classes(-v)
    known = v.notna()
    assert (cls2[known] == 6 - cls[known]).all()  # a fall and a rise of the same size: mirrored classes
    labels = changemap.class_labels(step, "en")
    assert len(labels) == 7 and labels[3].startswith("no change")


@needs_shared
@pytest.mark.parametrize("indicator", changemap.INDICATORS)
def test_change_map_html_and_png_name_both_periods_offline_and_synthetic(bali, two_periods, indicator):
    a, b = two_periods
    ch = change.change(a, b, "village")
    html = changemap.change_html(ch, bali, "en", indicator)
    assert "Dec 2025 → Mar 2026" in html and "Synthetic" in html
    import re
    assert not re.findall(r'<script[^>]+src="https?://', html) and not re.findall(r'<link[^>]+href="https?://', html)
    png = changemap.change_png(ch, bali, "id", indicator, size=(800, 600))
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000


@needs_shared
def test_villages_whose_coverage_fell_are_listed(bali, two_periods):
    a, _ = two_periods
    first = a.frames
    d = first["village"].copy()
    fell = d["code"].iloc[:5].tolist()
    d.loc[d["code"].isin(fell), "covered"] = (d.loc[d["code"].isin(fell), "covered"] * 0.5).round().astype("Int64")
    after = frames.Coverage({**first, "village": d}, a.provenance, "village")
    ch = change.change(a, after, "village", periods=("2025-12", "2026-01"))
    assert sorted(ch.fell()["code"]) == sorted(fell)
    assert (ch.fell()["change_pp"] < -5).all()
