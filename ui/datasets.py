"""The data page's two panels for saved datasets: using a checked file (it is saved, so a reload
or a shared link reopens it) and managing what is saved (open, rename, delete to the bin, restore).

Every change goes through the store with the current actor, which checks who may do what; the
messages come back as the store's own (``StoreError.text``), in the user's language.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.core import i18n
from geo.outputs import store as store_mod

from . import state
from .session import PageState
from .text import esc

ss = st.session_state


def _say(kind: str, text: str) -> None:
    ss["fig_msg"] = (kind, text)


def show_message() -> None:
    """The outcome of the last save, rename, delete or restore (set by a callback)."""
    if msg := ss.pop("fig_msg", None):
        {"error": st.error, "success": st.success, "warning": st.warning}[msg[0]](msg[1])


def use_panel(view: PageState, db, result, file_name: str, digest: str, lang: str) -> None:
    """Name the checked figures and use them: saved in the database, then used everywhere."""
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    if not view["name"]:  # the file's name by default (the store applies the names rule when saving)
        view.set("name", file_name.rsplit(".", 1)[0][:store_mod.NAME_MAX])
    used = state.dataset_meta()
    if used is not None and used.sha256 == digest and not ss.get("fig_msg"):
        st.success(t("fig_used_saved", name=esc(used.name)))
    viewer = state.actor().role == "viewer"  # a courtesy: the store refuses a viewer's save anyway
    if viewer:
        st.caption(t("auth_viewer_data"))
    if db is None or viewer:
        st.button(t("fig_use_unsaved"), type="primary", key="fig_use",
                  on_click=lambda: state.use_unsaved(result.figures))
        return
    c = st.columns([2, 1, 1.2])
    view.widget(c[0].text_input, "name", t("fig_dataset_name"),  # the names rule says the limit
                help=t("fig_dataset_name_help"))
    view.widget(c[1].checkbox, "overwrite", t("fig_dataset_overwrite"), help=t("fig_dataset_overwrite_help"))

    def use() -> None:
        try:
            saved = db.save_dataset(result.figures, view["name"], file_name, digest, result.summary,
                                    actor=state.actor(), overwrite=view["overwrite"])
        except store_mod.StoreError as exc:
            _say("error", esc(exc.text(lang)))
            return
        state.use_dataset(saved.id, saved.provinces)
        view.update(overwrite=False)
        _say("success", t("fig_used_saved", name=esc(saved.name)) + " " + t("fig_saved_version", version=saved.version))

    c[2].button(t("fig_use"), type="primary", key="fig_use", on_click=use)


def saved_panel(view: PageState, db, lang: str) -> None:
    """The saved datasets of the selected provinces: open, rename, delete (to the bin), restore."""
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    saved = db.list_datasets(state.provinces())
    binned = [d for d in db.binned_datasets() if set(d.provinces) <= set(state.provinces())]
    if not saved and not binned:
        st.caption(t("fig_saved_none"))
        return
    with view.widget(st.expander, "saved_open", t("fig_saved_title", n=len(saved))):
        if saved:
            st.dataframe(pd.DataFrame({
                t("fig_saved_col_name"): [d.name for d in saved],
                t("fig_saved_col_file"): [d.file_name for d in saved],
                t("fig_saved_col_level"): [t("level_" + d.level) for d in saved],
                t("fig_saved_col_periods"): [", ".join(i18n.fmt_period(p, lang) for p in d.periods) or "–"
                                             for d in saved],
                t("fig_saved_col_rows"): [i18n.fmt_num(d.rows, lang) for d in saved],
                t("fig_saved_col_versions"): [d.versions for d in saved],
                t("fig_saved_col_by"): [d.saved_by for d in saved],
                t("fig_saved_col_when"): [d.created_at[:16].replace("T", " ") for d in saved]}),
                hide_index=True)
            ids = [d.id for d in saved]
            label = {d.id: d.name for d in saved}
            c = st.columns([2, 1, 2, 1])
            pick = view.widget(c[0].selectbox, "pick", t("fig_saved_pick"), options=ids, format_func=label.get)
            chosen = next(d for d in saved if d.id == pick)
            c[1].button(t("fig_saved_open"), key="fig_ds_open", type="primary",
                        on_click=lambda: (state.use_dataset(chosen.id, chosen.provinces),
                                          _say("success", t("fig_used_saved", name=esc(chosen.name)))))
            view.widget(c[2].text_input, "new_name", t("fig_saved_new_name"))
            viewer = state.actor().role == "viewer"  # a courtesy: the store checks every change
            c[3].button(t("fig_saved_rename"), key="fig_ds_rename", on_click=_rename, args=(view, db, chosen, lang),
                        disabled=viewer)
            d = st.columns([3, 1])
            view.widget(d[0].checkbox, "delete_sure", t("fig_saved_delete_confirm", name=esc(chosen.name)))
            d[1].button(t("fig_saved_delete"), key="fig_ds_delete", disabled=viewer or not view["delete_sure"],
                        on_click=_delete, args=(view, db, chosen, lang))
        if binned:
            st.caption(t("fig_bin_title"))
            for entry in binned:
                b = st.columns([3, 1])
                b[0].text(t("fig_bin_entry", name=entry.name, when=(entry.deleted_at or "")[:10],
                            versions=entry.versions, until=store_mod.bin_expiry(entry.deleted_at)))
                b[1].button(t("fig_bin_restore"), key=f"fig_restore_{entry.id}",
                            on_click=_restore, args=(db, entry, lang))


def _rename(view: PageState, db, chosen, lang: str) -> None:
    try:
        renamed = db.rename_dataset(chosen.id, view["new_name"], actor=state.actor())
    except store_mod.StoreError as exc:
        _say("error", esc(exc.text(lang)))
        return
    view.set("new_name", "")
    _say("success", i18n.t("fig_saved_renamed", lang, old=esc(chosen.name), new=esc(renamed.name)))


def _delete(view: PageState, db, chosen, lang: str) -> None:
    try:
        versions = db.delete_dataset(chosen.id, actor=state.actor())
    except store_mod.StoreError as exc:
        _say("error", esc(exc.text(lang)))
        return
    view.set("delete_sure", False)
    if state.app()["dataset"] == chosen.id:
        state.use_demo()
    _say("success", i18n.t("fig_saved_deleted", lang, name=esc(chosen.name), versions=versions,
                           days=store_mod.BIN_DAYS))


def _restore(db, entry, lang: str) -> None:
    try:
        back = db.restore_dataset(entry.id, actor=state.actor())
    except store_mod.StoreError as exc:
        _say("error", esc(exc.text(lang)))
        return
    _say("success", i18n.t("fig_saved_restored", lang, name=esc(back.name), versions=back.versions))
