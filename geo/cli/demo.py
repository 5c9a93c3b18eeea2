"""``python -m geo demo --out FILE``: write the synthetic demo dataset in the canonical columns.

The file holds exactly the canonical columns (``code``, ``name``, ``workers``, ``covered``,
``workers_<s>``, ``covered_<s>``), so ``python -m geo check FILE`` reads it back unchanged.
Because it is synthetic, that fact travels with it wherever the format allows:

- CSV: no comment line (the canonical CSV must stay re-readable); the message printed says it
  is synthetic, and when ``--out`` is a folder the file is named
  ``demo_synthetic_<provinces>_<period>_seed<seed>.csv``.
- XLSX: the data on the first sheet ("data"), and a second sheet "about" saying that the
  figures are synthetic, with the seed, the period, the notes and the published real figures
  the demo was calibrated to (with their sources and dates).
"""
from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from geo import boundaries
from geo.boundaries import upstream
from geo.core import reference
from geo.figures import demo

from . import add_json, add_province, emit, fail, resolve_provinces

FORMATS = (".csv", ".xlsx")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="write the synthetic demo dataset (CSV or XLSX)")
    p.add_argument("--out", required=True,
                   help="output file (.csv or .xlsx), or a folder for a default file name")
    add_province(p)
    p.add_argument("--seed", type=int, default=demo.DEFAULT_SEED,
                   help=f"random seed (default {demo.DEFAULT_SEED})")
    add_json(p)
    p.set_defaults(handler=run)


def default_name(provinces: list[str], seed: int, ext: str = ".csv") -> str:
    """A file name that says the data are synthetic."""
    return f"demo_synthetic_{'-'.join(provinces)}_{demo.PERIOD}_seed{seed}{ext}"


def about_lines(fig, provinces: list[str], seed: int) -> list[list[str]]:
    """Rows of the "about" sheet: what the file is, then the published figures behind it."""
    rows = [["SYNTHETIC DEMO DATA / DATA CONTOH SINTETIS"],
            ["These village figures are invented (seeded random numbers) and calibrated to a few "
             "published totals. They are not real data."],
            ["Angka desa ini dikarang (bilangan acak berbenih) dan dikalibrasi ke beberapa angka "
             "resmi yang dipublikasikan. Ini bukan data nyata."],
            ["synthetic", "true"], ["source", fig.source], ["level", fig.level],
            ["period", fig.period or ""], ["seed", str(seed)], ["provinces", ",".join(provinces)],
            []]
    rows += [["note", n] for n in fig.notes]
    rows += [[], ["Published real figures used for the calibration"],
             list(reference.COLUMNS)]
    for p in provinces:
        for rec in reference.published(p).to_dict("records"):
            rows.append([_text(rec[c]) for c in reference.COLUMNS])
    return rows


def _text(value) -> str:
    """A published value as it was written (``1873899``, not ``1873899.0``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def write(fig, path: Path, provinces: list[str], seed: int) -> None:
    """Write the canonical columns to ``path`` (CSV or XLSX by extension), formula-safe."""
    from geo.outputs import tabular

    if path.suffix.lower() == ".csv":
        path.write_bytes(tabular.to_csv_bytes(fig.data))
        return
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(tabular.to_xlsx_bytes(fig.data, sheet_name="data")))
    ws = wb.create_sheet("about")
    for r, row in enumerate(about_lines(fig, provinces, seed), start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            cell.value = value
            cell.data_type = "s"  # text, never a formula
    wb.active = 0
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())


def run(args: argparse.Namespace) -> int:
    try:
        provinces = resolve_provinces(args)
    except (ValueError, upstream.SourceError) as exc:
        return fail(args, str(exc), 2)
    out = Path(args.out)
    if out.is_dir():
        out = out / default_name(provinces, args.seed)
    if out.suffix.lower() not in FORMATS:
        return fail(args, f"{out}: unknown format {out.suffix or '(none)'!r}; use .csv or .xlsx", 2)
    if not out.parent.is_dir():
        return fail(args, f"{out.parent}: folder does not exist", 2)
    try:
        bset = boundaries.load(provinces)
    except upstream.SourceError as exc:
        return fail(args, str(exc), 2 if exc.missing else 1)
    fig = demo.demo_figures(bset, seed=args.seed)
    try:
        write(fig, out, provinces, args.seed)
    except OSError as exc:
        return fail(args, f"{out}: cannot write ({exc.strerror or exc})", 1)
    s = demo.summary(fig)
    payload = {"out": str(out), "format": out.suffix.lower().lstrip("."), "synthetic": True,
               "source": fig.source, "level": fig.level, "period": fig.period, "seed": args.seed,
               "province": ",".join(provinces), "rows": s["villages"], "workers": s["workers"],
               "covered": s["covered"], "coverage_rate": s["coverage_rate"]}
    if args.json:
        print("note: these figures are SYNTHETIC (invented, calibrated to published totals); "
              "label them so wherever they are shown.", file=sys.stderr)
    emit(args, payload,
         f"Wrote {s['villages']} villages of SYNTHETIC demo data (seed {args.seed}, period "
         f"{fig.period}, province {','.join(provinces)}) to {out}: {s['workers']:,} workers, "
         f"{s['covered']:,} covered ({s['coverage_rate']:.2f} %).")
    return 0
