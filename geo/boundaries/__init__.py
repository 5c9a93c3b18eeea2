"""Stage 1: the official boundaries (Kepmendagri 2025 codes) of any province of the region.

The upstream SQL dumps are read (``upstream``), each province's village coverage is cleaned
and the upper levels dissolved from it so all levels nest (``build``), simplified with its
topology kept and encoded as TopoJSON for the browser (``topology``), and cached as
GeoParquet (``cache``). The hand-off to later stages is ``BoundarySet`` (``model``).

The names below are the stage's public API, so callers write ``boundaries.load("51")``.
"""
from geo.boundaries import upstream
from geo.boundaries.build import build_province
from geo.boundaries.cache import DEFAULT_CACHE, build_estimate_s, ensure_province, is_cached, load
from geo.boundaries.model import GEOMETRIES, BoundarySet
from geo.boundaries.topology import join_topologies, subset_topology
from geo.core.schema import LEVELS

__all__ = ["upstream", "build_province", "DEFAULT_CACHE", "build_estimate_s", "ensure_province", "is_cached", "load",
           "GEOMETRIES", "BoundarySet", "join_topologies", "subset_topology", "LEVELS"]
