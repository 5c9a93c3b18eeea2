"""Targeting in headless Chromium, every outside host blocked: the offline HTML snapshots draw,
map clicks and table ticks select villages, and a copied URL reopens the same view."""
from __future__ import annotations

import re
import time

import pytest
from conftest import ARTIFACTS, map_frame, needs_shared

from geo.analysis import frames, targeting
from geo.core import schema
from geo.outputs import choropleth, export, maps, targetmap
from testsupport.appserver import running_app
from testsupport.journey import Journey
from geo.core.provenance import Provenance

pytestmark = [pytest.mark.browser, needs_shared]


@pytest.fixture(scope="module")
def demo_frames(bali):
    from geo.figures import demo
    fig = demo.demo_figures(bali)
    return fig, frames.build_frames(bali.full, fig)


def _draw_offline(page, html: str) -> int:
    page.set_content(html, wait_until="load")
    deadline = time.monotonic() + 30
    n = 0
    while time.monotonic() < deadline:
        n = page.evaluate("document.querySelectorAll('path.leaflet-interactive').length")
        if n:
            break
        time.sleep(0.2)
    page.wait_for_timeout(300)
    return page.evaluate("document.querySelectorAll('path.leaflet-interactive').length")


def test_html_snapshot_draws_offline(bali, demo_frames, offline_page):
    fig, frames = demo_frames
    view = choropleth.View(level="village", indicator="coverage_rate", lang="en")
    html = export.snapshot_html(frames["village"], view, bali, fig.provenance)
    assert _draw_offline(offline_page, html) == 716
    assert not offline_page.errors, offline_page.errors
    # only basemap tiles were asked for outside, and they were blocked: no script, no style
    assert all(u.endswith(".png") for u in offline_page.blocked), offline_page.blocked
    assert "Synthetic" in offline_page.inner_text(".geo-title")
    offline_page.screenshot(path=str(ARTIFACTS / "snapshot_offline.png"))


def test_regency_snapshot_and_selection_map_draw_offline(bali, demo_frames, offline_page):
    fig, frames = demo_frames
    view = choropleth.View(level="regency", indicator="uncovered", segment="vulnerable", basemap="none")
    html = export.snapshot_html(frames["regency"], view, bali, fig.provenance)
    assert _draw_offline(offline_page, html) >= 9  # regencies (and circles)
    table = targeting.village_table(frames["village"], targeting.Settings())
    m = maps.base_map(tuple(bali.web["regency"].total_bounds), "none")
    targetmap.selection_layers(bali, table, list(table["code"][:7]), [], "id", Provenance(source="demo", synthetic=True)).add_to(m)
    assert _draw_offline(offline_page, export.map_html(m)) == 716
    blue = offline_page.evaluate("[...document.querySelectorAll('path.leaflet-interactive')]"
                                 ".filter(p => p.getAttribute('fill') === '#08519c').length")
    assert blue == 7
    assert not offline_page.errors and not offline_page.blocked


# ---------------------------------------------------------------- the page itself


@pytest.fixture(scope="module")
def targets_url(tmp_path_factory):
    """The app with its own saved-lists database, so tests never write into data/."""
    db = tmp_path_factory.mktemp("lists") / "lists.sqlite"
    with running_app("streamlit_targets.log", {"GEO_DATABASE_URL": f"sqlite:///{db}"}) as (url, _proc):
        yield url


def _caption(page) -> str:
    return page.get_by_text(re.compile(r"villages shown")).inner_text()


def _wait_caption(page, pattern: str, timeout_s: float = 30) -> str:
    deadline = time.monotonic() + timeout_s
    text = ""
    while time.monotonic() < deadline:
        try:
            text = _caption(page)
        except Exception:  # the page is rerunning
            text = ""
        if re.search(pattern, text):
            return text
        page.wait_for_timeout(250)
    raise AssertionError(f"caption {text!r} never matched {pattern!r}")


def _uncovered(demo_frames, regency: str) -> "list[int]":
    fig, _ = demo_frames
    d = fig.data.set_index("code")
    d = d[[c.startswith(regency + ".") for c in d.index]]
    unc = sum(d[f"workers_{s}"].astype(int) - d[f"covered_{s}"].astype(int) for s in schema.NON_WAGE)
    return list(unc)


def test_url_round_trip_in_the_browser(targets_url, browser, demo_frames):
    counts = _uncovered(demo_frames, "51.03")
    ctx = browser.new_context(viewport={"width": 1500, "height": 1400})
    page = ctx.new_page()
    page.goto(targets_url + "/targets?lang=en&tl_regency=51.03&tl_min=300")
    map_frame(page, min_paths=716)
    _wait_caption(page, rf"^{sum(u >= 300 for u in counts)} of 716 villages shown")
    # change a filter in the page: the URL follows
    box = page.get_by_label("Minimum uncovered")
    box.fill("1000")
    box.press("Enter")
    _wait_caption(page, rf"^{sum(u >= 1000 for u in counts)} of 716 villages shown")
    deadline = time.monotonic() + 15
    while "tl_min=1000" not in page.url and time.monotonic() < deadline:
        page.wait_for_timeout(200)  # lets Playwright see the page's history updates
    assert "tl_min=1000" in page.url and "tl_regency=51.03" in page.url
    copied = page.url
    ctx.close()
    # the copied link in a fresh browser context: the same view
    ctx = browser.new_context(viewport={"width": 1500, "height": 1400})
    page = ctx.new_page()
    page.goto(copied)
    map_frame(page, min_paths=716)
    _wait_caption(page, rf"^{sum(u >= 1000 for u in counts)} of 716 villages shown")
    assert page.get_by_label("Minimum uncovered").input_value() == "1000"
    ctx.close()


def test_select_by_map_and_table_save_and_reopen_by_url(targets_url, browser, demo_frames):
    n_regency = len(_uncovered(demo_frames, "51.05"))
    ctx = browser.new_context(viewport={"width": 1500, "height": 1400})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(targets_url + "/targets?lang=en&tl_regency=51.05")
    frame = map_frame(page, min_paths=716)
    _wait_caption(page, r"· 0 selected")
    # a click on a village of the map selects it
    frame.evaluate("""() => {
        const ps = [...document.querySelectorAll('path.leaflet-interactive')];
        const p = ps.find(q => { const r = q.getBoundingClientRect();
                                 return r.width > 10 && r.height > 10 && r.x > 30 && r.y > 80; });
        const r = p.getBoundingClientRect();
        p.dispatchEvent(new MouseEvent('click', {bubbles: true, clientX: r.x + r.width / 2,
                                                 clientY: r.y + r.height / 2}));
    }""")
    _wait_caption(page, r"· 1 selected")
    # "select all shown" adds the regency's villages (the clicked one may be one of them)
    page.get_by_role("button", name="Select all shown", exact=True).click()
    text = _wait_caption(page, rf"· ({n_regency}|{n_regency + 1}) selected")
    chosen = int(re.search(r"· (\d+) selected", text).group(1))
    # untick the first row of the table (the grid is a canvas: click the checkbox's cell)
    grid = page.locator('[data-testid="stDataFrame"]').first.bounding_box()
    page.mouse.click(grid["x"] + 40, grid["y"] + 35 + 17)
    _wait_caption(page, rf"· {chosen - 1} selected")
    chosen -= 1
    page.get_by_label("List name").fill("Klungkung <b>first</b> =1+1")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text(re.compile(r"saved \(version 1")).wait_for(timeout=30_000)
    deadline = time.monotonic() + 15
    while "tl_list=" not in page.url and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert "tl_list=" in page.url
    Journey(page, targets_url).settle()  # the run after the save has drawn the exports too
    copied = page.url
    page.screenshot(path=str(ARTIFACTS / "targets_page.png"), full_page=True)
    # the downloads are made when clicked: the CSV has the list's header block and its villages
    with page.expect_download() as dl:
        page.get_by_role("button", name="Target list (CSV)").click()
    rows = dl.value.path().read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("# BPJS Ketenagakerjaan target villages: Klungkung <b>first</b> =1+1")
    assert any("SYNTHETIC" in r for r in rows[:4])
    # headings in the language, the row of machine names, then one row per village
    assert rows[rows.index("") + 2].startswith("code,name,") and len(rows) - rows.index("") - 3 == chosen
    with page.expect_download() as dl:
        page.get_by_role("button", name="Map (PNG)").click()
    from PIL import Image
    assert Image.open(dl.value.path()).size == (1600, 1200)
    assert not errors, errors
    ctx.close()
    # a colleague opens the link: the saved list is the selection again
    ctx = browser.new_context(viewport={"width": 1500, "height": 1400})
    page = ctx.new_page()
    page.goto(copied)
    map_frame(page, min_paths=716)
    _wait_caption(page, rf"· {chosen} selected")
    assert page.get_by_text(re.compile(r"List \"Klungkung <b>first</b> =1\+1\" version 1 opened")).count() == 1
    ctx.close()
