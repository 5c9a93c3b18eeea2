"""``python -m geo progress FILE...|--demo``: coverage per period against the 2026 target.

Each FILE is read, validated and joined as ``check`` does (a file without a period column has
``--period``, default the current month); several files make one history, a period given by
two files is taken from the later one (the earlier is superseded, as in the store). JSON keys
as CONTRACT.md ("progress"); exit 0 when there is something to show, 1 when no row (or no
period in ``--from``/``--to``) is usable, 2 when a file cannot be read or an option is wrong.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from geo.figures.validation import check_period, parse_period

from . import add_json, add_province, emit, fail, prepare_with_boundaries


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("progress", help="coverage per period against the target: pace needed, recent pace, on track")
    p.add_argument("files", nargs="*", metavar="FILE", help="CSV or XLSX files of figures (one or several periods)")
    p.add_argument("--demo", action="store_true", help="use the synthetic demo history (2025-12 to last month)")
    p.add_argument("--saved", action="store_true",
                   help="use the periods saved in the database (the app's history of the provinces)")
    p.add_argument("--database", default=None, help="database URL for --saved (default $GEO_DATABASE_URL or "
                                                    "data/targets.sqlite)")
    add_province(p)
    p.add_argument("--level", default="regency", choices=["regency", "district", "village"],
                   help="the areas listed after the province (default regency)")
    p.add_argument("--from", dest="start", default=None, metavar="PERIOD", help="first period (YYYY-MM)")
    p.add_argument("--to", dest="end", default=None, metavar="PERIOD", help="last period (YYYY-MM)")
    p.add_argument("--target", type=float, default=None, help="target coverage rate in %% (default 73.86)")
    p.add_argument("--period", default=None, metavar="PERIOD",
                   help="the period of files without a period column (default: the current month)")
    p.add_argument("--sheet", default=None, help="XLSX sheet to read (default: the first)")
    add_json(p)
    p.set_defaults(handler=run)


def _options(args: argparse.Namespace) -> dict:
    """The checked options (ValueError with what is wrong: exit 2)."""
    from geo.analysis import progress
    if sum((bool(args.files), bool(args.demo), bool(args.saved))) != 1:
        raise ValueError("give FILE..., --demo or --saved (one of them)")
    out = {}
    for key in ("start", "end"):
        value = getattr(args, key)
        if value is not None:
            period = parse_period(value)
            if period is None:
                raise ValueError(f"--{'from' if key == 'start' else 'to'} {value!r} is not a month (write YYYY-MM)")
            out[key] = period
        else:
            out[key] = None
    if out["start"] and out["end"] and out["start"] > out["end"]:
        raise ValueError(f"--from {out['start']} is after --to {out['end']}")
    target = progress.TARGET if args.target is None else args.target
    if not (0 < target <= 100):
        raise ValueError(f"--target {args.target} must be a percentage above 0 and at most 100")
    out["target"] = float(target)
    out["period"] = check_period(args.period) if args.period else None
    return out


def run(args: argparse.Namespace) -> int:
    got = prepare_with_boundaries(args, lambda: _options(args))
    if isinstance(got, int):
        return got
    opts, provinces, bset = got
    from geo.analysis import progress
    from geo.figures.history import History
    if args.demo:
        from geo.figures import demo_history
        history = demo_history.demo_history(bset)
    elif args.saved:
        from geo.outputs import store
        try:
            db = store.Store(args.database)
        except Exception as exc:  # noqa: BLE001 - one line, no traceback
            return fail(args, f"cannot open the database: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}", 2)
        try:
            history = db.saved_history(provinces)
        except store.StoreError as exc:
            return fail(args, exc.text("en"), 1)
        finally:
            db.dispose()
        if not history.periods:
            return fail(args, f"no saved period for province {','.join(provinces)} in the database", 1)
    else:
        parts = []
        for name in args.files:
            fig, status, message = _load(name, bset, provinces, opts["period"], args.sheet)
            if fig is None:
                return fail(args, message, status)
            parts.append(fig)
        history = History.combine(parts, provinces)
        for p, earlier in history.earlier.items():
            print(f"note: period {p} is in several files; {history.provenance[p].source} is used "
                  f"({', '.join(e.source for e in earlier)} superseded)", file=sys.stderr)
    history = dataclasses.replace(history, provinces=tuple(provinces))
    chosen = history.between(opts["start"], opts["end"])
    if not chosen.periods:
        have = ", ".join(history.periods) or "none"
        return fail(args, f"no period between {opts['start'] or 'the first'} and {opts['end'] or 'the last'} "
                          f"(the figures hold: {have})", 1)
    result = progress.progress(chosen, bset.full, args.level, target=opts["target"],
                               province_names=bset.province_names)
    out = result.to_json()
    emit(args, out, _text(result, history.synthetic))
    return 0


def _load(name: str, bset, provinces: list[str], period: str | None, sheet: str | None):
    """One file's Figures, or (None, status, message) as ``check`` would exit."""
    from geo import figures
    from geo.figures import pipeline
    path = Path(name)
    limit = figures.Limits().max_bytes
    try:
        size = path.stat().st_size
        if size > limit:
            err = figures.FiguresError("too_large", size_mb=round(size / 2**20, 1), limit_mb=round(limit / 2**20))
            return None, 2, f"{path.name}: {err}"
        data = path.read_bytes()
    except OSError as exc:
        return None, 2, f"cannot read {path}: {exc.strerror or exc}"
    checked = pipeline.check_file(data, path.name, bset.full, provinces, sheet=sheet, period=period)
    if checked.error is not None:
        return None, checked.status, f"{path.name}: {checked.error}"
    if checked.figures is None:
        return None, 1, f"{path.name}: no usable row (run 'python -m geo check {path}' for the report)"
    return checked.figures, 0, ""


def _fmt(value, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def _text(result, synthetic: bool) -> str:
    head = (f"Progress, province {','.join(result.provinces)}, level {result.level}, periods "
            f"{result.periods[0]} to {result.periods[-1]} ({len(result.periods)}), target {result.target:.2f} % "
            f"by {result.deadline}" + (" [SYNTHETIC demo figures]" if synthetic else ""))
    lines = [head, f"  {'code':<14} {'name':<28} {'period':<8} {'rate %':>7} {'needed':>7} {'recent':>7} "
                   f"{'on track':>8} {'people/month':>12}"]
    for a in result.areas:
        last = max(a.rates) if a.rates else None
        track = {True: "yes", False: "behind", None: "-"}[a.on_track]
        lines.append(f"  {a.code:<14} {a.name[:28]:<28} {last or '-':<8} "
                     f"{_fmt(a.rates.get(last) if last else None):>7} {_fmt(a.pace_needed_pp_per_month):>7} "
                     f"{_fmt(a.pace_recent_pp_per_month):>7} {track:>8} {_fmt(a.people_per_month_needed, ','):>12}")
    lines.append("  paces in percentage points per month; recent = least-squares slope of the last 3 periods")
    return "\n".join(lines)
