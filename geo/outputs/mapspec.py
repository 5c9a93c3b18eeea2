"""What a map shows, once: the hand-off between the analysis and every renderer.

A :class:`MapSpec` holds the areas with their class, the colours, the legend, the title
block, the circles, the names and the :class:`~geo.core.provenance.Provenance`. The Leaflet
renderer (``geo.outputs.leaflet``), the PNG renderer (``geo.outputs.png``) and the PDF brief
draw the same spec, so the map on screen, the PNG, the HTML and the brief cannot disagree on a
class, a count or a label; the synthetic label and the source line are read from the
provenance, never passed beside it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.core import i18n
from geo.core.provenance import Provenance


class Tooltips(Protocol):
    """What an area's tooltip says, in the two forms the Leaflet engines send."""

    def lines(self, names: dict[str, str]) -> dict[str, list]:
        """Every area's lines of text (the inline engine puts them in the script)."""

    def payload(self, index: dict[str, int]) -> dict:
        """The numbers and fragments per area, by position in the layer file (values engine)."""


@dataclass(frozen=True)
class LayerRef:
    """Which boundary layer the areas come from: the level, and one regency's areas or all."""

    level: str
    within: str | None = None


@dataclass
class MapSpec:
    """Everything a map draws. ``areas`` (lon/lat, web geometry) has ``code`` and ``cls``
    (an index into ``colors``; -1 = no data). Circles, when there are any, are in
    ``symbols``: ``lon``, ``lat``, ``code``, ``size`` (0-1, the share of the largest circle's
    diameter, so that each renderer scales them to its own unit) and optionally ``color``."""

    areas: gpd.GeoDataFrame
    colors: list[str]
    labels: list[str]
    counts: list[int]
    title: str
    legend_title: str
    provenance: Provenance
    subtitle: str | None = None
    outline: gpd.GeoDataFrame | None = None
    symbols: pd.DataFrame | None = None
    symbol_legend: list[tuple[float, str]] = field(default_factory=list)  # (size 0-1, label)
    note: str | None = None
    lang: str = i18n.DEFAULT_LANG
    # lon, lat, text, priority: the names a static map prints (geo.outputs.mapnames), or a
    # function that finds them (placing names costs time the web map, which has its own, needs not)
    names: pd.DataFrame | Callable[[], pd.DataFrame] | None = None
    names_kind: str = "regency"  # which level the names are of (their font size)
    header_lines: list[str] = field(default_factory=list)  # lines under the subtitle (a list's settings)
    extent: tuple[float, float, float, float] | None = None  # what the map frames (default: all areas)
    layer: LayerRef | None = None  # for the web map: the boundary layer the areas are drawn from
    tooltips: Tooltips | None = None  # for the web map
    outline_prefix: int = 0  # for the web map: areas sharing this many code characters are outlined
    label_all: bool = False  # for the web map: write every area's name that fits (regencies)

    def area_names(self) -> pd.DataFrame | None:
        """The names a static map prints (found once, when first asked for)."""
        if callable(self.names):
            self.names = self.names()
        return self.names

    @property
    def nodata_label(self) -> str:
        return i18n.t("no_data", self.lang)

    @property
    def nodata_count(self) -> int:
        return int((self.areas["cls"] < 0).sum())

    @property
    def synthetic_label(self) -> str | None:
        """"SYNTHETIC" (in the spec's language) when the figures are synthetic, else None."""
        return self.provenance.label(self.lang)

    @property
    def source_line(self) -> str:
        return self.provenance.line(self.lang)


def nice(x: float) -> float:
    """A legend reference value rounded to 2 significant figures."""
    if x <= 0:
        return 0.0
    p = 10 ** (math.floor(math.log10(x)) - 1)
    return round(x / p) * p


def circle_sizes(values: pd.Series, fmt, refs: tuple[float, ...] = (1, 1 / 4, 1 / 16)
                 ) -> tuple[np.ndarray, list[tuple[float, str]]]:
    """Circle diameters as a share of the largest (area ∝ value, so size ∝ √value; 0 = no
    circle) and the legend's reference circles (round values at ``refs`` of the largest)."""
    v = values.fillna(0).abs().to_numpy(dtype=float)
    vmax = float(v.max()) if len(v) and v.max() > 0 else 1.0
    size = np.sqrt(v / vmax)
    legend = [(math.sqrt(r / vmax), fmt(r)) for r in (nice(vmax * f) for f in refs) if r > 0]
    return size, legend
