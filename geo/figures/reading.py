"""Uploaded tables (CSV/XLSX made by hand) read into raw cells, safely.

:func:`read_table` turns a file's bytes into raw cells (text, or numbers for XLSX numeric
cells) with the header row found and blank rows dropped; interpreting them is
``geo.figures``. Why it is careful: these files are made by hand in Excel with Indonesian
locales. pandas would turn ``51.10`` into ``51.1`` and choke on UTF-16 or Windows-1252, so
cells are read as text by the csv module and openpyxl (CONTRACT.md, "Figures: reading
rules"). An XLSX is a zip: its declared sizes are checked before parsing (zip bombs), its XML
is then streamed once to count what openpyxl would hold in memory at a time (the cells of a
row, the shared strings) and so refuse what would not fit, and openpyxl parses with defusedxml
(entity expansion). A CSV quote that is never closed is refused (it would swallow every later
row into one cell). Messages are keys with parameters (``fig_msg_<key>`` in
geo/core/strings/figures.json), rendered by :func:`message` in the user's language.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePath

import pandas as pd

from geo.core import i18n
from geo.figures.columns import guess_mapping

HEADER_SCAN_ROWS = 30


class FiguresError(Exception):
    """A fatal problem: the file cannot be used at all.

    ``status`` follows the command line's exit codes: 2 when the file could not be read
    (not CSV/XLSX, undecodable, over a limit), 1 when it was read but nothing is usable
    (empty, no usable column).
    """

    def __init__(self, key: str, status: int = 2, **params: object):
        self.key, self.status, self.params = key, status, params
        super().__init__(message(key, params, "en"))

    def text(self, lang: str = i18n.DEFAULT_LANG) -> str:
        return message(self.key, self.params, lang)


def message(key: str, params: dict | None, lang: str = i18n.DEFAULT_LANG) -> str:
    """A problem's text in ``lang`` (``fig_msg_<key>`` in geo/core/strings/figures.json)."""
    def show(v):
        if v is None:
            return ""
        if isinstance(v, int) and not isinstance(v, bool):
            return i18n.fmt_num(v, lang)  # counts: 12.345 / 12,345
        return v
    return i18n.t(f"fig_msg_{key}", lang, **{k: show(v) for k, v in (params or {}).items()})


@dataclass(frozen=True)
class Limits:
    """What a file may hold before it is refused (CONTRACT.md: 50 MB, 200,000 rows, 200 columns)."""

    max_bytes: int = 50 * 1024 * 1024
    max_rows: int = 200_000
    max_columns: int = 200
    # XLSX: the zip directory's declared sizes, checked before any XML is parsed.
    max_uncompressed_bytes: int = 256 * 1024 * 1024
    max_compression_ratio: float = 200.0  # per member larger than 1 MiB
    max_zip_members: int = 10_000
    # XLSX parts openpyxl holds whole in memory, counted in the XML before it parses them: the
    # shared strings (all loaded at once) and the cells of one row (a row is one XML element)
    max_shared_strings: int = 1_000_000
    max_cells_per_row: int = 16_384  # Excel's own column limit


@dataclass
class RawTable:
    """The file's cells after reading, before any interpretation.

    ``cells`` has one column per header (as written in the file, made unique) and one row
    per non-blank data row, indexed by the spreadsheet row number (1-based, header and title
    rows counted). Cells are str, or int/float/datetime/bool for XLSX typed cells, or None.
    """

    filename: str
    kind: str  # "csv" | "xlsx"
    columns: list[str]
    cells: pd.DataFrame
    header_row: int
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    formulas: list[tuple[int, str]] = field(default_factory=list)  # (row, column) without a cached value
    header_width: int | None = None  # CSV: fields in the header row; a row with more was split wrongly


_XLSX_EXT = {".xlsx", ".xlsm"}
_CSV_EXT = {".csv", ".txt"}
_REFUSED_EXT = {".xls": "xls", ".ods": "ods", ".numbers": "numbers", ".xlsb": "xlsb"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_SCAN_TAG = re.compile(rb"<(?:\w+:)?(row|c|f|si)[\s>/]")
EXCEL_MAX_ROWS = 1_048_576


def read_table(data: bytes, filename: str, sheet: str | None = None, limits: Limits = Limits()) -> RawTable:
    """Read a CSV or XLSX file into raw cells; raise :class:`FiguresError` when it cannot be read."""
    if len(data) > limits.max_bytes:
        raise FiguresError("too_large", size_mb=round(len(data) / 1024 / 1024, 1),
                           limit_mb=round(limits.max_bytes / 1024 / 1024))
    ext = PurePath(filename or "").suffix.lower()
    if ext in _REFUSED_EXT:
        raise FiguresError(f"format_{_REFUSED_EXT[ext]}")
    if ext in _XLSX_EXT:
        if data.startswith(_OLE_MAGIC):
            raise FiguresError("xlsx_is_ole")  # password-protected or an .xls renamed
        if not data.startswith(_ZIP_MAGIC):
            raise FiguresError("xlsx_not_zip", ext=ext)
        return _read_xlsx(data, filename, sheet, limits)
    if ext in _CSV_EXT:
        if data.startswith(_ZIP_MAGIC):
            raise FiguresError("csv_is_zip", ext=ext)
        if data.startswith(_OLE_MAGIC):
            raise FiguresError("csv_is_ole", ext=ext)
        return _read_csv(data, filename, limits)
    raise FiguresError("format_unknown", ext=ext or "(none)")


def _decode(data: bytes) -> tuple[str, str]:
    """Text and encoding: BOMs first, UTF-16 without BOM by its zero bytes, then UTF-8, then cp1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        head = data[:4000]
        zeros_even, zeros_odd = head[0::2].count(0), head[1::2].count(0)
        if len(head) >= 4 and zeros_odd > len(head) / 4 and zeros_even == 0:
            candidates = ["utf-16-le"]
        elif len(head) >= 4 and zeros_even > len(head) / 4 and zeros_odd == 0:
            candidates = ["utf-16-be"]
        else:
            candidates = ["utf-8", "cp1252"]
    for enc in candidates:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            raise FiguresError("binary")
        return text, enc
    raise FiguresError("undecodable")


def _sniff_delimiter(text: str) -> str:
    """The separator that splits the first lines most consistently into most fields."""
    # the first lines only: splitting a 50 MB text into lines would cost far more than the read
    lines = [ln for ln in text[:1 << 20].splitlines()[:60] if ln.strip()][:40]
    best, best_score = ",", (-1, -1)
    for delim in (",", ";", "\t", "|"):
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=delim)]
        except csv.Error:
            continue
        if not counts:
            continue
        mode, freq = Counter(counts).most_common(1)[0]
        score = (freq if mode > 1 else 0, mode)
        if score > best_score:
            best, best_score = delim, score
    return best


def _read_csv(data: bytes, filename: str, limits: Limits) -> RawTable:
    text, encoding = _decode(data)
    # Excel's "sep=;" first line names the separator; Excel hides that line, so rows count after it
    hint = re.match(r"sep=(.)\r?\n", text[:8])
    if hint:
        text = text[hint.end():]
    delimiter = hint.group(1) if hint else _sniff_delimiter(text)
    try:
        records = _csv_records(text, delimiter, limits, strict=True)
    except csv.Error as exc:
        if str(exc) == "unexpected end of data":  # a quote opened and never closed: the rest of the
            raise FiguresError("csv_broken", row=_open_quote_row(text, delimiter),  # file would be one cell
                               error=str(exc)) from None
        try:  # other stray quotes are read as Excel reads them
            records = _csv_records(text, delimiter, limits, strict=False)
        except csv.Error as exc2:
            raise FiguresError("csv_broken", row=getattr(exc2, "row", "?"), error=str(exc2)) from None
    table = _assemble(records, filename, "csv", limits)
    table.encoding, table.delimiter = encoding, delimiter
    header = next((r for n, r in records if n == table.header_row), [])
    table.header_width = max((j + 1 for j, v in enumerate(header) if v is not None), default=0)
    return table


def _lines(text: str):
    """The text's lines with their ends, one at a time (a StringIO copy would take 4 bytes a character)."""
    for m in _LINE.finditer(text):
        yield m.group()


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _csv_records(text: str, delimiter: str, limits: Limits, strict: bool) -> list[tuple[int, list]]:
    records: list[tuple[int, list]] = []
    reader = csv.reader(_lines(text), delimiter=delimiter, strict=strict)
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            if len(records) > limits.max_rows + HEADER_SCAN_ROWS:
                raise FiguresError("too_many_rows", limit=limits.max_rows)
            if any(c.strip() for c in record):
                records.append((number, [c if c.strip() else None for c in record]))
    except csv.Error as exc:
        exc.row = number + 1
        raise
    return records


def _open_quote_row(text: str, delimiter: str) -> int:
    """The row whose quote is never closed (the record the lenient reader ends on)."""
    number = 0
    for number, _ in enumerate(csv.reader(_lines(text), delimiter=delimiter), start=1):
        pass
    return number


def xlsx_sheets(data: bytes, limits: Limits = Limits()) -> list[str]:
    """The sheet names of a workbook (after the same safety checks as reading)."""
    _check_zip(data, limits)
    wb = _open_workbook(data, data_only=True)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _check_zip(data: bytes, limits: Limits) -> tuple[zipfile.ZipFile, set[str]]:
    """Refuse zip bombs and non-workbooks before openpyxl parses any XML.

    First from the zip directory's declared sizes, then by streaming every XML part (see
    :func:`_scan_part`). Returns the zip and the worksheets that hold formulas.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FiguresError("xlsx_broken") from None
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        if "mimetype" in names or "content.xml" in names:
            raise FiguresError("format_ods")
        raise FiguresError("xlsx_not_workbook")
    if len(infos) > limits.max_zip_members:
        raise FiguresError("xlsx_bomb", size_mb="?", limit_mb=round(limits.max_uncompressed_bytes / 2**20))
    total = sum(i.file_size for i in infos)
    ratio_bad = any(i.file_size > 2**20 and i.file_size > limits.max_compression_ratio * max(i.compress_size, 1)
                    for i in infos)
    if total > limits.max_uncompressed_bytes or ratio_bad:
        raise FiguresError("xlsx_bomb", size_mb=round(total / 2**20),
                           limit_mb=round(limits.max_uncompressed_bytes / 2**20))
    try:
        formula_sheets = {i.filename for i in infos if _scan_part(zf, i, limits)}
    except FiguresError:
        raise
    except Exception as exc:  # noqa: BLE001 - sizes that lie (bad CRC), damaged deflate streams
        raise FiguresError("xlsx_broken_detail", error=type(exc).__name__) from None
    return zf, formula_sheets


def _scan_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> bool:
    """Stream one XML part in chunks (bounded memory) before openpyxl parses it.

    Refuses a row with more cells than Excel allows, rows past Excel's last and more shared
    strings than the limit: openpyxl builds a whole row, and every shared string, in memory.
    Returns whether a worksheet holds a formula element.
    """
    if not info.filename.endswith(".xml"):
        return False
    sheet = info.filename.startswith("xl/worksheets/")
    formula, cells, rows, strings, carry = False, 0, 0, 0, b""
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(1 << 20)
            buf = carry + chunk
            cut = buf.rfind(b"<") if chunk else len(buf)  # a tag may go on in the next chunk
            if cut <= 0:
                cut = len(buf)
            for tag in _SCAN_TAG.findall(buf, 0, cut):
                if tag == b"c":
                    cells += 1
                    if cells > limits.max_cells_per_row:
                        raise FiguresError("too_many_columns", columns=cells, limit=limits.max_columns)
                elif tag == b"row":
                    cells, rows = 0, rows + 1
                    if rows > EXCEL_MAX_ROWS:
                        raise FiguresError("too_many_rows", limit=limits.max_rows)
                elif tag == b"si":
                    strings += 1
                else:
                    formula = formula or sheet
            if strings > limits.max_shared_strings:
                raise FiguresError("xlsx_too_many_strings", limit=limits.max_shared_strings)
            carry = buf[cut:]
            if not chunk:
                return formula


def _lenient_numbers() -> None:
    """Make openpyxl keep a numeric cell it cannot parse (``<v>inf</v>``, ``<v>NaN</v>``) as text.

    openpyxl casts a numeric cell with ``int()`` or ``float()`` and raises on anything else,
    which would refuse the whole workbook for one bad cell; kept as text, the cell follows
    the text rules and becomes a problem on its row and column (CONTRACT.md). Values openpyxl
    can parse are cast exactly as before. Installed once, at the first workbook opened.
    """
    from openpyxl.worksheet import _reader
    cast = _reader._cast_number
    if getattr(cast, "geo_lenient", False):
        return

    def lenient(value: str):
        try:
            return cast(value)
        except (ValueError, OverflowError):
            return value

    lenient.geo_lenient = True
    _reader._cast_number = lenient


def _open_workbook(data: bytes, data_only: bool):
    import openpyxl
    _lenient_numbers()
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except FiguresError:
        raise
    except Exception as exc:  # openpyxl raises many types on damaged files
        raise _xlsx_error(exc) from None


def _xlsx_error(exc: Exception) -> FiguresError:
    """The reason openpyxl gave up; defusedxml's refusals (DTD entities) are named as such."""
    cause = exc
    while cause is not None:
        if type(cause).__module__.startswith("defusedxml"):
            return FiguresError("xlsx_entities", error=type(cause).__name__)
        cause = cause.__cause__ or cause.__context__
    return FiguresError("xlsx_broken_detail", error=type(exc).__name__)


def _read_xlsx(data: bytes, filename: str, sheet: str | None, limits: Limits) -> RawTable:
    _, formula_sheets = _check_zip(data, limits)
    has_formulas = bool(formula_sheets)
    wb = _open_workbook(data, data_only=True)
    try:
        sheets = list(wb.sheetnames)
        if not sheets:
            raise FiguresError("xlsx_no_sheet")
        name = sheet if sheet is not None else sheets[0]
        if name not in sheets:
            raise FiguresError("xlsx_sheet_missing", sheet=name, sheets=", ".join(sheets))
        records = _sheet_records(wb[name], limits)
    except FiguresError:
        raise
    except Exception as exc:
        raise _xlsx_error(exc) from None
    finally:
        wb.close()
    formulas: list[tuple[int, int]] = []
    if has_formulas:
        wb_f = _open_workbook(data, data_only=False)
        try:
            cached = {number: row for number, row in records}
            for number, row in enumerate(wb_f[name].iter_rows(values_only=True), start=1):
                if number > limits.max_rows + 10 * HEADER_SCAN_ROWS:
                    break
                for j, value in enumerate(row):
                    if isinstance(value, str) and value.startswith("="):
                        got = cached.get(number)
                        if got is None or j >= len(got) or got[j] is None:
                            formulas.append((number, j))
        finally:
            wb_f.close()
        # a row that was blank only because its formulas had no values is still a row
        present = {n for n, _ in records}
        extra = sorted({n for n, _ in formulas if n not in present})
        if extra:
            width = max((len(r) for _, r in records), default=0)
            records = sorted(records + [(n, [None] * width) for n in extra])
    table = _assemble(records, filename, "xlsx", limits)
    table.sheet, table.sheets = name, sheets
    letters = {j: col for j, col in enumerate(table.columns)}
    table.formulas = [(n, letters.get(j, _letter(j))) for n, j in formulas if n > table.header_row]
    return table


def _sheet_records(ws, limits: Limits) -> list[tuple[int, list]]:
    records = []
    for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if number > EXCEL_MAX_ROWS:  # a row numbered past Excel's last: openpyxl would fill the gap
            raise FiguresError("too_many_rows", limit=limits.max_rows)
        cells = [_xlsx_cell(v) for v in row]
        if any(c is not None for c in cells):
            records.append((number, cells))
            if len(records) > limits.max_rows + HEADER_SCAN_ROWS:
                raise FiguresError("too_many_rows", limit=limits.max_rows)
    return records


def _xlsx_cell(value):
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, _dt.time):
        return value.isoformat()
    return value


def _letter(j: int) -> str:
    out, j = "", j + 1
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


def _assemble(records: list[tuple[int, list]], filename: str, kind: str, limits: Limits) -> RawTable:
    """Find the header row, name and trim the columns, apply the limits."""
    if not records:
        return RawTable(filename, kind, [], pd.DataFrame(index=pd.Index([], name="row", dtype="int64")), 0)
    width = max(len(r) for _, r in records)
    for _, r in records:
        r.extend([None] * (width - len(r)))
    # trailing columns that are empty everywhere are not columns
    while width and all(r[width - 1] is None for _, r in records):
        width -= 1
        for _, r in records:
            r.pop()
    if width > limits.max_columns:
        raise FiguresError("too_many_columns", columns=width, limit=limits.max_columns)
    h = _header_index(records)
    header_row, header = records[h]
    columns, seen = [], Counter()
    for j, value in enumerate(header):
        base = cell_text(value).strip() or f"({_letter(j)})"
        seen[base] += 1
        columns.append(base if seen[base] == 1 else f"{base} ({seen[base]})")
    body = records[h + 1:]
    if len(body) > limits.max_rows:
        raise FiguresError("too_many_rows", limit=limits.max_rows)
    cells = pd.DataFrame([r for _, r in body], columns=columns, dtype=object,
                         index=pd.Index([n for n, _ in body], name="row", dtype="int64"))
    if not body:
        cells = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns},
                             index=pd.Index([], name="row", dtype="int64"))
    return RawTable(filename, kind, columns, cells, header_row)


def _header_index(records: list[tuple[int, list]]) -> int:
    """The row among the first ones whose cells name the most canonical columns."""
    best, best_score = 0, 0
    for i, (_, row) in enumerate(records[:HEADER_SCAN_ROWS]):
        mapping = guess_mapping([cell_text(v) for v in row])
        score = len({v for v in mapping.values() if v})
        if score > best_score:
            best, best_score = i, score
    return best


def cell_text(value) -> str:
    """A raw cell as text (whole floats without ".0", dates in ISO form)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    return str(value)
