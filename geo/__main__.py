"""Command line: ``python -m geo <command>`` over the same functions the app uses.

See ``../shared/CONTRACT.md``: with ``--json`` exactly one JSON object goes to standard
output, messages go to standard error, usage errors exit 2 as argparse does.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Callable

from . import boundaries, codes, upstream

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(name: str):
    def register(fn: Callable[[argparse.Namespace], int]):
        COMMANDS[name] = fn
        return fn
    return register


def emit(args: argparse.Namespace, payload: dict, text: str | None = None) -> None:
    """Print the JSON object (``--json``) or the human text."""
    if getattr(args, "json", False):
        print(json.dumps(payload, ensure_ascii=False, default=str))
    elif text is not None:
        print(text)


def fail(args: argparse.Namespace, message: str, status: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    if getattr(args, "json", False):
        print(json.dumps({"error": message}, ensure_ascii=False))
    return status


def resolve_provinces(args: argparse.Namespace) -> list[str]:
    root = None
    if args.province.strip().lower() == "all":
        root = upstream.locate_source(getattr(args, "source", None))
    return codes.parse_provinces(args.province, upstream.provinces_in_source(root))


# ---------------------------------------------------------------- boundaries


def _layer_summary(rep: dict) -> dict:
    return {k: rep[k] for k in ("count", "coverage_valid", "repaired", "empty", "build_s")}


@command("boundaries")
def cmd_boundaries(args: argparse.Namespace) -> int:
    try:
        provinces = resolve_provinces(args)
        manifests = [boundaries.ensure_province(p, source=args.source, force=args.rebuild)
                     for p in provinces]
    except upstream.SourceError as exc:
        return fail(args, str(exc), 2 if exc.missing else 1)
    except ValueError as exc:
        return fail(args, str(exc), 2)

    per = {}
    for m in manifests:
        layers = {lvl: _layer_summary(m["report"]["layers"][lvl]) for lvl in boundaries.LEVELS}
        per[m["province"]] = {"province": m["province"], "province_name": m["province_name"],
                              "source": m["source"], "upstream_commit": m["upstream_commit"],
                              "status": m["status"], "layers": layers,
                              "web": m["report"].get("web", {}),
                              "hierarchy": m["report"].get("hierarchy", {}),
                              "problems": m["report"].get("problems", [])}
    if len(per) == 1:
        payload = next(iter(per.values()))
    else:
        payload = {
            "province": ",".join(per), "source": manifests[0]["source"],
            "upstream_commit": upstream.UPSTREAM_COMMIT,
            "layers": {lvl: {"count": sum(p["layers"][lvl]["count"] for p in per.values()),
                             "coverage_valid": all(p["layers"][lvl]["coverage_valid"] for p in per.values()),
                             "repaired": sum(p["layers"][lvl]["repaired"] for p in per.values()),
                             "empty": [c for p in per.values() for c in p["layers"][lvl]["empty"]],
                             "build_s": round(sum(p["layers"][lvl]["build_s"] for p in per.values()), 2)}
                       for lvl in boundaries.LEVELS},
            "provinces": per,
        }
    emit(args, payload, _boundaries_text(per))
    ok = all(p["layers"][lvl]["coverage_valid"] for p in per.values() for lvl in boundaries.LEVELS)
    return 0 if ok else 1


def _boundaries_text(per: dict) -> str:
    lines = []
    for p in per.values():
        lines.append(f"Province {p['province']} {p['province_name']} ({p['status']}), "
                     f"source {p['source']}, upstream commit {p['upstream_commit']}")
        for lvl in boundaries.LEVELS:
            L = p["layers"][lvl]
            web = p["web"].get(lvl, {})
            lines.append(f"  {lvl:9s} {L['count']:6d} areas  coverage valid: {L['coverage_valid']}  "
                         f"repaired: {L['repaired']}  empty: {', '.join(L['empty']) or 'none'}  "
                         f"build {L['build_s']} s  web: valid {web.get('coverage_valid')}, "
                         f"{web.get('vertices')} vertices, displacement median "
                         f"{web.get('displacement_m_median')} m, p95 {web.get('displacement_m_p95')} m")
        gaps = {k: v for k, v in p["hierarchy"].items() if v}
        lines.append("  hierarchy: " + ("complete" if not gaps else json.dumps(gaps)))
        for problem in p["problems"]:
            lines.append(f"  problem: {problem}")
    return "\n".join(lines)


# ---------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m geo", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("boundaries", help="build or verify the boundary cache")
    p.add_argument("--province", default="51", help="code, comma list or 'all' (default 51)")
    p.add_argument("--source", default=None,
                   help=f"dataset root holding db/ (or ${upstream.SOURCE_ENV})")
    p.add_argument("--rebuild", action="store_true", help="rebuild even when the cache is current")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return COMMANDS[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
