"""The boundary layers of one or more provinces: the hand-off from the boundaries stage to
every later one (full geometry for analysis, web geometry and TopoJSON for maps, names by code)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import geopandas as gpd

from geo.boundaries.topology import _dumps, join_topologies, subset_topology
from geo.core import codes
from geo.core.schema import LEVELS

try:
    import fcntl
except ImportError:  # not on POSIX: builds are not locked against each other
    fcntl = None


# Views whose detail TopoJSON would be larger than this use the overview geometry.
OVERVIEW_ABOVE_BYTES = 1_500_000


GEOMETRIES = ("detail", "overview")


@dataclass
class BoundarySet:
    """The layers of one or more provinces, full and web geometry, with their build report.

    ``topology[level]`` is the detail TopoJSON of every province (one topology, or a
    ``TopologyList`` of one per province); ``parts`` holds each province's TopoJSON text per
    geometry (``"detail"``, ``"overview"``) and level, from which :meth:`topology_for` cuts
    what a view needs.
    """

    provinces: list[str]
    full: dict[str, gpd.GeoDataFrame]
    web: dict[str, gpd.GeoDataFrame]
    topology: dict[str, str]
    report: dict = field(default_factory=dict)
    parts: dict[tuple[str, str], list[str]] = field(default_factory=dict, repr=False)
    _cut: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def province_names(self) -> dict[str, str]:
        return {p: self.report.get(p, {}).get("province_name", p) for p in self.provinces}

    def names(self, level: str | None = None, with_province: bool = False) -> dict[str, str]:
        """Official names by code: of one level (in code order), or of every level and the
        provinces when ``level`` is None. ``with_province`` adds the province's name in
        brackets, for lists that span provinces (the same name exists in two of them).

        The one place names are looked up by code (computed once per set and level).
        """
        key = ("names", level, with_province)
        if key not in self._cut:
            if level is None:
                out = dict(self.province_names)
                for lv in LEVELS:
                    out.update(self.names(lv, with_province))
            else:
                layer = self.full[level].sort_values("code")
                out = dict(zip(layer["code"], layer["name"]))
                if with_province:
                    provinces = self.province_names
                    out = {c: f"{n} ({provinces.get(c[:2], c[:2])})" for c, n in out.items()}
            self._cut[key] = out
        return self._cut[key]

    def topology_for(self, level: str, within: str | None = None, geometry: str = "auto") -> str:
        """The TopoJSON a map of ``level`` needs: only the areas ``within`` a code (e.g. a
        regency) when given, in ``geometry`` "detail", "overview" or "auto" (the detail one
        unless it is larger than ``OVERVIEW_ABOVE_BYTES``).

        Sending only what is drawn keeps a regency's map small however many provinces are
        loaded, and the overview keeps the region's village map a few megabytes.
        """
        if geometry == "auto":
            geometry = self.geometry_for(level, within)
        if not within and geometry == "detail":
            return self.topology[level]
        key = (level, within, geometry)
        if key not in self._cut:
            texts = self.parts.get((geometry, level))
            if texts is None:  # built without parts: the detail topology as it is
                return self.topology[level]
            if within:
                province = codes.province_of(within)
                texts = [_dumps(subset_topology(json.loads(t), within))
                         for t, p in zip(texts, self.provinces) if p == province]
            self._cut[key] = join_topologies(texts)
        return self._cut[key]

    def geometry_for(self, level: str, within: str | None = None) -> str:
        """"detail", or "overview" when the detail TopoJSON would exceed ``OVERVIEW_ABOVE_BYTES``."""
        detail = self.topology_for(level, within, "detail")
        return "detail" if len(detail) <= OVERVIEW_ABOVE_BYTES else "overview"
