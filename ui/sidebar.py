"""The one sidebar, drawn by the router before any page (never copied into pages)."""
from __future__ import annotations

import streamlit as st

from geo.boundaries import upstream
from geo.core import i18n

from . import auth, state
from .text import esc

LANG_LABELS = {"id": "Bahasa Indonesia", "en": "English"}


def draw() -> None:
    """Language switch and province selector, bound to the app view (mirrored in the URL)."""
    view = state.app()
    available = upstream.known_provinces()
    with st.sidebar:
        view.widget(st.radio, "lang", i18n.t("language", state.lang()), options=list(i18n.LANGS),
                    format_func=LANG_LABELS.get, horizontal=True)
        view.widget(st.multiselect, "province", state.t("province"), options=available,
                    format_func=_province_label, help=state.t("province_help"),
                    placeholder=state.t("choose_options"))
        if not view["province"]:  # an empty choice means the default province
            view.set("province", [state.DEFAULT_PROVINCE])
        if len(state.provinces()) < len(available):
            st.button(state.t("province_all"), key="provinces_all", on_click=view.set,
                      args=("province", list(available)))
        draw_login()


def draw_login() -> None:
    """Who is logged in, with the button to log in or out; without a login configured, says so."""
    st.divider()
    if not auth.configured():
        st.caption(state.t("auth_none"))
        return
    who = auth.current_actor()
    if who is None:
        st.button(state.t("auth_login"), key="auth_login", icon=":material/login:", on_click=auth.login,
                  type="primary")
        return
    st.caption(state.t("auth_as", user=esc(who.user), role=state.t("auth_role_" + who.role)))
    st.button(state.t("auth_logout"), key="auth_logout", icon=":material/logout:", on_click=auth.logout)


def _province_label(code: str) -> str:
    return f"{code} {upstream.province_names().get(code, '')}".strip()
