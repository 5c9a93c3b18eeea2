"""The history the pages show (issue 15): the saved periods of the selected provinces, or the
synthetic demo history, never a mix of the two.

- A saved dataset in use (the URL's ``dataset``): the provinces' saved history
  (``Store.saved_history``: every saved period, each from its latest saved version).
- Figures used for this session only (no database): their own periods.
- Otherwise the demo: ``geo.figures.demo_history`` (synthetic, labelled so everywhere).

Cached per process like the other loaders (``ui.state``): the saved history by the list of
(period, dataset, version) it is made of, so saving a period again makes a new one.
"""
from __future__ import annotations

import streamlit as st

from geo.figures.history import History

from . import state


@st.cache_resource(show_spinner=False, max_entries=6)
def demo_history(provinces: tuple[str, ...]) -> History:
    """The synthetic monthly history of the provinces (deterministic; to the last full month)."""
    from geo.figures import demo_history as demo_h
    return demo_h.demo_history(state.load_boundaries(provinces))


@st.cache_resource(show_spinner=False, max_entries=16)
def _saved_history(url: str, provinces: tuple[str, ...], token: tuple) -> History:
    return state._store(url).saved_history(provinces)


def saved_history(provinces: tuple[str, ...]) -> History | None:
    """The provinces' saved history, or None without a database or a saved period."""
    db = state.store()
    if db is None:
        return None
    from geo.outputs import store as store_mod
    sources = db.period_history(provinces)
    if not sources:
        return None
    token = tuple((s.period, s.dataset_id, s.version, s.current) for s in sources)
    return _saved_history(store_mod.database_url(), provinces, token)


def active_history() -> History:
    """The history every progress and change view uses (see the module docstring)."""
    provinces = state.provinces()
    if state.dataset_meta() is not None:
        saved = saved_history(provinces)
        if saved is not None and saved.periods:
            return saved
    fig = state.active_figures()
    if not fig.synthetic:
        return History.from_figures(fig, provinces)
    return demo_history(provinces)
