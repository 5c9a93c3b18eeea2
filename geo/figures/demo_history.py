"""The synthetic demo history: monthly periods from December 2025 on (issue 15).

Why: the progress page, the change maps and the emerging-cluster analysis need several
periods before anyone has uploaded them. Like the demo it starts from (``geo.figures.demo``,
53.88 % in Bali in December 2025, the published figure), every number after December 2025 is
**invented** and labelled synthetic (``Figures.synthetic``, so every output's Provenance).

The model, per province (a ``numpy`` Generator seeded with ``[seed, province, 15]``):

- Workers stay as in December 2025, except in the **emerging fisher cluster**: the coastal
  village with fishers farthest from the province's fishing centres and its nearest fisher
  villages, ``CLUSTER_SIZE`` (7) in all, gain ``CLUSTER_GROWTH`` x (mean fishers of a fisher village)
  uncovered fishers each month (say, boats moving to a new landing place) whom outreach does
  not reach: their fisher coverage never rises, so uncovered fishers grow there month by month.
- Each regency's rate moves by ``pace x needed`` per month with noise, ``needed`` = (target -
  its December 2025 rate) / 12: regencies that **keep up** (``KEEP_UP``; Bali: Tabanan, Badung,
  Gianyar, Klungkung, Denpasar) have ``pace`` 1.25, those that **fall behind** 0.55 (Bali:
  Jembrana, Bangli, Karangasem, Buleleng). Other provinces draw which regencies keep up.
  The rate path is over the workers outside the cluster's new fishers, so the cluster drags
  its regency's rate down a little.
- A regency's new enrolments go to the villages' uncovered workers by weight: uncovered x
  segment factor (wage 1.2, others 1) x a village propensity (log-normal, fixed per village),
  whole people, never above a cell's uncovered (``demo.allocate``). ``LOSERS`` (2 %) of the
  villages lose 3 % of their covered wage earners each month (firms closing), so some
  villages' coverage falls, as real series do.

Everything is vectorised per regency and month (no loop over villages). The published real
points (:func:`real_points`: 50.88 % in March 2025, 53.88 % in December 2025) come from
``geo/core/reference_figures.csv`` with their source, to be drawn as real beside the synthetic.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.boundaries.model import BoundarySet
from geo.core import codes, reference
from geo.core.schema import COUNT_COLUMNS, SEGMENTS
from geo.figures import demo
from geo.figures.history import History, month_range, period_of_index, month_index
from geo.figures.model import Figures

START = demo.PERIOD  # 2025-12: the calibrated demo
TARGET = 73.86
DEADLINE = "2026-12"
HORIZON = "2027-12"  # the noise is drawn up to here whatever ``end`` is
KEEP_UP: dict[str, tuple[str, ...]] = {"51": ("51.02", "51.03", "51.04", "51.05", "51.71")}
PACE_KEEP_UP, PACE_BEHIND, PACE_NOISE = 1.25, 0.55, 0.3
CLUSTER_SIZE, CLUSTER_GROWTH = 7, 0.25
LOSERS, LOSS_PER_MONTH = 0.02, 0.03
SEGMENT_FACTOR = {"wage": 1.2}


def last_full_month(today: dt.date | None = None) -> str:
    """The month before ``today``'s (the latest a monthly report can describe)."""
    today = today or dt.date.today()
    return period_of_index(month_index(f"{today.year:04d}-{today.month:02d}") - 1)


def demo_history(bset: BoundarySet, end: str | None = None, seed: int = demo.DEFAULT_SEED) -> History:
    """The synthetic monthly history from ``START`` to ``end`` (default :func:`last_full_month`),
    deterministic for a seed; ``History.for_period(START)`` is the calibrated demo itself."""
    end = max(end or last_full_month(), START)
    periods = month_range(START, end)
    base = demo.demo_figures(bset, seed)
    data = base.data
    workers_cols = [f"workers_{s}" for s in SEGMENTS]
    covered_cols = [f"covered_{s}" for s in SEGMENTS]
    W = data[workers_cols].fillna(0).to_numpy(dtype=np.int64)
    C = data[covered_cols].fillna(0).to_numpy(dtype=np.int64)
    code_arr = data["code"].astype(str).to_numpy()
    regency = np.array([codes.ancestor_at(c, "regency") for c in code_arr])
    province = np.array([c[:2] for c in code_arr])
    added = np.zeros_like(W)  # the cluster's new fishers
    fisher = SEGMENTS.index("fisher")
    wage = SEGMENTS.index("wage")
    seg_factor = np.array([SEGMENT_FACTOR.get(s, 1.0) for s in SEGMENTS])
    cluster = np.zeros(len(data), dtype=bool)
    losers = np.zeros(len(data), dtype=bool)
    propensity = np.ones(len(data))
    pace: dict[str, np.ndarray] = {}
    rate0: dict[str, float] = {}
    villages = bset.full["village"].set_index("code").loc[code_arr].reset_index()
    for prov in sorted(set(province)):
        m = province == prov
        rng = np.random.default_rng([seed, int(prov), 15])
        propensity[m] = rng.lognormal(0.0, 0.5, m.sum())
        losers[np.flatnonzero(m)[rng.random(m.sum()) < LOSERS]] = True
        cluster |= _cluster(villages[m], W[m, fisher], prov, np.flatnonzero(m), len(data))
        regs = sorted(set(regency[m]))
        keep = set(KEEP_UP.get(prov, ())) or {r for r in regs if rng.random() < 0.5}
        for r in regs:
            rm = regency == r
            r0 = 100.0 * C[rm].sum() / max(W[rm].sum(), 1)
            needed = max(TARGET - r0, 0.0) / max(month_index(DEADLINE) - month_index(START), 1)
            factor = PACE_KEEP_UP if r in keep else PACE_BEHIND
            # drawn for a fixed horizon, so a longer history extends a shorter one unchanged
            horizon = max(len(periods) - 1, month_index(HORIZON) - month_index(START))
            steps = factor * needed * (1 + PACE_NOISE * (rng.random(horizon) - 0.5))
            rate0[r], pace[r] = r0, np.concatenate([[0.0], np.cumsum(steps)])
    fisher_villages = W[:, fisher] > 0
    grow = np.zeros(len(data), dtype=np.int64)
    for prov in sorted(set(province)):
        m = (province == prov) & fisher_villages
        if m.any():
            grow[cluster & (province == prov)] = max(1, round(CLUSTER_GROWTH * float(W[m, fisher].mean())))

    frames = {START: base}
    for t, period in enumerate(periods[1:], start=1):
        W[:, fisher] += grow
        added[:, fisher] += grow
        loss = np.floor(C[losers, wage] * LOSS_PER_MONTH).astype(np.int64)
        C[losers, wage] -= loss
        for r, path in pace.items():
            rm = regency == r
            goal = int(round(min(rate0[r] + path[t], 100.0) / 100.0 * (W[rm] - added[rm]).sum()))
            cap = W[rm] - C[rm]
            cap[cluster[rm], fisher] = 0  # outreach misses the cluster's fishers
            cap[losers[rm], wage] = 0
            inc = min(goal - int(C[rm].sum()), int(cap.sum()))
            if inc > 0:
                weight = cap * seg_factor[None, :] * propensity[rm][:, None]
                C[rm] += demo.allocate(inc, weight.ravel(), cap.ravel()).reshape(cap.shape)
        frames[period] = _figures(data, W, C, period, base, seed)
    return History(frames, tuple(bset.provinces))


def _cluster(gv: gpd.GeoDataFrame, fishers: np.ndarray, province: str, idx: np.ndarray, n: int) -> np.ndarray:
    """The emerging cluster's villages (a mask over all ``n`` villages; see the module docstring)."""
    out = np.zeros(n, dtype=bool)
    has = fishers > 0
    if not has.any():
        return out
    gv = gv.reset_index(drop=True)
    points = demo._points_km(gv)
    centres = demo.FISHING_CENTRES.get(province, ())
    at = points[np.isin(gv["code"].to_numpy(), centres)]
    if len(at):
        d_centre = np.sqrt(((points[:, None, :] - at[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
    else:
        d_centre = np.zeros(len(gv))
    d_centre = np.where(has & np.isfinite(d_centre), d_centre, -1.0)
    seed_village = int(np.argmax(d_centre))
    d = np.where(has, np.nan_to_num(np.hypot(*(points - points[seed_village]).T), nan=np.inf), np.inf)
    near = np.zeros(len(gv), dtype=bool)
    near[np.argsort(d, kind="stable")[:min(CLUSTER_SIZE, int(has.sum()))]] = True
    near[seed_village] = True
    out[idx[near]] = True
    return out


def _figures(data: pd.DataFrame, W: np.ndarray, C: np.ndarray, period: str, base: Figures, seed: int) -> Figures:
    out = pd.DataFrame({"code": data["code"].values, "name": data["name"].values})
    cells = {}
    for j, s in enumerate(SEGMENTS):
        cells[f"workers_{s}"], cells[f"covered_{s}"] = W[:, j], C[:, j]
    cells["workers"], cells["covered"] = W.sum(axis=1), C.sum(axis=1)
    for col in COUNT_COLUMNS:
        out[col] = pd.array(cells[col], dtype="Int64")
    notes = [f"Synthetic demo history (seed {seed}), period {period}: invented monthly change from the "
             f"calibrated demo of {START}; not real data."] + list(base.notes)
    return dataclasses.replace(base, data=out[["code", "name", *COUNT_COLUMNS]], period=period, notes=notes,
                               by_period=None)


def real_points(province: str = "51") -> pd.DataFrame:
    """The published coverage rates of ``province`` (real, with their source): columns
    ``period`` (YYYY-MM), ``coverage_rate`` (%), ``as_of``, ``source``, ``note``, ``synthetic``
    (False). Bali: 50.88 % (2025-03) and 53.88 % (2025-12)."""
    df = reference.published(province)
    df = df[(df["indicator"] == "coverage_rate") & (df["region_code"] == province)].sort_values("as_of")
    return pd.DataFrame({"period": [f"{d.year:04d}-{d.month:02d}" for d in df["as_of"]],
                         "coverage_rate": df["value"].astype(float).values,
                         "as_of": [d.isoformat() for d in df["as_of"]], "source": df["source"].values,
                         "note": df["note"].values, "synthetic": False})


def cluster_codes(history: History) -> list[str]:
    """The villages of the emerging fisher cluster (those whose fisher workers grow), for tests
    and for the page's note on the demo."""
    first, last = history.for_period(history.periods[0]).data, history.for_period().data
    grew = last.set_index("code")["workers_fisher"] > first.set_index("code")["workers_fisher"]
    return sorted(grew[grew.fillna(False)].index.astype(str))


__all__ = ["START", "KEEP_UP", "demo_history", "real_points", "last_full_month", "cluster_codes"]
