"""Journeys, not pages: one user's session in headless Chromium, driven by the labels a user
reads (so the same tests run against any version of the app).

- every page A, with non-default choices, then every other page B, then A again: A's controls,
  its URL and its map are as they were, and no page shows an exception;
- a drill-down and "back to all regencies";
- a language switch on every page with non-default choices: every visible choice relabelled;
- a reload, and a copied link opened in a fresh browser, reopen the same view and selection.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ARTIFACTS, click_area, needs_shared

from geo.core import i18n
from testsupport.journey import Journey

pytestmark = [pytest.mark.browser, needs_shared]
FIX = Path(__file__).parent / "fixtures" / "figures"
NAV = {"explore": ("Peta cakupan", "Coverage map"), "areas": ("Wilayah", "Areas"),
       "figures": ("Data cakupan", "Coverage data"), "targets": ("Daftar sasaran", "Target lists"),
       "clusters": ("Klaster", "Clusters")}


def t(key: str, lang: str = "id", **kw) -> str:
    return i18n.t(key, lang, **kw)


@pytest.fixture
def journey(browser, app_url):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    j = Journey(context.new_page(), app_url)
    yield j
    context.close()


def nav(j: Journey, page: str, lang: str = "id") -> None:
    j.nav(NAV[page][0 if lang == "id" else 1])


# ---------------------------------------------------------------- non-default choices per page

def on_explore(j: Journey) -> None:
    j.choose(t("level"), t("level_district"))
    j.choose(t("indicator"), t("ind_gap_to_target", target="73,86%"))
    j.choose(t("segment"), t("seg_farmer"))
    j.page.get_by_text(t("classification"), exact=True).first.click()
    j.number(t("target"), 70)


def on_areas(j: Journey) -> None:
    j.radio(t("basemap_none"))
    j.toggle(t("show_villages"))


def on_figures(j: Journey) -> None:
    j.page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(FIX / "good.csv"))
    j.page.get_by_text(t("fig_report_title")).first.wait_for(timeout=60_000)
    j.settle()


def on_targets(j: Journey) -> None:
    j.page.get_by_role("button", name=f"Remove {t('seg_trader')}").click()  # a chip of the multiselect
    j.settle()
    j.number(t("tl_uptake"), 60)
    j.number(t("tl_months"), 6)
    j.choose(t("tl_regency"), "Kabupaten Karangasem")
    j.choose(t("tl_sort"), t("tl_sort_name"))
    j.toggle(t("tl_descending"))
    j.click(t("tl_select_shown"))


def on_clusters(j: Journey) -> None:
    j.choose(t("cl_segment"), t("seg_farmer"))
    j.radio(t("cl_measure_density"))
    j.click(t("cl_run"))
    j.radio(t("cl_map_significance"))


SETUP = {"explore": on_explore, "areas": on_areas, "figures": on_figures, "targets": on_targets,
         "clusters": on_clusters}


@pytest.mark.parametrize("page", list(SETUP))
def test_a_page_is_unchanged_after_visiting_every_other_page(journey, page):
    j = journey
    j.goto("/", NAV["explore"][0])
    if page != "explore":
        nav(j, page)
    SETUP[page](j)
    before = j.snapshot(with_map=page != "figures")
    assert before["query"] or page == "figures", "the page's choices are in its URL"
    j.page.screenshot(path=str(ARTIFACTS / f"journey_{page}_before.png"))
    for other in SETUP:
        if other == page:
            continue
        nav(j, other)
        assert not j.exceptions(), (other, j.exceptions())
        nav(j, page)
        assert not j.exceptions(), (page, other, j.exceptions())
        after = j.snapshot(with_map=page != "figures")
        assert after == before, (page, "after", other)
    if page == "figures":  # the file being checked is still there, with its report
        assert j.page.get_by_text("good.csv").count() and j.page.get_by_text(t("fig_report_title")).count()
    assert not j.errors, j.errors


def test_drill_down_then_back_to_all_regencies(journey):
    j = journey
    j.goto("/", NAV["explore"][0])
    frame = next(f for f in j.page.frames[1:] if f.evaluate("document.querySelectorAll('path.leaflet-interactive').length") == 9)
    click_area(frame, "51.07")  # Karangasem: its villages
    j.settle()
    assert j.query().get("regency") == "51.07" and j.query().get("level") == "village"
    assert j.map_state(min_paths=78)["n"] == 78
    j.click(t("back_to_all"))
    assert not j.exceptions(), j.exceptions()
    assert "regency" not in j.query() and j.controls()[f"input:{t('level')}"] == t("level_regency")
    assert j.map_state(min_paths=9)["n"] == 9


def _labels(lang: str) -> set[str]:
    """Every UI string that exists in ``lang`` only (so seen in the other language, it is stale)."""
    other = "en" if lang == "id" else "id"
    table = i18n.strings()
    mine = {e[lang] for e in table.values() if e.get(lang) and "{" not in e[lang]}
    return mine - {e[other] for e in table.values() if e.get(other)}


@pytest.mark.parametrize("page", list(SETUP))
def test_a_language_switch_relabels_every_choice(journey, page):
    j = journey
    j.goto("/", NAV["explore"][0])
    if page != "explore":
        nav(j, page)
    SETUP[page](j)
    chosen = j.query()
    for lang, label in (("en", "English"), ("id", "Bahasa Indonesia")):
        j.language(label)
        assert not j.exceptions(), j.exceptions()
        stale = _labels("id" if lang == "en" else "en")
        shown = [v for v in j.controls().values() if isinstance(v, str)]
        shown += [c for v in shown for c in v.split("|")]
        assert not stale & set(shown), (lang, sorted(stale & set(shown)))
        heading = NAV[page][1 if lang == "en" else 0]
        assert j.page.get_by_role("heading", name=heading, level=1).count() == 1
        query = j.query()
        query.pop("lang", None)
        assert query == {k: v for k, v in chosen.items() if k != "lang"}, "the choices survive the switch"
    j.page.screenshot(path=str(ARTIFACTS / f"journey_{page}_language.png"))


def test_a_reload_and_a_copied_link_reopen_the_view_and_the_selection(journey, browser):
    j = journey
    j.goto("/", NAV["explore"][0])
    nav(j, "targets")
    on_targets(j)
    caption = j.page.get_by_text(t("tl_table_caption", shown="", total="", selected="")[:3]).first
    selected = j.page.locator("text=/dipilih/").first.inner_text()
    before = j.snapshot()
    j.reload(NAV["targets"][0])
    assert j.snapshot() == before
    assert j.page.locator("text=/dipilih/").first.inner_text() == selected
    link = j.page.url
    other = browser.new_context(viewport={"width": 1440, "height": 1000})
    try:
        k = Journey(other.new_page(), j.base)
        k.page.goto(link)
        k.page.get_by_role("heading", name=NAV["targets"][0], level=1).wait_for(timeout=90_000)
        k.settle(1.0, quiet_checks=10)
        assert k.snapshot() == before
        assert k.page.locator("text=/dipilih/").first.inner_text() == selected
        k.page.screenshot(path=str(ARTIFACTS / "journey_shared_link.png"), full_page=True)
    finally:
        other.close()
    assert caption is not None


def test_on_a_phone_the_map_page_survives_the_target_page(browser, app_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        j = Journey(context.new_page(), app_url)
        j.goto("/?level=village&indicator=uncovered&segment=fisher", NAV["explore"][0])
        before = j.snapshot()
        assert before["map"] and before["map"]["n"] == 716
        j.page.goto(app_url + "/targets?" + "&".join(f"{k}={v}" for k, v in before["query"].items()
                                                      if k in ("lang", "province")))
        j.page.get_by_role("heading", name=NAV["targets"][0], level=1).wait_for(timeout=90_000)
        j.settle(1.0, quiet_checks=10)
        j.page.go_back()
        j.page.get_by_role("heading", name=NAV["explore"][0], level=1).wait_for(timeout=90_000)
        j.settle(1.0, quiet_checks=10)
        assert j.snapshot() == before
        j.page.screenshot(path=str(ARTIFACTS / "journey_phone_explore.png"), full_page=True)
        assert not j.exceptions()
    finally:
        context.close()


def test_an_upload_used_survives_a_reload_and_opens_from_a_link(journey, browser):
    """Upload, use, reload: the map and its title name the uploaded file; the link, opened in a
    fresh browser, shows the same dataset without uploading it again."""
    j = journey
    j.goto("/", NAV["explore"][0])
    nav(j, "figures")
    on_figures(j)
    j.click(t("fig_use"))
    dataset = j.wait_for_query("dataset").get("dataset")
    assert dataset and dataset.isdigit(), j.query()
    nav(j, "explore")
    title = j.map_state(min_paths=9)
    assert title and "good.csv" in j.page.frames[1].evaluate("document.body.innerText") or \
        any("good.csv" in f.evaluate("document.body.innerText") for f in j.page.frames[1:])
    assert not j.page.get_by_text("SINTETIS").count()  # the demo's label is gone: these are real figures
    j.reload(NAV["explore"][0])
    assert j.query().get("dataset") == dataset
    assert any("good.csv" in f.evaluate("document.body.innerText") for f in j.page.frames[1:])
    assert j.page.get_by_text("5 dari 716 desa melapor", exact=False).count()
    link = j.page.url
    other = browser.new_context(viewport={"width": 1440, "height": 1000})
    try:
        k = Journey(other.new_page(), j.base)
        k.page.goto(link)
        k.page.get_by_role("heading", name=NAV["explore"][0], level=1).wait_for(timeout=90_000)
        k.settle(1.0, quiet_checks=10)
        assert k.map_state(min_paths=9)
        assert any("good.csv" in f.evaluate("document.body.innerText") for f in k.page.frames[1:])
        assert not k.page.get_by_text("SINTETIS").count()
        k.page.screenshot(path=str(ARTIFACTS / "journey_dataset_link.png"), full_page=True)
    finally:
        other.close()


def test_a_link_to_a_deleted_dataset_falls_back_to_the_demo_visibly(journey):
    j = journey
    j.goto("/?dataset=424242", NAV["explore"][0])
    assert j.page.get_by_text("424242").count()  # "saved dataset number 424242 ... no longer exists"
    assert j.page.get_by_text("SINTETIS", exact=False).count()
    assert "dataset" not in j.query()
