"""Benchmark of the cluster analysis: weights, global and local statistics, and the map.

``run(provinces)`` returns timings in seconds (and sizes in bytes) for one province set, on
the synthetic demo figures, the way the cluster page computes them: the three weights
(queen, rook, k nearest), global Moran's I, local Moran and Gi* (999 permutations, more for
the areas at the floor), the stability runs, and the cluster map's HTML.
``clusters_analyse_s`` is the whole analysis (global Moran, local statistics with adaptive
permutations, stability: 5 runs) on weights built beforehand, as the page runs it on its
cached weights, with the defaults (vulnerable workers, all villages);
``clusters_analyse_cold_s`` the same with the weights built inside, as ``clusters.analyse``
does alone; ``clusters_<segment>_...`` the same for fishers (their own villages, the
default) and farmers. ``button_to_map_s`` is the server's
share of the time from pressing "Compute clusters" to the map: all weights the analysis
needs, the analysis, and the map HTML (cold caches). ``browser_button_to_map(...)`` measures the same
press in headless Chromium, until every village is drawn.

    python bench/clusters_bench.py                 # Bali
    python bench/clusters_bench.py --province all  # the region in ../shared/boundaries
    python bench/clusters_bench.py --browser       # also the click in Chromium (Bali)
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from geo import boundaries
from geo.analysis import clusters
from geo.analysis import frames as analysis_frames
from geo.analysis import weights as wts
from geo.boundaries import upstream
from geo.figures import demo
from geo.outputs import clustermap
from geo.core.provenance import Provenance


def _timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def run(provinces: list[str] | tuple[str, ...] = ("51",), repeats: int = 3,
        cache_dir: Path | None = None) -> dict:
    """Timings for one province set (medians over ``repeats`` where cheap enough)."""
    provinces = list(provinces)
    bset = boundaries.load(provinces, cache_dir=cache_dir) if cache_dir else boundaries.load(provinces)
    fig, note = _demo(bset, provinces, cache_dir)
    frame = analysis_frames.build_frames(bset.full, fig)["village"]
    settings = clusters.Settings()  # the defaults: vulnerable, count, queen, 999, FDR, seed 12345
    var = clusters.variable(frame, settings)
    out: dict = {"provinces": ",".join(provinces), "villages": int(len(frame)),
                 "analysed": int(len(var.frame))}
    if note:
        out["note"] = note

    built = {}
    for kind in wts.KINDS:
        times = []
        for _ in range(repeats if len(frame) < 3000 else 1):
            built[kind], s = _timed(wts.build, var.frame, kind, settings.k)
            times.append(s)
        out[f"clusters_weights_{kind}_s"] = round(statistics.median(times), 3)
    w = built[settings.weights]
    out["clusters_isolates"] = len(w.isolates)
    out["clusters_joined"] = len(w.joined)
    out["clusters_cross_links"] = w.cross_links

    def median_of(fn, *args) -> float:
        return round(statistics.median(_timed(fn, *args)[1] for _ in range(repeats)), 3)

    out["clusters_global_moran_s"] = median_of(clusters.global_moran, var, w.w, settings)
    out["clusters_local_moran_s"] = median_of(clusters.local_labels, var, w.w, settings)
    gi = clusters.Settings(statistic="gi")
    out["clusters_local_gi_s"] = median_of(clusters.local_labels, var, w.w, gi)
    out["clusters_local_permutations_used"] = clusters.local_labels(var, w.w, settings).permutations_used

    # the whole analysis (global Moran, local statistics with adaptive permutations, stability:
    # 5 runs) on weights built beforehand, as the page does with its cached weights; and cold,
    # as ``clusters.analyse`` does alone (weights built inside, land masses when a subset)
    few = repeats if len(frame) < 3000 else 1
    for name, s in (("", settings), ("fisher_", clusters.Settings(segment="fisher")),
                    ("farmer_", clusters.Settings(segment="farmer"))):
        v = clusters.variable(frame, s)
        fill = clusters.fill_for(s, v)
        ready = {kind: wts.build(v.frame, kind, s.k, fill=fill) for kind in clusters.weight_kinds(s)}
        warm, cold = [], []
        for _ in range(few):
            result, a = _timed(clusters.analyse, frame, s, lambda f, kind, k, fill: ready[kind])
            warm.append(a)
            cold.append(_timed(clusters.analyse, frame, s)[1])
        out[f"clusters_{name}analyse_s"] = round(statistics.median(warm), 3)
        out[f"clusters_{name}analyse_cold_s"] = round(statistics.median(cold), 3)
        out[f"clusters_{name}areas_analysed"] = int(len(result.table))
        out[f"clusters_{name}permutations_used"] = int(result.permutations_used)
        out[f"clusters_{name}high_high"] = result.counts().get(clusters.HH, 0)
        out[f"clusters_{name}low_low"] = result.counts().get(clusters.LL, 0)

    # the page's path from a press of the button: weights, analysis with stability, map HTML
    totals, html_s = [], []
    fill = clusters.fill_for(settings, var)
    for _ in range(few):
        t0 = time.perf_counter()
        land = wts.land_groups(frame) if clusters.needs_land(frame, var.frame) else None  # as the page does
        fresh = {kind: wts.build(var.frame, kind, settings.k, fill=fill, land=land)
                 for kind in clusters.weight_kinds(settings)}
        result = clusters.analyse(frame, settings, lambda f, kind, k, fill: fresh[kind])
        group, h = _timed(lambda: _map_html(result, frame, bset, fig.provenance))
        totals.append(time.perf_counter() - t0)
        html_s.append(h)
    out["clusters_map_html_s"] = round(statistics.median(html_s), 3)
    out["clusters_map_bytes"] = len(group)
    out["clusters_s_median"] = round(statistics.median(totals), 3)
    out["button_to_map_s"] = out["clusters_s_median"]
    return out


def _demo(bset, provinces: list[str], cache_dir: Path | None):
    """The demo figures; per province when the combined demo cannot be built (then noted)."""
    try:
        return demo.demo_figures(bset), ""
    except Exception as exc:  # noqa: BLE001 - a benchmark reports and carries on
        import dataclasses

        import pandas as pd
        parts = [demo.demo_figures(boundaries.load([p], cache_dir=cache_dir) if cache_dir else boundaries.load([p]))
                 for p in provinces]
        data = pd.concat([f.data for f in parts], ignore_index=True)
        return (dataclasses.replace(parts[0], data=data),
                f"demo figures built per province: the combined demo failed ({type(exc).__name__}: {exc})")


def _map_html(result, frame, bset, provenance: Provenance) -> str:
    return clustermap.cluster_map(result, frame, bset, "id", provenance).get_root().render()


def browser_button_to_map(provinces: tuple[str, ...] = ("51",), timeout_s: float = 300) -> dict:
    """Seconds from a click on "Compute clusters" (farmers) to every village drawn, in Chromium.

    Starts the app on a free port with the default boundary cache, and stops it afterwards.
    """
    import socket
    import subprocess
    import urllib.request

    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port",
                             str(port), "--server.headless", "true", "--server.address", "127.0.0.1"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.25)
        n = int((~boundaries.load(list(provinces)).full["village"].geometry.is_empty).sum())  # drawn ones
        drawn = f"document.querySelectorAll('path.leaflet-interactive').length >= {n}"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.route("**/*", lambda r: r.abort() if r.request.url.startswith("http")
                       and "127.0.0.1" not in r.request.url else r.continue_())
            t0 = time.perf_counter()
            page.goto(f"{url}/clusters?lang=en&province={','.join(provinces)}")
            _wait(page, drawn, timeout_s)
            first = time.perf_counter() - t0
            page.get_by_role("combobox", name="Workers", exact=True).click()
            page.get_by_role("option", name="farmers", exact=True).click()
            t0 = time.perf_counter()
            page.get_by_role("button", name="Compute clusters").click()
            # the old map is replaced: wait for the new title, then for every village
            _wait(page, "document.querySelector('.geo-title') && "
                        "document.querySelector('.geo-title').innerText.includes('farmers') && " + drawn, timeout_s)
            click = time.perf_counter() - t0
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    return {"browser_first_map_s": round(first, 2), "browser_button_to_map_s": round(click, 2)}


def _wait(page, predicate: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if frame.evaluate(predicate):
                    return
            except Exception:  # noqa: BLE001 - frames come and go while Streamlit reruns
                continue
        time.sleep(0.05)
    raise TimeoutError(predicate)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--province", default="51", help="code, comma list or 'all'")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cache-dir", default=None, help="boundary cache (default data/boundaries)")
    parser.add_argument("--browser", action="store_true", help="also time the button in headless Chromium")
    args = parser.parse_args()
    from geo.core import codes
    provinces = codes.parse_provinces(args.province, upstream.provinces_in_source(upstream.locate_source()))
    out = run(provinces, args.repeats, Path(args.cache_dir) if args.cache_dir else None)
    if args.browser:
        out.update(browser_button_to_map(tuple(provinces)))
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
