"""The one sidebar, drawn by the router before any page (never copied into pages)."""
from __future__ import annotations

import streamlit as st

from geo import i18n, upstream

from . import state

LANG_LABELS = {"id": "Bahasa Indonesia", "en": "English"}


def _from_query(name: str, allowed: list[str], default: str) -> str:
    value = st.query_params.get(name, default)
    return value if value in allowed else default


def draw() -> None:
    """Language switch and province selector; both mirrored in the URL."""
    if "lang" not in st.session_state:
        st.session_state["lang"] = _from_query("lang", list(i18n.LANGS), i18n.DEFAULT_LANG)
    with st.sidebar:
        st.radio(i18n.t("language", state.lang()), i18n.LANGS, key="lang",
                 format_func=LANG_LABELS.get, horizontal=True)
        st.query_params["lang"] = state.lang()
        available = upstream.known_provinces()
        if "provinces" not in st.session_state:
            raw = st.query_params.get("province", state.DEFAULT_PROVINCE)
            chosen = [p for p in raw.split(",") if p in available] or [state.DEFAULT_PROVINCE]
            st.session_state["provinces"] = chosen
        st.multiselect(state.t("province"), available, key="provinces",
                       format_func=_province_label)
        st.query_params["province"] = ",".join(state.provinces())


def _province_label(code: str) -> str:
    return f"{code} {upstream.province_names().get(code, '')}".strip()
