"""The history the progress page shows, and its expensive steps cached (Streamlit glue).

Which history: with a saved dataset in use, the saved periods of the selected provinces (the
store's history: a period saved again supersedes the earlier version); with figures used for
this session only, their own periods; otherwise the synthetic demo history. Frames per
period, changes and change clusters are computed once per history and shared by sessions.
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


def _key(h: History) -> str:
    long = h.long()
    digest = int(pd.util.hash_pandas_object(long, index=False).sum()) if len(long) else 0
    prov = "|".join(f"{p}:{v.source}:{v.synthetic}" for p, v in h.provenance.items())
    return hashlib.sha1(f"{prov}:{digest}".encode()).hexdigest()


@st.cache_resource(show_spinner=False, max_entries=4)
def _demo_history(provinces: tuple[str, ...]) -> History:
    try:
        from geo.figures import demo_history
        return demo_history.demo_history(state._boundaries(provinces))
    except ImportError:  # the demo history is not there yet: the calibrated month alone
        return History.from_figures(state.demo_figures(provinces), provinces)


@st.cache_resource(show_spinner=False, max_entries=8)
def _saved_history(url: str, provinces: tuple[str, ...], sources: tuple) -> History:
    return state._store(url).saved_history(provinces)


@st.cache_resource(show_spinner=False, max_entries=8)
def _from_figures(key: str, _fig, provinces: tuple[str, ...]) -> History:
    return History.from_figures(_fig, provinces)


def active_history() -> tuple[History, str]:
    """The history in use and its key (for caches)."""
    provinces = state.provinces()
    fig = state.active_figures()
    meta = state.dataset_meta()
    if meta is not None and (db := state.store()) is not None:
        from geo.outputs import store as store_mod
        try:
            sources = tuple((s.period, s.dataset_id, s.version, s.current) for s in db.period_history(provinces))
            h = _saved_history(store_mod.database_url(), provinces, sources)
            if len(h):
                return h, "saved:" + hashlib.sha1(repr(sources).encode()).hexdigest()
        except Exception:  # noqa: BLE001 - a store that cannot answer: the dataset's own periods
            pass
    if fig.synthetic and meta is None and st.session_state.get("figures") is None:
        h = _demo_history(provinces)
        return h, "demo:" + ",".join(provinces) + ":" + ",".join(h.periods)
    key = "fig:" + state.figures_key(fig) + ":" + ",".join(fig.periods)
    return _from_figures(key, fig, provinces), key


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
