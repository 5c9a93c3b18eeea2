"""Users' coverage figures read into the canonical schema and checked cell by cell.

Three steps, each pure: ``geo.figures.reading.read_table`` turns the file's bytes into raw cells;
``geo.figures.columns.guess_mapping`` maps the file's headers to canonical columns (the page lets the
user correct it); :func:`validate` parses every cell and reports every problem with its
spreadsheet row number and canonical column. Joining to the boundaries is ``geo.figures.join``.
Count cells follow CONTRACT.md ("Figures: reading rules"): ``1.234`` is a thousand and
thirty-four, ``12,5`` is refused (people are not fractional).
"""
from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import pandas as pd

from geo.core import codes
from geo.core.schema import COUNT_COLUMNS
from geo.figures.columns import PAIRS
from geo.figures.reading import FiguresError, RawTable, cell_text

TOTAL_NAMES = {"total", "jumlah", "jumlahtotal", "grandtotal", "totalkeseluruhan", "subtotal"}


# ---------------------------------------------------------------- validation

@dataclass
class Validated:
    """Rows in canonical columns with their problems and the file's level.

    ``rows``: one per data row, ``row`` (spreadsheet number), ``status`` (``ok``/``invalid``),
    ``code`` (normalised, or None), ``code_raw``, ``name``, ``regency``, ``district``,
    ``period`` (``YYYY-MM``; every row has one once valid) and the mapped count columns as
    nullable Int64. ``period`` is the latest usable period (the one views show by default);
    ``periods`` all usable ones, oldest first. ``problems``: ``row``,
    ``column`` (canonical), ``severity`` (``error``/``warning``), ``key``, ``params``.
    """

    rows: pd.DataFrame
    problems: pd.DataFrame
    level: str
    period: str | None
    count_columns: list[str]
    source: str = ""
    periods: list[str] | None = None


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
_SCIENTIFIC = re.compile(r"^(?:\d+(?:[.,]\d*)?|[.,]\d+)[eE][+-]?\d+$")
_MISSING_MARKS = {"-", "–", "—", "n/a", "na", "#n/a"}
_NOT_FINITE = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "∞", "+∞", "-∞"}
COUNT_MAX = 1_000_000_000  # CONTRACT.md: a count is a whole number from 0 to 1,000,000,000
_LIMIT_KEYS = {"count_too_large", "scientific", "not_finite"}  # messages that state the range


def parse_count(value, comma_thousands: bool = False) -> tuple[int | None, str | None]:
    """A count cell as (integer, None), (None, None) when empty, or (None, problem key).

    ``1.234`` and ``1.234.567`` are thousands; ``12,5`` is a decimal comma (so a fractional
    count); ``1,234`` is thousands only in a comma-separated CSV (``comma_thousands``), where
    it must have been quoted. ``12,0`` and ``12.00`` are whole numbers. A count is a whole
    number from 0 to :data:`COUNT_MAX` (CONTRACT.md): above it is ``count_too_large``; ``NaN`` and
    ``inf`` are ``not_finite``; scientific notation (``1.2E+04``) is ``scientific``, because
    Excel writes it for numbers it has already rounded. Never raises, whatever the cell.
    """
    if value is None:
        return None, None
    if isinstance(value, bool):
        return None, "not_number"
    if isinstance(value, int):
        if value < 0:
            return None, "negative"
        return (value, None) if value <= COUNT_MAX else (None, "count_too_large")
    if isinstance(value, float):  # an XLSX numeric cell
        if not math.isfinite(value):
            return None, "not_finite"
        if value < 0:
            return None, "negative"
        if not value.is_integer():
            return None, "fractional"
        return (int(value), None) if value <= COUNT_MAX else (None, "count_too_large")
    if not isinstance(value, str):
        return None, "not_number"
    text = re.sub(r"[\s\u00a0\u2009\u202f]", "", value)
    if not text or text.lower() in _MISSING_MARKS:
        return None, None
    if text.lower() in _NOT_FINITE:
        return None, "not_finite"
    negative = text[0] in "-−"
    if text[0] in "+-−":
        text = text[1:]
    whole: int | None = None
    fractional = False
    if _INT.match(text):
        whole = _whole(text)
    elif _THOUSANDS_DOT.match(text):
        whole = _whole(text.replace(".", ""))
    elif _THOUSANDS_COMMA.match(text) and comma_thousands:
        whole = _whole(text.replace(",", ""))
    elif m := (_ID_DECIMAL.match(text) or _EN_DECIMAL.match(text)):
        whole, fractional = _whole(re.sub(r"[.,]", "", m.group(1))), m.group(2).strip("0") != ""
    elif m := _DECIMAL.match(text):
        whole, fractional = _whole(m.group(1) or "0"), m.group(2).strip("0") != ""
    elif _SCIENTIFIC.match(text):
        return None, "negative" if negative else "scientific"
    else:
        return None, "not_number"
    if negative and (whole or fractional):
        return None, "negative"
    if fractional:
        return None, "fractional"
    return (whole, None) if whole <= COUNT_MAX else (None, "count_too_large")


def _whole(digits: str) -> int:
    """The digits as an integer; any number past :data:`COUNT_MAX` as ``COUNT_MAX + 1``.

    Python refuses ``int()`` on more than 4,300 digits (ValueError), and no count needs more
    than ten: a longer number is simply too large.
    """
    significant = digits.lstrip("0")
    return int(significant or "0") if len(significant) <= len(str(COUNT_MAX)) else COUNT_MAX + 1


_MONTHS: dict[str, int] = {}
for _i, _names in enumerate((
        ("januari", "january", "jan"), ("februari", "february", "feb", "pebruari", "peb"),
        ("maret", "march", "mar"), ("april", "apr"), ("mei", "may"), ("juni", "june", "jun"),
        ("juli", "july", "jul"), ("agustus", "august", "agu", "agt", "ags", "aug"),
        ("september", "sep", "sept"), ("oktober", "october", "okt", "oct"), ("november", "nopember", "nov", "nop"),
        ("desember", "december", "des", "dec")), start=1):
    for _n in _names:
        _MONTHS[_n] = _i
_PERIOD_FORMS = (
    (re.compile(r"^(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"), (1, 2, 3)),
    (re.compile(r"^(\d{1,2})[-/.](\d{4})$"), (2, 1, None)),
)
_NAMED_FORMS = (
    re.compile(r"^([a-z]+)\.?[\s,/-]*(\d{4})$"),  # Jan 2026, Januari 2026, Des-2025, Sept. 2025
    re.compile(r"^(\d{4})[\s,/-]*([a-z]+)\.?$"),  # 2026 Januari
)


def parse_period(value) -> str | None:
    """``YYYY-MM`` from every form offices write (CONTRACT.md): ``2026-01``, ``2026/01``,
    ``01/2026``, ``Jan 2026``, ``Januari 2026``, ``Des 2025``, ``Desember 2025``, a spreadsheet
    date cell, ``2026-01-31`` (Indonesian and English month names, full or three letters);
    None if it is not one (``2026-13``, ``2026-02-30``, ``Desember`` without a year)."""
    if isinstance(value, (_dt.datetime, _dt.date)):
        return f"{value.year:04d}-{value.month:02d}"
    if value is None or isinstance(value, (bool, int, float)):
        return None  # a bare number is not a month (an Excel serial would be a guess)
    text = re.sub(r"\s+", " ", str(value)).strip().lower()
    for pattern, (yi, mi, di) in _PERIOD_FORMS:
        m = pattern.match(text)
        if m:
            year, month = int(m.group(yi)), int(m.group(mi))
            if not (1 <= month <= 12 and year >= 1900):
                return None
            if di is not None and m.group(di) is not None:
                try:
                    _dt.date(year, month, int(m.group(di)))
                except ValueError:
                    return None
            return f"{year:04d}-{month:02d}"
    for i, pattern in enumerate(_NAMED_FORMS):
        m = pattern.match(text)
        if m:
            name, year = (m.group(1), m.group(2)) if i == 0 else (m.group(2), m.group(1))
            month = _MONTHS.get(name)
            if month and int(year) >= 1900:
                return f"{int(year):04d}-{month:02d}"
    return None


def current_month(today: _dt.date | None = None) -> str:
    """``YYYY-MM`` of ``today`` (default: today): the latest period a file may hold."""
    today = today or _dt.date.today()
    return f"{today.year:04d}-{today.month:02d}"


def check_period(value: str | None, today: _dt.date | None = None) -> str:
    """A period chosen at upload, checked: ``YYYY-MM`` and not after the current month.

    Raises ValueError with what is wrong (the command line's and the page's message)."""
    period = parse_period(value) if value else None
    if period is None:
        raise ValueError(f"period {value!r} is not a month (write it as YYYY-MM, e.g. 2026-01)")
    if period > current_month(today):
        raise ValueError(f"period {period} lies after the current month ({current_month(today)})")
    return period


def _text(value) -> str | None:
    if value is None:
        return None
    text = cell_text(value).strip()
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
             province_codes: list[str] | tuple[str, ...] | None = None, period: str | None = None,
             today: _dt.date | None = None) -> Validated:
    """Parse and check every row; rows with an error are kept with ``status == "invalid"``.

    Periods (issue 15): a mapped ``period`` column gives each row its period; a cell that is
    not a month, or a month after the current one (``today``'s), makes the row invalid, and so
    does an empty cell when other rows have a period. A file without the column (or with the
    column empty throughout) has ``period``: the one chosen at upload, default the current
    month; ``period`` is checked by :func:`check_period` (ValueError).

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
    chosen_period = check_period(period, today) if period else current_month(today)
    now_month = current_month(today)
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
    missing_period: list[int] = []  # rows with an empty period cell (an error if others have one)
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
            p_raw = None if isinstance(p_raw, str) and not p_raw.strip() else p_raw
            rec["period"] = parse_period(p_raw) if p_raw is not None else None
            if p_raw is not None and rec["period"] is None:
                problem(number, "period", "bad_period", value=_text(p_raw))
            elif rec["period"] is not None and rec["period"] > now_month:
                problem(number, "period", "future_period", value=_text(p_raw), period=rec["period"],
                        current=now_month)
            elif p_raw is None:
                missing_period.append(number)
        any_count = False
        for col in count_cols:
            value, key = parse_count(get.get(col), comma_thousands)
            if key:
                extra = {"limit": COUNT_MAX} if key in _LIMIT_KEYS else {}
                problem(number, col, key, value=_text(get.get(col)), **extra)
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

    given = "period" in source_of and (rows["period"].notna().any() or len(missing_period) < len(rows))
    if given:  # the file's own periods: an empty cell among them is not guessed
        already = {p["row"] for p in problems if p["severity"] == "error"}  # a total row says enough
        for number in missing_period:
            if number not in already:
                problem(number, "period", "missing_period")
    else:  # no period in the file: every row has the one chosen at upload
        rows["period"] = pd.Series([chosen_period] * len(rows), dtype=object, index=rows.index)

    probs = problems_frame(problems)
    bad = set(probs.loc[probs["severity"] == "error", "row"].dropna().astype(int))
    rows.loc[rows["row"].isin(bad), "status"] = "invalid"
    # several periods are read as several periods (no warning: that is what the file says)
    ok_periods = sorted({p for p, st in zip(rows["period"], rows["status"]) if p and st == "ok"})
    all_periods = sorted({p for p in rows["period"] if p and p <= now_month})
    period = (ok_periods or all_periods or [chosen_period])[-1]
    probs = probs.sort_values("row", kind="stable", na_position="first").reset_index(drop=True)
    return Validated(rows=rows, problems=probs, level=level, period=period, count_columns=count_cols,
                     source=raw.filename, periods=ok_periods or [period])


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
