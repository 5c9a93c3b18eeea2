"""Command line: ``python -m geo <command>`` over the same functions the app uses."""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from geo import cli


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m geo",
                                     description="Coverage map explorer: boundaries, figures, analysis, snapshots.")
    sub = parser.add_subparsers(dest="command", required=True)
    for info in sorted(pkgutil.iter_modules(cli.__path__), key=lambda m: m.name):
        importlib.import_module(f"{cli.__name__}.{info.name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
