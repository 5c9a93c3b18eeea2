"""``python -m geo brief FILE|--demo (--list NAME | --villages CODES) --pdf OUT``: a target
list's one-page A4 brief (the map view's brief is ``python -m geo snapshot ... --pdf OUT``).

A saved list (``--list``, from the same database as the app) brings its villages, settings
and author; ``--villages`` takes codes and the settings from the options. Exit 0 when the PDF
was written, 1 when the figures have no usable row, the list does not exist or the file
cannot be written, 2 on a usage error or an unreadable FILE.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from geo.core import i18n, schema

from . import add_figures_source, add_json, emit, fail, load_figures, prepare_with_boundaries


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("brief", help="a target list's one-page A4 PDF brief")
    add_figures_source(p)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--list", default=None, metavar="NAME", help="a saved target list")
    which.add_argument("--villages", default=None, metavar="CODES",
                       help="village codes, comma-separated (51.03.01.2001 or 5103012001)")
    p.add_argument("--version", type=int, default=None, help="the saved list's version (default: latest)")
    p.add_argument("--database", default=None, help="database URL (default $GEO_DATABASE_URL or data/targets.sqlite)")
    p.add_argument("--segments", default=",".join(schema.NON_WAGE),
                   help=f"segments to enrol, comma-separated (default {','.join(schema.NON_WAGE)})")
    p.add_argument("--premium", type=float, default=None, help="premium per worker per month in Rp (default 16800)")
    p.add_argument("--months", type=int, default=None, help="months budgeted (default 12)")
    p.add_argument("--uptake", type=float, default=None, help="expected uptake in %% (default 100)")
    p.add_argument("--target", type=float, default=None, help="coverage target in %% (default 73.86)")
    p.add_argument("--name", default=None, help="the list's name on the brief (with --villages)")
    p.add_argument("--lang", choices=i18n.LANGS, default=i18n.DEFAULT_LANG)
    p.add_argument("--pdf", required=True, metavar="OUT.pdf")
    add_json(p)
    p.set_defaults(handler=run)


def _settings(args: argparse.Namespace, saved: dict | None):
    from geo.analysis.targeting import Settings
    base = Settings.from_dict(saved) if saved else Settings(tuple(s.strip() for s in args.segments.split(",") if s.strip()))
    over = {k: v for k, v in (("premium_monthly", args.premium), ("months", args.months),
                              ("uptake", args.uptake), ("target", args.target)) if v is not None}
    return Settings(**{**base.to_dict(), "segments": base.segments, **over}).checked()


def run(args: argparse.Namespace) -> int:
    from geo.core import codes

    def options():
        if args.villages is None:
            return None
        got = [codes.normalise(c) for c in args.villages.split(",") if c.strip()]
        bad = [c for c, n in zip(args.villages.split(","), got) if n is None or codes.level_of(n) != "village"]
        if bad or not got:
            raise ValueError(f"--villages: not village codes: {', '.join(b.strip() for b in bad) or '(none)'}")
        return got

    got = prepare_with_boundaries(args, options)
    if isinstance(got, int):
        return got
    chosen, provinces, bset = got
    saved, author, name = None, None, args.name
    if args.list is not None:
        from geo.outputs import store
        try:
            s = store.Store(args.database)
        except Exception as exc:  # noqa: BLE001 - any driver error: say it, no traceback
            return fail(args, f"cannot open the database: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}", 2)
        try:
            opened = s.open(args.list, args.version)
        except store.StoreError as exc:
            return fail(args, exc.text("en"), 1)
        finally:
            s.dispose()
        chosen, saved, author, name = list(opened.codes), opened.settings, opened.author or None, opened.name
    try:
        settings = _settings(args, saved)
    except (ValueError, TypeError) as exc:
        return fail(args, str(exc), 2)
    fig, status, message = load_figures(args, bset, provinces)
    if fig is None:
        return fail(args, message, status)
    from geo.analysis import frames as analysis_frames
    from geo.analysis import targeting
    from geo.outputs import brief

    village = analysis_frames.build_frames(bset.full, fig)["village"]
    table = targeting.village_table(village, settings, bset.names())
    path = targeting.fewest_villages(table, settings, bset.provinces[0]).codes  # as the page's default scope
    try:
        pdf = brief.target_list_pdf(village, chosen, settings, bset, fig.provenance, args.lang, path, name, author)
        Path(args.pdf).write_bytes(pdf)
    except OSError as exc:
        return fail(args, f"cannot write: {exc}", 1)
    b = targeting.budget(village, chosen, settings)
    out = {"pdf": str(args.pdf), "pdf_bytes": len(pdf), "list": name, "villages": b.villages,
           "missing": b.missing, "budget_rp": b.budget, "settings": settings.to_dict(), "source": fig.source,
           "synthetic": bool(fig.synthetic)}
    emit(args, out, f"{name or 'selection'}: {b.villages} villages, budget Rp{b.budget:,.0f}"
                    f"{' · SYNTHETIC' if fig.synthetic else ''} -> {args.pdf}")
    return 0
