"""Boundary layers (regency, district, village) built from the upstream dataset and cached.

Why the work: the upstream village polygons overlap their neighbours and leave slivers, and
the upstream regency and district polygons are coarser and do not nest with the villages.
We clean the village coverage (``shapely.coverage_clean``) so that neighbours share edges
exactly, derive the upper levels by dissolving the cleaned villages (so all levels nest),
simplify the whole coverage with topology preserved for the web, and cache the result as
GeoParquet with a manifest of what it was built from.
"""
from __future__ import annotations

import json
import math
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import codes, upstream

LEVELS = ("regency", "district", "village")
# Bump when the build changes what it writes, so old caches are rebuilt.
BUILD_VERSION = 3
GAP_WIDTH_DEG = 0.0005  # slivers narrower than ~55 m are merged into a neighbour
WEB_TOLERANCE_DEG = 0.001  # ~110 m: invisible at the zoom where a village is readable
TOPO_QUANTIZATION = 100_000
AREA_CRS = "EPSG:6933"  # equal-area, valid for every province of the region
DEFAULT_CACHE = upstream.PROJECT_ROOT / "data" / "boundaries"


@dataclass
class BoundarySet:
    """The layers of one or more provinces, full and web geometry, with their build report."""

    provinces: list[str]
    full: dict[str, gpd.GeoDataFrame]
    web: dict[str, gpd.GeoDataFrame]
    topology: dict[str, str]
    report: dict = field(default_factory=dict)

    @property
    def province_names(self) -> dict[str, str]:
        return {p: self.report.get(p, {}).get("province_name", p) for p in self.provinces}


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
        dist = shapely.hausdorff_distance(full[keep], light[keep]) * 111_320 * np.cos(lat)
        stats[level] = {
            "coverage_valid": bool(shapely.coverage_is_valid(light[keep])) if keep.any() else False,
            "vertices": int(shapely.get_num_coordinates(light).sum()),
            "vertices_full": int(shapely.get_num_coordinates(full).sum()),
            "displacement_m_median": round(float(np.median(dist)), 1) if len(dist) else None,
            "displacement_m_p95": round(float(np.percentile(dist, 95)), 1) if len(dist) else None,
        }
    return web, stats


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
    return {"build_version": BUILD_VERSION, "gap_width_deg": GAP_WIDTH_DEG,
            "web_tolerance_deg": WEB_TOLERANCE_DEG, "topo_quantization": TOPO_QUANTIZATION,
            "inputs": digests}


def _source_digests(root: Path, province: str) -> dict[str, str]:
    return {rel: upstream.sha256_file(root / rel) for rel in upstream.files_for_province(province, root)}


def ensure_province(province: str = "51", source: str | Path | None = None,
                    cache_dir: Path = DEFAULT_CACHE, force: bool = False,
                    allow_download: bool = True) -> dict:
    """Build the cache of one province unless it is current; return its manifest.

    The cache is current when the manifest's inputs (sha256 of each file) and build
    parameters match the source. Without a source the existing cache is trusted; with
    neither, the files are downloaded from the pinned upstream commit.
    """
    out = cache_dir / province
    manifest_path = out / "manifest.json"
    root = upstream.locate_source(source)
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else None
    if root is None and manifest is not None and not force:
        manifest["status"] = "cached"
        return manifest
    if root is None:
        if not allow_download:
            raise upstream.SourceError("no boundary source found: pass --source, set "
                                       f"{upstream.SOURCE_ENV}, or allow the download", missing=True)
        root = upstream.download(upstream.files_for_province(province))
    digests = _source_digests(root, province)
    if manifest is not None and not force and manifest.get("key") == _cache_key(digests) \
            and all((out / f"{lvl}.parquet").exists() for lvl in LEVELS):
        manifest["status"] = "verified"
        return manifest

    layers, report = build_province(root, province)
    t = time.perf_counter()
    web, web_stats = simplify_layers(layers)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for level in LEVELS:
        layers[level].to_parquet(tmp / f"{level}.parquet")
        web[level].to_parquet(tmp / f"{level}_web.parquet")
        (tmp / f"{level}.topo.json").write_text(topology_json(web[level]))
    report["web"] = web_stats
    report["web_build_s"] = round(time.perf_counter() - t, 2)
    manifest = {
        "province": province,
        "province_name": report["province_name"],
        "source": str(root),
        "upstream_commit": upstream.UPSTREAM_COMMIT,
        "key": _cache_key(digests),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "report": report,
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1))
    shutil.rmtree(out, ignore_errors=True)
    tmp.replace(out)
    manifest["status"] = "built"
    return manifest


def load(provinces: list[str] | str = "51", source: str | Path | None = None,
         cache_dir: Path = DEFAULT_CACHE) -> BoundarySet:
    """Load (building when needed) the layers of one or more provinces."""
    if isinstance(provinces, str):
        provinces = [provinces]
    full: dict[str, list] = {lvl: [] for lvl in LEVELS}
    web: dict[str, list] = {lvl: [] for lvl in LEVELS}
    topo: dict[str, list] = {lvl: [] for lvl in LEVELS}
    report = {}
    for province in provinces:
        manifest = ensure_province(province, source=source, cache_dir=cache_dir)
        report[province] = {"province_name": manifest["province_name"], **manifest["report"]}
        for level in LEVELS:
            full[level].append(gpd.read_parquet(cache_dir / province / f"{level}.parquet"))
            web[level].append(gpd.read_parquet(cache_dir / province / f"{level}_web.parquet"))
            topo[level].append(json.loads((cache_dir / province / f"{level}.topo.json").read_text()))
    return BoundarySet(
        provinces=list(provinces),
        full={lvl: _concat(full[lvl]) for lvl in LEVELS},
        web={lvl: _concat(web[lvl]) for lvl in LEVELS},
        topology={lvl: merge_topologies(topo[lvl]) for lvl in LEVELS},
        report=report,
    )


def _concat(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    if len(frames) == 1:
        return frames[0]
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)


def merge_topologies(topos: list[dict]) -> str:
    """One TopoJSON holding several provinces' topologies as separate objects ``areas_<i>``.

    Each keeps its own quantisation transform, so they are returned as a list under
    ``parts``; the browser decodes each part and merges the features.
    """
    if len(topos) == 1:
        return json.dumps(topos[0], separators=(",", ":"))
    return json.dumps({"type": "TopologyList", "parts": topos}, separators=(",", ":"))


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
