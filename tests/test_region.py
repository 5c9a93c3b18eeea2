"""More than one province with the same code: boundaries, maps, command line and pages.

Tested on two provinces of Papua that share a land border, 93 Papua Selatan (687 villages)
and 94 Papua Tengah, whose caches build in seconds (once per machine: the cache is on disk);
the whole region (9 provinces, 12,523 villages) is measured by bench/region_bench.py. The
empty upstream path of one village is tested on a hand-made province.
"""
import json
import re
import shutil
import sys

import numpy as np
import pytest
from conftest import SHARED, make_app, needs_shared, wkey

from geo import boundaries
from geo.__main__ import main
from geo.analysis import frames as analysis_frames
from geo.boundaries import upstream
from geo.core import codes
from geo.figures import demo
from geo.outputs import choropleth
from geo.core.provenance import Provenance

PAIR = ["93", "94"]


def _source_codes(province: str, level: str) -> set[str]:
    """Codes of ``level`` in the upstream files, read directly (an independent count)."""
    out = set()
    for rel in upstream.files_for_province(province, SHARED):
        for row in upstream.read_file(SHARED / rel):
            code = codes.normalise(row.code)
            if code and codes.province_of(code) == province and codes.level_of(code) == level:
                out.add(code)
    return out


@pytest.fixture(scope="module")
def pair():
    return boundaries.load(PAIR)


@pytest.fixture(scope="module")
def pair_frames(pair):
    return analysis_frames.build_frames(pair.full, demo.demo_figures(pair))


def _decode(topo: dict) -> dict[str, list]:
    """A minimal TopoJSON decoder: id -> rings of absolute [x, y] (quantised, delta-encoded arcs)."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        xy = np.cumsum(np.array(arc, dtype=float), axis=0)
        arcs.append(np.column_stack([xy[:, 0] * sx + tx, xy[:, 1] * sy + ty]))

    def ring(refs):
        pts = [arcs[a] if a >= 0 else arcs[~a][::-1] for a in refs]
        return np.concatenate([pts[0]] + [p[1:] for p in pts[1:]]).round(9).tolist()

    out = {}
    for g in topo["objects"]["areas"]["geometries"]:
        polys = [g["arcs"]] if g["type"] == "Polygon" else g["arcs"]
        out[g["id"]] = [[ring(r) for r in poly] for poly in polys]
    return out


def _topology_ids(text: str) -> list[str]:
    data = json.loads(text)
    parts = data["parts"] if data.get("type") == "TopologyList" else [data]
    return [g["id"] for p in parts for g in p["objects"]["areas"]["geometries"]]


# ---------------------------------------------------------------- boundaries of two provinces

@needs_shared
def test_two_provinces_hold_every_area_of_both(pair):
    for level in boundaries.LEVELS:
        expected = _source_codes("93", level) | _source_codes("94", level)
        assert set(pair.full[level]["code"]) == expected, level
        assert set(pair.full[level]["province_code"]) == set(PAIR)
    assert len(_source_codes("93", "village")) == 687
    # one topology per province, each with its own quantisation, every village drawn once
    topo = json.loads(pair.topology["village"])
    assert topo["type"] == "TopologyList" and len(topo["parts"]) == 2
    assert sorted(_topology_ids(pair.topology["village"])) == sorted(pair.full["village"]["code"])
    assert pair.province_names == {"93": "Papua Selatan", "94": "Papua Tengah"}


@needs_shared
def test_overview_geometry_is_a_valid_lighter_coverage(pair):
    for province in PAIR:
        rep = pair.report[province]
        for level in boundaries.LEVELS:
            web, over = rep["web"][level], rep["overview"][level]
            assert over["coverage_valid"] and web["coverage_valid"], (province, level)
            assert over["vertices"] < web["vertices"] / 2, (province, level)
            assert over["topojson_bytes"] < web["topojson_bytes"], (province, level)
    # same areas in both geometries
    for level in boundaries.LEVELS:
        assert sorted(_topology_ids(pair.topology_for(level, geometry="overview"))) == \
            sorted(_topology_ids(pair.topology_for(level, geometry="detail")))


@needs_shared
def test_a_regency_cut_holds_only_its_areas_with_unchanged_shapes(pair):
    regency = "94.01"
    cut = json.loads(pair.topology_for("village", regency, "detail"))
    inside = set(pair.full["village"].query("regency_code == @regency")["code"])
    assert cut["type"] == "Topology" and set(_topology_ids(json.dumps(cut))) == inside
    whole = json.loads(pair.topology["village"])["parts"][1]  # province 94's topology
    assert len(cut["arcs"]) < len(whole["arcs"])
    full_rings, cut_rings = _decode(whole), _decode(cut)
    for code in inside:
        assert cut_rings[code] == full_rings[code], code


def test_subset_topology_renumbers_reversed_arcs():
    topo = {"type": "Topology", "transform": {"scale": [1, 1], "translate": [0, 0]},
            "arcs": [[[0, 0], [1, 0]], [[1, 0], [0, 1]], [[1, 1], [-1, 0], [0, -1]], [[5, 5], [1, 0]]],
            "objects": {"areas": {"type": "GeometryCollection", "geometries": [
                {"type": "Polygon", "arcs": [[0, 1, 2]], "id": "99.01.01"},
                {"type": "MultiPolygon", "arcs": [[[~2, 3]]], "id": "99.02.01"}]}}}
    sub = boundaries.subset_topology(topo, "99.02")
    assert [g["id"] for g in sub["objects"]["areas"]["geometries"]] == ["99.02.01"]
    assert sub["arcs"] == [topo["arcs"][2], topo["arcs"][3]]
    assert sub["objects"]["areas"]["geometries"][0]["arcs"] == [[[~0, 1]]]


@needs_shared
def test_large_views_switch_to_the_overview(pair, monkeypatch):
    detail = len(pair.topology_for("village", geometry="detail"))
    assert pair.geometry_for("village") == "detail"  # 0.9 MB: under the threshold
    monkeypatch.setattr(boundaries.model, "OVERVIEW_ABOVE_BYTES", detail - 1)
    assert pair.geometry_for("village") == "overview"
    assert pair.geometry_for("village", "94.01") == "detail"  # one regency stays detailed
    assert pair.topology_for("village") == pair.topology_for("village", geometry="overview")


# ---------------------------------------------------------------- the explorer's map

@needs_shared
def test_explorer_map_of_two_provinces_draws_every_village(pair, pair_frames):
    html = choropleth.explorer_html(pair_frames["village"], choropleth.View(level="village"), pair,
                                    Provenance(source="demo", synthetic=True), engine="inline")
    info = json.loads(re.search(r"info = (\{.*?\}), colors = ", html, re.S).group(1))
    assert set(info) == set(pair.full["village"]["code"])
    assert "Papua Selatan, Papua Tengah" in html  # the map's subtitle names both
    html = choropleth.explorer_html(pair_frames["village"], choropleth.View(level="village"), pair,
                                    Provenance(source="demo", synthetic=True), engine="values")
    payload, lfile = _values_payload(html)
    assert {c for c, k in zip(lfile.ids, payload["cls"]) if k != "x"} == set(pair.full["village"]["code"])


@needs_shared
def test_regency_filter_sends_only_that_regencys_geometry(pair, pair_frames):
    view = choropleth.View(level="village", regency="93.01", indicator="uncovered")
    html = choropleth.explorer_html(pair_frames["village"], view, pair, Provenance(source="demo", synthetic=True),
                                    engine="inline")
    topo = json.loads(re.search(r"var topo = (\{.*?\}), info = ", html, re.S).group(1))
    inside = set(pair.full["village"].query("regency_code == '93.01'")["code"])
    assert set(_topology_ids(json.dumps(topo))) == inside
    assert "94." not in json.dumps(topo)
    # the values engine: the regency's own layer file, and no geometry in the page
    html = choropleth.explorer_html(pair_frames["village"], view, pair, Provenance(source="demo", synthetic=True),
                                    engine="values")
    payload, lfile = _values_payload(html)
    assert set(lfile.ids) == inside and "arcs" not in html
    assert '"94.' not in lfile.text()


def _values_payload(html: str):
    """The values engine's per-change payload in a map's HTML, and its layer file."""
    from geo.outputs import geolayer
    payload = json.loads(re.search(r"geoEngine\.layer\((\{.*?\}), feature_group", html, re.S).group(1))
    return payload, next(f for f in geolayer._FILES.values() if f.key == payload["key"])


# ---------------------------------------------------------------- an empty upstream path

def _row(code, name, path):
    return f"('{code}','{name}',0,0,'{json.dumps(path)}')"


def _square(lat0, lng0, lat1, lng1):
    return [[[lat0, lng0], [lat0, lng1], [lat1, lng1], [lat1, lng0], [lat0, lng0]]]


@pytest.fixture(scope="module")
def with_empty(tmp_path_factory):
    """Province 98: three villages, one of them (98.01.01.1003) with an empty path, as
    Malagusa (96.01.05.1012) has upstream."""
    root = tmp_path_factory.mktemp("src")
    for d in ("db/kab", "db/kec", "db/kel/98"):
        (root / d).mkdir(parents=True)
    ins = "INSERT INTO wilayah_boundaries(kode,nama,lat,lng,path) VALUES\n"
    (root / "db/kab/wilayah_boundaries_kab_98.sql").write_text(ins + _row("98.01", "Kab", _square(0, 0, -0.1, 0.2)) + ";\n")
    (root / "db/kec/wilayah_boundaries_kec_98.sql").write_text(ins + _row("98.01.01", "Kec", _square(0, 0, -0.1, 0.2)) + ";\n")
    (root / "db/kel/98/wilayah_boundaries_kel_98.01.sql").write_text(
        ins + ",\n".join([_row("98.01.01.1001", "A", _square(0, 0, -0.1, 0.1)),
                          _row("98.01.01.1002", "B", _square(0, 0.1, -0.1, 0.2)),
                          "('98.01.01.1003','Malagusa',0,0,'')"]) + ";\n")
    bset = boundaries.load("98", source=root, cache_dir=tmp_path_factory.mktemp("cache"))
    return bset


def test_empty_path_is_reported_and_drawn_nowhere(with_empty):
    bset = with_empty
    assert bset.report["98"]["layers"]["village"]["empty"] == ["98.01.01.1003"]
    assert "98.01.01.1003" in set(bset.full["village"]["code"])  # kept, so figures can join
    for level_text in (bset.topology_for("village", geometry="detail"), bset.topology_for("village", geometry="overview")):
        assert _topology_ids(level_text) == ["98.01.01.1001", "98.01.01.1002"]
    frames = analysis_frames.build_frames(bset.full, demo.demo_figures(bset))
    for indicator in ("coverage_rate", "uncovered"):  # a choropleth and circles
        view = choropleth.View(level="village", indicator=indicator)
        layers = choropleth.explorer_layers(frames["village"], view, bset, Provenance(source="demo", synthetic=True))
        symbols = [c for c in layers._children.values() if type(c).__name__ == "SymbolLayer"]
        for s in symbols:
            assert "98.01.01.1003" not in s.points and "NaN" not in s.points
        assert choropleth.explorer_html(frames["village"], view, bset, Provenance(source="demo", synthetic=True))


# ---------------------------------------------------------------- the command line

def _json(capsys) -> dict:
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1, out
    return json.loads(out[0])


@needs_shared
def test_cli_every_command_takes_two_provinces(pair, tmp_path, capsys):
    villages = len(pair.full["village"])
    assert main(["boundaries", "--province", "93,94", "--json"]) == 0
    b = _json(capsys)
    assert b["province"] == "93,94" and set(b["provinces"]) == set(PAIR)
    assert b["layers"]["village"]["count"] == villages
    assert all(p["overview"]["village"]["coverage_valid"] for p in b["provinces"].values())

    out = tmp_path / "demo.csv"
    assert main(["demo", "--province", "93,94", "--out", str(out), "--json"]) == 0
    d = _json(capsys)
    assert d["rows"] == villages and d["province"] == "93,94"

    assert main(["check", str(out), "--province", "93,94", "--json"]) == 0
    c = _json(capsys)
    assert c["rows"] == c["matched_by_code"] == villages and c["invalid"] == 0
    # the same file against one province: the other's rows are invalid, not matched
    assert main(["check", str(out), "--province", "93", "--json"]) == 0
    one = _json(capsys)
    assert one["matched_by_code"] == 687 and one["invalid"] == villages - 687

    assert main(["clusters", "--demo", "--province", "93,94", "--permutations", "99", "--json"]) == 0
    k = _json(capsys)
    assert sum(k["counts"].values()) == villages

    html = tmp_path / "m.html"
    assert main(["snapshot", "--demo", "--province", "93,94", "--level", "village", "--html", str(html), "--json"]) == 0
    s = _json(capsys)
    assert s["areas"] == villages and s["html_bytes"] == len(html.read_text(encoding="utf-8").encode())
    assert main(["snapshot", "--demo", "--province", "93,94", "--regency", "94.01", "--level", "village",
                 "--html", str(html), "--json"]) == 0
    assert _json(capsys)["areas"] == int((pair.full["village"]["regency_code"] == "94.01").sum())


@needs_shared
def test_cli_all_means_every_province_in_the_source(tmp_path, capsys, pair):
    """``--province all`` with a source holding only 93 and 94: both, and nothing else."""
    src = tmp_path / "src"
    for rel in upstream.files_for_province("93", SHARED) + upstream.files_for_province("94", SHARED):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SHARED / rel, src / rel)
    assert main(["boundaries", "--province", "all", "--source", str(src), "--json"]) == 0
    out = _json(capsys)
    assert out["province"] == "93,94"  # same inputs as the cache: verified, not rebuilt
    assert {p["status"] for p in out["provinces"].values()} <= {"verified", "web rebuilt"}
    assert main(["boundaries", "--province", "93,99", "--source", str(src), "--json"]) == 2
    assert "99" in _json(capsys)["error"]


def test_cli_province_all_resolves_to_every_known_province():
    assert codes.parse_provinces("all", upstream.known_provinces()) == upstream.known_provinces()
    assert len(upstream.known_provinces()) == 9


# ---------------------------------------------------------------- the pages

def _app(**query):
    return make_app(query=query, timeout=300)


@needs_shared
def test_explorer_with_two_provinces(pair):
    at = _app(province="94,93", level="village")  # any order: kept in code order
    assert not at.exception, at.exception
    assert at.sidebar.multiselect[0].value == PAIR and at.query_params["province"] == "93,94"
    options = at.selectbox(key=wkey("explore", "regency")).options
    regencies = pair.full["regency"].sort_values("code")
    assert len(options) == 1 + len(regencies)  # "all" + every regency of both provinces
    assert options[1] == f"{regencies['name'].iloc[0]} (Papua Selatan)"
    assert [i.value.split(":")[0] for i in at.info] == ["Papua Selatan", "Papua Tengah"]
    assert not [s for s in at.subheader if "dipublikasikan" in s.value]  # no published figures there
    # a regency of the second province, then back to all; the sidebar survives the reruns
    at.selectbox(key=wkey("explore", "regency")).set_value("94.01").run()
    assert not at.exception and at.query_params["regency"] == "94.01"
    assert at.sidebar.multiselect[0].value == PAIR


@needs_shared
def test_published_figures_only_beside_bali():
    at = _app(province="51,52")
    assert not at.exception, at.exception
    titles = [s.value for s in at.subheader if "dipublikasikan" in s.value]
    assert titles == ["Angka nyata yang dipublikasikan, Bali (untuk pembanding)"]
    assert [i.value.split(":")[0] for i in at.info] == ["Bali", "Nusa Tenggara Barat"]


REGION_BUILT = all(boundaries.is_cached(p) for p in upstream.known_provinces())


@needs_shared
@pytest.mark.skipif(not REGION_BUILT, reason="the region's caches are not built (python -m geo boundaries "
                                             "--province all: about 3 minutes, once)")
def test_select_every_province_and_url_all():
    at = _app()
    assert at.sidebar.multiselect[0].value == ["51"]
    at.sidebar.button(key="provinces_all").click()
    at.run(timeout=900)
    assert not at.exception, at.exception
    assert at.sidebar.multiselect[0].value == upstream.known_provinces()
    assert at.query_params["province"] == "all"
    assert len(at.info) == 9  # one summary line per province
    assert len(at.selectbox(key=wkey("explore", "regency")).options) == 1 + 83


@needs_shared
def test_first_build_shows_a_spinner_with_an_estimate(monkeypatch):
    """A province whose cache is not built yet: a spinner says it is built once, and how long."""
    import streamlit as st
    messages = []
    real = st.spinner

    def spinner(text="", *args, **kwargs):
        messages.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(st, "spinner", spinner)
    loaded = sys.modules.get("ui.state")
    if loaded is not None:  # province sets an earlier test loaded in this process
        monkeypatch.setattr(loaded, "_LOADED", set())
    monkeypatch.setattr(boundaries, "is_cached", lambda province, cache_dir=None: province != "52")
    at = _app(province="51,52")
    assert not at.exception, at.exception
    building = [m for m in messages if "52" in m and "sekali" in m]
    assert len(building) == 1, messages
    seconds = float(re.search(r"perkiraan ([\d.]+) detik", building[0]).group(1).replace(".", ""))
    assert 5 <= seconds <= 120  # NTB: 5.5 MB of village files
    assert "Nusa Tenggara Barat" in building[0]
