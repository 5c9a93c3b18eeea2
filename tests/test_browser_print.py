"""Printing the map page: the print stylesheet (ui/printing.py) leaves the map and the figures
on one A4 page, without the sidebar, the header or any control."""
import subprocess

import pytest
from conftest import ARTIFACTS, needs_shared, wait_for_map

pytestmark = [pytest.mark.browser, needs_shared]

HIDDEN = ("stSidebar", "stHeader", "stSelectbox", "stNumberInput", "stSlider", "stRadio", "stButton",
          "stDownloadButton", "stExpander")
SHOWN_JS = """k => [...document.querySelectorAll(`[data-testid=${k}]`)].filter(e => {
    const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 }).length"""


def test_print_shows_map_and_figures_on_one_a4_page(app_url, offline_page, tmp_path, bali):
    page = offline_page
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(app_url + "/?lang=en")
    wait_for_map(page, "document.querySelectorAll('path.leaflet-interactive').length === 9", 90)
    # on screen the controls are there (so the check below can fail)
    assert page.evaluate(SHOWN_JS, "stSelectbox") >= 4 and page.evaluate(SHOWN_JS, "stSidebar") == 1
    page.emulate_media(media="print")
    # printing: the page's script sets each map's frame to the paper's width and re-frames it
    # on what it showed (the event a browser sends before it lays the page out for paper)
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    frame = wait_for_map(page, "document.querySelector('.leaflet-container').getBoundingClientRect().width === 733")
    shown = frame.evaluate("""() => { const m = Object.values(window).find(v => v instanceof L.Map);
        const b = m.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }""")
    west, south, east, north = bali.web["regency"].total_bounds
    assert shown[0] <= west and shown[1] <= south and shown[2] >= east and shown[3] >= north, shown  # all Bali
    for key in HIDDEN:
        assert page.evaluate(SHOWN_JS, key) == 0, f"{key} is printed"
    box = page.evaluate("""() => [...document.querySelectorAll('iframe')].map(f => f.getBoundingClientRect())
        .map(r => [r.width, r.height]).sort((a, b) => b[0] * b[1] - a[0] * a[1])[0]""")
    assert box[0] == 733 and box[1] > 500  # the map is printed at the paper's width, full height
    assert page.get_by_text("Bali: coverage").first.is_visible()  # the province's figures
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    out = tmp_path / "print.pdf"
    out.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           1" in info and "(A4)" in info, info
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(out), str(ARTIFACTS / "print_explore")],
                   check=True)
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    page.emulate_media(media="screen")
    wait_for_map(page, "document.querySelector('.leaflet-container').getBoundingClientRect().width !== 733")
    assert page.evaluate(SHOWN_JS, "stSelectbox") >= 4  # back on screen, the controls return


def _pdf_text(path) -> str:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           1" in info and "(A4)" in info, info
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split())


def test_brief_downloads_from_the_map_and_the_target_list(app_url, browser, bali):
    """The A4 brief buttons in a real browser: the map view's brief, then a linked selection's."""
    from geo.core import codes
    ctx = browser.new_context(viewport={"width": 1440, "height": 1100}, accept_downloads=True)
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(app_url + "/?lang=en&level=district")
    wait_for_map(page, "document.querySelectorAll('path.leaflet-interactive').length === 57", 90)
    with page.expect_download(timeout=120_000) as dl:
        page.get_by_role("button", name="Download A4 brief (PDF)").click()
    assert dl.value.suggested_filename.endswith(".pdf")
    text = _pdf_text(dl.value.path())
    assert "Coverage rate · all workers" in text and "Key figures" in text and "Kintamani" in text
    assert "Synthetic data (demo), not real" in text and "Source: demo" in text

    universe = list(bali.full["village"]["code"])
    chosen = [c for c in universe if c.startswith("51.05.")][:9]  # nine villages of Klungkung
    page.goto(app_url + "/targets?lang=en&sel=" + codes.encode_subset(chosen, universe))
    page.get_by_text("· 9 selected").first.wait_for(timeout=90_000)
    with page.expect_download(timeout=120_000) as dl:
        page.get_by_role("button", name="Download A4 brief (PDF)").click()
    text = _pdf_text(dl.value.path())
    names = bali.names("village")
    assert "Target villages" in text and "(current selection, not saved)" in text
    assert all(names[c] in text for c in chosen)
    assert "Budget for 12 months" in text and "Settings: segments" in text
    assert not errors, errors
    ctx.close()
