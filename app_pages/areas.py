"""Areas: the regencies, districts and villages of the selected provinces on one map."""
import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import boundaries
from geo.boundaries import upstream
from geo.core import i18n
from geo.outputs import areamap, maps
from ui import state, views

t = state.t
st.title(t("page_boundaries"))
try:
    bset = state.load_boundaries(state.provinces())
except (upstream.SourceError, OSError) as exc:
    st.error(t("boundaries_error", error=str(exc)))
    st.stop()

names = ", ".join(bset.province_names.values())
st.caption(t("boundaries_intro", regencies=len(bset.full["regency"]), districts=len(bset.full["district"]),
             villages=len(bset.full["village"]), province=names))
c1, c2 = st.columns([2, 1])
view = views.areas()
view.write_url()
basemap = view.widget(c1.radio, "basemap", t("basemap"), options=maps.BASEMAPS, horizontal=True,
                      format_func=lambda b: t(f"basemap_{b}"))
show_villages = view.widget(c2.toggle, "villages", t("show_villages"))

bounds = tuple(bset.web["regency"].total_bounds)
with st.spinner(t("ld_areas")):  # the map's layers take a while to build (the browser's part: ui/style.py)
    base = maps.base_map(bounds, basemap)
    layers = areamap.areas_layers(bset, state.lang(), show_villages)
    # the component keeps its map across reruns; the browser frames it on the layers whenever
    # they cover other bounds (a new province selection), in the part the legend leaves free
    st_folium(base, feature_group_to_add=layers, key="areas_map", height=620, use_container_width=True,
              returned_objects=[])
if show_villages and bset.geometry_for("village") == "overview":
    st.caption(t("ex_overview_note", areas=i18n.fmt_num(len(bset.full["village"]), state.lang())))
st.caption(t("boundaries_source", commit=upstream.UPSTREAM_COMMIT[:10]))

with st.expander(t("build_report")):
    rows = []
    for province, rep in bset.report.items():
        for level in boundaries.LEVELS:
            L, web = rep["layers"][level], rep.get("web", {}).get(level, {})
            over = rep.get("overview", {}).get(level, {})
            rows.append({"province": province, "level": level, "count": L["count"],
                         "coverage_valid": L["coverage_valid"], "repaired": L["repaired"],
                         "empty": ", ".join(L["empty"]), "web_valid": web.get("coverage_valid"),
                         "web_vertices": web.get("vertices"),
                         "displacement_m_median": web.get("displacement_m_median"),
                         "overview_valid": over.get("coverage_valid"), "overview_vertices": over.get("vertices"),
                         "overview_displacement_m_median": over.get("displacement_m_median")})
    lang = state.lang()
    table = pd.DataFrame(rows)
    table["level"] = [t(f"level_{lv}") for lv in table["level"]]
    def cell(v):  # yes/no, numbers and empty cells in the language, never True/None/nan
        if isinstance(v, (bool, np.bool_)):
            return t("yes") if v else t("no")
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, (int, float, np.integer, np.floating)):
            return i18n.fmt_num(v, lang, 0 if float(v).is_integer() else 1)
        return v
    for col in table.columns:
        table[col] = [cell(v) for v in table[col]]
    table.columns = [t(f"br_col_{c}") for c in table.columns]
    st.dataframe(table, hide_index=True)
