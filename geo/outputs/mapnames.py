"""Area names on static maps (PNG and PDF): which names a view prints, where, and which ones fit.

A name sits at the pole of inaccessibility of the area's largest part (the point furthest
from its edges, so it stays inside thin or curved areas); bigger areas are placed first, and a
name whose box would touch one already placed, the map's edge or the scale bar and north
arrow is left out rather than printed over another.
"""
from __future__ import annotations

from typing import Iterable

import geopandas as gpd
import pandas as pd
import shapely

# Villages are named only when a map shows this many or fewer (one regency: Buleleng has
# 148); over the whole province the names of the regencies are printed instead.
VILLAGE_NAMES_MAX = 160

# Font sizes (points on the 1600 x 1200 px PNG) per kind of name.
NAME_SIZES = {"regency": 12.5, "district": 9.5, "village": 8.0}


def label_points(layer: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """A point well inside each area: the pole of inaccessibility of its largest polygon."""
    from shapely import get_parts
    from shapely.ops import polylabel

    points = []
    for geom in layer.geometry:
        if geom is None or geom.is_empty:
            points.append(None)
            continue
        parts = list(get_parts(geom))
        largest = max(parts, key=lambda g: g.area)
        try:
            width = max(largest.bounds[2] - largest.bounds[0], largest.bounds[3] - largest.bounds[1])
            points.append(polylabel(largest, tolerance=max(width / 200.0, 1e-6)))
        except Exception:  # noqa: BLE001 - a degenerate part: fall back to a point on it
            points.append(largest.representative_point())
    return gpd.GeoSeries(points, index=layer.index, crs=layer.crs)


def names_table(layer: gpd.GeoDataFrame, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """``lon, lat, text, priority`` for the areas of ``layer`` (with ``code``, ``name``) whose code
    is in ``codes`` (all when None); priority = area, so large areas are named first."""
    part = layer if codes is None else layer[layer["code"].isin(set(codes))]
    part = part[part.geometry.notna() & ~part.geometry.is_empty]
    if part.empty:
        return pd.DataFrame(columns=["lon", "lat", "text", "priority"])
    pts = label_points(part)
    # the size in degrees² ranks areas as well as km² does within one map
    size = part["area_km2"].values if "area_km2" in part else shapely.area(part.geometry.values)
    return pd.DataFrame({"lon": pts.x.values, "lat": pts.y.values, "text": part["name"].astype(str).values,
                         "priority": size})


def view_names(bset, level: str, codes: Iterable[str]) -> tuple[pd.DataFrame, str]:
    """The names a map of ``codes`` at ``level`` prints, and their kind: regency names at
    regency level, district names at district level, village names when there are at most
    :data:`VILLAGE_NAMES_MAX` villages, else the names of the regencies they lie in."""
    codes = list(codes)
    kind = names_kind(level, len(codes))
    if kind != level:
        return names_table(bset.web["regency"], {c[:5] for c in codes}), kind
    return names_table(bset.web[level], codes), kind


def names_kind(level: str, n: int) -> str:
    """Which names a map of ``n`` areas at ``level`` prints (see :func:`view_names`)."""
    return "regency" if level == "village" and n > VILLAGE_NAMES_MAX else level


def place(ax, names: pd.DataFrame, fontsize: float, obstacles: list | None = None, bold: bool = False,
          pad_px: float = 2.0) -> list:
    """Draw the names of ``names`` on ``ax`` (data coordinates lon/lat), largest area first,
    skipping any whose box would overlap a name already drawn, an ``obstacles`` box (display
    coordinates, :class:`matplotlib.transforms.Bbox`) or leave the axes. Returns the drawn
    texts (their strings are what the map shows)."""
    from matplotlib import patheffects

    if names is None or names.empty:
        return []
    fig = ax.figure
    ax.apply_aspect()
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    taken = list(obstacles or [])
    drawn = []
    # the white halo is a stroked copy underneath: the name itself stays text (a PDF's text
    # can be searched and copied; a path effect on it would turn it into outlines)
    halo = [patheffects.Stroke(linewidth=max(fontsize / 4.0, 1.5), foreground="white")]
    style = dict(fontsize=fontsize, ha="center", va="center", fontweight="bold" if bold else "normal",
                 parse_math=False, clip_on=True)
    for row in names.sort_values(["priority", "text"], ascending=[False, True]).itertuples():
        label = _short(row.text)
        text = ax.text(row.lon, row.lat, label, color="#1a1a1a", zorder=8.1, **style)
        box = text.get_window_extent(renderer)
        box = box.from_extents(box.x0 - pad_px, box.y0 - pad_px, box.x1 + pad_px, box.y1 + pad_px)
        inside = (box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0 and box.y1 <= frame.y1)
        if not inside or any(box.overlaps(other) for other in taken):
            text.remove()
            continue
        ax.text(row.lon, row.lat, label, color="white", zorder=8.0, path_effects=halo, **style)
        taken.append(box)
        drawn.append(text)
    return drawn


def _short(name: str) -> str:
    """A name as a map prints it: "Kabupaten Buleleng" as "Buleleng" (a city keeps "Kota")."""
    name = " ".join(str(name).split())
    for prefix in ("Kabupaten ", "Kab. "):
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix):]
    return name
