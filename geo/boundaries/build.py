"""Build one province's layers from the upstream rows.

Why the work: the upstream village polygons overlap their neighbours and leave slivers, and
the upstream regency and district polygons are coarser and do not nest with the villages.
We clean the village coverage (``shapely.coverage_clean``) so that neighbours share edges
exactly and derive the upper levels by dissolving the cleaned villages (so all levels nest)."""
from __future__ import annotations

import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from geo.boundaries import upstream
from geo.core import codes
from geo.core.schema import LEVELS

try:
    import fcntl
except ImportError:  # not on POSIX: builds are not locked against each other
    fcntl = None


# Bump when the cleaning changes what it writes, so old caches are rebuilt (slow: minutes
# for the region). The web products (simplified layers, TopoJSON) have their own version and
# are rebuilt from the cached full layers, in seconds, when only they change.
BUILD_VERSION = 3


GAP_WIDTH_DEG = 0.0005  # slivers narrower than ~55 m are merged into a neighbour


AREA_CRS = "EPSG:6933"  # equal-area, valid for every province of the region


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
