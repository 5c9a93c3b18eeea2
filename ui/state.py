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
from .text import esc

downloads.keep_downloads_for_a_grace_period()  # every page imports this module first


def app() -> session.PageState:
    return views.app(upstream.known_provinces())


def lang() -> str:
    return app()["lang"]


def t(key: str, **values: object) -> str:
    return i18n.t(key, lang(), **values)


def translator():
    """``(t, lang)`` with this run's language fixed: for ``format_func`` callbacks, which may be
    called after the run (AppTest does) when the session's language is no longer at hand."""
    now = lang()
    return (lambda key, **values: i18n.t(key, now, **values)), now


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
    return demo.cached_demo_figures(_boundaries(provinces))


# ---------------------------------------------------------------- saved lists and datasets

@st.cache_resource(show_spinner=False)
def _store(url: str):
    from geo.outputs import store
    return store.Store(url)


def store():
    """The database of saved lists and datasets (one per process), or None when it cannot be
    opened; :func:`store_error` then says why. The pages work without it."""
    from geo.outputs import store as store_mod
    try:
        return _store(store_mod.database_url())
    except Exception as exc:  # noqa: BLE001 - a database that cannot be opened must not stop the app
        st.session_state["store_error"] = str(exc)
        return None


def store_error() -> str:
    return st.session_state.get("store_error", "")


def actor():
    """Who is working: the logged-in user and their role (``ui.auth``); without a login configured
    the local admin. Before anyone has logged in (the router then shows only the login) a viewer."""
    from geo.outputs import store as store_mod

    from . import auth
    return auth.current_actor() or store_mod.Actor("anonymous", "viewer")


@st.cache_resource(show_spinner=False, max_entries=16)
def _saved_dataset(url: str, dataset_id: int, version: int) -> Figures:
    """A saved dataset's figures, read once per process and version (shared by sessions)."""
    return _store(url).open_dataset(dataset_id, version).figures


def dataset_meta():
    """The saved dataset the app uses (its metadata), or None for the demo.

    A dataset that no longer exists (deleted, or a link to an id never saved) falls back to
    the demo, and the page says so once (``dataset_notice``).
    """
    dataset_id = app()["dataset"]
    if not dataset_id:
        return None
    db = store()
    if db is None:
        return None
    from geo.outputs import store as store_mod
    try:
        meta = db.dataset_info(dataset_id)
        if meta.deleted_at:
            raise store_mod.NotFound("st_not_found", name=str(dataset_id))
    except store_mod.StoreError:
        st.session_state["dataset_notice"] = dataset_id
        app().set("dataset", 0)
        return None
    return meta


def active_figures() -> Figures:
    """The dataset in use: a saved dataset (the URL's ``dataset``) when it belongs to the
    selected provinces, else the synthetic demo of the selected provinces."""
    meta = dataset_meta()
    if meta is not None:
        if set(meta.provinces) <= set(provinces()):
            from geo.outputs import store as store_mod
            return _saved_dataset(store_mod.database_url(), meta.id, meta.version)
        st.warning(t("dataset_elsewhere", name=esc(meta.name)), icon=":material/info:")
    fig = st.session_state.get("figures")  # used for this session only: the database could not save it
    if fig is not None and st.session_state.get("figures_provinces") == provinces():
        return fig
    with st.spinner(t("demo_preparing", n=len(provinces()))):  # shown only if it takes > 0.5 s
        return demo_figures(provinces())


def use_dataset(dataset_id: int, provinces_: list[str] | None = None) -> None:
    """Make a saved dataset the one every page uses (a callback): its id goes in the URL, and
    the provinces it covers are selected."""
    app().set("dataset", int(dataset_id))
    if provinces_:
        app().set("province", sorted(set(provinces_)))


def use_demo() -> None:
    app().set("dataset", 0)
    st.session_state.pop("figures", None)


def use_unsaved(fig: Figures) -> None:
    """Use ``fig`` in this session only (when the database cannot save it)."""
    app().set("dataset", 0)
    st.session_state["figures"] = fig
    st.session_state["figures_provinces"] = provinces()


@st.cache_resource(show_spinner=False, max_entries=32)
def frames(provinces: tuple[str, ...], _figures: Figures, figures_key: str) -> analysis_frames.Coverage:
    """The analysis frames per level of a dataset, with its provenance; ``figures_key``
    identifies the dataset."""
    return analysis_frames.coverage(_boundaries(provinces).full, _figures)


def active_frames() -> analysis_frames.Coverage:
    """The dataset in use, analysed: ``active_frames()["village"]``, ``.provenance``."""
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
