"""Hostile input (issue 7), end to end through ``python -m geo check FILE --json``.

Each case is one bad file and the exact outcome CONTRACT.md promises: the exit status, the
category counts (every data row in exactly one category, so they sum to ``rows``), and every
problem with its spreadsheet row, canonical column, severity and English message. With
``--report`` every data row is also in the per-row join report: nothing is dropped. Files
that cannot be read at all exit 2 with ``{"error": "<file name>: <message>"}``, and no
traceback reaches the user. The bombs (zip bomb, billion laughs, ...) and their memory are in
test_hostile_bombs.py, the upload page in test_hostile_page.py, the browser in
test_hostile_browser.py.

The expectations were worked out from the files by hand: the codes and names are real Bali
villages (Kepmendagri 2025): 51.71.01.1001 Serangan, 51.71.01.1002 Pedungan, 51.71.01.1003
Sesetan (Denpasar Selatan); "Selat" names five villages.
"""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT, needs_shared

from geo.analysis import frames as analysis_frames
from geo.outputs import targetlist
from testsupport import extremes
from testsupport import hostile as builders
from geo.core.provenance import Provenance

pytestmark = needs_shared
FIX = Path(__file__).parent / "fixtures" / "figures"
CATEGORIES = ("matched_by_code", "matched_by_name", "ambiguous", "unmatched", "invalid")
H = "kode,nama,pekerja,peserta"
GOOD = "51.71.01.1002,Pedungan,14210,8400"  # a usable row, so the file exits 0


def check(capsys, tmp_path: Path, name: str, data: bytes | str, *args: str) -> tuple[int, dict, list[dict]]:
    """Run ``check FILE --json --report`` in this process; (exit status, JSON object, report rows)."""
    from geo.__main__ import main
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    report = tmp_path / "report.csv"
    status = main(["check", str(path), "--json", "--report", str(report), *args])
    out = capsys.readouterr()
    obj = json.loads(out.out)  # exactly one JSON object on standard output
    assert "Traceback" not in out.err
    rows = list(csv.DictReader(io.StringIO(report.read_bytes().decode("utf-8-sig")))) if report.exists() else []
    return status, obj, rows


def problems(obj: dict) -> list[tuple]:
    return [(p["row"], p["column"], p["severity"], p["message"]) for p in obj["problems"]]


def conserved(obj: dict, report: list[dict], data_rows: list[int]) -> None:
    """Every data row is in exactly one category, and in the report under its spreadsheet number."""
    assert obj["rows"] == sum(obj[c] for c in CATEGORIES) == len(data_rows)
    if report:
        assert [int(r["row"]) for r in report] == data_rows
        for cat in CATEGORIES:
            assert sum(r["category"] == cat for r in report) == obj[cat], cat


def xlsx(rows: list[list], merge: tuple[str, ...] = ()) -> bytes:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    for cells in merge:
        wb.active.merge_cells(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- every row problem of the schema
# (id, file name, content, counts {category: n}, data rows, problems [(row, column, severity, message)])

SEG = "kode,nama,pekerja,peserta,petani,petani_peserta,nelayan,nelayan_peserta"
ROW_CASES = [
    ("not_a_number", "f.csv", f"{H}\n51.71.01.1001,Serangan,banyak,50\n{GOOD}\n",
     {"matched_by_code": 1, "invalid": 1}, [2, 3],
     [(2, "workers", "error", '"banyak" is not a number.')]),
    ("negative", "f.csv", f"{H}\n51.71.01.1001,Serangan,100,-5\n{GOOD}\n",
     {"matched_by_code": 1, "invalid": 1}, [2, 3],
     [(2, "covered", "error", "Negative count: -5.")]),
    ("decimal_comma_count", "f.csv", "kode;nama;pekerja;peserta\n51.71.01.1001;Serangan;12,5;5\n"
     "51.71.01.1002;Pedungan;14.210;8.400\n",
     {"matched_by_code": 1, "invalid": 1}, [2, 3],
     [(2, "workers", "error", "A count of people cannot be fractional: 12,5. Write thousands as 1.234 or 1234; "
                              "a comma is a decimal mark.")]),
    ("covered_above_workers", "f.csv", f"{H}\n51.71.01.1001,Serangan,100,150\n{GOOD}\n",
     {"matched_by_code": 1, "invalid": 1}, [2, 3],
     [(2, "covered", "error", "Covered (150) is above workers (100).")]),
    ("segment_covered_above_its_workers", "f.csv", f"{SEG}\n51.71.01.1001,Serangan,100,50,10,20,,\n"
     "51.71.01.1002,Pedungan,14210,8400,,,,\n",
     {"matched_by_code": 1, "invalid": 1}, [2, 3],
     [(2, "covered_farmer", "error", "Covered (20) is above workers (10).")]),
    ("segments_above_workers", "f.csv", f"{SEG}\n51.71.01.1001,Serangan,100,50,80,10,30,10\n"
     "51.71.01.1002,Pedungan,14210,8400,,,,\n",
     {"matched_by_code": 1, "invalid": 1}, [2, 3],
     [(2, "workers", "error", "The segments' workers (110) add up to more than workers (100).")]),
    ("segments_above_covered", "f.csv", f"{SEG}\n51.71.01.1001,Serangan,100,15,80,10,10,10\n"
     "51.71.01.1002,Pedungan,14210,8400,,,,\n",
     {"matched_by_code": 1, "invalid": 1}, [2, 3],
     [(2, "covered", "error", "The segments' covered (20) add up to more than covered (15).")]),
    ("no_counts", "f.csv", f"{H}\n51.71.01.1001,Serangan,,\n{GOOD}\n",
     {"matched_by_code": 1, "invalid": 1}, [2, 3],
     [(2, "workers", "error", "The row has no workers or covered figures.")]),
    ("no_code_no_name", "f.csv", f"{H}\n,,100,50\n{GOOD}\n",
     {"matched_by_code": 1, "invalid": 1}, [2, 3],
     [(2, "code", "error", "The row has neither an area code nor a name.")]),
    ("total_row", "f.csv", f"{H}\n{GOOD}\n,JUMLAH,14210,8400\n",
     {"matched_by_code": 1, "invalid": 1}, [2, 3],
     [(3, "name", "error", '"JUMLAH" looks like a total row; not used (the app computes totals).')]),
    ("province_code", "f.csv", f"{H}\n{GOOD}\n51,Provinsi Bali,14210,8400\n",
     {"matched_by_code": 1, "invalid": 1}, [2, 3],
     [(3, "code", "error", 'Code "51" is a province code (a total row?); the row is not used.')]),
    ("other_province", "f.csv", f"{H}\n52.01.01.2001,Desa Lain,100,50\n{GOOD}\n",
     {"matched_by_code": 1, "invalid": 1}, [2, 3],
     [(2, "code", "error", "Code 52.01.01.2001 is outside the selected province (51).")]),
    ("other_level", "f.csv", f"{H}\n51.71.01,Denpasar Selatan,100,50\n{GOOD}\n51.71.01.1003,Sesetan,200,90\n",
     {"matched_by_code": 2, "invalid": 1}, [2, 3, 4],
     [(2, "code", "error", "Code 51.71.01 is at district level, but this file is at village level.")]),
    ("duplicate_code_conflicting", "f.csv", f"{H}\n51.71.01.1001,Serangan,100,50\n51.71.01.1001,Serangan,120,60\n"
     f"{GOOD}\n",
     {"matched_by_code": 1, "invalid": 2}, [2, 3, 4],
     [(2, "code", "error", "Area 51.71.01.1001 is also in row(s) 3 with different figures; none of them is used."),
      (3, "code", "error", "Area 51.71.01.1001 is also in row(s) 2 with different figures; none of them is used.")]),
    ("duplicate_code_same_figures", "f.csv", f"{H}\n51.71.01.1001,Serangan,100,50\n51.71.01.1001,Serangan,100,50\n"
     f"{GOOD}\n",
     {"matched_by_code": 3}, [2, 3, 4],
     [(3, "code", "warning", "Area 51.71.01.1001 is already in row 2 with the same figures; counted once.")]),
    ("bad_period_is_invalid", "f.csv", "kode,nama,periode,pekerja,peserta\n51.71.01.1001,Serangan,Desember,100,50\n"
     "51.71.01.1002,Pedungan,2025-12,14210,8400\n",
     {"matched_by_code": 1, "invalid": 1}, [2, 3],
     [(2, "period", "error", 'Period "Desember" cannot be read as a month; write e.g. 2026-01, 01/2026, Jan 2026 '
       'or January 2026. The row is not used.')]),
    ("unknown_name", "f.csv", f"{H}\n,Qwxyzv,100,50\n{GOOD}\n",
     {"matched_by_code": 1, "unmatched": 1}, [2, 3],
     [(2, "name", "error", 'Name "Qwxyzv" matches no official area.')]),
    ("unknown_code_and_name", "f.csv", f"{H}\n51.71.01.1999,Qwxyzv,100,50\n{GOOD}\n",
     {"matched_by_code": 1, "unmatched": 1}, [2, 3],
     [(2, "code", "error", "Code 51.71.01.1999 is not in the official list and its name does not match. ")]),
    ("boolean_cell_in_a_count", "f.xlsx", xlsx([H.split(","), ["51.71.01.1001", "Serangan", True, 50],
                                                ["51.71.01.1002", "Pedungan", 14210, 8400]]),
     {"matched_by_code": 1, "invalid": 1}, [2, 3],
     [(2, "workers", "error", '"True" is not a number.')]),
    ("excel_error_values", "f.xlsx", xlsx([H.split(","), ["51.71.01.1001", "Serangan", "#DIV/0!", "#N/A"],
                                           ["51.71.01.1002", "Pedungan", 14210, 8400]]),
     {"matched_by_code": 1, "invalid": 1}, [2, 3],
     [(2, "workers", "error", '"#DIV/0!" is not a number.')]),  # "#N/A" is a missing-value mark
    # an unquoted "2,000" in a comma CSV splits the row: before issue 7 this row was read as
    # 2 workers and 0 covered, silently
    ("unquoted_thousands_commas", "f.csv", f"{H}\n51.71.01.1001,Serangan,2,000,1,000\n{GOOD}\n",
     {"matched_by_code": 1, "invalid": 1}, [2, 3],
     [(2, None, "error", 'This row has 6 fields where the header has 4 (a separator inside an unquoted '
                         'value? Write thousands as 1.234 or 1234).')]),
]


@pytest.mark.parametrize("name,content,counts,data_rows,expected", [c[1:] for c in ROW_CASES],
                         ids=[c[0] for c in ROW_CASES])
def test_row_problems_exact(capsys, tmp_path, name, content, counts, data_rows, expected):
    status, obj, report = check(capsys, tmp_path, name, content)
    assert status == 0
    assert {c: obj[c] for c in CATEGORIES} == {c: counts.get(c, 0) for c in CATEGORIES}
    assert problems(obj) == expected
    assert obj["level"] == "village" and obj["synthetic"] is False
    conserved(obj, report, data_rows)


def test_extra_cell_in_a_semicolon_file_is_a_warning(capsys, tmp_path):
    """With ";" numbers cannot have split the row: a note beside it is reported, the row is used."""
    status, obj, report = check(capsys, tmp_path, "f.csv", "kode;nama;pekerja;peserta\n"
                                "51.71.01.1001;Serangan;3.120;1.650;cek lagi\n51.71.01.1002;Pedungan;14.210;8.400\n")
    assert (status, obj["matched_by_code"], obj["invalid"]) == (0, 2, 0)
    assert problems(obj) == [(2, None, "warning", 'This row has 5 fields where the header has 4 (a separator '
                                                  'inside an unquoted value? Write thousands as 1.234 or 1234).')]
    conserved(obj, report, [2, 3])


def test_ambiguous_name_lists_every_candidate(capsys, tmp_path, bali):
    status, obj, report = check(capsys, tmp_path, "f.csv", f"{H}\n,Selat,100,50\n{GOOD}\n")
    village = bali.full["village"]
    selat = village[village["name"] == "Selat"].sort_values("code")
    assert len(selat) == 5  # five villages of Bali are called Selat
    assert (status, obj["ambiguous"], obj["matched_by_code"]) == (0, 1, 1)
    candidates = ", ".join(f"{c} Selat" for c in selat["code"])
    assert problems(obj) == [(2, "name", "error", f'Name "Selat" fits more than one area ({candidates}); add the code '
                                                  "or a district/regency column.")]
    assert report[0]["category"] == "ambiguous" and report[0]["candidates"].count("Selat") == 5
    conserved(obj, report, [2, 3])


def test_all_rows_rejected_exits_1_and_keeps_every_row(capsys, tmp_path):
    status, obj, report = check(capsys, tmp_path, "f.csv", f"{H}\n51.71.01.1001,Serangan,x,1\n,JUMLAH,1,1\n")
    assert status == 1 and obj["invalid"] == 2
    conserved(obj, report, [2, 3])


# ---------------------------------------------------------------- numeric extremes (issue 17)

@pytest.mark.parametrize("name,build,expected", [
    ("extremes.csv", extremes.csv_file, extremes.csv_expected),
    ("extremes.xlsx", extremes.xlsx_file, extremes.xlsx_expected),
], ids=["csv", "xlsx"])
def test_numeric_extremes_are_invalid_rows_naming_the_cell(capsys, tmp_path, name, build, expected):
    """Huge, scientific, NaN, inf, negative and fractional counts: one error on their cell each,
    never a traceback; the largest count allowed and the good row are used; no row lost."""
    status, obj, report = check(capsys, tmp_path, name, build())
    assert status == 0
    assert problems(obj) == expected()
    n_bad = len(expected())
    used = 2 if name.endswith(".csv") else 1  # the CSV also holds the largest allowed count
    assert {c: obj[c] for c in CATEGORIES} == {**{c: 0 for c in CATEGORIES}, "invalid": n_bad,
                                               "matched_by_code": used}
    conserved(obj, report, list(range(2, 2 + n_bad + used)))
    assert [r["category"] for r in report] == ["invalid"] * n_bad + ["matched_by_code"] * used


def test_largest_allowed_count_is_read_exactly():
    from geo import figures
    assert figures.parse_count(extremes.CSV_LIMIT[0]) == (extremes.CSV_LIMIT[1], None)
    assert figures.parse_count(figures.COUNT_MAX) == (figures.COUNT_MAX, None)
    assert figures.parse_count(float(figures.COUNT_MAX)) == (figures.COUNT_MAX, None)


@pytest.mark.parametrize("build,suffix", [(extremes.csv_file, ".csv"), (extremes.xlsx_file, ".xlsx")],
                         ids=["csv", "xlsx"])
def test_numeric_extremes_through_the_real_command(tmp_path, build, suffix):
    """As a user runs it, in a new process: the text report, no traceback."""
    path = tmp_path / f"extremes{suffix}"
    path.write_bytes(build())
    p = subprocess.run([sys.executable, "-m", "geo", "check", str(path)], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr + p.stdout and p.stderr == ""
    assert "row 2, workers: error: " in p.stdout and "invalid " in p.stdout


# ---------------------------------------------------------------- codes mangled by spreadsheets

CODE_CASES = [
    ("dots_lost", "f.csv", f"{H}\n5171011001,Serangan,100,50\n", {"matched_by_code": 1}, []),
    ("spaces_for_dots", "f.csv", f"{H}\n51 71 01 1001,Serangan,100,50\n", {"matched_by_code": 1}, []),
    ("scientific_notation", "f.csv", f"{H}\n5.17101E+09,Serangan,100,50\n", {"matched_by_name": 1},
     [(2, "code", "warning", 'Code "5.17101E+09" is not a Kepmendagri code (a trailing zero may have been lost); '
                             "matched by name instead.")]),
    ("text_apostrophe", "f.csv", f"{H}\n'51.71.01.1001,Serangan,100,50\n", {"matched_by_name": 1},
     [(2, "code", "warning", "Code \"'51.71.01.1001\" is not a Kepmendagri code (a trailing zero may have been "
                             "lost); matched by name instead.")]),
    ("trailing_zero_lost_without_name", "f.csv", "kode,pekerja,peserta\n51.1,100,50\n51.03,10,5\n",
     {"matched_by_code": 1, "invalid": 1},
     [(2, "code", "error", 'Code "51.1" is not a Kepmendagri code and there is no name.')]),
    ("trailing_zero_lost_with_name", "f.csv", f"{H}\n51.1,Kota Denpasar,100,50\n51.03,Kabupaten Badung,10,5\n",
     {"matched_by_code": 1, "matched_by_name": 1},
     [(2, "code", "warning", 'Code "51.1" is not a Kepmendagri code (a trailing zero may have been lost); '
                             "matched by name instead.")]),
    ("numeric_cells", "f.xlsx", xlsx([H.split(","), [5171011001, "Serangan", 100, 50],
                                      [5171011002.0, "Pedungan", 1.0, 1]]), {"matched_by_code": 2}, []),
    ("code_turned_into_a_date", "f.xlsx", xlsx([H.split(","), [__import__("datetime").datetime(2001, 1, 5), "Serangan",
                                                                100, 50]]), {"matched_by_name": 1},
     [(2, "code", "warning", 'Code "2001-01-05T00:00:00" is not a Kepmendagri code (a trailing zero may have been '
                             "lost); matched by name instead.")]),
]


@pytest.mark.parametrize("name,content,counts,expected", [c[1:] for c in CODE_CASES],
                         ids=[c[0] for c in CODE_CASES])
def test_codes_mangled_by_spreadsheets(capsys, tmp_path, name, content, counts, expected):
    status, obj, report = check(capsys, tmp_path, name, content)
    assert status == 0
    assert {c: obj[c] for c in CATEGORIES} == {c: counts.get(c, 0) for c in CATEGORIES}
    assert problems(obj) == expected
    conserved(obj, report, list(range(2, 2 + obj["rows"])))


# ---------------------------------------------------------------- separators and encodings


def _rows(*rows: str, sep: str = ",") -> str:
    return "\r\n".join(r.replace(",", sep) for r in (H, *rows)) + "\r\n"


@pytest.mark.parametrize("name,data", [
    ("excel_unicode_text.csv", _rows("51.71.01.1001,Serangan,3.120,1.650", sep="\t").encode("utf-16")),
    ("utf16_le_no_bom.csv", _rows("51.71.01.1001,Serangan,3120,1650", sep=";").encode("utf-16-le")),
    ("pipes.csv", _rows("51.71.01.1001,Serangan,3120,1650", sep="|").encode()),
    ("windows_1252.csv", _rows("51.71.01.1001,Serangan – Café,3.120,1.650", sep=";").encode("cp1252")),
    ("mac_line_ends.csv", _rows("51.71.01.1001,Serangan,3120,1650").replace("\r\n", "\r").encode()),
])
def test_separators_and_encodings_are_detected(capsys, tmp_path, name, data):
    status, obj, report = check(capsys, tmp_path, name, data)
    assert (status, obj["matched_by_code"], obj["problems"]) == (0, 1, [])
    conserved(obj, report, [2])
    from geo import (
        figures,  # and the counts are the ones written, thousands dots included
    )
    raw = figures.read_table(data, name)
    assert raw.cells.iloc[0].tolist()[2:] in (["3120", "1650"], ["3.120", "1.650"])


def test_undecodable_text_exits_2_naming_the_file(capsys, tmp_path):
    # 0x81, 0x8D, 0x8F, 0x90 and 0x9D are undefined in Windows-1252 and invalid UTF-8
    status, obj, _ = check(capsys, tmp_path, "kacau.csv", b"kode,nama\n51.71,\x81\x8d\x8f\x90\x9d\n")
    assert status == 2
    assert obj == {"error": "kacau.csv: The file's text cannot be decoded (not UTF-8, UTF-16 or Windows-1252). "
                            'Save it again as "CSV UTF-8".'}


def test_quote_never_closed_refuses_instead_of_swallowing_the_rest(capsys, tmp_path):
    """A lone quote made every later row one cell of row 2 (rows 3 and 4 vanished) before issue 7."""
    data = f'{H}\n51.71.01.1001,"Serangan,100,50\n51.71.01.1002,Pedungan,100,50\n51.71.01.1003,Sesetan,1,1\n'
    status, obj, _ = check(capsys, tmp_path, "kutip.csv", data)
    assert status == 2
    assert obj == {"error": 'kutip.csv: The CSV is broken near row 2: unexpected end of data. Save it again from '
                            'Excel as "CSV UTF-8".'}


def test_stray_quotes_inside_values_are_read_as_excel_reads_them(capsys, tmp_path):
    data = f'{H}\n51.71.01.1001,"Desa" Serangan,100,50\n51.71.01.1002,Pedungan "Adat",100,50\n'
    status, obj, report = check(capsys, tmp_path, "f.csv", data)
    assert status == 0 and obj["matched_by_code"] == 2
    assert [r["name_in_file"] for r in report] == ["Desa Serangan", 'Pedungan "Adat"']


# ---------------------------------------------------------------- headers


def test_header_below_title_rows_numbers_rows_as_the_spreadsheet(capsys, tmp_path):
    data = ("Laporan Kepesertaan Desember 2025,,,\nKota Denpasar,,,\n,,,\n"
            f"{H}\n{GOOD}\n51.71.01.1001,Serangan,x,1\n")
    status, obj, report = check(capsys, tmp_path, "f.csv", data)
    assert status == 0
    assert problems(obj) == [(6, "workers", "error", '"x" is not a number.')]
    conserved(obj, report, [5, 6])


def test_header_too_far_down_says_which_columns_it_read(capsys, tmp_path):
    data = "catatan\n" * 35 + f"{H}\n{GOOD}\n"  # the header is searched in the first 30 rows
    status, obj, _ = check(capsys, tmp_path, "f.csv", data)
    message = ('No area code or name column. Columns read: catatan, (B), (C), (D). Add a "code" or "name" column, '
               "or set the column mapping.")
    assert status == 1
    assert obj["problems"] == [{"row": 1, "column": "code", "severity": "error", "message": message}]
    assert obj["rows"] == obj["invalid"] == 36  # nothing usable: every row below the header counted invalid


def test_merged_group_header_above_the_real_header(capsys, tmp_path):
    data = xlsx([["Wilayah", None, "Jumlah", None], H.split(","), ["51.71.01.1001", "Serangan", 100, 50]],
                merge=("A1:B1", "C1:D1"))
    status, obj, report = check(capsys, tmp_path, "f.xlsx", data)
    assert (status, obj["matched_by_code"], obj["problems"]) == (0, 1, [])
    conserved(obj, report, [3])  # the header is row 2, the data row 3


def test_two_row_merged_header_is_refused_with_the_columns_read(capsys, tmp_path):
    data = xlsx([["kode", "nama", "Pekerja", None], [None, None, "Total", "Peserta"],
                 ["51.71.01.1001", "Serangan", 100, 50]], merge=("A1:A2", "B1:B2", "C1:D1"))
    status, obj, _ = check(capsys, tmp_path, "f.xlsx", data)
    assert status == 1
    assert obj["problems"] == [{"row": 1, "column": "workers", "severity": "error", "message": (
        'No pair of workers and covered columns (for example "workers" and "covered", or "workers_farmer" and '
        '"covered_farmer"). Columns read: kode, nama, Pekerja, (D).')}]
    assert obj["rows"] == obj["invalid"] == 2


def test_duplicated_header_reads_the_first_column_only(capsys, tmp_path):
    # the second "peserta" (60) would be above workers (55): no problem means it was not read
    status, obj, report = check(capsys, tmp_path, "f.csv", "kode,nama,pekerja,peserta,peserta\n"
                                "51.71.01.1001,Serangan,55,50,60\n")
    assert (status, obj["matched_by_code"], obj["problems"]) == (0, 1, [])
    conserved(obj, report, [2])
    from geo import figures
    raw = figures.read_table(b"kode,nama,pekerja,peserta,peserta\n51.71.01.1001,Serangan,55,50,60\n", "f.csv")
    assert figures.guess_mapping(raw.columns) == {"kode": "code", "nama": "name", "pekerja": "workers",
                                                  "peserta": "covered", "peserta (2)": None}


# ---------------------------------------------------------------- empty files

EMPTY = "The file holds no data rows."


@pytest.mark.parametrize("name,data,row", [
    ("empty.csv", b"", None),
    ("blank_lines.csv", b"  \r\n\t\r\n\r\n", None),
    ("bom_only.csv", b"\xef\xbb\xbf", None),
    ("separators_only.csv", b";;;;\r\n;;;;\r\n", None),
    ("header_only.csv", f"{H}\r\n".encode(), 1),
    ("header_only.xlsx", xlsx([H.split(",")]), 1),
    ("no_cells.xlsx", xlsx([]), None),
])
def test_empty_and_header_only_files_exit_1(capsys, tmp_path, name, data, row):
    status, obj, report = check(capsys, tmp_path, name, data)
    assert status == 1
    assert obj["problems"] == [{"row": row, "column": None, "severity": "error", "message": EMPTY}]
    assert obj["error"] == EMPTY and report == []
    conserved(obj, [], [])


# ---------------------------------------------------------------- files that are not what they say

XLS = ('Old .xls (Excel 97-2003) files are not read. Open it in Excel and save it as "Excel Workbook (.xlsx)" or '
       '"CSV UTF-8".')
OLE = ('This is not a plain .xlsx file: it may be a renamed .xls or password-protected. Open it in Excel, remove the '
       'password and save it as "Excel Workbook (.xlsx)".')


def _zip_of(name: str, data: bytes) -> bytes:
    import zipfile
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize("name,data,message", [
    ("csv_renamed.xlsx", f"{H}\n{GOOD}\n".encode(),
     "The content does not match the extension .xlsx: this is not an Excel workbook. If it is text, save it with "
     "the .csv extension; otherwise save it from Excel as .xlsx."),
    ("xlsx_renamed.csv", builders.good_workbook(),
     "The content does not match the extension .csv: this is an Excel workbook. Rename it to .xlsx, or in Excel use "
     'Save As "CSV UTF-8".'),
    ("old.xls", (FIX / "old.xls").read_bytes(), XLS),
    ("xls_renamed.xlsx", (FIX / "old.xls").read_bytes(), OLE),
    ("xls_renamed.csv", (FIX / "old.xls").read_bytes(),
     'The content does not match the extension .csv: this is an old Excel (.xls) file. Open it in Excel and save it '
     'as "CSV UTF-8" or .xlsx.'),
    ("password.xlsx", builders.encrypted_xlsx(), OLE),
    ("picture.png", builders.png(), "Unknown file type .png. Save the data as CSV (.csv) or Excel (.xlsx)."),
    ("picture_renamed.csv", builders.png(),
     "This file is not text (it holds binary bytes), so it is not a CSV. Save the data as CSV UTF-8 or .xlsx."),
    ("picture_renamed.xlsx", builders.png(),
     "The content does not match the extension .xlsx: this is not an Excel workbook. If it is text, save it with "
     "the .csv extension; otherwise save it from Excel as .xlsx."),
    ("libreoffice.xlsx", builders.ods(),
     'OpenDocument (.ods) files are not read. Save it as "Excel 2007-365 (.xlsx)" or CSV.'),
    ("zipped_csv.xlsx", _zip_of("data.csv", f"{H}\n{GOOD}\n".encode()),
     "This zip file is not an Excel workbook. Save the data as .xlsx or CSV."),
    ("truncated.xlsx", builders.good_workbook()[:3000],
     "The Excel workbook is damaged and cannot be opened. Open it in Excel and save it again as .xlsx."),
    ("no_extension", f"{H}\n{GOOD}\n".encode(),
     "Unknown file type (none). Save the data as CSV (.csv) or Excel (.xlsx)."),
])
def test_unreadable_files_exit_2_with_one_message_naming_the_file(capsys, tmp_path, name, data, message):
    status, obj, report = check(capsys, tmp_path, name, data)
    assert status == 2 and report == []
    assert obj == {"error": f"{name}: {message}"}


def test_encrypted_workbook_is_an_ole_container_not_a_zip():
    """The builder writes what Excel writes for a password: the test above is about the real thing."""
    data = builders.encrypted_xlsx()
    assert data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" and not data.startswith(b"PK")
    assert "EncryptedPackage".encode("utf-16-le") in data and "EncryptionInfo".encode("utf-16-le") in data


def test_file_over_the_size_limit_is_refused_before_it_is_read(capsys, tmp_path):
    """A sparse 4 GiB file: the command stats it and refuses; reading it would take 4 GiB of memory."""
    path = tmp_path / "huge.csv"
    with open(path, "wb") as fh:
        fh.write(f"{H}\n".encode())
        fh.truncate(4 << 30)
    from geo.__main__ import main
    status = main(["check", str(path), "--json"])
    obj = json.loads(capsys.readouterr().out)
    assert status == 2
    assert obj == {"error": "huge.csv: The file is too large (4096.0 MB; the limit is 50 MB). Split the data into "
                            "several files."}


def test_the_real_command_shows_no_traceback(tmp_path):
    """As a user runs it, in a new process: a damaged workbook gives one line on stderr, exit 2."""
    bad = tmp_path / "lying.xlsx"
    bad.write_bytes(builders.lying_sizes(mib=8))
    p = subprocess.run([sys.executable, "-m", "geo", "check", str(bad)], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr == ("error: lying.xlsx: The Excel workbook cannot be read (BadZipFile). Open it in Excel and "
                        "save it again as .xlsx.\n")


# ---------------------------------------------------------------- formula-looking cells in exports

FORMULAS = ['=HYPERLINK("http://evil.example","klik")', "+62 361 123", "-2+3", "@SUM(A1:A9)", "=1+1",
            "\t=cmd|' /C calc'!A0"]


def test_formula_looking_cells_are_neutralised_in_the_join_report_and_rejected_rows(capsys, tmp_path, bali):
    """Names and codes from the file come back in the downloads: none may start a formula."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(H.split(","))
    for i, text in enumerate(FORMULAS):
        w.writerow([f"51.71.01.100{i + 1}", text, 100, 50])  # a name that is not the code's
    w.writerow(["=1+1", "Sanur Kaja", 10, 5])  # a code that is a formula, matched by name
    w.writerow(["@A1", "", 10, 5])  # a formula code without a name: invalid, in the rejected rows
    status, obj, report = check(capsys, tmp_path, "rumus.csv", buf.getvalue())
    assert status == 0 and obj["rows"] == 8
    conserved(obj, report, list(range(2, 10)))
    text = (tmp_path / "report.csv").read_bytes().decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    dangerous = ("=", "+", "-", "@", "\t", "\r")
    assert not [c for c in cells if c.startswith(dangerous)]
    names = [r["name_in_file"] for r in csv.DictReader(io.StringIO(text))]
    assert names[:6] == ["'" + f.strip() for f in FORMULAS]  # the text is kept (trimmed), behind one quote
    # the page's "rejected rows" download: the file's own cells, neutralised the same way
    from geo import figures
    from geo.figures import join
    from geo.outputs import tabular
    raw = figures.read_table(buf.getvalue().encode(), "rumus.csv")
    result = join.join(figures.validate(raw, figures.guess_mapping(raw.columns), ["51"]), bali.full, ["51"])
    rejected = tabular.to_csv_bytes(join.rejected_rows(result, raw.cells, "en"), ["Join report for rumus.csv"])
    rows = list(csv.reader(io.StringIO(rejected.decode("utf-8-sig"))))
    assert rows[0] == ["# Join report for rumus.csv"] and rows[2][:4] == ["row", "category", "messages", "kode"]
    assert rows[3][:2] == ["9", "invalid"] and rows[3][3] == "'@A1" and len(rows) == 4
    assert not [c for r in rows for c in r if c.startswith(dangerous)]


def test_target_list_exports_keep_hostile_list_texts_inert(bali):
    """The saved list's name, author and note and the file's name go into the export's header block."""
    from geo.analysis import targeting
    from geo.figures import demo
    frame = analysis_frames.build_frames(bali.full, demo.demo_figures(bali))["village"]
    header = dict(list_name="=cmd|' /C calc'!A0", author="@SUM(A1)", note="+1\n=HYPERLINK(\"http://x\")")
    args = (frame, ["51.71.01.1001", "51.71.01.1002"], targeting.Settings(),
            Provenance(source='=HYPERLINK("x").csv', synthetic=False), "en")
    ws = openpyxl.load_workbook(io.BytesIO(targetlist.target_list_xlsx(*args, **header))).active
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert cells and all(c.data_type != "f" for c in cells)  # not one formula
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert "Author: @SUM(A1)" in texts and 'Note: +1 =HYPERLINK("http://x")' in texts  # kept as text
    rows = list(csv.reader(io.StringIO(targetlist.target_list_csv(*args, **header).decode("utf-8-sig"))))
    dangerous = ("=", "+", "-", "@", "\t", "\r")
    assert not [c for r in rows for c in r if c.startswith(dangerous)]
    assert ["# Author: @SUM(A1)"] in rows and ['# Source: =HYPERLINK("x").csv'] in rows


def test_template_syntax_in_a_file_name_is_never_evaluated(bali):
    """folium renders maps through Jinja: a file named ``{{ ... }}`` (the source, in every map title)
    must reach the page as text. Evaluated, ``{{ cycler.__init__.__globals__.os ... }}`` would run
    commands on the server; here a harmless product shows whether it was evaluated."""
    from geo.analysis import targeting
    from geo.figures import demo
    from geo.outputs import choropleth, export
    fig = demo.demo_figures(bali)
    frames = analysis_frames.build_frames(bali.full, fig)
    source = "{{ 6 * 7 }}{% if 1 %}ZZ{% endif %}.csv"
    pages = [choropleth.explorer_html(frames["regency"], choropleth.View(), bali, Provenance(source=source, synthetic=False)),
             export.selection_html(bali, targeting.village_table(frames["village"], targeting.Settings()),
                                   ["51.71.01.1001"], [], "en", Provenance(source=source, synthetic=False))]
    for html in pages:
        assert "42" + "ZZ" not in html  # not evaluated
        assert "{{ 6 * 7" not in html and "{% if 1" not in html  # and no template opener left to evaluate
        assert "6 * 7 }}" in html  # the text itself is there (its braces escaped inside JSON)
