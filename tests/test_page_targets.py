"""The targeting page in Streamlit's AppTest: budget shown, saved lists, URL state, wrong-level data."""
from __future__ import annotations

import math

import pandas as pd
import pytest
from conftest import make_app, needs_shared, view_of, wkey

from geo.analysis import frames as analysis_frames
from geo.core import i18n, schema

pytestmark = needs_shared


@pytest.fixture(autouse=True)
def database(tmp_path, monkeypatch):
    """Each test its own SQLite file (the page caches one store per database URL)."""
    monkeypatch.setenv("GEO_DATABASE_URL", f"sqlite:///{tmp_path / 'lists.sqlite'}")


def page(lang: str = "en", query: dict | None = None, selected: list[str] | None = None, **state):
    if selected is not None:
        state["selected_codes"] = selected
    return make_app("targets", lang, query, state)


@pytest.fixture(scope="module")
def demo(bali):
    from geo.figures import demo as demo_mod
    return demo_mod.demo_figures(bali).data.set_index("code")


def metric(at, label_start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label_start))


def test_page_runs_in_both_languages():
    at = page("id")
    assert not at.exception, at.exception
    assert at.title[0].value == "Daftar sasaran"
    assert metric(at, "Anggaran 12 bulan") == "Rp0"
    at = page("en")
    assert not at.exception and at.title[0].value == "Target lists"


def test_budget_of_the_selection(demo):
    sel = list(demo.index[:3])
    at = page("en", selected=sel)
    assert not at.exception, at.exception
    # independently: uncovered non-wage people of the three villages x Rp16,800 x 12
    uncovered = sum(int(demo.loc[c, f"workers_{s}"]) - int(demo.loc[c, f"covered_{s}"])
                    for c in sel for s in schema.NON_WAGE)
    assert metric(at, "Villages") == "3"
    assert metric(at, "Expected people enrolled") == i18n.fmt_num(uncovered, "en")
    assert metric(at, "Budget for 12 months") == i18n.fmt_rp(uncovered * 16_800 * 12, "en")
    # uptake 50 %, 6 months, Indonesian formatting
    at = page("id", {"tl_uptake": "50", "tl_months": "6"}, selected=sel)
    # whole people, rounded once per segment (half up): no budget for half a person
    people = sum(math.floor(0.5 * sum(int(demo.loc[c, f"workers_{s}"]) - int(demo.loc[c, f"covered_{s}"])
                                      for c in sel) + 0.5) for s in schema.NON_WAGE)
    assert metric(at, "Anggaran 6 bulan") == i18n.fmt_rp(people * 16_800 * 6, "id")


def test_reached_rates_recomputed_from_sums(demo):
    at = page("en", selected=[demo.index[0]])
    rates = next(df.value for df in at.dataframe if "Now" in df.value.columns)
    province = rates.iloc[0]
    w, c = demo["workers"].astype(int).sum(), demo["covered"].astype(int).sum()
    assert province["Now"] == i18n.fmt_pct(100 * c / w, "en", 2)
    gained = sum(int(demo.iloc[0][f"workers_{s}"]) - int(demo.iloc[0][f"covered_{s}"]) for s in schema.NON_WAGE)
    assert province["After"] == i18n.fmt_pct(100 * (c + gained) / w, "en", 2)
    assert len(rates) == 2  # the province and the one regency touched


def test_save_refuses_silent_overwrite_then_versions(demo):
    at = page("en", selected=list(demo.index[:4]))
    at.text_input(key=wkey("targets", "name", "en")).input("Round 1")
    at.text_input(key=wkey("targets", "author", "en")).input("Ayu")
    at.button[[b.label for b in at.button].index("Save")].click().run()
    assert any('"Round 1" saved (version 1, 4 villages)' in s.value for s in at.success)
    assert at.query_params["tl_list"] == "Round 1"
    # the same name again, without overwrite: refused, nothing lost
    at.session_state["selected_codes"] = list(demo.index[:2])
    at.text_input(key=wkey("targets", "name", "en")).input("Round 1")
    at.button[[b.label for b in at.button].index("Save")].click().run()
    assert any("already exists (version 1)" in e.value for e in at.error)
    at.checkbox(key=wkey("targets", "overwrite", "en")).check()
    at.button[[b.label for b in at.button].index("Save")].click().run()
    assert any("(version 2, 2 villages)" in s.value for s in at.success)
    # open version 1 again: the selection comes back with its four villages
    at.session_state["selected_codes"] = []
    at.run()
    open_tab_version = next(s for s in at.selectbox if s.label == "Version")
    open_tab_version.set_value(1).run()
    at.button[[b.label for b in at.button].index("Open as the selection")].click().run()
    assert not at.exception, at.exception
    assert at.session_state["selected_codes"] == list(demo.index[:4])
    assert any("version 1 opened: 4 villages" in s.value for s in at.success)


def test_url_restores_filters_settings_and_saved_list(demo):
    at = page("en", selected=list(demo.index[:5]))
    at.text_input(key=wkey("targets", "name", "en")).input("Shared")
    at.number_input(key=wkey("targets", "uptake", "en")).set_value(80.0)
    at.button[[b.label for b in at.button].index("Save")].click().run()
    assert at.query_params["tl_uptake"] == "80"
    # a new session from a copied link: the list, its settings and the filters come back
    url = dict(at.query_params.items())
    url.update(tl_regency="51.03", tl_min="300", tl_sort="coverage_rate", tl_desc="0")
    again = page("en", url)
    assert not again.exception, again.exception
    s = view_of(again, "targets")
    assert again.session_state["selected_codes"] == list(demo.index[:5])
    assert (s["regency"], s["min_uncovered"], s["sort"], s["descending"], s["uptake"]) == \
        ("51.03", 300, "coverage_rate", False, 80.0)
    badung = demo[[c.startswith("51.03.") for c in demo.index]]
    unc = sum(badung[f"workers_{x}"].astype(int) - badung[f"covered_{x}"].astype(int) for x in schema.NON_WAGE)
    assert any(f"{int((unc >= 300).sum())} of 716 villages shown" in c.value for c in again.caption)


def test_hostile_url_values_are_ignored():
    at = page("en", {"tl_uptake": "abc", "tl_seg": "wage,<script>", "tl_regency": "99.99", "tl_list": "nope"})
    assert not at.exception, at.exception
    v = view_of(at, "targets")  # each unusable value falls back to its default, and the page says so
    assert v["uptake"] == 100.0 and v["segments"] == list(schema.NON_WAGE) and v["regency"] == ""
    assert any("tl\\_uptake=abc" in w.value and "tl\\_seg=wage,\\<script\\>" in w.value for w in at.warning)
    assert any('"nope" not found' in e.value for e in at.error)


def test_regency_level_figures_explain_what_is_needed(bali):
    from geo.figures.model import Figures
    reg = pd.DataFrame({"code": sorted(bali.full["regency"]["code"]), "workers": 1000, "covered": 500})
    at = page("en", figures=Figures(reg, "regency", "regencies.csv"), figures_provinces=("51",))
    assert not at.exception, at.exception
    assert any("need village-level figures" in i.value for i in at.info)


def test_only_robust_high_high_filter(demo):
    codes = list(demo.index[10:13])
    at = page("en", robust_high_high_codes=codes)  # as the cluster page leaves them
    at.toggle(key=wkey("targets", "only_hh", "en")).set_value(True).run()
    assert not at.exception, at.exception
    assert any(c.value.startswith("3 of 716 villages shown") for c in at.caption)
    # without the cluster page's result the page runs the default analysis itself
    at = page("en", {"tl_hh": "1"})
    assert not at.exception, at.exception
    shown = next(c.value for c in at.caption if "villages shown" in c.value)
    from geo import boundaries
    from geo.analysis import clusters
    from geo.figures import demo as demo_mod
    bset = boundaries.load("51")
    frame = analysis_frames.build_frames(bset.full, demo_mod.demo_figures(bset))["village"]
    tab = clusters.analyse(frame).table
    expected = int(((tab["label"] == clusters.HH) & tab["stable"]).sum())
    assert shown.startswith(f"{expected} of 716 villages shown")
