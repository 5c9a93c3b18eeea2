"""The progress chart: coverage per period against the target line, in three renderers.

- :func:`altair_chart` for the page (Altair ships with Streamlit; interactive tooltips),
- :func:`chart_png` (matplotlib, for a slide) and :func:`chart_html` (the same chart as inline
  SVG in one HTML file, with its numbers as a table: opens offline, no script at all).

Every renderer draws the same things: the coverage rate of each area per period (a line;
synthetic periods dashed and labelled "synthetic"), the published real points (Bali: 50.88 %
in March 2025 and 53.88 % in December 2025) as filled diamonds with their source, and the
target as a straight line from the last real point (or the first period) to the target at
the deadline, so "where we should be by now" is readable at any month.
"""
from __future__ import annotations

import html
import io
from dataclasses import dataclass

import pandas as pd

from geo.core import i18n, reference
from geo.core.provenance import Provenance

TARGET_COLOR = "#b2182b"
REAL_COLOR = "#111111"
PALETTE = ["#1f78b4", "#33a02c", "#e31a1c", "#ff7f00", "#6a3d9a", "#b15928", "#a6cee3", "#b2df8a",
           "#fb9a99", "#fdbf6f", "#cab2d6", "#8dd3c7"]


@dataclass(frozen=True)
class ChartData:
    """What a progress chart draws. ``series``: code, name, period (YYYY-MM), coverage_rate,
    synthetic (bool). ``real``: code, name, period, coverage_rate, source (published points)."""

    series: pd.DataFrame
    real: pd.DataFrame
    target: float
    deadline: str
    provenance: Provenance
    title: str
    paths: bool = True  # each area's straight path to the target (else one target line for all)


def published_points(codes, province: str = "51") -> pd.DataFrame:
    """The published coverage rates of ``codes`` (province, regencies) as chart points."""
    df = reference.beside_regency_view(province)
    df = df[df["region_code"].isin(list(codes))]
    return pd.DataFrame({"code": df["region_code"], "name": df["region_name"],
                         "period": df["as_of"].astype(str).str[:7], "coverage_rate": df["value"],
                         "source": df["source"]}).reset_index(drop=True)


def target_line(data: ChartData) -> pd.DataFrame:
    """Two points per area: from its last real point (or its first period) to the target at the deadline."""
    rows = []
    for code, s in data.series.groupby("code", sort=False):
        real = data.real[data.real["code"] == code].sort_values("period")
        start = (real.iloc[-1]["period"], float(real.iloc[-1]["coverage_rate"])) if len(real) else \
            (s.sort_values("period").iloc[0]["period"], float(s.sort_values("period").iloc[0]["coverage_rate"]))
        name = s["name"].iloc[0]
        rows += [{"code": code, "name": name, "period": start[0], "coverage_rate": start[1]},
                 {"code": code, "name": name, "period": data.deadline, "coverage_rate": data.target}]
    return pd.DataFrame(rows, columns=["code", "name", "period", "coverage_rate"])


def _date(period: pd.Series) -> pd.Series:
    return pd.to_datetime(period.astype(str) + "-01")


def altair_chart(data: ChartData, lang: str, height: int = 320):
    """An Altair layered chart (lines per area, real points, target line)."""
    import altair as alt

    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    s = data.series.assign(date=lambda d: _date(d["period"]),
                           kind=lambda d: d["synthetic"].map({True: t("pg_synthetic"), False: t("pg_real_file")}),
                           label=lambda d: [i18n.fmt_pct(v, lang, 2) for v in d["coverage_rate"]],
                           when=lambda d: [i18n.fmt_period(p, lang) for p in d["period"]])
    area = alt.Color("name:N", title=t("pg_area"))
    dash = {t("pg_real_file"): [1, 0], t("pg_synthetic"): [5, 3]}
    kinds = [k for k in dash if (s["kind"] == k).any()] or [t("pg_real_file")]
    tooltip = [alt.Tooltip("name:N", title=t("pg_area")), alt.Tooltip("when:N", title=t("pg_period")),
               alt.Tooltip("label:N", title=t("pg_rate")), alt.Tooltip("kind:N", title=t("pg_kind"))]
    y = alt.Y("coverage_rate:Q", title=t("pg_rate"), scale=alt.Scale(zero=False))
    x = alt.X("date:T", title=t("pg_period"), axis=alt.Axis(format="%b %Y"))
    lines = alt.Chart(s).mark_line(point=True).encode(
        x=x, y=y, color=area, tooltip=tooltip,
        strokeDash=alt.StrokeDash("kind:N", title=t("pg_kind"),
                                  scale=alt.Scale(domain=kinds, range=[dash[k] for k in kinds])))
    tl = target_line(data)
    if not data.paths:  # one horizontal target line from the first period to the deadline
        first = data.series["period"].min() if len(data.series) else data.deadline
        tl = pd.DataFrame({"code": "target", "name": "", "period": [first, data.deadline],
                           "coverage_rate": [data.target, data.target]})
    tl = tl.assign(date=lambda d: _date(d["period"]),
                   label=lambda d: [i18n.fmt_pct(v, lang, 2) for v in d["coverage_rate"]],
                   when=lambda d: [i18n.fmt_period(p, lang) for p in d["period"]],
                   what=t("pg_target_line" if data.paths else "pg_target", target=i18n.fmt_pct(data.target, lang, 2),
                          deadline=i18n.fmt_period(data.deadline, lang)))
    target = alt.Chart(tl).mark_line(color=TARGET_COLOR, strokeDash=[2, 2], opacity=0.8).encode(
        x="date:T", y="coverage_rate:Q", detail="code:N",
        tooltip=[alt.Tooltip("what:N", title=""), alt.Tooltip("name:N", title=t("pg_area")),
                 alt.Tooltip("when:N", title=t("pg_period")), alt.Tooltip("label:N", title=t("pg_rate"))])
    layers = [target, lines]
    if len(data.real):
        r = data.real.assign(date=lambda d: _date(d["period"]),
                             label=lambda d: [i18n.fmt_pct(v, lang, 2) for v in d["coverage_rate"]],
                             when=lambda d: [i18n.fmt_period(p, lang) for p in d["period"]],
                             what=t("pg_published"))
        layers.append(alt.Chart(r).mark_point(shape="diamond", size=110, filled=True, color=REAL_COLOR).encode(
            x="date:T", y="coverage_rate:Q",
            tooltip=[alt.Tooltip("what:N", title=""), alt.Tooltip("name:N", title=t("pg_area")),
                     alt.Tooltip("when:N", title=t("pg_period")), alt.Tooltip("label:N", title=t("pg_rate")),
                     alt.Tooltip("source:N", title=t("source"))]))
    return alt.layer(*layers).properties(height=height, title=data.title)


def _figure(data: ChartData, lang: str, size=(1600, 900), dpi=100):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    fig = Figure(figsize=(size[0] / dpi, size[1] / dpi), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes([0.07, 0.14, 0.66, 0.70])
    tl = target_line(data)
    for i, (code, s) in enumerate(data.series.groupby("code", sort=False)):
        province = len(str(code)) == 2
        color = "#222222" if province and not data.paths else PALETTE[i % len(PALETTE)]
        s = s.sort_values("period")
        ax.plot(_date(s["period"]), s["coverage_rate"], color=color, marker="o", markersize=4,
                linewidth=3 if province else 1.5,
                linestyle="--" if s["synthetic"].all() else "-", label=str(s["name"].iloc[0]))
        line = tl[tl["code"] == code]
        if data.paths:
            ax.plot(_date(line["period"]), line["coverage_rate"], color=color, linestyle=":", linewidth=1,
                    alpha=0.7)
    if len(data.real):
        ax.scatter(_date(data.real["period"]), data.real["coverage_rate"], marker="D", s=60, color=REAL_COLOR,
                   zorder=5, label=t("pg_published"))
    ax.axhline(data.target, color=TARGET_COLOR, linewidth=1.2, linestyle="--",
               label=t("pg_target" if not data.paths else "pg_target_line",
                       target=i18n.fmt_pct(data.target, lang, 2), deadline=i18n.fmt_period(data.deadline, lang)))
    ax.set_xlim(right=pd.Timestamp(data.deadline + "-01") + pd.Timedelta(days=20))
    ax.set_ylabel(t("pg_rate"))
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, fontsize=11)
    fig.text(0.02, 0.95, data.title, fontsize=20, fontweight="bold", va="top", parse_math=False)
    label = data.provenance.label(lang)
    if label:
        fig.text(0.98, 0.95, label, fontsize=14, fontweight="bold", va="top", ha="right", color="#c00000",
                 parse_math=False)
    notes = [t("pg_chart_note" if data.paths else "pg_chart_note_areas")]
    if len(data.real):
        notes.append(t("pg_published_sources", sources="; ".join(sorted(set(data.real["source"])))))
    fig.text(0.02, 0.06, "\n".join(notes), fontsize=9, color="#444444", va="center", parse_math=False, wrap=True)
    fig.text(0.02, 0.02, data.provenance.line(lang), fontsize=10, color="#444444", va="center", parse_math=False)
    for txt in ax.get_legend().get_texts():
        txt.set_parse_math(False)
    return fig


def chart_png(data: ChartData, lang: str, size=(1600, 900)) -> bytes:
    buf = io.BytesIO()
    _figure(data, lang, size).savefig(buf, format="png")
    return buf.getvalue()


def chart_html(data: ChartData, lang: str) -> str:
    """The chart as inline SVG with its numbers as a table, in one HTML file (no script)."""
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    buf = io.StringIO()
    _figure(data, lang).savefig(buf, format="svg")
    svg = buf.getvalue()
    svg = svg[svg.find("<svg"):]
    periods = sorted(set(data.series["period"]))
    rows = []
    for _, s in data.series.groupby("code", sort=False):
        by = dict(zip(s["period"], s["coverage_rate"]))
        cells = "".join(f"<td>{html.escape(i18n.fmt_pct(by.get(p), lang, 2))}</td>" for p in periods)
        rows.append(f"<tr><th>{html.escape(str(s['name'].iloc[0]))}</th>{cells}</tr>")
    head = "".join(f"<th>{html.escape(i18n.fmt_period(p, lang))}</th>" for p in periods)
    label = data.provenance.label(lang)
    return (f"<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{html.escape(data.title)}"
            "</title><style>body{font-family:system-ui,sans-serif;margin:16px}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}th:first-child{text-align:left}"
            ".syn{color:#a50f15;font-weight:600}</style></head><body>"
            + (f"<p class=\"syn\">{html.escape(label)}</p>" if label else "") + svg
            + f"<h3>{html.escape(t('pg_rate'))}</h3><table><tr><th></th>{head}</tr>{''.join(rows)}</table>"
            + f"<p>{html.escape(data.provenance.line(lang))}</p></body></html>")
