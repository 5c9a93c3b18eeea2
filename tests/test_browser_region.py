"""Several provinces in headless Chromium, offline: picked in the sidebar, every village drawn."""
import re

import pytest
from conftest import ARTIFACTS, map_frame, needs_shared, wait_for_map

from geo import boundaries

pytestmark = [pytest.mark.browser, needs_shared]
N_PATHS = "document.querySelectorAll('path.leaflet-interactive').length"
PAIR = ["93", "94"]


@pytest.fixture(scope="module")
def pair():
    return boundaries.load(PAIR)


SETTLED_AND_FITTED = """() => new Promise(res => {
  const m = Object.values(window).find(v => v instanceof L.Map);
  const check = () => { if (m._animatingZoom) { setTimeout(check, 100); return; }
    let b = null;
    m.eachLayer(l => { if (l.feature && l._path && l.options.interactive !== false) {
      b = b ? b.extend(l.getBounds()) : L.latLngBounds(l.getBounds().getSouthWest(), l.getBounds().getNorthEast()); } });
    res(m.getBounds().pad(0.02).contains(b)); };
  setTimeout(check, 300); })"""


def _drawable(bset, level: str = "village") -> int:
    """Areas with a geometry: what the map can draw (an empty upstream path is drawn nowhere)."""
    return int((~bset.full[level].geometry.is_empty).sum())


def test_two_provinces_picked_in_the_sidebar_draw_all_their_villages(app_url, offline_page, pair):
    page = offline_page
    page.goto(app_url + "/areas")
    map_frame(page, min_paths=716)  # Bali, the default

    box = page.get_by_role("combobox", name="Provinsi", exact=True)
    for option in ("93 Papua Selatan", "94 Papua Tengah"):
        box.click()
        page.get_by_role("option", name=option, exact=True).click()
        page.keyboard.press("Escape")
    page.get_by_role("button", name="Remove 51 Bali", exact=True).click()

    expected = _drawable(pair)
    assert expected == len(pair.full["village"]) and expected > 1500
    frame = wait_for_map(page, f"{N_PATHS} === {expected}", 120)
    assert re.search(r"province=93(%2C|,)94", page.url), page.url
    # every village of both provinces, by code, and nothing else
    codes = frame.evaluate("""() => { const m = Object.values(window).find(v => v instanceof L.Map), out = [];
        m.eachLayer(l => { if (l.feature && l._path && l.options.interactive !== false) out.push(l.feature.properties.code); });
        return out; }""")
    assert sorted(codes) == sorted(pair.full["village"]["code"])
    # several provinces: villages shaded by province, the legend counts each province's villages
    legend = frame.evaluate("[...document.querySelectorAll('.geo-legend .row')].map(r => r.textContent)")
    assert legend == ["Papua Selatan687", f"Papua Tengah{len(pair.full['village']) - 687}"]
    assert frame.evaluate(SETTLED_AND_FITTED)  # the view moved to the new provinces, all in sight
    assert not page.errors, page.errors
    assert all(".js" not in u and ".css" not in u for u in page.blocked), page.blocked
    page.screenshot(path=str(ARTIFACTS / "areas_two_provinces.png"), full_page=True)


def test_explorer_village_map_of_two_provinces_and_one_regency(app_url, offline_page, pair):
    page = offline_page
    page.goto(app_url + "/?province=93,94&level=village")
    expected = _drawable(pair)
    frame = wait_for_map(page, f"{N_PATHS} === {expected}", 120)
    counts = frame.evaluate("[...document.querySelectorAll('.geo-legend .cnt')].map(e => +e.textContent)")
    assert sum(counts) == len(pair.full["village"])  # classes plus "no data" hold every village
    assert frame.evaluate(SETTLED_AND_FITTED)
    page.screenshot(path=str(ARTIFACTS / "explore_two_provinces.png"))

    # a regency of the second province: only its villages travel and are drawn
    regency = "94.01"
    name = dict(zip(pair.full["regency"]["code"], pair.full["regency"]["name"]))[regency]
    page.get_by_role("combobox", name="Kabupaten/kota", exact=True).click()
    page.keyboard.type(name)
    page.get_by_role("option", name=f"{name} (Papua Tengah)", exact=True).click()
    inside = int(((pair.full["village"]["regency_code"] == regency) & ~pair.full["village"].geometry.is_empty).sum())
    wait_for_map(page, f"{N_PATHS} === {inside}", 60)
    assert f"regency={regency}" in page.url
    assert not page.errors, page.errors
