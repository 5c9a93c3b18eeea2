"""The reference map of the areas themselves: villages shaded by regency, regency outlines.

It needs no figures, so it is the first thing a user sees working and the map the browser
test counts shapes on. With several provinces the villages are shaded by province instead:
83 regencies cannot be told apart with 12 colours (nor listed in a legend that fits), while
the nine provinces can; regency outlines and each village's tooltip still say the regency.
"""
from __future__ import annotations

import folium

from geo.boundaries import BoundarySet
from geo.core import i18n
from geo.outputs import maps

# ColorBrewer Set3 (qualitative, 12 classes): regencies are categories, not an order.
REGENCY_PALETTE = ["#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462",
                   "#b3de69", "#fccde5", "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f"]


def areas_layers(bset: BoundarySet, lang: str, show_villages: bool = True) -> folium.FeatureGroup:
    """Villages coloured by regency (by province when several), tooltips, regency outlines, a legend."""
    regency = bset.web["regency"]
    village = bset.full["village"]
    district_names = dict(zip(bset.full["district"]["code"], bset.full["district"]["name"]))
    regency_names = dict(zip(regency["code"], regency["name"]))
    by_province = len(bset.provinces) > 1
    key = "province_code" if by_province else "regency_code"
    categories = sorted(bset.provinces) if by_province else sorted(regency["code"])
    colour_of = {code: i % len(REGENCY_PALETTE) for i, code in enumerate(categories)}
    group = folium.FeatureGroup(name="areas")
    if show_villages:
        province_names = bset.province_names
        records = {
            row.code: (colour_of.get(getattr(row, key), 0),
                       [row.name, i18n.t(f"kind_{row.kind}", lang) + " · " + row.code,
                        i18n.t("level_district", lang) + ": " + district_names.get(row.district_code, "?"),
                        i18n.t("level_regency", lang) + ": " + regency_names.get(row.regency_code, "?")
                        + (" · " + province_names.get(row.province_code, "") if by_province else ""),
                        i18n.t("area_km2", lang) + ": " + i18n.fmt_num(row.area_km2, lang, 2)])
            for row in village.itertuples()
        }
        geometry = bset.geometry_for("village")
        maps.AreaLayer(bset.topology_for("village", geometry=geometry), records, REGENCY_PALETTE,
                       name="villages", line="#ffffff", weight=0.5,
                       line_opacity=1.0 if geometry == "detail" else 0.35, opacity=0.8,
                       kit=maps.Kit(), aria_lines=(0, 1, 3)).add_to(group)
    reg_key = "province_code" if by_province else "code"
    reg_records = {row.code: (colour_of[getattr(row, reg_key)], [row.name, row.code]) for row in regency.itertuples()}
    maps.AreaLayer(bset.topology_for("regency"), reg_records, REGENCY_PALETTE, name="regencies",
                   fill=not show_villages, interactive=not show_villages, line="#333333",
                   weight=1.6, opacity=0.8, aria_lines=(0,),
                   kit=maps.Kit(keyboard=not show_villages, label_all=True, label_big=True, label_priority=1)
                   ).add_to(group)
    if by_province:
        names = bset.province_names
        rows = [(code, names.get(code, code), int((village["province_code"] == code).sum())) for code in categories]
        title = i18n.t("province", lang)
    else:
        rows = [(r.code, r.name, int((village["regency_code"] == r.code).sum()))
                for r in regency.sort_values("code").itertuples()]
        title = i18n.t("level_regency", lang)
    legend = maps.Legend(title=title, classes=[
        maps.LegendClass(REGENCY_PALETTE[colour_of[code]], name, n) for code, name, n in rows])
    maps.BoxLayer(maps.legend_html(legend), position="bottomright", css_class="geo-legend").add_to(group)
    return group
