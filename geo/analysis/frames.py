"""Analysis frames: the figures summed up the hierarchy and joined to each level's layer.

Counts are summed upwards (village -> district -> regency -> province) and rates are always
recomputed from the sums, never averaged. An area without figures stays "no data" (NaN),
never zero; an upper area whose parts are only partly reported gets the sums of what was
reported and a completeness figure, so a half-reported regency is never mistaken for a whole."""
from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from geo.core import codes
from geo.core.schema import COUNT_COLUMNS, LEVEL_ORDER
from geo.core.provenance import Provenance
from geo.figures.model import Figures


def aggregate(data: pd.DataFrame, level: str, layers: dict[str, gpd.GeoDataFrame]) -> dict[str, pd.DataFrame]:
    """Counts at ``level`` and every level above, plus completeness, keyed by level.

    ``data`` holds one row per code at ``level`` (already validated and joined). Every area of
    the boundaries at ``level`` and above gets a row: the sums of its reported parts (NaN when
    none reported), ``reported`` (parts with figures), ``parts`` (all its parts in the
    boundaries, counted at the file's level: 148 for a regency of 148 villages, whether 40 or
    none of them reported), ``completeness`` and ``unit`` (the level the parts are counted at).
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
        frame = summed.reindex(summed.index.union(parts.index))  # areas none of whose parts reported too
        frame["reported"] = reported.reindex(frame.index).fillna(0).astype(int)
        frame["parts"] = parts.reindex(frame.index).fillna(frame["reported"]).astype(int)
        frame["completeness"] = (frame["reported"] / frame["parts"].where(frame["parts"] > 0)).astype(float)
        frame["unit"] = level
        frame.index.name = "code"
        out[upper] = frame.reset_index()
    return out


def analysis_frame(layer: gpd.GeoDataFrame, counts_at_level: pd.DataFrame | None) -> gpd.GeoDataFrame:
    """The boundary layer with its counts: areas without figures keep NaN ("no data")."""
    if counts_at_level is None:
        frame = layer.copy()
        for col in COUNT_COLUMNS:
            frame[col] = pd.array([pd.NA] * len(frame), dtype="Float64")
        frame["reported"], frame["parts"], frame["completeness"], frame["unit"] = 0, 1, 0.0, layer_level(layer)
        return frame
    frame = layer.merge(counts_at_level, on="code", how="left")
    for col in COUNT_COLUMNS:
        if col not in frame:
            frame[col] = pd.array([pd.NA] * len(frame), dtype="Float64")
    frame["reported"] = frame["reported"].fillna(0).astype(int)
    frame["parts"] = frame["parts"].fillna(1).astype(int)
    frame["completeness"] = frame["completeness"].fillna(0.0)
    frame["unit"] = frame["unit"].fillna(layer_level(layer))
    return gpd.GeoDataFrame(frame, geometry=layer.geometry.name, crs=layer.crs)


def layer_level(layer: pd.DataFrame) -> str:
    """The level of a layer's areas, read off its first code."""
    return codes.level_of(str(layer["code"].iloc[0])) if len(layer) else "village"


@dataclass(frozen=True)
class Coverage:
    """The analysis stage's hand-off: one analysis frame per level, and where the figures come
    from (what every map, table and export says about them). Indexed by level like a dict."""

    frames: dict[str, gpd.GeoDataFrame]
    provenance: Provenance
    level: str  # the level the figures were given at (the levels below it have no data)

    def __getitem__(self, level: str) -> gpd.GeoDataFrame:
        return self.frames[level]

    def __contains__(self, level: str) -> bool:
        return level in self.frames

    def __iter__(self):
        return iter(self.frames)

    def items(self):
        return self.frames.items()


def coverage(layers: dict[str, gpd.GeoDataFrame], figures: Figures) -> Coverage:
    """The figures summed up the hierarchy and joined to every level's layer."""
    return Coverage(build_frames(layers, figures), figures.provenance, figures.level)


def build_frames(layers: dict[str, gpd.GeoDataFrame], figures: Figures) -> dict[str, gpd.GeoDataFrame]:
    """One analysis frame per boundary level (levels below the figures' level have no data)."""
    sums = aggregate(figures.data, figures.level, layers)
    return {level: analysis_frame(layer, sums.get(level)) for level, layer in layers.items()}


def province_totals(figures: Figures, layers: dict[str, gpd.GeoDataFrame]) -> pd.DataFrame:
    """One row per province with the summed counts and completeness."""
    return aggregate(figures.data, figures.level, layers)["province"]
