"""What every page shares in a session: language, provinces, the dataset in use, the selection of
villages, and the cached loaders of boundaries, figures and analysis frames.

The shared values live in the app view (``ui.views.app``, ``state:app``): the router restores
it from the URL once per session and writes it back on every run, so a reload or a copied link
keeps the language, the provinces, the dataset and the selection.
"""
from __future__ import annotations

import streamlit as st

from geo import boundaries
from geo.analysis import frames as analysis_frames
from geo.boundaries import upstream
from geo.core import codes, i18n
from geo.core.schema import DEFAULT_PROVINCE
from geo.figures import Figures
from geo.outputs import assets

from . import downloads, session, views

downloads.keep_downloads_for_a_grace_period()  # every page imports this module first


def app() -> session.PageState:
    return views.app(upstream.known_provinces())


def lang() -> str:
    return app()["lang"]


def t(key: str, **values: object) -> str:
    return i18n.t(key, lang(), **values)


def provinces() -> tuple[str, ...]:
    """The selected provinces in code order (the order they were picked in does not matter)."""
    return tuple(sorted(app()["province"] or (DEFAULT_PROVINCE,)))


# ---------------------------------------------------------------- boundaries

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


# ---------------------------------------------------------------- figures (the active dataset)
# The active dataset is a Figures; without an upload it is the synthetic demo of the selected
# provinces. The dataset and the frames built from it are shared by every session
# (st.cache_resource): copying them into each rerun (st.cache_data unpickles) cost 0.05 s per
# rerun for Bali and 0.2 s for the region. Pages and geo/ never modify them in place
# (tests/test_page_frames.py).


@st.cache_resource(show_spinner=False, max_entries=6)
def demo_figures(provinces: tuple[str, ...]) -> Figures:
    """The synthetic demo dataset for the provinces (deterministic, so cached per set)."""
    from geo.figures import demo
    return demo.demo_figures(_boundaries(provinces))


def active_figures() -> Figures:
    """The uploaded figures when they belong to the selected provinces, else the demo."""
    fig = st.session_state.get("figures")
    if fig is not None and st.session_state.get("figures_provinces") == provinces():
        return fig
    with st.spinner(t("demo_preparing", n=len(provinces()))):  # shown only if it takes > 0.5 s
        return demo_figures(provinces())


def set_figures(fig: Figures | None) -> None:
    """Make ``fig`` (or None for the demo) the dataset every page uses."""
    st.session_state["figures"] = fig
    st.session_state["figures_provinces"] = provinces()


@st.cache_resource(show_spinner=False, max_entries=32)
def frames(provinces: tuple[str, ...], _figures: Figures, figures_key: str):
    """Analysis frames per level for a dataset; ``figures_key`` identifies the dataset."""
    return analysis_frames.build_frames(_boundaries(provinces).full, _figures)


def active_frames():
    fig = active_figures()
    return frames(provinces(), fig, figures_key(fig))


@st.cache_resource(show_spinner=False, max_entries=32)
def _province_totals(provinces: tuple[str, ...], _figures: Figures, figures_key: str):
    return analysis_frames.province_totals(_figures, _boundaries(provinces).full)


def active_province_totals():
    """One row per selected province with the active dataset's sums (0.25 s for the region:
    computed once per dataset, not on every rerun)."""
    fig = active_figures()
    return _province_totals(provinces(), fig, figures_key(fig))


def figures_key(fig: Figures) -> str:
    """Identifies a dataset's content (computed once per Figures object)."""
    key = getattr(fig, "_geo_key", None)
    if key is None:
        import pandas as pd
        digest = pd.util.hash_pandas_object(fig.data, index=False).sum()
        key = f"{fig.source}:{fig.level}:{fig.synthetic}:{int(digest)}"
        try:
            object.__setattr__(fig, "_geo_key", key)
        except (AttributeError, TypeError):
            pass
    return key


# ---------------------------------------------------------------- the selection shared by pages
# Village codes picked on the map explorer (clicks), the cluster page (high-high table) or the
# targeting page (table); the targeting page budgets them. Kept as codes in the session and,
# encoded, in the URL (``sel``), so a reload or a copied link keeps it.


def _universe() -> list[str]:
    return list(load_boundaries(provinces()).full["village"]["code"])


def selected_codes() -> list[str]:
    if "selected_codes" not in st.session_state:  # first run: the URL's selection, if any
        text = app()["sel"]
        chosen: list[str] = []
        if text:
            try:
                chosen = codes.decode_subset(text, _universe())
            except ValueError:
                st.session_state["selection_notice"] = True
        st.session_state["selected_codes"] = chosen
    return list(st.session_state["selected_codes"])


def set_selected(codes_: list[str]) -> None:
    st.session_state["selected_codes"] = list(dict.fromkeys(codes_))


def add_selected(codes_: list[str]) -> None:
    set_selected(selected_codes() + list(codes_))


def write_url() -> None:
    """The shared values in the URL (the router calls this on every run, before the page)."""
    view = app()
    chosen = selected_codes()
    view.set("sel", codes.encode_subset(chosen, _universe()) if chosen else "")
    view.write_url()
