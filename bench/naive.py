"""The naive approach, measured beside ours in bench/run.py.

"Naive" is what an app without our boundary pipeline would do: parse the upstream SQL files
into one GeoDataFrame per level (no cleaning, dissolving, simplifying or TopoJSON), draw
them with ``GeoDataFrame.explore()`` (the whole GeoJSON in the page, Leaflet from CDNs), and
run libpysal's ``Queen.from_dataframe`` + ``esda.Moran_Local`` on the raw village polygons.
Each function takes the provinces and returns a dict of figures named ``<what>_<unit>``.

    python bench/naive.py [--province 51] [--browser]   # these figures alone (draw times: --browser)
"""
from __future__ import annotations

import argparse
import json
import mimetypes
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

import geopandas as gpd

# light imports only (geopandas' weight): the naive peak-memory child imports this module;
# geo.choropleth (folium, matplotlib) and geo.clusters (esda) are imported where used
from bench import report
from geo import boundaries
from geo.analysis import frames as analysis_frames
from geo.analysis import indicators
from geo.boundaries import upstream
from geo.figures import demo
from geo.core.provenance import Provenance

DEPTH_LEVEL = {1: "regency", 2: "district", 3: "village"}  # dots in an upstream code
LEAFLET_FILES = {"leaflet.js": ROOT / "static" / "vendor" / "leaflet" / "leaflet.js",
                 "leaflet.css": ROOT / "static" / "vendor" / "leaflet" / "leaflet.css"}


# ---------------------------------------------------------------- boundaries


def upstream_frames(provinces: list[str]) -> dict[str, gpd.GeoDataFrame]:
    """The naive "build": the upstream rows as they come, one GeoDataFrame per level.

    Rows without a path (none in Bali) are kept with no geometry; nothing is repaired,
    deduplicated, dissolved or simplified.
    """
    root = upstream.locate_source()
    rows: dict[str, list[upstream.Row]] = {level: [] for level in DEPTH_LEVEL.values()}
    for p in provinces:
        for rel in upstream.files_for_province(p, root):
            for r in upstream.read_file(root / rel):
                level = DEPTH_LEVEL.get(r.code.count("."))
                if level:
                    rows[level].append(r)
    return {level: gpd.GeoDataFrame({"code": [r.code for r in rs], "name": [r.name for r in rs]},
                                    geometry=[upstream.path_to_geometry(r.path) for r in rs], crs=4326)
            for level, rs in rows.items()}


def boundary_build(provinces: list[str]) -> tuple[dict, dict[str, gpd.GeoDataFrame]]:
    """``naive_boundary_build_s`` (one cold run, like ``boundary_build_s``) and the frames."""
    t = time.perf_counter()
    frames = upstream_frames(provinces)
    return {"naive_boundary_build_s": round(time.perf_counter() - t, 2)}, frames


# ---------------------------------------------------------------- map HTML


def explore_html(gdf: gpd.GeoDataFrame, frame: gpd.GeoDataFrame, indicator: str = "coverage_rate",
                 segment: str = "all") -> str:
    """What a naive app does on an indicator change: join the values, ``explore()``, render."""
    values = dict(zip(frame["code"], indicators.indicator(frame, indicator, segment)))
    gdf = gdf[~gdf.geometry.isna()].copy()
    gdf[indicator] = gdf["code"].map(values)
    m = gdf.explore(column=indicator, tooltip=["name", "code", indicator])
    return m.get_root().render()


def map_level(frames: dict[str, gpd.GeoDataFrame], ours: dict[str, gpd.GeoDataFrame], level: str, repeat: int,
              cycle: list[tuple[str, str]], prefix: str = "") -> dict:
    """``naive_<level>_map_bytes`` and ``naive_<level>_map_build_s_median`` for one level.

    ``frames`` are the upstream frames (built once), ``ours`` our analysis frames, which
    only lend the indicator values (joined by code, as a naive app would join its figures);
    the timed builds go through ``cycle``'s (indicator, segment) pairs, as ours do.
    """
    out = {f"{prefix}naive_{level}_map_bytes": len(explore_html(frames[level], ours[level]).encode())}
    changes = iter(cycle * (repeat + 1))

    def rebuild():
        ind, seg = next(changes)
        return explore_html(frames[level], ours[level], ind, seg)
    rebuild()  # warm
    out[f"{prefix}naive_{level}_map_build_s_median"] = round(report.median_time(rebuild, repeat)[0], 4)
    return out


# ---------------------------------------------------------------- drawing in Chromium


def _offline_route(route) -> None:
    """Leaflet from the project's vendored copy; any other outside request an empty 200.

    This favours the naive map: its CDN scripts cost no network time here, and jQuery,
    Bootstrap and the other plugins explore() links (not needed to draw paths) cost nothing;
    d3 is answered empty too, so explore()'s colour legend stops with "d3 is not defined"
    (after the polygons are on the map) and is never drawn. Our page inlines its scripts;
    its only outside requests are basemap tiles (off while timing, see ``draw_times``).
    """
    url = route.request.url
    name = url.split("?")[0].split("#")[0].rsplit("/", 1)[-1]
    if name in LEAFLET_FILES:
        return route.fulfill(status=200, path=str(LEAFLET_FILES[name]))
    if url.startswith(("http://", "https://")):
        ctype = mimetypes.guess_type(name)[0] or "text/plain"
        return route.fulfill(status=200, body="", content_type=ctype)
    return route.continue_()


def draw_times(pages: dict[str, str], expected: int, repeat: int, timeout_s: float = 120) -> dict[str, float]:
    """Median seconds from opening each HTML (a temp file) to ``expected`` paths drawn.

    Every page is first opened once untimed, which also checks that it draws exactly
    ``expected`` interactive paths (a naive map that cannot draw must not look fast).
    Images (the basemap tiles) are off for both pages: they are not needed to draw the
    paths, cannot be fetched here, and answering each through the route handler (in this
    Python process) delayed the measured time by ~0.3 s for our map, which asks for 98
    tiles (explore(): 46), although the paths were drawn just as early.
    """
    from playwright.sync_api import sync_playwright

    from testsupport.browser import CHROMIUM, CHROMIUM_ARGS

    drawn = f"document.querySelectorAll('path.leaflet-interactive').length === {expected}"
    out = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=CHROMIUM_ARGS + ["--blink-settings=imagesEnabled=false"])
        for key, html in pages.items():
            path = Path(tmp) / f"{key}.html"
            path.write_text(html, encoding="utf-8")
            times = []
            for i in range(repeat + 1):
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                context.route("**/*", _offline_route)
                page = context.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                t = time.perf_counter()
                page.goto(path.as_uri(), wait_until="commit")
                try:
                    page.wait_for_function(drawn, timeout=timeout_s * 1000, polling=20)
                except Exception as exc:
                    n = page.evaluate("document.querySelectorAll('path.leaflet-interactive').length")
                    raise RuntimeError(f"{key}: {n} paths drawn, expected {expected}; page errors: {errors}") from exc
                if i:  # the first opening warms the browser and checks the drawing
                    times.append(time.perf_counter() - t)
                context.close()
            out[key] = round(statistics.median(times), 3)
        browser.close()
    return out


def draw_figures(provinces: list[str], frames: dict[str, gpd.GeoDataFrame], repeat: int) -> dict:
    """``village_map_draw_s_median`` (ours) and ``naive_village_map_draw_s_median``.

    Ours is the standalone village map (``choropleth.snapshot_html``: scripts inlined, the
    same layers as the app's map); the naive one ``explore()``'s HTML. Same procedure for both.
    """
    from geo.outputs import choropleth
    bset = boundaries.load(provinces)
    ours = analysis_frames.build_frames(bset.full, demo.demo_figures(bset))
    view = choropleth.View(level="village")
    expected = int((~(bset.full["village"].geometry.isna() | bset.full["village"].geometry.is_empty)).sum())
    naive_n = int((~frames["village"].geometry.isna()).sum())
    if naive_n != expected:
        raise RuntimeError(f"the naive village layer has {naive_n} shapes, ours {expected}")
    pages = {"village_map_draw_s_median": choropleth.snapshot_html(ours["village"], view, bset, Provenance(source="demo", synthetic=True)),
             "naive_village_map_draw_s_median": explore_html(frames["village"], ours["village"])}
    return draw_times(pages, expected, repeat)


# ---------------------------------------------------------------- clustering


def clusters_figures(provinces: list[str], frames: dict[str, gpd.GeoDataFrame], repeat: int) -> dict:
    """libpysal Queen weights on the raw village polygons, then local Moran's I.

    The variable is ours (``clusters.variable`` with the default settings: vulnerable
    uncovered count of the demo figures), joined by code; same permutations and seed.
    ``naive_clusters_isolates``: villages without any queen neighbour in the raw polygons.
    """
    from esda import Moran_Local
    from libpysal.weights import Queen

    from geo.analysis import clusters

    bset = boundaries.load(provinces)
    frame = analysis_frames.build_frames(bset.full, demo.demo_figures(bset))["village"]
    settings = clusters.Settings()
    var = clusters.variable(frame, settings)
    values = dict(zip(var.frame["code"], var.y))
    raw = frames["village"]
    raw = raw[~raw.geometry.isna() & raw["code"].isin(values)].reset_index(drop=True)
    y = raw["code"].map(values).to_numpy(dtype=float)

    def analyse():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # libpysal's and esda's deprecation notices
            t = time.perf_counter()
            w = Queen.from_dataframe(raw, use_index=False, silence_warnings=True)
            t_w = time.perf_counter()
            Moran_Local(y, w, permutations=settings.permutations, keep_simulations=False, seed=settings.seed)
            t_m = time.perf_counter()
        return w, t_w - t, t_m - t_w, t_m - t

    runs = [analyse() for _ in range(repeat)]
    return {"naive_clusters_villages": len(raw),
            "naive_clusters_weights_queen_s": round(statistics.median(r[1] for r in runs), 3),
            "naive_clusters_local_moran_s": round(statistics.median(r[2] for r in runs), 3),
            "naive_clusters_s": round(statistics.median(r[3] for r in runs), 3),
            "naive_clusters_isolates": len(runs[0][0].islands)}


# ---------------------------------------------------------------- peak memory


def peak_rss(provinces: list[str]) -> dict:
    """Peak resident memory (MB) of a fresh process building the village map HTML each way.

    Ours: the boundaries from the cache, the demo figures, the frames, the village map HTML.
    Naive: the upstream parse, the figures read from a CSV (code, coverage rate: a naive app
    reads its figures from a file), ``explore()`` and render.
    """
    bset = boundaries.load(provinces)  # builds the cache if needed, so the child only loads it
    frame = analysis_frames.build_frames(bset.full, demo.demo_figures(bset))["village"]
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        values = Path(tmp) / "coverage_rate.csv"
        frame[["code"]].assign(coverage_rate=indicators.indicator(frame, "coverage_rate")).to_csv(values, index=False)
        for key, how in (("village_map_peak_rss_mb", "ours"), ("naive_village_map_peak_rss_mb", "naive")):
            res = subprocess.run([sys.executable, __file__, "--peak-rss", how, "--province", ",".join(provinces),
                                  "--values", str(values)], capture_output=True, text=True, cwd=ROOT, check=True)
            out[key] = json.loads(res.stdout.strip().splitlines()[-1])["peak_rss_mb"]
    return out


def _peak_rss_child(how: str, provinces: list[str], values: Path) -> float:
    if how == "ours":
        from geo.outputs import choropleth
        bset = boundaries.load(provinces)
        frames = analysis_frames.build_frames(bset.full, demo.demo_figures(bset))
        html = choropleth.explorer_html(frames["village"], choropleth.View(level="village"), bset, Provenance(source="demo", synthetic=True))
    else:
        import pandas as pd
        gdf = upstream_frames(provinces)["village"]
        gdf = gdf[~gdf.geometry.isna()].merge(pd.read_csv(values, dtype={"code": str}), on="code", how="left")
        html = gdf.explore(column="coverage_rate", tooltip=["name", "code", "coverage_rate"]).get_root().render()
    assert len(html) > 0
    # Not getrusage().ru_maxrss: Linux carries it over from the parent across fork + exec, so
    # a child of the benchmark (~350 MB by then) would report the benchmark's own peak.
    # VmHWM is the same peak resident set, of this process image alone (equal to ru_maxrss
    # when the child is started from a small process, e.g. a shell).
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# ---------------------------------------------------------------- all of it


def run(provinces: list[str], repeat: int, cycle: list[tuple[str, str]], browser: bool = True) -> dict:
    """Every naive figure (and the two of ours measured the same way: draw time, peak memory)."""
    bset = boundaries.load(provinces)
    ours = analysis_frames.build_frames(bset.full, demo.demo_figures(bset))
    out, frames = boundary_build(provinces)
    for level in boundaries.LEVELS:
        out.update(map_level(frames, ours, level, repeat, cycle))
    out.update(clusters_figures(provinces, frames, repeat))
    if browser:
        out.update(draw_figures(provinces, frames, repeat))
    out.update(peak_rss(provinces))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--province", default="51", help="code or comma list")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--browser", action="store_true", help="also the draw times in headless Chromium")
    ap.add_argument("--peak-rss", choices=("ours", "naive"), help=argparse.SUPPRESS)
    ap.add_argument("--values", help=argparse.SUPPRESS)
    args = ap.parse_args()
    provinces = args.province.split(",")
    if args.peak_rss:
        print(json.dumps({"peak_rss_mb": _peak_rss_child(args.peak_rss, provinces, Path(args.values))}))
        return 0
    cycle = [("coverage_rate", "all"), ("uncovered", "farmer"), ("gap_to_target", "all")]
    print(json.dumps(run(provinces, args.repeat, cycle, args.browser)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
