"""The upstream SQL reader on hand-written fixtures: every nesting depth, quotes, empty paths,
and broken files reported with file and line."""
from pathlib import Path

import pytest
import shapely

from geo.boundaries import upstream

FIX = Path(__file__).parent / "fixtures" / "sql"


def test_reads_insert_rows_and_skips_other_statements():
    rows = upstream.read_file(FIX / "tiny_ok.sql")
    assert [r.code for r in rows] == ["99.01.01.2001", "99.01.01.2002", "99.01.01.2003",
                                      "99.01.01.1004", "99.01.01.3005"]
    assert rows[0].name == "Hu'u"  # doubled quote unescaped
    assert rows[0].line == 7 and rows[3].line == 11
    assert rows[4].lat is None and rows[4].path == ""


def test_geometry_for_each_nesting_depth():
    rows = {r.code: r for r in upstream.read_file(FIX / "tiny_ok.sql")}
    poly = upstream.path_to_geometry(rows["99.01.01.2001"].path)
    assert poly.geom_type == "Polygon"
    # points are [lat, lng]: the polygon spans lng 115-116, lat -9 to -8
    assert poly.bounds == (115.0, -9.0, 116.0, -8.0)
    multi = upstream.path_to_geometry(rows["99.01.01.2002"].path)
    assert multi.geom_type == "MultiPolygon" and len(multi.geoms) == 2
    holed = upstream.path_to_geometry(rows["99.01.01.2003"].path)
    assert len(holed.interiors) == 1 and holed.area == pytest.approx(9 - 1)
    ring = upstream.path_to_geometry(rows["99.01.01.1004"].path)
    assert ring.geom_type == "Polygon" and shapely.is_valid(ring)
    assert upstream.path_to_geometry(rows["99.01.01.3005"].path) is None


@pytest.mark.parametrize("name, line, words", [
    ("truncated.sql", 3, "truncated"),
    ("bad_value.sql", 4, "unparseable value"),
    ("unterminated.sql", 2, "truncated"),
])
def test_broken_files_name_file_and_line(name, line, words):
    with pytest.raises(upstream.SourceError) as err:
        upstream.read_file(FIX / name)
    assert err.value.line == line
    assert name in str(err.value) and f"line {line}" in str(err.value) and words in str(err.value)


def test_missing_and_undecodable_files(tmp_path):
    with pytest.raises(upstream.SourceError, match="missing") as err:
        upstream.read_file(tmp_path / "nope.sql")
    assert err.value.missing
    bad = tmp_path / "latin1.sql"
    bad.write_bytes("INSERT INTO wilayah_boundaries(kode,nama,lat,lng,path) VALUES ('1','\xe9',1,1,'');".encode("latin-1"))
    with pytest.raises(upstream.SourceError, match="not UTF-8"):
        upstream.read_file(bad)


def test_insert_without_required_columns(tmp_path):
    f = tmp_path / "cols.sql"
    f.write_text("INSERT INTO wilayah_boundaries(kode,lat) VALUES ('51',1);")
    with pytest.raises(upstream.SourceError, match="lacks column"):
        upstream.read_file(f)


def test_path_with_bad_depth_is_an_error():
    with pytest.raises(ValueError, match="depth"):
        upstream.path_to_geometry("[[[[[1,2]]]]]")
