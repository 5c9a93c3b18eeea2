"""Command-line plumbing shared by the ``python -m geo`` commands.

Each command is a module in this package with ``register(subparsers)`` that adds its parser
and sets ``handler``; ``geo/__main__.py`` discovers them, so commands never edit one file.
See ``../shared/CONTRACT.md``: with ``--json`` exactly one JSON object goes to standard
output (failures included), messages go to standard error.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Callable, TypeVar

from geo.boundaries import upstream
from geo.core import codes

T = TypeVar("T")


def emit(args: argparse.Namespace, payload: dict, text: str | None = None) -> None:
    """Print the JSON object (``--json``) or the human text."""
    if getattr(args, "json", False):
        print(json.dumps(payload, ensure_ascii=False, default=str))
    elif text is not None:
        print(text)


def fail(args: argparse.Namespace, message: str, status: int) -> int:
    """Report a failure: one line on standard error, and ``{"error"}`` with ``--json``."""
    print(f"error: {message}", file=sys.stderr)
    if getattr(args, "json", False):
        print(json.dumps({"error": message}, ensure_ascii=False))
    return status


def add_province(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--province", default="51", help="code, comma list or 'all' (default 51)")


def add_figures_source(parser: argparse.ArgumentParser) -> None:
    """FILE or ``--demo``, ``--province`` and ``--sheet``: where a command's figures come from."""
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("file", nargs="?", help="CSV or XLSX file of figures")
    src.add_argument("--demo", action="store_true", help="use the synthetic demo dataset")
    add_province(parser)
    parser.add_argument("--sheet", default=None, help="XLSX sheet to read (default: the first)")


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def resolve_provinces(args: argparse.Namespace) -> list[str]:
    """The provinces of ``--province`` (``all``: every province present in the source)."""
    root = None
    if args.province.strip().lower() == "all":
        root = upstream.locate_source(getattr(args, "source", None))
    return codes.parse_provinces(args.province, upstream.provinces_in_source(root))


def prepare_with_boundaries(args: argparse.Namespace, prepare: Callable[[], T]):
    """Check a command's options with ``prepare()``, then load the boundaries of ``--province``.

    Returns (what ``prepare`` returned, provinces, boundary set), or the exit status once the
    failure is reported: 2 for a bad option (``ValueError``) or boundaries that cannot be read.
    """
    from geo import boundaries
    try:
        prepared = prepare()
        provinces = resolve_provinces(args)
        return prepared, provinces, boundaries.load(provinces)
    except (upstream.SourceError, OSError) as exc:
        return fail(args, f"boundaries: {exc}", 2)
    except ValueError as exc:
        return fail(args, str(exc), 2)


def load_figures(args: argparse.Namespace, bset, provinces: list[str]):
    """The Figures of ``args.file`` (read, validated and joined as the app does) or of ``--demo``.

    Returns (figures, 0, "") or (None, exit status, message): 2 when the file cannot be read
    at all, 1 when it has no usable row (CONTRACT.md).
    """
    from pathlib import Path

    if getattr(args, "demo", False):
        from geo.figures import demo
        return demo.demo_figures(bset), 0, ""
    from geo.figures import pipeline
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, 2, f"cannot read {path}: {exc.strerror or exc}"
    checked = pipeline.check_file(data, path.name, bset.full, provinces, sheet=getattr(args, "sheet", None))
    if checked.error is not None:
        return None, checked.status, f"{path.name}: {checked.error}"
    if checked.figures is None:
        return None, 1, f"{path.name}: no usable row (run 'python -m geo check {path}' for the report)"
    return checked.figures, 0, ""
