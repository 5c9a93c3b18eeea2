"""The web map renderer: a :class:`~geo.outputs.mapspec.MapSpec` as Leaflet layers.

Two engines draw the same spec. "values" (the default, ``geo.outputs.geolayer``) sends the
geometry once as a static file and per change only classes and numbers; "inline" is the
earlier engine that puts the geometry and every tooltip's text into the map script. The
legend and the title box are written from the spec, as the PNG's are.
"""
from __future__ import annotations

from typing import Sequence

import folium
import numpy as np
import pandas as pd

from geo.boundaries import BoundarySet
from geo.outputs import geolayer, maps
from geo.outputs.mapspec import MapSpec

MAX_RADIUS_PX = 24.0  # the largest circle's radius on screen
MIN_RADIUS_PX = 1.5
# The values engine draws the region at full web detail (6.7 MB of TopoJSON, fetched once).
VALUES_DETAIL_BYTES = 12_000_000
SYMBOL_STYLE = {"fill": "#3182bd", "stroke": "#08306b", "opacity": 0.55}


def geometry_for(bset: BoundarySet, level: str, within: str | None, engine: str = "inline") -> str:
    """"detail" or "overview": the values engine sends geometry once, so it affords the detail
    of much larger views (up to ``VALUES_DETAIL_BYTES`` of TopoJSON)."""
    if engine == "values":
        detail = bset.topology_for(level, within, "detail")
        return "detail" if len(detail) <= VALUES_DETAIL_BYTES else "overview"
    return bset.geometry_for(level, within)


def radii(spec: MapSpec) -> pd.Series:
    """Each circle's radius in px by code (0 = no circle: nobody to count)."""
    s = spec.symbols
    r = MAX_RADIUS_PX * s["size"].to_numpy(dtype=float)
    return pd.Series(np.where(r > 0, np.maximum(r, MIN_RADIUS_PX), 0.0), index=s["code"].to_numpy())


def legend(spec: MapSpec) -> maps.Legend:
    """The legend box of ``spec``: the same classes, counts and labels as the PNG's."""
    return maps.Legend(
        title=spec.title,
        classes=[maps.LegendClass(c, lab, n) for c, lab, n in zip(spec.colors, spec.labels, spec.counts)]
        if spec.symbols is None else [],
        symbols=[(MAX_RADIUS_PX * size, label) for size, label in spec.symbol_legend],
        note=spec.note, nodata_label=spec.nodata_label, nodata_count=spec.nodata_count)


def _style(spec: MapSpec, geometry: str) -> dict:
    # In an overview (thousands of areas on one screen) white edges would hide the colours.
    level = spec.layer.level
    crisp = geometry == "detail" and len(spec.areas) <= geolayer.CANVAS_ABOVE
    symbols = spec.symbols is not None
    return dict(line="#ffffff", weight=0.6 if symbols or level == "village" else 1.0,
                line_opacity=1.0 if crisp else 0.35, opacity=0.9 if symbols else 0.88)


def layers(spec: MapSpec, bset: BoundarySet, selected: Sequence[str] = (), focus: str | None = None,
           engine: str | None = None, embed: bool = False, name: str = "explorer") -> folium.FeatureGroup:
    """Every layer of ``spec``'s map in one feature group the page can swap.

    ``selected`` areas are outlined; ``focus`` (a searched area) is what the browser frames;
    ``embed`` puts the geometry file into the page (exported HTML).
    """
    engine = engine or geolayer.engine()
    ref = spec.layer
    geometry = geometry_for(bset, ref.level, ref.within, engine)
    kit = maps.Kit(focus=focus, label_all=spec.label_all, label_big=spec.label_all)
    style = _style(spec, geometry)
    codes, classes = spec.areas["code"].tolist(), spec.areas["cls"].astype(int).tolist()
    group = folium.FeatureGroup(name=name)
    if engine == "values":
        lfile = geolayer.layer_file(bset, ref.level, ref.within, geometry)
        payload = spec.tooltips.payload(lfile) if spec.tooltips else {}
        payload.update(cls=geolayer.class_string(lfile.index, codes, classes), colors=list(spec.colors),
                       level=ref.level, kit=kit.options(),
                       opt=dict(style, nodata_fill=maps.NODATA_FILL, highlight=list(selected),
                                outline_prefix=spec.outline_prefix, outline_color="#444444", outline_weight=1.4))
        if spec.symbols is not None:
            rad = [0.0] * len(lfile.index)
            for code, r in radii(spec).items():
                i = lfile.index.get(code)
                if i is not None:
                    rad[i] = round(float(r), 1)
            payload.update(rad=rad, sym=SYMBOL_STYLE)
        geolayer.ValueLayer(lfile, payload, embed=embed).add_to(group)
    else:
        tips = spec.tooltips.lines() if spec.tooltips else {}
        records = {c: (k, tips.get(c, [])) for c, k in zip(codes, classes)}
        maps.AreaLayer(bset.topology_for(ref.level, ref.within, geometry), records, spec.colors, name="areas",
                       draw_missing=False, highlight=selected, outline_prefix=spec.outline_prefix, kit=kit,
                       **style).add_to(group)
        if spec.symbols is not None:
            pts = spec.symbols.assign(radius=radii(spec).to_numpy())
            pts = pts[pts["radius"] > 0]
            df = pd.DataFrame({"lat": pts["lat"].to_numpy(), "lng": pts["lon"].to_numpy(),
                               "radius": pts["radius"].to_numpy(), "code": pts["code"].to_numpy(),
                               "lines": [tips.get(c, []) for c in pts["code"]]})
            maps.SymbolLayer(df, interactive=False).add_to(group)
    maps.BoxLayer(maps.legend_html(legend(spec)), position="bottomleft", css_class="geo-legend").add_to(group)
    maps.BoxLayer(maps.title_html(spec.title, spec.subtitle, spec.synthetic_label), position="topright",
                  css_class="geo-title").add_to(group)
    return group
