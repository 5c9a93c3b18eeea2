"""The target-list page's parts: the shared selection, the saved lists (save, open, compare,
delete to the bin) and the exports. The page arranges them; the store checks who may do what."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.analysis import targeting
from geo.analysis.targeting import Settings
from geo.boundaries import BoundarySet
from geo.core import i18n
from geo.core import names as names_mod
from geo.figures import Figures
from geo.outputs import brief, export, labels, store, targetlist

from . import session, state
from .text import esc

ss = st.session_state


@st.cache_data(show_spinner=False, max_entries=4)
def robust_high_high(figures_key: str, _frame, segment: str) -> list[str] | None:
    """Villages high-high under every weights and seed tried (the clusters' defaults); None if unavailable."""
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


def say(kind: str, text: str) -> None:
    """A message for the next run (callbacks run before the page draws)."""
    ss["tl_msg"] = (kind, text)


def show_message() -> None:
    if msg := ss.pop("tl_msg", None):
        {"error": st.error, "success": st.success, "warning": st.warning}[msg[0]](msg[1])


def current_settings(view: session.PageState) -> Settings:
    """The settings as they are now (a callback runs before the script: read the view, not a run's copy)."""
    return Settings(tuple(view["segments"]), view["premium"], view["months"], view["uptake"], view["target"]).checked()


def open_list(view: session.PageState, db: store.Store, name: str, version: int | None = None) -> None:
    """A saved list becomes the selection, with the settings it was made with."""
    t, _ = state.translator()
    try:
        saved = db.open(name, version)
        s = Settings.from_dict(saved.settings)
    except (store.StoreError, ValueError, TypeError):
        say("error", t("tl_not_found", name=esc(name)))
        view.set("list", "")
        return
    select(saved.codes)
    view.update(segments=list(s.segments), premium=int(s.premium_monthly), months=s.months,
                uptake=float(s.uptake), target=float(s.target), list=saved.name, open_pick=saved.name, version=0)
    say("success", t("tl_opened", name=esc(saved.name), version=saved.version, n=len(saved.codes)))


def saved_lists(view: session.PageState, db: store.Store | None, fig: Figures, village,
                bset: BoundarySet) -> list[str]:
    """Save, open (any version), compare and delete lists; returns the names listed."""
    t, lang = state.translator()
    st.subheader(t("tl_saved"))
    show_message()  # beside the buttons that caused it (save, open, delete, restore)
    if db is None:
        st.error(t("tl_db_error", error=esc(state.store_error())))
        return []
    summaries = db.names()
    listed = [s.name for s in summaries]
    owners = {s.name: s.owner for s in summaries}
    actor = state.actor()

    def may_change(owner: str | None) -> bool:
        """A courtesy for the buttons only: the store decides (store.check_write)."""
        return actor.role == "admin" or (actor.role == "planner" and owner == actor.user)

    def save() -> None:
        if not state.selected_codes():
            say("warning", t("tl_save_empty"))
            return
        try:
            saved = db.save(view["name"], state.selected_codes(), view["author"], view["note"],
                            {**current_settings(view).to_dict(), "source": fig.source, "synthetic": fig.synthetic,
                             "period": fig.period},
                            overwrite=view["overwrite"], actor=state.actor())
        except store.NameExists as exc:
            say("error", t("tl_name_exists", name=esc(exc.name), version=exc.version))
            return
        except store.StoreError as exc:
            say("error", t("tl_save_error", error=esc(exc.text(lang))))
            return
        view.update(list=saved.name, open_pick=saved.name, overwrite=False)
        say("success", t("tl_saved_ok", name=esc(saved.name), version=saved.version, n=len(saved.codes)))

    def delete(name: str) -> None:
        try:
            say("success", t("tl_deleted", name=esc(name), n=db.delete(name, actor=state.actor())))
        except store.StoreError as exc:
            say("error", t("tl_delete_error", error=esc(exc.text(lang))))
            return
        view.set("del_sure", False)
        if view["list"] == name:
            view.set("list", "")

    def restore(name: str) -> None:
        try:
            back = db.restore(name, actor=state.actor())
        except store.StoreError as exc:
            say("error", t("tl_restore_error", error=esc(exc.text(lang))))
            return
        say("success", t("tl_restored", name=esc(back.name), versions=back.versions))

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
            _open_tab(view, db, listed)
    with tabs[2]:
        if len(listed) >= 2:
            _compare_tab(view, db, listed, village, bset)
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
    return listed


def _open_tab(view: session.PageState, db: store.Store, listed: list[str]) -> None:
    t, _ = state.translator()
    o = st.columns([2, 1, 1])
    if view["open_pick"] not in listed and view["list"] in listed:
        view.set("open_pick", view["list"])
    name = view.widget(o[0].selectbox, "open_pick", t("tl_list"), options=listed,
                       on_change=lambda: view.set("version", 0))
    hist = db.history(name)
    version = view.widget(o[1].selectbox, "version", t("tl_version"), options=[0] + [h.version for h in reversed(hist)],
                          format_func=lambda v: t("tl_latest") if v == 0 else str(v))
    one = next((h for h in hist if h.version == version), hist[-1])
    st.caption(t("tl_list_info", n=len(one.codes), author=esc(one.author or "–"),
                 date=one.created_at[:16].replace("T", " "), version=one.version, versions=len(hist)))
    st.text(one.note)
    o[2].button(t("tl_open_button"), on_click=open_list, args=(view, db, name, version or None), type="primary")


def _compare_tab(view: session.PageState, db: store.Store, listed: list[str], village, bset: BoundarySet) -> None:
    t, lang = state.translator()
    c = st.columns(2)
    a = db.open(view.widget(c[0].selectbox, "cmp_a", t("tl_list"), options=listed))
    b = db.open(view.widget(c[1].selectbox, "cmp_b", t("tl_compare_with"), options=[n for n in listed if n != a.name]))
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
    diff = [(code, a.name) for code in cmp.only_a] + [(code, b.name) for code in cmp.only_b]
    st.dataframe(pd.DataFrame([(code, vnames.get(code, ""), w) for code, w in diff],
                              columns=[t("tl_col_code"), t("tl_col_name"), t("tl_list")]), hide_index=True)


def opened_list(view: session.PageState, db: store.Store | None, listed: list[str]):
    """The saved list the page has open (its name is in the URL), or None."""
    return db.open(view["list"]) if db is not None and view["list"] in listed else None


def effect_panel(view: session.PageState, db: store.Store | None, listed: list[str], opened):
    """Did outreach reach its targets? The opened list's villages against comparable ones."""
    from . import target_effect
    t, lang = state.translator()
    if db is None or not listed:
        return None
    st.subheader(t("ef_title"))
    if opened is None:
        st.caption(t("ef_open_list"))
        return None
    return target_effect.draw(opened, view, lang)


def exports(view: session.PageState, opened, fig: Figures, village, selected: list[str], settings: Settings,
            table, path_codes: list[str], bset: BoundarySet, effect=None) -> None:
    """CSV, XLSX, PNG, HTML and PDF of the selection, made when clicked; the opened list's name
    (and its effect since it was saved) in them."""
    t, lang = state.translator()
    names = bset.names()
    st.subheader(t("tl_exports"))
    e = st.columns([1.4, 1, 1, 1, 1, 1])
    small = view.widget(e[0].number_input, "suppress", t("tl_suppress"), min_value=0, max_value=100,
                        help=t("tl_suppress_help"))
    header = dict(list_name=opened.name, author=opened.author, note=opened.note, effect=effect) if opened else {}
    stem = labels.file_stem(lang, names_mod.safe_filename(opened.name, t("fn_target_list")) if opened
                            else t("fn_target_list"), synthetic=fig.synthetic)
    args = (village, selected, settings, fig.provenance, lang, names, small)
    e[1].download_button(t("tl_download_csv"), lambda: targetlist.target_list_csv(*args, **header),
                         file_name=stem + ".csv", mime="text/csv", disabled=not selected, on_click="ignore")
    e[2].download_button(t("tl_download_xlsx"), lambda: targetlist.target_list_xlsx(*args, **header),
                         file_name=stem + ".xlsx", disabled=not selected, on_click="ignore",
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    map_args = (bset, table, selected, path_codes, lang, fig.provenance)
    title_block = dict(village=village, settings=settings, list_name=opened.name if opened else None)
    e[3].download_button(t("tl_download_png"), lambda: export.selection_png(*map_args, **title_block),
                         file_name=f"{stem}_{t('fn_map')}.png", mime="image/png", on_click="ignore")
    e[4].download_button(t("tl_download_html"), lambda: export.selection_html(*map_args, small, **title_block),
                         file_name=f"{stem}_{t('fn_map')}.html", mime="text/html", on_click="ignore")
    e[5].download_button(t("br_download_pdf"), lambda: brief.target_list_pdf(
        village, selected, settings, bset, fig.provenance, lang, path_codes, opened.name if opened else None,
        opened.author if opened else None), file_name=stem + ".pdf", mime="application/pdf", on_click="ignore",
        help=t("br_download_pdf_help"))
