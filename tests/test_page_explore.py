"""The map explorer page runs for every level, indicator and measure (AppTest)."""
import pytest
from conftest import make_app, needs_shared, view_of, wkey

from geo.core import schema
from geo.outputs import choropleth

pytestmark = needs_shared


def app(lang: str = "id", **query):
    return make_app(lang=lang, query=query, timeout=120)


def test_default_view_is_the_demo_regency_map_labelled_synthetic():
    at = app()
    assert not at.exception
    assert at.title[0].value == "Peta cakupan"
    assert "SINTETIS" in at.warning[0].value
    assert any("Bali: cakupan 53,9%" in i.value for i in at.info)  # the calibrated province rate
    published = at.dataframe[-1].value  # real figures beside the demo, in the page's language
    assert list(published.columns) == ["Wilayah", "Tingkat", "Cakupan", "Per", "Sumber"]
    assert {"Bali", "Kabupaten Badung", "Kabupaten Bangli"} <= set(published["Wilayah"])
    assert {"50,88%", "53,88%"} <= set(published["Cakupan"]) and "Des 2025" in set(published["Per"])


@pytest.mark.parametrize("level", choropleth.LEVELS)
def test_every_level_and_indicator(level):
    at = app(level=level)
    assert at.selectbox(key=wkey("explore", "level")).value == level
    for ind in schema.INDICATORS:
        at.selectbox(key=wkey("explore", "indicator")).set_value(ind).run()
        assert not at.exception, (level, ind)
        if ind in choropleth.COUNT_INDICATORS:
            for measure in choropleth.MEASURES:
                at.radio(key=wkey("explore", "measure")).set_value(measure).run()
                assert not at.exception, (level, ind, measure)


@pytest.mark.parametrize("scheme", ["natural_breaks", "equal_interval", "box_map", "user_defined"])
def test_classification_schemes(scheme):
    at = app(level="village", scheme=scheme, k="7")
    assert not at.exception
    assert at.selectbox(key=wkey("explore", "scheme")).value == scheme and at.slider(key=wkey("explore", "k")).value == 7
    if scheme == "user_defined":
        at.text_input(key=wkey("explore", "breaks")).input("40; 50,5; xx").run()
        assert "xx" in at.error[0].value
        at.text_input(key=wkey("explore", "breaks")).input("40; 50,5; 60").run()
        assert not at.error and at.query_params["breaks"] == "40; 50,5; 60"


def test_url_reopens_the_view_and_ignores_bad_values():
    at = app(level="village", indicator="uncovered", segment="fisher", regency="51.06", measure="density")
    assert (at.selectbox(key=wkey("explore", "level")).value, at.selectbox(key=wkey("explore", "indicator")).value,
            at.selectbox(key=wkey("explore", "segment")).value, at.selectbox(key=wkey("explore", "regency")).value,
            at.radio(key=wkey("explore", "measure")).value) == ("village", "uncovered", "fisher", "51.06", "density")
    bad = app(level="<b>", regency="99.99", k="abc", target="1e9")
    assert not bad.exception
    assert bad.selectbox(key=wkey("explore", "level")).value == "regency"
    assert bad.selectbox(key=wkey("explore", "regency")).value == ""
    notice = bad.warning[0].value  # says which values were not used, as text (not markup)
    assert "level=\\<b\\>" in notice and "regency=99\\.99" in notice and "k=abc" in notice and "target=1e9" in notice
    assert view_of(bad, "explore")["k"] == 5 and "level" not in bad.query_params


def test_selected_village_profile_and_add_to_targets():
    at = app(village="51.06.01.2001")
    assert not at.exception
    assert "51.06.01.2001" in at.text[0].value
    table = at.dataframe[0].value
    assert "petani" in set(table.iloc[:, 0])
    at.button(key="ex_add").click().run()
    assert at.session_state["selected_codes"] == ["51.06.01.2001"]


def test_english():
    at = app(lang="en")
    assert at.title[0].value == "Coverage map" and "SYNTHETIC" in at.warning[0].value


@pytest.mark.parametrize("query,expect", [
    ("desa pecatuu", {"regency": "51.03", "level": "village", "village": "51.03.05.2001", "focus": "51.03.05.2001"}),
    ("Kec. Kuta Utara", {"regency": "51.03", "level": "district", "village": "", "focus": "51.03.06"}),
    ("Kab. Karangasm", {"regency": "51.07", "level": "village", "village": "", "focus": ""}),
])
def test_search_box_selects_the_area_found(query, expect):
    at = app()
    at.text_input(key=wkey("explore", "q")).set_value(query).run()
    assert not at.exception
    view = view_of(at, "explore")
    assert {k: view[k] for k in expect} == expect
    if expect["village"]:
        assert any(expect["village"] in t.value for t in at.text)  # the profile is open


def test_search_box_says_when_nothing_is_near():
    at = app()
    at.text_input(key=wkey("explore", "q")).set_value("xyzq").run()
    assert not at.exception and view_of(at, "explore")["regency"] == ""
    assert any("xyzq" in c.value for c in at.caption)
