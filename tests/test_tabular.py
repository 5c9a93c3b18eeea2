"""Formula-safe CSV/XLSX exports: hostile text read back with csv and openpyxl."""
from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.outputs import tabular

HOSTILE = [
    "=1+1", "=HYPERLINK(\"http://evil.example\",\"click\")", "+41 22", "-2+3", "@SUM(A1:A9)",
    "\t=1+1", "\r=1+1", "=cmd|' /C calc'!A0", "<script>alert(1)</script>", "Desa \"Adat\", Kuta",
    "line\nbreak", "Ñusa Pénida ☃", "'already quoted", " =leading space", "",
]
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize("value,expected", [
    ("=1+1", "'=1+1"), ("+x", "'+x"), ("-2+3", "'-2+3"), ("@A1", "'@A1"),
    ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("-12", "-12"), ("+3.5", "+3.5"), ("-1,5", "-1,5"), ("-1e-3", "-1e-3"),
    ("Desa Kuta", "Desa Kuta"), ("51.10", "51.10"), ("", ""),
    (-5, -5), (None, None), (1.5, 1.5),
])
def test_safe_text(value, expected):
    assert tabular.safe_text(value) == expected


def _xml_read(text: str) -> str:
    """What an XML parser gives back for ``text``: line ends normalised to LF (XML 1.0, 2.11)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM so Excel picks the encoding"
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))


def _frame() -> pd.DataFrame:
    n = len(HOSTILE)
    return pd.DataFrame({
        "code": ["51.10", "0105", "51.03.01.2001", "5103"] + ["51.71"] * (n - 4),
        "name": HOSTILE,
        "workers": pd.array(list(range(n - 1)) + [None], dtype="Int64"),
        "rate": [0.5] * (n - 1) + [float("nan")],
    })


def test_csv_neutralises_every_formula_and_keeps_codes():
    df = _frame()
    rows = _read_csv(tabular.to_csv_bytes(df, header_lines=["=source.xlsx", "synthetic: no"]))
    assert rows[0] == ["# =source.xlsx"] and rows[1] == ["# synthetic: no"] and rows[2] == []
    assert rows[3] == ["code", "name", "workers", "rate"]
    body = rows[4:]
    assert len(body) == len(df)
    assert [r[0] for r in body[:4]] == ["51.10", "0105", "51.03.01.2001", "5103"]
    for original, row in zip(HOSTILE, body):
        cell = row[1]
        assert not cell.startswith(DANGEROUS), cell
        # nothing but the neutralising quote is added: the text is recoverable
        assert cell == original or cell == "'" + original
    assert body[-1][2] == "" and body[-1][3] == ""  # missing stays empty, never 0
    assert body[0][2] == "0" and body[0][3] == "0.5"


def test_xlsx_has_no_formula_and_keeps_text_exact():
    df = _frame()
    data = tabular.to_xlsx_bytes(df, header_lines=["=source.xlsx", "Dataset"], sheet_name="a/b:c")
    wb = openpyxl.load_workbook(io.BytesIO(data))  # not data_only: formulas would show as "f"
    ws = wb.active
    assert ws.title == "a_b_c"
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0][0] == "=source.xlsx" and rows[1][0] == "Dataset" and rows[2][0] is None
    assert rows[3] == ["code", "name", "workers", "rate"]
    body = rows[4:]
    # XLSX text is typed, so it is kept (no leading quote needed); XML turns CR into LF
    assert [r[1] or "" for r in body] == [_xml_read(v) for v in HOSTILE]
    assert [r[0] for r in body[:4]] == ["51.10", "0105", "51.03.01.2001", "5103"]
    assert body[0][2] == 0 and body[-1][2] is None and body[-1][3] is None


def test_xlsx_code_column_of_numbers_is_written_as_text():
    df = pd.DataFrame({"code": [5103, 51], "regency_code": ["51.10", "51.71"], "n": [1, 2]})
    ws = openpyxl.load_workbook(io.BytesIO(tabular.to_xlsx_bytes(df))).active
    assert [ws.cell(r, 1).value for r in (2, 3)] == ["5103", "51"]
    assert ws.cell(2, 1).data_type == "s" and ws.cell(2, 1).number_format == "@"
    assert ws.cell(2, 3).value == 1 and ws.cell(2, 3).data_type == "n"


def test_xlsx_control_characters_do_not_break_the_file():
    df = pd.DataFrame({"name": ["a\x00b\x07c", "ok"]})
    ws = openpyxl.load_workbook(io.BytesIO(tabular.to_xlsx_bytes(df))).active
    assert ws.cell(2, 1).value == "a\ufffdb\ufffdc"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
                min_size=1, max_size=6))
def test_any_text_round_trips_safely(values):
    df = pd.DataFrame({"name": values})
    body = _read_csv(tabular.to_csv_bytes(df))[1:]
    for original, row in zip(values, body):
        cell = row[0] if row else ""
        assert cell == tabular.safe_text(original)
        if original.startswith(DANGEROUS) and not tabular._NUMBER.match(original):
            assert cell.startswith("'")
    ws = openpyxl.load_workbook(io.BytesIO(tabular.to_xlsx_bytes(df))).active
    for i, original in enumerate(values, start=2):
        cell = ws.cell(i, 1)
        assert cell.data_type != "f"
        assert (cell.value or "") == _xml_read(tabular._xml_safe(original))
