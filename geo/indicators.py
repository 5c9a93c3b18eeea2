"""Coverage indicators and the aggregation of figures up the hierarchy.

Counts are summed upwards (village -> district -> regency -> province) and rates are always
recomputed from the sums, never averaged. An area without figures stays "no data" (NaN),
never zero; an upper area whose parts are only partly reported gets the sums of what was
reported and a completeness figure, so a half-reported regency is never mistaken for a whole.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from . import codes

SEGMENTS: tuple[str, ...] = ("wage", "farmer", "fisher", "trader", "customary", "other")
NON_WAGE: tuple[str, ...] = ("farmer", "fisher", "trader", "customary", "other")
SEGMENT_CHOICES: tuple[str, ...] = ("all",) + SEGMENTS + ("vulnerable",)
INDICATORS: tuple[str, ...] = ("coverage_rate", "uncovered", "gap_to_target", "to_target")
DEFAULT_TARGET = 73.86  # % of the working population, Bali's 2026 target
COUNT_COLUMNS: tuple[str, ...] = ("workers", "covered") + tuple(
    f"{kind}_{s}" for s in SEGMENTS for kind in ("workers", "covered"))
LEVEL_ORDER = ("province", "regency", "district", "village")


@dataclass
class Figures:
    """Figures joined to the boundaries: one row per area code at one level.

    ``data`` has ``code`` and any of ``COUNT_COLUMNS`` (nullable integers). ``synthetic``
    marks the demo dataset so every output can label it.
    """

    data: pd.DataFrame
    level: str
    source: str
    synthetic: bool = False
    period: str | None = None
    notes: list[str] = field(default_factory=list)


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


def aggregate(data: pd.DataFrame, level: str, layers: dict[str, gpd.GeoDataFrame]) -> dict[str, pd.DataFrame]:
    """Counts at ``level`` and every level above, plus completeness, keyed by level.

    ``data`` holds one row per code at ``level`` (already validated and joined). Each upper
    area gets the sums of its reported parts, ``reported`` (parts with figures), ``parts``
    (all parts in the boundaries, counted at the file's level) and ``completeness``.
    """
    cols = [c for c in COUNT_COLUMNS if c in data]
    base = data.set_index("code")[cols].astype("Float64")
    out: dict[str, pd.DataFrame] = {}
    units = layers[level][["code"]].copy() if level in layers else base.reset_index()[["code"]]
    for upper in LEVEL_ORDER[: LEVEL_ORDER.index(level) + 1]:
        parts = codes.ancestors_at(units["code"], upper).value_counts()
        key = codes.ancestors_at(base.index.to_series(), upper)
        summed = base.groupby(key.values).sum(min_count=1) if len(base) else base
        reported = base.notna().any(axis=1).groupby(key.values).sum() if len(base) else pd.Series(dtype=int)
        frame = summed.copy()
        frame["reported"] = reported.reindex(frame.index).fillna(0).astype(int)
        frame["parts"] = parts.reindex(frame.index).fillna(frame["reported"]).astype(int)
        frame["completeness"] = (frame["reported"] / frame["parts"].where(frame["parts"] > 0)).astype(float)
        frame.index.name = "code"
        out[upper] = frame.reset_index()
    return out


def analysis_frame(layer: gpd.GeoDataFrame, counts_at_level: pd.DataFrame | None) -> gpd.GeoDataFrame:
    """The boundary layer with its counts: areas without figures keep NaN ("no data")."""
    if counts_at_level is None:
        frame = layer.copy()
        for col in COUNT_COLUMNS:
            frame[col] = pd.array([pd.NA] * len(frame), dtype="Float64")
        frame["reported"], frame["parts"], frame["completeness"] = 0, 1, 0.0
        return frame
    frame = layer.merge(counts_at_level, on="code", how="left")
    for col in COUNT_COLUMNS:
        if col not in frame:
            frame[col] = pd.array([pd.NA] * len(frame), dtype="Float64")
    frame["reported"] = frame["reported"].fillna(0).astype(int)
    frame["parts"] = frame["parts"].fillna(1).astype(int)
    frame["completeness"] = frame["completeness"].fillna(0.0)
    return gpd.GeoDataFrame(frame, geometry=layer.geometry.name, crs=layer.crs)


def build_frames(layers: dict[str, gpd.GeoDataFrame], figures: Figures) -> dict[str, gpd.GeoDataFrame]:
    """One analysis frame per boundary level (levels below the figures' level have no data)."""
    sums = aggregate(figures.data, figures.level, layers)
    return {level: analysis_frame(layer, sums.get(level)) for level, layer in layers.items()}


def province_totals(figures: Figures, layers: dict[str, gpd.GeoDataFrame]) -> pd.DataFrame:
    """One row per province with the summed counts and completeness."""
    return aggregate(figures.data, figures.level, layers)["province"]


def is_missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def is_small(value, threshold: int) -> bool:
    """True when ``value`` is a count to hide: 0 < value < threshold (0 and missing are shown).

    Small counts can identify people in a small village; hiding them (default off) is the
    usual disclosure-control rule for published tables.
    """
    if not threshold or value is None or is_missing(value):
        return False
    try:
        v = float(value)
    except (TypeError, ValueError):
        return False
    return 0 < v < threshold


def small_label(threshold: int) -> str:
    return f"<{int(threshold)}"
