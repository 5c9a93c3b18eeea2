"""The map explorer in headless Chromium, offline: change level and indicator, drill down,
select a village; and hostile names shown as text in a real browser."""
import pytest
from conftest import ARTIFACTS, choose, click_area, needs_shared, wait_for_map

from geo.analysis import frames
from geo.figures import demo
from geo.outputs import choropleth
from geo.core.provenance import Provenance

pytestmark = [pytest.mark.browser, needs_shared]
N_PATHS = "document.querySelectorAll('path.leaflet-interactive').length"


def test_change_level_indicator_drill_down_and_select(app_url, offline_page):
    page = offline_page
    page.goto(app_url + "/")
    frame = wait_for_map(page, f"{N_PATHS} === 9")
    page.screenshot(path=str(ARTIFACTS / "explore_regency.png"))

    choose(page, "Tingkat", "Desa/kelurahan")
    frame = wait_for_map(page, f"{N_PATHS} === 716")
    choose(page, "Indikator", "Pekerja belum terlindungi")
    frame = wait_for_map(page, "document.querySelectorAll('path.leaflet-interactive').length === 716 && "
                               "document.querySelectorAll('path:not(.leaflet-interactive)').length > 100")
    assert "level=village" in page.url and "indicator=uncovered" in page.url
    page.screenshot(path=str(ARTIFACTS / "explore_village_uncovered.png"))

    choose(page, "Tingkat", "Kabupaten/kota")
    frame = wait_for_map(page, f"{N_PATHS} === 9")
    click_area(frame, "51.06")  # Bangli: drill down to its 72 villages
    frame = wait_for_map(page, f"{N_PATHS} === 72")
    assert "regency=51.06" in page.url and "level=village" in page.url

    click_area(frame, "51.06.01.2001")
    page.get_by_text("51.06.01.2001").first.wait_for(timeout=20000)
    page.screenshot(path=str(ARTIFACTS / "explore_selected_village.png"), full_page=True)
    assert not page.errors, page.errors


def test_hostile_names_render_as_text_and_run_nothing(bali, browser, tmp_path):
    figures = demo.demo_figures(bali)
    frame = frames.build_frames(bali.full, figures)["village"]
    payload = '<img src=x onerror="window.__xss=1">${window.__xss=2}`'
    frame.loc[frame["code"] == "51.06.01.2001", "name"] = payload
    view = choropleth.View(level="village", regency="51.06", basemap="none")
    html = tmp_path / "hostile.html"
    html.write_text(choropleth.snapshot_html(frame, view, bali, Provenance(source='<script>window.__xss=3</script>', synthetic=True)))
    page = browser.new_page()
    page.route("**/*", lambda r: r.abort() if r.request.url.startswith("http") else r.continue_())
    page.goto(html.as_uri())
    page.wait_for_function(f"{N_PATHS} === 72")
    click_area(page.main_frame, "51.06.01.2001")
    page.evaluate("""() => { const p = document.querySelector('path[data-code="51.06.01.2001"]');
        const r = p.getBoundingClientRect();
        p.dispatchEvent(new MouseEvent('mouseover', {bubbles: true, clientX: r.x + r.width / 2, clientY: r.y + r.height / 2})); }""")
    tip = page.wait_for_selector(".leaflet-tooltip .geo-tip b")
    assert tip.inner_text() == payload  # shown exactly, as text
    assert page.evaluate("window.__xss") is None
    assert page.locator(".leaflet-tooltip img").count() == 0
    assert "<script>window.__xss=3</script>" in page.locator(".geo-title").inner_text()
    page.close()
