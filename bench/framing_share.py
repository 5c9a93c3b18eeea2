"""How much of the free part of the map the areas fill, per selection and width (docs/interactive-maps.md).

    .venv/bin/python bench/framing_share.py

Exports each view as standalone HTML, opens it in headless Chromium at 1440×900 and 390×780,
and prints the share of the free width or height (whichever binds) the drawn areas span, and
how many names were written.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from geo import boundaries
from geo.analysis import frames
from geo.core.provenance import Provenance
from geo.figures import demo
from geo.outputs import choropleth
from testsupport.browser import CHROMIUM, CHROMIUM_ARGS

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from test_browser_framing import MEASURE  # noqa: E402

VIEWS = {
    "Bali regencies": choropleth.View(level="regency", basemap="none"),
    "Karangasem villages": choropleth.View(level="village", regency="51.07", basemap="none"),
    "Buleleng villages": choropleth.View(level="village", regency="51.08", basemap="none"),
    "Jembrana villages": choropleth.View(level="village", regency="51.01", basemap="none"),
    "Klungkung districts": choropleth.View(level="district", regency="51.05", basemap="none"),
    "Badung villages": choropleth.View(level="village", regency="51.03", basemap="none"),
    "Bali villages": choropleth.View(level="village", basemap="none"),
}


def main() -> None:
    bset = boundaries.load(["51"])
    fr = frames.build_frames(bset.full, demo.demo_figures(bset))
    out = Path(tempfile.mkdtemp(prefix="framing-"))
    print("| selection | width | share | names drawn |\n|---|---|---|---|")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, view in VIEWS.items():
            html = out / "map.html"
            html.write_text(choropleth.snapshot_html(fr[view.level], view, bset, Provenance(source="demo", synthetic=True)))
            for width, height in ((1440, 900), (390, 780)):
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(html.as_uri())
                page.wait_for_function("document.querySelector('.leaflet-container').hasAttribute('data-geo-free')",
                                       timeout=60000)
                m = page.evaluate(MEASURE)
                page.close()
                left, top, right, bottom = m["pad"]
                a = m["areas"]
                share = max((a[2] - a[0]) / (m["w"] - left - right), (a[3] - a[1]) / (m["h"] - top - bottom))
                print(f"| {name} | {width} | {share:.2f} | {len(m['labels'])} |")
        browser.close()


if __name__ == "__main__":
    main()
