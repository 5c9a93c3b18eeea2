"""The map engines side by side (issue 16): today's ``inline`` engine and the ``values`` engine,
measured in the same run.

- server: the function that turns an analysis frame into the map's HTML, warm (CONTRACT), and
  the bytes of the feature group streamlit-folium sends per change;
- in headless Chromium against the app (one app per engine, ``GEO_MAP_ENGINE``): indicator
  change (the press on the option, on the browser's clock) -> new map drawn (the title and
  every area on the map, read in the map's frame), and the bytes the browser received over the websocket for it, for
  Bali's villages and the region's; the first region village view of a fresh process.

    python bench/engine_bench.py --json [--repeat 3] [--no-region]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REGION = ["51", "52", "53", "91", "92", "93", "94", "95", "96"]
ORDER = ["uncovered", "coverage_rate", "gap_to_target", "to_target"]
ENGINES = ("inline", "values")


def _drawn_js(n: int | None, title: str | None) -> str:
    """True once the map shows ``title`` and ``n`` areas (either engine's way of drawing)."""
    count = ("(+((document.querySelector('[data-geo-drawn]') || {dataset: {}}).dataset.geoDrawn || 0) "
             "|| document.querySelectorAll('path.leaflet-interactive').length)")
    cond = [f"{count} >= {n}" if n else f"{count} > 0"]
    if title:
        cond.append("(() => { const h = document.querySelector('.geo-title h4'); "
                    f"return h && h.textContent.startsWith({json.dumps(title)}); }})()")
    return " && ".join(cond)


def _wait(page, js: str, timeout_s: float) -> float:
    """Until ``js`` holds in one of the page's frames; returns the browser's clock (ms) then."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                at = frame.evaluate(f"({js}) && Date.now()")
                if at:
                    return float(at)
            except Exception:  # noqa: BLE001 - a frame being replaced
                continue
        time.sleep(0.01)
    raise TimeoutError(js)


# The moment the user's click lands, on the browser's clock: the press on the option (the
# time Playwright takes to find and scroll to it is not the user's wait).
PRESS_JS = "document.addEventListener('mousedown', () => { window.__pressed = Date.now(); }, true)"


def server_figures(provinces: list[str], repeat: int) -> dict:
    """Warm HTML build time and feature-group bytes per change, per engine (villages)."""
    from streamlit_folium import _get_feature_group_string

    from geo import boundaries
    from geo.analysis import frames as analysis_frames
    from geo.core.provenance import Provenance
    from geo.figures import demo
    from geo.outputs import choropleth, geolayer, maps

    bset = boundaries.load(provinces)
    frames = analysis_frames.build_frames(bset.full, demo.cached_demo_figures(bset))
    prov = Provenance(source="demo", synthetic=True)
    out = {}
    for engine in ENGINES:
        times, sizes = [], []
        for i in range(repeat + 1):
            view = choropleth.View(level="village", indicator=ORDER[i % len(ORDER)])
            t = time.perf_counter()
            choropleth.explorer_html(frames["village"], view, bset, prov, engine=engine)
            dt = time.perf_counter() - t
            group = choropleth.explorer_layers(frames["village"], view, bset, prov, engine=engine)
            base = geolayer.with_engine(maps.base_map(tuple(bset.web["regency"].total_bounds)))
            sizes.append(len(_get_feature_group_string(group, base, 0).encode()))
            if i:
                times.append(dt)
        out[f"{engine}_map_html_s_median"] = round(statistics.median(times), 3)
        out[f"{engine}_change_bytes_median"] = int(statistics.median(sizes))
    return out


def browser_changes(engine: str, provinces: str, n_areas: int, repeat: int, timeout_s: float) -> dict:
    """Indicator change -> drawn, and websocket bytes received per change, in one app."""
    from playwright.sync_api import sync_playwright

    from geo.core import i18n
    from testsupport.appserver import running_app
    from testsupport.browser import CHROMIUM, CHROMIUM_ARGS

    names = {k: i18n.t("ind_" + k, "id", target=i18n.fmt_pct(73.86, "id", 2)) for k in ORDER}
    with running_app(None, env={"GEO_MAP_ENGINE": engine}, timeout_s=300) as (url, _proc):
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = b.new_page(viewport={"width": 1400, "height": 1000})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
            received: list[int] = []
            page.on("websocket", lambda ws: ws.on("framereceived", lambda d: received.append(len(d))))
            t0 = time.perf_counter()
            page.goto(url + f"/?province={provinces}&level=village&indicator=coverage_rate", timeout=600_000)
            _wait(page, _drawn_js(n_areas, None), timeout_s * 4)
            first = time.perf_counter() - t0
            page.evaluate(PRESS_JS)
            times, sizes = [], []
            for i in range(repeat + 1):
                title = names[ORDER[i % len(ORDER)]]
                page.get_by_role("combobox", name="Indikator", exact=True).click()
                option = page.get_by_role("option", name=title, exact=True)
                option.wait_for()
                received.clear()
                option.click()
                drawn = _wait(page, _drawn_js(n_areas, title), timeout_s)
                if i:  # the first change warms the caches
                    times.append((drawn - page.evaluate("window.__pressed")) / 1000)
                    sizes.append(sum(received))
            b.close()
    return {"first_view_s": round(first, 2), "change_s_median": round(statistics.median(times), 3),
            "change_s_max": round(max(times), 3), "ws_bytes_per_change_median": int(statistics.median(sizes))}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-region", action="store_true")
    ap.add_argument("--no-bali", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    out: dict = {"load_average_start": os.getloadavg()[0]}
    if not args.no_bali:
        out.update({f"bali_{k}": v for k, v in server_figures(["51"], args.repeat).items()})
        for engine in ENGINES:
            res = browser_changes(engine, "51", 716, args.repeat, 60)
            out.update({f"bali_{engine}_{k}": v for k, v in res.items()})
    if not args.no_region:
        out.update({f"region_{k}": v for k, v in server_figures(REGION, 1).items()})
        for engine in ENGINES:
            # a fresh process each: first_view_s is the first region village view after set-up
            res = browser_changes(engine, "all", 12500, max(1, args.repeat - 1), 180)
            out.update({f"region_{engine}_{k}": v for k, v in res.items()})
    out["load_average_end"] = os.getloadavg()[0]
    print(json.dumps(out, indent=1) if args.json else out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
