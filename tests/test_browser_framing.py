"""Maps in headless Chromium at 1440 px and 390 px: every selection is framed inside the part of
the map that legend and title leave free and fills a fair share of it; boxes fold on a phone;
names are written without overlaps; tooltips stay inside the map (geomapkit.js)."""
from __future__ import annotations

import pytest
from conftest import ARTIFACTS, needs_shared

from geo import boundaries
from geo.analysis import frames
from geo.core.provenance import Provenance
from geo.figures import demo
from geo.outputs import areamap, choropleth, maps

pytestmark = [pytest.mark.browser, needs_shared]
SIZES = ((1440, 900), (390, 780))
FAIR_SHARE = 0.7  # the areas span at least this share of the free width or height
ALL_PROVINCES = ["51", "52", "53", "91", "92", "93", "94", "95", "96"]

# the drawn areas, the map, the free part (map minus the padding the script used), the boxes
MEASURE = """() => {
  const c = document.querySelector('.leaflet-container'), r0 = c.getBoundingClientRect();
  let b = null;
  document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').forEach(p => {
    const r = p.getBoundingClientRect(); if (!r.width) return;
    b = b ? [Math.min(b[0], r.left), Math.min(b[1], r.top), Math.max(b[2], r.right), Math.max(b[3], r.bottom)]
          : [r.left, r.top, r.right, r.bottom]; });
  const pad = (c.getAttribute('data-geo-free') || '').split(' ').map(Number);
  const labels = [...document.querySelectorAll('.geo-label')].map(e => {
    const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; });
  const boxes = [...document.querySelectorAll('.geo-box')].map(e => {
    const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; });
  return {w: r0.width, h: r0.height, areas: b, pad, labels, boxes,
          folded: document.querySelectorAll('.geo-box.geo-folded').length,
          synthetic: [...document.querySelectorAll('.geo-synthetic')].map(e => e.getBoundingClientRect().height > 0),
          buttons: document.querySelectorAll('.geo-kit-proxies button[aria-label]').length}; }"""


@pytest.fixture(scope="module")
def region():
    return boundaries.load(ALL_PROVINCES)


def _frames(bset):
    return frames.build_frames(bset.full, demo.demo_figures(bset))


CASES = {
    "bali_regency": ("51", choropleth.View(level="regency", basemap="none")),
    "bali_district": ("51", choropleth.View(level="district", basemap="none")),
    "bali_village": ("51", choropleth.View(level="village", basemap="none")),
    "karangasem_villages": ("51", choropleth.View(level="village", regency="51.07", basemap="none")),
    "buleleng_villages": ("51", choropleth.View(level="village", regency="51.08", basemap="none")),
    "jembrana_villages": ("51", choropleth.View(level="village", regency="51.01", basemap="none")),
    "klungkung_districts": ("51", choropleth.View(level="district", regency="51.05", basemap="none")),
    "badung_villages": ("51", choropleth.View(level="village", regency="51.03", basemap="none")),
    "all_regency": ("all", choropleth.View(level="regency", basemap="none")),
    "all_district": ("all", choropleth.View(level="district", basemap="none")),
}


def _overlaps(a, b) -> bool:
    return a[0] < b[2] - 1 and a[2] > b[0] + 1 and a[1] < b[3] - 1 and a[3] > b[1] + 1


def _check_frame(m: dict, name: str) -> None:
    assert m["areas"], f"{name}: nothing drawn"
    l, t, r, b = m["pad"]
    free = (l, t, m["w"] - r, m["h"] - b)
    a = m["areas"]
    # inside the free part (2 px for the stroke)
    assert a[0] >= free[0] - 2 and a[1] >= free[1] - 2 and a[2] <= free[2] + 2 and a[3] <= free[3] + 2, (name, a, free)
    share = max((a[2] - a[0]) / (free[2] - free[0]), (a[3] - a[1]) / (free[3] - free[1]))
    assert share >= FAIR_SHARE, (name, share)
    # the free part is clear of every box (legend, title)
    for box in m["boxes"]:
        assert not _overlaps(free, box), (name, box, free)
    # names do not overlap each other nor a box
    labels = m["labels"]
    for i, x in enumerate(labels):
        assert all(not _overlaps(x, y) for y in labels[i + 1:]), (name, x)
        assert all(not _overlaps(x, box) for box in m["boxes"]), (name, x)


def _measure(browser, html, width: int, height: int, shot: str) -> tuple[dict, list[str]]:
    """What the framed map measures in a window of ``width`` x ``height``, and the page's errors."""
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(html.as_uri())
    page.wait_for_function("document.querySelector('.leaflet-container').hasAttribute('data-geo-free')",
                           timeout=60000)
    m = page.evaluate(MEASURE)
    page.screenshot(path=str(ARTIFACTS / shot))
    page.close()
    return m, errors


@pytest.mark.parametrize("case", list(CASES))
def test_every_selection_is_framed_in_the_free_part(case, bali, region, browser, tmp_path):
    scope, view = CASES[case]
    bset = bali if scope == "51" else region
    frame = _frames(bset)[view.level]
    html = tmp_path / f"{case}.html"
    html.write_text(choropleth.snapshot_html(frame, view, bset, Provenance(source="demo", synthetic=True)))
    expected = len(choropleth.subset(frame, view))
    for width, height in SIZES:
        m, errors = _measure(browser, html, width, height, f"framing_{case}_{width}.png")
        assert not errors, errors
        _check_frame(m, f"{case}@{width}")
        assert m["buttons"] == expected  # one keyboard stop per area, each with a name
        assert (m["folded"] == 2) == (width < 600)  # legend and title fold away on a phone
        assert m["synthetic"] and all(m["synthetic"])  # the synthetic label stays in sight, folded or not
        if view.level == "regency" and scope == "51":
            assert len(m["labels"]) >= 8  # the regency names (Denpasar may not fit at 390 px)


def test_areas_map_all_provinces_framed_with_regency_names(region, browser, tmp_path):
    m0 = maps.base_map(tuple(region.web["regency"].total_bounds), "none")
    areamap.areas_layers(region, "id", show_villages=False).add_to(m0)
    html = tmp_path / "areas_all.html"
    html.write_text(maps.render_standalone(m0))
    for width, height in SIZES:
        m, _ = _measure(browser, html, width, height, f"framing_areas_all_{width}.png")
        _check_frame(m, f"areas_all@{width}")
        assert len(m["labels"]) >= (10 if width > 600 else 3)


TOOLTIP = """([x, y]) => {
  const el = document.elementFromPoint(x, y);
  el.dispatchEvent(new MouseEvent('mouseover', {bubbles: true, clientX: x, clientY: y}));
  el.dispatchEvent(new MouseEvent('mousemove', {bubbles: true, clientX: x, clientY: y}));
  const t = document.querySelector('.leaflet-tooltip'), c = document.querySelector('.leaflet-container');
  if (!t) return null;
  const r = t.getBoundingClientRect(), m = c.getBoundingClientRect();
  return [r.left - m.left, r.top - m.top, m.right - r.right, m.bottom - r.bottom, t.innerText]; }"""


@pytest.mark.parametrize("width,height", SIZES)
def test_tooltips_stay_inside_the_map(width, height, bali, browser, tmp_path):
    frame = _frames(bali)["regency"]
    view = choropleth.View(level="regency", basemap="none")
    html = tmp_path / "tips.html"
    html.write_text(choropleth.snapshot_html(frame, view, bali, Provenance(source="demo", synthetic=True)))
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(html.as_uri())
    page.wait_for_function("document.querySelector('.leaflet-container').hasAttribute('data-geo-free')",
                           timeout=60000)
    # the westernmost, easternmost, northernmost and southernmost drawn points of the areas
    points = page.evaluate("""() => { const out = [];
      const ps = [...document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive')];
      const rs = ps.map(p => p.getBoundingClientRect());
      const pick = f => rs.reduce((a, r) => f(r) < f(a) ? r : a);
      const hit = (x, y) => ps.includes(document.elementFromPoint(x, y));
      for (const [r, dx, dy] of [[pick(r => r.left), 1, 0], [pick(r => -r.right), -1, 0],
                                 [pick(r => r.top), 0, 1], [pick(r => -r.bottom), 0, -1]]) {
        let x = dx > 0 ? r.left : dx < 0 ? r.right : r.left + r.width / 2;
        let y = dy > 0 ? r.top : dy < 0 ? r.bottom : r.top + r.height / 2;
        for (let i = 0; i < 400 && !hit(x, y); i++) { x += dx || 0; y += dy || 0;
          if (!dx) x = r.left + r.width / 2; if (!dy) y = r.top + r.height / 2; }
        for (let i = 0; i < 3 && hit(x + (dx || 0), y + (dy || 0)); i++) { x += dx; y += dy; }
        out.push([x + 2 * (dx || 0), y + 2 * (dy || 0)]); }
      return out; }""")
    for point in points:
        tip = page.evaluate(TOOLTIP, point)
        assert tip is not None, point
        assert min(tip[:4]) >= 0, (point, tip)  # inside on every side
        assert tip[4].startswith("Kabupaten") or tip[4].startswith("Kota"), tip  # the whole name shows
    page.screenshot(path=str(ARTIFACTS / f"tooltip_edge_{width}.png"))
    page.close()
