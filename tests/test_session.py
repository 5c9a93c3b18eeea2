"""The session model (ui/session.py) in AppTest: a page's view survives other pages, callbacks that
change other controls, a language switch and values from the URL; partial data is said so.

Each test here failed on the page-by-page design it replaces (widget keys as the only state).
"""
from __future__ import annotations

import pandas as pd
import pytest
from conftest import make_app, needs_shared, view_of, wkey

from geo.figures.model import Figures

pytestmark = needs_shared
PAGES = ["explore", "areas", "figures", "targets", "clusters"]


def visit(at, page: str):
    at.switch_page(f"app_pages/{page}.py")
    return at.run()


def test_explore_view_survives_every_other_page():
    at = make_app()
    at.selectbox(key=wkey("explore", "level")).set_value("district").run()
    at.selectbox(key=wkey("explore", "indicator")).set_value("gap_to_target").run()
    at.selectbox(key=wkey("explore", "segment")).set_value("fisher").run()
    at.number_input(key=wkey("explore", "target")).set_value(70.0).run()
    before = dict(view_of(at, "explore"))
    for other in PAGES[1:]:
        visit(at, other)
        assert not at.exception, (other, at.exception)
        visit(at, "explore")
        assert not at.exception, (other, at.exception)
        assert view_of(at, "explore") == before, other
        assert at.selectbox(key=wkey("explore", "indicator")).value == "gap_to_target"
        assert at.query_params["level"] == "district" and at.query_params["segment"] == "fisher"


def test_target_settings_survive_the_cluster_page():
    at = make_app("targets", "en")
    at.multiselect(key=wkey("targets", "segments", "en")).set_value(["farmer", "fisher"]).run()
    at.number_input(key=wkey("targets", "premium", "en")).set_value(20000).run()
    at.number_input(key=wkey("targets", "months", "en")).set_value(6).run()
    at.number_input(key=wkey("targets", "uptake", "en")).set_value(60.0).run()
    at.number_input(key=wkey("targets", "target", "en")).set_value(70.0).run()
    visit(at, "clusters")
    visit(at, "targets")
    assert not at.exception, at.exception
    assert at.multiselect(key=wkey("targets", "segments", "en")).value == ["farmer", "fisher"]
    assert [at.number_input(key=wkey("targets", k, "en")).value for k in ("premium", "months", "uptake", "target")] \
        == [20000, 6, 60.0, 70.0]
    assert not any("at least one segment" in w.value for w in at.warning)


def test_back_to_all_regencies_after_a_drill_down():
    at = make_app(query={"level": "village", "regency": "51.06"})
    assert at.selectbox(key=wkey("explore", "regency")).value == "51.06"
    at.button(key="ex_back").click().run()
    assert not at.exception, at.exception
    assert at.selectbox(key=wkey("explore", "level")).value == "regency"
    assert at.selectbox(key=wkey("explore", "regency")).value == ""
    assert "regency" not in at.query_params and "level" not in at.query_params


def test_changing_the_target_keeps_the_gap_indicator():
    at = make_app()
    at.selectbox(key=wkey("explore", "indicator")).set_value("gap_to_target").run()
    at.number_input(key=wkey("explore", "target")).set_value(60.0).run()  # relabels the indicator's options
    at.selectbox(key=wkey("explore", "segment")).set_value("farmer").run()  # the next interaction
    assert at.selectbox(key=wkey("explore", "indicator")).value == "gap_to_target"
    assert at.query_params["indicator"] == "gap_to_target" and at.query_params["target"] == "60"


@pytest.mark.parametrize("page", PAGES)
def test_a_language_switch_relabels_every_choice(page):
    query = {"explore": {"level": "village", "segment": "farmer"}, "targets": {"tl_seg": "farmer,fisher"},
             "clusters": {"cl_segment": "fisher"}, "areas": {"a_basemap": "none"}, "figures": {}}[page]
    at = make_app(page, "id", query)
    at.sidebar.radio(key=wkey("app", "lang", "id")).set_value("en").run()
    assert not at.exception, at.exception
    assert at.sidebar.radio(key=wkey("app", "lang", "en")).value == "en"
    boxes = [*at.selectbox, *at.multiselect, *at.radio]
    assert all(b.key is None or not b.key.endswith(":id") for b in boxes)  # every bound control redrawn
    shown = [o for b in boxes for o in b.options]  # the labels as the browser gets them
    indonesian = {"Desa/kelurahan", "Kecamatan", "petani", "nelayan", "semua pekerja", "Tanpa peta dasar", "Kuantil"}
    assert not indonesian & set(shown), shown
    if page == "explore":
        level = at.selectbox(key=wkey("explore", "level", "en"))
        assert level.value == "village" and level.options == ["Regency/city", "District", "Village"]
        assert view_of(at, "explore")["segment"] == "farmer"  # the choice kept, relabelled
    if page == "targets":
        assert at.multiselect(key=wkey("targets", "segments", "en")).value == ["farmer", "fisher"]


def test_a_link_with_unusable_values_says_so_and_uses_defaults():
    at = make_app(query={"level": "kota", "k": "99", "target": "nan", "lang": "xx", "province": "99,51"})
    assert not at.exception, at.exception
    notes = " ".join(w.value for w in at.warning)
    assert "level=kota" in notes and "k=99" in notes and "target=nan" in notes
    assert "lang=xx" in notes and "province=99,51" in notes
    assert at.title[0].value == "Peta cakupan" and view_of(at, "app")["province"] == ["51"]


def test_the_selection_is_in_the_url_and_comes_back_from_it(bali):
    codes = sorted(bali.full["village"]["code"])[100:160]
    at = make_app("targets", "en", state={"selected_codes": codes})
    sel = at.query_params["sel"]
    assert len(sel) < 200  # 60 of 716 villages in a short text
    again = make_app("targets", "en", {"sel": sel})
    assert again.session_state["selected_codes"] == codes
    broken = make_app("targets", "en", {"sel": sel[:-6] + "zzzzzz"})
    assert not broken.exception
    assert broken.session_state["selected_codes"] in ([], codes) or set(broken.session_state["selected_codes"]) \
        <= set(bali.full["village"]["code"])


def test_an_upload_of_a_few_villages_says_how_many_reported(bali):
    """40 villages of 716: the province box says the rate is that of the 40 reporting villages,
    and a regency with no rows says 0 of its 148 villages (not "0 of 1 areas")."""
    village = bali.full["village"]
    picked = village[village["regency_code"] == "51.71"].sort_values("code").head(40)
    data = pd.DataFrame({"code": picked["code"], "workers": 1000, "covered": [400 + i for i in range(40)]})
    fig = Figures(data.reset_index(drop=True), "village", "forty.csv")
    at = make_app(state={"figures": fig, "figures_provinces": ("51",)})
    assert not at.exception, at.exception
    box = next(i.value for i in at.info if i.value.startswith("Bali"))
    assert "40 dari 716 desa melapor" in box and "bukan seluruh wilayah" in box
    from geo.analysis import frames
    from geo.outputs import choropleth
    regency = frames.build_frames(bali.full, fig)["regency"].set_index("code")
    assert (regency.loc["51.08", "reported"], regency.loc["51.08", "parts"]) == (0, 148)  # Buleleng
    tips = choropleth.tooltip_lines(regency.reset_index(), choropleth.View(level="regency"), {})
    assert "0 dari 148 desa melapor" in str(tips["51.08"])
    assert "40 dari 43 desa melapor" in str(tips["51.71"])  # Denpasar: 43 villages, 40 reported
