"""Admin: the audit log (who changed what, when) and the bin of lists and datasets, with restore.

The router registers this page for admins only; the store checks the role again on every read of
the audit log and every restore, so a planner reaching this code still cannot use it.
"""
import json

import pandas as pd
import streamlit as st

from geo.core import i18n
from geo.outputs import store
from ui import state
from ui.text import esc

lang = state.lang()
t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
ss = st.session_state
actor = state.actor()
db = state.store()

st.title(t("adm_page"))
st.caption(t("adm_intro", days=store.BIN_DAYS))
if actor.role != "admin":
    st.error(t("adm_only"))
    st.stop()
if db is None:
    st.error(t("adm_db_error", error=esc(state.store_error())))
    st.stop()
if msg := ss.pop("adm_msg", None):
    {"error": st.error, "success": st.success}[msg[0]](msg[1])


def restore(entry: store.BinEntry) -> None:
    """Bring a list or dataset back with all its versions (a button's callback)."""
    try:
        if entry.kind == "list":
            back = db.restore(entry.name, actor=state.actor())
            name, versions = back.name, back.versions
        else:
            back = db.restore_dataset(entry.id, actor=state.actor())
            name, versions = back.name, back.versions
    except store.StoreError as exc:
        ss["adm_msg"] = ("error", t("adm_error", error=esc(exc.text(lang))))
        return
    ss["adm_msg"] = ("success", t("adm_restored", kind=t("adm_kind_" + entry.kind), name=esc(name),
                                  versions=versions))


def when(iso: str | None) -> str:
    return (iso or "")[:16].replace("T", " ")


# ---- the bin
st.subheader(t("adm_bin"))
binned = db.bin()
if not binned:
    st.caption(t("adm_bin_none"))
for i, entry in enumerate(binned):
    b = st.columns([5, 1])
    b[0].text(t("adm_bin_entry", kind=t("adm_kind_" + entry.kind), name=entry.name, versions=entry.versions,
                owner=entry.owner or "–", when=when(entry.deleted_at), by=entry.deleted_by or "–",
                until=when(entry.expires_at)))
    b[1].button(t("adm_restore"), key=f"adm_restore_{entry.kind}_{entry.id or entry.name}",
                on_click=restore, args=(entry,))

# ---- the audit log
st.subheader(t("adm_audit"))
try:
    log = db.audit_log(actor)
except store.StoreError as exc:
    st.error(t("adm_error", error=esc(exc.text(lang))))
    st.stop()
if not log:
    st.caption(t("adm_audit_none"))
else:
    st.caption(t("adm_audit_caption", n=i18n.fmt_num(len(log), lang)))
    st.dataframe(pd.DataFrame({
        t("adm_col_at"): [when(e.at) for e in log],
        t("adm_col_user"): [e.user for e in log],
        t("adm_col_role"): [t("auth_role_" + e.role) if e.role in store.ROLES else e.role for e in log],
        t("adm_col_action"): [t("adm_action_" + e.action) for e in log],
        t("adm_col_kind"): [t("adm_kind_" + e.kind) for e in log],
        t("adm_col_name"): [e.object_name for e in log],
        t("adm_col_detail"): [json.dumps(e.detail, ensure_ascii=False) if e.detail else "" for e in log]}),
        hide_index=True)
