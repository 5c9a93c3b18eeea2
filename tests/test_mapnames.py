"""Names on the static maps (PNG, PDF brief): the right level's names, none overlapping another
or the map's edge, villages only when few enough to read."""
from __future__ import annotations

import itertools

import pandas as pd
import pytest
from conftest import needs_shared

from geo.core.provenance import Provenance
from geo.outputs import choropleth, mapnames, png
from geo.outputs.mapspec import MapSpec


@pytest.fixture(scope="module")
def demo_frames(bali):
    from geo.analysis import frames
    from geo.figures import demo
    fig = demo.demo_figures(bali)
    return fig, frames.build_frames(bali.full, fig)


def _draw(spec: MapSpec, size=(16, 12)):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=size, dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_axes([0.02, 0.07, 0.68, 0.8])
    drawn = png.draw_map(ax, spec, 1.0)
    renderer = fig.canvas.get_renderer()
    return ax, drawn, [t.get_window_extent(renderer) for t in drawn]


def _assert_legible(ax, boxes):
    frame = ax.get_window_extent()
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), "two names overlap"
    for box in boxes:
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1


@needs_shared
@pytest.mark.parametrize("level,regency,kind,expect_at_least", [
    ("regency", None, "regency", 9),
    ("district", None, "district", 40),
    ("village", None, "regency", 8),  # 716 villages: the regencies are named instead
    ("village", "51.71", "village", 30),  # Denpasar's 43 villages
])
def test_png_names_the_view_level_without_overlaps(bali, demo_frames, level, regency, kind, expect_at_least):
    _, frames = demo_frames
    view = choropleth.View(level=level, regency=regency, lang="id")
    spec = choropleth.explorer_spec(frames[level], view, bali, Provenance(source="demo", synthetic=True))
    assert spec.names_kind == kind
    ax, drawn, boxes = _draw(spec)
    layer = bali.full[kind]
    if regency:
        layer = layer[layer["code"].str.startswith(regency + ".")]
    official = {mapnames._short(n) for n in layer["name"]}
    texts = [t.get_text() for t in drawn]
    assert len(texts) >= expect_at_least, texts
    assert set(texts) <= official
    _assert_legible(ax, boxes)
    if level == "regency":
        assert "Buleleng" in texts and "Kota Denpasar" in texts


@needs_shared
def test_crowded_names_are_skipped_not_overprinted(bali, demo_frames):
    """Every village of Bali named at once: most cannot fit, and none of those printed overlap."""
    _, frames = demo_frames
    view = choropleth.View(level="village", lang="en")
    spec = choropleth.explorer_spec(frames["village"], view, bali, Provenance(source="demo", synthetic=True))
    spec.names, spec.names_kind = mapnames.names_table(bali.web["village"]), "village"
    ax, drawn, boxes = _draw(spec)
    assert 30 < len(drawn) < 716
    _assert_legible(ax, boxes)
    # the largest village is placed first, so it is always named
    biggest = bali.web["village"].sort_values("area_km2").iloc[-1]["name"]
    assert biggest in [t.get_text() for t in drawn]


def test_names_at_one_spot_keep_one():
    import geopandas as gpd
    from shapely.geometry import box
    areas = gpd.GeoDataFrame({"code": ["a"], "cls": [0]}, geometry=[box(115.0, -8.5, 115.2, -8.3)], crs=4326)
    names = pd.DataFrame({"lon": [115.1] * 5, "lat": [-8.4] * 5, "text": list("VWXYZ"),
                          "priority": [1, 5, 3, 2, 4]})
    spec = MapSpec(areas=areas, colors=["#cccccc"], labels=["x"], counts=[1], title="t", legend_title="t",
                   provenance=Provenance(source="s"), names=names, names_kind="village")
    _, drawn, _ = _draw(spec)
    assert [t.get_text() for t in drawn] == ["W"]  # the largest area's name


def test_scale_bar_middle_label_keeps_its_half():
    """A 5 km bar is labelled 0, 2,5 and 5 km (the half was once rounded to "2")."""
    import geopandas as gpd
    from shapely.geometry import box
    areas = gpd.GeoDataFrame({"code": ["a"], "cls": [0]}, geometry=[box(115.0, -8.5, 115.22, -8.3)], crs=4326)
    spec = MapSpec(areas=areas, colors=["#cccccc"], labels=["x"], counts=[1], title="t", legend_title="t",
                   provenance=Provenance(source="s"), lang="id")
    ax, _, _ = _draw(spec)
    labels = [t.get_text() for t in ax.texts]
    assert "5 km" in labels and "2,5" in labels, labels
