"""Benchmark: our approach beside the naive one, on this machine, figures as medians.

    python bench/run.py [--json] [--region] [--no-browser] [--repeat 5]

Figures are named ``<what>_<unit>`` (see ../shared/CONTRACT.md); the region's are prefixed
``region_``. The naive approach is ``GeoDataFrame.explore()`` on the upstream polygons; its
figures are named ``naive_<what>_<unit>`` beside ours and measured in bench/naive.py.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from bench import naive, report
from geo import boundaries
from geo.analysis import frames as analysis_frames
from geo.boundaries import upstream
from geo.core import schema
from geo.figures import demo
from geo.outputs import choropleth
from geo.core.provenance import Provenance

INDICATOR_CYCLE = [("coverage_rate", "all"), ("uncovered", "farmer"), ("gap_to_target", "all"),
                   ("uncovered", "fisher"), ("to_target", "vulnerable")]


def map_figures(provinces: list[str], repeat: int, upstream_frames: dict, prefix: str = "") -> dict:
    """Per level: map HTML bytes and rebuild time, ours beside the naive ``explore()``."""
    bset = boundaries.load(provinces)
    figures = demo.demo_figures(bset)
    frames = analysis_frames.build_frames(bset.full, figures)
    out = {}
    for level in boundaries.LEVELS:
        view = choropleth.View(level=level)
        html = choropleth.explorer_html(frames[level], view, bset, Provenance(source="demo", synthetic=True))
        out[f"{prefix}{level}_map_bytes"] = len(html.encode())
        cycle = iter(INDICATOR_CYCLE * (repeat + 1))

        def rebuild():
            ind, seg = next(cycle)
            return choropleth.explorer_html(frames[level], choropleth.View(level=level, indicator=ind,
                                                                           segment=seg), bset, Provenance(source="demo", synthetic=True))
        rebuild()  # warm
        out[f"{prefix}{level}_map_build_s_median"] = round(report.median_time(rebuild, repeat)[0], 4)
        out.update(naive.map_level(upstream_frames, frames, level, repeat, INDICATOR_CYCLE, prefix))
    out[f"{prefix}map_build_s_median"] = out[f"{prefix}village_map_build_s_median"]
    out[f"{prefix}village_map_ratio"] = round(out[f"{prefix}naive_village_map_bytes"]
                                              / out[f"{prefix}village_map_bytes"], 1)
    return out


def boundary_build(provinces: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        for p in provinces:
            boundaries.ensure_province(p, cache_dir=Path(tmp), force=True)
        return {"boundary_build_s": round(time.perf_counter() - t, 2)}


def clusters_figures(provinces: list[str], repeat: int, prefix: str = "") -> dict:
    try:
        from bench import clusters_bench  # written with the cluster analysis
    except ImportError:
        try:
            import clusters_bench  # type: ignore
        except ImportError:
            return {}
    res = clusters_bench.run(provinces, repeats=repeat)
    return {prefix + k: v for k, v in res.items()}


def browser_indicator_change(repeat: int) -> dict:
    """From picking another indicator to the new village map drawn, in headless Chromium."""
    from playwright.sync_api import sync_playwright

    from testsupport.appserver import running_app
    from testsupport.browser import CHROMIUM, CHROMIUM_ARGS, choose, wait_for_map

    with running_app(None) as (url, proc):
        from geo.core import i18n
        names = {k: i18n.t("ind_" + k, "id", target=i18n.fmt_pct(73.86, "id", 2)) for k in schema.INDICATORS}
        times = []
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = b.new_page(viewport={"width": 1400, "height": 1000})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
            page.goto(url + "/?level=village")
            wait_for_map(page, "document.querySelectorAll('path.leaflet-interactive').length === 716", 90)
            order = ["uncovered", "coverage_rate", "gap_to_target", "to_target"]
            for i in range(repeat + 1):
                ind = order[i % len(order)]
                title = names[ind]
                t = time.perf_counter()
                choose(page, "Indikator", title)
                wait_for_map(page, "(() => { const h = document.querySelector('.geo-title h4'); "
                                   f"return h && h.textContent.startsWith({json.dumps(title)}) && "
                                   "document.querySelectorAll('path.leaflet-interactive').length === 716; })()", 60)
                if i:  # the first change warms the caches
                    times.append(time.perf_counter() - t)
            b.close()
        rss = report.rss_mb(proc.pid)
    return {"indicator_change_s_median": round(statistics.median(times), 3),
            "indicator_change_s_max": round(max(times), 3), "server_rss_mb": rss}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--region", action="store_true", help="also the whole Bali-Nusa Tenggara-Papua region")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    out: dict = {"machine_cores": os.cpu_count()}
    out.update(boundary_build(["51"]))
    naive_build, upstream_frames = naive.boundary_build(["51"])  # parsed once, reused below
    out.update(naive_build)
    out.update(map_figures(["51"], args.repeat, upstream_frames))
    out.update(clusters_figures(["51"], args.repeat))
    out.update(naive.clusters_figures(["51"], upstream_frames, args.repeat))
    if not args.no_browser:
        out.update(browser_indicator_change(args.repeat))
        out.update(naive.draw_figures(["51"], upstream_frames, args.repeat))  # ours and naive, same way
    if args.region:  # the whole Bali-Nusa Tenggara-Papua region (bench/region_bench.py)
        from bench import region_bench
        region = upstream.known_provinces()
        out.update({"region_" + k: v for k, v in boundary_build(region).items()})
        out.update(region_bench.run(repeat=args.repeat, browser=not args.no_browser))
        out.update(clusters_figures(region, 1, "region_"))
        # the naive village map of the region: parsed once, one rebuild (about 9 s, 78 MB of HTML)
        naive_build, region_frames = naive.boundary_build(region)
        out.update({"region_" + k: v for k, v in naive_build.items()})
        rset = boundaries.load(region)
        ours = analysis_frames.build_frames(rset.full, demo.demo_figures(rset))
        out.update(naive.map_level(region_frames, ours, "village", 1, INDICATOR_CYCLE, "region_"))
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out.update(naive.peak_rss(["51"]))  # the village map alone, ours and naive, each in a fresh process
    report.emit(out, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
