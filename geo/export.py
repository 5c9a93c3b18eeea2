"""Exports: target lists (CSV, XLSX), map snapshots as PNG (matplotlib) and standalone HTML.

Why: outreach teams hand budgets to finance offices as spreadsheets, and presenters put maps
in slides and e-mails. Every export carries where its numbers come from (data source,
boundaries, date, settings) and says "synthetic" when the numbers are the demo's, because a
file travels without the app around it.

- Spreadsheets go through :mod:`geo.tabular` (formula-safe cells, codes as text).
- The PNG is drawn without a browser (matplotlib, Agg) from the simplified web geometry, with
  the same classes as the app's map (:mod:`geo.choropleth`), a legend with bounds, counts
  and a hatched "no data" entry, a scale bar measured in metres at the map's latitude, a
  north arrow and a source line. Text from data is drawn with mathtext off, so a ``$`` in a
  name stays a dollar sign.
- The HTML snapshot is the app's map with Leaflet and topojson-client inlined: it opens
  offline (only basemap tiles come from outside, and the map draws without them).
- Small counts can be suppressed (below a threshold, off by default): the count and every
  number derived from it are replaced by ``<threshold``.
"""
from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from . import i18n, indicators, tabular, targeting
from .boundaries import BoundarySet

BOUNDARIES_CREDIT = "cahyadsn/wilayah_boundaries, Kepmendagri 2025"
PNG_SIZE = (1600, 1200)
PNG_DPI = 100
NODATA_FACE = "#f4f4f4"
NODATA_HATCH_COLOR = "#9a9a9a"
NEUTRAL = "#e9e4dc"


# ---------------------------------------------------------------- small counts


is_small = indicators.is_small  # the rule lives with the indicators; kept here for callers
small_label = indicators.small_label


def suppress_small(df: pd.DataFrame, counts: Sequence[str], threshold: int,
                   derived: dict[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """A copy of ``df`` where counts below ``threshold`` (and what is derived from them) are hidden.

    ``derived`` maps a column to the counts it is computed from (a rate from workers and
    covered, a budget from uncovered): it is hidden whenever one of them is, since it would
    give the hidden count away. ``threshold`` 0 or None changes nothing.
    """
    if not threshold:
        return df.copy()
    out = df.copy()
    hidden = pd.DataFrame(False, index=df.index, columns=[c for c in counts if c in df])
    for c in hidden.columns:
        hidden[c] = df[c].map(lambda v: is_small(v, threshold))
    label = small_label(threshold)
    for c in hidden.columns:
        out[c] = out[c].astype(object).where(~hidden[c], label)
    for col, sources in (derived or {}).items():
        if col not in out:
            continue
        mask = pd.Series(False, index=df.index)
        for s in sources:
            if s in hidden:
                mask |= hidden[s]
        out[col] = out[col].astype(object).where(~mask, label)
    return out


# ---------------------------------------------------------------- target lists


def settings_text(settings: targeting.Settings, lang: str) -> str:
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    segs = ", ".join(t("seg_" + s) for s in settings.segments)
    return t("tl_settings_line", segments=segs, premium=i18n.fmt_rp(settings.premium_monthly, lang),
             months=settings.months, uptake=i18n.fmt_pct(settings.uptake, lang, 0),
             target=i18n.fmt_pct(settings.target, lang, 2))


def header_lines(settings: targeting.Settings, source: str, synthetic: bool, lang: str,
                 budget: targeting.Budget | None = None, list_name: str | None = None,
                 author: str | None = None, note: str | None = None, suppress: int = 0,
                 when: dt.date | None = None) -> list[str]:
    """The block above an exported table: what it is, where from, when, with which settings."""
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    lines = [t("tl_export_title") + (f": {list_name}" if list_name else "")]
    if synthetic:
        lines.append(t("tl_export_synthetic"))
    lines.append(f"{t('source')}: {source}")
    lines.append(t("tl_boundaries_credit", credit=BOUNDARIES_CREDIT))
    lines.append(t("tl_export_date", date=(when or dt.date.today()).isoformat()))
    lines.append(settings_text(settings, lang))
    if budget is not None:
        lines.append(t("tl_export_budget", budget=i18n.fmt_rp(budget.budget, lang), months=settings.months,
                       people=i18n.fmt_num(budget.enrolled, lang), villages=budget.villages))
    if author:
        lines.append(f"{t('tl_author')}: {author}")
    if note:
        lines.append(f"{t('tl_note')}: {' '.join(str(note).split())}")
    if suppress:
        lines.append(t("tl_export_suppressed", k=int(suppress)))
    return lines


TARGET_COLUMNS = ("code", "name", "district", "regency", "workers", "covered", "coverage_rate",
                  "uncovered", "enrolled", "budget_rp")


def target_list_frame(frame: pd.DataFrame, selected: list[str], settings: targeting.Settings,
                      names: dict[str, str] | None = None, suppress: int = 0) -> pd.DataFrame:
    """One row per selected village (in the order given) with its budget line.

    Columns: code, name, district, regency, workers, covered, coverage_rate (%, all workers),
    uncovered (chosen segments), uncovered_<segment> for each chosen segment, enrolled
    (expected: uptake x uncovered), budget_rp (non-wage enrolled x premium x months).
    """
    settings = settings.checked()
    table = targeting.village_table(frame, settings, names).set_index("code")
    order = [c for c in dict.fromkeys(selected) if c in table.index]
    t = table.loc[order].reset_index()
    per = targeting.uncovered_by_segment(frame.set_index("code").loc[order].reset_index(), settings.segments)
    p = settings.uptake / 100.0
    out = t[["code", "name", "district", "regency", "workers", "covered"]].copy()
    out["coverage_rate"] = t["coverage_rate"].round(2)
    out["uncovered"] = t["uncovered"]
    for s in settings.segments:
        out[f"uncovered_{s}"] = per[s].values
    out["enrolled"] = (p * t["uncovered"]).round(1)
    out["budget_rp"] = (p * t["uncovered_paid"] * settings.premium_monthly * settings.months).round(0)
    for c in ["workers", "covered", "uncovered"] + [f"uncovered_{s}" for s in settings.segments]:
        out[c] = out[c].astype("Int64")
    if suppress:
        seg_cols = [f"uncovered_{s}" for s in settings.segments]
        out = suppress_small(out, ["workers", "covered", "uncovered"] + seg_cols, suppress,
                             derived={"coverage_rate": ["workers", "covered"],
                                      "enrolled": ["uncovered"] + seg_cols,
                                      "budget_rp": ["uncovered"] + seg_cols})
    return out


def target_list_csv(frame: pd.DataFrame, selected: list[str], settings: targeting.Settings, source: str,
                    synthetic: bool, lang: str, names: dict[str, str] | None = None, suppress: int = 0,
                    **header) -> bytes:
    """The target list as CSV bytes: the header block, then one row per village."""
    df = target_list_frame(frame, selected, settings, names, suppress)
    b = targeting.budget(frame, selected, settings)
    return tabular.to_csv_bytes(df, header_lines(settings, source, synthetic, lang, b, suppress=suppress,
                                                 **header))


def target_list_xlsx(frame: pd.DataFrame, selected: list[str], settings: targeting.Settings, source: str,
                     synthetic: bool, lang: str, names: dict[str, str] | None = None, suppress: int = 0,
                     **header) -> bytes:
    """The target list as an XLSX workbook (string cells for text, codes as text)."""
    df = target_list_frame(frame, selected, settings, names, suppress)
    b = targeting.budget(frame, selected, settings)
    return tabular.to_xlsx_bytes(df, header_lines(settings, source, synthetic, lang, b, suppress=suppress,
                                                  **header), sheet_name="targets")


# ---------------------------------------------------------------- PNG


@dataclass
class PngMap:
    """Everything a static map draws. ``areas`` (lon/lat) has ``code`` and ``cls`` (-1 = no data)."""

    areas: gpd.GeoDataFrame
    colors: list[str]
    labels: list[str]
    counts: list[int]
    title: str
    legend_title: str
    nodata_label: str
    source_line: str
    subtitle: str | None = None
    synthetic_label: str | None = None
    outline: gpd.GeoDataFrame | None = None
    symbols: pd.DataFrame | None = None  # lon, lat, size_pt (circle diameter in points)
    symbol_legend: list[tuple[float, str]] = field(default_factory=list)  # (diameter pt, label)
    note: str | None = None
    lang: str = i18n.DEFAULT_LANG


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


def render_png(spec: PngMap, size: tuple[int, int] = PNG_SIZE, dpi: int = PNG_DPI) -> bytes:
    """Draw ``spec`` as a PNG of ``size`` pixels (matplotlib's Agg backend, no browser)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle

    w_px, h_px = size
    fig = Figure(figsize=(w_px / dpi, h_px / dpi), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)  # drawn off-screen: no display, no browser, no pyplot state
    scale = min(w_px / 1600, h_px / 1200)
    fs = lambda x: max(6.0, x * scale)  # noqa: E731 - font size relative to the default canvas

    top = 1 - 150 / 1200
    ax = fig.add_axes([0.02, 0.07, 0.68, top - 0.08])
    lax = fig.add_axes([0.72, 0.07, 0.27, top - 0.08])
    lax.set_axis_off()

    areas = spec.areas
    minx, miny, maxx, maxy = areas.total_bounds
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
        s = spec.symbols.sort_values("size_pt", ascending=False)
        ax.scatter(s["lon"], s["lat"], s=(s["size_pt"] * scale) ** 2, c="#3182bd", alpha=0.55,
                   edgecolors="#08306b", linewidths=0.6, zorder=5)

    # true shape at this latitude (k = stretch of latitude against longitude); the limits are
    # widened to the frame's proportions, so the map fills its frame whatever its shape
    k = 1.0 / math.cos(math.radians(lat0))
    pad_x, pad_y = (maxx - minx) * 0.04, (maxy - miny) * 0.04
    x0, x1 = minx - pad_x, maxx + pad_x
    y0, y1 = miny - pad_y * 3.5, maxy + pad_y  # room for the scale bar below
    box = ax.get_position(original=True)
    ratio = (box.height * h_px) / (box.width * w_px)
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
    for frac, label in ((0, "0"), (0.5, i18n.fmt_num(length_km / 2, spec.lang, 0 if length_km >= 2 else 1)),
                        (1, f"{km} km")):
        ax.text(bx + bar_deg * frac, by + bh * 2.2, label, ha="center", va="bottom", fontsize=fs(11),
                zorder=6, parse_math=False)

    # north arrow, inside the map's top-right corner (longitude/latitude: north is up)
    ax.annotate("", xy=(0.96, 0.95), xytext=(0.96, 0.84), xycoords="axes fraction",
                arrowprops=dict(facecolor="#222222", edgecolor="#222222", width=5 * scale,
                                headwidth=16 * scale, headlength=16 * scale), zorder=7)
    ax.text(0.96, 0.965, "U" if spec.lang == "id" else "N", transform=ax.transAxes, ha="center",
            va="bottom", fontsize=fs(15), fontweight="bold", parse_math=False, zorder=7)

    # title block
    fig.text(0.02, 1 - 35 / 1200, spec.title, fontsize=fs(22), fontweight="bold", va="top", parse_math=False)
    if spec.subtitle:
        fig.text(0.02, 1 - 80 / 1200, spec.subtitle, fontsize=fs(14), va="top", color="#333333",
                 parse_math=False)
    if spec.synthetic_label:
        fig.text(0.98, 1 - 35 / 1200, spec.synthetic_label, fontsize=fs(16), fontweight="bold", va="top",
                 ha="right", color="#c00000", parse_math=False)
    fig.text(0.02, 0.025, spec.source_line, fontsize=fs(11), color="#444444", va="center", parse_math=False)

    # legend: classes with bounds and counts, symbols, then "no data" (hatched)
    handles, labels = [], []
    if spec.symbols is None:
        for color, label, count in zip(spec.colors, spec.labels, spec.counts):
            handles.append(Patch(facecolor=color, edgecolor="#777777"))
            labels.append(f"{label}   ({count})")
    else:
        for diameter, label in spec.symbol_legend:
            handles.append(Line2D([], [], marker="o", linestyle="none", markersize=diameter * scale,
                                  markerfacecolor="#3182bd", markeredgecolor="#08306b", alpha=0.55))
            labels.append(label)
    nodata = int((~has).sum())
    handles.append(Patch(facecolor=NODATA_FACE, edgecolor=NODATA_HATCH_COLOR, hatch="////"))
    labels.append(f"{spec.nodata_label}   ({nodata})")
    if spec.note:  # a last row without a symbol, under the classes
        handles.append(Patch(visible=False))
        labels.append(_wrap(spec.note, 40))
    spacing, length = 0.9, 2.2
    if spec.symbols is not None and spec.symbol_legend:  # rows as tall and wide as the largest circle
        largest = max(d for d, _ in spec.symbol_legend)
        spacing, length = max(spacing, largest / 13.0 - 1.0), max(length, largest / 13.0)
    leg = lax.legend(handles, labels, loc="upper left", frameon=False, title=spec.legend_title,
                     fontsize=fs(13), title_fontsize=fs(14), handlelength=length, handleheight=1.4,
                     labelspacing=spacing, borderaxespad=0.0, alignment="left")
    leg.get_title().set_fontweight("bold")
    for txt in [leg.get_title(), *leg.get_texts()]:
        txt.set_parse_math(False)
    if spec.note:
        leg.get_texts()[-1].set_color("#555555")
        leg.get_texts()[-1].set_fontsize(fs(11))

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _wrap(text: str, width: int) -> str:
    import textwrap
    return "\n".join(textwrap.wrap(text, width)) or text


def source_line(source: str, lang: str, when: dt.date | None = None) -> str:
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    return (f"{t('source')}: {source} · {t('tl_boundaries_credit', credit=BOUNDARIES_CREDIT)} · "
            f"{(when or dt.date.today()).isoformat()}")


def explorer_png_spec(frame: gpd.GeoDataFrame, view, bset: BoundarySet, synthetic: bool, source: str) -> PngMap:
    """The app's map for ``view`` (a :class:`geo.choropleth.View`) as a :class:`PngMap`."""
    from . import choropleth, classify

    view = view.checked()
    lang = view.lang
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    shown = choropleth.subset(frame, view)
    values = choropleth.map_values(shown, view)
    fmt = choropleth.value_format(view)
    web = bset.web[view.level][["code", "geometry"]]
    value_by_code = pd.Series(values.values, index=shown["code"].values)
    areas = web[web["code"].isin(value_by_code.index)].copy()
    title = choropleth.indicator_title(view)
    common = dict(title=title, legend_title=_wrap(title, 34), nodata_label=t("no_data"),
                  source_line=source_line(source, lang),
                  subtitle=choropleth.map_subtitle(view, bset, source),
                  synthetic_label=t("synthetic_label") if synthetic else None, lang=lang)
    if view.level != "regency":
        outline = bset.web["regency"]
        if view.regency:
            outline = outline[outline["code"] == view.regency]
        common["outline"] = outline
    if view.symbols:
        areas["cls"] = [-1 if pd.isna(value_by_code.get(c)) else 0 for c in areas["code"]]
        present = value_by_code.dropna().clip(lower=0)
        vmax = float(present.max()) if len(present) and present.max() > 0 else 1.0
        pts = bset.full[view.level].set_index("code").loc[present.index].geometry.representative_point()
        max_d = 2 * choropleth.MAX_RADIUS_PX * 0.75 * 1.6  # px at 96 dpi -> points, a little larger for print
        sym = pd.DataFrame({"lon": pts.x.values, "lat": pts.y.values,
                            "size_pt": np.maximum(max_d * np.sqrt(present.values / vmax), 2.0)})
        refs = [choropleth._nice(r) for r in (vmax, vmax / 4, vmax / 16) if r > 0]
        return PngMap(areas=areas, colors=[NEUTRAL], labels=[], counts=[], symbols=sym,
                      symbol_legend=[(max_d * math.sqrt(r / vmax), fmt(r)) for r in refs],
                      note=t("symbols_note"), **common)
    classes = choropleth.classes_for(shown, view)
    cls_by_code = pd.Series(classes.index.values, index=shown["code"].values)
    areas["cls"] = areas["code"].map(cls_by_code).fillna(-1).astype(int)
    box_names = [t(f"box_{i}") for i in range(6)]
    note = t(f"scheme_{view.scheme}") + (" · " + t(f"note_{classes.note}") if classes.note else "")
    return PngMap(areas=areas, colors=classes.colors, labels=classify.labels(classes, fmt, box_names),
                  counts=classes.counts, note=note, **common)


def snapshot_png(frame: gpd.GeoDataFrame, view, bset: BoundarySet, synthetic: bool, source: str,
                 size: tuple[int, int] = PNG_SIZE) -> bytes:
    """The map of ``view`` as PNG bytes (default 1600 x 1200 px)."""
    return render_png(explorer_png_spec(frame, view, bset, synthetic, source), size)


def categories_png(areas: gpd.GeoDataFrame, category: pd.Series, order: Sequence[str], colors: dict[str, str],
                   labels: dict[str, str], title: str, source: str, synthetic: bool, lang: str,
                   subtitle: str | None = None, outline: gpd.GeoDataFrame | None = None,
                   note: str | None = None, size: tuple[int, int] = PNG_SIZE) -> bytes:
    """A categorical map as PNG (e.g. the cluster map: high-high, low-low, ..., not significant).

    ``areas`` is a web-geometry layer with ``code``; ``category`` maps code -> one of
    ``order`` (anything else, or missing, is "no data").
    """
    idx = {c: i for i, c in enumerate(order)}
    a = areas[["code", "geometry"]].copy()
    a["cls"] = a["code"].map(category).map(idx).fillna(-1).astype(int)
    counts = [int((a["cls"] == i).sum()) for i in range(len(order))]
    spec = PngMap(areas=a, colors=[colors[c] for c in order], labels=[labels.get(c, c) for c in order],
                  counts=counts, title=title, legend_title=_wrap(title, 34),
                  nodata_label=i18n.t("no_data", lang), source_line=source_line(source, lang),
                  subtitle=subtitle, synthetic_label=i18n.t("synthetic_label", lang) if synthetic else None,
                  outline=outline, note=note, lang=lang)
    return render_png(spec, size)


# ---------------------------------------------------------------- HTML


def snapshot_html(frame: gpd.GeoDataFrame, view, bset: BoundarySet, synthetic: bool, source: str) -> str:
    """The map of ``view`` as one HTML file that opens offline (Leaflet and topojson inlined)."""
    from . import choropleth
    return choropleth.snapshot_html(frame, view.checked(), bset, synthetic, source)


def map_html(m) -> str:
    """Any map built with :mod:`geo.maps` (e.g. the cluster map) as a standalone HTML file."""
    from . import maps
    return maps.render_standalone(m)


def selection_png(bset: BoundarySet, table: pd.DataFrame, selected: list[str], path: list[str], lang: str,
                  source: str, synthetic: bool, size: tuple[int, int] = PNG_SIZE) -> bytes:
    """The targeting page's map (selected villages, the shortest path, the rest) as PNG."""
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    cats = targeting.selection_categories(list(bset.full["village"]["code"]), selected, path)
    cats = cats[cats.index.isin(set(table["code"]))]  # villages without figures: "no data"
    labels = {"other": t("tl_map_other"), "selected": t("tl_map_selected"), "path": t("tl_map_path")}
    return categories_png(bset.web["village"], cats, list(reversed(targeting.SELECTION_ORDER)),
                          targeting.SELECTION_COLORS, labels, t("tl_map_title"), source, synthetic, lang,
                          outline=bset.web["regency"], size=size)


def selection_html(bset: BoundarySet, table: pd.DataFrame, selected: list[str], path: list[str], lang: str,
                   source: str, synthetic: bool, suppress: int = 0) -> str:
    """The targeting page's map as a standalone HTML file that opens offline."""
    from . import maps
    m = maps.base_map(tuple(bset.web["regency"].total_bounds), "light")
    targeting.selection_layers(bset, table, selected, path, lang, synthetic, source, suppress).add_to(m)
    return map_html(m)
