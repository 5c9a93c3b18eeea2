"""Map explorer: coverage by regency, district and village, by segment, against the target."""
import streamlit as st
from streamlit_folium import st_folium

from geo import boundaries
from geo.analysis import classify, indicators, profile
from geo.core import i18n, reference, schema
from geo.outputs import choropleth, export, maps, viewport
from ui import state, viewstate

t, lang = state.t, state.lang()
viewstate.init()
bset = state.load_boundaries(state.provinces())
fig = state.active_figures()
frames = state.active_frames()

st.title(t("page_explore"))
st.caption(t("explore_intro"))
if fig.synthetic:
    st.warning(t("synthetic_banner"), icon="⚠️")

# ---- controls
c = st.columns([1.2, 1.6, 1.6, 1.4])
c[0].selectbox(t("level"), choropleth.LEVELS, key="ex_level", format_func=lambda v: t("level_" + v))
target_label = i18n.fmt_pct(st.session_state["ex_target"], lang, 2)
c[1].selectbox(t("indicator"), schema.INDICATORS, key="ex_indicator",
               format_func=lambda v: t("ind_" + v, target=target_label))
c[2].selectbox(t("segment"), schema.SEGMENT_CHOICES, key="ex_segment", format_func=lambda v: t("seg_" + v))
regencies = bset.full["regency"].sort_values("code")
reg_names = dict(zip(regencies["code"], regencies["name"]))
if len(bset.provinces) > 1:  # the same name can exist in two provinces: say which
    reg_names = {c: f"{n} ({bset.province_names.get(c[:2], c[:2])})" for c, n in reg_names.items()}
all_label = t("all_regencies")
if st.session_state["ex_regency"] not in reg_names:  # e.g. from an edited URL
    st.session_state["ex_regency"] = ""
c[3].selectbox(t("regency_filter"), ["", *reg_names], key="ex_regency",
               format_func=lambda v: reg_names.get(v, all_label))
if st.session_state["ex_indicator"] in choropleth.COUNT_INDICATORS:
    st.radio(t("measure"), choropleth.MEASURES, key="ex_measure", horizontal=True,
             format_func=lambda v: t("measure_" + v))
with st.expander(t("classification")):
    e = st.columns(5)
    e[0].selectbox(t("classification"), classify.SCHEMES, key="ex_scheme", format_func=lambda v: t("scheme_" + v))
    e[1].slider(t("classes"), *classify.K_RANGE, key="ex_k")
    e[2].number_input(t("target"), 0.0, 100.0, step=0.5, key="ex_target")
    e[3].radio(t("basemap"), maps.BASEMAPS, key="ex_basemap", format_func=lambda b: t(f"basemap_{b}"))
    e[4].number_input(t("suppress"), 0, 1000, step=1, key="ex_suppress", help=t("suppress_help"))
    breaks = ()
    if st.session_state["ex_scheme"] == "user_defined":
        st.text_input(t("breaks"), key="ex_breaks", placeholder="40; 50; 60")
        try:
            breaks = tuple(classify.parse_breaks(st.session_state["ex_breaks"]))
        except ValueError as exc:
            st.error(t("breaks_invalid", value=str(exc)))
view = viewstate.current(breaks)
if view.scheme == "user_defined" and not breaks:
    view = choropleth.View(**{**view.__dict__, "scheme": "quantiles"})
viewstate.to_url(view, st.session_state.get("ex_breaks", ""))


# ---- map: the base stays the same across reruns; only the layer group changes
def on_click():
    """Drill down from a regency to its villages; select a village for its profile."""
    drawn = (st.session_state.get("explore_map") or {}).get("last_active_drawing") or {}
    code = (drawn.get("properties") or {}).get("code")
    if not code:
        return
    if st.session_state["ex_level"] == "regency":
        st.session_state["ex_regency"] = code
        st.session_state["ex_level"] = "village"
    elif st.session_state["ex_level"] == "village":
        st.session_state["ex_selected"] = code


frame = frames[view.level]
selected = st.session_state.get("ex_selected")
left, right = st.columns([2.6, 1.4])
with left:
    base = maps.base_map(tuple(bset.web["regency"].total_bounds), view.basemap)
    layers = choropleth.explorer_layers(frame, view, bset, fig.synthetic, fig.source,
                                        selected=(selected,) if selected else ())
    centre, zoom = viewport.bounds_zoom(choropleth.view_bounds(frame, view), 640, 600, step=0.25,
                                          pad_left_px=200 if view.regency else 0)
    st_folium(base, feature_group_to_add=layers, key="explore_map", height=640, use_container_width=True,
              returned_objects=["last_active_drawing"], center=centre, zoom=zoom, on_change=on_click)
    if choropleth.view_topology(bset, view)[1] == "overview":
        st.caption(t("ex_overview_note", areas=i18n.fmt_num(len(choropleth.subset(frame, view)), lang)))
    st.caption(t("boundaries_source", commit=boundaries.upstream.UPSTREAM_COMMIT[:10]))
    d = st.columns(3)
    stem = f"peta_{view.level}_{view.indicator}_{view.segment}" + ("_sintetis" if fig.synthetic else "")
    d[0].download_button(t("download_png"), lambda: export.snapshot_png(frame, view, bset, fig.synthetic, fig.source),
                         f"{stem}.png", "image/png", key="ex_png")
    d[1].download_button(t("download_html"), lambda: export.snapshot_html(frame, view, bset, fig.synthetic, fig.source),
                         f"{stem}.html", "text/html", key="ex_html")
    d[2].caption(t("share_hint"))

with right:
    st.subheader(t("profile"))
    village = frames["village"]
    row = village[village["code"] == selected] if selected else village.iloc[0:0]
    if row.empty:
        st.caption(t("profile_hint"))
    else:
        r = row.iloc[0]
        st.text(f"{i18n.t('kind_' + r['kind'], lang)} {r['name']}\n{r['code']} · "
                f"{reg_names.get(r['regency_code'], '')}")
        table = profile.segment_table(row, view.target)
        if table.empty:
            st.info(t("no_data"))
        else:
            shown = table[["segment", "coverage_rate", "uncovered", "workers"]].copy()
            shown["segment"] = [t("seg_" + s) for s in shown["segment"]]
            shown["coverage_rate"] = [i18n.fmt_pct(v, lang) for v in shown["coverage_rate"]]
            for col in ("uncovered", "workers"):
                shown[col] = [i18n.fmt_num(v, lang) for v in shown[col]]
            shown.columns = [t("segment_table"), t("rate"), t("uncovered"), t("workers")]
            st.dataframe(shown, hide_index=True)
            need = table.loc[table["segment"] == view.segment, "to_target"]
            if len(need):
                st.caption(f"{t('to_target_short', target=i18n.fmt_pct(view.target, lang, 2))}: "
                           f"{i18n.fmt_num(need.iloc[0], lang)}")
            gap = indicators.indicator(row, "gap_to_target", view.segment, view.target).iloc[0]
            st.metric(t("gap_to_target"), i18n.fmt_pp(gap, lang))
            rank = profile.rank_in_parent(village, selected, segment=view.segment, target=view.target)
            if rank:
                st.caption(t("rank_in_regency", rank=rank[0], n=rank[1]))
        if st.button(t("add_to_targets"), key="ex_add"):
            state.add_selected([selected])
            st.toast(t("added_to_targets", name=r["name"]))
    if view.regency and st.button(t("back_to_all")):
        st.session_state["ex_regency"] = ""
        st.session_state["ex_level"] = "regency"
        st.rerun()

# ---- the province against the target, and the published real figures beside the demo
totals = state.active_province_totals()
for prow in totals.itertuples():
    one = totals[totals["code"] == prow.code]
    rate = indicators.indicator(one, "coverage_rate", "all", view.target).iloc[0]
    need = indicators.indicator(one, "to_target", "all", view.target).iloc[0]
    st.info(t("province_summary", province=bset.province_names.get(prow.code, prow.code),
              rate=i18n.fmt_pct(rate, lang), covered=i18n.fmt_num(prow.covered, lang),
              workers=i18n.fmt_num(prow.workers, lang), target=i18n.fmt_pct(view.target, lang, 2),
              need=i18n.fmt_num(need, lang)))
if fig.synthetic and view.level == "regency":
    for province in bset.provinces:  # only provinces with published figures (Bali) have a table
        published = reference.beside_regency_view(province)
        if not published.empty:
            st.subheader(t("ex_published_title_of", province=bset.province_names.get(province, province)))
            st.dataframe(published, hide_index=True)
