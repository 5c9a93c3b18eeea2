"""Map explorer: coverage by regency, district and village, by segment, against the target."""
import streamlit as st
from streamlit_folium import st_folium

from geo.analysis import classify, indicators, profile
from geo.boundaries import upstream
from geo.core import i18n, schema
from geo.outputs import choropleth, export, labels, maps, tables, viewport
from ui import session, state, views
from ui.text import esc

t, lang = state.t, state.lang()
bset = state.load_boundaries(state.provinces())
fig, frames = state.active_figures(), state.active_frames()
view = views.explore(bset)
view.write_url()

st.title(t("page_explore"))
st.caption(t("explore_intro"))
if text := session.notice_text(view.notices, lang):
    st.warning(text)
if fig.synthetic:
    st.warning(t("synthetic_banner"), icon="⚠️")

# ---- controls (bound to the page's view: they survive other pages, reloads and a language switch)
names = bset.names("regency", with_province=len(bset.provinces) > 1)
target_label = i18n.fmt_pct(view["target"], lang, 2)
c = st.columns([1.2, 1.6, 1.6, 1.4])
view.widget(c[0].selectbox, "level", t("level"), options=schema.LEVELS, format_func=lambda v: t("level_" + v))
view.widget(c[1].selectbox, "indicator", t("indicator"), options=schema.INDICATORS,
            format_func=lambda v: t("ind_" + v, target=target_label))
view.widget(c[2].selectbox, "segment", t("segment"), options=schema.SEGMENT_CHOICES, format_func=lambda v: t("seg_" + v))
view.widget(c[3].selectbox, "regency", t("regency_filter"), options=["", *names],
            format_func=lambda v: names.get(v, t("all_regencies")))
if view["indicator"] in schema.COUNT_INDICATORS:
    view.widget(st.radio, "measure", t("measure"), options=schema.MEASURES, horizontal=True,
                format_func=lambda v: t("measure_" + v))
with view.widget(st.expander, "classification_open", t("classification")):
    e = st.columns(5)
    view.widget(e[0].selectbox, "scheme", t("classification"), options=classify.SCHEMES,
                format_func=lambda v: t("scheme_" + v))
    view.widget(e[1].slider, "k", t("classes"), min_value=classify.K_RANGE[0], max_value=classify.K_RANGE[1])
    view.widget(e[2].number_input, "target", t("target"), min_value=0.0, max_value=100.0, step=0.5)
    view.widget(e[3].radio, "basemap", t("basemap"), options=maps.BASEMAPS, format_func=lambda b: t(f"basemap_{b}"))
    view.widget(e[4].number_input, "suppress", t("suppress"), min_value=0, max_value=1000, step=1,
                help=t("suppress_help"))
    if view["scheme"] == "user_defined":
        view.widget(st.text_input, "breaks", t("breaks"), placeholder="40; 50; 60", max_chars=200)
breaks: tuple[float, ...] = ()
if view["scheme"] == "user_defined":
    try:
        breaks = tuple(classify.parse_breaks(view["breaks"]))
    except ValueError as exc:
        st.error(t("breaks_invalid", value=esc(exc)))
map_view = choropleth.View(
    level=view["level"], indicator=view["indicator"], segment=view["segment"], measure=view["measure"],
    scheme=view["scheme"] if breaks or view["scheme"] != "user_defined" else "quantiles", k=view["k"],
    breaks=breaks, target=view["target"], regency=view["regency"] or None, basemap=view["basemap"], lang=lang,
    suppress=view["suppress"])


def on_click() -> None:
    """Drill down from a regency to its villages; a village opens its profile."""
    drawn = (st.session_state.get("explore_map") or {}).get("last_active_drawing") or {}
    code = (drawn.get("properties") or {}).get("code")
    if code and view["level"] == "regency":
        view.update(regency=code, level="village")
    elif code and view["level"] == "village":
        view.set("village", code)


frame, village = frames[map_view.level], frames["village"]
selected = view["village"]
left, right = st.columns([2.6, 1.4])
with left:
    base = maps.base_map(tuple(bset.web["regency"].total_bounds), map_view.basemap)
    layers = choropleth.explorer_layers(frame, map_view, bset, fig.provenance,
                                        selected=(selected,) if selected else ())
    centre, zoom = viewport.bounds_zoom(choropleth.view_bounds(frame, map_view), 640, 600, step=0.25,
                                        pad_left_px=200 if map_view.regency else 0)
    st_folium(base, feature_group_to_add=layers, key="explore_map", height=640, use_container_width=True,
              returned_objects=["last_active_drawing"], center=centre, zoom=zoom, on_change=on_click)
    if choropleth.view_topology(bset, map_view)[1] == "overview":
        st.caption(t("ex_overview_note", areas=i18n.fmt_num(len(choropleth.subset(frame, map_view)), lang)))
    st.caption(t("boundaries_source", commit=upstream.UPSTREAM_COMMIT[:10]))
    d = st.columns(3)
    # the file name in the language: peta_desa-kelurahan_tingkat-cakupan_semua-pekerja_sintetis.png
    stem = labels.file_stem(lang, t("fn_map"), t(f"level_{map_view.level}"),
                            t(f"ind_{map_view.indicator}", target=i18n.fmt_pct(map_view.target, lang, 2)),
                            t(f"seg_{map_view.segment}"), synthetic=fig.synthetic)
    d[0].download_button(t("download_png"), lambda: export.snapshot_png(frame, map_view, bset, fig.provenance), f"{stem}.png", "image/png",
                         key="ex_png", on_click="ignore")
    d[1].download_button(t("download_html"), lambda: export.snapshot_html(frame, map_view, bset, fig.provenance), f"{stem}.html", "text/html",
                         key="ex_html", on_click="ignore")
    d[2].caption(t("share_hint"))

with right:
    st.subheader(t("profile"))
    row = village[village["code"] == selected] if selected else village.iloc[0:0]
    if row.empty:
        st.caption(t("profile_hint"))
    else:
        r = row.iloc[0]
        st.text(f"{t('kind_' + r['kind'])} {r['name']}\n{r['code']} · {names.get(r['regency_code'], '')}")
        table = tables.profile_table(row, map_view.target, lang)
        if table.empty:
            st.info(t("no_data"))
        else:
            st.dataframe(table, hide_index=True)
            need = indicators.indicator(row, "to_target", map_view.segment, map_view.target).iloc[0]
            st.caption(f"{t('to_target_short', target=target_label)}: {i18n.fmt_num(need, lang)}")
            gap = indicators.indicator(row, "gap_to_target", map_view.segment, map_view.target).iloc[0]
            st.metric(t("gap_to_target"), i18n.fmt_pp(gap, lang))
            rank = profile.rank_in_parent(village, selected, segment=map_view.segment, target=map_view.target)
            if rank:
                st.caption(t("rank_in_regency", rank=rank[0], n=rank[1]))
        st.button(t("add_to_targets"), key="ex_add", on_click=lambda: (state.add_selected([selected]), st.toast(
            t("added_to_targets", name=esc(r["name"])))))
    if map_view.regency:
        st.button(t("back_to_all"), key="ex_back", on_click=view.update,
                  kwargs={"regency": "", "level": "regency", "village": ""})

# ---- the province against the target, and the published real figures beside the demo
totals = state.active_province_totals()
for code in totals["code"]:
    st.info(tables.area_summary(totals[totals["code"] == code], bset.province_names.get(code, code),
                                map_view.target, lang))
if fig.synthetic and map_view.level == "regency":
    for province in bset.provinces:  # only provinces with published figures (Bali) have a table
        published = tables.published_table(province, lang)
        if not published.empty:
            st.subheader(t("ex_published_title_of", province=bset.province_names.get(province, province)))
            st.dataframe(published, hide_index=True)
