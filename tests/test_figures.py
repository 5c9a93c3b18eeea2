"""Reading users' figures: formats, encodings, limits, the schema's rules and every problem."""
from __future__ import annotations

import io
import json
import re
import string
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import figures
from geo.core import codes, i18n
from testsupport import hostile as builders

FIX = Path(__file__).parent / "fixtures" / "figures"


def read(name: str, sheet: str | None = None, limits: figures.Limits = figures.Limits()) -> figures.RawTable:
    return figures.read_table((FIX / name).read_bytes(), name, sheet=sheet, limits=limits)


def check(name: str, sheet: str | None = None, provinces=("51",)) -> figures.Validated:
    raw = read(name, sheet)
    return figures.validate(raw, figures.guess_mapping(raw.columns), list(provinces))


def found(v: figures.Validated) -> list[tuple]:
    """(row, column, severity, key) of every problem, in the order reported (each has a real text)."""
    for p in v.problems.itertuples():
        for lang in ("id", "en"):
            text = figures.message(p.key, p.params, lang)
            assert text and not text.startswith("fig_msg_") and "{" not in text, (p.key, text)
    return [(None if p.row is None or p.row != p.row else int(p.row), p.column, p.severity, p.key)
            for p in v.problems.itertuples()]


def status(v: figures.Validated) -> dict[int, str]:
    return dict(zip(v.rows["row"], v.rows["status"]))


# ---------------------------------------------------------------- numbers

@pytest.mark.parametrize("text,comma_thousands,expected", [
    ("1234", False, (1234, None)), ("1.234", False, (1234, None)), ("1.234.567", False, (1234567, None)),
    ("12,5", False, (None, "fractional")), ("12,5", True, (None, "fractional")),
    ("1,234", True, (1234, None)), ("1,234", False, (None, "fractional")),  # decimal comma in ; files
    ("1,234,567", True, (1234567, None)), ("12,0", False, (12, None)), ("12.00", False, (12, None)),
    ("1.234,5", False, (None, "fractional")), ("1.234,0", False, (1234, None)),
    ("1 234", False, (1234, None)), ("1\u00a0234", False, (1234, None)),
    ("-5", False, (None, "negative")), ("−5", False, (None, "negative")), ("-0", False, (0, None)),
    ("1.5", False, (None, "fractional")), ("1.2E+04", False, (None, "scientific")),
    ("1e19", False, (None, "scientific")), ("1e309", False, (None, "scientific")), ("-1e309", False, (None, "negative")),
    ("NaN", False, (None, "not_finite")), ("inf", False, (None, "not_finite")), ("-Infinity", True, (None, "not_finite")),
    ("1000000000", False, (10**9, None)), ("1000000001", False, (None, "count_too_large")),
    ("99999999999999999999", False, (None, "count_too_large")), ("9" * 5000, False, (None, "count_too_large")),
    ("1,000,000,001", True, (None, "count_too_large")), ("0" * 30 + "7", False, (7, None)),
    (10**9, False, (10**9, None)), (10**9 + 1, False, (None, "count_too_large")), (10**30, False, (None, "count_too_large")),
    (float("inf"), False, (None, "not_finite")), (float("-inf"), False, (None, "not_finite")),
    (float("nan"), False, (None, "not_finite")), (1e19, False, (None, "count_too_large")), (-0.5, False, (None, "negative")),
    ("", False, (None, None)), ("-", False, (None, None)), ("  ", False, (None, None)),
    ("banyak", False, (None, "not_number")), ("12a", False, (None, "not_number")),
    ("1.23.456", False, (None, "not_number")),
    (7, False, (7, None)), (7.0, False, (7, None)), (7.5, False, (None, "fractional")),
    (-1, False, (None, "negative")), (True, False, (None, "not_number")), (None, False, (None, None)),
])
def test_parse_count(text, comma_thousands, expected):
    assert figures.parse_count(text, comma_thousands) == expected


@given(st.integers(min_value=0, max_value=10**9))
def test_counts_written_either_way_read_back(n):
    assert figures.parse_count(i18n.fmt_num(n, "id")) == (n, None)  # 1.234.567
    assert figures.parse_count(i18n.fmt_num(n, "en"), comma_thousands=True) == (n, None)  # "1,234,567"
    assert figures.parse_count(str(n)) == (n, None)


@pytest.mark.parametrize("value,expected", [
    ("2025-12", "2025-12"), ("2025-12-01", "2025-12"), ("12/2025", "2025-12"), ("2025/3", "2025-03"),
    ("2025-13", None), ("Desember", None),
])
def test_parse_period(value, expected):
    assert figures.parse_period(value) == expected


# ---------------------------------------------------------------- codes survive reading

def code_strategy():
    two = st.integers(1, 99).map(lambda i: f"{i:02d}")
    four = st.integers(1, 9999).map(lambda i: f"{i:04d}")
    parts = st.tuples(two, two, two, four, st.integers(2, 4), st.booleans())  # a province alone is a total row

    def build(p):
        chosen = list(p[: p[4]])
        return ".".join(chosen) if p[5] else "".join(chosen)
    return parts.map(build)


def write_csv(rows: list[list[str]], delimiter: str, encoding: str) -> bytes:
    buf = io.StringIO()
    import csv
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


@settings(max_examples=60, deadline=None)
@given(st.lists(code_strategy(), min_size=1, max_size=8),
       st.sampled_from([",", ";", "\t"]), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_codes_survive_csv_reading_unchanged(written, delimiter, encoding):
    rows = [["kode", "nama", "pekerja", "peserta"]] + [[c, "Desa", "10", "5"] for c in written]
    raw = figures.read_table(write_csv(rows, delimiter, encoding), "f.csv")
    v = figures.validate(raw, figures.guess_mapping(raw.columns), None)
    assert v.rows["code_raw"].tolist() == written
    assert v.rows["code"].tolist() == [codes.normalise(c) for c in written]


@settings(max_examples=30, deadline=None)
@given(st.lists(code_strategy(), min_size=1, max_size=6))
def test_codes_survive_xlsx_reading_unchanged(written):
    rows = [["kode", "nama", "pekerja", "peserta"]] + [[c, "Desa", 10, 5] for c in written]
    raw = figures.read_table(builders.workbook(rows), "f.xlsx")
    v = figures.validate(raw, figures.guess_mapping(raw.columns), None)
    assert v.rows["code_raw"].tolist() == written
    assert v.rows["code"].tolist() == [codes.normalise(c) for c in written]


def test_trailing_zero_codes_stay_text():
    data = b"kode,nama,pekerja,peserta\n51.10,Regency,10,5\n51.02.10,District,10,5\n0105,x,1,1\n"
    raw = figures.read_table(data, "f.csv")
    assert raw.cells["kode"].tolist() == ["51.10", "51.02.10", "0105"]


# ---------------------------------------------------------------- headers and mapping

def test_guess_mapping_recognises_indonesian_headers():
    cols = ["No", "  Kode Wilayah ", "NAMA DESA", "Kecamatan", "Kabupaten/Kota", "Periode", "Jumlah Pekerja",
            "Peserta Aktif", "Penerima Upah", "Penerima_Upah_Peserta", "PETANI", "Petani Peserta", "Nelayan",
            "nelayan_peserta", "Pedagang", "pedagang peserta", "Pekerja Adat", "Pekerja Adat Peserta",
            "Lainnya", "Lainnya Peserta", "Kode Desa"]
    m = figures.guess_mapping(cols)
    assert m == {
        "No": None, "  Kode Wilayah ": "code", "NAMA DESA": "name", "Kecamatan": "district",
        "Kabupaten/Kota": "regency", "Periode": "period", "Jumlah Pekerja": "workers", "Peserta Aktif": "covered",
        "Penerima Upah": "workers_wage", "Penerima_Upah_Peserta": "covered_wage", "PETANI": "workers_farmer",
        "Petani Peserta": "covered_farmer", "Nelayan": "workers_fisher", "nelayan_peserta": "covered_fisher",
        "Pedagang": "workers_trader", "pedagang peserta": "covered_trader", "Pekerja Adat": "workers_customary",
        "Pekerja Adat Peserta": "covered_customary", "Lainnya": "workers_other",
        "Lainnya Peserta": "covered_other",
        "Kode Desa": None,  # code is already read from "Kode Wilayah": never read twice
    }


@pytest.mark.parametrize("header,canon", [
    ("kode", "code"), ("kode_desa", "code"), ("nama", "name"), ("nama_wilayah", "name"), ("desa", "name"),
    ("kelurahan", "name"), ("pekerja", "workers"), ("penduduk_bekerja", "workers"), ("peserta", "covered"),
    ("terlindungi", "covered"), ("covered_trader", "covered_trader"), ("workers_wage", "workers_wage"),
    ("kota", "regency"), ("kabupaten", "regency"), ("kecamatan", "district"),
])
def test_issue_headers(header, canon):
    assert figures.guess_mapping([header])[header] == canon


def test_header_found_below_title_rows_and_rows_numbered_as_spreadsheet():
    raw = read("title_rows.xlsx", sheet="Data")
    assert raw.header_row == 4 and raw.sheets == ["Ringkasan", "Data"] and raw.sheet == "Data"
    assert raw.cells.index.tolist() == [5, 6, 7, 8, 9]
    v = figures.validate(raw, figures.guess_mapping(raw.columns), ["51"])
    assert v.rows["code"].tolist() == ["51.71.01.1005", "51.71.01.1006", "51.71.01.2010", "51.71.01.2008", None]
    assert v.rows["workers"].tolist()[:3] == [8200, 7100, 6500]  # typed cells, a whole float accepted
    assert found(v) == [(8, "workers", "error", "fractional"),  # 12000.5 people
                        (9, "code", "warning", "code_unreadable")]  # 51.1: a lost zero, matched by name
    assert status(v) == {5: "ok", 6: "ok", 7: "ok", 8: "invalid", 9: "ok"}


def test_first_sheet_by_default_and_an_empty_sheet_names_the_others():
    raw = read("title_rows.xlsx")
    assert raw.sheet == "Ringkasan"
    with pytest.raises(figures.FiguresError) as exc:
        figures.validate(raw, figures.guess_mapping(raw.columns), ["51"])
    assert exc.value.key == "empty_sheet" and exc.value.status == 1 and "Data" in str(exc.value)
    assert figures.xlsx_sheets((FIX / "title_rows.xlsx").read_bytes()) == ["Ringkasan", "Data"]
    with pytest.raises(figures.FiguresError) as exc:
        read("title_rows.xlsx", sheet="Nope")
    assert exc.value.key == "xlsx_sheet_missing"


# ---------------------------------------------------------------- encodings and separators

@pytest.mark.parametrize("name,encoding", [("utf16.csv", "utf-16"), ("cp1252.csv", "cp1252"),
                                           ("utf8_bom.csv", "utf-8-sig")])
def test_encodings(name, encoding):
    raw = read(name)
    assert raw.encoding == encoding and raw.delimiter == ";"
    v = figures.validate(raw, figures.guess_mapping(raw.columns), ["51"])
    assert v.rows["name"].tolist() == ["Sanur – Café", "Sanur Kaja"]
    assert v.rows["workers"].tolist() == [7100, 6050] and v.rows["covered"].tolist() == [3300, 2980]
    assert v.problems.empty


def test_utf16_without_bom():
    text = "kode;nama;pekerja;peserta\r\n51.71.01.1006;Sanur;7.100;3.300\r\n"
    raw = figures.read_table(text.encode("utf-16-le"), "f.csv")
    assert raw.encoding == "utf-16-le" and raw.cells["nama"].tolist() == ["Sanur"]


def test_quoted_thousands_in_comma_csv():
    v = check("thousands_comma.csv")
    assert v.rows["workers"].tolist() == [1234, 1234567]
    assert v.rows["covered"].tolist() == [567, 1000]
    assert v.problems.empty


def test_undecodable_text_is_refused():
    with pytest.raises(figures.FiguresError) as exc:
        figures.read_table(b"kode,nama\n51.71,\x81\x8d\x8f\x90\xff\xfe\n", "f.csv")
    assert exc.value.key == "undecodable" and exc.value.status == 2


# ---------------------------------------------------------------- one fixture per problem

def test_missing_columns_is_fatal_with_status_1():
    for name, key in (("missing_columns.csv", "missing_pair"), ("no_key_column.csv", "missing_key")):
        raw = read(name)
        with pytest.raises(figures.FiguresError) as exc:
            figures.validate(raw, figures.guess_mapping(raw.columns), ["51"])
        assert exc.value.key == key and exc.value.status == 1
        assert ", ".join(raw.columns) in str(exc.value)  # the message says what was read


@pytest.mark.parametrize("name", ["empty.csv", "header_only.csv"])
def test_empty_files(name):
    raw = read(name)
    assert raw.cells.empty
    with pytest.raises(figures.FiguresError) as exc:
        figures.validate(raw, figures.guess_mapping(raw.columns), ["51"])
    assert exc.value.key == "empty" and exc.value.status == 1


def test_not_numeric():
    v = check("not_numeric.csv")
    assert found(v) == [(2, "workers", "error", "not_number"), (3, "covered", "error", "not_number")]
    assert status(v) == {2: "invalid", 3: "invalid", 4: "ok"}
    assert v.rows.set_index("row").loc[4, "workers"] == 25100


def test_negative():
    v = check("negative.csv")
    assert found(v) == [(2, "covered", "error", "negative")]
    assert status(v) == {2: "invalid", 3: "ok"}


def test_fractional():
    v = check("fractional.csv")
    assert found(v) == [(2, "workers", "error", "fractional"), (4, "workers", "error", "fractional")]
    assert v.rows.set_index("row").loc[3, "workers"] == 1234  # 1.234 is thousands


def test_covered_above_workers_total_and_per_segment():
    v = check("covered_above_workers.csv")
    assert found(v) == [(2, "covered", "error", "covered_above_workers"),
                        (3, "covered_fisher", "error", "covered_above_workers")]
    assert status(v)[4] == "ok"  # equal is fine


def test_segments_above_totals():
    v = check("segments_above_workers.csv")
    assert found(v) == [(2, "workers", "error", "segments_above_workers"),
                        (3, "covered", "error", "segments_above_covered")]
    assert status(v) == {2: "invalid", 3: "invalid", 4: "ok"}


def test_other_province():
    v = check("other_province.csv")
    assert found(v) == [(3, "code", "error", "other_province"), (4, "code", "error", "other_province")]
    assert status(v) == {2: "ok", 3: "invalid", 4: "invalid"}


def test_formulas_without_cached_values_are_reported():
    raw = read("formulas.xlsx")
    assert raw.formulas == [(2, "peserta"), (3, "pekerja")]
    v = figures.validate(raw, figures.guess_mapping(raw.columns), ["51"])
    assert found(v) == [(2, "covered", "error", "formula_no_value"), (3, "workers", "error", "formula_no_value")]
    assert v.rows.set_index("row").loc[4, "covered"] == 15020  # the cached value is used


def test_row_without_any_count_or_key():
    data = b"kode,nama,pekerja,peserta\n51.71.01.1001,Serangan,,\n,,5,3\n"
    raw = figures.read_table(data, "f.csv")
    v = figures.validate(raw, figures.guess_mapping(raw.columns), ["51"])
    assert found(v) == [(2, "workers", "error", "no_counts"), (3, "code", "error", "no_key")]


def test_level_is_that_of_most_codes():
    data = (b"kode,pekerja,peserta\n51.71.01,10,5\n51.71.02,10,5\n51.71.01.1001,10,5\n51.71,10,5\n51,10,5\n")
    raw = figures.read_table(data, "f.csv")
    v = figures.validate(raw, figures.guess_mapping(raw.columns), ["51"])
    assert v.level == "district"
    assert found(v) == [(4, "code", "error", "other_level"), (5, "code", "error", "other_level"),
                        (6, "code", "error", "code_province")]


# ---------------------------------------------------------------- refusals and limits

@pytest.mark.parametrize("name,key", [
    ("old.xls", "format_xls"), ("xlsx_content.csv", "csv_is_zip"), ("text.xlsx", "xlsx_not_zip"),
])
def test_wrong_formats_are_refused_with_how_to_save(name, key):
    with pytest.raises(figures.FiguresError) as exc:
        read(name)
    assert exc.value.key == key and exc.value.status == 2
    for lang in ("en", "id"):
        assert re.search(r"\.xlsx|\.csv|CSV", exc.value.text(lang))


def test_unknown_extension_and_renamed_xls():
    with pytest.raises(figures.FiguresError) as exc:
        figures.read_table(b"kode,nama\n", "data.pdf")
    assert exc.value.key == "format_unknown"
    with pytest.raises(figures.FiguresError) as exc:
        figures.read_table((FIX / "old.xls").read_bytes(), "renamed.xlsx")
    assert exc.value.key == "xlsx_is_ole"


def test_limits():
    data = (FIX / "good.csv").read_bytes()
    with pytest.raises(figures.FiguresError) as exc:
        figures.read_table(data, "good.csv", limits=figures.Limits(max_bytes=100))
    assert exc.value.key == "too_large"
    with pytest.raises(figures.FiguresError) as exc:
        figures.read_table(data, "good.csv", limits=figures.Limits(max_rows=4))
    assert exc.value.key == "too_many_rows"
    assert len(figures.read_table(data, "good.csv", limits=figures.Limits(max_rows=5)).cells) == 5
    with pytest.raises(figures.FiguresError) as exc:
        figures.read_table(data, "good.csv", limits=figures.Limits(max_columns=6))
    assert exc.value.key == "too_many_columns"
    wide = builders.workbook([[f"c{i}" for i in range(12)], list(range(12))])
    with pytest.raises(figures.FiguresError) as exc:
        figures.read_table(wide, "w.xlsx", limits=figures.Limits(max_columns=10))
    assert exc.value.key == "too_many_columns"


def test_default_limits_are_the_contracts():
    lim = figures.Limits()
    assert (lim.max_bytes, lim.max_rows, lim.max_columns) == (50 * 1024 * 1024, 200_000, 200)


def _bomb(size: int) -> bytes:
    """A workbook whose sheet declares ``size`` bytes of XML (zeros compress ~1000:1)."""
    good = zipfile.ZipFile(io.BytesIO(builders.workbook([["kode", "pekerja", "peserta"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in good.infolist():
            if item.filename == "xl/worksheets/sheet1.xml":
                with z.open(item.filename, "w", force_zip64=True) as fh:
                    chunk = b"<" + b" " * (1 << 20)
                    for _ in range(size >> 20):
                        fh.write(chunk)
            else:
                z.writestr(item, good.read(item))
    return out.getvalue()


def test_xlsx_bomb_refused_before_parsing(monkeypatch):
    data = _bomb(300 * 1024 * 1024)
    assert len(data) < 2 * 1024 * 1024

    def never(*a, **k):
        raise AssertionError("openpyxl must not be reached")
    monkeypatch.setattr(openpyxl, "load_workbook", never)
    with pytest.raises(figures.FiguresError) as exc:
        figures.read_table(data, "bomb.xlsx")
    assert exc.value.key == "xlsx_bomb" and exc.value.status == 2


def test_xlsx_ratio_limit_without_total_limit(monkeypatch):
    data = _bomb(8 * 1024 * 1024)  # small in total, but ~1000:1
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: (_ for _ in ()).throw(AssertionError()))
    with pytest.raises(figures.FiguresError) as exc:
        figures.read_table(data, "bomb.xlsx")
    assert exc.value.key == "xlsx_bomb"


def test_xlsx_entity_expansion_is_not_expanded():
    """defusedxml (installed, so openpyxl uses it) refuses DTD entities: the file is reported, not expanded."""
    from openpyxl.xml import DEFUSEDXML
    assert DEFUSEDXML
    base = zipfile.ZipFile(io.BytesIO(builders.workbook([["kode", "pekerja", "peserta"], ["51.71", 1, 1]])))
    evil = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            b'<row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for item in base.infolist():
            z.writestr(item, evil if item.filename == "xl/worksheets/sheet1.xml" else base.read(item))
    with pytest.raises(figures.FiguresError) as exc:
        figures.read_table(out.getvalue(), "evil.xlsx")
    assert exc.value.key == "xlsx_entities" and exc.value.status == 2 and "EntitiesForbidden" in str(exc.value)


def test_excel_separator_hint_line():
    raw = figures.read_table(b"sep=;\r\nkode;nama;pekerja;peserta\r\n51.71.01.1001;Serangan;1,5;1\r\n", "f.csv")
    assert raw.delimiter == ";" and raw.header_row == 1 and raw.cells.index.tolist() == [2]
    assert raw.cells["pekerja"].tolist() == ["1,5"]


def test_damaged_zip():
    with pytest.raises(figures.FiguresError) as exc:
        figures.read_table(b"PK\x03\x04" + b"\x00" * 100, "broken.xlsx")
    assert exc.value.key == "xlsx_broken" and exc.value.status == 2


# ---------------------------------------------------------------- messages

def test_every_message_exists_in_both_languages_with_the_same_placeholders():
    data = json.loads((Path(i18n.__file__).parent / "strings" / "figures.json").read_text(encoding="utf-8"))
    for key, entry in data.items():
        assert entry["id"] and entry["en"], key
        fields = [{f for _, f, _, _ in string.Formatter().parse(entry[lang]) if f} for lang in ("id", "en")]
        assert fields[0] == fields[1], key
        assert entry["id"] != entry["en"], key


def test_numbers_in_messages_follow_the_language():
    params = {"covered": 5500, "workers": 5000}
    assert "5.500" in figures.message("covered_above_workers", params, "id")
    assert "5,500" in figures.message("covered_above_workers", params, "en")


def test_a_corrected_mapping_is_used():
    data = b"ID Desa;Desa/Kel;Total Tenaga;Ikut BPJS\n51.71.01.1001;Serangan;3.120;1.650\n"
    raw = figures.read_table(data, "f.csv")
    guess = figures.guess_mapping(raw.columns)
    assert guess == {"ID Desa": None, "Desa/Kel": None, "Total Tenaga": None, "Ikut BPJS": None}
    assert [p["key"] for p in figures.check_mapping(guess)] == ["missing_key", "missing_pair"]
    fixed = {"ID Desa": "code", "Desa/Kel": "name", "Total Tenaga": "workers", "Ikut BPJS": "covered"}
    v = figures.validate(raw, fixed, ["51"])
    assert v.rows[["code", "workers", "covered"]].values.tolist() == [["51.71.01.1001", 3120, 1650]]
    twice = {**fixed, "Desa/Kel": "code"}
    assert [p["key"] for p in figures.check_mapping(twice)] == ["mapped_twice", ]
    with pytest.raises(figures.FiguresError) as exc:
        figures.validate(raw, twice, ["51"])
    assert exc.value.key == "mapped_twice" and "ID Desa, Desa/Kel" in str(exc.value)
