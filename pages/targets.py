"""Target lists: pick villages, budget them, find the shortest path to the target, save and export."""
import re

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import export, i18n, indicators, maps, store, targeting
from geo import names as names_mod
from geo.targeting import Settings
from ui import state

state.ensure_routed()  # a run Streamlit started without the router

lang = state.lang()
t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731 - this run's language, also inside format_func
ss = st.session_state
bset = state.load_boundaries(state.provinces())
fig = state.active_figures()
village = state.active_frames()["village"]
names = {**dict(zip(bset.full["regency"]["code"], bset.full["regency"]["name"])),
         **dict(zip(bset.full["district"]["code"], bset.full["district"]["name"])), **bset.province_names}
regencies = sorted(bset.full["regency"]["code"])
scopes = list(bset.provinces) + regencies


def esc(text: object) -> str:
    """Markdown-escape user text (list names, authors) before it goes into a message."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:])", r"\\\1", str(text))


@st.cache_resource(show_spinner=False)
def saved_lists(url: str) -> store.Store:
    return store.Store(url)


@st.cache_data(show_spinner=False, max_entries=4)
def robust_high_high(figures_key: str, _frame, segment: str) -> list[str] | None:
    """Villages high-high under every weights and seed tried (geo.clusters' defaults); None if unavailable."""
    try:
        from geo import clusters
        result = clusters.analyse(_frame, clusters.Settings(segment=segment))
    except ImportError:
        return None
    except ValueError:  # clusters.Refusal: too few areas, constant values
        return []
    tab = result.table
    return sorted(tab.loc[(tab["label"] == clusters.HH) & tab["stable"], "code"])


def select(codes: list[str]) -> None:
    """Replace the shared selection; the table editor then starts afresh."""
    state.set_selected(codes)
    ss["tl_ev"] = ss.get("tl_ev", 0) + 1


def bulk(codes: list[str], add: bool) -> None:
    select(state.selected_codes() + codes if add else [c for c in state.selected_codes() if c not in codes])


def open_list(name: str, version: int | None = None) -> None:
    """A saved list becomes the selection, with the settings it was made with."""
    try:
        saved = db.open(name, version)
        s = Settings.from_dict(saved.settings)
    except (store.StoreError, ValueError, TypeError):
        ss["tl_msg"] = ("error", t("tl_not_found", name=esc(name)))
        return
    select(saved.codes)
    ss.update(tl_seg=list(s.segments), tl_premium=int(s.premium_monthly), tl_months=s.months,
              tl_uptake=float(s.uptake), tl_target=float(s.target), tl_open=saved.name, tl_open_pick=saved.name,
              tl_msg=("success", t("tl_opened", name=esc(saved.name), version=saved.version, n=len(saved.codes))))


try:
    db, db_error = saved_lists(store.database_url()), ""
except Exception as exc:  # noqa: BLE001 - the rest of the page works without saved lists
    db, db_error = None, str(exc)

if "tl_init" not in ss:  # once per session: a copied URL decides the first view
    ss.update(targeting.VIEW_DEFAULTS, tl_init=True, tl_ev=0, tl_scope=scopes[0])
    if db is not None and st.query_params.get("tl_list"):
        open_list(st.query_params["tl_list"])
    ss.update(targeting.view_from_query(st.query_params.to_dict()))

st.title(t("tl_page"))
st.caption(t("tl_intro"))
if fig.synthetic:
    st.warning(t("synthetic_banner"), icon="⚠️")
if fig.level != "village":
    st.info(t("tl_needs_villages", level=t("level_" + fig.level)))
    st.stop()
if msg := ss.pop("tl_msg", None):
    getattr(st, msg[0])(msg[1])

# ---- budget settings
with st.expander(t("tl_settings"), expanded=True):
    c = st.columns([3, 1.4, 0.8, 1, 1])
    c[0].multiselect(t("tl_segments"), indicators.SEGMENTS, key="tl_seg", help=t("tl_segments_help"),
                     format_func=lambda s: t("seg_" + s))
    bounds = targeting.VIEW_BOUNDS
    c[1].number_input(t("tl_premium"), *bounds["tl_premium"], step=100, key="tl_premium", help=t("tl_premium_help"))
    c[2].number_input(t("tl_months"), *bounds["tl_months"], key="tl_months")
    c[3].number_input(t("tl_uptake"), *bounds["tl_uptake"], step=5.0, key="tl_uptake", help=t("tl_uptake_help"))
    c[4].number_input(t("tl_target"), *bounds["tl_target"], step=0.5, key="tl_target")
if not ss["tl_seg"]:
    st.warning(t("tl_no_segment"))
    st.stop()
settings = Settings(tuple(ss["tl_seg"]), ss["tl_premium"], ss["tl_months"], ss["tl_uptake"], ss["tl_target"]).checked()
table = targeting.village_table(village, settings, names)
budgetable = table[table["uncovered"].notna()]

# ---- filters and the table
ss["tl_regency"] = ss["tl_regency"] if ss["tl_regency"] in regencies else ""
districts = sorted(c for c in bset.full["district"]["code"] if not ss["tl_regency"] or c.startswith(ss["tl_regency"]))
ss["tl_district"] = ss["tl_district"] if ss["tl_district"] in districts else ""
ss["tl_scope"] = ss["tl_scope"] if ss["tl_scope"] in scopes else scopes[0]
robust_hh: list[str] | None = []
if ss["tl_hh"]:  # the cluster page's own result when it set one, else the default analysis
    one = settings.segments[0] if len(settings.segments) == 1 and settings.segments[0] in ("farmer", "fisher") else None
    robust_hh = ss.get("robust_high_high_codes") or robust_high_high(
        state.figures_key(fig), village, one or "vulnerable")
f = st.columns([1.3, 1.3, 1, 1.2, 1, 0.8])
area_name = lambda c: names.get(c, c) or t("tl_all")  # noqa: E731 - "" stands for all areas
f[0].selectbox(t("tl_regency"), ["", *regencies], key="tl_regency", format_func=area_name)
f[1].selectbox(t("tl_district"), ["", *districts], key="tl_district", format_func=area_name)
f[2].number_input(t("tl_min_uncovered"), *targeting.VIEW_BOUNDS["tl_min"], step=50, key="tl_min")
f[3].toggle(t("tl_only_hh"), key="tl_hh", help=t("tl_only_hh_help"))
f[4].selectbox(t("tl_sort"), targeting.SORTS, key="tl_sort", format_func=lambda s: t("tl_col_" + s))
f[5].toggle(t("tl_descending"), key="tl_desc")
if ss["tl_hh"] and robust_hh is None:
    st.warning(t("tl_hh_unavailable"))
shown = targeting.filter_table(budgetable, ss["tl_regency"] or None, ss["tl_district"] or None, ss["tl_min"],
                               set(robust_hh) if ss["tl_hh"] and robust_hh is not None else None,
                               ss["tl_sort"], not ss["tl_desc"])
if ss["tl_hh"] and robust_hh == []:
    st.info(t("tl_hh_none"))
in_data = set(village["code"])
selected = [c for c in state.selected_codes() if c in in_data]
path = targeting.fewest_villages(table, settings, ss["tl_scope"])


def apply_edits() -> None:
    """Ticks in the table change the shared selection."""
    edits = ss[f"tl_editor_{ss['tl_ev']}"]["edited_rows"]
    ticked = {ss["tl_shown_codes"][int(i)]: ch["sel"] for i, ch in edits.items() if "sel" in ch}
    select([c for c in state.selected_codes() if ticked.get(c, True)] + [c for c, on in ticked.items() if on])


def on_map_click() -> None:
    code = (((ss.get("tl_map") or {}).get("last_active_drawing") or {}).get("properties") or {}).get("code")
    if code:
        bulk([code], code not in state.selected_codes())


left, right = st.columns([3, 2])
with left:
    ss["tl_shown_codes"] = list(shown["code"])
    view = shown.assign(sel=shown["code"].isin(set(selected)))[
        ["sel", "code", "name", "district", "regency", "workers", "covered", "coverage_rate", "uncovered"]]
    cfg = {k: st.column_config.NumberColumn(t("tl_col_" + k), format="localized") for k in
           ("workers", "covered", "uncovered")}
    cfg.update({k: st.column_config.TextColumn(t("tl_col_" + k)) for k in ("code", "name", "district", "regency")},
               sel=st.column_config.CheckboxColumn(t("tl_col_select")),
               coverage_rate=st.column_config.NumberColumn(t("tl_col_coverage_rate"), format="%.1f"))
    st.data_editor(view, column_config=cfg, disabled=[c for c in view.columns if c != "sel"], hide_index=True,
                   key=f"tl_editor_{ss['tl_ev']}", on_change=apply_edits, height=420)
    st.caption(t("tl_table_caption", shown=len(shown), total=len(budgetable), selected=len(selected)))
    if len(table) > len(budgetable):
        st.caption(t("tl_no_segment_data", n=len(table) - len(budgetable)))
    b = st.columns(3)
    b[0].button(t("tl_select_shown"), on_click=bulk, args=(list(shown["code"]), True))
    b[1].button(t("tl_unselect_shown"), on_click=bulk, args=(list(shown["code"]), False))
    b[2].button(t("tl_clear"), on_click=select, args=([],))
with right:
    area = bset.web["regency"]
    area = area[area["code"] == ss["tl_regency"]] if ss["tl_regency"] else area
    layers = targeting.selection_layers(bset, table, selected, path.codes, lang, fig.synthetic, fig.source,
                                        ss.get("tl_suppress", 0))
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
st.dataframe(targeting.segment_table(budget, lang), hide_index=True)
st.caption(t("tl_reached") + " · " + t("tl_reached_caption"))
st.dataframe(targeting.rates_table(targeting.reached_rates(village, selected, settings, names), lang), hide_index=True)

# ---- the shortest path to the target
st.subheader(t("tl_path"))
st.caption(t("tl_path_explain"))
p = st.columns([2, 1, 1])
p[0].selectbox(t("tl_path_scope"), scopes, key="tl_scope", format_func=lambda c: names.get(c, c))
kind, sentence = targeting.path_summary(path, targeting.budget(village, path.codes, settings), settings,
                                        names.get(path.scope, path.scope), lang)
getattr(st, kind)(sentence)
if path.codes:
    p[1].button(t("tl_path_use"), on_click=select, args=(path.codes,))
    p[2].button(t("tl_path_add"), on_click=bulk, args=(path.codes, True))
    with st.expander(t("tl_path_list")):
        st.dataframe(table.set_index("code").loc[path.codes, ["name", "district", "regency", "uncovered"]])

# ---- saved lists
st.subheader(t("tl_saved"))
listed = [s.name for s in db.names()] if db is not None else []


def save() -> None:
    if not state.selected_codes():
        ss["tl_msg"] = ("warning", t("tl_save_empty"))
        return
    try:
        saved = db.save(ss["tl_name"], state.selected_codes(), ss["tl_author"], ss["tl_note"],
                        {**settings.to_dict(), "source": fig.source, "synthetic": fig.synthetic},
                        overwrite=ss["tl_overwrite"], actor=store.default_actor())
    except store.NameExists as exc:
        ss["tl_msg"] = ("error", t("tl_name_exists", name=esc(exc.name), version=exc.version))
        return
    except store.StoreError as exc:
        ss["tl_msg"] = ("error", t("tl_save_error", error=esc(exc.text(lang))))
        return
    ss.update(tl_open=saved.name, tl_open_pick=saved.name, tl_overwrite=False,
              tl_msg=("success", t("tl_saved_ok", name=esc(saved.name), version=saved.version, n=len(saved.codes))))


def delete(name: str) -> None:
    try:
        ss["tl_msg"] = ("success", t("tl_deleted", name=esc(name), n=db.delete(name, actor=store.default_actor())))
    except store.StoreError as exc:
        ss["tl_msg"] = ("error", t("tl_save_error", error=esc(exc.text(lang))))
        return
    ss["tl_open"] = None if ss.get("tl_open") == name else ss.get("tl_open")


if db is None:
    st.error(t("tl_db_error", error=esc(db_error)))
else:
    tabs = st.tabs([t("tl_save"), t("tl_open"), t("tl_compare"), t("tl_delete")])
    with tabs[0]:
        s = st.columns([2, 1.3])
        s[0].text_input(t("tl_name"), key="tl_name", max_chars=store.NAME_MAX)
        s[1].text_input(t("tl_author"), key="tl_author", max_chars=store.NAME_MAX)
        st.text_area(t("tl_note"), key="tl_note", max_chars=store.TEXT_MAX, height=80)
        st.checkbox(t("tl_overwrite"), key="tl_overwrite")
        st.button(t("tl_save_button"), on_click=save, type="primary")
    with tabs[1]:
        if listed:
            o = st.columns([2, 1, 1])
            if ss.get("tl_open_pick") not in listed:
                ss["tl_open_pick"] = ss.get("tl_open") if ss.get("tl_open") in listed else listed[0]
            name = o[0].selectbox(t("tl_list"), listed, key="tl_open_pick")
            hist = db.history(name)
            version = o[1].selectbox(t("tl_version"), [None] + [h.version for h in reversed(hist)],
                                     format_func=lambda v: t("tl_latest") if v is None else str(v))
            one = next((h for h in hist if h.version == version), hist[-1])
            st.caption(t("tl_list_info", n=len(one.codes), author=esc(one.author or "–"),
                         date=one.created_at[:16].replace("T", " "), version=one.version, versions=len(hist)))
            st.text(one.note)
            o[2].button(t("tl_open_button"), on_click=open_list, args=(name, version), type="primary")
    with tabs[2]:
        if len(listed) >= 2:
            c = st.columns(2)
            a = db.open(c[0].selectbox(t("tl_list"), listed, key="tl_cmp_a"))
            b = db.open(c[1].selectbox(t("tl_compare_with"), [n for n in listed if n != a.name], key="tl_cmp_b"))
            cmp = store.compare(a, b)
            st.write(t("tl_compare_result", a=esc(a.name), b=esc(b.name), only_a=len(cmp.only_a),
                       only_b=len(cmp.only_b), both=len(cmp.both)))
            costs = [i18n.fmt_rp(targeting.budget(village, x.codes, Settings.from_dict(x.settings)).budget, lang)
                     for x in (a, b)]
            st.caption(f"{t('tl_compare_budget')}: {esc(a.name)} {costs[0]} · {esc(b.name)} {costs[1]}")
            if cmp.settings_changed:
                st.caption(t("tl_compare_settings"))
                label = {"segments": "tl_segments", "premium_monthly": "tl_premium", "months": "tl_months",
                         "uptake": "tl_uptake", "target": "tl_target", "source": "source"}
                st.dataframe(pd.DataFrame([(t(label[k]) if k in label else k, str(x), str(y))
                                           for k, (x, y) in cmp.settings_changed.items()],
                                          columns=["", a.name, b.name]), hide_index=True)
            vnames = dict(zip(village["code"], village["name"]))
            diff = [(c, a.name) for c in cmp.only_a] + [(c, b.name) for c in cmp.only_b]
            st.dataframe(pd.DataFrame([(c, vnames.get(c, ""), w) for c, w in diff],
                                      columns=[t("tl_col_code"), t("tl_col_name"), t("tl_list")]), hide_index=True)
        elif listed:
            st.caption(t("tl_compare_need_two"))
    with tabs[3]:
        if listed:
            d = st.columns([2, 2, 1])
            gone = d[0].selectbox(t("tl_list"), listed, key="tl_del_pick")
            sure = d[1].checkbox(t("tl_delete_confirm", name=esc(gone)), key="tl_del_sure")
            d[2].button(t("tl_delete_button"), disabled=not sure, on_click=delete, args=(gone,))
    if not listed:
        st.caption(t("tl_none_saved"))

# ---- downloads (made when clicked)
st.subheader(t("tl_exports"))
e = st.columns([1.4, 1, 1, 1, 1])
small = e[0].number_input(t("tl_suppress"), 0, 100, 0, key="tl_suppress", help=t("tl_suppress_help"))
opened = db.open(ss["tl_open"]) if db is not None and ss.get("tl_open") in listed else None
header = dict(list_name=opened.name, author=opened.author, note=opened.note) if opened else {}
stem = (names_mod.safe_filename(opened.name, "target-list") if opened else "target-list") + \
    ("-synthetic" if fig.synthetic else "")
args = (village, selected, settings, fig.source, fig.synthetic, lang, names, small)
e[1].download_button(t("tl_download_csv"), lambda: export.target_list_csv(*args, **header), file_name=stem + ".csv",
                     mime="text/csv", disabled=not selected, on_click="ignore")
e[2].download_button(t("tl_download_xlsx"), lambda: export.target_list_xlsx(*args, **header),
                     file_name=stem + ".xlsx", disabled=not selected, on_click="ignore",
                     mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
map_args = (bset, table, selected, path.codes, lang, fig.source, fig.synthetic)
e[3].download_button(t("tl_download_png"), lambda: export.selection_png(*map_args), file_name=stem + "-map.png",
                     mime="image/png", on_click="ignore")
e[4].download_button(t("tl_download_html"), lambda: export.selection_html(*map_args, small),
                     file_name=stem + "-map.html", mime="text/html", on_click="ignore")

# ---- the view in the URL (values at their defaults left out, so links stay short)
for key, value in targeting.query_from_view({k: ss.get(k) for k in targeting.VIEW_DEFAULTS},
                                             {"tl_scope": scopes[0]}).items():
    if value is None:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = value
if ss.get("tl_open"):
    st.query_params["tl_list"] = ss["tl_open"]
else:
    st.query_params.pop("tl_list", None)
