"""The target-list map: selected villages, the fewest villages to the target, the others."""
from __future__ import annotations

import pandas as pd

from geo.core.provenance import Provenance

SELECTION_ORDER = ("other", "selected", "path")


SELECTION_COLORS = {"other": "#d9d9d9", "selected": "#08519c", "path": "#fd8d3c"}


def selection_categories(codes_all: list[str], selected: list[str], path: list[str]) -> pd.Series:
    """``selected``, ``path`` (on the shortest path, not selected) or ``other`` per village code."""
    sel, on_path = set(selected), set(path)
    return pd.Series(["selected" if c in sel else "path" if c in on_path else "other" for c in codes_all],
                     index=list(codes_all), dtype=object)


def selection_layers(bset, table: pd.DataFrame, selected: list[str], path: list[str], lang: str,
                     provenance: Provenance, suppress: int = 0, within: str | None = None):
    """The targeting page's map: villages grey, selected dark blue, shortest path orange.

    Villages without figures are hatched "no data"; every tooltip is text (geo.maps). With
    ``suppress`` > 0, counts below it (and a rate computed from them) read ``<suppress``.
    The browser frames the map on the villages of ``within`` (a regency code) when given.
    """
    import folium

    from geo.analysis.disclosure import is_small, small_label
    from geo.core import i18n
    from geo.outputs import maps

    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    village = bset.full["village"]
    cats = selection_categories(list(village["code"]), selected, path)
    idx = {c: i for i, c in enumerate(SELECTION_ORDER)}
    info = table.set_index("code")
    records = {}
    for row in village.itertuples():
        lines: list = [row.name, f"{t('kind_' + row.kind)} · {row.code}"]
        if row.code in info.index:
            r = info.loc[row.code]
            lines.append(f"{r['district']} · {r['regency']}")
            small = is_small(r["workers"], suppress) or is_small(r["covered"], suppress)
            unc = small_label(suppress) if is_small(r["uncovered"], suppress) else i18n.fmt_num(r["uncovered"], lang)
            rate = small_label(suppress) if small else i18n.fmt_pct(r["coverage_rate"], lang)
            lines.append(f"{t('tl_col_uncovered')}: {unc}")
            lines.append(f"{t('tl_col_coverage_rate')}: {rate}")
            cls = idx[cats[row.code]]
        else:
            lines.append(t("no_data"))
            cls = -1
        if cats[row.code] != "other":
            lines.append(t("tl_map_selected") if cats[row.code] == "selected" else t("tl_map_path"))
        records[row.code] = (cls, lines)
    group = folium.FeatureGroup(name="targets")
    colors = [SELECTION_COLORS[c] for c in SELECTION_ORDER]
    maps.AreaLayer(bset.topology_for("village"), records, colors, name="villages", line="#ffffff", weight=0.5,
                   opacity=0.9, aria_lines=(0, 2, 3, 4), kit=maps.Kit(within=within)).add_to(group)
    outline = {c: (0, []) for c in bset.full["regency"]["code"]}
    maps.AreaLayer(bset.topology_for("regency"), outline, ["#000"], name="outline", fill=False, interactive=False,
                   draw_missing=False, line="#444444", weight=1.4).add_to(group)
    counts = cats[cats.index.isin(info.index)].value_counts()
    labels = {"other": t("tl_map_other"), "selected": t("tl_map_selected"), "path": t("tl_map_path")}
    legend = maps.Legend(title=t("tl_map_title"), classes=[
        maps.LegendClass(SELECTION_COLORS[c], labels[c], int(counts.get(c, 0))) for c in reversed(SELECTION_ORDER)],
        nodata_label=t("no_data"), nodata_count=int((~cats.index.isin(info.index)).sum()))
    maps.BoxLayer(maps.legend_html(legend), position="bottomright", css_class="geo-legend").add_to(group)
    maps.BoxLayer(maps.title_html(t("tl_map_title"), f"{t('source')}: {provenance.source}",
                                  provenance.label(lang)),
                  position="topright", css_class="geo-title").add_to(group)
    return group
