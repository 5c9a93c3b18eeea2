"""A one-page A4 brief (PDF) for a meeting, from the map view or from a target list.

The page holds: the title, the subtitle (level, area, source), the synthetic label for
invented figures, the map (the same drawing as the PNG: classes, names, scale bar, north
arrow; :func:`geo.outputs.png.draw_map`) with its legend, the key figures, a table (the
areas furthest from the target, or the list's villages, as many as fit), and a footer with
the source, the boundaries' credit, the date and the period of the figures. Drawn with
matplotlib's PDF backend; its text stays text (searchable, copyable: pdftotext reads it back).
Fonts are embedded as Type 3 subsets: as readable as TrueType (Type 42) here, and 3-4 s faster
per brief, which is what subsetting a TrueType font costs on this machine.
"""
from __future__ import annotations

import datetime as dt
import io
import textwrap
from dataclasses import dataclass, field, replace
from typing import Mapping

import geopandas as gpd
import pandas as pd

from geo.analysis import indicators, targeting
from geo.boundaries import BoundarySet
from geo.core import i18n
from geo.core.provenance import Provenance
from geo.outputs.mapspec import MapSpec
from geo.outputs.png import draw_legend, draw_map

A4_MM = (210.0, 297.0)
MARGIN_MM = 12.0
MAP_SCALE = 0.62  # line widths and font sizes of the map against the 1600 x 1200 px PNG
RED = "#c00000"


@dataclass
class Column:
    title: str
    width_mm: float
    right: bool = False  # numbers are right-aligned


@dataclass
class Brief:
    """What one page says; :func:`render_pdf` lays it out."""

    title: str
    subtitle: str
    map: MapSpec
    figures: list[tuple[str, str]]  # key figures: (label, value); a label alone is a heading
    provenance: Provenance
    lang: str
    header_lines: list[str] = field(default_factory=list)
    table_title: str = ""
    columns: list[Column] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    more_rows: str = ""  # said under the table when not every row fits; {n} = rows left out
    empty_table: str = ""
    map_height_mm: float = 118.0
    legend_title: str | None = None  # instead of the map's (a list's map: not its long title)


def _mm(y_mm: float) -> float:
    """Figure y (0 at the bottom) for a distance from the top of the page in mm."""
    return 1.0 - y_mm / A4_MM[1]


def _x(x_mm: float) -> float:
    return x_mm / A4_MM[0]


def _line_mm(size_pt: float) -> float:
    return size_pt * 0.3528 * 1.3


def _wrap(text: str, width_mm: float, size_pt: float) -> list[str]:
    """Lines of ``text`` that fit ``width_mm`` at ``size_pt`` (DejaVu Sans: ~0.55 em a char)."""
    chars = max(10, int(width_mm / (size_pt * 0.3528 * 0.56)))
    return textwrap.wrap(text, chars) or [text]


def render_pdf(brief: Brief, when: dt.date | None = None) -> bytes:
    """The brief as a one-page A4 PDF."""
    import matplotlib
    from matplotlib.figure import Figure

    from geo.outputs.png import offscreen_canvas

    when = when or dt.date.today()
    t = lambda key, **kw: i18n.t(key, brief.lang, **kw)  # noqa: E731
    w_in, h_in = A4_MM[0] / 25.4, A4_MM[1] / 25.4
    with matplotlib.rc_context({"pdf.fonttype": 3, "font.family": "DejaVu Sans"}):
        fig = Figure(figsize=(w_in, h_in), dpi=100, facecolor="white")
        offscreen_canvas(fig)  # measures text for the names; savefig(format="pdf") writes the PDF
        inner = A4_MM[0] - 2 * MARGIN_MM
        text = lambda x, y, s, size, **kw: fig.text(_x(x), _mm(y), s, fontsize=size, va="top",  # noqa: E731
                                                   parse_math=False, **kw)

        # ---- title block
        y = MARGIN_MM
        for line in _wrap(brief.title, inner, 15):
            text(MARGIN_MM, y, line, 15, fontweight="bold")
            y += _line_mm(15)
        for line in _wrap(brief.subtitle, inner, 9):
            text(MARGIN_MM, y, line, 9, color="#333333")
            y += _line_mm(9)
        for raw in brief.header_lines:
            for line in _wrap(raw, inner, 8):
                text(MARGIN_MM, y, line, 8, color="#333333")
                y += _line_mm(8)
        label = brief.provenance.label(brief.lang)
        if label:
            text(MARGIN_MM, y + 0.5, label.upper(), 10, fontweight="bold", color=RED)
            y += _line_mm(10) + 0.5
        y += 2.0

        # ---- the map, with the legend and the key figures: below it when the map is wide, in a
        # column beside it when the area is tall (a narrow regency leaves no empty margins)
        map_w, map_h = _map_size(brief.map, inner, brief.map_height_mm)
        side = inner - map_w >= 84.0
        map_w = map_w if side else inner  # too little room beside it: the full width
        ax = fig.add_axes([_x(MARGIN_MM), _mm(y + map_h), _x(map_w), map_h / A4_MM[1]])
        draw_map(ax, brief.map, MAP_SCALE)
        if side:
            col_x, col_w, col_y = MARGIN_MM + map_w + 5.0, inner - map_w - 5.0, y
            fig_x, fig_w = col_x, col_w
        else:
            col_x, col_w, col_y = MARGIN_MM, 78.0, y + map_h + 4.0
            fig_x, fig_w = MARGIN_MM + 84.0, inner - 84.0
        lax = fig.add_axes([_x(col_x), _mm(col_y + 60), _x(col_w), 60 / A4_MM[1]])
        lax.set_axis_off()
        draw_legend(lax, replace(brief.map, legend_title=brief.legend_title or brief.map.legend_title), 0.62,
                    wrap=44)
        legend_bottom = col_y + _legend_height_mm(lax, fig)
        fy = legend_bottom + 5.0 if side else col_y
        text(fig_x, fy, t("br_key_figures"), 10, fontweight="bold")
        fy += _line_mm(10) + 0.8
        for name, value in brief.figures:
            if not value:  # a heading inside the figures
                fy += 0.8
                text(fig_x, fy, name, 8.5, fontweight="bold", color="#333333")
                fy += _line_mm(8.5)
                continue
            lines = _wrap(value, fig_w * 0.55, 8.5)
            text(fig_x, fy, name, 8.5, color="#444444")
            for i, line in enumerate(lines):
                text(fig_x + fig_w, fy + i * _line_mm(8.5), line, 8.5, ha="right", fontweight="bold")
            fy += _line_mm(8.5) * max(1, len(lines)) + 0.3
        y = max(fy, legend_bottom, y + map_h) + 4.0

        # ---- the table, as many rows as fit above the footer
        footer_top = A4_MM[1] - MARGIN_MM - 2 * _line_mm(7) - 2
        if brief.table_title:
            for line in _wrap(brief.table_title, inner, 10):
                text(MARGIN_MM, y, line, 10, fontweight="bold")
                y += _line_mm(10)
            y += 1
            if not brief.rows:
                text(MARGIN_MM, y, brief.empty_table, 8.5, color="#444444")
            else:
                row_h = _line_mm(8)
                fit = max(0, int((footer_top - y - row_h - (row_h if brief.more_rows else 0)) / row_h))
                rows = brief.rows if len(brief.rows) <= fit else brief.rows[:max(fit - 1, 0)]
                x = MARGIN_MM
                for col in brief.columns:
                    text(x + (col.width_mm if col.right else 0), y, col.title, 7.5, fontweight="bold",
                         ha="right" if col.right else "left", color="#333333")
                    x += col.width_mm
                y += row_h
                fig.add_artist(_rule(y - 0.8, inner))
                for row in rows:
                    x = MARGIN_MM
                    for col, cell in zip(brief.columns, row):
                        cell = _clip(cell, col.width_mm - 2, 8)
                        text(x + (col.width_mm if col.right else 0), y, cell, 8,
                             ha="right" if col.right else "left")
                        x += col.width_mm
                    y += row_h
                if len(rows) < len(brief.rows):
                    text(MARGIN_MM, y, brief.more_rows.format(n=i18n.fmt_num(len(brief.rows) - len(rows),
                                                                            brief.lang)), 8, color="#444444")

        # ---- footer: source, boundaries, date (and the period the figures describe)
        foot = brief.provenance.line(brief.lang, when)
        if brief.provenance.period:
            foot += f" · {t('br_period')}: {i18n.fmt_period(brief.provenance.period, brief.lang)}"
        fy = A4_MM[1] - MARGIN_MM - 2 * _line_mm(7)
        fig.add_artist(_rule(fy - 1.0, inner))
        for line in _wrap(foot, inner, 7)[:2]:
            text(MARGIN_MM, fy, line, 7, color="#444444")
            fy += _line_mm(7)
        if label:
            text(MARGIN_MM + inner, A4_MM[1] - MARGIN_MM - _line_mm(7), label, 7, ha="right",
                 color=RED, fontweight="bold")

        buf = io.BytesIO()
        fig.savefig(buf, format="pdf", metadata={"Title": brief.title, "Subject": brief.subtitle,
                                                 "Creator": "jamsostek-coverage-map"})
    return buf.getvalue()


def _map_size(spec: MapSpec, width_mm: float, height_mm: float) -> tuple[float, float]:
    """The map's box in mm: the full width and at most ``height_mm``, shaped like the area
    (with the PNG's padding), so a tall area gets a narrower box instead of empty margins."""
    import math
    minx, miny, maxx, maxy = spec.extent or spec.areas.total_bounds
    k = 1.0 / math.cos(math.radians((miny + maxy) / 2))
    dx, dy = (maxx - minx) * 1.08, (maxy - miny) * 1.18 * k
    if dx <= 0 or dy <= 0:
        return width_mm, height_mm
    natural_h = width_mm * dy / dx
    if natural_h <= height_mm:
        return width_mm, max(natural_h, 60.0)
    return max(height_mm * dx / dy, 70.0), height_mm


def _rule(y_mm: float, width_mm: float):
    from matplotlib.lines import Line2D
    return Line2D([_x(MARGIN_MM), _x(MARGIN_MM + width_mm)], [_mm(y_mm), _mm(y_mm)], color="#bbbbbb",
                  linewidth=0.5)


def _clip(text: str, width_mm: float, size_pt: float) -> str:
    chars = max(4, int(width_mm / (size_pt * 0.3528 * 0.56)))
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _legend_height_mm(lax, fig) -> float:
    legend = lax.get_legend()
    if legend is None:
        return 0.0
    box = legend.get_window_extent(fig.canvas.get_renderer())
    return box.height / fig.dpi * 25.4


# ---------------------------------------------------------------- from the map view


def _totals(frame: pd.DataFrame) -> pd.DataFrame:
    """The counts of ``frame``'s areas summed into one row (rates are recomputed from it)."""
    from geo.core import schema
    cols = [c for c in schema.COUNT_COLUMNS if c in frame]
    sums = {c: pd.to_numeric(frame[c], errors="coerce").sum(min_count=1) for c in cols}
    return pd.DataFrame([sums])


def explorer_brief(frames: Mapping[str, gpd.GeoDataFrame], view, bset: BoundarySet, provenance: Provenance,
                   rows: int = 10) -> Brief:
    """The brief of the map explorer's ``view`` (a :class:`geo.outputs.choropleth.View`)."""
    from geo.outputs import choropleth

    view = view.checked()
    lang = view.lang
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    frame = frames[view.level]
    spec = choropleth.explorer_spec(frame, view, bset, provenance)
    shown = choropleth.subset(frame, view)
    values = choropleth.map_values(shown, view)
    fmt = choropleth.value_format(view)
    target = i18n.fmt_pct(view.target, lang, 2)

    regencies = frames["regency"]
    if view.regency:
        area = bset.names("regency").get(view.regency, view.regency)
        totals = _totals(regencies[regencies["code"] == view.regency])
    else:
        area = ", ".join(bset.province_names.get(p, p) for p in bset.provinces)
        if len(bset.provinces) > 3:  # as the map's subtitle says it
            area = t("ex_provinces_n", n=len(bset.provinces), codes=", ".join(bset.provinces))
        totals = _totals(regencies)
    workers, covered = (s.iloc[0] for s in indicators.counts(totals, view.segment))
    rate = indicators.indicator(totals, "coverage_rate", view.segment, view.target).iloc[0]
    gap = indicators.indicator(totals, "gap_to_target", view.segment, view.target).iloc[0]
    need = indicators.indicator(totals, "to_target", view.segment, view.target).iloc[0]
    unit = t(f"unit_{view.level}")
    figures = [
        (t("br_area"), area),
        (t("br_segment"), t("seg_" + view.segment)),
        (t("br_workers"), i18n.fmt_num(workers, lang)),
        (t("br_covered"), i18n.fmt_num(covered, lang)),
        (t("br_rate"), i18n.fmt_pct(rate, lang, 2)),
        (t("br_target"), target),
        (t("br_gap"), i18n.fmt_pp(gap, lang, 2)),
        (t("br_to_target"), i18n.fmt_num(need, lang)),
        (t("br_areas_shown"), t("br_areas_shown_value", n=i18n.fmt_num(len(shown), lang), unit=unit,
                                nodata=i18n.fmt_num(int(values.isna().sum()), lang))),
    ]

    # the areas that need attention first: lowest rates, or most people for counts
    lowest = view.indicator not in choropleth.COUNT_INDICATORS
    order = values.dropna().sort_values(ascending=lowest, kind="mergesort")
    pick = shown.loc[order.index[:rows]]
    regency_names = bset.names("regency")
    # the last column: the coverage rate, or the people behind it when the map shows a rate
    counted = view.indicator in choropleth.COUNT_INDICATORS
    last = indicators.indicator(pick, "coverage_rate" if counted else "uncovered", view.segment, view.target)
    last_fmt = (lambda v: i18n.fmt_pct(v, lang)) if counted else (lambda v: i18n.fmt_num(v, lang))
    table_rows = []
    for idx, r in pick.iterrows():
        where = regency_names.get(r.get("regency_code", ""), "") if view.level != "regency" else \
            (bset.province_names.get(str(r["code"])[:2], "") if len(bset.provinces) > 1 else "")
        if view.level == "village":
            where = f"{bset.names('district').get(r.get('district_code', ''), '')} · {where}"
        table_rows.append([str(r["name"]), where, fmt(values.loc[idx]), last_fmt(last.loc[idx])])
    n = len(table_rows)
    title_key = "br_lowest" if lowest else "br_highest"
    indicator = choropleth.indicator_title(view)
    return Brief(
        title=spec.title, subtitle=spec.subtitle or "", map=spec, figures=figures, provenance=provenance,
        lang=lang, table_title=t(title_key, n=n, unit=unit) + f" · {indicator}",
        columns=[Column(t("br_col_name"), 52), Column(t("br_col_in"), 70),
                 Column(t("br_col_value"), 30, right=True),
                 Column(t("br_col_rate" if counted else "br_col_uncovered"), 34, right=True)],
        rows=table_rows, empty_table=t("no_data"))


def explorer_pdf(frames: Mapping[str, gpd.GeoDataFrame], view, bset: BoundarySet, provenance: Provenance,
                 when: dt.date | None = None) -> bytes:
    """The map view's one-page A4 brief as PDF bytes."""
    return render_pdf(explorer_brief(frames, view, bset, provenance), when)


# ---------------------------------------------------------------- from a target list


def target_list_brief(village: pd.DataFrame, selected: list[str], settings: targeting.Settings,
                      bset: BoundarySet, provenance: Provenance, lang: str, path: list[str] | None = None,
                      list_name: str | None = None, author: str | None = None) -> Brief:
    """The brief of a target list: its name, settings, budget, the coverage it reaches and its
    villages (in the list's order), over the map of the selection."""
    from geo.outputs import export, listtitle, targetlist

    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    settings = settings.checked()
    names = bset.names()
    table = targeting.village_table(village, settings, names)
    spec = export.selection_spec(bset, table, selected, list(path or []), lang, provenance, village, settings,
                                 list_name)
    block = listtitle.list_title(village, selected, settings, lang, list_name, names)
    b = block.budget
    target = i18n.fmt_pct(settings.target, lang, 2)
    figures = [
        (t("br_list"), list_name or t("br_unsaved")),
        *([(t("br_author"), author)] if author else []),
        (t("br_villages"), i18n.fmt_num(b.villages, lang)),
        (t("br_uncovered"), i18n.fmt_num(round(b.uncovered), lang)),
        (t("br_enrolled"), i18n.fmt_num(round(b.enrolled), lang)),
        (t("br_enrolled_paid"), i18n.fmt_num(round(b.enrolled_paid), lang)),
        (t("br_budget", months=settings.months), i18n.fmt_rp(b.budget, lang)),
        (t("br_monthly"), i18n.fmt_rp(b.monthly, lang)),
        (t("br_reached_title", target=target), ""),
    ]
    for row in block.reached.head(6).itertuples():  # the province(s), then the first regencies touched
        figures.append((_clip(str(row.name), 50, 8.5),
                        t("br_reached_value", before=i18n.fmt_pct(row.rate_before, lang, 2),
                          after=i18n.fmt_pct(row.rate_after, lang, 2))))
    rows = []
    if selected:
        lines = targetlist.target_list_frame(village, selected, settings, names)
        for r in lines.itertuples():
            rows.append([str(r.name), str(r.district), str(r.regency), i18n.fmt_num(r.uncovered, lang),
                         i18n.fmt_num(round(r.enrolled) if pd.notna(r.enrolled) else None, lang),
                         i18n.fmt_rp(r.budget_rp, lang)])
    return Brief(
        title=block.title, subtitle=f"{t('source')}: {provenance.source}", map=replace(spec, header_lines=[]),
        figures=figures, provenance=provenance, lang=lang, header_lines=block.lines[:1],
        legend_title=t("tl_map_title"),
        table_title=t("br_villages_table") + f" ({i18n.fmt_num(len(rows), lang)})",
        columns=[Column(t("tl_col_name"), 40), Column(t("tl_col_district"), 30), Column(t("tl_col_regency"), 36),
                 Column(t("br_col_uncovered"), 26, right=True), Column(t("br_col_enrolled"), 24, right=True),
                 Column(t("tl_col_budget"), 30, right=True)],
        rows=rows, more_rows=t("br_more"), empty_table=t("br_none"), map_height_mm=100.0)


def target_list_pdf(village: pd.DataFrame, selected: list[str], settings: targeting.Settings,
                    bset: BoundarySet, provenance: Provenance, lang: str, path: list[str] | None = None,
                    list_name: str | None = None, author: str | None = None,
                    when: dt.date | None = None) -> bytes:
    """The target list's one-page A4 brief as PDF bytes."""
    return render_pdf(target_list_brief(village, selected, settings, bset, provenance, lang, path,
                                        list_name, author), when)
