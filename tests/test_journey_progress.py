"""A planner's journey through progress (issue 15), in headless Chromium: upload a file of two
periods and use it, open the progress page and its change map, a saved list's effect on the
targets page, another page and back, a language switch; screenshots at 1440 px and 390 px.

The app runs with a database of its own, so the saved history is this journey's alone."""
from __future__ import annotations

import pytest
from conftest import ARTIFACTS, needs_shared

from geo.core import i18n
from testsupport.appserver import running_app
from testsupport.history import demo_months
from testsupport.journey import Journey

pytestmark = [pytest.mark.browser, needs_shared]


def t(key: str, lang: str = "id", **kw) -> str:
    return i18n.t(key, lang, **kw)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    db = f"sqlite:///{tmp_path_factory.mktemp('progress-db') / 'lists.sqlite'}"
    with running_app("streamlit_progress.log", env={"GEO_DATABASE_URL": db}) as (url, _proc):
        yield url, db


@pytest.fixture(scope="module")
def two_periods(bali, tmp_path_factory):
    """The demo's villages in September and November 2026 (Bangli slow), one CSV, ``periode`` column."""
    fig = demo_months(bali, "2026-09", "2026-11", growth=0.03)
    long = fig.long()
    long = long[long["period"].isin(["2026-09", "2026-11"])].rename(columns={"period": "periode"})
    path = tmp_path_factory.mktemp("upload") / "dua_periode.csv"
    long.to_csv(path, index=False)
    return path


def list_saved_in_october(db: str, codes: list[str]) -> None:
    """A target list saved on 5 October 2026 (the store's clock set back), in the app's database."""
    from geo.outputs import store
    saved = store.now
    store.now = lambda: "2026-10-05T08:00:00.000000+00:00"
    try:
        store.Store(db).save("Sasaran Oktober", codes, "Tim Buleleng", "", {}, actor=store.default_actor())
    finally:
        store.now = saved


def test_two_periods_progress_change_map_list_effect_and_back(browser, app, two_periods, bali):
    url, db = app
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    try:
        j = Journey(context.new_page(), url, timeout_s=150)
        j.goto("/figures", t("fig_page_title"))
        j.page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(two_periods))
        j.page.get_by_text(t("fig_report_title")).first.wait_for(timeout=90_000)
        j.settle()
        j.click(t("fig_use"))
        assert j.query().get("dataset", "").isdigit(), j.query()

        # the progress page names the latest period of the file and both periods of the history
        j.nav(t("pg_page"))
        body = j.page.locator('[data-testid="stMain"]').inner_text()
        assert "Menampilkan Nov 2026 · 2 periode dalam riwayat (Sep 2026 – Nov 2026)" in body, body[:2000]
        assert "dua_periode.csv" in body and "Riwayat sintetis" not in body  # real (uploaded) figures
        assert "Kabupaten Bangli" in body and t("pg_behind") in body
        assert "Perubahan Sep 2026 → Nov 2026" in body
        drawn = j.map_state(min_paths=700)
        assert drawn and drawn["n"] >= 716, drawn
        assert "Sep 2026 → Nov 2026" in drawn["title"]
        j.page.screenshot(path=str(ARTIFACTS / "journey_progress_1440.png"), full_page=True)
        j.page.get_by_text(t("pg_col_area")).first.scroll_into_view_if_needed()
        j.page.screenshot(path=str(ARTIFACTS / "journey_progress_1440_table.png"))
        j.page.get_by_role("tab", name=t("pg_tab_change")).scroll_into_view_if_needed()
        j.page.mouse.wheel(0, 300)
        j.page.screenshot(path=str(ARTIFACTS / "journey_progress_1440_change_map.png"))

        # the change map of new enrolments, then another page and back: the same view
        j.radio(t("ch_ind_new_enrolled"))
        assert j.query().get("pg_ind") == "new_enrolled"
        before = j.snapshot()
        j.nav(t("page_explore"))
        j.nav(t("pg_page"))
        after = j.snapshot()
        assert after["query"] == before["query"] and after["controls"] == before["controls"]
        assert after["map"]["fills"] == before["map"]["fills"]

        # a list saved in October: its villages since September against comparable ones
        codes = list(bali.full["village"]["code"].iloc[::30])
        list_saved_in_october(db, codes)
        j.goto("/targets?" + "&".join([f"dataset={j.query()['dataset']}", "tl_list=Sasaran%20Oktober"]),
               t("tl_page"))
        body = j.page.locator('[data-testid="stMain"]').inner_text()
        assert t("ef_title") in body
        assert "Sejak daftar disimpan (Sep 2026 → Nov 2026): desa sasaran" in body, body[-3000:]
        j.page.locator('[data-testid="stMetric"]').filter(has_text=t("ef_difference")).first \
            .scroll_into_view_if_needed()
        j.page.mouse.wheel(0, -200)
        j.page.wait_for_timeout(500)
        j.page.screenshot(path=str(ARTIFACTS / "journey_progress_list_effect.png"))

        # English: every word of the progress page relabelled
        j.nav(t("pg_page"))
        j.language("English")
        body = j.page.locator('[data-testid="stMain"]').inner_text()
        assert "Showing Nov 2026 · 2 periods in the history" in body and "Pace needed" in body
        assert "Laju yang diperlukan" not in body and "Menampilkan" not in body
        assert not j.exceptions() and not j.errors, (j.exceptions(), j.errors)
        link = j.page.url
    finally:
        context.close()

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        k = Journey(phone.new_page(), url, timeout_s=150)
        k.goto(link.replace(url, ""), "Progress")
        assert k.map_state(min_paths=700)
        k.page.screenshot(path=str(ARTIFACTS / "journey_progress_390.png"), full_page=True)
        k.page.get_by_text("Pace needed").first.scroll_into_view_if_needed()
        k.page.screenshot(path=str(ARTIFACTS / "journey_progress_390_metrics.png"))
        k.page.get_by_role("tab", name=t("pg_tab_change", "en")).scroll_into_view_if_needed()
        k.page.mouse.wheel(0, 400)
        k.page.screenshot(path=str(ARTIFACTS / "journey_progress_390_change_map.png"))
        assert not k.exceptions()
    finally:
        phone.close()
