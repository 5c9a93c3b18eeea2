"""ui/history.py: which history the pages get (saved periods, this session's figures, or the demo)."""
from __future__ import annotations

import pytest
from conftest import needs_shared
from streamlit.testing.v1 import AppTest

pytestmark = needs_shared


def script():
    import streamlit as st

    from ui import history
    h = history.active_history()
    st.text(f"{','.join(h.periods)}|{h.synthetic}|{','.join(sorted({p.source for p in h.provenance.values()}))}")


@pytest.fixture(autouse=True)
def database(tmp_path, monkeypatch):
    monkeypatch.setenv("GEO_DATABASE_URL", f"sqlite:///{tmp_path / 'h.sqlite'}")


def run(state: dict | None = None, query: dict | None = None) -> str:
    at = AppTest.from_function(script, default_timeout=120)
    for k, v in (state or {}).items():
        at.session_state[k] = v
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at.text[0].value


def test_the_demo_history_when_no_figures_are_used():
    periods, synthetic, source = run().split("|")
    assert periods.startswith("2025-12,2026-01") and synthetic == "True" and source == "demo"


def test_figures_of_this_session_give_their_own_periods(bali):
    from geo import figures
    from geo.figures import join
    text = "kode,periode,pekerja,peserta\n51.01,2026-01,100,50\n51.01,2026-02,100,55\n"
    raw = figures.read_table(text.encode(), "two.csv")
    fig = join.join(figures.validate(raw, figures.guess_mapping(raw.columns), ["51"]), bali.full, ["51"]).figures
    assert run({"figures": fig, "figures_provinces": ("51",)}) == "2026-01,2026-02|False|two.csv"


def test_a_saved_dataset_in_use_gives_the_saved_history(bali):
    from geo import figures
    from geo.figures import join
    from geo.outputs import store
    db = store.Store(store.database_url())
    ids = []
    for name, text in (("jan", "kode,periode,pekerja,peserta\n51.01,2026-01,100,50\n"),
                       ("feb", "kode,periode,pekerja,peserta\n51.01,2026-02,100,55\n")):
        raw = figures.read_table(text.encode(), f"{name}.csv")
        fig = join.join(figures.validate(raw, figures.guess_mapping(raw.columns), ["51"]), bali.full, ["51"]).figures
        ids.append(db.save_dataset(fig, name, f"{name}.csv", "", {}, store.Actor("ayu", "planner")).id)
    db.dispose()
    assert run(query={"dataset": str(ids[1])}) == "2026-01,2026-02|False|feb.csv,jan.csv"
