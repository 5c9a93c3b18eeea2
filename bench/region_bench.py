"""Benchmark of the whole Bali-Nusa Tenggara-Papua region on one map (9 provinces, 12,523 villages).

``run()`` returns figures named ``region_<what>_<unit>`` (CONTRACT.md), medians where
repeated:

- server side, warm (the function that turns an analysis frame into the map's HTML, as in
  CONTRACT.md's 0.3 s target): HTML bytes and build time of the region's village, district
  and regency maps, of one regency's villages (the region's largest regency), and of the
  areas page's map; the same village map forced to the detail geometry, to show what the
  overview geometry saves;
- one-off costs: loading the nine provinces' caches, the synthetic demo, the analysis frames;
- in headless Chromium, against a running app: from picking another indicator to the new map
  drawn (every village's shape present and the legend showing the new indicator), for the
  region's villages, its districts and one regency's villages; and the standalone HTML of the
  village map drawn from a file, detail beside overview geometry.

    python bench/region_bench.py [--json] [--repeat 5] [--no-browser]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from bench import report
from geo import boundaries
from geo.analysis import frames as analysis_frames
from geo.boundaries import upstream
from geo.core import i18n
from geo.figures import demo
from geo.outputs import areamap, choropleth, maps
from geo.core.provenance import Provenance

INDICATORS = ["uncovered", "coverage_rate", "gap_to_target", "to_target"]
N_PATHS = "document.querySelectorAll('path.leaflet-interactive').length"


def _largest_regency(bset: boundaries.BoundarySet) -> str:
    return str(bset.full["village"]["regency_code"].value_counts().idxmax())


def server_figures(repeat: int = 5) -> tuple[dict, dict]:
    """Sizes and warm build times of the region's maps; returns (figures, context)."""
    out: dict = {}
    provinces = upstream.known_provinces()
    t = time.perf_counter()
    bset = boundaries.load(provinces)
    out["region_boundaries_load_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    figures = demo.demo_figures(bset)
    out["region_demo_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    frames = analysis_frames.build_frames(bset.full, figures)
    out["region_frames_s"] = round(time.perf_counter() - t, 2)
    out["region_villages"] = int(len(bset.full["village"]))
    out["region_villages_with_geometry"] = int((~bset.full["village"].geometry.is_empty).sum())
    regency = _largest_regency(bset)
    out["region_largest_regency_villages"] = int((bset.full["village"]["regency_code"] == regency).sum())

    def build(level: str, regency: str | None = None):
        cycle = iter(INDICATORS * (repeat + 2))

        def once():
            view = choropleth.View(level=level, indicator=next(cycle), regency=regency)
            return choropleth.explorer_html(frames[level], view, bset, Provenance(source="demo", synthetic=True))
        once()  # warm
        return report.median_time(once, repeat)

    # natural breaks on 12,500 values: Fisher-Jenks on a 200-quantile sample (geo.classify)
    seconds, _ = report.median_time(lambda: choropleth.classes_for(
        frames["village"], choropleth.View(level="village", scheme="natural_breaks", k=7)), repeat)
    out["region_village_natural_breaks_s_median"] = round(seconds, 3)

    for name, level, reg in (("village", "village", None), ("district", "district", None),
                             ("regency", "regency", None), ("regency_villages", "village", regency)):
        seconds, _ = build(level, reg)
        html = choropleth.explorer_html(frames[level], choropleth.View(level=level, regency=reg), bset, Provenance(source="demo", synthetic=True))
        out[f"region_{name}_map_bytes"] = len(html.encode())
        out[f"region_{name}_map_build_s_median"] = round(seconds, 3)
        out[f"region_{name}_map_geometry"] = bset.geometry_for(level, reg)

    # the same village map in the detail geometry: what the overview saves
    saved = boundaries.OVERVIEW_ABOVE_BYTES
    boundaries.OVERVIEW_ABOVE_BYTES = 10 ** 12
    try:
        seconds, html = build("village")
        view = choropleth.View(level="village", basemap="none")
        detail_snapshot = choropleth.snapshot_html(frames["village"], view, bset, Provenance(source="demo", synthetic=True))
        out["region_village_map_detail_bytes"] = len(choropleth.explorer_html(
            frames["village"], choropleth.View(level="village"), bset, Provenance(source="demo", synthetic=True)).encode())
        out["region_village_map_detail_build_s_median"] = round(seconds, 3)
    finally:
        boundaries.OVERVIEW_ABOVE_BYTES = saved
    overview_snapshot = choropleth.snapshot_html(frames["village"], view, bset, Provenance(source="demo", synthetic=True))

    def areas():
        m = maps.base_map(tuple(bset.web["regency"].total_bounds))
        areamap.areas_layers(bset, "id").add_to(m)
        return m.get_root().render()
    areas()
    seconds, html = report.median_time(areas, repeat)
    out["region_areas_map_bytes"] = len(html.encode())
    out["region_areas_map_build_s_median"] = round(seconds, 3)
    village = bset.full["village"]
    drawn = ~village.geometry.is_empty  # an empty upstream path is drawn nowhere
    context = {"regency": regency, "village_count": out["region_villages_with_geometry"],
               "regency_count": int(((village["regency_code"] == regency) & drawn).sum()),
               "district_count": int(len(bset.full["district"])),
               "regency_name": dict(zip(bset.full["regency"]["code"], bset.full["regency"]["name"]))[regency],
               "province_name": bset.province_names[regency[:2]],
               "snapshots": {"detail": detail_snapshot, "overview": overview_snapshot}}
    return out, context


def _settled(page) -> None:
    """Wait until Leaflet has finished its opening zoom animation and painted twice."""
    page.evaluate("""() => new Promise(res => {
      const m = Object.values(window).find(v => v instanceof L.Map);
      const done = () => requestAnimationFrame(() => requestAnimationFrame(res));
      if (m._animatingZoom) m.once('zoomend', done); else done(); })""")


def snapshot_draw(browser, snapshots: dict, expected: int, repeat: int) -> dict:
    """The standalone village map opened from a file until drawn: detail beside overview."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for geometry, html in snapshots.items():
            path = Path(tmp) / f"{geometry}.html"
            path.write_text(html, encoding="utf-8")
            times = []
            for _ in range(repeat):
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.route("**/*", lambda r: r.abort() if r.request.url.startswith("http") else r.continue_())
                t = time.perf_counter()
                page.goto(path.as_uri(), timeout=180_000)
                _settled(page)
                times.append(time.perf_counter() - t)
                drawn = page.evaluate(N_PATHS)
                page.close()
                assert drawn == expected, (geometry, drawn, expected)
            out[f"region_village_snapshot_{geometry}_draw_s_median"] = round(statistics.median(times), 3)
            out[f"region_village_snapshot_{geometry}_bytes"] = len(html.encode())
    return out


def browser_figures(context: dict, repeat: int = 5) -> dict:
    """In headless Chromium against the app: indicator change -> new map drawn, per view."""
    from playwright.sync_api import sync_playwright

    from testsupport.appserver import running_app
    from testsupport.browser import CHROMIUM, CHROMIUM_ARGS, choose, wait_for_map

    names = {k: i18n.t("ind_" + k, "id", target=i18n.fmt_pct(73.86, "id", 2)) for k in INDICATORS}
    level_names = {lvl: i18n.t("level_" + lvl, "id") for lvl in boundaries.LEVELS}
    out: dict = {}
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        out.update(snapshot_draw(b, context.pop("snapshots"), context["village_count"], repeat))
        with running_app(None, timeout_s=180) as (url, proc):
            page = b.new_page(viewport={"width": 1400, "height": 1000})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
            t = time.perf_counter()
            page.goto(url + "/?province=all&level=village")
            wait_for_map(page, f"{N_PATHS} === {context['village_count']}", 600)
            out["region_village_first_load_s"] = round(time.perf_counter() - t, 2)

            def cycle(name: str, count: int) -> None:
                times = []
                for i in range(repeat + 1):
                    title = names[INDICATORS[i % len(INDICATORS)]]
                    t = time.perf_counter()
                    choose(page, "Indikator", title)
                    wait_for_map(page, "(() => { const h = document.querySelector('.geo-title h4'); "
                                       f"return h && h.textContent.startsWith({json.dumps(title)}) && "
                                       f"{N_PATHS} === {count}; }})()", 120)
                    if i:  # the first change warms the caches of this view
                        times.append(time.perf_counter() - t)
                out[f"region_{name}_indicator_change_s_median"] = round(statistics.median(times), 3)
                out[f"region_{name}_indicator_change_s_max"] = round(max(times), 3)

            cycle("village", context["village_count"])
            choose(page, "Tingkat", level_names["district"])
            wait_for_map(page, f"{N_PATHS} === {context['district_count']}", 120)
            cycle("district", context["district_count"])
            choose(page, "Tingkat", level_names["village"])
            # 84 options: the list is virtual, so type to bring the regency into view
            page.get_by_role("combobox", name="Kabupaten/kota", exact=True).click()
            option = f"{context['regency_name']} ({context['province_name']})"
            page.keyboard.type(context["regency_name"])
            page.get_by_role("option", name=option, exact=True).click()
            wait_for_map(page, f"{N_PATHS} === {context['regency_count']}", 120)
            cycle("regency_villages", context["regency_count"])
            b.close()
            out["region_server_rss_mb"] = report.rss_mb(proc.pid)
    return out


def run(repeat: int = 5, browser: bool = True) -> dict:
    """Every figure of this benchmark (the lead's bench/run.py calls this)."""
    out, context = server_figures(repeat)
    if browser:
        out.update(browser_figures(context, repeat))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    out = run(args.repeat, not args.no_browser)
    report.emit(out, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
