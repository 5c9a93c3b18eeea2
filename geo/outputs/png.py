"""The static map renderer (matplotlib): areas coloured by class, legend, title block, scale
bar and north arrow, in a PNG a presenter can put on a slide."""
from __future__ import annotations

import io
import math
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.core import i18n
from geo.core.provenance import Provenance
from geo.outputs.mapspec import MapSpec

PNG_SIZE = (1600, 1200)


PNG_DPI = 100


NODATA_FACE = "#f4f4f4"


NODATA_HATCH_COLOR = "#9a9a9a"


NEUTRAL = "#e9e4dc"


# The largest circle's diameter in points (a little larger than on screen, for print).
SYMBOL_MAX_PT = 57.6
SYMBOL_MIN_PT = 2.0

PngMap = MapSpec  # the static renderer draws the one spec (geo.outputs.mapspec)


def symbol_points(spec: MapSpec) -> pd.Series:
    """Each circle's diameter in points (0 = no circle: nobody to count)."""
    d = SYMBOL_MAX_PT * spec.symbols["size"].to_numpy(dtype=float)
    return pd.Series(np.where(d > 0, np.maximum(d, SYMBOL_MIN_PT), 0.0), index=spec.symbols.index)


def _nice_length_km(width_km: float) -> float:
    """A round scale-bar length near a fifth of the map's width: 1, 2 or 5 x 10^n km."""
    raw = max(width_km / 5.0, 1e-3)
    exp = math.floor(math.log10(raw))
    for step in (5, 2, 1):
        if step * 10 ** exp <= raw:
            return float(step * 10 ** exp)
    return float(10 ** exp)


def metres_per_degree_lon(lat: float) -> float:
    """Metres along a parallel per degree of longitude at ``lat`` (WGS84 ellipsoid)."""
    from pyproj import Geod
    _, _, dist = Geod(ellps="WGS84").inv(0.0, lat, 1.0, lat)
    return float(dist)


def offscreen_canvas(fig) -> None:
    """Attach an off-screen Agg canvas (no display, no browser, no pyplot state) that draws
    only when the file is saved: geopandas asks for a redraw after every layer it plots,
    which would draw the whole map once per layer."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    class _Canvas(FigureCanvasAgg):
        def draw_idle(self, *args, **kwargs) -> None:
            pass

    _Canvas(fig)


def render_png(spec: MapSpec, size: tuple[int, int] = PNG_SIZE, dpi: int = PNG_DPI) -> bytes:
    """Draw ``spec`` as a PNG of ``size`` pixels (matplotlib's Agg backend, no browser)."""
    from matplotlib.figure import Figure

    w_px, h_px = size
    fig = Figure(figsize=(w_px / dpi, h_px / dpi), dpi=dpi, facecolor="white")
    offscreen_canvas(fig)
    scale = min(w_px / 1600, h_px / 1200)
    fs = lambda x: max(6.0, x * scale)  # noqa: E731 - font size relative to the default canvas

    # the title block grows by a line for each extra line (a target list's settings, budget)
    extra = [line for raw in spec.header_lines for line in _wrap(raw, 150).split("\n")]
    head_px = 150 + 24 * len(extra)
    top = 1 - head_px / 1200
    ax = fig.add_axes([0.02, 0.07, 0.68, top - 0.08])
    lax = fig.add_axes([0.72, 0.07, 0.27, top - 0.08])
    lax.set_axis_off()
    draw_map(ax, spec, scale)
    fig.text(0.02, 1 - 35 / 1200, spec.title, fontsize=fs(22), fontweight="bold", va="top", parse_math=False)
    if spec.subtitle:
        fig.text(0.02, 1 - 80 / 1200, spec.subtitle, fontsize=fs(14), va="top", color="#333333",
                 parse_math=False)
    for i, line in enumerate(extra):
        fig.text(0.02, 1 - (108 + 24 * i) / 1200, line, fontsize=fs(12.5), va="top", color="#333333",
                 parse_math=False)
    if spec.synthetic_label:
        fig.text(0.98, 1 - 35 / 1200, spec.synthetic_label, fontsize=fs(16), fontweight="bold", va="top",
                 ha="right", color="#c00000", parse_math=False)
    fig.text(0.02, 0.025, spec.source_line, fontsize=fs(11), color="#444444", va="center", parse_math=False)
    draw_legend(lax, spec, scale)

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def draw_map(ax, spec: MapSpec, scale: float = 1.0) -> list:
    """The map part of ``spec`` on ``ax``: areas, outline, circles, names, scale bar and north
    arrow (the PNG and the PDF brief share it). ``scale`` multiplies line widths and font
    sizes (1 = the 1600 x 1200 px PNG). Returns the names drawn."""
    from matplotlib.patches import Rectangle
    from matplotlib.transforms import Bbox

    from geo.outputs import mapnames

    fs = lambda x: max(4.5, x * scale)  # noqa: E731
    fig = ax.figure
    areas = spec.areas
    minx, miny, maxx, maxy = spec.extent or areas.total_bounds
    lat0 = (miny + maxy) / 2
    has = areas["cls"] >= 0
    if spec.symbols is None:
        for k, color in enumerate(spec.colors):
            part = areas[areas["cls"] == k]
            if len(part):
                part.plot(ax=ax, color=color, edgecolor="white", linewidth=0.35 * scale)
    else:
        if has.any():
            areas[has].plot(ax=ax, color=NEUTRAL, edgecolor="white", linewidth=0.35 * scale)
    if (~has).any():
        areas[~has].plot(ax=ax, facecolor=NODATA_FACE, edgecolor=NODATA_HATCH_COLOR, hatch="////",
                         linewidth=0.2 * scale)
    if spec.outline is not None and len(spec.outline):
        spec.outline.boundary.plot(ax=ax, color="#444444", linewidth=1.1 * scale)
    if spec.symbols is not None and len(spec.symbols):
        s = spec.symbols.assign(size_pt=symbol_points(spec))
        s = s[s["size_pt"] > 0].sort_values("size_pt", ascending=False)
        color = s["color"] if "color" in s else "#3182bd"  # e.g. gains and losses in two colours
        ax.scatter(s["lon"], s["lat"], s=(s["size_pt"] * scale) ** 2, c=color, alpha=0.55,
                   edgecolors="#08306b" if "color" not in s else "#333333", linewidths=0.6, zorder=5)

    # true shape at this latitude (k = stretch of latitude against longitude); the limits are
    # widened to the frame's proportions, so the map fills its frame whatever its shape
    k = 1.0 / math.cos(math.radians(lat0))
    pad_x, pad_y = (maxx - minx) * 0.04, (maxy - miny) * 0.04
    x0, x1 = minx - pad_x, maxx + pad_x
    y0, y1 = miny - pad_y * 3.5, maxy + pad_y  # room for the scale bar below
    box = ax.get_position(original=True)
    fw, fh = fig.get_size_inches()
    ratio = (box.height * fh) / (box.width * fw)
    dx, dy = x1 - x0, y1 - y0
    if dy * k / dx < ratio:
        grow = (ratio * dx / k - dy) / 2
        y0, y1 = y0 - grow, y1 + grow
    else:
        grow = (dy * k / ratio - dx) / 2
        x0, x1 = x0 - grow, x1 + grow
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(k, adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for side in ax.spines.values():
        side.set_color("#bbbbbb")

    # scale bar, measured along the parallel at the map's centre
    m_per_deg = metres_per_degree_lon(lat0)
    length_km = _nice_length_km((x1 - x0) * m_per_deg / 1000)
    bar_deg = length_km * 1000 / m_per_deg
    bx, by = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.05
    bh = (y1 - y0) * 0.008
    ax.add_patch(Rectangle((bx, by), bar_deg / 2, bh, facecolor="#222222", edgecolor="#222222", zorder=6))
    ax.add_patch(Rectangle((bx + bar_deg / 2, by), bar_deg / 2, bh, facecolor="white", edgecolor="#222222",
                           zorder=6))
    km = i18n.fmt_num(length_km, spec.lang, 0 if length_km >= 1 else 1)
    half = length_km / 2  # 2.5 km reads "2,5", not "2"
    for frac, label in ((0, "0"), (0.5, i18n.fmt_num(half, spec.lang, 0 if float(half).is_integer() else 1)),
                        (1, f"{km} km")):
        ax.text(bx + bar_deg * frac, by + bh * 2.2, label, ha="center", va="bottom", fontsize=fs(11),
                zorder=6, parse_math=False)

    # north arrow, inside the map's top-right corner (longitude/latitude: north is up)
    ax.annotate("", xy=(0.96, 0.95), xytext=(0.96, 0.84), xycoords="axes fraction",
                arrowprops=dict(facecolor="#222222", edgecolor="#222222", width=5 * scale,
                                headwidth=16 * scale, headlength=16 * scale), zorder=7)
    ax.text(0.96, 0.965, "U" if spec.lang == "id" else "N", transform=ax.transAxes, ha="center",
            va="bottom", fontsize=fs(15), fontweight="bold", parse_math=False, zorder=7)

    # area names, kept off the scale bar and the north arrow
    names = spec.area_names()
    if names is None or names.empty:
        return []
    ax.apply_aspect()
    to_display = ax.transAxes.transform
    bar_right = ax.transAxes.inverted().transform(ax.transData.transform((bx + bar_deg, by)))[0]
    obstacles = [Bbox(to_display([(0.0, 0.0), (min(bar_right + 0.04, 0.6), 0.12)])),
                 Bbox(to_display([(0.91, 0.8), (1.0, 1.0)]))]
    size = mapnames.NAME_SIZES.get(spec.names_kind, 9.0)
    return mapnames.place(ax, names, fs(size), obstacles, bold=spec.names_kind == "regency")


def draw_legend(lax, spec: MapSpec, scale: float = 1.0, wrap: int = 40) -> None:
    """The legend of ``spec`` on ``lax``: classes with bounds and counts (or circles), then
    "no data" (hatched) and the note."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    fs = lambda x: max(4.5, x * scale)  # noqa: E731
    handles, labels = [], []
    if spec.symbols is None:
        for color, label, count in zip(spec.colors, spec.labels, spec.counts):
            handles.append(Patch(facecolor=color, edgecolor="#777777"))
            labels.append(f"{label}   ({count})")
    else:
        for size, label in spec.symbol_legend:
            handles.append(Line2D([], [], marker="o", linestyle="none", markersize=SYMBOL_MAX_PT * size * scale,
                                  markerfacecolor="#3182bd", markeredgecolor="#08306b", alpha=0.55))
            labels.append(label)
    handles.append(Patch(facecolor=NODATA_FACE, edgecolor=NODATA_HATCH_COLOR, hatch="////"))
    labels.append(f"{spec.nodata_label}   ({spec.nodata_count})")
    if spec.note:  # a last row without a symbol, under the classes
        handles.append(Patch(visible=False))
        labels.append(_wrap(spec.note, wrap))
    spacing, length = 0.9, 2.2
    if spec.symbols is not None and spec.symbol_legend:  # rows as tall and wide as the largest circle
        largest = SYMBOL_MAX_PT * max(size for size, _ in spec.symbol_legend)
        spacing, length = max(spacing, largest / 13.0 - 1.0), max(length, largest / 13.0)
    leg = lax.legend(handles, labels, loc="upper left", frameon=False, title=_wrap(spec.legend_title, 34),
                     fontsize=fs(13), title_fontsize=fs(14), handlelength=length, handleheight=1.4,
                     labelspacing=spacing, borderaxespad=0.0, alignment="left")
    leg.get_title().set_fontweight("bold")
    for txt in [leg.get_title(), *leg.get_texts()]:
        txt.set_parse_math(False)
    if spec.note:
        leg.get_texts()[-1].set_color("#555555")
        leg.get_texts()[-1].set_fontsize(fs(11))


def _wrap(text: str, width: int) -> str:
    import textwrap
    return "\n".join(textwrap.wrap(text, width)) or text


def categories_spec(areas: gpd.GeoDataFrame, category: pd.Series, order: Sequence[str], colors: dict[str, str],
                    labels: dict[str, str], title: str, provenance: Provenance, lang: str,
                    subtitle: str | None = None, outline: gpd.GeoDataFrame | None = None,
                    note: str | None = None, **more) -> MapSpec:
    """A categorical map (e.g. the cluster map: high-high, low-low, ..., not significant).

    ``areas`` is a web-geometry layer with ``code``; ``category`` maps code -> one of
    ``order`` (anything else, or missing, is "no data"); ``more`` sets other :class:`MapSpec`
    fields (names, header lines, extent).
    """
    idx = {c: i for i, c in enumerate(order)}
    a = areas[["code", "geometry"]].copy()
    a["cls"] = a["code"].map(category).map(idx).fillna(-1).astype(int)
    counts = [int((a["cls"] == i).sum()) for i in range(len(order))]
    return MapSpec(areas=a, colors=[colors[c] for c in order], labels=[labels.get(c, c) for c in order],
                   counts=counts, title=title, legend_title=title, provenance=provenance,
                   subtitle=subtitle, outline=outline, note=note, lang=lang, **more)


def categories_png(areas: gpd.GeoDataFrame, category: pd.Series, order: Sequence[str], colors: dict[str, str],
                   labels: dict[str, str], title: str, provenance: Provenance, lang: str,
                   subtitle: str | None = None, outline: gpd.GeoDataFrame | None = None,
                   note: str | None = None, size: tuple[int, int] = PNG_SIZE, **more) -> bytes:
    """A categorical map as PNG (:func:`categories_spec` drawn by :func:`render_png`)."""
    return render_png(categories_spec(areas, category, order, colors, labels, title, provenance, lang,
                                      subtitle, outline, note, **more), size)
