"""The map explorer's panels: the controls that make a ``choropleth.View``, the map with its
downloads, the village profile and the province summary. The page arranges them; each panel
draws widgets bound to the page's view and calls the library once."""
from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from geo.analysis import classify, indicators, profile
from geo.boundaries import BoundarySet, search, upstream
from geo.core import i18n, schema
from geo.core.provenance import Provenance
from geo.outputs import brief, choropleth, export, geolayer, labels, leaflet, maps, tables

from . import session, state
from .text import esc


def search_box(view: session.PageState, bset: BoundarySet, names: dict[str, str]) -> None:
    """One box that finds a regency, district or village by name (typos and prefixes such as
    "Desa" tolerated), frames the map on the best hit and selects it; other hits as buttons."""
    t, _ = state.translator()

    def show_hit(hit: search.Hit) -> None:
        if hit.level == "regency":
            view.update(regency=hit.code, level="village" if view["level"] == "regency" else view["level"],
                        focus="", village="")
        elif hit.level == "district":
            view.update(regency=hit.regency, level="district" if view["level"] == "regency" else view["level"],
                        focus=hit.code, village="")
        else:
            view.update(regency=hit.regency, level="village", focus=hit.code, village=hit.code)

    def on_search() -> None:
        hits = search.search(bset, view["q"], limit=6)
        st.session_state["ex_search_hits"] = hits
        if hits:
            show_hit(hits[0])

    def hit_label(hit: search.Hit) -> str:
        where = "" if hit.level == "regency" else " · " + names.get(hit.regency, "")
        return t("m13_search_hit", name=hit.name, level=t("level_" + hit.level), where=where)

    view.widget(st.text_input, "q", t("m13_search"), placeholder=t("m13_search_ph"), help=t("m13_search_help"),
                max_chars=100, on_change=on_search)
    if view["q"].strip():
        hits = [h for h in st.session_state.get("ex_search_hits") or [] if h.code in bset.names()]
        if not hits:
            st.caption(t("m13_search_none", query=esc(view["q"].strip()[:100])))
        elif len(hits) > 1:
            st.caption(t("m13_search_found", name=esc(hit_label(hits[0]))))
            alt = st.columns(min(len(hits) - 1, 5))
            for i, hit in enumerate(hits[1:6]):
                alt[i].button(hit_label(hit), key=f"ex_hit_{i}", on_click=show_hit, args=(hit,),
                              use_container_width=True)


def controls(view: session.PageState, names: dict[str, str]) -> choropleth.View:
    """Level, indicator, segment, regency, measure and the classification expander → the map's view."""
    t, lang = state.translator()
    target_label = i18n.fmt_pct(view["target"], lang, 2)
    c = st.columns([1.2, 1.6, 1.6, 1.4])
    view.widget(c[0].selectbox, "level", t("level"), options=schema.LEVELS, format_func=lambda v: t("level_" + v))
    view.widget(c[1].selectbox, "indicator", t("indicator"), options=schema.INDICATORS,
                format_func=lambda v: t("ind_" + v, target=target_label))
    view.widget(c[2].selectbox, "segment", t("segment"), options=schema.SEGMENT_CHOICES,
                format_func=lambda v: t("seg_" + v))
    view.widget(c[3].selectbox, "regency", t("regency_filter"), options=["", *names],
                format_func=lambda v: names.get(v, t("all_regencies")), on_change=lambda: view.set("focus", ""))
    if view["indicator"] in schema.COUNT_INDICATORS:
        view.widget(st.radio, "measure", t("measure"), options=schema.MEASURES, horizontal=True,
                    format_func=lambda v: t("measure_" + v))
    with view.widget(st.expander, "classification_open", t("classification")):
        e = st.columns(5)
        view.widget(e[0].selectbox, "scheme", t("classification"), options=classify.SCHEMES,
                    format_func=lambda v: t("scheme_" + v))
        view.widget(e[1].slider, "k", t("classes"), min_value=classify.K_RANGE[0], max_value=classify.K_RANGE[1])
        view.widget(e[2].number_input, "target", t("target"), min_value=0.0, max_value=100.0, step=0.5)
        view.widget(e[3].radio, "basemap", t("basemap"), options=maps.BASEMAPS,
                    format_func=lambda b: t(f"basemap_{b}"))
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
    return choropleth.View(
        level=view["level"], indicator=view["indicator"], segment=view["segment"], measure=view["measure"],
        scheme=view["scheme"] if breaks or view["scheme"] != "user_defined" else "quantiles", k=view["k"],
        breaks=breaks, target=view["target"], regency=view["regency"] or None, basemap=view["basemap"], lang=lang,
        suppress=view["suppress"])


def map_with_downloads(view: session.PageState, frames, map_view: choropleth.View, bset: BoundarySet,
                       provenance: Provenance) -> None:
    """The choropleth (a click on a regency drills down, on a village opens its profile), its
    notes and the PNG/HTML snapshot downloads."""
    t, lang = state.translator()

    def on_click() -> None:
        drawn = (st.session_state.get("explore_map") or {}).get("last_active_drawing") or {}
        code = (drawn.get("properties") or {}).get("code")
        if code and view["level"] == "regency":
            view.update(regency=code, level="village", focus="")
        elif code and view["level"] == "village":
            view.set("village", code)

    selected, frame = view["village"], frames[map_view.level]
    base = geolayer.with_engine(maps.base_map(tuple(bset.web["regency"].total_bounds), map_view.basemap))
    # the browser frames the map on the areas shown (or the area found) in the part the legend
    # and title leave free (geomapkit.js), so no centre or zoom is passed from here
    layers = choropleth.explorer_layers(frame, map_view, bset, provenance,
                                        selected=tuple(dict.fromkeys(c for c in (selected, view["focus"]) if c)),
                                        focus=view["focus"] or None)
    st_folium(base, feature_group_to_add=layers, key="explore_map", height=640, use_container_width=True,
              returned_objects=["last_active_drawing"], on_change=on_click)
    if leaflet.geometry_for(bset, map_view.level, map_view.regency if map_view.regency and map_view.level != "regency" else None,
                             geolayer.engine()) == "overview":
        st.caption(t("ex_overview_note", areas=i18n.fmt_num(len(choropleth.subset(frame, map_view)), lang)))
    st.caption(t("boundaries_source", commit=upstream.UPSTREAM_COMMIT[:10]))
    d = st.columns(4)
    # the file name in the language: peta_desa-kelurahan_tingkat-cakupan_semua-pekerja_sintetis.png
    stem = labels.file_stem(lang, t("fn_map"), t(f"level_{map_view.level}"),
                            t(f"ind_{map_view.indicator}", target=i18n.fmt_pct(map_view.target, lang, 2)),
                            t(f"seg_{map_view.segment}"), synthetic=provenance.synthetic)
    d[0].download_button(t("download_png"), lambda: export.snapshot_png(frame, map_view, bset, provenance),
                         f"{stem}.png", "image/png", key="ex_png", on_click="ignore")
    d[1].download_button(t("download_html"), lambda: export.snapshot_html(frame, map_view, bset, provenance),
                         f"{stem}.html", "text/html", key="ex_html", on_click="ignore")
    d[2].download_button(t("br_download_pdf"), lambda: brief.explorer_pdf(frames, map_view, bset, provenance),
                         f"{stem}.pdf", "application/pdf", key="ex_pdf", on_click="ignore",
                         help=t("br_download_pdf_help"))
    d[3].caption(t("share_hint"))


def village_profile(view: session.PageState, village, map_view: choropleth.View, names: dict[str, str]) -> None:
    """The selected village: every segment, the people to the target, the gap and its rank in
    its regency; a button that adds it to the target list; the way back from a drill-down."""
    t, lang = state.translator()
    selected = view["village"]
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
            st.caption(f"{t('to_target_short', target=i18n.fmt_pct(map_view.target, lang, 2))}: "
                       f"{i18n.fmt_num(need, lang)}")
            gap = indicators.indicator(row, "gap_to_target", map_view.segment, map_view.target).iloc[0]
            st.metric(t("gap_to_target"), i18n.fmt_pp(gap, lang))
            rank = profile.rank_in_parent(village, selected, segment=map_view.segment, target=map_view.target)
            if rank:
                st.caption(t("rank_in_regency", rank=rank[0], n=rank[1]))
        st.button(t("add_to_targets"), key="ex_add", on_click=lambda: (state.add_selected([selected]), st.toast(
            t("added_to_targets", name=esc(r["name"])))))
    if map_view.regency:
        st.button(t("back_to_all"), key="ex_back", on_click=view.update,
                  kwargs={"regency": "", "level": "regency", "village": "", "focus": ""})


def province_summary(bset: BoundarySet, map_view: choropleth.View, synthetic: bool) -> None:
    """Each province against the target (with how many villages reported), and beside the
    synthetic demo's regency view the published real figures with their source."""
    t, lang = state.translator()
    totals = state.active_province_totals()
    for code in totals["code"]:
        st.info(tables.area_summary(totals[totals["code"] == code], bset.province_names.get(code, code),
                                    map_view.target, lang))
    if synthetic and map_view.level == "regency":
        for province in bset.provinces:  # only provinces with published figures (Bali) have a table
            published = tables.published_table(province, lang)
            if not published.empty:
                st.subheader(t("ex_published_title_of", province=bset.province_names.get(province, province)))
                st.dataframe(published, hide_index=True)
