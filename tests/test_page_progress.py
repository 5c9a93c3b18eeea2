"""The progress page (AppTest): the period it shows, paces and status, the change map between
the periods in the URL, the villages that fell, the clusters of change, the language switch."""
from __future__ import annotations

import pytest
from conftest import make_app, needs_shared, view_of

from testsupport.history import demo_months

pytestmark = needs_shared


@pytest.fixture(scope="module")
def months(bali):
    return demo_months(bali, "2025-12", "2026-07")


def texts(at) -> str:
    parts = [x.value for kind in ("caption", "markdown", "warning", "info", "error", "subheader", "title")
             for x in getattr(at, kind)]
    return "\n".join(parts + [m.label + " " + m.value for m in at.metric])


def test_the_page_names_the_latest_period_and_the_pace_against_the_target(months):
    at = make_app("progress", state={"figures": months, "figures_provinces": ("51",)})
    assert not at.exception, at.exception
    text = texts(at)
    assert "Menampilkan Jul 2026 · 8 periode dalam riwayat (Des 2025 – Jul 2026)" in text
    assert "Riwayat sintetis" in text  # synthetic, said so
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Kepesertaan Jul 2026"].endswith("%")
    needed = float(metrics["Laju perlu (poin/bln)"].replace(",", "."))
    assert needed > 0
    assert metrics["Status"] in ("sesuai jalur", "tertinggal")
    assert "50,88% (Mar 2025)" in text and "53,88% (Des 2025)" in text  # the published real points
    # Bangli grows at a tenth of the pace: behind, with the slowest recent pace
    table = at.dataframe[0].value.set_index("Wilayah")
    assert table.loc["Kabupaten Bangli", "Status"] == "tertinggal"
    recent = table["Laju terakhir"].str.replace(" poin/bulan", "").str.replace(",", ".").astype(float)
    assert recent.idxmin() == "Kabupaten Bangli" and (recent > 0).all()
    assert "Perubahan Des 2025 → Jul 2026" in text  # the change map compares the first and the latest


def test_periods_from_the_url_and_a_bad_period_said_so(months):
    at = make_app("progress", query={"pg_period": "2026-03", "pg_from": "2026-01", "pg_to": "2026-9999"},
                  state={"figures": months, "figures_provinces": ("51",)})
    assert not at.exception, at.exception
    text = texts(at)
    assert "Menampilkan Mar 2026" in text
    assert "Perubahan Jan 2026 → Jul 2026" in text  # the bad "to" fell back to the latest
    assert any("pg_to=2026-9999" in w.value.replace("\\", "") for w in at.warning)
    v = view_of(at, "progress")
    assert (v["period"], v["before"], v["after"]) == ("2026-03", "2026-01", "")
    url = dict(at.query_params)
    assert url["pg_period"] in ("2026-03", ["2026-03"]) and "pg_to" not in url


def test_clusters_of_change_in_english(months):
    at = make_app("progress", lang="en", query={"pg_clusters": "1"},
                  state={"figures": months, "figures_provinces": ("51",)})
    assert not at.exception, at.exception
    text = texts(at)
    assert "Clusters of change in coverage rate · Dec 2025 → Jul 2026" in text
    assert "Emerging hot spots of uncovered workers" in text and "(8 periods)" in text
    assert "fell together:" in text
    assert "Laju" not in text  # every word in the chosen language


def test_the_demo_history_and_its_frames_are_left_unchanged_by_the_page(bali):
    """The history and its frames are shared by every session: the page must not change them."""
    import pandas as pd

    from geo.analysis import frames
    from geo.figures import demo_history
    from ui import history

    at = make_app("progress", lang="en", query={"pg_clusters": "1", "pg_ind": "new_enrolled"})
    assert not at.exception, at.exception
    assert "Synthetic history (demo)" in texts(at)
    h = history.demo_history(("51",))
    fresh = demo_history.demo_history(bali)
    assert h.periods == fresh.periods and len(h.periods) >= 6
    pd.testing.assert_frame_equal(h.long(), fresh.long())
    key = history.history_key(h)
    for p in (h.periods[0], h.latest):
        shared = history.coverage(key, p, h, ("51",))["village"]
        pd.testing.assert_frame_equal(pd.DataFrame(shared.drop(columns="geometry")),
                                      pd.DataFrame(frames.coverage(bali.full, fresh.for_period(p))["village"]
                                                   .drop(columns="geometry")))
