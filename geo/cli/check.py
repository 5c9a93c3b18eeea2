"""``python -m geo check FILE``: read, validate and join a figures file as the app does.

Exit 0 when at least one row is usable, 1 when none is (empty file, no usable column, every
row rejected), 2 when the file cannot be read at all (CONTRACT.md, "check").
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geo import boundaries, figures
from geo.boundaries import upstream
from geo.figures import join, pipeline
from geo.outputs import tabular

from . import add_json, add_province, emit, fail, resolve_provinces


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="read, validate and join a figures file (CSV/XLSX) and print the join report")
    p.add_argument("file", help="CSV or XLSX file of figures")
    add_province(p)
    p.add_argument("--sheet", default=None, help="XLSX sheet to read (default: the first)")
    p.add_argument("--period", default=None, metavar="PERIOD",
                   help="the period of a file without a period column (default: the current month)")
    p.add_argument("--report", default=None, metavar="OUT.csv", help="write the per-row join report as CSV")
    add_json(p)
    p.set_defaults(handler=run)


def payload(result: join.JoinResult, lang: str = "en") -> dict:
    """The JSON object of CONTRACT.md: the counts, then every problem in English."""
    problems = [{"row": None if r is None else int(r), "column": c, "severity": s, "message": m}
                for r, c, s, m in join.problems_table(result.problems, lang).astype(object)
                .where(lambda d: d.notna(), None).itertuples(index=False, name=None)]
    periods = list(result.figures.periods) if result.figures is not None else []
    return {**result.summary, "periods": periods, "problems": problems}


def run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    limit = figures.Limits().max_bytes
    try:
        size = path.stat().st_size
        if size > limit:  # refused before reading: a huge file would otherwise be read whole
            too_large = figures.FiguresError("too_large", size_mb=round(size / 2**20, 1),
                                             limit_mb=round(limit / 2**20))
            return fail(args, f"{path.name}: {too_large}", 2)
        data = path.read_bytes()
    except OSError as exc:
        return fail(args, f"cannot read {path}: {exc.strerror or exc}", 2)
    try:
        period = figures.check_period(args.period) if args.period else None
    except ValueError as exc:
        return fail(args, f"--period: {exc}", 2)
    try:
        provinces = resolve_provinces(args)
        bset = boundaries.load(provinces)
    except (upstream.SourceError, ValueError, OSError) as exc:
        return fail(args, f"boundaries: {exc}", 2)
    checked = pipeline.check_file(data, path.name, bset.full, provinces, sheet=args.sheet, period=period)
    if checked.status == pipeline.UNREADABLE:
        return fail(args, f"{path.name}: {checked.error}", 2)
    if checked.result is None:
        return _nothing_usable(args, path.name, checked.raw, checked.error)
    result = checked.result
    if args.report:
        Path(args.report).write_bytes(tabular.to_csv_bytes(join.report_table(result, "en")))
    out = payload(result)
    emit(args, out, _text(path.name, checked.raw, out))
    return 0 if out["matched_by_code"] + out["matched_by_name"] > 0 else 1


def _nothing_usable(args: argparse.Namespace, name: str, raw: figures.RawTable,
                    exc: figures.FiguresError) -> int:
    """A readable file with nothing usable: every row counts as invalid, one message says why."""
    n = int(len(raw.cells))
    row = raw.header_row or None
    out = {"rows": n, "matched_by_code": 0, "matched_by_name": 0, "ambiguous": 0, "unmatched": 0,
           "invalid": n, "level": None, "areas_without_figures": None, "synthetic": False, "periods": [],
           "problems": [{"row": row, "column": exc.params.get("column"), "severity": "error",
                         "message": str(exc)}],
           "error": str(exc)}
    emit(args, out, _text(name, raw, out))
    print(f"error: {name}: {exc}", file=sys.stderr)
    return 1


def _text(name: str, raw: figures.RawTable, out: dict) -> str:
    where = f"sheet {raw.sheet!r}, " if raw.sheet else ""
    enc = f"{raw.encoding}, separator {raw.delimiter!r}, " if raw.kind == "csv" else ""
    header = f"header on row {raw.header_row}" if raw.header_row else "no header"
    lines = [f"{name}: {where}{enc}{header}, level {out['level']}",
             f"  rows {out['rows']}: matched by code {out['matched_by_code']}, by name {out['matched_by_name']}, "
             f"ambiguous {out['ambiguous']}, unmatched {out['unmatched']}, invalid {out['invalid']}",
             f"  official areas without figures: {out['areas_without_figures']}"]
    if out.get("periods"):
        lines.insert(2, f"  periods: {', '.join(out['periods'])}")
    for p in out["problems"]:
        where = f"row {p['row']}" if p["row"] is not None else "file"
        lines.append(f"  {where}, {p['column'] or '-'}: {p['severity']}: {p['message']}")
    return "\n".join(lines)
