"""Every page registered in the router runs without exception, in both languages (AppTest;
the map component is not rendered here, the browser tests draw it)."""
import re

import pytest
from conftest import ROOT, make_app, needs_shared

pytestmark = needs_shared
PAGES = re.findall(r'st\.Page\("(app_pages/[a-z_]+\.py)"', (ROOT / "streamlit_app.py").read_text())


def run(page: str | None = None, lang: str = "id"):
    return make_app(page, lang)


def test_router_lists_the_pages():
    assert PAGES[0] == "app_pages/explore.py" and "app_pages/areas.py" in PAGES


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_page_runs(page, lang):
    at = run(page, lang)
    assert not at.exception, at.exception
    assert at.title, page


def test_app_starts_on_the_explorer_with_the_sidebar():
    at = run()
    assert at.title[0].value == "Peta cakupan"
    assert at.sidebar.radio[0].value == "id"
    assert at.sidebar.multiselect[0].value == ["51"]


def test_areas_page_in_both_languages():
    at = run("app_pages/areas.py")
    assert at.title[0].value == "Wilayah" and "716 desa/kelurahan" in at.caption[0].value
    at = run("app_pages/areas.py", "en")
    assert at.title[0].value == "Areas" and "716 villages" in at.caption[0].value
