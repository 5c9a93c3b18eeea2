"""Session state, query parameters and cached loaders shared by every page."""
from __future__ import annotations

import streamlit as st

from geo import boundaries
from geo.analysis import frames as analysis_frames
from geo.boundaries import upstream
from geo.core import i18n
from geo.outputs import assets

from . import downloads

DEFAULT_PROVINCE = "51"
downloads.keep_downloads_for_a_grace_period()  # every page imports this module first


@st.cache_resource(show_spinner=False, max_entries=6)
def _boundaries(provinces: tuple[str, ...]) -> boundaries.BoundarySet:
    """Boundary layers per province set, loaded once per process (the cache is on disk)."""
    assets.ensure()
    return boundaries.load(list(provinces))


_LOADED: set[tuple[str, ...]] = set()  # province sets this process has loaded


def load_boundaries(provinces: tuple[str, ...]) -> boundaries.BoundarySet:
    """The boundary layers of ``provinces``; a first build shows what it is doing.

    Building a province's cache takes from seconds (Bali) to about a minute (the region's
    largest): each province still to build gets a spinner with an estimate, then the set is
    loaded (a few seconds for the whole region) under a spinner of its own.
    """
    provinces = tuple(provinces)
    if provinces not in _LOADED:
        names = upstream.province_names()
        pending = [p for p in provinces if not boundaries.is_cached(p)]
        for i, province in enumerate(pending, start=1):
            message = t("boundaries_building", province=f"{province} {names.get(province, '')}".strip(),
                        i=i, n=len(pending),
                        seconds=i18n.fmt_num(boundaries.build_estimate_s([province]), lang()))
            with st.spinner(message, show_time=True):
                boundaries.ensure_province(province)
        with st.spinner(t("boundaries_loading", n=len(provinces))):
            _boundaries(provinces)
        _LOADED.add(provinces)
    return _boundaries(provinces)


def lang() -> str:
    return st.session_state.get("lang", i18n.DEFAULT_LANG)


def t(key: str, **values: object) -> str:
    return i18n.t(key, lang(), **values)


def provinces() -> tuple[str, ...]:
    """The selected provinces in code order (the order they were picked in does not matter)."""
    return tuple(sorted(st.session_state.get("provinces") or (DEFAULT_PROVINCE,)))


# ---------------------------------------------------------------- figures (the active dataset)
# The active dataset is a geo.figures_model.Figures in st.session_state["figures"]; without an
# upload it is the synthetic demo of the selected provinces. Pages read it through
# active_figures() and the analysis frames through frames(); they never rebuild them.


# The dataset and the frames built from it are shared by every session (st.cache_resource):
# copying them into each rerun (st.cache_data unpickles) cost 0.05 s per rerun for Bali and
# 0.2 s for the region. Pages and geo/ never modify them in place (tests/test_page_frames.py).


@st.cache_resource(show_spinner=False, max_entries=6)
def demo_figures(provinces: tuple[str, ...]):
    """The synthetic demo dataset for the provinces (deterministic, so cached per set)."""
    from geo.figures import demo
    return demo.demo_figures(_boundaries(provinces))


def active_figures():
    """The uploaded figures when they belong to the selected provinces, else the demo."""
    fig = st.session_state.get("figures")
    if fig is not None and st.session_state.get("figures_provinces") == provinces():
        return fig
    with st.spinner(t("demo_preparing", n=len(provinces()))):  # shown only if it takes > 0.5 s
        return demo_figures(provinces())


def set_figures(fig) -> None:
    """Make ``fig`` (a Figures, or None for the demo) the dataset every page uses."""
    st.session_state["figures"] = fig
    st.session_state["figures_provinces"] = provinces()


@st.cache_resource(show_spinner=False, max_entries=32)
def frames(provinces: tuple[str, ...], _figures, figures_key: str):
    """Analysis frames per level for a dataset; ``figures_key`` identifies the dataset."""
    return analysis_frames.build_frames(_boundaries(provinces).full, _figures)


def active_frames():
    fig = active_figures()
    return frames(provinces(), fig, figures_key(fig))


@st.cache_resource(show_spinner=False, max_entries=32)
def _province_totals(provinces: tuple[str, ...], _figures, figures_key: str):
    return analysis_frames.province_totals(_figures, _boundaries(provinces).full)


def active_province_totals():
    """One row per selected province with the active dataset's sums (0.25 s for the region:
    computed once per dataset, not on every rerun)."""
    fig = active_figures()
    return _province_totals(provinces(), fig, figures_key(fig))


def figures_key(fig) -> str:
    import pandas as pd
    digest = pd.util.hash_pandas_object(fig.data, index=False).sum()
    return f"{fig.source}:{fig.level}:{fig.synthetic}:{int(digest)}"


# ---------------------------------------------------------------- selection shared by pages
# Village codes picked on the map explorer (clicks), the cluster page (high-high table) or the
# targeting page (table); the targeting page budgets them.


def selected_codes() -> list[str]:
    return list(st.session_state.get("selected_codes", []))


def set_selected(codes: list[str]) -> None:
    st.session_state["selected_codes"] = list(dict.fromkeys(codes))


def add_selected(codes: list[str]) -> None:
    set_selected(selected_codes() + list(codes))
