"""The published real figures: a faithful copy of the shared reference, read with codes as text."""
from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest

from geo.core import reference

ROOT = Path(__file__).resolve().parent.parent
SHARED_REF = ROOT.parent / "shared" / "reference"


@pytest.mark.skipif(not (SHARED_REF / "bali_published_figures.csv").exists(),
                    reason="../shared/reference not present")
def test_committed_copy_is_identical_to_the_shared_reference():
    assert reference.REFERENCE_CSV.read_bytes() == (SHARED_REF / "bali_published_figures.csv").read_bytes()


def _csv_rows() -> list[dict]:
    with reference.REFERENCE_CSV.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_published_keeps_every_row_and_column_with_codes_as_text():
    rows = _csv_rows()
    df = reference.published("51")
    assert list(df.columns) == list(reference.COLUMNS)
    assert len(df) == sum(r["region_code"].split(".")[0] == "51" for r in rows)
    assert set(df["region_code"]) == {r["region_code"] for r in rows}
    assert "51.02" in set(df["region_code"])  # not 51.2
    assert all(isinstance(d, dt.date) for d in df["as_of"])
    assert (df["source"].str.len() > 0).all()


def test_a_province_without_published_figures_gets_an_empty_frame():
    df = reference.published("52")
    assert df.empty and list(df.columns) == list(reference.COLUMNS)


def test_value_is_the_latest_unless_a_date_is_given():
    # The CSV has the province rate twice: March 2025 and December 2025.
    dec = [r for r in _csv_rows() if r["region_code"] == "51" and r["indicator"] == "coverage_rate"]
    latest = max(dec, key=lambda r: r["as_of"])
    assert reference.value("coverage_rate", "51") == float(latest["value"])
    assert reference.value("coverage_rate", "51", as_of="2025-03-31") == 50.88
    assert reference.value("coverage_rate", "51.01") is None


def test_rows_beside_the_regency_view():
    view = reference.beside_regency_view("51")
    expected = [r for r in _csv_rows() if r["indicator"] == "coverage_rate"]
    assert len(view) == len(expected)
    assert set(view["level"]) == {"province", "regency"}
    assert view["level"].iloc[0] == "province"
    got = {(r.region_code, str(r.as_of)): r.value for r in view.itertuples()}
    for r in expected:
        assert got[(r["region_code"], r["as_of"])] == float(r["value"])
    assert {"51.03", "51.06"} <= set(view["region_code"])
    assert (view["source"].str.len() > 0).all() and view["as_of"].notna().all()
    assert reference.beside_regency_view("52").empty


def test_premium_constants_match_the_regulation_as_summarised_in_the_reference_readme():
    # PP 44/2015: JKK 1 % of the lowest income bracket (Rp1,000,000), JKM Rp6,800.
    assert reference.JKK_MIN_MONTHLY == 1_000_000 // 100
    assert reference.PREMIUM_JKK_JKM_MONTHLY == reference.JKK_MIN_MONTHLY + reference.JKM_MONTHLY
    assert reference.PREMIUM_JKK_JKM_YEARLY == 12 * reference.PREMIUM_JKK_JKM_MONTHLY
    readme = SHARED_REF / "README.md"
    if readme.exists():
        text = readme.read_text(encoding="utf-8")
        amounts = {int(m.replace(",", "")) for m in re.findall(r"Rp([\d,]+)", text)}
        assert {reference.JKM_MONTHLY, reference.PREMIUM_JKK_JKM_MONTHLY,
                reference.PREMIUM_JKK_JKM_YEARLY} <= amounts


def test_a_damaged_copy_is_refused_with_the_row(tmp_path, monkeypatch):
    bad = tmp_path / "ref.csv"
    text = reference.REFERENCE_CSV.read_text(encoding="utf-8").replace("\n51.03,", "\n51.3,", 1)
    bad.write_text(text, encoding="utf-8")
    monkeypatch.setattr(reference, "REFERENCE_CSV", bad)
    reference._all.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"region_code .* rows \[5\]"):
            reference.published("51")
    finally:
        monkeypatch.undo()
        reference._all.cache_clear()
