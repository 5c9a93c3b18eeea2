"""Map layers for a cluster analysis: the cluster map and the significance map.

Drawing only: the statistics come from :mod:`geo.clusters` as a table (label, p-value,
stability per area); this module turns it into :mod:`geo.maps` layers (TopoJSON areas with
text-only tooltips, a legend, a title that says when the data are synthetic). Stable
significant areas get a dark outline on either map, so the stability mark is visible
without hovering. Gi* tooltips show its classical z-score. Areas left out because the
segment has no workers there (the segment's own villages) are drawn white, apart from the
hatched areas without data.
"""
from __future__ import annotations

import math

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geo.analysis import clusters
from geo.boundaries import BoundarySet
from geo.core.provenance import Provenance
from geo.core import i18n
from geo.outputs import maps

MODES = ("cluster", "significance")
# High-high in strong red, low-low in blue, the outliers in their light tones (GeoDa's
# convention, ColorBrewer RdYlBu ends), not significant in light grey.
CLUSTER_COLORS = {clusters.HH: "#d7191c", clusters.LL: "#2c7bb6", clusters.HL: "#fdae61",
                  clusters.LH: "#abd9e9", clusters.HOT: "#d7191c", clusters.COLD: "#2c7bb6",
                  clusters.NS: "#eeeeee"}
# Significance: darker green for smaller p-values (ColorBrewer Greens).
SIG_LEVELS = (0.001, 0.01, 0.05)
SIG_COLORS = ("#006d2c", "#31a354", "#a1d99b")
NS_COLOR = "#eeeeee"
OUTSIDE_COLOR = "#ffffff"  # figures, but no workers of the segment: not analysed
STABLE_LINE = "#111111"
HIGH = (clusters.HH, clusters.HL, clusters.HOT)


def value_text(value: float, measure: str, lang: str) -> str:
    if measure == "share":
        return i18n.fmt_pct(value, lang)
    if measure == "density":
        return i18n.fmt_num(value, lang, 1)
    return i18n.fmt_num(value, lang)


def p_text(p: float, lang: str) -> str:
    """Three decimals, more when needed (with 9,999 permutations p can be 0.0002)."""
    decimals = 3 if not p or p >= 0.001 else min(6, -math.floor(math.log10(p)))
    return i18n.fmt_num(p, lang, decimals)


def z_text(z: float, lang: str) -> str:
    """A classical z-score, two decimals with its sign."""
    if z is None or not math.isfinite(z):
        return "–"
    return ("+" if z > 0 else "") + i18n.fmt_num(z, lang, 2)


def stability_text(agree: int, runs: int, stable: bool, lang: str) -> str:
    if runs <= 1:
        return "–"
    return i18n.t("cl_stable" if stable else "cl_unstable", lang, agree=int(agree), runs=int(runs))


def label_text(label: str, lang: str) -> str:
    return i18n.t("cl_label_" + label, lang)


def decisive_p(result: clusters.Result) -> pd.Series:
    """The p-value that decides significance: FDR-adjusted when the correction is on."""
    return result.table["q"] if result.settings.fdr else result.table["p"]


def significance_class(result: clusters.Result) -> tuple[np.ndarray, list[float]]:
    """Class per area (index into the levels at or below alpha, -2 for not significant)."""
    levels = [lv for lv in SIG_LEVELS if lv <= result.settings.alpha + 1e-12]
    p = decisive_p(result).to_numpy()
    cls = np.full(len(p), -2)
    for i in reversed(range(len(levels))):
        cls[p <= levels[i] + 1e-12] = i
    return cls, levels


def tooltip_lines(result: clusters.Result, frame: pd.DataFrame, bset: BoundarySet,
                  lang: str) -> dict[str, list]:
    """Per code: name, where it is, then value, cluster type, p-value and stability."""
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    regency = dict(zip(bset.full["regency"]["code"], bset.full["regency"]["name"]))
    district = dict(zip(bset.full["district"]["code"], bset.full["district"]["name"]))
    kinds = {k: t("kind_" + k) + " · " for k in ("desa", "kelurahan", "other")}
    s = result.settings
    by_code = result.table.set_index("code")
    outside = set(result.outside)
    segment = i18n.t("seg_" + s.segment, lang)
    out: dict[str, list] = {}
    for row in frame.itertuples():
        where = [kinds.get(getattr(row, "kind", ""), ""), row.code]
        parents = [district.get(getattr(row, "district_code", None)), regency.get(getattr(row, "regency_code", None))]
        parents = [p for p in parents if p and p != row.name]
        if parents:
            where.append(" · " + ", ".join(parents))
        lines: list = [row.name, where]
        if row.code in outside:
            lines.append(t("cl_not_analysed", segment=segment))
        elif row.code not in by_code.index:
            lines.append(t("no_data"))
        else:
            r = by_code.loc[row.code]
            lines.append([t("cl_tip_value"), value_text(r["value"], s.measure, lang)])
            lines.append([t("cl_tip_cluster"), label_text(r["label"], lang)])
            if s.statistic == "gi":
                lines.append([t("cl_tip_z"), z_text(r["z"], lang)])
            p_line = [t("cl_tip_p"), p_text(r["p"], lang)]
            if s.fdr:
                p_line += [t("cl_tip_q"), p_text(r["q"], lang)]
            lines.append(p_line)
            lines.append([t("cl_tip_stability"), stability_text(r["agree"], r["runs"], r["stable"], lang)])
        out[row.code] = lines
    return out


def title(result: clusters.Result, lang: str) -> str:
    s = result.settings
    key = "cl_gi_title" if s.statistic == "gi" else "cl_title"
    measure = i18n.t("cl_measure_" + s.measure, lang)
    return i18n.t(key, lang, measure=measure, segment=i18n.t("seg_" + s.segment, lang))


def population_text(result: clusters.Result, lang: str) -> str:
    """Which areas were analysed, in plain words (for the map's subtitle and the page)."""
    s = result.settings
    n = i18n.fmt_num(len(result.table), lang)
    if result.population == "segment":
        return i18n.t("cl_population_segment_n", lang, n=n, segment=i18n.t("seg_" + s.segment, lang))
    return i18n.t("cl_population_all_n", lang, n=n)


def subtitle(result: clusters.Result, bset: BoundarySet, lang: str, provenance: Provenance | None = None) -> str:
    s = result.settings
    text = i18n.t("cl_subtitle", lang, statistic=i18n.t("cl_statistic_" + s.statistic, lang),
                  population=population_text(result, lang),
                  alpha=i18n.fmt_num(s.alpha, lang, 2), fdr=i18n.t("cl_fdr_short", lang) if s.fdr else "")
    text += " · " + ", ".join(bset.province_names.values())
    if provenance is not None and provenance.source:
        text += f" · {i18n.t('source', lang)}: {provenance.source}"
    return text


def cluster_layers(result: clusters.Result, frame: gpd.GeoDataFrame, bset: BoundarySet, lang: str,
                   provenance: Provenance, mode: str = "cluster", level: str = "village") -> folium.FeatureGroup:
    """The cluster map (``mode="cluster"``) or the significance map, in one swappable group.

    ``frame`` is the analysis frame of ``level`` (every area, so that those left out of the
    analysis are drawn hatched as "no data").
    """
    if mode not in MODES:
        raise ValueError(f"unknown map {mode!r}; choose from {', '.join(MODES)}")
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    tips = tooltip_lines(result, frame, bset, lang)
    table = result.table
    group = folium.FeatureGroup(name="clusters")
    if mode == "cluster":
        labels = list(result.labels)
        colors = [CLUSTER_COLORS[lb] for lb in labels]
        index = {lb: i for i, lb in enumerate(labels)}
        cls = dict(zip(table["code"], (index[lb] for lb in table["label"])))
        counts = table["label"].value_counts()
        legend = maps.Legend(title=t("cl_map_cluster"), classes=[
            maps.LegendClass(CLUSTER_COLORS[lb], label_text(lb, lang), int(counts.get(lb, 0))) for lb in labels])
    else:
        sig, levels = significance_class(result)
        colors = list(SIG_COLORS[:len(levels)]) + [NS_COLOR]
        sig = np.where(sig == -2, len(levels), sig)
        cls = dict(zip(table["code"], sig.tolist()))
        counts = pd.Series(sig).value_counts()
        names = [t("cl_sig_alpha", alpha=i18n.fmt_num(lv, lang, 3 if lv < 0.01 else 2)) for lv in levels]
        legend = maps.Legend(
            title=t("cl_sig_title_fdr" if result.settings.fdr else "cl_sig_title"),
            classes=[maps.LegendClass(c, n, int(counts.get(i, 0))) for i, (c, n) in enumerate(zip(colors, names))]
            + [maps.LegendClass(NS_COLOR, label_text(clusters.NS, lang), int(counts.get(len(levels), 0)))])
    outside = set(result.outside)
    if outside:  # not analysed (no workers of the segment): a class of its own, not "no data"
        colors = colors + [OUTSIDE_COLOR]
        for code in outside:
            cls[code] = len(colors) - 1
        legend.classes.append(maps.LegendClass(OUTSIDE_COLOR, t(
            "cl_not_analysed", segment=i18n.t("seg_" + result.settings.segment, lang)), len(outside)))
    records = {code: (cls.get(code, -1), tips[code]) for code in frame["code"]}
    outline = 5 if level != "regency" else 0  # regency outlines: codes share "51.03"
    maps.AreaLayer(bset.topology_for(level), records, colors, name="clusters", draw_missing=False,
                   line="#ffffff", weight=0.5 if level == "village" else 0.9, opacity=0.9,
                   outline_prefix=outline, aria_lines=(0, 3),
                   kit=maps.Kit(label_all=level == "regency", label_big=level == "regency")).add_to(group)
    # the mark goes on the places outreach would go (high values): outlining every stable
    # low-low village would bury the map in black lines
    stable = table[table["stable"] & table["label"].isin(HIGH) & (table["runs"] > 1)]
    if len(stable):
        maps.AreaLayer(bset.topology_for(level), {c: (0, []) for c in stable["code"]}, [STABLE_LINE],
                       name="stable", fill=False, interactive=False, draw_missing=False,
                       line=STABLE_LINE, weight=2.0).add_to(group)
        legend.note = t("cl_stable_note", runs=int(table["runs"].iloc[0]))
    legend.nodata_label = t("no_data")
    legend.nodata_count = int(sum(1 for c in frame["code"] if c not in cls))
    maps.BoxLayer(maps.legend_html(legend), position="bottomleft", css_class="geo-legend").add_to(group)
    maps.BoxLayer(maps.title_html(title(result, lang), subtitle(result, bset, lang, provenance),
                                  provenance.label(lang)),
                  position="topright", css_class="geo-title").add_to(group)
    return group


def cluster_map(result: clusters.Result, frame: gpd.GeoDataFrame, bset: BoundarySet, lang: str,
                provenance: Provenance, mode: str = "cluster", level: str = "village", basemap: str = "light",
                asset_prefix: str = maps.assets.APP_PREFIX) -> folium.Map:
    """A complete map (base and layers), e.g. for a standalone file or a benchmark."""
    m = maps.base_map(tuple(float(b) for b in frame.total_bounds), basemap, asset_prefix)
    cluster_layers(result, frame, bset, lang, provenance, mode, level).add_to(m)
    return m
