"""What only the browser shows: the colour captions are drawn in (WCAG AA contrast), labels
that are not cut off, the loading sign behind a map frame, the tab title in the language."""
import pytest
from conftest import ARTIFACTS, map_frame, needs_shared

from geo.core import i18n

pytestmark = [pytest.mark.browser, needs_shared]

# the contrast of the colour the browser computed against the background it drew behind it
CONTRAST_JS = """(sel) => {
  const lum = (rgb) => { const c = rgb.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
                         return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]; };
  const parse = (s) => s.match(/[\\d.]+/g).map(Number);
  const bg = (el) => { for (; el; el = el.parentElement) { const c = parse(getComputedStyle(el).backgroundColor);
                         if (c.length < 4 || c[3] > 0) return c; } return [255, 255, 255]; };
  return [...document.querySelectorAll(sel)].filter(e => e.innerText.trim()).map(e => {
    const fg = parse(getComputedStyle(e).color); const alpha = fg.length > 3 ? fg[3] : 1; const b = bg(e);
    const mixed = fg.slice(0, 3).map((v, i) => alpha * v + (1 - alpha) * b[i]);
    const [l1, l2] = [lum(mixed), lum(b)].sort((x, y) => y - x);
    return {text: e.innerText.slice(0, 40), ratio: (l1 + 0.05) / (l2 + 0.05)}; });
}"""

CUT_JS = """() => [...document.querySelectorAll('button p, [data-testid="stWidgetLabel"] p, [data-tag] > span[title], '
                                        + '[data-testid="stSelectbox"] input, [data-testid="stMultiSelectTagsContainer"]')]
  .filter(e => e.offsetParent && !e.closest('[data-testid="stSidebar"][aria-expanded="false"]'))
  .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > 0 && r.left < innerWidth; })
  .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText || e.value)"""

OVERLAP_JS = """() => [...document.querySelectorAll('[data-testid="stMultiSelect"]')].filter(m => m.offsetParent
  && !m.closest('[data-testid="stSidebar"][aria-expanded="false"]')).flatMap(m => {
  const box = m.querySelector('[role="group"]').getBoundingClientRect();
  return [...m.querySelectorAll('[data-tag]')].filter(t => t.getBoundingClientRect().bottom > box.bottom + 1)
    .map(t => t.innerText); })"""


@pytest.mark.parametrize("width", [1440, 390])
def test_captions_readable_and_labels_whole(app_url, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 1000})
    page = context.new_page()
    try:
        for path, lang in (("/areas", "id"), ("/targets?lang=en", "en"), ("/explore", "id")):
            page.goto(app_url + path)
            page.wait_for_selector('[data-testid="stCaptionContainer"]', timeout=90_000)
            map_frame(page, min_paths=1)
            ratios = page.evaluate(CONTRAST_JS, '[data-testid="stCaptionContainer"]')
            assert ratios, path
            low = [r for r in ratios if r["ratio"] < 4.5]
            assert not low, (path, low)
            assert page.evaluate(CUT_JS) == [], path
            assert page.evaluate(OVERLAP_JS) == [], path  # wrapped tags stay inside their box
            page.screenshot(path=str(ARTIFACTS / f"style_{path.strip('/').split('?')[0]}_{width}.png"))
        assert page.title() == i18n.t("app_title", "en") or page.title() == i18n.t("app_title", "id")
    finally:
        context.close()


def test_a_map_frame_shows_a_loading_sign_until_it_draws(app_url, browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    try:
        page.goto(app_url + "/areas")
        page.wait_for_selector('iframe[title*="st_folium"]', state="attached", timeout=90_000)
        sign = page.evaluate("""() => { const c = document.querySelector('iframe[title*="st_folium"]')
                                          .closest('[data-testid="stElementContainer"]');
                                        return getComputedStyle(c, '::before').content; }""")
        assert sign.strip('"') == i18n.t("ld_map", "id")
        assert page.title() == i18n.t("app_title", "id")
    finally:
        context.close()
