"""HTML and ``${...}`` from users' files, checked in headless Chromium with every outside request
blocked: shown as text, never run, in the upload page's tables, the map's title, tooltips and
popups, the saved list's note and the exported standalone HTML.

The payloads set ``window.__xss`` if they ever run (as an ``<img onerror>``, as a JavaScript
template string or as a ``<script>``); every check reads it back in the page and in the map's
iframe. Village names in the app's maps are the official ones (a file's names are matched to
them), so what a file puts on the maps is its name (the dataset's source, in every map title
and export); hostile village names in tooltips and popups are checked on a standalone map
built from a frame whose names are hostile (extending test_browser_explore.py's one village).
"""
from __future__ import annotations

import csv
import io
import re
import time

import pytest
from conftest import ARTIFACTS, click_area, needs_shared

from geo.analysis import frames
from geo.core.provenance import Provenance

pytestmark = [pytest.mark.browser, needs_shared]
HOSTILE = ['<img src=x onerror="window.__xss=1">', "${window.__xss=2}", "<script>window.__xss=3</script>"]
JINJA = "{{ 7 * 7 }}{% if 1 %}x{% endif %}"  # folium pages are Jinja templates: must stay text
# the uploaded file's name (without double quotes: browsers send them as %22 in the upload)
SOURCE = "<img src=x onerror=window.__xss=4>${window.__xss=5}{{ 6 * 7 }}.csv"
NOTE = " ".join(HOSTILE) + " `${window.__xss=6}`"
N_PATHS = "document.querySelectorAll('path.leaflet-interactive').length"


def _figures_file() -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["kode", "nama", "pekerja", "peserta", "petani", "petani_peserta"])
    for code, name in (("51.71.01.1001", "Serangan"), ("51.71.01.1002", "Pedungan"), ("51.71.01.1003", "Sesetan")):
        w.writerow([code, name, 3000, 1500, 400, 100])
    for text in HOSTILE:
        w.writerow(["", text, 10, 5, "", ""])
    return buf.getvalue().encode()


def _clean(frame_or_page) -> None:
    """Nothing ran and nothing became markup."""
    assert frame_or_page.evaluate("window.__xss") is None
    assert frame_or_page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
    assert frame_or_page.evaluate(  # no <script> element made from a payload (data in JSON is fine)
        "[...document.scripts].filter(s => s.textContent.trim() === 'window.__xss=3').length") == 0


def _wait_frame(page, predicate: str, timeout_s: float = 60):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if frame.evaluate(predicate):
                    return frame
            except Exception:  # a frame going away while the page reruns
                continue
        page.wait_for_timeout(200)
    raise AssertionError(f"no frame satisfied {predicate}")


def _grid_texts(page) -> list[str]:
    """The cells of the visible report tables (the grid keeps an accessible copy as text)."""
    return page.locator('[data-testid^="glide-cell-"]').all_inner_texts()


def test_hostile_upload_shown_as_text_on_every_page_and_in_the_export(app_url, offline_page, tmp_path):
    page = offline_page
    page.set_viewport_size({"width": 1500, "height": 1500})
    page.goto(app_url + "/figures?lang=en")
    page.wait_for_selector("input[type=file]", state="attached", timeout=60_000)
    page.set_input_files("input[type=file]", files=[{"name": SOURCE, "mimeType": "text/csv",
                                                      "buffer": _figures_file()}])
    page.get_by_text("Join report", exact=True).wait_for(timeout=60_000)
    page.get_by_text(re.compile(r"^Problems \(3\)$")).wait_for(timeout=30_000)
    # (2) the upload page's tables: the names as written, inside the messages
    page.wait_for_function("[...document.querySelectorAll('[data-testid^=\"glide-cell-\"]')]"
                           ".some(c => c.innerText.includes('window.__xss=3'))", timeout=30_000)
    cells = _grid_texts(page)
    for text in HOSTILE:
        assert f'Name "{text}" matches no official area.' in cells
    page.get_by_role("tab", name="Unmatched (3)").click()
    page.wait_for_function("[...document.querySelectorAll('[data-testid^=\"glide-cell-\"]')]"
                           ".some(c => c.innerText === '<script>window.__xss=3</script>')", timeout=30_000)
    assert all(text in _grid_texts(page) for text in HOSTILE)
    page.screenshot(path=str(ARTIFACTS / "hostile_upload.png"), full_page=True)
    _clean(page)

    # the figures in the whole app: the file's name is the source in every map title
    page.get_by_role("button", name="Use these figures in the whole app").click()
    page.get_by_text("is used in the whole app", exact=False).first.wait_for(timeout=90_000)
    page.get_by_role("link", name="Coverage map").click()  # in-app navigation: the same session
    # (1) the map: the title box shows the name as text, in the map's own iframe, nothing runs
    frame = _wait_frame(page, f"{N_PATHS} > 0 && !!document.querySelector('.geo-title') && "
                              "document.querySelector('.geo-title').innerText.includes('Source:')")
    assert f"Source: {SOURCE}" in frame.inner_text(".geo-title")
    page.screenshot(path=str(ARTIFACTS / "hostile_map.png"))
    _clean(frame)
    _clean(page)

    # (4) the targeting page: save a list whose name, author and note are hostile
    page.get_by_role("link", name="Target lists").click()
    frame = _wait_frame(page, f"{N_PATHS} === 716 && !!document.querySelector('.geo-title')")
    # this map is narrow (< 600 px): its title box is folded, its text is in the page as text
    assert f"Source: {SOURCE}" in frame.text_content(".geo-title")
    frame.click(".geo-title .geo-fold")  # unfolded, it shows it
    assert f"Source: {SOURCE}" in frame.inner_text(".geo-title")
    page.get_by_role("button", name="Select all shown", exact=True).click()
    page.get_by_text(re.compile(r"· 3 selected")).wait_for(timeout=30_000)
    page.get_by_label("List name").fill(HOSTILE[2] + " daftar")
    page.get_by_label("Author").fill(HOSTILE[0])
    page.get_by_label("Note").fill(NOTE)
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text(re.compile(r"saved \(version 1, 3 villages\)")).wait_for(timeout=30_000)
    page.get_by_role("tab", name="Open").click()
    shown = page.locator('[data-testid="stText"]').filter(has_text="window.__xss=6")
    shown.wait_for(timeout=30_000)
    assert shown.inner_text() == NOTE  # exactly as typed
    assert page.get_by_text(f"by {HOSTILE[0]} ·", exact=False).count() == 1
    page.screenshot(path=str(ARTIFACTS / "hostile_targets.png"), full_page=True)
    _clean(page)

    # (3) the exported standalone HTML, opened offline in a fresh page: the title is text, nothing runs
    with page.expect_download() as dl:
        page.get_by_role("button", name="Map (offline HTML)").click()
    html = dl.value.path().read_text(encoding="utf-8")
    assert SOURCE not in html  # escaped in the file itself, not only by the browser
    export = page.context.new_page()
    export.set_content(html, wait_until="load")
    export.wait_for_function(f"{N_PATHS} === 716", timeout=30_000)
    assert f"Source: {SOURCE}" in export.inner_text(".geo-title")
    _clean(export)
    export.close()
    assert not page.errors, page.errors


def test_hostile_names_in_tooltips_and_popups_of_a_standalone_map(bali, browser, tmp_path):
    """Four villages of Bangli named with the payloads (and a Jinja expression): each tooltip and
    popup shows the name exactly, as text, and nothing runs (geo.export.snapshot_html, geo.maps popups)."""
    from geo.figures import demo
    from geo.outputs import choropleth, export, maps
    fig = demo.demo_figures(bali)
    frame = frames.build_frames(bali.full, fig)["village"]
    codes = ["51.06.01.2001", "51.06.01.2002", "51.06.01.2003", "51.06.01.2004"]
    names = HOSTILE + [JINJA]
    for code, text in zip(codes, names):
        frame.loc[frame["code"] == code, "name"] = text
    view = choropleth.View(level="village", regency="51.06", basemap="none", lang="en")
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    page.route("**/*", lambda r: r.abort() if r.request.url.startswith("http") else r.continue_())
    snapshot = tmp_path / "hostile_snapshot.html"  # opened as a file, as a user opens the download
    snapshot.write_text(export.snapshot_html(frame, view, bali, Provenance(source=SOURCE, synthetic=True)), encoding="utf-8")
    page.goto(snapshot.as_uri())
    page.wait_for_function(f"{N_PATHS} === 72")
    for code, text in zip(codes, names):
        click_area(page.main_frame, code)
        page.evaluate("""code => { const p = document.querySelector(`path[data-code="${code}"]`);
            const r = p.getBoundingClientRect();
            p.dispatchEvent(new MouseEvent('mouseover', {bubbles: true, clientX: r.x + r.width / 2,
                                                         clientY: r.y + r.height / 2})); }""", code)
        tip = page.wait_for_selector(".leaflet-tooltip .geo-tip b")
        assert tip.inner_text() == text
        page.evaluate("""code => document.querySelector(`path[data-code="${code}"]`)
            .dispatchEvent(new MouseEvent('mouseout', {bubbles: true}))""", code)
    assert f"Source: {SOURCE}" in page.inner_text(".geo-title")
    _clean(page)

    # popups (geo.maps.AreaLayer(popup=True)): the same lines, opened by a click
    records = {c: (0, [text, [text, " · ", text]]) for c, text in zip(codes, names)}
    m = maps.base_map(tuple(bali.web["regency"].total_bounds), "none")
    maps.AreaLayer(bali.topology["village"], records, ["#3182bd"], draw_missing=False, popup=True).add_to(m)
    popups = tmp_path / "hostile_popups.html"
    popups.write_text(maps.render_standalone(m), encoding="utf-8")
    page.goto(popups.as_uri())
    page.wait_for_function(f"{N_PATHS} === 4")
    for code, text in zip(codes, names):
        click_area(page.main_frame, code)
        popup = page.wait_for_selector(".leaflet-popup-content .geo-tip")
        assert popup.inner_text().split("\n") == [text, f"{text} · {text}"]
        page.evaluate("document.querySelector('.leaflet-popup-close-button').click()")
        page.wait_for_selector(".leaflet-popup-content", state="detached")
    _clean(page)
    page.close()


def test_a_picture_is_refused_by_the_uploader_in_the_browser(app_url, offline_page):
    """A PNG chosen in the browser never reaches the app: the widget says why, nothing fails."""
    from testsupport import hostile as builders
    page = offline_page
    page.goto(app_url + "/figures?lang=en")
    page.wait_for_selector("input[type=file]", state="attached", timeout=60_000)
    page.set_input_files("input[type=file]", files=[{"name": "peta.png", "mimeType": "image/png",
                                                      "buffer": builders.png()}])
    page.get_by_text("image/png files are not allowed.").wait_for(timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("How the file was read").count() == 0
    assert not page.errors, page.errors
