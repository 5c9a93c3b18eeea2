"""``python -m geo datasets ...``: saved datasets from the command line (issue 11).

``save FILE --name N`` reads, validates and joins the file as ``check`` does and keeps the
rows used; the others list, rename, delete (to the bin), restore, and show the saved periods
of the provinces. Names, actors and messages as in ``python -m geo lists``.
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
from pathlib import Path

from . import add_json, emit, fail, resolve_provinces
from .lists import actor_of, add_actor


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("datasets", help="saved datasets: ls, save, rename, delete, restore, periods")
    acts = p.add_subparsers(dest="action", required=True)
    a = acts.add_parser("ls", help="saved datasets (latest versions)")
    a.add_argument("--province", default=None, help="only those holding these provinces (code or comma list)")
    add_actor(a)
    add_json(a)
    a = acts.add_parser("periods", help="the saved periods of the provinces and the dataset holding each")
    a.add_argument("--province", default="51")
    add_actor(a)
    add_json(a)
    a = acts.add_parser("save", help="read, check and join FILE, then save the rows used")
    a.add_argument("file")
    a.add_argument("--name", required=True)
    a.add_argument("--province", default="51")
    a.add_argument("--sheet", default=None)
    a.add_argument("--overwrite", action="store_true", help="add a version to an existing dataset")
    a.add_argument("--period", default=None, help="the period of a file without a period column (default: this month)")
    add_actor(a)
    add_json(a)
    a = acts.add_parser("rename", help="rename a dataset")
    a.add_argument("id", type=int)
    a.add_argument("new_name")
    add_actor(a)
    add_json(a)
    for name in ("delete", "restore"):
        a = acts.add_parser(name, help=f"{name} a dataset ({'to' if name == 'delete' else 'from'} the bin)")
        a.add_argument("id", type=int)
        add_actor(a)
        add_json(a)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from geo.core import names
    from geo.outputs import store
    try:
        actor = actor_of(args)
    except names.NameRefused as exc:
        return fail(args, exc.text("en"), 1)
    if args.action == "save":
        loaded = _load(args)
        if isinstance(loaded, int):
            return loaded
    try:
        s = store.Store(args.database)
    except Exception as exc:  # noqa: BLE001 - one line, no traceback
        return fail(args, f"cannot open the database: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}", 2)
    plain = dataclasses.asdict
    try:
        if args.action == "ls":
            provinces = [p.strip() for p in args.province.split(",")] if args.province else None
            rows = s.list_datasets(provinces)
            emit(args, {"datasets": [plain(r) for r in rows]},
                 "\n".join(f"{r.id}\t{r.name}\tv{r.version}\t{r.level}\t{','.join(r.periods)}\t{r.rows} rows\t"
                           f"{r.file_name}" for r in rows) or "(none)")
        elif args.action == "periods":
            rows = s.period_history([p.strip() for p in args.province.split(",")])
            emit(args, {"periods": [plain(r) for r in rows]},
                 "\n".join(f"{r.period}\t{r.dataset_id}\t{r.name}\tv{r.version}\t{'current' if r.current else ''}"
                           for r in rows) or "(none)")
        elif args.action == "save":
            fig, summary, sha, file_name = loaded
            got = s.save_dataset(fig, args.name, file_name, sha, summary, actor, overwrite=args.overwrite)
            emit(args, plain(got), f"saved dataset {got.id} {got.name!r} version {got.version} ({got.rows} rows)")
        elif args.action == "rename":
            got = s.rename_dataset(args.id, args.new_name, actor)
            emit(args, plain(got), f"renamed to {got.name!r}")
        elif args.action == "delete":
            n = s.delete_dataset(args.id, actor)
            emit(args, {"deleted": args.id, "versions": n}, f"moved to the bin ({n} versions); restorable for 30 days")
        elif args.action == "restore":
            got = s.restore_dataset(args.id, actor)
            emit(args, plain(got), f"restored {got.name!r} ({got.versions} versions)")
        return 0
    except store.StoreError as exc:
        return fail(args, exc.text("en"), 1)
    finally:
        s.dispose()


def _load(args: argparse.Namespace):
    """(figures, join summary, sha256, file name) of ``args.file``, or the exit status once reported."""
    from geo import boundaries
    from geo.boundaries import upstream
    from geo.figures import pipeline
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return fail(args, f"cannot read {path}: {exc.strerror or exc}", 2)
    try:
        provinces = resolve_provinces(args)
        bset = boundaries.load(provinces)
    except (upstream.SourceError, ValueError, OSError) as exc:
        return fail(args, f"boundaries: {exc}", 2)
    try:
        checked = pipeline.check_file(data, path.name, bset.full, provinces, sheet=args.sheet, period=args.period)
    except ValueError as exc:  # --period not a month, or in the future
        return fail(args, f"--period: {exc}", 2)
    if checked.error is not None:
        return fail(args, f"{path.name}: {checked.error}", checked.status)
    if checked.figures is None:
        return fail(args, f"{path.name}: no usable row (run 'python -m geo check {path}' for the report)", 1)
    result = checked.result
    return result.figures, result.summary, hashlib.sha256(data).hexdigest(), path.name
