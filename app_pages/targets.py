"""Target lists: pick villages, budget them, find the shortest path to the target, save and export."""
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.analysis import targeting
from geo.analysis.targeting import Settings
from geo.core import i18n, schema
from geo.core import names as names_mod
from geo.outputs import export, maps, store, tables, targetlist, targetmap
from ui import session, state, views
from ui.text import esc

lang = state.lang()
t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731 - this run's language, also inside format_func
ss = st.session_state
bset = state.load_boundaries(state.provinces())
fig = state.active_figures()
village = state.active_frames()["village"]
names = bset.names()
view = views.targets(bset)


@st.cache_resource(show_spinner=False)
def saved_lists(url: str) -> store.Store:
    return store.Store(url)


@st.cache_data(show_spinner=False, max_entries=4)
def robust_high_high(figures_key: str, _frame, segment: str) -> list[str] | None:
    """Villages high-high under every weights and seed tried (geo.clusters' defaults); None if unavailable."""
    try:
        from geo.analysis import clusters
        result = clusters.analyse(_frame, clusters.Settings(segment=segment))
    except ImportError:
        return None
    except ValueError:  # clusters.Refusal: too few areas, constant values
        return []
    return result.robust_high_high()


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
        view.set("list", "")
        return
    select(saved.codes)
    view.update(segments=list(s.segments), premium=int(s.premium_monthly), months=s.months,
                uptake=float(s.uptake), target=float(s.target), list=saved.name, open_pick=saved.name, version=0)
    ss["tl_msg"] = ("success", t("tl_opened", name=esc(saved.name), version=saved.version, n=len(saved.codes)))


try:
    db, db_error = saved_lists(store.database_url()), ""
except Exception as exc:  # noqa: BLE001 - the rest of the page works without saved lists
    db, db_error = None, str(exc)
if not ss.get("tl_visited"):  # the page's first run in this session: a link may name a saved list
    ss["tl_visited"] = True
    if db is not None and view["list"]:
        open_list(view["list"])
view.write_url()

st.title(t("tl_page"))
st.caption(t("tl_intro"))
if text := session.notice_text(view.notices, lang):
    st.warning(text)
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


def current_settings() -> Settings:
    """The settings as they are now (a callback runs before the script: read the view, not this run's copy)."""
    return Settings(tuple(view["segments"]), view["premium"], view["months"], view["uptake"], view["target"]).checked()


settings = current_settings()
table = targeting.village_table(village, settings, names)
budgetable = table[table["uncovered"].notna()]

# ---- filters and the table
regencies = list(bset.names("regency"))
districts = [c for c in bset.names("district") if not view["regency"] or c.startswith(view["regency"] + ".")]
robust_hh: list[str] | None = []
if view["only_hh"]:  # the cluster page's own result when it set one, else the default analysis
    one = settings.segments[0] if len(settings.segments) == 1 and settings.segments[0] in ("farmer", "fisher") else None
    robust_hh = ss.get("robust_high_high_codes") or robust_high_high(
        state.figures_key(fig), village, one or "vulnerable")
f = st.columns([1.3, 1.3, 1, 1.2, 1, 0.8])
area_name = lambda c: names.get(c, c) or t("tl_all")  # noqa: E731 - "" stands for all areas
view.widget(f[0].selectbox, "regency", t("tl_regency"), options=["", *regencies], format_func=area_name,
            on_change=lambda: view.set("district", ""))
view.widget(f[1].selectbox, "district", t("tl_district"), options=["", *districts], format_func=area_name)
view.widget(f[2].number_input, "min_uncovered", t("tl_min_uncovered"), min_value=0, max_value=10_000_000, step=50)
view.widget(f[3].toggle, "only_hh", t("tl_only_hh"), help=t("tl_only_hh_help"))
view.widget(f[4].selectbox, "sort", t("tl_sort"), options=targeting.SORTS, format_func=lambda s: t("tl_col_" + s))
view.widget(f[5].toggle, "descending", t("tl_descending"))
if view["only_hh"] and robust_hh is None:
    st.warning(t("tl_hh_unavailable"))
shown = targeting.filter_table(budgetable, view["regency"] or None, view["district"] or None, view["min_uncovered"],
                               set(robust_hh) if view["only_hh"] and robust_hh is not None else None,
                               view["sort"], not view["descending"])
if view["only_hh"] and robust_hh == []:
    st.info(t("tl_hh_none"))
in_data = set(village["code"])
selected = [c for c in state.selected_codes() if c in in_data]
path = targeting.fewest_villages(table, settings, view["scope"])


def apply_edits() -> None:
    """Ticks in the table change the shared selection."""
    edits = ss[f"tl_editor_{ss.get('tl_ev', 0)}"]["edited_rows"]
    ticked = {ss["tl_shown_codes"][int(i)]: ch["sel"] for i, ch in edits.items() if "sel" in ch}
    select([c for c in state.selected_codes() if ticked.get(c, True)] + [c for c, on in ticked.items() if on])


def on_map_click() -> None:
    code = (((ss.get("tl_map") or {}).get("last_active_drawing") or {}).get("properties") or {}).get("code")
    if code:
        bulk([code], code not in state.selected_codes())


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
    b[0].button(t("tl_select_shown"), on_click=bulk, args=(list(shown["code"]), True))
    b[1].button(t("tl_unselect_shown"), on_click=bulk, args=(list(shown["code"]), False))
    b[2].button(t("tl_clear"), on_click=select, args=([],))
with right:
    area = bset.web["regency"]
    area = area[area["code"] == view["regency"]] if view["regency"] else area
    layers = targetmap.selection_layers(bset, table, selected, path.codes, lang, fig.provenance,
                                        view["suppress"])
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
scopes = list(views.targets(bset).fields["scope"].options())
view.widget(p[0].selectbox, "scope", t("tl_path_scope"), options=scopes, format_func=lambda c: names.get(c, c))
kind, sentence = tables.path_summary(path, targeting.budget(village, path.codes, settings), settings,
                                     names.get(path.scope, path.scope), lang)
{"success": st.success, "info": st.info, "warning": st.warning}[kind](sentence)
if path.codes:
    p[1].button(t("tl_path_use"), on_click=select, args=(path.codes,))
    p[2].button(t("tl_path_add"), on_click=bulk, args=(path.codes, True))
    with st.expander(t("tl_path_list")):
        st.dataframe(table.set_index("code").loc[path.codes, ["name", "district", "regency", "uncovered"]])

# ---- saved lists
st.subheader(t("tl_saved"))
if msg := ss.pop("tl_msg", None):  # beside the buttons that caused it (save, open, delete, restore)
    {"error": st.error, "success": st.success, "warning": st.warning}[msg[0]](msg[1])
summaries = db.names() if db is not None else []
listed = [s.name for s in summaries]
owners = {s.name: s.owner for s in summaries}
actor = state.actor()


def may_change(owner: str | None) -> bool:
    """A courtesy for the buttons only: the store decides (store.check_write)."""
    return actor.role == "admin" or (actor.role == "planner" and owner == actor.user)


def save() -> None:
    if not state.selected_codes():
        ss["tl_msg"] = ("warning", t("tl_save_empty"))
        return
    try:
        saved = db.save(view["name"], state.selected_codes(), view["author"], view["note"],
                        {**current_settings().to_dict(), "source": fig.source, "synthetic": fig.synthetic},
                        overwrite=view["overwrite"], actor=state.actor())
    except store.NameExists as exc:
        ss["tl_msg"] = ("error", t("tl_name_exists", name=esc(exc.name), version=exc.version))
        return
    except store.StoreError as exc:
        ss["tl_msg"] = ("error", t("tl_save_error", error=esc(exc.text(lang))))
        return
    view.update(list=saved.name, open_pick=saved.name, overwrite=False)
    ss["tl_msg"] = ("success", t("tl_saved_ok", name=esc(saved.name), version=saved.version, n=len(saved.codes)))


def delete(name: str) -> None:
    try:
        ss["tl_msg"] = ("success", t("tl_deleted", name=esc(name), n=db.delete(name, actor=state.actor())))
    except store.StoreError as exc:
        ss["tl_msg"] = ("error", t("tl_delete_error", error=esc(exc.text(lang))))
        return
    view.set("del_sure", False)
    if view["list"] == name:
        view.set("list", "")


def restore(name: str) -> None:
    try:
        back = db.restore(name, actor=state.actor())
    except store.StoreError as exc:
        ss["tl_msg"] = ("error", t("tl_restore_error", error=esc(exc.text(lang))))
        return
    ss["tl_msg"] = ("success", t("tl_restored", name=esc(back.name), versions=back.versions))


if db is None:
    st.error(t("tl_db_error", error=esc(db_error)))
else:
    tabs = st.tabs([t("tl_save"), t("tl_open"), t("tl_compare"), t("tl_delete"), t("tl_bin_tab")],
                   key=f"tl_tabs_{lang}")  # keyed: the tab shown survives a message above appearing or going
    with tabs[0]:
        s = st.columns([2, 1.3])
        view.widget(s[0].text_input, "name", t("tl_name"))  # no max_chars: the names rule says the limit
        view.widget(s[1].text_input, "author", t("tl_author"))
        view.widget(st.text_area, "note", t("tl_note"), max_chars=store.TEXT_MAX, height=80)
        view.widget(st.checkbox, "overwrite", t("tl_overwrite"))
        if actor.role == "viewer":
            st.caption(t("auth_viewer_cannot_save"))
        st.button(t("tl_save_button"), on_click=save, type="primary", disabled=actor.role == "viewer")
    with tabs[1]:
        if listed:
            o = st.columns([2, 1, 1])
            if view["open_pick"] not in listed and view["list"] in listed:
                view.set("open_pick", view["list"])
            name = view.widget(o[0].selectbox, "open_pick", t("tl_list"), options=listed,
                               on_change=lambda: view.set("version", 0))
            hist = db.history(name)
            version = view.widget(o[1].selectbox, "version", t("tl_version"),
                                  options=[0] + [h.version for h in reversed(hist)],
                                  format_func=lambda v: t("tl_latest") if v == 0 else str(v))
            one = next((h for h in hist if h.version == version), hist[-1])
            st.caption(t("tl_list_info", n=len(one.codes), author=esc(one.author or "–"),
                         date=one.created_at[:16].replace("T", " "), version=one.version, versions=len(hist)))
            st.text(one.note)
            o[2].button(t("tl_open_button"), on_click=open_list, args=(name, version or None), type="primary")
    with tabs[2]:
        if len(listed) >= 2:
            c = st.columns(2)
            a = db.open(view.widget(c[0].selectbox, "cmp_a", t("tl_list"), options=listed))
            b = db.open(view.widget(c[1].selectbox, "cmp_b", t("tl_compare_with"),
                                    options=[n for n in listed if n != a.name]))
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
            vnames = bset.names("village")
            diff = [(c, a.name) for c in cmp.only_a] + [(c, b.name) for c in cmp.only_b]
            st.dataframe(pd.DataFrame([(c, vnames.get(c, ""), w) for c, w in diff],
                                      columns=[t("tl_col_code"), t("tl_col_name"), t("tl_list")]), hide_index=True)
        elif listed:
            st.caption(t("tl_compare_need_two"))
    with tabs[3]:
        if listed:
            d = st.columns([2, 2, 1])
            gone = view.widget(d[0].selectbox, "del_pick", t("tl_list"), options=listed,
                               on_change=lambda: view.set("del_sure", False))
            sure = view.widget(d[1].checkbox, "del_sure", t("tl_delete_confirm", name=esc(gone)))
            d[2].button(t("tl_delete_button"), disabled=not sure or not may_change(owners.get(gone)),
                        on_click=delete, args=(gone,))
            if not may_change(owners.get(gone)):
                st.caption(t("auth_viewer_cannot_save") if actor.role == "viewer" else
                           t("auth_not_yours", owner=esc(owners.get(gone) or "–")))
    with tabs[4]:  # the lists in the bin this user may restore (an admin sees all of them)
        binned = [s for s in db.binned_lists() if may_change(s.owner)]
        for s in binned:
            r = st.columns([5, 1])
            r[0].text(t("tl_bin_entry", name=s.name, versions=s.version, when=(s.deleted_at or "")[:16].replace("T", " "),
                        by=s.deleted_by or "–", until=store.bin_expiry(s.deleted_at)[:16].replace("T", " ")))
            r[1].button(t("adm_restore"), key=f"tl_restore_{s.name}", on_click=restore, args=(s.name,))
        if not binned:
            st.caption(t("tl_bin_none"))
    if not listed:
        st.caption(t("tl_none_saved"))

# ---- downloads (made when clicked)
st.subheader(t("tl_exports"))
e = st.columns([1.4, 1, 1, 1, 1])
small = view.widget(e[0].number_input, "suppress", t("tl_suppress"), min_value=0, max_value=100,
                    help=t("tl_suppress_help"))
opened = db.open(view["list"]) if db is not None and view["list"] in listed else None
header = dict(list_name=opened.name, author=opened.author, note=opened.note) if opened else {}
stem = (names_mod.safe_filename(opened.name, "target-list") if opened else "target-list") + \
    ("-synthetic" if fig.synthetic else "")
args = (village, selected, settings, fig.provenance, lang, names, small)
e[1].download_button(t("tl_download_csv"), lambda: targetlist.target_list_csv(*args, **header),
                     file_name=stem + ".csv", mime="text/csv", disabled=not selected, on_click="ignore")
e[2].download_button(t("tl_download_xlsx"), lambda: targetlist.target_list_xlsx(*args, **header),
                     file_name=stem + ".xlsx", disabled=not selected, on_click="ignore",
                     mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
map_args = (bset, table, selected, path.codes, lang, fig.provenance)
e[3].download_button(t("tl_download_png"), lambda: export.selection_png(*map_args), file_name=stem + "-map.png",
                     mime="image/png", on_click="ignore")
e[4].download_button(t("tl_download_html"), lambda: export.selection_html(*map_args, small),
                     file_name=stem + "-map.html", mime="text/html", on_click="ignore")
view.write_url()
