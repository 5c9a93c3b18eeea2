"""Boundary layers (regency, district, village) built from the upstream dataset and cached.

Why the work: the upstream village polygons overlap their neighbours and leave slivers, and
the upstream regency and district polygons are coarser and do not nest with the villages.
We clean the village coverage (``shapely.coverage_clean``) so that neighbours share edges
exactly, derive the upper levels by dissolving the cleaned villages (so all levels nest),
simplify the whole coverage with topology preserved for the web, and cache the result as
GeoParquet with a manifest of what it was built from.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import codes, upstream

try:
    import fcntl
except ImportError:  # not on POSIX: builds are not locked against each other
    fcntl = None

LEVELS = ("regency", "district", "village")
# Bump when the cleaning changes what it writes, so old caches are rebuilt (slow: minutes
# for the region). The web products (simplified layers, TopoJSON) have their own version and
# are rebuilt from the cached full layers, in seconds, when only they change.
BUILD_VERSION = 3
WEB_VERSION = 2
GAP_WIDTH_DEG = 0.0005  # slivers narrower than ~55 m are merged into a neighbour
WEB_TOLERANCE_DEG = 0.001  # ~110 m: invisible at the zoom where a village is readable
TOPO_QUANTIZATION = 100_000
# A second, coarser web geometry for views too large for the detail one (the region's
# villages: 5.4 MB of TopoJSON in detail, 2.5 MB here). It moves village boundaries by 360 m
# (median) and 500-860 m (95th percentile, per province): about a pixel at the zoom a whole
# province opens at, and less than one at the zoom of several provinces or the region (5-7).
OVERVIEW_TOLERANCE_DEG = 0.005
OVERVIEW_QUANTIZATION = 10_000  # 10,000 steps over a province: <= 130 m, below the tolerance
# Views whose detail TopoJSON would be larger than this use the overview geometry.
OVERVIEW_ABOVE_BYTES = 1_500_000
GEOMETRIES = ("detail", "overview")
AREA_CRS = "EPSG:6933"  # equal-area, valid for every province of the region
DEFAULT_CACHE = upstream.PROJECT_ROOT / "data" / "boundaries"


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


# ---------------------------------------------------------------- reading


def _read_rows(root: Path, province: str) -> tuple[dict[str, list[upstream.Row]], dict[str, str], str]:
    """Rows per level for ``province`` plus the sha256 of each input file and the province name."""
    files = upstream.files_for_province(province, root)
    rows: dict[str, list[upstream.Row]] = {lvl: [] for lvl in ("province",) + LEVELS}
    digests = {}
    for rel in files:
        path = root / rel
        parsed = upstream.read_file(path)
        digests[rel] = upstream.sha256_file(path)
        for row in parsed:
            code = codes.normalise(row.code)
            if code is None or codes.province_of(code) != province:
                continue
            row.code = code
            rows[codes.level_of(code)].append(row)
    name = next((r.name for r in rows["province"]), upstream.province_names().get(province, province))
    return rows, digests, name


def _geometries(rows: list[upstream.Row]) -> tuple[np.ndarray, list[str], list[str], list[str]]:
    """Geometries of ``rows``; invalid ones repaired. Returns (geoms, repaired, empty, problems)."""
    geoms = np.empty(len(rows), dtype=object)
    repaired, empty, problems = [], [], []
    for i, row in enumerate(rows):
        try:
            geom = upstream.path_to_geometry(row.path)
        except (ValueError, TypeError, IndexError) as exc:
            problems.append(f"{row.file}, line {row.line}: path of {row.code} unreadable ({exc})")
            geom = None
        if geom is not None and not geom.is_valid:
            geom = _polygonal(shapely.make_valid(geom))
            repaired.append(row.code)
        if geom is None or geom.is_empty:
            empty.append(row.code)
            geom = shapely.Polygon()
        geoms[i] = geom
    return geoms, repaired, empty, problems


def _polygonal(geom):
    """Keep only the polygonal parts of a repaired geometry."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _dedupe(rows: list[upstream.Row]) -> tuple[list[upstream.Row], list[str]]:
    seen, out, dupes = set(), [], []
    for row in rows:
        if row.code in seen:
            dupes.append(f"{row.code} ({row.file}, line {row.line})")
            continue
        seen.add(row.code)
        out.append(row)
    return out, dupes


# ---------------------------------------------------------------- building


def build_province(root: Path, province: str) -> tuple[dict[str, gpd.GeoDataFrame], dict]:
    """Build the three full-geometry layers of one province and its build report."""
    t0 = time.perf_counter()
    rows, digests, province_name = _read_rows(root, province)
    report: dict = {"province": province, "province_name": province_name, "layers": {},
                    "inputs": digests, "problems": []}
    layers: dict[str, gpd.GeoDataFrame] = {}

    # Villages: repair, then clean the coverage so neighbours share edges exactly.
    t = time.perf_counter()
    vrows, vdupes = _dedupe(rows["village"])
    vgeoms, vrepaired, vempty, vproblems = _geometries(vrows)
    report["problems"] += vproblems
    present = ~shapely.is_empty(vgeoms)
    cleaned = vgeoms.copy()
    if present.any():
        cleaned[present] = shapely.coverage_clean(vgeoms[present], gap_width=GAP_WIDTH_DEG)
        cleaned[present] = [_polygonal(g) for g in cleaned[present]]
    village = gpd.GeoDataFrame({
        "code": [r.code for r in vrows],
        "name": [r.name for r in vrows],
        "level": "village",
        "province_code": province,
        "regency_code": [codes.ancestor_at(r.code, "regency") for r in vrows],
        "district_code": [codes.ancestor_at(r.code, "district") for r in vrows],
        "kind": [codes.village_kind(r.code) for r in vrows],
    }, geometry=list(cleaned), crs="EPSG:4326")
    lost = village.index[present & shapely.is_empty(cleaned)].tolist()
    if lost:
        report["problems"].append("cleaning emptied: " + ", ".join(village.loc[lost, "code"]))
    layers["village"] = village
    report["layers"]["village"] = _layer_report(village, len(rows["village"]), vrepaired, vempty,
                                                vdupes, time.perf_counter() - t)

    # Districts and regencies: names and codes from upstream, outlines dissolved from villages.
    for level, key in (("district", "district_code"), ("regency", "regency_code")):
        t = time.perf_counter()
        urows, udupes = _dedupe(rows[level])
        ugeoms, urepaired, uempty, uproblems = _geometries(urows)
        report["problems"] += uproblems
        dissolved = _dissolve(village, key)
        out_geoms, source, diffs = [], [], {}
        for row, ugeom in zip(urows, ugeoms):
            geom = dissolved.get(row.code)
            if geom is None or geom.is_empty:
                out_geoms.append(ugeom)  # no villages: keep the upstream outline, flagged
                source.append("upstream")
            else:
                out_geoms.append(geom)
                source.append("villages")
                if not ugeom.is_empty:
                    diffs[row.code] = _area_diff_pct(ugeom, geom)
        layer = gpd.GeoDataFrame({
            "code": [r.code for r in urows],
            "name": [r.name for r in urows],
            "level": level,
            "province_code": province,
        }, geometry=out_geoms, crs="EPSG:4326")
        if level == "district":
            layer["regency_code"] = [codes.ancestor_at(r.code, "regency") for r in urows]
        layer["geometry_source"] = source
        layers[level] = layer
        rep = _layer_report(layer, len(rows[level]), urepaired, uempty, udupes,
                            time.perf_counter() - t)
        rep["from_villages"] = int(sum(s == "villages" for s in source))
        rep["upstream_area_diff_pct_max"] = round(max(diffs.values()), 2) if diffs else None
        report["layers"][level] = rep

    # Hierarchy: every village's district and regency exist, and no orphan upper areas.
    dcodes, rcodes = set(layers["district"]["code"]), set(layers["regency"]["code"])
    report["hierarchy"] = {
        "villages_without_district": sorted(set(village["district_code"]) - dcodes),
        "villages_without_regency": sorted(set(village["regency_code"]) - rcodes),
        "districts_without_regency": sorted(set(layers["district"]["regency_code"]) - rcodes),
        "districts_without_villages": sorted(dcodes - set(village["district_code"])),
    }
    for layer in layers.values():
        layer["area_km2"] = (layer.geometry.to_crs(AREA_CRS).area / 1e6).round(3)
    report["build_s"] = round(time.perf_counter() - t0, 2)
    return layers, report


def _dissolve(village: gpd.GeoDataFrame, key: str) -> dict[str, object]:
    out = {}
    for code, grp in village.groupby(key):
        geoms = grp.geometry.values[~grp.geometry.is_empty.values]
        if len(geoms):
            out[code] = _polygonal(shapely.coverage_union_all(np.asarray(geoms)))
    return out


def _area_diff_pct(a, b) -> float:
    a_area = a.area
    return 100.0 * shapely.symmetric_difference(a, b).area / a_area if a_area else float("nan")


def _layer_report(layer: gpd.GeoDataFrame, source_rows: int, repaired: list[str],
                  empty: list[str], dupes: list[str], seconds: float) -> dict:
    geoms = layer.geometry.values
    present = geoms[~shapely.is_empty(geoms)]
    return {
        "count": int(len(layer)),
        "source_rows": int(source_rows),
        "coverage_valid": bool(shapely.coverage_is_valid(present)) if len(present) else False,
        "all_valid": bool(shapely.is_valid(present).all()),
        "repaired": len(repaired),
        "repaired_codes": repaired,
        "empty": empty,
        "duplicates": dupes,
        "build_s": round(seconds, 2),
    }


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


# ---------------------------------------------------------------- cache


def _cache_key(digests: dict[str, str]) -> dict:
    """What the cleaned full layers depend on (rebuilding them is the slow step)."""
    return {"build_version": BUILD_VERSION, "gap_width_deg": GAP_WIDTH_DEG, "inputs": digests}


def _web_key() -> dict:
    """What the web products (simplified layers, TopoJSON) depend on besides the full layers."""
    return {"web_version": WEB_VERSION, "web_tolerance_deg": WEB_TOLERANCE_DEG,
            "topo_quantization": TOPO_QUANTIZATION, "overview_tolerance_deg": OVERVIEW_TOLERANCE_DEG,
            "overview_quantization": OVERVIEW_QUANTIZATION}


def _same_build(a: dict, b: dict) -> bool:
    return all(a.get(k) == b.get(k) for k in ("build_version", "gap_width_deg", "inputs"))


def _full_files() -> list[str]:
    return [f"{level}.parquet" for level in LEVELS]


def _web_files() -> list[str]:
    return [f"{level}{suffix}" for level in LEVELS
            for suffix in ("_web.parquet", ".topo.json", ".overview.topo.json")]


def _source_digests(root: Path, province: str) -> dict[str, str]:
    return {rel: upstream.sha256_file(root / rel) for rel in upstream.files_for_province(province, root)}


@contextlib.contextmanager
def _build_lock(cache_dir: Path, province: str):
    """One builder per province at a time, across processes (app sessions, tests, the CLI)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / f".{province}.lock", "w") as handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _read_manifest(out: Path) -> dict | None:
    path = out / "manifest.json"
    return json.loads(path.read_text()) if path.exists() else None


def is_cached(province: str, cache_dir: Path = DEFAULT_CACHE) -> bool:
    """Whether a province's cache exists with the current build and web parameters.

    Cheap (reads the manifest only; the inputs' sha256 are checked by ``ensure_province``):
    the app uses it to warn before a first build, which takes from seconds to a minute.
    """
    out = cache_dir / province
    try:
        manifest = _read_manifest(out)
    except (OSError, ValueError):
        return False
    if manifest is None:
        return False
    key = manifest.get("key", {})
    return (key.get("build_version") == BUILD_VERSION and key.get("gap_width_deg") == GAP_WIDTH_DEG
            and manifest.get("web_key") == _web_key()
            and all((out / f).exists() for f in _full_files() + _web_files()))


# Build time per MB of a province's village source files, measured here (2 shared cores):
# the region's 71 MB built in 174 s, Bali's 3.2 MB in 3.4 s, NTT's 16 MB in 26 s.
BUILD_S_PER_SOURCE_MB = 2.0


def build_estimate_s(provinces: list[str], source: str | Path | None = None) -> float:
    """A rough estimate of the seconds a first build of ``provinces`` takes (for the UI)."""
    try:
        root = upstream.locate_source(source)
    except upstream.SourceError:
        root = None
    total = 0.0
    for province in provinces:
        if root is not None:
            files = list((root / "db" / "kel" / province).glob("*.sql"))
            mb = sum(f.stat().st_size for f in files) / 1e6
        else:
            mb = 8.0  # a typical province of the region (3-16 MB), plus its download
        total += 2.0 + BUILD_S_PER_SOURCE_MB * mb
    return total


def ensure_province(province: str = "51", source: str | Path | None = None,
                    cache_dir: Path = DEFAULT_CACHE, force: bool = False,
                    allow_download: bool = True) -> dict:
    """Build the cache of one province unless it is current; return its manifest.

    The cache is current when the manifest's inputs (sha256 of each file) and build
    parameters match the source. Without a source the existing cache is trusted; with
    neither, the files are downloaded from the pinned upstream commit. When only the web
    parameters changed, the web products are rebuilt from the cached full layers
    (status ``"web rebuilt"``) without cleaning again.
    """
    out = cache_dir / province
    with _build_lock(cache_dir, province):
        manifest = _read_manifest(out)
        root = upstream.locate_source(source)
        if root is None and manifest is not None and not force:
            return _current_web(out, manifest, "cached")
        if root is None:
            if not allow_download:
                raise upstream.SourceError("no boundary source found: pass --source, set "
                                           f"{upstream.SOURCE_ENV}, or allow the download", missing=True)
            root = upstream.download(upstream.files_for_province(province))
        digests = _source_digests(root, province)
        if manifest is not None and not force and _same_build(manifest.get("key", {}), _cache_key(digests)) \
                and all((out / f).exists() for f in _full_files()):
            return _current_web(out, manifest, "verified")

        layers, report = build_province(root, province)
        manifest = {
            "province": province,
            "province_name": report["province_name"],
            "source": str(root),
            "upstream_commit": upstream.UPSTREAM_COMMIT,
            "key": _cache_key(digests),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "report": report,
        }
        tmp = out.with_name(f"{out.name}.tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for level in LEVELS:
            layers[level].to_parquet(tmp / f"{level}.parquet")
        _write_web(tmp, layers, manifest)
        shutil.rmtree(out, ignore_errors=True)
        tmp.replace(out)
    manifest["status"] = "built"
    return manifest


def _current_web(out: Path, manifest: dict, status: str) -> dict:
    """``manifest`` with ``status``, after rebuilding the web products if they are stale."""
    if manifest.get("web_key") != _web_key() or not all((out / f).exists() for f in _web_files()):
        layers = {level: gpd.read_parquet(out / f"{level}.parquet") for level in LEVELS}
        _write_web(out, layers, manifest)
        status = "web rebuilt"
    manifest["status"] = status
    return manifest


def _write_web(out: Path, layers: dict[str, gpd.GeoDataFrame], manifest: dict) -> None:
    """Simplified layers and TopoJSON (detail and overview) into ``out``, manifest last.

    Each file is written beside its final name and renamed, so a reader never sees half a file.
    """
    t = time.perf_counter()
    web, web_stats = simplify_layers(layers)
    overview, overview_stats = simplify_layers(layers, OVERVIEW_TOLERANCE_DEG)
    files = {}
    for level in LEVELS:
        detail = files[f"{level}.topo.json"] = topology_json(web[level])
        coarse = files[f"{level}.overview.topo.json"] = topology_json(overview[level], OVERVIEW_QUANTIZATION)
        web_stats[level]["topojson_bytes"], overview_stats[level]["topojson_bytes"] = len(detail), len(coarse)
    for level in LEVELS:
        part = out / f"{level}_web.parquet.part"
        web[level].to_parquet(part)
        part.replace(out / f"{level}_web.parquet")
    for name, text in files.items():
        part = out / f"{name}.part"
        part.write_text(text)
        part.replace(out / name)
    report = manifest["report"]
    report["web"], report["overview"] = web_stats, overview_stats
    report["web_build_s"] = round(time.perf_counter() - t, 2)
    manifest["web_key"] = _web_key()
    part = out / "manifest.json.part"
    part.write_text(json.dumps({k: v for k, v in manifest.items() if k != "status"}, indent=1))
    part.replace(out / "manifest.json")


def load(provinces: list[str] | str = "51", source: str | Path | None = None,
         cache_dir: Path = DEFAULT_CACHE) -> BoundarySet:
    """Load (building when needed) the layers of one or more provinces."""
    if isinstance(provinces, str):
        provinces = [provinces]
    full: dict[str, list] = {lvl: [] for lvl in LEVELS}
    web: dict[str, list] = {lvl: [] for lvl in LEVELS}
    parts: dict[tuple[str, str], list[str]] = {(g, lvl): [] for g in GEOMETRIES for lvl in LEVELS}
    report = {}
    for province in provinces:
        manifest = ensure_province(province, source=source, cache_dir=cache_dir)
        report[province] = {"province_name": manifest["province_name"], **manifest["report"]}
        folder = cache_dir / province
        for level in LEVELS:
            full[level].append(gpd.read_parquet(folder / f"{level}.parquet"))
            web[level].append(gpd.read_parquet(folder / f"{level}_web.parquet"))
            parts[("detail", level)].append((folder / f"{level}.topo.json").read_text())
            parts[("overview", level)].append((folder / f"{level}.overview.topo.json").read_text())
    return BoundarySet(
        provinces=list(provinces),
        full={lvl: _concat(full[lvl]) for lvl in LEVELS},
        web={lvl: _concat(web[lvl]) for lvl in LEVELS},
        topology={lvl: join_topologies(parts[("detail", lvl)]) for lvl in LEVELS},
        report=report,
        parts=parts,
    )


def _concat(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    if len(frames) == 1:
        return frames[0]
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)


def join_topologies(texts: list[str]) -> str:
    """One TopoJSON text from one per province: the text itself, or a ``TopologyList``.

    Each province keeps its own quantisation transform, so they travel as a list under
    ``parts``; the browser decodes each part and merges the features (``geoFeatures``).
    """
    if len(texts) == 1:
        return texts[0]
    return '{"type":"TopologyList","parts":[' + ",".join(texts) + "]}"


def merge_topologies(topos: list[dict]) -> str:
    """:func:`join_topologies` for parsed topologies."""
    return join_topologies([_dumps(t) for t in topos])


def bounds_zoom(bounds: tuple[float, float, float, float], width_px: int = 900,
                height_px: int = 600, step: float = 1.0,
                pad_left_px: int = 0) -> tuple[tuple[float, float], float]:
    """Centre and the largest web-map zoom (a multiple of ``step``) showing ``bounds``.

    ``pad_left_px`` keeps a band on the left free (for the legend): the bounds are fitted to
    the rest of the width and the centre is moved left by half the band.
    """
    minx, miny, maxx, maxy = bounds
    lon_span = max(maxx - minx, 1e-6)

    def merc(lat: float) -> float:
        s = math.sin(math.radians(lat))
        return math.log((1 + s) / (1 - s)) / 2

    lat_span = max(merc(maxy) - merc(miny), 1e-9)
    usable = max(width_px - pad_left_px, 64)
    zx = math.log2(usable * 360 / (256 * lon_span))
    zy = math.log2(height_px * 2 * math.pi / (256 * lat_span))
    zoom = max(1, min(18, math.floor(min(zx, zy) / step) * step))
    shift = pad_left_px / 2 * 360 / (256 * 2 ** zoom)  # degrees of longitude
    return ((miny + maxy) / 2, (minx + maxx) / 2 - shift), zoom
