"""Boundary layers: the real Bali source (counts, hierarchy, clean coverage) and a hand-made
province for the cleaning, the cache and the error paths."""
import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from conftest import needs_shared

from geo import boundaries
from geo.boundaries import upstream
from geo.outputs import viewport

# ---------------------------------------------------------------- real Bali

@needs_shared
def test_bali_counts_and_hierarchy(bali):
    assert {lvl: len(bali.full[lvl]) for lvl in boundaries.LEVELS} == \
        {"regency": 9, "district": 57, "village": 716}
    v, d, r = bali.full["village"], bali.full["district"], bali.full["regency"]
    assert v["code"].is_unique and d["code"].is_unique and r["code"].is_unique
    assert set(v["district_code"]) == set(d["code"])
    assert set(v["regency_code"]) == set(r["code"]) == set(d["regency_code"])
    assert (v["kind"] == np.where(v["code"].str[9] == "1", "kelurahan", "desa")).all()
    assert v.crs.to_epsg() == 4326
    # codes are text with their zeros: Tabanan 51.02 and Denpasar 51.71 are not numbers
    assert "51.02" in set(r["code"]) and v["code"].str.match(r"^51\.\d\d\.\d\d\.\d{4}$").all()


@needs_shared
def test_bali_coverage_is_clean_at_every_level_full_and_web(bali):
    for level in boundaries.LEVELS:
        for geoms in (bali.full[level].geometry.values, bali.web[level].geometry.values):
            assert shapely.is_valid(geoms).all(), level
            assert not shapely.is_empty(geoms).any(), level
            assert shapely.coverage_is_valid(geoms), level


@needs_shared
def test_bali_levels_nest_exactly(bali):
    v = bali.full["village"].set_index("code")
    for level, key in (("district", "district_code"), ("regency", "regency_code")):
        upper = bali.full[level].set_index("code").geometry
        parents = upper.loc[v[key]].values
        assert shapely.covers(parents, v.geometry.values).all(), level
        assert shapely.area(upper.values).sum() == pytest.approx(shapely.area(v.geometry.values).sum(),
                                                                 rel=1e-9)


@needs_shared
def test_bali_areas_in_square_km(bali):
    total = bali.full["village"]["area_km2"].sum()
    assert 5400 < total < 5900  # Bali's land area is about 5,780 km²
    assert (bali.full["village"]["area_km2"] > 0).all()


@needs_shared
def test_bali_topology_ids_are_codes(bali):
    topo = json.loads(bali.topology["village"])
    ids = [g["id"] for g in topo["objects"]["areas"]["geometries"]]
    assert sorted(ids) == sorted(bali.full["village"]["code"])
    assert topo["transform"]["scale"][0] < 1e-4  # quantised, not raw coordinates


@needs_shared
def test_bali_build_report(bali):
    rep = bali.report["51"]
    assert rep["province_name"] == "Bali"
    assert rep["layers"]["regency"]["repaired_codes"] == ["51.03", "51.05"]
    assert rep["layers"]["district"]["repaired_codes"] == ["51.03.05", "51.05.01"]
    assert all(not v for v in rep["hierarchy"].values())
    assert rep["web"]["village"]["coverage_valid"]
    assert rep["web"]["village"]["vertices"] < rep["web"]["village"]["vertices_full"] / 2


# ---------------------------------------------------------------- hand-made province

def _row(code, name, path):
    return f"('{code}','{name}',0,0,'{json.dumps(path)}')"


def _square(lat0, lng0, lat1, lng1):
    return [[[lat0, lng0], [lat0, lng1], [lat1, lng1], [lat1, lng0], [lat0, lng0]]]


def make_dataset(root: Path, overlap: float = 0.0002, without: str | None = None) -> Path:
    """Province 99: one regency, two districts, four villages in a 2x2 grid that overlap."""
    (root / "db" / "kab").mkdir(parents=True)
    (root / "db" / "kec").mkdir(parents=True)
    (root / "db" / "kel" / "99").mkdir(parents=True)
    ins = "INSERT INTO wilayah_boundaries(kode,nama,lat,lng,path) VALUES\n"
    (root / "db/kab/wilayah_boundaries_kab_99.sql").write_text(
        ins + _row("99.01", "Kab O''Neil", _square(0, 0, -0.2, 0.2)) + ";\n")
    (root / "db/kec/wilayah_boundaries_kec_99.sql").write_text(
        ins + _row("99.01.01", "Barat", _square(0, 0, -0.2, 0.1)) + ",\n"
        + _row("99.01.02", "Timur", _square(0, 0.1, -0.2, 0.2)) + ";\n")
    o = overlap
    villages = [("99.01.01.2001", "A", _square(0, 0, -0.1 - o, 0.1 + o)),
                ("99.01.01.2002", "B", _square(-0.1, 0, -0.2, 0.1)),
                ("99.01.02.1001", "C", _square(0, 0.1, -0.1, 0.2)),
                ("99.01.02.2002", "D", _square(-0.1, 0.1, -0.2, 0.2))]
    (root / "db/kel/99/wilayah_boundaries_kel_99.01.sql").write_text(
        "DELETE FROM wilayah_boundaries WHERE kode LIKE '99.01.%';\n" + ins
        + ",\n".join(_row(*v) for v in villages if not (without and v[0].startswith(without)))
        + ";\n")
    return root


def test_build_cleans_overlaps_and_dissolves(tmp_path):
    root = make_dataset(tmp_path / "src")
    raw = [upstream.path_to_geometry(r.path) for r in upstream.read_file(
        root / "db/kel/99/wilayah_boundaries_kel_99.01.sql")]
    assert not shapely.coverage_is_valid(np.array(raw))  # the fixture overlaps
    layers, report = boundaries.build_province(root, "99")
    v = layers["village"]
    assert shapely.coverage_is_valid(v.geometry.values)
    assert report["layers"]["village"]["coverage_valid"]
    assert list(v["kind"]) == ["desa", "desa", "kelurahan", "desa"]
    assert layers["regency"]["name"].tolist() == ["Kab O'Neil"]
    assert layers["district"]["geometry_source"].tolist() == ["villages", "villages"]
    assert layers["regency"].geometry.iloc[0].equals(shapely.union_all(v.geometry.values).normalize()) \
        or layers["regency"].geometry.iloc[0].symmetric_difference(
            shapely.union_all(v.geometry.values)).area < 1e-12


def test_cache_builds_once_and_rebuilds_when_input_changes(tmp_path):
    root = make_dataset(tmp_path / "src")
    cache = tmp_path / "cache"
    first = boundaries.ensure_province("99", source=root, cache_dir=cache)
    assert first["status"] == "built"
    assert set(first["key"]["inputs"]) == {"db/kab/wilayah_boundaries_kab_99.sql",
                                           "db/kec/wilayah_boundaries_kec_99.sql",
                                           "db/kel/99/wilayah_boundaries_kel_99.01.sql"}
    assert boundaries.ensure_province("99", source=root, cache_dir=cache)["status"] == "verified"
    kec = root / "db/kec/wilayah_boundaries_kec_99.sql"
    kec.write_text(kec.read_text().replace("Timur", "Timur Laut"))
    again = boundaries.ensure_province("99", source=root, cache_dir=cache)
    assert again["status"] == "built"
    loaded = boundaries.load("99", source=root, cache_dir=cache)
    assert "Timur Laut" in set(loaded.full["district"]["name"])


def test_district_without_villages_keeps_upstream_outline_and_is_reported(tmp_path):
    root = make_dataset(tmp_path / "src", without="99.01.02.")
    layers, report = boundaries.build_province(root, "99")
    assert report["hierarchy"]["districts_without_villages"] == ["99.01.02"]
    src = dict(zip(layers["district"]["code"], layers["district"]["geometry_source"]))
    assert src == {"99.01.01": "villages", "99.01.02": "upstream"}


def test_missing_source_files_are_named(tmp_path):
    root = make_dataset(tmp_path / "src")
    (root / "db/kec/wilayah_boundaries_kec_99.sql").unlink()
    with pytest.raises(upstream.SourceError) as err:
        boundaries.ensure_province("99", source=root, cache_dir=tmp_path / "cache")
    assert err.value.missing and "wilayah_boundaries_kec_99.sql" in str(err.value)


def test_truncated_source_is_named_with_line(tmp_path):
    root = make_dataset(tmp_path / "src")
    kel = root / "db/kel/99/wilayah_boundaries_kel_99.01.sql"
    kel.write_text(kel.read_text()[:-60])
    with pytest.raises(upstream.SourceError) as err:
        boundaries.ensure_province("99", source=root, cache_dir=tmp_path / "cache")
    assert "wilayah_boundaries_kel_99.01.sql" in str(err.value) and "line" in str(err.value)
    assert not err.value.missing


def test_bounds_zoom():
    centre, zoom = viewport.bounds_zoom((114.4, -8.9, 115.8, -8.0), 900, 600)
    assert centre == pytest.approx((-8.45, 115.1)) and zoom == 9
    assert viewport.bounds_zoom((114.4, -8.9, 115.8, -8.0), 900, 600, step=0.25)[1] == 9.75
