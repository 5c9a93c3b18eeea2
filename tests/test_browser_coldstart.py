"""Deep links opened together on a server that has just started each get their own page, through
the router. Regression test: with the pages in a folder named ``pages/``, Streamlit ran the first
sessions of a process in its old multipage mode, which skipped the sidebar, the language and the
app's page names; the pages now live in ``app_pages/``."""
import pytest
from conftest import ARTIFACTS, needs_shared, running_app

pytestmark = [pytest.mark.browser, needs_shared]

LINKS = [("/targets?lang=en", "Target lists"), ("/figures?lang=en", "Coverage data"),
         ("/clusters?lang=en", "Clusters"), ("/explore?lang=en&level=village", "Coverage map"),
         ("/areas?lang=en", "Areas"), ("/?lang=en", "Coverage map")]
NAV = ["Coverage map", "Areas", "Coverage data", "Target lists", "Clusters", "Progress", "Admin"]  # Admin: no login, the local admin


def test_deep_links_opened_together_on_a_cold_server_each_get_their_page(browser):
    with running_app("coldstart.log") as (url, _proc):
        contexts = [browser.new_context(viewport={"width": 1280, "height": 800}) for _ in LINKS]
        pages = [c.new_page() for c in contexts]
        for page, (link, _) in zip(pages, LINKS):  # all connect while the first run is still going
            page.goto(url + link, wait_until="commit")
        try:
            for page, (link, title) in zip(pages, LINKS):
                page.get_by_role("combobox", name="Province").wait_for(timeout=120_000)  # the router's sidebar
                page.get_by_role("heading", name=title, level=1).wait_for(timeout=120_000)
                nav = page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
                assert [n.strip().split("\n")[-1] for n in nav] == NAV, (link, nav)  # after the icon
                assert page.get_by_role("radio", name="English").is_checked(), link
            level = pages[3].get_by_role("combobox", name="Level", exact=True)
            assert level.input_value() == "Village"  # the link's view survived the rerun
            pages[0].screenshot(path=str(ARTIFACTS / "coldstart_targets.png"))
        finally:
            for c in contexts:
                c.close()
