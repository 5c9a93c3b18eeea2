"""Progress through the periods against the coverage target (issue 15).

Per area and period the coverage rate comes from the summed counts (``frames.aggregate``, the
same sums as the map; never an average of rates). From each area's latest period:

- **pace needed** (pp per month): ``(target - rate) / months left``, months left counted from
  the latest period to the deadline (``2025-12`` to ``2026-12`` is 12 months); 0 once the
  target is reached; None when no month is left and the target is not reached.
- **recent pace** (pp per month): the least-squares slope of the rate over the area's last
  :data:`RECENT_PERIODS` periods (3), x in months counted from the period labels, so a gap
  (January, then April) counts as three months and gaps are allowed. With two periods it is
  the change between them per month.
- **on track**: recent pace >= pace needed (True once the target is reached); None when either
  is None.
- **people per month needed**: ``ceil(to_target / months left)``, ``to_target`` =
  ``max(0, ceil(target x workers - covered))`` of the latest period (CONTRACT.md's indicator);
  0 once reached, None when no month is left.

An area with figures in fewer than two periods has null paces and ``on_track`` (CONTRACT.md);
its people per month are still given, as they need one period only. The JSON is exactly
CONTRACT.md's ``progress`` object (:meth:`Progress.to_json`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.core import codes
from geo.core.provenance import Provenance
from geo.core.schema import LEVEL_ORDER
from geo.figures.history import History, month_index

TARGET = 73.86  # % (geo/core/reference_figures.csv: target_coverage_rate 2026-12-31)
DEADLINE = "2026-12"
RECENT_PERIODS = 3
_EPS = 1e-9  # rates equal within rounding noise count as on track


@dataclass(frozen=True)
class AreaProgress:
    """One area's series and paces (the keys of CONTRACT.md's area object)."""

    code: str
    name: str
    rates: dict[str, float]
    workers: dict[str, int]
    covered: dict[str, int]
    pace_needed_pp_per_month: float | None
    pace_recent_pp_per_month: float | None
    on_track: bool | None
    people_per_month_needed: int | None
    level: str = "province"

    def to_json(self) -> dict:
        return {"code": self.code, "name": self.name, "rates": self.rates, "workers": self.workers,
                "covered": self.covered, "pace_needed_pp_per_month": self.pace_needed_pp_per_month,
                "pace_recent_pp_per_month": self.pace_recent_pp_per_month, "on_track": self.on_track,
                "people_per_month_needed": self.people_per_month_needed}


@dataclass(frozen=True)
class Progress:
    """The progress of a province's areas at one level: provinces first, then the areas."""

    provinces: tuple[str, ...]
    level: str
    periods: tuple[str, ...]
    target: float
    deadline: str
    areas: tuple[AreaProgress, ...]
    provenance: dict[str, Provenance] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"province": ",".join(self.provinces), "level": self.level, "periods": list(self.periods),
                "target": self.target, "deadline": self.deadline, "areas": [a.to_json() for a in self.areas]}

    def table(self) -> pd.DataFrame:
        """One row per area: code, name, level, latest period and rate, paces, on track, people."""
        rows = []
        for a in self.areas:
            last = max(a.rates) if a.rates else None
            rows.append({"code": a.code, "name": a.name, "level": a.level, "period": last,
                         "coverage_rate": a.rates.get(last) if last else None,
                         "pace_needed_pp_per_month": a.pace_needed_pp_per_month,
                         "pace_recent_pp_per_month": a.pace_recent_pp_per_month, "on_track": a.on_track,
                         "people_per_month_needed": a.people_per_month_needed})
        return pd.DataFrame(rows, columns=["code", "name", "level", "period", "coverage_rate",
                                           "pace_needed_pp_per_month", "pace_recent_pp_per_month", "on_track",
                                           "people_per_month_needed"])

    def series(self) -> pd.DataFrame:
        """Long: code, name, level, period, workers, covered, coverage_rate (for charts)."""
        rows = [{"code": a.code, "name": a.name, "level": a.level, "period": p, "workers": a.workers[p],
                 "covered": a.covered[p], "coverage_rate": r} for a in self.areas for p, r in a.rates.items()]
        return pd.DataFrame(rows, columns=["code", "name", "level", "period", "workers", "covered",
                                           "coverage_rate"])


def months_left(period: str, deadline: str = DEADLINE) -> int:
    """Months from ``period`` to ``deadline`` (``2025-12`` to ``2026-12``: 12)."""
    return month_index(deadline) - month_index(period)


def recent_pace(rates: dict[str, float], n: int = RECENT_PERIODS) -> float | None:
    """Least-squares slope (pp per month) of the last ``n`` periods, months from the labels."""
    last = sorted(rates)[-n:]
    if len(last) < 2:
        return None
    x = np.array([month_index(p) for p in last], dtype=float)
    y = np.array([rates[p] for p in last], dtype=float)
    x -= x.mean()
    return float((x * (y - y.mean())).sum() / (x * x).sum())


def to_target(workers: int, covered: int, target: float) -> int:
    """People to enrol: max(0, ceil(target x workers - covered)), a hair of float noise forgiven."""
    need = target / 100.0 * workers - covered
    return max(0, math.ceil(need - 1e-9))


def area_progress(code: str, name: str, workers: dict[str, int], covered: dict[str, int], target: float = TARGET,
                  deadline: str = DEADLINE, level: str = "province") -> AreaProgress:
    """An area's rates and paces from its counts per period (see the module docstring)."""
    periods = sorted(p for p in workers if workers[p] and workers[p] > 0)
    rates = {p: 100.0 * covered[p] / workers[p] for p in periods}
    needed = recent = on_track = people = None
    if periods:
        last = periods[-1]
        left = months_left(last, deadline)
        gap = target - rates[last]
        reached = gap <= _EPS
        if reached:
            needed, people = 0.0, 0
        elif left > 0:
            needed = gap / left
            people = math.ceil(to_target(workers[last], covered[last], target) / left)
        if len(periods) >= 2:
            recent = recent_pace(rates)
            on_track = True if reached else (None if needed is None or recent is None else
                                             bool(recent >= needed - _EPS))
        else:
            needed = None  # CONTRACT.md: fewer than two periods, null paces
    return AreaProgress(code=code, name=name, rates={p: round(r, 4) for p, r in rates.items()},
                        workers={p: int(workers[p]) for p in periods}, covered={p: int(covered[p]) for p in periods},
                        pace_needed_pp_per_month=None if needed is None else round(needed, 4),
                        pace_recent_pp_per_month=None if recent is None else round(recent, 4),
                        on_track=on_track, people_per_month_needed=people, level=level)


def progress(history: History, layers: dict[str, gpd.GeoDataFrame], level: str = "regency",
             target: float = TARGET, deadline: str = DEADLINE, start: str | None = None,
             end: str | None = None, province_names: dict[str, str] | None = None) -> Progress:
    """The progress of ``history``'s provinces and of every area at ``level`` (ValueError for an
    unknown level). Each period is summed up from its own level, so periods given at different
    levels still compare at the levels above both. ``layers``: the boundary layers by level
    (``BoundarySet.full``); ``province_names``: ``BoundarySet.province_names``."""
    if level not in LEVEL_ORDER or level == "province":
        raise ValueError(f"level must be one of regency, district, village (not {level!r})")
    hist = history.between(start, end)
    provinces = tuple(history.provinces) or tuple(sorted({str(c)[:2] for p in hist.periods
                                                         for c in hist.for_period(p).data["code"]}))
    prov_layers = {lv: layer[layer["province_code"].isin(provinces)] for lv, layer in layers.items()}
    counts = _counts(hist, provinces)
    names = province_names or {}
    out: list[AreaProgress] = []
    for prov in provinces:
        out.append(_one_area(prov, names.get(prov, prov), "province", counts, target, deadline))
        layer = prov_layers.get(level)
        if layer is None:
            continue
        sub = layer[layer["province_code"] == prov].sort_values("code")
        for code, name in zip(sub["code"].astype(str), sub["name"].astype(str)):
            out.append(_one_area(code, name, level, counts, target, deadline))
    return Progress(provinces=provinces, level=level, periods=hist.periods, target=float(target),
                    deadline=deadline, areas=tuple(out), provenance=hist.provenance)


def _counts(hist: History, provinces: tuple[str, ...]) -> dict:
    """``counts[level][code] = ({period: workers}, {period: covered})``: every period's counts
    summed up the hierarchy in one grouping (the sums of ``frames.aggregate``: each column over
    the parts that report it, so the map and this agree), for areas at or above each period's
    level. One groupby for all periods: ``aggregate`` per period took ~0.25 s each."""
    parts = []
    for p in hist.periods:
        fig = hist.for_period(p)
        d = fig.data
        if "workers" not in d or "covered" not in d or fig.level not in LEVEL_ORDER:
            continue
        d = d[d["code"].astype(str).str[:2].isin(provinces)]
        parts.append(pd.DataFrame({"code": d["code"].astype(str).values, "period": p,
                                   "depth": LEVEL_ORDER.index(fig.level),
                                   "workers": d["workers"].to_numpy(dtype=float, na_value=np.nan),
                                   "covered": d["covered"].to_numpy(dtype=float, na_value=np.nan)}))
    counts: dict = {}
    if not parts:
        return counts
    long = pd.concat(parts, ignore_index=True)
    for depth, level in enumerate(LEVEL_ORDER):
        sub = long[long["depth"] >= depth]
        if sub.empty:
            continue
        sums = (sub.assign(area=codes.ancestors_at(sub["code"], level)).dropna(subset=["area"])
                .groupby(["area", "period"], sort=True)[["workers", "covered"]].sum(min_count=1))
        sums = sums[sums["workers"].notna() & sums["covered"].notna()]  # counts below 2**53: exact in floats
        slot = counts.setdefault(level, {})
        for (code, p), w, c in zip(sums.index, sums["workers"].tolist(), sums["covered"].tolist()):
            ws, cs = slot.setdefault(code, ({}, {}))
            ws[p], cs[p] = int(w), int(c)
    return counts


def _one_area(code: str, name: str, level: str, counts: dict, target: float, deadline: str) -> AreaProgress:
    workers, covered = counts.get(level, {}).get(code, ({}, {}))
    return area_progress(code, name, workers, covered, target, deadline, level)


__all__ = ["TARGET", "DEADLINE", "RECENT_PERIODS", "AreaProgress", "Progress", "months_left", "recent_pace",
           "to_target", "area_progress", "progress"]
