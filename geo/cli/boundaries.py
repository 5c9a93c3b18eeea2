"""``python -m geo boundaries``: build or verify the boundary cache and print its report."""
from __future__ import annotations

import argparse
import json

from geo import boundaries
from geo.boundaries import upstream

from . import add_json, add_province, emit, fail, resolve_provinces


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("boundaries", help="build or verify the boundary cache")
    add_province(p)
    p.add_argument("--source", default=None, help=f"dataset root holding db/ (or ${upstream.SOURCE_ENV})")
    p.add_argument("--rebuild", action="store_true", help="rebuild even when the cache is current")
    add_json(p)
    p.set_defaults(handler=run)


def _layer_summary(rep: dict) -> dict:
    return {k: rep[k] for k in ("count", "coverage_valid", "repaired", "empty", "build_s")}


def run(args: argparse.Namespace) -> int:
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
                              "overview": m["report"].get("overview", {}),
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
    emit(args, payload, _text(per))
    ok = all(p["layers"][lvl]["coverage_valid"] for p in per.values() for lvl in boundaries.LEVELS)
    return 0 if ok else 1


def _text(per: dict) -> str:
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
            ov = p["overview"].get(lvl)
            if ov:
                lines.append(f"  {'':9s} overview (large views): valid {ov.get('coverage_valid')}, "
                             f"{ov.get('vertices')} vertices, {ov.get('topojson_bytes')} bytes of TopoJSON, "
                             f"displacement median {ov.get('displacement_m_median')} m, "
                             f"p95 {ov.get('displacement_m_p95')} m")
        gaps = {k: v for k, v in p["hierarchy"].items() if v}
        lines.append("  hierarchy: " + ("complete" if not gaps else json.dumps(gaps)))
        for problem in p["problems"]:
            lines.append(f"  problem: {problem}")
    return "\n".join(lines)
