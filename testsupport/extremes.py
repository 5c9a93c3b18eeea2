"""Numeric extremes in count cells (issue 17), shared by the command-line and page suites.

Each case is a count cell as a file may hold it and the English message CONTRACT.md asks
for ("a count is a whole number from 0 to 1,000,000,000"). :func:`csv_file` and
:func:`xlsx_file` put one case per row, each on its own real Denpasar village (Kepmendagri
2025), with one good row last (Penatih Dangin Puri), so the file is usable and every row can
be followed to its category. In the XLSX the numeric cells are written as raw ``<v>`` text,
because openpyxl cannot write ``inf`` or ``NaN`` and Excel writes ``1E+309`` for overflowed
cells only in hand-edited files: exactly what a hostile or broken export holds.
"""
from __future__ import annotations

from xml.sax.saxutils import escape

from testsupport import hostile as builders

RANGE = "a count of people is a whole number from 0 to 1,000,000,000."
SCI = ("is written in scientific notation (E), which Excel uses for numbers it has already rounded. Write the "
       "count as a whole number from 0 to 1,000,000,000 (cell format: Number without decimals).")
VILLAGES = ["51.71.01.1001", "51.71.01.1002", "51.71.01.1003", "51.71.01.1004", "51.71.01.1005", "51.71.01.1006",
            "51.71.01.2007", "51.71.01.2008", "51.71.01.2009", "51.71.01.2010", "51.71.02.1003", "51.71.02.1006",
            "51.71.02.1010", "51.71.02.1014", "51.71.02.2001", "51.71.02.2002"]
GOOD = ("51.71.02.2015", "Penatih Dangin Puri", "14210", "8400")

# (count cell as text, message); in CSV every case is text, so scientific notation is refused
CSV_CASES = [
    ("99999999999999999999", f"Count 99999999999999999999 is above the limit of 1,000,000,000: {RANGE}"),
    ("1e19", f'"1e19" {SCI}'),
    ("1e309", f'"1e309" {SCI}'),
    ("1.5e3", f'"1.5e3" {SCI}'),
    ("-1E+400", "Negative count: -1E+400."),
    ("NaN", f'"NaN" is not a count (not a number, or infinite): {RANGE}'),
    ("inf", f'"inf" is not a count (not a number, or infinite): {RANGE}'),
    ("-Infinity", f'"-Infinity" is not a count (not a number, or infinite): {RANGE}'),
    ("-5", "Negative count: -5."),
    ("1000000001", f"Count 1000000001 is above the limit of 1,000,000,000: {RANGE}"),
    ("1.000.000.001", f"Count 1.000.000.001 is above the limit of 1,000,000,000: {RANGE}"),
    ("9" * 5000, f"Count {'9' * 5000} is above the limit of 1,000,000,000: {RANGE}"),
]
# the largest count allowed is used, not refused
CSV_LIMIT = ("1.000.000.000", 1_000_000_000)

# (raw <v> of a numeric cell, message): what openpyxl makes of it decides the message
XLSX_NUMERIC_CASES = [
    ("inf", f'"inf" is not a count (not a number, or infinite): {RANGE}'),
    ("-INF", f'"-INF" is not a count (not a number, or infinite): {RANGE}'),
    ("NaN", f'"NaN" is not a count (not a number, or infinite): {RANGE}'),
    ("1E+309", f'"inf" is not a count (not a number, or infinite): {RANGE}'),  # a float that overflowed
    ("1E+19", f"Count 10000000000000000000 is above the limit of 1,000,000,000: {RANGE}"),
    ("99999999999999999999", f"Count 99999999999999999999 is above the limit of 1,000,000,000: {RANGE}"),
    ("-5", "Negative count: -5."),
    ("-0.5", "Negative count: -0.5."),
    ("2.5", "A count of people cannot be fractional: 2.5. Write thousands as 1.234 or 1234; a comma is a "
            "decimal mark."),
    ("1000000001", f"Count 1000000001 is above the limit of 1,000,000,000: {RANGE}"),
    ("9" * 5000, f"Count {'9' * 5000} is above the limit of 1,000,000,000: {RANGE}"),  # int() refuses 4,300+ digits
]
# text cells in a workbook follow the CSV rules
XLSX_TEXT_CASES = [
    ("1e19", f'"1e19" {SCI}'),
    ("NaN", f'"NaN" is not a count (not a number, or infinite): {RANGE}'),
    ("-5", "Negative count: -5."),
    ("99999999999999999999", f"Count 99999999999999999999 is above the limit of 1,000,000,000: {RANGE}"),
]


def csv_file() -> bytes:
    """One row per CSV case (the extreme in ``pekerja``), the largest allowed count, a good row."""
    cases = CSV_CASES + [(CSV_LIMIT[0], None)]
    assert len(cases) <= len(VILLAGES)
    lines = ["kode,nama,pekerja,peserta"]
    lines += [f"{code},,{value},0" for code, (value, _) in zip(VILLAGES, cases)]
    lines.append(",".join(GOOD))
    return ("\n".join(lines) + "\n").encode()


def csv_expected() -> list[tuple]:
    """The problems of :func:`csv_file`: (row, column, severity, message); the limit row has none."""
    return [(n, "workers", "error", msg) for n, (_, msg) in enumerate(CSV_CASES, start=2)]


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def xlsx_file() -> bytes:
    """Numeric cases as numeric cells, then text cases as text cells, then a good row (numbers)."""
    rows = ["<row r=\"1\">" + "".join(_inline(f"{c}1", h) for c, h in zip("ABCD", builders.HEADER)) + "</row>"]
    cells = [(v, True) for v, _ in XLSX_NUMERIC_CASES] + [(v, False) for v, _ in XLSX_TEXT_CASES]
    assert len(cells) <= len(VILLAGES)
    for n, (code, (value, numeric)) in enumerate(zip(VILLAGES, cells), start=2):
        count = f'<c r="C{n}"><v>{value}</v></c>' if numeric else _inline(f"C{n}", value)
        rows.append(f'<row r="{n}">{_inline(f"A{n}", code)}{count}<c r="D{n}"><v>0</v></c></row>')
    n = len(cells) + 2
    rows.append(f'<row r="{n}">{_inline(f"A{n}", GOOD[0])}{_inline(f"B{n}", GOOD[1])}'
                f'<c r="C{n}"><v>{GOOD[2]}</v></c><c r="D{n}"><v>{GOOD[3]}</v></c></row>')
    sheet = f'<worksheet {builders.NS.decode()}><sheetData>{"".join(rows)}</sheetData></worksheet>'
    return builders.with_part(builders.good_workbook(), builders.SHEET, sheet.encode())


def xlsx_expected() -> list[tuple]:
    msgs = [m for _, m in XLSX_NUMERIC_CASES] + [m for _, m in XLSX_TEXT_CASES]
    return [(n, "workers", "error", msg) for n, msg in enumerate(msgs, start=2)]
