"""The reference map of the areas themselves: villages shaded by regency, regency outlines.

It needs no figures, so it is the first thing a user sees working and the map the browser
test counts shapes on.
"""
from __future__ import annotations

import folium

from . import i18n, maps
from .boundaries import BoundarySet

# ColorBrewer Set3 (qualitative, 12 classes): regencies are categories, not an order.
REGENCY_PALETTE = ["#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462",
                   "#b3de69", "#fccde5", "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f"]


def areas_layers(bset: BoundarySet, lang: str, show_villages: bool = True) -> folium.FeatureGroup:
    """Villages coloured by regency with a tooltip each, regency outlines on top, a legend."""
    regency = bset.web["regency"]
    district_names = dict(zip(bset.full["district"]["code"], bset.full["district"]["name"]))
    regency_names = dict(zip(regency["code"], regency["name"]))
    colour_of = {code: i % len(REGENCY_PALETTE) for i, code in enumerate(sorted(regency["code"]))}
    group = folium.FeatureGroup(name="areas")
    if show_villages:
        village = bset.full["village"]
        records = {
            row.code: (colour_of.get(row.regency_code, 0),
                       [row.name, i18n.t(f"kind_{row.kind}", lang) + " · " + row.code,
                        i18n.t("level_district", lang) + ": " + district_names.get(row.district_code, "?"),
                        i18n.t("level_regency", lang) + ": " + regency_names.get(row.regency_code, "?"),
                        i18n.t("area_km2", lang) + ": " + i18n.fmt_num(row.area_km2, lang, 2)])
            for row in village.itertuples()
        }
        maps.AreaLayer(bset.topology["village"], records, REGENCY_PALETTE, name="villages",
                       line="#ffffff", weight=0.5, opacity=0.8).add_to(group)
    reg_records = {row.code: (colour_of[row.code], [row.name, row.code]) for row in regency.itertuples()}
    maps.AreaLayer(bset.topology["regency"], reg_records, REGENCY_PALETTE, name="regencies",
                   fill=not show_villages, interactive=not show_villages, line="#333333",
                   weight=1.6, opacity=0.8).add_to(group)
    legend = maps.Legend(title=i18n.t("level_regency", lang), classes=[
        maps.LegendClass(REGENCY_PALETTE[colour_of[row.code]], row.name,
                         int((bset.full["village"]["regency_code"] == row.code).sum()))
        for row in regency.sort_values("code").itertuples()])
    maps.BoxLayer(maps.legend_html(legend), position="bottomright", css_class="geo-legend").add_to(group)
    return group
