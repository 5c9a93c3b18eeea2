"""Coverage indicators per area: coverage rate, uncovered people, gap to the target and the
people to enrol to reach it, for all workers, one segment or all vulnerable (non-wage) workers,
always computed from an area's own sums (never averaged from rates)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from geo.core.schema import DEFAULT_TARGET, INDICATORS, NON_WAGE, SEGMENT_CHOICES, SEGMENTS


def counts(df: pd.DataFrame, segment: str = "all") -> tuple[pd.Series, pd.Series]:
    """Workers and covered for a segment; ``vulnerable`` sums the non-wage segments present."""
    if segment == "all":
        cols = ("workers", "covered")
        return _col(df, cols[0]), _col(df, cols[1])
    if segment == "vulnerable":
        w = [f"workers_{s}" for s in NON_WAGE if f"workers_{s}" in df]
        c = [f"covered_{s}" for s in NON_WAGE if f"covered_{s}" in df]
        nan = pd.Series(np.nan, index=df.index)
        return (df[w].astype("Float64").sum(axis=1, min_count=1).astype(float) if w else nan,
                df[c].astype("Float64").sum(axis=1, min_count=1).astype(float) if c else nan)
    if segment not in SEGMENTS:
        raise ValueError(f"unknown segment {segment!r}; choose from {', '.join(SEGMENT_CHOICES)}")
    return _col(df, f"workers_{segment}"), _col(df, f"covered_{segment}")


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    if name not in df:
        return pd.Series(np.nan, index=df.index, dtype=float)
    return pd.to_numeric(df[name], errors="coerce").astype(float)


def indicator(df: pd.DataFrame, name: str, segment: str = "all",
              target: float = DEFAULT_TARGET) -> pd.Series:
    """One indicator per area (NaN where there is no data).

    - ``coverage_rate``: covered / workers, in %.
    - ``uncovered``: workers - covered.
    - ``gap_to_target``: coverage_rate - target, in percentage points (diverging).
    - ``to_target``: people to enrol, max(0, ceil(target x workers - covered)).
    """
    workers, covered = counts(df, segment)
    if name == "coverage_rate":
        return (100.0 * covered / workers.where(workers > 0)).rename(name)
    if name == "uncovered":
        return (workers - covered).rename(name)
    if name == "gap_to_target":
        return (100.0 * covered / workers.where(workers > 0) - target).rename(name)
    if name == "to_target":
        return people_to_target(workers, covered, target).rename(name)
    raise ValueError(f"unknown indicator {name!r}; choose from {', '.join(INDICATORS)}")


def people_to_target(workers: pd.Series, covered: pd.Series, target: float) -> pd.Series:
    """People to enrol so that covered / workers reaches ``target`` %, never negative.

    Computed in integer arithmetic on the target in hundredths of a percent, so that an area
    exactly at the target needs 0 and not 1 because of floating-point rounding.
    """
    ok = (workers.notna() & covered.notna()).to_numpy()
    w = np.where(ok, workers.to_numpy(dtype=float, na_value=0), 0).astype(np.int64)
    c = np.where(ok, covered.to_numpy(dtype=float, na_value=0), 0).astype(np.int64)
    t = round(target * 100)  # e.g. 7386 for 73.86 %
    need = -((-w * t) // 10_000) - c  # ceil(w * t / 10000) - c, exactly, in integers
    return pd.Series(np.where(ok, np.maximum(need, 0), np.nan), index=workers.index, dtype=float)


def measured(people: pd.Series, frame: pd.DataFrame, segment: str, measure: str) -> pd.Series:
    """A count of people per area as ``measure``: the count itself, per km² of the area, or as a %
    of the segment's workers. One definition for the map and the cluster analysis; NaN where the
    area has no size or no workers."""
    if measure == "density":
        area = pd.to_numeric(frame["area_km2"], errors="coerce")
        return people / area.where(area > 0)
    if measure == "share":
        workers, _ = counts(frame, segment)
        return 100.0 * people / workers.where(workers > 0)
    if measure != "count":
        raise ValueError(f"unknown measure {measure!r}")
    return people
