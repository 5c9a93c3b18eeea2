"""Formula-safe CSV and XLSX bytes from a DataFrame (exports, templates, join reports).

Why: exported cells often hold text that came from an upload (names, codes, messages). A
spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
(CSV injection), and openpyxl stores any string starting with ``=`` as a live formula. CSV
cells are therefore neutralised with a leading ``'`` (CONTRACT.md, "Other decisions"); XLSX
text cells are typed as strings, so their text stays exactly what it was.

Codes stay text: the CSV writes them as the exact strings of the frame (never through a
float), and the XLSX writes them as string cells with the text number format, so ``51.10``
never becomes ``51.1``. (Excel opening a CSV directly may still reinterpret ``51.10``; the
XLSX is the Excel-safe form.)
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
import math
import re
from typing import Iterable

import numpy as np
import pandas as pd

_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
# A plain number, possibly signed: "-12", "+3.5", "-1,5", "1e-3". Such cells are left alone
# because a spreadsheet reads them as the number they are, not as a formula.
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:[.,]\d+)*|[.,]\d+)(?:[eE][+-]?\d+)?$")
# Characters XML 1.0 cannot hold (openpyxl raises IllegalCharacterError on them).
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
CODE_COLUMNS = re.compile(r"^(code|.*_code|kode.*)$", re.IGNORECASE)


def safe_text(value):
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula.

    Only strings change, and only when they start with ``=``, ``+``, ``-``, ``@``, tab or
    carriage return and are not a plain number (``-12`` stays ``-12``).
    """
    if not isinstance(value, str) or not value.startswith(_DANGEROUS_START):
        return value
    if _NUMBER.match(value):
        return value
    return "'" + value


def _is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, np.floating) and bool(np.isnan(value))


def _plain(value):
    """A Python scalar for a cell: numpy types unwrapped, missing values as None."""
    if _is_missing(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    return value


def _csv_cell(value) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    if isinstance(value, (int,)):
        return str(value)
    return safe_text(str(value))


def _header_rows(header_lines: Iterable[str] | None) -> list[str]:
    """Header block lines as comment-like rows (``# ...``), so readers can tell them apart."""
    out = []
    for line in header_lines or []:
        text = str(line)
        out.append(text if text.startswith("#") else "# " + text)
    return out


def to_csv_bytes(df: pd.DataFrame, header_lines: list[str] | None = None,
                 keys: list[str] | None = None) -> bytes:
    """The frame as UTF-8 CSV with a BOM (so Excel detects the encoding), formula-safe.

    ``header_lines`` (for example the dataset, its source and "synthetic") come first, one
    per row as ``# ...``, followed by an empty row, then the table. With ``keys`` (the
    machine names of the columns, when the frame's headings are for people), the row right
    under the headings holds them, for scripts (:func:`read_keyed_csv`).
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    block = _header_rows(header_lines)
    for line in block:
        writer.writerow([safe_text(line)])
    if block:
        writer.writerow([])
    writer.writerow([_csv_cell(str(c)) for c in df.columns])
    if keys is not None:
        if len(keys) != len(df.columns):
            raise ValueError(f"{len(keys)} keys for {len(df.columns)} columns")
        writer.writerow([_csv_cell(str(k)) for k in keys])
    for row in df.itertuples(index=False, name=None):
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def read_keyed_csv(data: bytes, first_key: str = "code") -> pd.DataFrame:
    """A CSV written with ``keys`` read back by its key row (the first row whose first cell is
    ``first_key``), every cell as text: how a script reads an export whatever its language."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    at = next(i for i, r in enumerate(rows) if r and r[0] == first_key)
    return pd.DataFrame(rows[at + 1:], columns=rows[at], dtype=object)


def _xml_safe(text: str) -> str:
    return _ILLEGAL_XML.sub("\ufffd", text)


def _sheet_title(name: str) -> str:
    title = _SHEET_BAD.sub("_", str(name or "data"))[:31].strip("'") or "data"
    return title


def to_xlsx_bytes(df: pd.DataFrame, header_lines: list[str] | None = None,
                  sheet_name: str = "data", text_columns: Iterable[str] | None = None,
                  machine: pd.DataFrame | None = None, machine_sheet: str = "data") -> bytes:
    """The frame as an XLSX workbook where no cell can be a formula.

    Every text cell is typed ``s`` (string), so ``=1+1`` stays the text ``=1+1``. Code
    columns (``code``, ``*_code``, ``kode*``, plus ``text_columns``) are written as text with
    the ``@`` number format, whatever their dtype. ``header_lines`` go above the table, one
    per row, followed by an empty row. ``machine`` (the same table with machine column names
    and category codes, for scripts) goes on a second sheet ``machine_sheet``, headings in
    row 1.
    """
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_title(sheet_name)
    if machine is not None:
        keys_ws = wb.create_sheet(_sheet_title(machine_sheet))
        _write_table(keys_ws, machine, 1, {c for c in machine.columns if CODE_COLUMNS.match(str(c))}
                     | set(text_columns or ()))
    as_text = {c for c in df.columns if CODE_COLUMNS.match(str(c))} | set(text_columns or ())
    if machine is not None:  # the people's sheet: the machine sheet's code columns stay text too
        as_text |= {h for h, k in zip(df.columns, machine.columns) if k in as_text or CODE_COLUMNS.match(str(k))}
    r = 1
    block = [str(line) for line in header_lines or []]
    for line in block:
        _put(ws, r, 1, line)
        r += 1
    if block:
        r += 1
    _write_table(ws, df, r, as_text)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _write_table(ws, df: pd.DataFrame, r: int, as_text: set) -> None:
    """Headings (bold) in row ``r``, the rows under them, panes frozen under the headings."""
    from openpyxl.styles import Font
    bold = Font(bold=True)
    for j, col in enumerate(df.columns, start=1):
        _put(ws, r, j, str(col)).font = bold
    header_row = r
    for row in df.itertuples(index=False, name=None):
        r += 1
        for j, (col, value) in enumerate(zip(df.columns, row), start=1):
            _put(ws, r, j, value, force_text=col in as_text)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)


def _put(ws, r: int, c: int, value, force_text: bool = False):
    """One cell: text typed as string (never a formula), codes as text, missing left empty."""
    value = _plain(value)
    cell = ws.cell(row=r, column=c)
    if value is None:
        return cell
    if force_text and not isinstance(value, str):
        value = str(value)
    if isinstance(value, str):
        cell.value = _xml_safe(value)
        cell.data_type = "s"  # never "f": the text is kept as typed
        if force_text:
            cell.number_format = "@"
    elif isinstance(value, (bool, int, float, _dt.date, _dt.datetime)):
        if isinstance(value, float) and math.isinf(value):
            cell.value = str(value)
            cell.data_type = "s"
        else:
            cell.value = value
    else:
        cell.value = _xml_safe(str(value))
        cell.data_type = "s"
    return cell
