"""``figures.pipeline.check_file``: the one read → validate → join sequence the CLI and the page share."""
from __future__ import annotations

from geo.figures import pipeline


def test_usable_file_gives_figures(bali):
    data = "code,workers,covered\n51.01.01.2001,100,40\n51.01.01.2002,50,abc\n".encode()
    checked = pipeline.check_file(data, "a.csv", bali.full, ["51"])
    assert checked.status == pipeline.USABLE and checked.error is None
    assert checked.figures is not None and list(checked.figures.data["code"]) == ["51.01.01.2001"]
    assert checked.result.summary["matched_by_code"] == 1 and checked.result.summary["invalid"] == 1


def test_unreadable_file_stops_at_reading(bali):
    checked = pipeline.check_file(b"PK\x03\x04 not a zip", "a.xlsx", bali.full, ["51"])
    assert checked.status == pipeline.UNREADABLE and checked.raw is None and checked.result is None
    assert checked.error is not None and str(checked.error)


def test_file_without_count_columns_is_unusable(bali):
    checked = pipeline.check_file("code,nama\n51.01.01.2001,x\n".encode(), "a.csv", bali.full, ["51"])
    assert checked.status == pipeline.UNUSABLE and checked.raw is not None and checked.figures is None
    assert checked.error is not None


def test_every_row_rejected_is_unusable_without_error(bali):
    checked = pipeline.check_file("code,workers,covered\n51.01.01.2001,10,20\n".encode(), "a.csv", bali.full, ["51"])
    assert checked.error is None and checked.status == pipeline.UNUSABLE
    assert checked.result.summary["invalid"] == 1


def test_mapping_and_raw_are_reused(bali):
    data = "kode,jumlah,terdaftar\n51.01.01.2001,10,5\n".encode()
    first = pipeline.check_file(data, "a.csv", bali.full, ["51"],
                                mapping={"kode": "code", "jumlah": "workers", "terdaftar": "covered"})
    again = pipeline.check_file(b"", "a.csv", bali.full, ["51"], raw=first.raw,
                                mapping={"kode": "code", "jumlah": "workers", "terdaftar": "covered"})
    assert first.status == again.status == pipeline.USABLE
    assert again.figures.data["covered"].tolist() == [5]
