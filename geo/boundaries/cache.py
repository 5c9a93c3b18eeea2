"""The boundary cache: each province's layers built once from the upstream files and kept as
GeoParquet and TopoJSON under ``data/boundaries/<province>/`` with a manifest of what they were
built from, rebuilt only when the inputs or the build parameters change; loading several
provinces into one ``BoundarySet``."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.boundaries import upstream
from geo.boundaries.build import BUILD_VERSION, GAP_WIDTH_DEG, build_province
from geo.boundaries.model import GEOMETRIES, BoundarySet
from geo.boundaries.topology import (OVERVIEW_QUANTIZATION, OVERVIEW_TOLERANCE_DEG, TOPO_QUANTIZATION,
                                     WEB_TOLERANCE_DEG, join_topologies, simplify_layers, topology_json)
from geo.core.schema import LEVELS

try:
    import fcntl
except ImportError:  # not on POSIX: builds are not locked against each other
    fcntl = None


WEB_VERSION = 2


DEFAULT_CACHE = upstream.PROJECT_ROOT / "data" / "boundaries"


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
