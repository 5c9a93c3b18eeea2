"""Periods in figures (issue 15): every form offices write, several periods in one file, and the
rows a period makes invalid (unreadable, future, missing), in CSV and in XLSX with real date cells."""
from __future__ import annotations

import datetime as dt

import pytest

from geo import figures
from geo.figures import join
from geo.figures.model import Figures
from testsupport.hostile import workbook

TODAY = dt.date(2026, 12, 2)
A, B = "51.71.01.1001", "51.71.01.1002"


def run(content: bytes, bali, name: str = "f.csv", period: str | None = None, today: dt.date = TODAY):
    raw = figures.read_table(content, name)
    v = figures.validate(raw, figures.guess_mapping(raw.columns), ["51"], period=period, today=today)
    return join.join(v, bali.full, ["51"])


def csv(rows: list[str], header: str = "kode,nama,periode,pekerja,peserta") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def problems(r) -> list[tuple]:
    return [(int(p.row) if p.row is not None and p.row == p.row else None, p.column, p.severity, p.key)
            for p in r.problems.itertuples()]


@pytest.mark.parametrize("text,expected", [
    ("2026-01", "2026-01"), ("2026/01", "2026-01"), ("01/2026", "2026-01"), ("1/2026", "2026-01"),
    ("Jan 2026", "2026-01"), ("Januari 2026", "2026-01"), ("January 2026", "2026-01"), ("JANUARI 2026", "2026-01"),
    ("Des 2025", "2025-12"), ("Desember 2025", "2025-12"), ("Dec 2025", "2025-12"), ("December 2025", "2025-12"),
    ("2026-01-31", "2026-01"), ("2026-01-31 00:00:00", "2026-01"), ("Agustus 2026", "2026-08"),
    ("Agu 2026", "2026-08"), ("Aug 2026", "2026-08"), ("Mei 2026", "2026-05"), ("May 2026", "2026-05"),
    ("Okt 2026", "2026-10"), ("Oct 2026", "2026-10"), ("Peb 2026", "2026-02"), ("Nop 2026", "2026-11"),
    ("Maret-2026", "2026-03"), ("  Juni   2026 ", "2026-06"), ("2026 Juli", "2026-07"),
    (dt.datetime(2026, 3, 1), "2026-03"), (dt.date(2026, 3, 31), "2026-03"),
    # not a month
    ("2026-13", None), ("13/2026", None), ("2026-02-30", None), ("Desember", None), ("Dezember 2025", None),
    ("Ja 2026", None), ("2026", None), (202601, None), (45658.0, None), ("", None), ("Q1 2026", None),
])
def test_every_period_form(text, expected):
    assert figures.parse_period(text) == expected


def test_a_file_of_two_periods_is_read_as_two_periods(bali):
    """The file of the issue: 3 villages x 2025-12 and 2026-03 (written two ways): six usable rows."""
    r = run(csv([f"{A},Serangan,2025-12,100,50", f"{B},Pedungan,Desember 2025,200,80",
                 "51.71.01.1003,Sesetan,12/2025,300,90",
                 f"{A},Serangan,Mar 2026,110,60", f"{B},Pedungan,2026-03,210,90",
                 "51.71.01.1003,Sesetan,Maret 2026,300,120"]), bali)
    assert r.summary["matched_by_code"] == 6 and r.summary["invalid"] == 0
    assert problems(r) == []  # several periods is what the file says: no warning
    fig = r.figures
    assert fig.periods == ("2025-12", "2026-03") and fig.period == fig.latest == "2026-03" and fig.multi_period
    assert fig.data.set_index("code")["covered"].to_dict() == {A: 60, B: 90, "51.71.01.1003": 120}
    dec = fig.for_period("2025-12")
    assert isinstance(dec, Figures) and dec.period == "2025-12" and dec.periods == ("2025-12",)
    assert dec.data.set_index("code")["workers"].to_dict() == {A: 100, B: 200, "51.71.01.1003": 300}
    assert list(dec.data.columns) == ["code", "workers", "covered"]  # as a one-period file gives
    assert len(fig.long()) == 6 and set(fig.long()["period"]) == {"2025-12", "2026-03"}
    with pytest.raises(KeyError):
        fig.for_period("2026-01")
    # the areas without figures are those without a row in any period
    assert r.summary["areas_without_figures"] == 716 - 3


def test_the_same_area_twice_in_one_period_follows_the_duplicate_rule(bali):
    r = run(csv([f"{A},Serangan,2025-12,100,50", f"{A},Serangan,Des 2025,120,50",  # conflict in 2025-12
                 f"{A},Serangan,2026-03,110,60", f"{A},Serangan,03/2026,110,60",  # same figures in 2026-03
                 f"{B},Pedungan,2026-03,210,90"]), bali)
    got = problems(r)
    assert (2, "code", "error", "duplicate_conflict") in got and (3, "code", "error", "duplicate_conflict") in got
    assert (5, "code", "warning", "duplicate_same") in got
    assert r.summary["invalid"] == 2 and r.summary["matched_by_code"] == 3
    assert r.figures.periods == ("2026-03",)
    msg = join.problems_table(r.problems, "en")["message"].tolist()
    assert any(f"{A} (2025-12)" in m for m in msg)  # the message names the period of the clash


def test_unreadable_future_and_missing_periods_make_the_row_invalid_naming_row_and_column(bali):
    r = run(csv([f"{A},Serangan,2026-11,100,50", f"{B},Pedungan,Januari 2027,200,80",
                 "51.71.01.1003,Sesetan,Desember,300,90", "51.71.01.1004,Panjer,,300,90",
                 "51.71.01.1005,Renon,2026-12,300,90"]), bali)
    assert problems(r) == [(3, "period", "error", "future_period"), (4, "period", "error", "bad_period"),
                           (5, "period", "error", "missing_period")]
    assert r.summary["invalid"] == 3 and r.summary["matched_by_code"] == 2
    assert r.figures.periods == ("2026-11", "2026-12")  # the current month is not the future
    text = join.problems_table(r.problems, "id")["message"].tolist()
    assert "bulan ini (2026-12)" in text[0] and "Desember" in text[1]


def test_a_file_without_the_column_has_the_period_chosen_at_upload(bali):
    plain = csv([f"{A},Serangan,100,50"], header="kode,nama,pekerja,peserta")
    assert run(plain, bali).figures.period == "2026-12"  # default: the current month
    assert run(plain, bali, period="Mar 2026").figures.periods == ("2026-03",)
    with pytest.raises(ValueError, match="after the current month"):
        run(plain, bali, period="2027-01")
    with pytest.raises(ValueError, match="not a month"):
        run(plain, bali, period="soon")
    # a period column left empty throughout (the template) is a file without periods
    empty = csv([f"{A},Serangan,,100,50", f"{B},Pedungan,,200,80"])
    r = run(empty, bali, period="2026-02")
    assert problems(r) == [] and r.figures.periods == ("2026-02",)


def test_xlsx_with_real_date_cells_text_and_numbers(bali):
    r = run(workbook([["kode", "nama", "bulan", "pekerja", "peserta"],
                  [A, "Serangan", dt.datetime(2025, 12, 31), 100, 50],
                  [B, "Pedungan", dt.datetime(2026, 1, 1), 200, 80],
                  [A, "Serangan", "Jan 2026", 110, 55],
                  [B, "Pedungan", dt.datetime(2027, 2, 1), 200, 90],
                  [B, "Pedungan", 202601, 200, 90]]), bali, name="f.xlsx")
    assert problems(r) == [(5, "period", "error", "future_period"), (6, "period", "error", "bad_period")]
    assert r.figures.periods == ("2025-12", "2026-01")
    assert r.figures.for_period("2026-01").data.set_index("code")["covered"].to_dict() == {A: 55, B: 80}


def test_header_aliases_period_periode_bulan(bali):
    for header in ("period", "periode", "bulan", "Periode", "BULAN"):
        r = run(csv([f"{A},Serangan,2026-01,100,50"], header=f"kode,nama,{header},pekerja,peserta"), bali)
        assert r.figures.periods == ("2026-01",), header
