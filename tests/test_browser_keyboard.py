"""The coverage map in the app, in headless Chromium: by keyboard alone (Tab to a regency,
Enter drills down; Tab to a village, Space opens its profile), framed inside the free part of
the map at 1440 px and 390 px, and the search box finding a village from a mistyped name."""
from __future__ import annotations

import time

import pytest
from conftest import ARTIFACTS, needs_shared, wait_for_map
from test_browser_framing import MEASURE, _check_frame

pytestmark = [pytest.mark.browser, needs_shared]
READY = ("document.querySelector('.leaflet-container') && "
         "document.querySelector('.leaflet-container').hasAttribute('data-geo-free') && "
         "document.querySelectorAll('.geo-kit-proxies button').length === {n}")


def _page(browser, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height})
    context.route("**/*", lambda r: r.continue_() if r.request.url.split("/")[2].startswith(("127.0.0.1", "localhost"))
                  or not r.request.url.startswith("http") else r.abort())
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return context, page


def _tab_to(page, frame, code: str, limit: int = 120) -> str:
    """Press Tab from the map until the area ``code`` has focus; its accessible name."""
    frame.focus(".leaflet-container")
    for _ in range(limit):
        page.keyboard.press("Tab")
        if frame.evaluate("document.activeElement && document.activeElement.getAttribute('data-code')") == code:
            return frame.evaluate("document.activeElement.getAttribute('aria-label')")
    raise AssertionError(f"Tab never reached {code}")


def _settled(frame, timeout_s: float = 10) -> dict:
    """The map's measures once two readings a moment apart agree (no animation running)."""
    last, deadline = None, time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        m = frame.evaluate(MEASURE)
        if m == last:
            return m
        last = m
        time.sleep(0.3)
    return last


@pytest.mark.parametrize("width,height", [(1440, 1000), (390, 844)])
def test_keyboard_drill_down_and_profile(width, height, app_url, browser, bali):
    context, page = _page(browser, width, height)
    try:
        page.goto(app_url + "/")
        frame = wait_for_map(page, READY.format(n=9), timeout_s=60)
        m = _settled(frame)
        _check_frame(m, f"app regency@{width}")
        assert (m["folded"] == 2) == (width < 600)

        label = _tab_to(page, frame, "51.07")
        assert label.startswith("Kabupaten Karangasem") and "%" in label  # name and value
        # the focus outline is the regency's shape (many vertices), not its bounding box
        vertices = frame.evaluate("""() => { const p = document.querySelector('.leaflet-geoFocus-pane path');
            return p ? (p.getAttribute('d').match(/L/g) || []).length : 0; }""")
        assert vertices > 20
        # closed tooltips fade out for 200 ms (opacity 0) before they leave the page
        tips = frame.evaluate("[...document.querySelectorAll('.leaflet-tooltip')]"
                              ".filter(e => e.style.opacity !== '0').map(e => e.innerText)")
        assert len(tips) == 1 and tips[0].startswith("Kabupaten Karangasem"), tips
        page.screenshot(path=str(ARTIFACTS / f"keyboard_focus_{width}.png"))

        page.keyboard.press("Enter")
        villages = bali.full["village"]
        n = int((villages["regency_code"] == "51.07").sum())
        frame = wait_for_map(page, READY.format(n=n), timeout_s=60)
        assert "regency=51.07" in page.url and "level=village" in page.url
        m = _settled(frame)
        _check_frame(m, f"app karangasem@{width}")
        page.screenshot(path=str(ARTIFACTS / f"keyboard_drilled_{width}.png"))

        code = sorted(villages.loc[villages["regency_code"] == "51.07", "code"])[0]
        _tab_to(page, frame, code)
        page.keyboard.press(" ")
        page.wait_for_function(f"() => location.search.includes('village={code}')", timeout=30000)
        page.get_by_text(code).first.wait_for(timeout=30000)  # the profile names the village
        page.screenshot(path=str(ARTIFACTS / f"keyboard_profile_{width}.png"), full_page=True)
        assert not page.errors, page.errors
    finally:
        context.close()


def test_search_box_finds_a_mistyped_village_and_frames_it(app_url, browser):
    context, page = _page(browser, 1440, 1000)
    try:
        page.goto(app_url + "/")
        wait_for_map(page, READY.format(n=9), timeout_s=60)
        box = page.get_by_role("textbox", name="Cari wilayah")
        box.fill("desa pecatuu")
        box.press("Enter")
        page.wait_for_function("() => location.search.includes('focus=51.03.05.2001')", timeout=30000)
        assert "village=51.03.05.2001" in page.url and "regency=51.03" in page.url
        page.get_by_text("51.03.05.2001").first.wait_for(timeout=30000)  # its profile is open
        frame = wait_for_map(page, "document.querySelector('.leaflet-container') && "
                                   "document.querySelector('.leaflet-container').getAttribute('data-geo-free') && "
                                   "document.querySelectorAll('.geo-kit-proxies button[data-code=\"51.03.05.2001\"]')"
                                   ".length === 1", timeout_s=60)
        time.sleep(1)
        r = frame.evaluate("""() => { const map = Object.values(window).find(v => v instanceof L.Map);
            let box = null; map.eachLayer(l => { if (l.feature && l.feature.properties.code === '51.03.05.2001' && l.getBounds)
              { const b = l.getBounds(); const a = map.latLngToContainerPoint(b.getNorthWest()),
                c = map.latLngToContainerPoint(b.getSouthEast()); box = [a.x, a.y, c.x, c.y]; } });
            const s = map.getSize(); return [box, s.x, s.y]; }""")
        (x0, y0, x1, y1), w, h = r
        assert 0 <= x0 and x1 <= w and 0 <= y0 and y1 <= h  # the village is in view ...
        assert max((x1 - x0) / w, (y1 - y0) / h) > 0.3  # ... and zoomed to (with its surroundings)
        page.screenshot(path=str(ARTIFACTS / "search_pecatu.png"))
        assert not page.errors, page.errors
    finally:
        context.close()
