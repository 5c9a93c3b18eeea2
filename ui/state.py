"""Session state, query parameters and cached loaders shared by every page."""
from __future__ import annotations

import streamlit as st

from geo import assets, boundaries, i18n

DEFAULT_PROVINCE = "51"


@st.cache_resource(show_spinner=False)
def load_boundaries(provinces: tuple[str, ...]) -> boundaries.BoundarySet:
    """Boundary layers per province set, built once per process (the cache is on disk)."""
    assets.ensure()
    return boundaries.load(list(provinces))


def lang() -> str:
    return st.session_state.get("lang", i18n.DEFAULT_LANG)


def t(key: str, **values: object) -> str:
    return i18n.t(key, lang(), **values)


def provinces() -> tuple[str, ...]:
    return tuple(st.session_state.get("provinces") or (DEFAULT_PROVINCE,))
