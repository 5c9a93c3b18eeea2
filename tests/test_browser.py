"""The app in headless Chromium with every outside host blocked: the map must still draw."""
import pytest
from conftest import ARTIFACTS, map_frame, needs_shared

pytestmark = [pytest.mark.browser, needs_shared]


def test_all_716_villages_drawn_offline(app_url, offline_page):
    page = offline_page
    page.goto(app_url + "/areas")
    frame = map_frame(page, min_paths=716)
    page.wait_for_timeout(500)
    villages = frame.evaluate("document.querySelectorAll('path.leaflet-interactive').length")
    assert villages == 716
    # Leaflet came from the app itself, and tiles were attempted only from outside (blocked)
    assert frame.evaluate("typeof L !== 'undefined' && typeof topojson !== 'undefined'")
    assert all(".js" not in u and ".css" not in u for u in page.blocked), page.blocked
    assert frame.evaluate("document.querySelectorAll('.geo-legend').length") == 1
    assert not page.errors, page.errors
    page.screenshot(path=str(ARTIFACTS / "areas_offline.png"), full_page=True)


def test_hover_shows_name_as_text(app_url, offline_page):
    page = offline_page
    page.goto(app_url + "/areas")
    frame = map_frame(page, min_paths=716)
    frame.evaluate("""() => {
        const p = document.querySelectorAll('path.leaflet-interactive')[100];
        const r = p.getBoundingClientRect();
        p.dispatchEvent(new MouseEvent('mouseover', {bubbles: true, clientX: r.x + r.width / 2,
                                                     clientY: r.y + r.height / 2}));
    }""")
    tip = frame.wait_for_selector(".leaflet-tooltip .geo-tip", timeout=5000)
    text = tip.inner_text()
    assert "51." in text and "Kecamatan" in text
