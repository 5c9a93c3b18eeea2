"""One spec, every renderer: the web map (both engines), the PNG and the PDF brief draw the
same :class:`MapSpec`, so their classes, counts, labels and synthetic label agree."""
import dataclasses
import json
import re

import pytest
from conftest import needs_shared
from matplotlib.figure import Figure

from geo.analysis import frames as analysis_frames
from geo.core.provenance import Provenance
from geo.figures import demo
from geo.outputs import choropleth, geolayer, leaflet, maps, png

pytestmark = needs_shared

DEMO = Provenance(source="demo", synthetic=True)
UPLOAD = Provenance(source="angka_mei.xlsx", synthetic=False)
VIEWS = [
    choropleth.View(level="regency", indicator="coverage_rate", scheme="quantiles", k=4),
    choropleth.View(level="district", indicator="gap_to_target", scheme="equal_interval", lang="en"),
    choropleth.View(level="village", indicator="uncovered", segment="fisher"),  # circles
    choropleth.View(level="village", indicator="coverage_rate", regency="51.08", k=3, lang="en"),
]


@pytest.fixture(scope="module")
def frames(bali):
    figures = demo.demo_figures(bali)
    data = figures.data[~figures.data["code"].str.startswith("51.02.")]  # a regency without figures: no data
    return analysis_frames.build_frames(bali.full, dataclasses.replace(figures, data=data))


def _legend_rows(layers) -> tuple[list[str], list[int]]:
    """The legend box of the web map: each class's label and count (then "no data")."""
    box = next(json.loads(c.html) for c in layers._children.values()
               if isinstance(c, maps.BoxLayer) and "geo-legend" in c.css_class)
    rows = re.findall(r'<span>([^<]*)</span>(?:<span class="cnt">(\d+)</span>)?', box)
    return [r[0] for r in rows], [int(r[1]) if r[1] else -1 for r in rows]


def _png_legend(spec) -> list[str]:
    fig = Figure()
    png.offscreen_canvas(fig)
    lax = fig.add_axes([0, 0, 1, 1])
    png.draw_legend(lax, spec)
    return [t.get_text() for t in lax.get_legend().get_texts()]


@pytest.mark.parametrize("engine", geolayer.ENGINES)
@pytest.mark.parametrize("view", VIEWS, ids=lambda v: f"{v.level}-{v.indicator}")
def test_web_map_and_png_draw_the_same_legend(bali, frames, view, engine):
    spec = choropleth.explorer_spec(frames[view.level], view, bali, DEMO)
    layers = leaflet.layers(spec, bali, engine=engine)
    labels, counts = _legend_rows(layers)
    on_png = _png_legend(spec)
    if spec.symbols is None:
        assert labels[:-1] == spec.labels and counts[:-1] == spec.counts
        assert on_png[:len(spec.labels)] == [f"{lab}   ({n})" for lab, n in zip(spec.labels, spec.counts)]
    else:  # the reference circles
        assert labels[:-1] == [lab for _, lab in spec.symbol_legend]
        assert on_png[:len(spec.symbol_legend)] == labels[:-1]
    assert labels[-1] == spec.nodata_label and counts[-1] == spec.nodata_count
    assert on_png[-2] == f"{spec.nodata_label}   ({spec.nodata_count})"
    assert (spec.nodata_count > 0) == (view.regency is None)  # Badung has no figures: counted in both


def test_classes_on_screen_are_the_specs(bali, frames):
    view = VIEWS[1]
    spec = choropleth.explorer_spec(frames[view.level], view, bali, DEMO)
    html = choropleth.explorer_html(frames[view.level], view, bali, DEMO, engine="values")
    payload = json.loads(re.search(r"geoEngine\.layer\((\{.*?\}), feature_group", html, re.S).group(1))
    lfile = next(f for f in geolayer._FILES.values() if f.key == payload["key"])
    on_screen = {code: (-1 if c == "n" else int(c)) for code, c in zip(lfile.ids, payload["cls"]) if c != "x"}
    assert on_screen == dict(zip(spec.areas["code"], spec.areas["cls"]))
    assert payload["colors"] == spec.colors


@pytest.mark.parametrize("prov", [DEMO, UPLOAD], ids=["synthetic", "uploaded"])
def test_synthetic_label_comes_from_the_provenance(bali, frames, prov):
    view = VIEWS[0]
    spec = choropleth.explorer_spec(frames[view.level], view, bali, prov)
    layers = leaflet.layers(spec, bali)
    title = next(json.loads(c.html) for c in layers._children.values()
                 if isinstance(c, maps.BoxLayer) and "geo-title" in c.css_class)
    assert spec.synthetic_label == prov.label("id")
    assert ("geo-synthetic" in title) is prov.synthetic
    assert prov.source in spec.source_line and prov.source in title


def test_circles_are_sized_the_same_on_screen_and_on_paper(bali, frames):
    view = VIEWS[2]
    spec = choropleth.explorer_spec(frames[view.level], view, bali, DEMO)
    on_screen = leaflet.radii(spec)
    on_paper = png.symbol_points(spec)
    assert on_screen.idxmax() == spec.symbols["code"].iloc[on_paper.to_numpy().argmax()]
    drawn = on_screen.to_numpy() > 0
    assert (drawn == (on_paper.to_numpy() > 0)).all()  # a village with nobody uncovered: no circle in either
    ratio = on_screen.to_numpy()[drawn] / leaflet.MAX_RADIUS_PX
    assert abs(ratio - on_paper.to_numpy()[drawn] / png.SYMBOL_MAX_PT).max() < 0.07  # only the floors differ
