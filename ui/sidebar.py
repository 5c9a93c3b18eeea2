"""The one sidebar, drawn by the router before any page (never copied into pages)."""
from __future__ import annotations

import streamlit as st

from geo.boundaries import upstream
from geo.core import i18n

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
            chosen = available if raw.strip().lower() == "all" else \
                sorted(p for p in set(raw.split(",")) if p in available)
            st.session_state["provinces"] = chosen or [state.DEFAULT_PROVINCE]
        st.multiselect(state.t("province"), available, key="provinces",
                       format_func=_province_label, help=state.t("province_help"))
        chosen = state.provinces()
        if len(chosen) < len(available):
            st.button(state.t("province_all"), key="provinces_all", on_click=_select_all, args=(available,))
        # the same spelling as the command line's --province (a code, a comma list or all)
        st.query_params["province"] = "all" if set(chosen) == set(available) else ",".join(chosen)


def _select_all(available: list[str]) -> None:
    st.session_state["provinces"] = list(available)


def _province_label(code: str) -> str:
    return f"{code} {upstream.province_names().get(code, '')}".strip()
