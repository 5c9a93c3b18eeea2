"""Target lists: pick villages, budget them, find the shortest path to the target, save and export."""
import streamlit as st
from streamlit_folium import st_folium

from geo.analysis import targeting
from geo.core import i18n, schema
from geo.outputs import maps, tables, targetmap
from ui import session, state, views
from ui import target_lists as tl

lang = state.lang()
t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731 - this run's language, also inside format_func
ss = st.session_state
bset = state.load_boundaries(state.provinces())
fig = state.active_figures()
village = state.active_frames()["village"]
names = bset.names()
view = views.targets(bset)
db = state.store()
if not ss.get("tl_visited"):  # the page's first run in this session: a link may name a saved list
    ss["tl_visited"] = True
    if db is not None and view["list"]:
        tl.open_list(view, db, view["list"])
view.write_url()

session.page_header(view, t("tl_page"), t("tl_intro"), lang)
if fig.synthetic:
    st.warning(t("synthetic_banner"), icon="⚠️")
if fig.level != "village":
    st.info(t("tl_needs_villages", level=t("level_" + fig.level)))
    st.stop()

# ---- budget settings
with view.widget(st.expander, "settings_open", t("tl_settings")):
    c = st.columns([3, 1.4, 0.8, 1, 1])
    view.widget(c[0].multiselect, "segments", t("tl_segments"), options=schema.SEGMENTS, help=t("tl_segments_help"),
                format_func=lambda s: t("seg_" + s), placeholder=t("choose_options"))
    view.widget(c[1].number_input, "premium", t("tl_premium"), min_value=0, max_value=10_000_000, step=100,
                help=t("tl_premium_help"))
    view.widget(c[2].number_input, "months", t("tl_months"), min_value=1, max_value=120)
    view.widget(c[3].number_input, "uptake", t("tl_uptake"), min_value=1.0, max_value=100.0, step=5.0,
                help=t("tl_uptake_help"))
    view.widget(c[4].number_input, "target", t("tl_target"), min_value=0.01, max_value=100.0, step=0.5)
if not view["segments"]:
    st.warning(t("tl_no_segment"))
    st.stop()
settings = tl.current_settings(view)
table = targeting.village_table(village, settings, names)
budgetable = table[table["uncovered"].notna()]

# ---- filters and the table
regencies = list(bset.names("regency"))
districts = [c for c in bset.names("district") if not view["regency"] or c.startswith(view["regency"] + ".")]
robust_hh: list[str] | None = []
if view["only_hh"]:  # the cluster page's own result when it set one, else the default analysis
    one = settings.segments[0] if len(settings.segments) == 1 and settings.segments[0] in ("farmer", "fisher") else None
    robust_hh = ss.get("robust_high_high_codes") or tl.robust_high_high(
        state.figures_key(fig), village, one or "vulnerable")
f = st.columns([1.3, 1.3, 1, 1.2, 1, 0.8])
area_name = lambda c: names.get(c, c) or t("tl_all")  # noqa: E731 - "" stands for all areas
view.widget(f[0].selectbox, "regency", t("tl_regency"), options=["", *regencies], format_func=area_name,
            on_change=lambda: view.set("district", ""))
view.widget(f[1].selectbox, "district", t("tl_district"), options=["", *districts], format_func=area_name)
view.widget(f[2].number_input, "min_uncovered", t("tl_min_uncovered"), min_value=0, max_value=10_000_000, step=50)
view.widget(f[3].toggle, "only_hh", t("tl_only_hh"), help=t("tl_only_hh_help"))
view.widget(f[4].selectbox, "sort", t("tl_sort"), options=targeting.SORTS, format_func=lambda s: t("tl_sort_" + s))
view.widget(f[5].toggle, "descending", t("tl_descending"))
notes = st.container()  # notes come and go in here, so the map below keeps its place (not mounted again)
if view["only_hh"] and robust_hh is None:
    notes.warning(t("tl_hh_unavailable"))
shown = targeting.filter_table(budgetable, view["regency"] or None, view["district"] or None, view["min_uncovered"],
                               set(robust_hh) if view["only_hh"] and robust_hh is not None else None,
                               view["sort"], not view["descending"])
if view["only_hh"] and robust_hh == []:
    notes.info(t("tl_hh_none"))
in_data = set(village["code"])
selected = [c for c in state.selected_codes() if c in in_data]
path = targeting.fewest_villages(table, settings, view["scope"])


def apply_edits() -> None:
    """Ticks in the table change the shared selection."""
    edits = ss[f"tl_editor_{ss.get('tl_ev', 0)}"]["edited_rows"]
    ticked = {ss["tl_shown_codes"][int(i)]: ch["sel"] for i, ch in edits.items() if "sel" in ch}
    tl.select([c for c in state.selected_codes() if ticked.get(c, True)] + [c for c, on in ticked.items() if on])


def on_map_click() -> None:
    code = (((ss.get("tl_map") or {}).get("last_active_drawing") or {}).get("properties") or {}).get("code")
    if code:
        tl.bulk([code], code not in state.selected_codes())


left, right = st.columns([3, 2])
with left:
    ss["tl_shown_codes"] = list(shown["code"])
    grid = shown.assign(sel=shown["code"].isin(set(selected)))[
        ["sel", "code", "name", "district", "regency", "workers", "covered", "coverage_rate", "uncovered"]]
    cfg = {k: st.column_config.NumberColumn(t("tl_col_" + k), format="localized") for k in
           ("workers", "covered", "uncovered")}
    cfg.update({k: st.column_config.TextColumn(t("tl_col_" + k)) for k in ("code", "name", "district", "regency")},
               sel=st.column_config.CheckboxColumn(t("tl_col_select")),
               coverage_rate=st.column_config.NumberColumn(t("tl_col_coverage_rate"), format="%.1f"))
    st.data_editor(grid, column_config=cfg, disabled=[c for c in grid.columns if c != "sel"], hide_index=True,
                   key=f"tl_editor_{ss.get('tl_ev', 0)}", on_change=apply_edits, height=420)
    st.caption(t("tl_table_caption", shown=len(shown), total=len(budgetable), selected=len(selected)))
    if len(table) > len(budgetable):
        st.caption(t("tl_no_segment_data", n=len(table) - len(budgetable)))
    b = st.columns(3)
    b[0].button(t("tl_select_shown"), on_click=tl.bulk, args=(list(shown["code"]), True))
    b[1].button(t("tl_unselect_shown"), on_click=tl.bulk, args=(list(shown["code"]), False))
    b[2].button(t("tl_clear"), on_click=tl.select, args=([],))
with right:
    area = bset.web["regency"]
    area = area[area["code"] == view["regency"]] if view["regency"] else area
    layers = targetmap.selection_layers(bset, table, selected, path.codes, lang, fig.provenance, view["suppress"],
                                        within=view["regency"] or None)
    st_folium(maps.base_map(tuple(area.total_bounds), "light"), feature_group_to_add=layers, key="tl_map",
              height=470, use_container_width=True, returned_objects=["last_active_drawing"],
              on_change=on_map_click)
    st.caption(t("tl_map_caption"))

# ---- budget and the coverage it reaches
st.subheader(t("tl_budget"))
budget = targeting.budget(village, selected, settings)
if not selected:
    st.info(t("tl_nothing_selected"))
m = st.columns(3)
m[0].metric(t("tl_m_villages"), i18n.fmt_num(budget.villages, lang))
m[1].metric(t("tl_m_enrolled"), i18n.fmt_num(budget.enrolled, lang),
            t("tl_m_paid", n=i18n.fmt_num(budget.enrolled_paid, lang)), delta_color="off", delta_arrow="off")
m[2].metric(t("tl_m_budget", months=settings.months), i18n.fmt_rp(budget.budget, lang),
            t("tl_m_monthly", value=i18n.fmt_rp(budget.monthly, lang)), delta_color="off", delta_arrow="off")
if budget.missing:
    st.warning(t("tl_missing", n=len(budget.missing), codes=", ".join(budget.missing[:20])))
st.caption(t("tl_by_segment"))
st.dataframe(tables.segment_table(budget, lang), hide_index=True)
st.caption(t("tl_reached") + " · " + t("tl_reached_caption"))
st.dataframe(tables.rates_table(targeting.reached_rates(village, selected, settings, names), lang), hide_index=True)

# ---- the shortest path to the target
st.subheader(t("tl_path"))
st.caption(t("tl_path_explain"))
p = st.columns([2, 1, 1])
scopes = list(view.fields["scope"].options())
view.widget(p[0].selectbox, "scope", t("tl_path_scope"), options=scopes, format_func=lambda c: names.get(c, c))
kind, sentence = tables.path_summary(path, targeting.budget(village, path.codes, settings), settings,
                                     names.get(path.scope, path.scope), lang)
{"success": st.success, "info": st.info, "warning": st.warning}[kind](sentence)
if path.codes:
    p[1].button(t("tl_path_use"), on_click=tl.select, args=(path.codes,))
    p[2].button(t("tl_path_add"), on_click=tl.bulk, args=(path.codes, True))
    with st.expander(t("tl_path_list")):
        st.dataframe(table.set_index("code").loc[path.codes, ["name", "district", "regency", "uncovered"]])

listed = tl.saved_lists(view, db, fig, village, bset)
opened = tl.opened_list(view, db, listed)  # read once: the effect and the exports name it
effect = tl.effect_panel(view, db, listed, opened)
tl.exports(view, opened, fig, village, selected, settings, table, path.codes, bset, effect)
view.write_url()
