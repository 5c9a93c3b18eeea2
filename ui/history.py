"""The history the pages show (issue 15), and its expensive steps cached (Streamlit glue).

Which history: the saved periods of the selected provinces, this session's own figures, or the
synthetic demo history, never a mix:

- A saved dataset in use (the URL's ``dataset``): the provinces' saved history
  (``Store.saved_history``: every saved period, each from its latest saved version).
- Figures used for this session only (no database): their own periods.
- Otherwise the demo: ``geo.figures.demo_history`` (synthetic, labelled so everywhere).

Cached per process like the other loaders (``ui.state``): the saved history by the list of
(period, dataset, version) it is made of, so saving a period again makes a new one. Frames per
period, progress, changes and clusters of change are cached per history (:func:`history_key`)
and shared by sessions.
"""
from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from geo.analysis import change as chg
from geo.analysis import frames as analysis_frames
from geo.analysis import progress, trends
from geo.analysis import weights as wts
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


@st.cache_resource(show_spinner=False, max_entries=8)
def _from_figures(key: str, _fig, provinces: tuple[str, ...]) -> History:
    return History.from_figures(_fig, provinces)


def active_history() -> History:
    """The history every progress and change view uses (see the module docstring)."""
    provinces = state.provinces()
    if state.dataset_meta() is not None:
        saved = saved_history(provinces)
        if saved is not None and saved.periods:
            return saved
    fig = state.active_figures()
    own = st.session_state.get("figures") is fig  # this session's figures (synthetic ones too)
    if own or not fig.synthetic:
        return _from_figures(state.figures_key(fig) + ":" + ",".join(fig.periods), fig, provinces)
    return demo_history(provinces)


def history_key(h: History) -> str:
    """Identifies a history's content (computed once per History object), for the caches below."""
    key = getattr(h, "_geo_key", None)
    if key is None:
        long = h.long()
        digest = int(pd.util.hash_pandas_object(long, index=False).sum()) if len(long) else 0
        prov = "|".join(f"{p}:{v.source}:{v.synthetic}:{v.dataset}" for p, v in h.provenance.items())
        key = hashlib.sha1(f"{prov}:{digest}".encode()).hexdigest()
        try:
            object.__setattr__(h, "_geo_key", key)
        except (AttributeError, TypeError):
            pass
    return key


@st.cache_resource(show_spinner=False, max_entries=48)
def coverage(key: str, period: str, _h: History, provinces: tuple[str, ...]) -> analysis_frames.Coverage:
    """The analysis frames of one period of a history."""
    return analysis_frames.coverage(state._boundaries(provinces).full, _h.for_period(period))


@st.cache_resource(show_spinner=False, max_entries=8)
def progress_of(key: str, level: str, _h: History, provinces: tuple[str, ...]) -> progress.Progress:
    bset = state._boundaries(provinces)
    try:
        return progress.progress(_h, bset.full, level=level, province_names=bset.province_names)
    except TypeError:  # an older signature without province names
        return progress.progress(_h, bset.full, level=level)


@st.cache_resource(show_spinner=False, max_entries=16)
def change_of(key: str, before: str, after: str, level: str, segment: str, _h: History,
              provinces: tuple[str, ...]) -> chg.Change:
    a, b = coverage(key, before, _h, provinces), coverage(key, after, _h, provinces)
    return chg.change(a, b, level, segment, periods=(before, after))


@st.cache_resource(show_spinner=False, max_entries=8)
def weights_of(provinces: tuple[str, ...], level: str, codes_key: str, _frame) -> wts.Weights:
    return wts.build(_frame, "queen")


def _codes_key(frame) -> str:
    return hashlib.sha1("\n".join(frame["code"]).encode()).hexdigest()


@st.cache_data(show_spinner=False, max_entries=16)
def differential_of(key: str, before: str, after: str, level: str, variable: str, segment: str,
                    _h: History, provinces: tuple[str, ...]) -> trends.Differential:
    a, b = coverage(key, before, _h, provinces), coverage(key, after, _h, provinces)
    frame = b[level]
    delta = trends.change_values(a[level], frame, variable, segment)
    import numpy as np
    import shapely
    geom = np.asarray(frame.geometry.values)
    ok = np.isfinite(delta.to_numpy()) & ~(shapely.is_missing(geom) | shapely.is_empty(geom))
    sub = frame[ok].reset_index(drop=True)  # the rows differential_moran analyses
    w = weights_of(provinces, level, _codes_key(sub), sub) if len(sub) >= 2 else None
    return trends.differential_moran(a[level], frame, variable, segment, w=w)


@st.cache_data(show_spinner=False, max_entries=8)
def emerging_of(key: str, periods: tuple[str, ...], level: str, segment: str, _h: History,
                provinces: tuple[str, ...]) -> trends.Emerging:
    series = [(p, coverage(key, p, _h, provinces)[level]) for p in periods]
    geometry = state._boundaries(provinces).full[level]
    return trends.emerging_hot_spots(series, geometry, segment)
