"""The explorer map rendered to HTML without a browser: what it draws for each view."""
import json
import re

import numpy as np
import pandas as pd
import pytest
from conftest import needs_shared

from geo.analysis import classify, indicators
from geo.analysis import frames as analysis_frames
from geo.core import schema
from geo.figures import demo
from geo.outputs import choropleth, geolayer, maps, palettes
from geo.core.provenance import Provenance

pytestmark = needs_shared


@pytest.fixture(scope="module")
def frames(bali):
    return analysis_frames.build_frames(bali.full, demo.demo_figures(bali))


def _boxes(layers) -> list[str]:
    """The HTML of the legend and title boxes (as the browser will get it)."""
    return [json.loads(c.html) for c in layers._children.values() if isinstance(c, maps.BoxLayer)]


@pytest.fixture(autouse=True, params=geolayer.ENGINES)
def engine(request, monkeypatch):
    """Every test here runs on both map engines."""
    monkeypatch.setenv("GEO_MAP_ENGINE", request.param)
    return request.param


def _records(html: str, name: str = "info") -> dict:
    """The per-area records of the map's areas: {code: [class (-1 no data), [name, ...]]}, colours.

    Inline engine: embedded in the AreaLayer script; values engine: the payload's class string
    and names, read against its layer file's order of areas.
    """
    m = re.search(r"var topo = .*?, info = (\{.*?\}), colors = (\[.*?\])", html, re.S)
    if m:
        return json.loads(m.group(1)), json.loads(m.group(2))
    m = re.search(r"geoEngine\.layer\((\{.*?\}), feature_group", html, re.S)
    payload = json.loads(m.group(1))
    lfile = next(f for f in geolayer._FILES.values() if f.key == payload["key"])
    names = json.loads(lfile.text())["names"]
    info = {code: [-1 if c == "n" else int(c), [payload["names"].get(str(i), names[i])]]
            for i, (code, c) in enumerate(zip(lfile.ids, payload["cls"])) if c != "x"}
    return info, payload["colors"]


def test_rate_choropleth_colours_match_the_legend(bali, frames):
    view = choropleth.View(level="regency", indicator="coverage_rate", scheme="quantiles", k=4)
    html = choropleth.explorer_html(frames["regency"], view, bali, Provenance(source="demo", synthetic=True))
    info, colors = _records(html)
    values = indicators.indicator(frames["regency"], "coverage_rate")
    ref = classify.classify(values, "quantiles", 4)
    assert {c: v[0] for c, v in info.items()} == dict(zip(frames["regency"]["code"], ref.index))
    assert colors == palettes.class_colors(ref, palettes.SEQUENTIAL_GOOD)
    legend = _boxes(choropleth.explorer_layers(frames["regency"], view, bali, Provenance(source="demo", synthetic=True)))[0]
    rows = re.findall(r'background:(#[0-9a-f]{6})"></span><span>([^<]*)</span><span class="cnt">(\d+)<', legend)
    assert [(c, int(n)) for c, _, n in rows] == list(zip(palettes.class_colors(ref, palettes.SEQUENTIAL_GOOD), ref.counts))
    assert rows[0][1] == f"{ref.lower[0]:.1f}% – {ref.upper[0]:.1f}%".replace(".", ",")


def test_synthetic_label_on_the_map_itself(bali, frames):
    view = choropleth.View(level="village")
    title = _boxes(choropleth.explorer_layers(frames["village"], view, bali, Provenance(source="demo", synthetic=True)))[1]
    assert '<div class="geo-synthetic">Data sintetis (demo), bukan data nyata</div>' in title
    real = _boxes(choropleth.explorer_layers(frames["village"], view, bali, Provenance(source="x.csv", synthetic=False)))[1]
    assert "geo-synthetic" not in real and "x.csv" in real

def test_missing_figures_are_hatched_no_data(bali, frames):
    frame = frames["village"].copy()
    frame.loc[frame.index[:25], list(schema.COUNT_COLUMNS)] = pd.NA
    html = choropleth.explorer_html(frame, choropleth.View(level="village"), bali, Provenance(source="demo", synthetic=True))
    info, _ = _records(html)
    assert sum(1 for v in info.values() if v[0] == -1) == 25
    assert "url(#geo-hatch)" in html or json.dumps(maps.NODATA_FILL) in html
    legend = _boxes(choropleth.explorer_layers(frame, choropleth.View(level="village"), bali, Provenance(source="demo", synthetic=True)))[0]
    assert re.search(r'class="sw nodata"></span><span>Tidak ada data</span><span class="cnt">25<', legend)


def test_counts_are_symbols_not_choropleth(bali, frames, engine):
    if engine == "values":  # its circles: test_counts_are_circles_on_the_values_engine
        pytest.skip("the inline engine's SymbolLayer")
    view = choropleth.View(level="village", indicator="uncovered", segment="fisher")
    layers = choropleth.explorer_layers(frames["village"], view, bali, Provenance(source="demo", synthetic=True))
    kinds = [type(c).__name__ for c in layers._children.values()]
    assert "SymbolLayer" in kinds
    info, colors = _records(choropleth.explorer_html(frames["village"], view, bali, Provenance(source="demo", synthetic=True)))
    assert colors == [choropleth.NEUTRAL]  # areas are neutral; circles carry the counts
    symbols = next(c for c in layers._children.values() if type(c).__name__ == "SymbolLayer")
    pts = json.loads(symbols.points)
    fishers = indicators.indicator(frames["village"], "uncovered", "fisher")
    assert len(pts) == int((fishers > 0).sum())
    # circle area proportional to the count: radius^2 / count is one constant, up to the
    # radius's rounding to 0.1 px (circles at the 1.5 px minimum left aside)
    by_code = dict(zip(frames["village"]["code"], fishers))
    lo = max((p[2] - 0.05) ** 2 / by_code[p[3]] for p in pts if p[2] > 1.6)
    hi = min((p[2] + 0.05) ** 2 / by_code[p[3]] for p in pts if p[2] > 1.6)
    assert lo <= hi


def test_density_and_share_are_choropleths(bali, frames):
    f = frames["district"]
    dens = choropleth.map_values(f, choropleth.View(level="district", indicator="uncovered", measure="density"))
    share = choropleth.map_values(f, choropleth.View(level="district", indicator="uncovered", measure="share"))
    unc = indicators.indicator(f, "uncovered")
    assert np.allclose(dens, unc / f["area_km2"])
    assert np.allclose(share, 100 - indicators.indicator(f, "coverage_rate"))
    assert not choropleth.View(indicator="uncovered", measure="density").symbols


def test_gap_to_target_diverges_at_zero(bali, frames):
    view = choropleth.View(level="village", indicator="gap_to_target", target=55.0)
    c = choropleth.classes_for(frames["village"], view)
    assert 0.0 in c.upper
    reds = set(palettes._ramp("RdBu", 10)[:5]) | set(palettes._ramp("Reds", 9))
    assert all(col in reds for col, u in zip(palettes.colors_for(c, view.indicator), c.upper) if u <= 0)


def test_regency_filter_draws_only_its_villages(bali, frames):
    view = choropleth.View(level="village", regency="51.06")
    info, _ = _records(choropleth.explorer_html(frames["village"], view, bali, Provenance(source="demo", synthetic=True)))
    expected = set(bali.full["village"].query("regency_code == '51.06'")["code"])
    assert set(info) == expected and len(expected) == 72


def test_tooltips_formatted_for_language(bali, frames):
    view = choropleth.View(level="regency", lang="id")
    tips = choropleth.tooltip_lines(frames["regency"], view, {})
    text = ["".join(p if isinstance(p, str) else "".join(p) for p in tips["51.03"])]
    assert re.search(r"\d+,\d%", text[0]) and "Pekerja: " in text[0]
    tips_en = choropleth.tooltip_lines(frames["regency"], choropleth.View(level="regency", lang="en"), {})
    text_en = "".join(p if isinstance(p, str) else "".join(p) for p in tips_en["51.03"])
    assert re.search(r"\d+\.\d%", text_en) and "Workers: " in text_en
    assert re.search(r"\d{1,3}(,\d{3})+", text_en) and re.search(r"\d{1,3}(\.\d{3})+", text[0])


def test_hostile_area_names_never_become_markup(bali, frames):
    frame = frames["village"].copy()
    frame.loc[frame.index[0], "name"] = '<img src=x onerror=alert(1)>'
    frame.loc[frame.index[1], "name"] = "${alert(1)}`"
    frame.loc[frame.index[2], "name"] = "</script><script>alert(2)</script>"
    html = choropleth.explorer_html(frame, choropleth.View(level="village"), bali, Provenance(source="demo", synthetic=True))
    assert "<img src=x" not in html and "</script><script>alert(2)" not in html
    info, _ = _records(html)
    assert info[frame["code"].iloc[0]][1][0] == '<img src=x onerror=alert(1)>'  # kept as text


def test_village_map_is_small(bali, frames):
    for view in (choropleth.View(level="village"), choropleth.View(level="village", indicator="uncovered")):
        html = choropleth.explorer_html(frames["village"], view, bali, Provenance(source="demo", synthetic=True))
        assert len(html.encode()) < 400_000


def test_view_checked_rejects_unknown_values():
    v = choropleth.View(level="x", indicator="<script>", segment="y", scheme="z", k=99, basemap="q").checked()
    assert (v.level, v.indicator, v.segment, v.scheme, v.k, v.basemap) == \
        ("regency", "coverage_rate", "all", "quantiles", 9, "light")


def test_counts_are_circles_on_the_values_engine(bali, frames, engine):
    """Circle area proportional to the count (radius² / count one constant, up to rounding),
    no circle for nobody; the areas under them neutral."""
    if engine != "values":
        pytest.skip("the values engine's payload")
    view = choropleth.View(level="village", indicator="uncovered", segment="fisher")
    html = choropleth.explorer_html(frames["village"], view, bali, Provenance(source="demo", synthetic=True))
    payload = json.loads(re.search(r"geoEngine\.layer\((\{.*?\}), feature_group", html, re.S).group(1))
    assert payload["colors"] == [choropleth.NEUTRAL]
    lfile = next(f for f in geolayer._FILES.values() if f.key == payload["key"])
    fishers = dict(zip(frames["village"]["code"], indicators.indicator(frames["village"], "uncovered", "fisher")))
    rad = dict(zip(lfile.ids, payload["rad"]))
    assert sum(r > 0 for r in rad.values()) == sum(v > 0 for v in fishers.values())
    assert all((rad[c] > 0) == (v > 0) for c, v in fishers.items())
    lo = max((r - 0.05) ** 2 / fishers[c] for c, r in rad.items() if r > 1.6)
    hi = min((r + 0.05) ** 2 / fishers[c] for c, r in rad.items() if r > 1.6)
    assert lo <= hi
