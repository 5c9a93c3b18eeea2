"""Users' coverage figures (CSV/XLSX made by hand) read into the canonical schema.

Three steps, each pure: :func:`read_table` turns the file's bytes into raw cells (text, or
numbers for XLSX numeric cells) with the header row found and blank rows dropped;
:func:`guess_mapping` maps the file's headers to canonical columns (the page lets the user
correct it); :func:`validate` parses every cell and reports every problem with its
spreadsheet row number and canonical column. Joining to the boundaries is ``geo.join``.

Why it is careful: these files are made by hand in Excel with Indonesian locales. pandas
would turn ``51.10`` into ``51.1`` and choke on UTF-16 or Windows-1252, so cells are read as
text by the csv module and openpyxl and only the count columns are parsed, under the rules of
CONTRACT.md ("Figures: reading rules"). An XLSX is a zip: its declared sizes are checked
before parsing (zip bombs), its XML is then streamed once to count what openpyxl would hold in
memory at a time (the cells of a row, the shared strings) and so refuse what would not fit,
and openpyxl parses with defusedxml (entity expansion). A CSV quote that is never closed is
refused (it would swallow every later row into one cell).
Messages are keys with parameters (``fig_msg_<key>`` in geo/strings/figures.json), rendered
by :func:`message` in the user's language; the command line renders them in English.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePath

import pandas as pd

from . import codes, i18n
from .indicators import COUNT_COLUMNS, SEGMENTS

PAIRS: tuple[tuple[str, str], ...] = (("workers", "covered"),) + tuple(
    (f"workers_{s}", f"covered_{s}") for s in SEGMENTS)
TEXT_COLUMNS: tuple[str, ...] = ("code", "name", "regency", "district", "period")
CANONICAL: tuple[str, ...] = TEXT_COLUMNS + COUNT_COLUMNS
HEADER_SCAN_ROWS = 30
TOTAL_NAMES = {"total", "jumlah", "jumlahtotal", "grandtotal", "totalkeseluruhan", "subtotal"}


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
    """A problem's text in ``lang`` (``fig_msg_<key>`` in geo/strings/figures.json)."""
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


# ---------------------------------------------------------------- reading

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


def _open_workbook(data: bytes, data_only: bool):
    import openpyxl
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
        base = _cell_text(value).strip() or f"({_letter(j)})"
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
        mapping = guess_mapping([_cell_text(v) for v in row])
        score = len({v for v in mapping.values() if v})
        if score > best_score:
            best, best_score = i, score
    return best


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    return str(value)


# ---------------------------------------------------------------- column mapping

_SEGMENT_WORDS = {
    "wage": ("penerima_upah", "pu", "upah", "wage", "wage_earners"),
    "farmer": ("petani", "farmer", "farmers", "pekebun"),
    "fisher": ("nelayan", "fisher", "fishers", "fishermen"),
    "trader": ("pedagang", "pedagang_kecil", "trader", "traders"),
    "customary": ("pekerja_adat", "adat", "pekerja_keagamaan", "customary"),
    "other": ("lainnya", "pekerja_lainnya", "bpu_lainnya", "other"),
}
_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("code", "kode", "kode_wilayah", "kode_desa", "kode_kelurahan", "kode_desa_kelurahan",
             "kode_kemendagri", "kode_wil", "area_code", "village_code"),
    "name": ("name", "nama", "nama_wilayah", "nama_desa", "desa", "kelurahan", "desa_kelurahan",
             "nama_kelurahan", "nama_desa_kelurahan", "wilayah", "area", "area_name", "village",
             "village_name"),
    "regency": ("regency", "kabupaten", "kota", "kabupaten_kota", "kab_kota", "kab", "kota_kabupaten",
                "nama_kabupaten", "nama_kabupaten_kota", "kode_kabupaten", "kode_kab", "regency_code",
                "regency_name"),
    "district": ("district", "kecamatan", "kec", "nama_kecamatan", "kode_kecamatan", "kode_kec",
                 "district_code", "district_name"),
    "period": ("period", "periode", "bulan", "bulan_tahun", "month"),
    "workers": ("workers", "pekerja", "jumlah_pekerja", "penduduk_bekerja", "jumlah_penduduk_bekerja",
                "tenaga_kerja", "total_pekerja"),
    "covered": ("covered", "peserta", "peserta_aktif", "terlindungi", "jumlah_peserta",
                "pekerja_terlindungi", "jumlah_peserta_aktif", "total_peserta"),
}
for _s, _words in _SEGMENT_WORDS.items():
    _ALIASES[f"workers_{_s}"] = tuple(_words) + tuple(f"{p}_{w}" for w in _words for p in ("pekerja", "workers"))
    _ALIASES[f"covered_{_s}"] = tuple(f"{w}_peserta" for w in _words) + tuple(
        f"{p}_{w}" for w in _words for p in ("peserta", "covered")) + tuple(f"{w}_terlindungi" for w in _words)
_LOOKUP = {alias: canon for canon, aliases in _ALIASES.items() for alias in aliases}


def header_key(header: str) -> str:
    """A header reduced for matching: lower case, no accents, words joined by ``_``."""
    text = unicodedata.normalize("NFKD", str(header)).encode("ascii", "ignore").decode()
    text = re.sub(r"\(.*?\)", " ", text.lower())
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def guess_mapping(columns: list[str]) -> dict[str, str | None]:
    """The canonical column each source column is read as (None: ignored).

    A canonical column is taken by the first source column that names it; later ones are
    ignored, so no value is read twice.
    """
    out: dict[str, str | None] = {}
    taken: set[str] = set()
    for col in columns:
        canon = _LOOKUP.get(header_key(col))
        if canon in taken:
            canon = None
        if canon:
            taken.add(canon)
        out[col] = canon
    return out


# ---------------------------------------------------------------- validation

@dataclass
class Validated:
    """Rows in canonical columns with their problems and the file's level.

    ``rows``: one per data row, ``row`` (spreadsheet number), ``status`` (``ok``/``invalid``),
    ``code`` (normalised, or None), ``code_raw``, ``name``, ``regency``, ``district``,
    ``period`` and the mapped count columns as nullable Int64. ``problems``: ``row``,
    ``column`` (canonical), ``severity`` (``error``/``warning``), ``key``, ``params``.
    """

    rows: pd.DataFrame
    problems: pd.DataFrame
    level: str
    period: str | None
    count_columns: list[str]
    source: str = ""


PROBLEM_COLUMNS = ["row", "column", "severity", "key", "params"]


def problems_frame(items: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(items, columns=PROBLEM_COLUMNS)
    df["row"] = df["row"].astype("Int64")
    return df


def check_mapping(mapping: dict[str, str | None], header_row: int = 1) -> list[dict]:
    """Problems that make the whole file unusable: no key column, no count pair."""
    chosen = {c for c in mapping.values() if c}
    problems = []
    twice = sorted(c for c, n in Counter(c for c in mapping.values() if c).items() if n > 1)
    for canon in twice:
        cols = ", ".join(col for col, c in mapping.items() if c == canon)
        problems.append(dict(row=header_row, column=canon, severity="error", key="mapped_twice",
                             params={"canonical": canon, "columns": cols}))
    if not chosen & {"code", "name"}:
        problems.append(dict(row=header_row, column="code", severity="error", key="missing_key", params={}))
    if not any(w in chosen and c in chosen for w, c in PAIRS):
        problems.append(dict(row=header_row, column="workers", severity="error", key="missing_pair", params={}))
    return problems


_THOUSANDS_DOT = re.compile(r"^\d{1,3}(?:\.\d{3})+$")
_THOUSANDS_COMMA = re.compile(r"^\d{1,3}(?:,\d{3})+$")
_INT = re.compile(r"^\d+$")
_DECIMAL = re.compile(r"^(\d*)[.,](\d+)$")
_ID_DECIMAL = re.compile(r"^(\d{1,3}(?:\.\d{3})+),(\d+)$")
_EN_DECIMAL = re.compile(r"^(\d{1,3}(?:,\d{3})+)\.(\d+)$")
_SCIENTIFIC = re.compile(r"^\d+(?:[.,]\d+)?[eE][+-]?\d+$")
_MISSING_MARKS = {"-", "–", "—", "n/a", "na", "#n/a"}


def parse_count(value, comma_thousands: bool = False) -> tuple[int | None, str | None]:
    """A count cell as (integer, None), (None, None) when empty, or (None, problem key).

    ``1.234`` and ``1.234.567`` are thousands; ``12,5`` is a decimal comma (so a fractional
    count); ``1,234`` is thousands only in a comma-separated CSV (``comma_thousands``), where
    it must have been quoted. ``12,0`` and ``12.00`` are whole numbers.
    """
    if value is None:
        return None, None
    if isinstance(value, bool):
        return None, "not_number"
    if isinstance(value, int):
        return (value, None) if value >= 0 else (None, "negative")
    if isinstance(value, float):
        if value != value:
            return None, None
        if value < 0:
            return None, "negative"
        return (int(value), None) if value.is_integer() else (None, "fractional")
    if not isinstance(value, str):
        return None, "not_number"
    text = re.sub(r"[\s\u00a0\u2009\u202f]", "", value)
    if not text or text.lower() in _MISSING_MARKS:
        return None, None
    negative = text[0] in "-−"
    if text[0] in "+-−":
        text = text[1:]
    whole: int | None = None
    fractional = False
    if _INT.match(text):
        whole = int(text)
    elif _THOUSANDS_DOT.match(text):
        whole = int(text.replace(".", ""))
    elif _THOUSANDS_COMMA.match(text) and comma_thousands:
        whole = int(text.replace(",", ""))
    elif m := (_ID_DECIMAL.match(text) or _EN_DECIMAL.match(text)):
        whole, fractional = int(re.sub(r"[.,]", "", m.group(1))), int(m.group(2)) != 0
    elif m := _DECIMAL.match(text):
        whole, fractional = int(m.group(1) or 0), int(m.group(2)) != 0
    elif _SCIENTIFIC.match(text):
        number = float(text.replace(",", "."))
        whole, fractional = int(number), not number.is_integer()
    else:
        return None, "not_number"
    if negative and (whole or fractional):
        return None, "negative"
    if fractional:
        return None, "fractional"
    return whole, None


_PERIOD_FORMS = (
    (re.compile(r"^(\d{4})[-/.](\d{1,2})(?:[-/.]\d{1,2})?(?:[T ].*)?$"), (1, 2)),
    (re.compile(r"^(\d{1,2})[-/.](\d{4})$"), (2, 1)),
)


def parse_period(value) -> str | None:
    """``YYYY-MM`` from ``2025-12``, ``2025-12-01``, ``12/2025`` or a date cell; None if not a period."""
    if isinstance(value, (_dt.datetime, _dt.date)):
        return f"{value.year:04d}-{value.month:02d}"
    text = str(value).strip()
    for pattern, (yi, mi) in _PERIOD_FORMS:
        m = pattern.match(text)
        if m and 1 <= int(m.group(mi)) <= 12:
            return f"{int(m.group(yi)):04d}-{int(m.group(mi)):02d}"
    return None


def _text(value) -> str | None:
    if value is None:
        return None
    text = _cell_text(value).strip()
    return text or None


def _code_text(value) -> str | None:
    """A code cell as text; a numeric XLSX cell keeps its digits (``5103012001``, ``51.1``)."""
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    return _text(value)


def compact_name(name: str | None) -> str:
    """A name reduced for comparison (see geo.join): used here only to spot total rows."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "", text)


def validate(raw: RawTable, mapping: dict[str, str | None],
             province_codes: list[str] | tuple[str, ...] | None = None) -> Validated:
    """Parse and check every row; rows with an error are kept with ``status == "invalid"``.

    Raises :class:`FiguresError` (status 1) when the file has no data row or the mapping
    lacks a key column (code or name) or a workers/covered pair.
    """
    fatal = check_mapping(mapping, raw.header_row or 1)
    if raw.cells.empty:
        if raw.kind == "xlsx" and len(raw.sheets) > 1:
            others = ", ".join(s for s in raw.sheets if s != raw.sheet)
            raise FiguresError("empty_sheet", status=1, sheet=raw.sheet, sheets=others)
        raise FiguresError("empty", status=1)
    if fatal:
        raise FiguresError(fatal[0]["key"], status=1, **{"column": fatal[0]["column"],
                           "columns": ", ".join(raw.columns), **fatal[0]["params"]})
    source_of = {canon: col for col, canon in mapping.items() if canon}
    count_cols = [c for c in COUNT_COLUMNS if c in source_of]
    comma_thousands = raw.kind == "csv" and raw.delimiter == ","
    provinces = set(province_codes or [])
    problems: list[dict] = []

    def problem(row, column, key, severity="error", **params):
        problems.append(dict(row=row, column=column, severity=severity, key=key, params=params))

    col_canon = {col: canon for col, canon in mapping.items() if canon}
    # CSV cells beyond the header's last field (and not mapped): the row was split on a separator
    # inside a value (an unquoted "2,000" in a comma file), so its other cells may have shifted;
    # with another separator it is more likely a note beside the row (a warning)
    overflow = [c for c in raw.columns[raw.header_width:] if not mapping.get(c)] \
        if raw.header_width is not None else []
    formula_cells = {(n, col_canon[c]) for n, c in raw.formulas if c in col_canon}
    for n, canon in sorted(formula_cells):
        problem(n, canon, "formula_no_value", severity="error" if canon in COUNT_COLUMNS or canon == "code"
                else "warning")

    records = []
    # to_dict keeps None (iterrows would turn it into NaN)
    for number, cells in zip(raw.cells.index.tolist(), raw.cells.to_dict("records")):
        get = {canon: cells[col] for canon, col in source_of.items()}
        rec: dict = {"row": int(number), "status": "ok"}
        rec["code_raw"] = _code_text(get.get("code"))
        rec["name"] = _text(get.get("name"))
        rec["regency"] = _text(get.get("regency"))
        rec["district"] = _text(get.get("district"))
        code = codes.normalise(rec["code_raw"]) if rec["code_raw"] else None
        if rec["code_raw"] and code is None:
            if rec["name"]:
                problem(number, "code", "code_unreadable", severity="warning", value=rec["code_raw"])
            else:
                problem(number, "code", "code_unreadable_no_name", value=rec["code_raw"])
        elif code is not None and codes.level_of(code) == "province":
            problem(number, "code", "code_province", value=code)
            code = None
        elif code is not None and provinces and codes.province_of(code) not in provinces:
            problem(number, "code", "other_province", value=code, provinces=", ".join(sorted(provinces)))
        if not rec["code_raw"] and not rec["name"]:
            problem(number, "code" if "code" in source_of else "name", "no_key")
        if not rec["code_raw"] and compact_name(rec["name"]) in TOTAL_NAMES:
            problem(number, "name", "total_row", value=rec["name"])
        rec["code"] = code
        if any(cells[c] is not None for c in overflow):  # an error where commas split numbers
            fields = max(j + 1 for j, c in enumerate(raw.columns) if cells[c] is not None)
            severity = "error" if raw.delimiter == "," else "warning"
            problems.append(dict(row=number, column=None, severity=severity, key="extra_fields", params={
                "fields": int(fields), "width": int(raw.header_width)}))
        if "period" in source_of:
            p_raw = get.get("period")
            rec["period"] = parse_period(p_raw) if p_raw is not None else None
            if p_raw is not None and rec["period"] is None:
                problem(number, "period", "bad_period", severity="warning", value=_text(p_raw))
        any_count = False
        for col in count_cols:
            value, key = parse_count(get.get(col), comma_thousands)
            if key:
                problem(number, col, key, value=_text(get.get(col)))
                any_count = True
            rec[col] = value
            any_count = any_count or value is not None
        if not any_count and not any((number, c) in formula_cells for c in count_cols):
            problem(number, count_cols[0], "no_counts")
        for w, c in PAIRS:
            if rec.get(w) is not None and rec.get(c) is not None and rec[c] > rec[w]:
                problem(number, c, "covered_above_workers", covered=rec[c], workers=rec[w])
        for total, part in (("workers", "workers_"), ("covered", "covered_")):
            parts = [rec[c] for c in count_cols if c.startswith(part) and rec.get(c) is not None]
            if rec.get(total) is not None and parts and sum(parts) > rec[total]:
                problem(number, total, f"segments_above_{total}", total=rec[total], segments=sum(parts))
        records.append(rec)

    rows = pd.DataFrame.from_records(records, columns=list(records[0]))
    for col in ("code_raw", "name", "regency", "district", "code", "period"):
        if col in rows:  # text as object with None, never pandas' NaN-backed strings
            rows[col] = pd.Series([v if isinstance(v, str) else None for v in rows[col]], dtype=object,
                                  index=rows.index)
    for col in count_cols:
        rows[col] = pd.array(rows[col].tolist(), dtype="Int64")
    if "period" not in rows:
        rows["period"] = None

    # the file's level: that of most of its usable codes (villages when there are none)
    levels = Counter(codes.level_of(c) for c in rows["code"] if c)
    level = "village"
    if levels:
        top = max(levels.values())
        level = next(lv for lv in reversed(codes.LEVELS) if levels.get(lv) == top)
    for number, code in zip(rows["row"], rows["code"]):
        if code and codes.level_of(code) != level:
            problem(number, "code", "other_level", value=code, level=level, found=codes.level_of(code))

    periods = Counter(p for p in rows["period"] if p)
    period = periods.most_common(1)[0][0] if periods else None
    if len(periods) > 1:
        problem(None, "period", "several_periods", severity="warning", periods=", ".join(sorted(periods)),
                chosen=period)

    probs = problems_frame(problems)
    bad = set(probs.loc[probs["severity"] == "error", "row"].dropna().astype(int))
    rows.loc[rows["row"].isin(bad), "status"] = "invalid"
    probs = probs.sort_values("row", kind="stable", na_position="first").reset_index(drop=True)
    return Validated(rows=rows, problems=probs, level=level, period=period, count_columns=count_cols,
                     source=raw.filename)


def template(layer: pd.DataFrame, district_names: dict[str, str] | None = None,
             regency_names: dict[str, str] | None = None) -> pd.DataFrame:
    """A blank figures file for ``layer``'s areas: codes and names filled in, counts empty.

    The regency and district names help people find their rows; on reading they only
    narrow a name match, so they never override the code.
    """
    out = pd.DataFrame({"code": layer["code"].astype(str).values, "name": layer["name"].values})
    if regency_names and "regency_code" in layer:
        out["regency"] = layer["regency_code"].map(regency_names).values
    if district_names and "district_code" in layer:
        out["district"] = layer["district_code"].map(district_names).values
    out["period"] = None
    for col in COUNT_COLUMNS:
        out[col] = pd.array([pd.NA] * len(out), dtype="Int64")
    return out.sort_values("code", kind="stable").reset_index(drop=True)
