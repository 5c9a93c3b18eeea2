"""The values map engine in headless Chromium: the tooltips the browser writes from numbers
are exactly the inline engine's lines (both languages, small counts hidden, partly reported
areas, every indicator), exported HTML draws offline from the geometry it embeds, and in the
app an indicator change sends no geometry while clicks still drill down."""
import dataclasses
import json

import pytest
from conftest import ARTIFACTS, choose, click_area, needs_shared, wait_for_map

from geo.analysis import frames
from geo.core.provenance import Provenance
from geo.figures import demo
from geo.outputs import choropleth

pytestmark = [pytest.mark.browser, needs_shared]
PROV = Provenance(source="demo", synthetic=True)
DRAWN = "document.querySelector('[data-geo-drawn]') && +document.querySelector('[data-geo-drawn]').dataset.geoDrawn"


def _flat(lines: list) -> list[str]:
    return [line if isinstance(line, str) else "".join(map(str, line)) for line in lines]


@pytest.fixture(scope="module")
def partly(bali):
    """Demo figures with every third village of Badung missing: districts partly reported."""
    figures = demo.demo_figures(bali)
    data = figures.data
    drop = data["code"].str.startswith("51.03.") & (data.index % 3 == 0)
    return frames.build_frames(bali.full, dataclasses.replace(figures, data=data[~drop]))


@pytest.mark.parametrize("view", [
    choropleth.View(level="village"),
    choropleth.View(level="village", indicator="uncovered", segment="fisher", lang="en", suppress=10),
    choropleth.View(level="district", indicator="gap_to_target", segment="vulnerable"),
    choropleth.View(level="district", indicator="to_target", measure="density", lang="en"),
    choropleth.View(level="regency", indicator="uncovered", measure="share", suppress=50000),
], ids=["village-rate", "village-fisher-small-en", "district-gap", "district-density-en", "regency-share-small"])
def test_browser_tooltips_equal_the_inline_engines_lines(bali, partly, browser, tmp_path, view):
    frame = partly[view.level]
    html = tmp_path / "map.html"
    html.write_text(choropleth.snapshot_html(frame, view, bali, PROV), encoding="utf-8")
    page = browser.new_page()
    page.route("**/*", lambda r: r.abort() if r.request.url.startswith("http") else r.continue_())
    page.goto(html.as_uri())
    page.wait_for_function(DRAWN, timeout=30000)
    got = page.evaluate("""() => { const out = {};
      Object.values(geoEngine.store).forEach(s => s.layers.forEach((l, i) => {
        if (l && l._map) out[l.feature.id] = geoEngine.lines(s, l._geoP, i); }));
      return out; }""")
    expected = {c: _flat(lines) for c, lines in choropleth.tooltip_lines(
        choropleth.subset(frame, view), view.checked(), bali.names("regency")).items()}
    assert set(got) == set(expected)
    differ = {c: (got[c], expected[c]) for c in expected if got[c] != expected[c]}
    assert not differ, list(differ.items())[:3]
    page.close()


def test_browser_exported_html_draws_offline_from_embedded_geometry(bali, browser, tmp_path):
    frame = frames.build_frames(bali.full, demo.demo_figures(bali))["village"]
    html = tmp_path / "map.html"
    html.write_text(choropleth.snapshot_html(frame, choropleth.View(level="village", basemap="none"), bali, PROV),
                    encoding="utf-8")
    page = browser.new_page()
    asked = []
    page.route("**/*", lambda r: (asked.append(r.request.url), r.abort()) if not r.request.url.startswith("file:")
               else r.continue_())
    page.goto(html.as_uri())
    page.wait_for_function(f"{DRAWN} === 716", timeout=30000)
    assert page.evaluate("document.querySelectorAll('path.leaflet-interactive').length") == 716
    assert asked == []  # nothing fetched: not the geometry, not a script
    page.close()


def test_browser_app_change_sends_no_geometry_and_clicks_drill_down(app_url, offline_page):
    page = offline_page
    sent: list[int] = []

    def on_ws(ws):
        ws.on("framereceived", lambda payload: sent.append(len(payload)))
    page.on("websocket", on_ws)
    geometry = []
    page.on("request", lambda r: geometry.append(r.url) if "/app/static/geo/" in r.url and r.url.endswith(".json") else None)
    page.goto(app_url + "/?level=village")
    frame = wait_for_map(page, f"{DRAWN} === 716", 90)
    assert len(geometry) == 1  # the village layer's file, fetched once
    sent.clear()
    choose(page, "Indikator", "Selisih terhadap target 73,86%")
    frame = wait_for_map(page, "(() => { const h = document.querySelector('.geo-title h4'); "
                               "return h && h.textContent.startsWith('Selisih') && "
                               f"{DRAWN} === 716; }})()", 60)
    assert len(geometry) == 1  # the change fetched no geometry
    # the map's message carries classes, colours and numbers, no shapes (Bali's villages as
    # geometry were 331 KB); the rest of the rerun (every other element, resent by Streamlit) is small
    assert max(sent) < 40_000 and sum(sent) < 60_000, str(sorted(sent)[-12:])
    choose(page, "Tingkat", "Kabupaten/kota")
    frame = wait_for_map(page, f"{DRAWN} === 9")
    click_area(frame, "51.06")  # Bangli: drill down to its 72 villages
    frame = wait_for_map(page, f"{DRAWN} === 72")
    assert "regency=51.06" in page.url and "level=village" in page.url
    frame.evaluate("""() => { const p = document.querySelector('path.leaflet-interactive');
        const r = p.getBoundingClientRect();
        p.dispatchEvent(new MouseEvent('mouseover', {bubbles: true, clientX: r.x + r.width / 2, clientY: r.y + r.height / 2})); }""")
    tip = frame.wait_for_selector(".leaflet-tooltip .geo-tip b", timeout=10000)
    assert tip.inner_text()
    page.screenshot(path=str(ARTIFACTS / "engine_drilled.png"))
    assert not page.errors, page.errors
    json.dumps(sent)


def test_browser_circles_of_a_large_view_on_one_canvas_under_the_areas_tooltips(bali, browser, tmp_path,
                                                                                 monkeypatch):
    """A large view (canvas areas) draws its circles in one pass on a canvas of their own: as
    many as the payload has radii, painted where the largest is, and the area under a circle
    still answers the pointer (its tooltip)."""
    from geo.outputs import geolayer
    monkeypatch.setattr(geolayer, "CANVAS_ABOVE", 100)  # Bali's 716 villages as a large view
    frame = frames.build_frames(bali.full, demo.demo_figures(bali))["village"]
    view = choropleth.View(level="village", indicator="uncovered", segment="fisher", basemap="none")
    spec = choropleth.explorer_spec(frame, view, bali, PROV)
    html = tmp_path / "map.html"
    html.write_text(choropleth.snapshot_html(frame, view, bali, PROV), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.route("**/*", lambda r: r.abort() if r.request.url.startswith("http") else r.continue_())
    page.goto(html.as_uri())
    page.wait_for_function(f"{DRAWN} === 716 && document.querySelector('canvas.geo-dots')", timeout=30000)
    assert page.evaluate("document.querySelector('[data-geo-renderer]').dataset.geoRenderer") == "canvas"
    assert page.evaluate("document.querySelectorAll('path.leaflet-interactive').length") == 0  # no SVG circles
    drawn = int(page.evaluate("document.querySelector('canvas.geo-dots').dataset.geoDots"))
    assert drawn == int((spec.symbols["size"] > 0).sum()) > 50
    largest = """() => { const m = window[document.querySelector('.folium-map').id];
        let dots = null; m.eachLayer(l => { if (l._order) dots = l; });
        const q = m.latLngToContainerPoint(dots._pts[dots._order[0]]);
        const c = document.querySelector('canvas.geo-dots'), box = m.getContainer().getBoundingClientRect();
        const px = c.getContext('2d').getImageData(Math.round(q.x * devicePixelRatio),
                                                   Math.round(q.y * devicePixelRatio), 1, 1).data;
        return !m._animatingZoom && px[3] > 0 && {x: q.x + box.left, y: q.y + box.top}; }"""
    # the largest circle is painted where its village is, once the map has framed itself
    at = page.wait_for_function(largest, timeout=15000).json_value()
    page.mouse.move(at["x"], at["y"])
    page.wait_for_selector(".leaflet-tooltip", timeout=10000)  # the area under the circle answers
    page.close()


def test_browser_app_map_stays_mounted_from_counts_to_rates(app_url, offline_page):
    """From a count (circles, with the measure radio above the map) to a rate and back, the
    map is restyled in place: the same map window, no geometry fetched again (a map moved in
    the page by a widget shown or hidden above it was mounted again, about 1 s for Bali)."""
    from geo.core import i18n
    page = offline_page
    fetched = []
    page.on("request", lambda r: fetched.append(r.url) if "/app/static/geo/" in r.url else None)
    page.goto(app_url + "/?level=village&indicator=uncovered")
    frame = wait_for_map(page, f"{DRAWN} === 716", 90)
    frame.evaluate("window.__mounted = 'first'")
    before = len(fetched)
    for indicator in ("coverage_rate", "to_target"):
        name = i18n.t("ind_" + indicator, "id", target=i18n.fmt_pct(73.86, "id", 2))
        choose(page, "Indikator", name)
        frame = wait_for_map(page, "(() => { const h = document.querySelector('.geo-title h4'); "
                                   f"return h && h.textContent.startsWith({json.dumps(name)}); }})()", 60)
        assert frame.evaluate("window.__mounted") == "first", indicator
    assert len(fetched) == before
    assert not page.errors, page.errors
