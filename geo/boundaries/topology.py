"""Web geometry: the cleaned coverage simplified with its topology kept, encoded as TopoJSON,
and the displacement that costs (reported in the build report); cutting and joining topologies."""
from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import shapely

from geo.boundaries.build import _dissolve
from geo.core.schema import LEVELS

try:
    import fcntl
except ImportError:  # not on POSIX: builds are not locked against each other
    fcntl = None


WEB_TOLERANCE_DEG = 0.001  # ~110 m: invisible at the zoom where a village is readable


TOPO_QUANTIZATION = 100_000


# A second, coarser web geometry for views too large for the detail one (the region's
# villages: 5.4 MB of TopoJSON in detail, 2.5 MB here). It moves village boundaries by 360 m
# (median) and 500-860 m (95th percentile, per province): about a pixel at the zoom a whole
# province opens at, and less than one at the zoom of several provinces or the region (5-7).
OVERVIEW_TOLERANCE_DEG = 0.005


OVERVIEW_QUANTIZATION = 10_000  # 10,000 steps over a province: <= 130 m, below the tolerance


def _dumps(data: dict) -> str:
    return json.dumps(data, separators=(",", ":"))


def subset_topology(topo: dict, within: str) -> dict:
    """The part of a TopoJSON (object ``areas``) whose ids are ``within`` or start with
    ``within + "."``, with only the arcs those areas use (renumbered)."""
    prefix = within + "."
    geoms = [g for g in topo["objects"]["areas"]["geometries"]
             if g.get("id") == within or str(g.get("id", "")).startswith(prefix)]
    used: dict[int, int] = {}

    def collect(arcs):
        for a in arcs:
            if isinstance(a, list):
                collect(a)
            else:
                used.setdefault(a if a >= 0 else ~a, len(used))

    def renumber(arcs):
        return [renumber(a) if isinstance(a, list) else (used[a] if a >= 0 else ~used[~a]) for a in arcs]

    for g in geoms:
        collect(g.get("arcs", []))
    out = [{**g, "arcs": renumber(g["arcs"])} if "arcs" in g else g for g in geoms]
    arcs = [None] * len(used)
    for old, new in used.items():
        arcs[new] = topo["arcs"][old]
    sub = {k: v for k, v in topo.items() if k not in ("arcs", "objects")}
    sub["arcs"] = arcs
    sub["objects"] = {"areas": {"type": "GeometryCollection", "geometries": out}}
    return sub


def simplify_layers(layers: dict[str, gpd.GeoDataFrame],
                    tolerance: float = WEB_TOLERANCE_DEG) -> tuple[dict[str, gpd.GeoDataFrame], dict]:
    """Web geometry: simplify the village coverage with shared edges kept, dissolve upwards.

    Simplifying the villages once and dissolving them keeps all three web layers nested and
    gap-free. Returns the layers and, per level, validity and the displacement in metres.
    """
    village = layers["village"]
    geoms = village.geometry.values
    present = ~shapely.is_empty(geoms)
    simple = geoms.copy()
    if present.any():
        simple[present] = shapely.coverage_simplify(geoms[present], tolerance)
    vweb = village.copy()
    vweb.geometry = list(simple)
    web = {"village": vweb}
    for level, key in (("district", "district_code"), ("regency", "regency_code")):
        dissolved = _dissolve(vweb, key)
        layer = layers[level].copy()
        layer.geometry = [dissolved.get(c, g) if dissolved.get(c) is not None else g
                          for c, g in zip(layer["code"], layer.geometry.values)]
        web[level] = layer
    stats = {}
    for level in LEVELS:
        full, light = layers[level].geometry.values, web[level].geometry.values
        keep = ~shapely.is_empty(full) & ~shapely.is_empty(light)
        lat = np.radians(shapely.get_y(shapely.centroid(full[keep])))
        dist = displacement_deg(full[keep], light[keep]) * 111_320 * np.cos(lat)
        stats[level] = {
            "tolerance_deg": tolerance,
            "coverage_valid": bool(shapely.coverage_is_valid(light[keep])) if keep.any() else False,
            "vertices": int(shapely.get_num_coordinates(light).sum()),
            "vertices_full": int(shapely.get_num_coordinates(full).sum()),
            "displacement_m_median": round(float(np.median(dist)), 1) if len(dist) else None,
            "displacement_m_p95": round(float(np.percentile(dist, 95)), 1) if len(dist) else None,
        }
    return web, stats


_BRUTE_FORCE_VERTICES = 2_000


def displacement_deg(full: np.ndarray, light: np.ndarray) -> np.ndarray:
    """Hausdorff distance between each full geometry and its simplified copy, in degrees.

    GEOS's discrete Hausdorff distance compares every vertex with every segment: fine for a
    village, 32 s for one large regency of Papua Barat Daya. Above ``_BRUTE_FORCE_VERTICES``
    (product of both vertex counts, in thousands) the same distance, vertex to nearest boundary
    segment both ways, is computed with a spatial index.
    """
    out = np.zeros(len(full))
    n = shapely.get_num_coordinates(full).astype(float) * shapely.get_num_coordinates(light) / 1000
    small = n <= _BRUTE_FORCE_VERTICES
    if small.any():
        out[small] = shapely.hausdorff_distance(full[small], light[small])
    for i in np.flatnonzero(~small):
        out[i] = max(_vertex_to_boundary(full[i], light[i]), _vertex_to_boundary(light[i], full[i]))
    return out


def _vertex_to_boundary(a, b) -> float:
    """The largest distance from a vertex of ``a`` to the boundary of ``b``."""
    coords, idx = shapely.get_coordinates(shapely.get_parts(shapely.boundary(b)), return_index=True)
    same = idx[:-1] == idx[1:]
    segments = shapely.linestrings(np.stack([coords[:-1][same], coords[1:][same]], axis=1))
    points = shapely.points(shapely.get_coordinates(a))
    _, dist = shapely.STRtree(segments).query_nearest(points, return_distance=True, all_matches=False)
    return float(dist.max()) if len(dist) else 0.0


def topology_json(layer: gpd.GeoDataFrame, quantization: int = TOPO_QUANTIZATION) -> str:
    """TopoJSON of a web layer (object ``areas``, feature id = code), quantised for the browser.

    Shared edges are stored once and coordinates as small integers: at Bali's village level
    this is about a third of the equivalent GeoJSON.
    """
    import topojson  # local import: only the cache build needs it

    present = layer[~layer.geometry.is_empty][["code", "geometry"]].reset_index(drop=True)
    topo = topojson.Topology(present, prequantize=quantization, topology=True,
                             object_name="areas")
    data = topo.to_dict()
    for geom in data["objects"]["areas"]["geometries"]:
        props = geom.pop("properties", {}) or {}
        geom["id"] = props.get("code")
        geom.pop("bbox", None)
    data.pop("bbox", None)
    return json.dumps(data, separators=(",", ":"))


def join_topologies(texts: list[str]) -> str:
    """One TopoJSON text from one per province: the text itself, or a ``TopologyList``.

    Each province keeps its own quantisation transform, so they travel as a list under
    ``parts``; the browser decodes each part and merges the features (``geoFeatures``).
    """
    if len(texts) == 1:
        return texts[0]
    return '{"type":"TopologyList","parts":[' + ",".join(texts) + "]}"
