"""``python -m geo snapshot FILE|--demo``: the map of a view as PNG, standalone HTML and/or a
one-page A4 PDF brief (``--pdf``: the map with names, legend, scale and north arrow, the key
figures, the areas furthest from the target, source, date and the synthetic label).

For scripted reports: the same figures, classes and labels as the app's map explorer. FILE
goes through the same reading, validation and join as the app (``geo.figures``,
``geo.join``). Exit 0 when every requested file was written, 1 when the figures have no
usable row or a file cannot be written, 2 on a usage error or an unreadable FILE.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geo.analysis import classify
from geo.analysis import frames as analysis_frames
from geo.core import i18n, schema
from geo.outputs import choropleth, export

from . import add_figures_source, add_json, emit, fail, load_figures, prepare_with_boundaries


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("snapshot", help="write the map of a view as PNG and/or standalone HTML")
    add_figures_source(p)
    p.add_argument("--level", choices=choropleth.LEVELS, default="regency")
    p.add_argument("--indicator", choices=schema.INDICATORS, default="coverage_rate")
    p.add_argument("--segment", choices=schema.SEGMENT_CHOICES, default="all")
    p.add_argument("--measure", choices=choropleth.MEASURES, default="count",
                   help="counts of people as circles (count), per km² (density) or %% of workers (share)")
    p.add_argument("--scheme", choices=classify.SCHEMES, default="quantiles")
    p.add_argument("--k", type=int, default=5, help="number of classes (3-9)")
    p.add_argument("--breaks", default=None, help="class upper bounds for --scheme user_defined, e.g. '40;50;60'")
    p.add_argument("--target", type=float, default=schema.DEFAULT_TARGET, help="coverage target in %%")
    p.add_argument("--regency", default=None, help="only this regency's areas (a regency code)")
    p.add_argument("--lang", choices=i18n.LANGS, default=i18n.DEFAULT_LANG)
    p.add_argument("--basemap", choices=("light", "osm", "none"), default="light", help="HTML basemap tiles")
    p.add_argument("--png", default=None, metavar="OUT.png")
    p.add_argument("--html", default=None, metavar="OUT.html")
    p.add_argument("--pdf", default=None, metavar="OUT.pdf", help="a one-page A4 brief of the view")
    p.add_argument("--size", default="1600x1200", help="PNG size in pixels, WIDTHxHEIGHT (default 1600x1200)")
    add_json(p)
    p.set_defaults(handler=run)


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"--size must be WIDTHxHEIGHT in pixels, not {text!r}") from None
    if not (200 <= w <= 8000 and 200 <= h <= 8000):
        raise ValueError(f"--size must be between 200 and 8000 pixels each way, not {text!r}")
    return w, h


def run(args: argparse.Namespace) -> int:
    if not args.png and not args.html and not args.pdf:
        return fail(args, "nothing to write: give --png OUT.png, --html OUT.html and/or --pdf OUT.pdf", 2)

    def options():
        breaks = tuple(classify.parse_breaks(args.breaks)) if args.breaks else ()
        if args.scheme == "user_defined" and not breaks:
            raise ValueError("--scheme user_defined needs --breaks")
        return _size(args.size), breaks

    got = prepare_with_boundaries(args, options)
    if isinstance(got, int):
        return got
    (size, breaks), provinces, bset = got
    regencies = set(bset.full["regency"]["code"])
    if args.regency and args.regency not in regencies:
        return fail(args, f"--regency {args.regency!r} is not a regency of province(s) {','.join(provinces)}", 2)

    fig, status, message = load_figures(args, bset, provinces)
    if fig is None:
        return fail(args, message, status)
    frames = analysis_frames.build_frames(bset.full, fig)
    view = choropleth.View(level=args.level, indicator=args.indicator, segment=args.segment,
                           measure=args.measure, scheme=args.scheme, k=args.k, breaks=breaks,
                           target=args.target, regency=args.regency, basemap=args.basemap,
                           lang=args.lang).checked()
    frame = frames[view.level]
    shown = choropleth.subset(frame, view)
    values = choropleth.map_values(shown, view)
    out = {"level": view.level, "indicator": view.indicator, "segment": view.segment,
           "measure": view.measure, "scheme": view.scheme, "regency": view.regency, "source": fig.source,
           "synthetic": bool(fig.synthetic), "areas": int(len(shown)), "no_data": int(values.isna().sum()),
           "png": None, "html": None, "pdf": None}
    if out["no_data"] == out["areas"]:
        print(f"warning: no area has figures at level {view.level} "
              f"(the figures are at level {fig.level})", file=sys.stderr)
    try:
        if args.png:
            png = export.snapshot_png(frame, view, bset, fig.provenance, size)
            Path(args.png).write_bytes(png)
            out["png"], out["png_size"] = str(args.png), list(size)
        if args.html:
            html = export.snapshot_html(frame, view, bset, fig.provenance)
            Path(args.html).write_text(html, encoding="utf-8")
            out["html"], out["html_bytes"] = str(args.html), len(html.encode("utf-8"))
        if args.pdf:
            from geo.outputs import brief
            pdf = brief.explorer_pdf(frames, view, bset, fig.provenance)
            Path(args.pdf).write_bytes(pdf)
            out["pdf"], out["pdf_bytes"] = str(args.pdf), len(pdf)
    except OSError as exc:
        return fail(args, f"cannot write: {exc}", 1)
    written = ", ".join(p for p in (out["png"], out["html"], out["pdf"]) if p)
    emit(args, out, f"{view.level} · {view.indicator} · {view.segment}: {out['areas']} areas "
                    f"({out['no_data']} without figures){' · SYNTHETIC' if fig.synthetic else ''} -> {written}")
    return 0
