"""Change maps: what changed between two periods, drawn from a :class:`geo.analysis.change.Change`.

- **Change in coverage rate** (percentage points): a choropleth in a diverging palette centred
  on 0 (ColorBrewer RdBu: red where coverage fell, blue where it rose, a neutral class for
  "no change", |change| < 0.05 pp). The classes are symmetric around 0 (same widths on both
  sides, round numbers), so equal colours mean equal changes up or down.
- **Net new enrolments** (people): proportional circles (a choropleth of counts makes big areas
  look important): blue for a gain, red for a loss, area proportional to the number.
- The **change clusters** of :mod:`geo.analysis.trends` (differential local Moran, emerging hot
  spots) as categorical maps.

Areas without figures in either period are hatched "no data". Every map, PNG and HTML names
both periods, its source and, when either period is synthetic, says SYNTHETIC.
"""
from __future__ import annotations

import math

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geo.analysis import change as chg
from geo.analysis import clusters, trends
from geo.boundaries import BoundarySet
from geo.core import i18n
from geo.core.provenance import Provenance
from geo.outputs import maps
from geo.outputs.mapspec import MapSpec, circle_sizes
from geo.outputs.png import NEUTRAL, PNG_SIZE, categories_png, render_png

INDICATORS: tuple[str, ...] = ("change_pp", "new_enrolled")
RdBu7 = ["#b2182b", "#ef8a62", "#fddbc7", "#f7f7f7", "#d1e5f0", "#67a9cf", "#2166ac"]
GAIN, LOSS = ("#2166ac", "#08306b"), ("#b2182b", "#67001f")
MAX_RADIUS_PX = 24.0
# Emerging hot spots: hot categories in reds (darker = more persistent), cold in blues, as
# ArcGIS draws them; no pattern in light grey.
_HOT = {"new": "#fcbba1", "consecutive": "#fc9272", "intensifying": "#a50f15", "persistent": "#de2d26",
        "diminishing": "#fb6a4a", "sporadic": "#fee0d2", "oscillating": "#c994c7", "historical": "#bdbdbd"}
_COLD = {"new": "#c6dbef", "consecutive": "#9ecae1", "intensifying": "#08519c", "persistent": "#3182bd",
         "diminishing": "#6baed6", "sporadic": "#deebf7", "oscillating": "#a6bddb", "historical": "#d9d9d9"}
EMERGING_COLORS = {**{f"{k} hot spot": v for k, v in _HOT.items()}, **{f"{k} cold spot": v for k, v in _COLD.items()},
                   trends.NO_PATTERN: "#f4f4f4"}
DIFF_COLORS = {clusters.HH: "#2c7bb6", clusters.LL: "#d7191c", clusters.HL: "#abd9e9", clusters.LH: "#fdae61",
               clusters.NS: "#eeeeee"}  # for change: high-high = rose together (blue), low-low = fell together (red)


def _nice_step(x: float) -> float:
    """A round number (1, 2, 2.5 or 5 x 10^n) at or above ``x``."""
    if x <= 0 or not math.isfinite(x):
        return 1.0
    e = 10 ** math.floor(math.log10(x))
    for m in (1, 2, 2.5, 5, 10):
        if m * e >= x - 1e-12:
            return m * e
    return 10 * e


def change_classes(values: pd.Series, eps: float = chg.NO_CHANGE_PP) -> tuple[pd.Series, list[float]]:
    """Class per area (0..6, -1 = no data) for a change centred on 0, and the step of the classes.

    Classes: fell more than 2s, fell s-2s, fell up to s, no change (|v| < eps), rose up to s,
    rose s-2s, rose more than 2s, where s is a round number near a third of the largest |change|.
    """
    v = pd.to_numeric(values, errors="coerce").astype(float)
    big = float(np.nanmax(np.abs(v))) if v.notna().any() else 1.0
    step = _nice_step(max(big / 3, eps * 2))
    cls = pd.Series(-1, index=values.index, dtype=int)
    x = v.to_numpy()
    known = np.isfinite(x)
    k = np.full(len(x), 3)
    k[x <= -eps] = 2
    k[x <= -step] = 1
    k[x <= -2 * step] = 0
    k[x >= eps] = 4
    k[x >= step] = 5
    k[x >= 2 * step] = 6
    cls[known] = k[known]
    return cls, [step]


def class_labels(step: float, lang: str) -> list[str]:
    f = lambda x: i18n.fmt_pp(x, lang, 1 if step < 10 else 0)  # noqa: E731
    return [f"≤ {f(-2 * step)}", f"{f(-2 * step)} … {f(-step)}", f"{f(-step)} … 0",
            i18n.t("ch_no_change", lang, eps=i18n.fmt_num(chg.NO_CHANGE_PP, lang, 2)), f"0 … {f(step)}",
            f"{f(step)} … {f(2 * step)}", f"≥ {f(2 * step)}"]


def title(ch: chg.Change, indicator: str, lang: str) -> str:
    what = i18n.t("ch_ind_" + indicator, lang)
    return i18n.t("ch_map_title", lang, what=what, before=i18n.fmt_period(ch.before, lang),
                  after=i18n.fmt_period(ch.after, lang))


def subtitle(ch: chg.Change, bset: BoundarySet, lang: str) -> str:
    where = ", ".join(bset.province_names.values())
    if len(bset.provinces) > 3:
        where = ", ".join(bset.provinces)
    return (f"{i18n.t('seg_' + ch.segment, lang)} · {i18n.t('level_' + ch.level, lang)} · {where} · "
            f"{i18n.t('source', lang)}: {ch.provenance.source}")


def tooltip_lines(ch: chg.Change, names: dict[str, str], lang: str) -> dict[str, list]:
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    b, a = i18n.fmt_period(ch.before, lang), i18n.fmt_period(ch.after, lang)
    out: dict[str, list] = {}
    for r in ch.table.itertuples():
        where = [r.code]
        reg = getattr(r, "regency_code", None)
        if ch.level != "regency" and reg in names:
            where.append(" · " + names[reg])
        lines: list = [r.name, where]
        if not np.isfinite(r.change_pp):
            lines.append(t("ch_no_data_both", before=b, after=a))
        else:
            lines.append([t("ch_ind_change_pp") + ": ", i18n.fmt_pp(r.change_pp, lang, 2)])
            lines.append([f"{b}: ", i18n.fmt_pct(r.rate_before, lang, 2), f" · {a}: ", i18n.fmt_pct(r.rate_after, lang, 2)])
            lines.append([t("ch_ind_new_enrolled") + ": ", _signed(r.new_enrolled, lang)])
            lines.append([t("workers") + ": ", i18n.fmt_num(r.workers_before, lang), " → ",
                          i18n.fmt_num(r.workers_after, lang)])
        out[r.code] = lines
    return out


def _signed(x: float, lang: str) -> str:
    if x is None or not np.isfinite(x):
        return "–"
    return ("+" if x > 0 else "") + i18n.fmt_num(x, lang)


def _regency_names(bset: BoundarySet) -> dict[str, str]:
    return bset.names("regency")


def change_layers(ch: chg.Change, bset: BoundarySet, lang: str, indicator: str = "change_pp") -> folium.FeatureGroup:
    """Every layer of a change map (areas, circles, legend, title) in one swappable group."""
    if indicator not in INDICATORS:
        raise ValueError(f"unknown indicator {indicator!r}; choose from {', '.join(INDICATORS)}")
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    tips = tooltip_lines(ch, _regency_names(bset), lang)
    group = folium.FeatureGroup(name="change")
    table = ch.table
    outline = 5 if ch.level != "regency" else 0
    weight = 0.6 if ch.level == "village" else 1.0
    known = table["change_pp"].notna()
    if indicator == "change_pp":
        cls, (step,) = change_classes(table["change_pp"])
        records = {c: (int(k), tips[c]) for c, k in zip(table["code"], cls)}
        maps.AreaLayer(bset.topology_for(ch.level), records, RdBu7, name="areas", draw_missing=False,
                       line="#ffffff", weight=weight, opacity=0.9, outline_prefix=outline).add_to(group)
        counts = cls.value_counts()
        legend = maps.Legend(title=t("ch_ind_change_pp"), classes=[
            maps.LegendClass(col, lab, int(counts.get(i, 0))) for i, (col, lab) in
            enumerate(zip(RdBu7, class_labels(step, lang)))][::-1], note=t("ch_palette_note"))
    else:
        records = {c: (0 if k else -1, tips[c]) for c, k in zip(table["code"], known)}
        maps.AreaLayer(bset.topology_for(ch.level), records, [NEUTRAL], name="areas", draw_missing=False,
                       line="#ffffff", weight=weight, opacity=0.9, outline_prefix=outline).add_to(group)
        pts = symbol_points(ch, bset)
        for sign, (fill, stroke) in ((1, GAIN), (-1, LOSS)):
            part = pts[np.sign(pts["value"]) == sign].copy()
            if len(part):
                part["lines"] = [tips[c] for c in part["code"]]
                maps.SymbolLayer(part, fill=fill, stroke=stroke, opacity=0.6).add_to(group)
        vmax = float(pts["value"].abs().max()) if len(pts) else 1.0
        refs = [_round2(r) for r in (vmax, vmax / 4) if r > 0]
        legend = maps.Legend(title=t("ch_ind_new_enrolled"), classes=[
            maps.LegendClass(GAIN[0], t("ch_gain"), int((pts["value"] > 0).sum())),
            maps.LegendClass(LOSS[0], t("ch_loss"), int((pts["value"] < 0).sum()))],
            symbols=[(MAX_RADIUS_PX * math.sqrt(r / vmax), i18n.fmt_num(r, lang)) for r in refs],
            note=t("ch_net_note"))
    legend.nodata_label = t("no_data")
    legend.nodata_count = int((~known).sum())
    maps.BoxLayer(maps.legend_html(legend), position="bottomleft", css_class="geo-legend").add_to(group)
    maps.BoxLayer(maps.title_html(title(ch, indicator, lang), subtitle(ch, bset, lang), ch.provenance.label(lang)),
                  position="topright", css_class="geo-title").add_to(group)
    return group


def _round2(x: float) -> float:
    p = 10 ** (math.floor(math.log10(x)) - 1)
    return round(x / p) * p


def symbol_points(ch: chg.Change, bset: BoundarySet) -> pd.DataFrame:
    """lat, lng, radius (px), code and the net new enrolments of every area that changed."""
    t = ch.table[ch.table["new_enrolled"].notna() & (ch.table["new_enrolled"] != 0)]
    full = bset.full[ch.level].set_index("code")
    t = t[t["code"].isin(full.index)]
    geom = full.loc[t["code"]].geometry
    keep = ~geom.is_empty.to_numpy()
    t, geom = t[keep], geom[keep]
    p = geom.representative_point()
    v = t["new_enrolled"].to_numpy(dtype=float)
    vmax = float(np.abs(v).max()) if len(v) else 1.0
    r = np.maximum(MAX_RADIUS_PX * np.sqrt(np.abs(v) / vmax), 1.5)
    return pd.DataFrame({"lat": p.y.to_numpy(), "lng": p.x.to_numpy(), "radius": r, "code": t["code"].to_numpy(),
                         "value": v})


def change_map(ch: chg.Change, bset: BoundarySet, lang: str, indicator: str = "change_pp",
               basemap: str = "light", asset_prefix: str = maps.assets.APP_PREFIX) -> folium.Map:
    m = maps.base_map(tuple(float(b) for b in bset.web["regency"].total_bounds), basemap, asset_prefix)
    change_layers(ch, bset, lang, indicator).add_to(m)
    return m


def change_html(ch: chg.Change, bset: BoundarySet, lang: str, indicator: str = "change_pp") -> str:
    """The change map as one HTML file that opens offline (scripts inlined)."""
    return maps.render_standalone(change_map(ch, bset, lang, indicator))


def change_png(ch: chg.Change, bset: BoundarySet, lang: str, indicator: str = "change_pp",
               size: tuple[int, int] = PNG_SIZE) -> bytes:
    """The change map as a PNG (1600 x 1200 px by default), for a slide."""
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    web = bset.web[ch.level][["code", "geometry"]]
    areas = web[web["code"].isin(ch.table["code"])].copy()
    heading = title(ch, indicator, lang)
    common = dict(title=heading, legend_title=t("ch_ind_" + indicator), provenance=ch.provenance,
                  subtitle=subtitle(ch, bset, lang), lang=lang)
    if ch.level != "regency":
        common["outline"] = bset.web["regency"]
    by_code = ch.table.set_index("code")
    if indicator == "change_pp":
        cls, (step,) = change_classes(ch.table["change_pp"])
        areas["cls"] = areas["code"].map(pd.Series(cls.to_numpy(), index=ch.table["code"])).fillna(-1).astype(int)
        counts = [int((areas["cls"] == i).sum()) for i in range(7)]
        spec = MapSpec(areas=areas, colors=RdBu7, labels=class_labels(step, lang), counts=counts,
                       note=t("ch_palette_note"), **common)
        return render_png(spec, size)
    known = areas["code"].map(by_code["change_pp"].notna()).fillna(False).astype(bool)
    areas["cls"] = np.where(known, 0, -1)
    pts = symbol_points(ch, bset)
    share, refs = circle_sizes(pts["value"], lambda r: i18n.fmt_num(r, lang), refs=(1, 1 / 4))
    sym = pd.DataFrame({"code": pts["code"], "lon": pts["lng"], "lat": pts["lat"], "size": share,
                        "color": np.where(pts["value"] > 0, GAIN[0], LOSS[0])})
    spec = MapSpec(areas=areas, colors=[NEUTRAL], labels=[], counts=[], symbols=sym, symbol_legend=refs,
                   note=t("ch_net_note_png"), **common)
    return render_png(spec, size)


# ---------------------------------------------------------------- change clusters


def differential_layers(d: trends.Differential, ch: chg.Change, bset: BoundarySet, lang: str) -> folium.FeatureGroup:
    """The differential local Moran map (clusters of change) in one swappable group."""
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    labels = list(clusters.MORAN_LABELS)
    by = d.table.set_index("code")
    tips = tooltip_lines(ch, _regency_names(bset), lang)
    records = {}
    for code in ch.table["code"]:
        lines = list(tips.get(code, [code]))
        if code in by.index:
            r = by.loc[code]
            lines.append([t("ch_tip_cluster"), t("ch_diff_" + r["label"].replace(" ", "_"))])
            lines.append([t("cl_tip_p"), f"{r['p']:.3f}", t("cl_tip_q"), f"{r['q']:.3f}"])
            records[code] = (labels.index(r["label"]), lines)
        else:
            records[code] = (-1, lines)
    group = folium.FeatureGroup(name="differential")
    maps.AreaLayer(bset.topology_for(ch.level), records, [DIFF_COLORS[lb] for lb in labels], name="areas",
                   draw_missing=False, weight=0.5, opacity=0.9, outline_prefix=5 if ch.level != "regency" else 0
                   ).add_to(group)
    counts = d.counts()
    legend = maps.Legend(title=t("ch_diff_title"), classes=[
        maps.LegendClass(DIFF_COLORS[lb], t("ch_diff_" + lb.replace(" ", "_")), counts[lb]) for lb in labels],
        note=t("ch_diff_note"), nodata_label=t("no_data"), nodata_count=len(d.excluded))
    maps.BoxLayer(maps.legend_html(legend), position="bottomleft", css_class="geo-legend").add_to(group)
    maps.BoxLayer(maps.title_html(diff_title(d, ch, lang), subtitle(ch, bset, lang), ch.provenance.label(lang)),
                  position="topright", css_class="geo-title").add_to(group)
    return group


def diff_title(d: trends.Differential, ch: chg.Change, lang: str) -> str:
    return i18n.t("ch_diff_map_title", lang, what=i18n.t("ch_var_" + d.variable, lang),
                  before=i18n.fmt_period(ch.before, lang),
                  after=i18n.fmt_period(ch.after, lang))


def emerging_title(e: trends.Emerging, lang: str) -> str:
    return i18n.t("ch_em_map_title", lang, segment=i18n.t("seg_" + e.segment, lang),
                  first=i18n.fmt_period(e.periods[0], lang), last=i18n.fmt_period(e.periods[-1], lang),
                  n=len(e.periods))


def category_text(category: str, lang: str) -> str:
    return i18n.t("ch_em_" + category.replace(" ", "_"), lang)


def emerging_layers(e: trends.Emerging, frame: gpd.GeoDataFrame, bset: BoundarySet, lang: str,
                    provenance: Provenance, level: str = "village") -> folium.FeatureGroup:
    """The emerging hot spot map: one category per area (categories present, plus no pattern)."""
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    present = [c for c in trends.CATEGORIES if (e.table["category"] == c).any()] or [trends.NO_PATTERN]
    by = e.table.set_index("code")
    records = {}
    for r in frame[["code", "name"]].itertuples():
        if r.code in by.index:
            x = by.loc[r.code]
            lines = [r.name, r.code, [t("ch_tip_category"), category_text(x["category"], lang)],
                     [t("ch_tip_hot_periods"), f"{int(x['hot'])} / {len(e.periods)}"],
                     [t("ch_tip_trend"), f"τ = {x['tau']:+.2f}, p = {x['trend_p']:.3f}"],
                     [t("ch_tip_uncovered"), i18n.fmt_num(x["uncovered_first"], lang), " → ",
                      i18n.fmt_num(x["uncovered_last"], lang)]]
            idx = present.index(x["category"]) if x["category"] in present else len(present) - 1
            records[r.code] = (idx, lines)
        else:
            records[r.code] = (-1, [r.name, r.code, t("no_data")])
    group = folium.FeatureGroup(name="emerging")
    maps.AreaLayer(bset.topology_for(level), records, [EMERGING_COLORS[c] for c in present], name="areas",
                   draw_missing=False, weight=0.5, opacity=0.9, outline_prefix=5 if level != "regency" else 0
                   ).add_to(group)
    counts = e.counts()
    legend = maps.Legend(title=t("ch_em_title"), classes=[
        maps.LegendClass(EMERGING_COLORS[c], category_text(c, lang), counts[c]) for c in present],
        note=t("ch_em_note"), nodata_label=t("no_data"), nodata_count=int(len(frame) - len(e.table)))
    maps.BoxLayer(maps.legend_html(legend), position="bottomleft", css_class="geo-legend").add_to(group)
    maps.BoxLayer(maps.title_html(emerging_title(e, lang), None, provenance.label(lang)),
                  position="topright", css_class="geo-title").add_to(group)
    return group


def differential_png(d: trends.Differential, ch: chg.Change, bset: BoundarySet, lang: str) -> bytes:
    labels = list(clusters.MORAN_LABELS)
    cat = pd.Series(d.table["label"].to_numpy(), index=d.table["code"])
    return categories_png(bset.web[ch.level], cat, labels, DIFF_COLORS,
                          {lb: i18n.t("ch_diff_" + lb.replace(" ", "_"), lang) for lb in labels},
                          diff_title(d, ch, lang), ch.provenance, lang, subtitle=subtitle(ch, bset, lang),
                          outline=bset.web["regency"] if ch.level != "regency" else None,
                          note=i18n.t("ch_diff_note", lang))
