"""Did outreach reach its targets, on the targets page (AppTest) and in the list's exports."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from conftest import make_app, needs_shared

from geo.analysis import frames, outreach, targeting
from geo.outputs import store, targetlist
from testsupport.history import demo_months

pytestmark = needs_shared


@pytest.fixture(autouse=True)
def database(tmp_path, monkeypatch):
    monkeypatch.setenv("GEO_DATABASE_URL", f"sqlite:///{tmp_path / 'lists.sqlite'}")


@pytest.fixture(scope="module")
def months(bali):
    return demo_months(bali, "2025-12", "2026-07")


def saved_in_march(codes: list[str], monkeypatch, settings: dict | None = None) -> None:
    """A list saved on 10 March 2026 (the store's clock moved back)."""
    with monkeypatch.context() as m:
        m.setattr(store, "now", lambda: "2026-03-10T09:00:00.000000+00:00")
        db = store.Store(store.database_url())
        db.save("Nelayan Maret", codes, "Tim", "", settings or {}, actor=store.default_actor())


def test_the_opened_lists_villages_beside_comparable_ones(bali, months, monkeypatch, tmp_path):
    codes = list(bali.full["village"]["code"].iloc[::40])
    saved_in_march(codes, monkeypatch)
    at = make_app("targets", "en", {"tl_list": "Nelayan Maret"},
                  {"figures": months, "figures_provinces": ("51",), "selected_codes": codes})
    assert not at.exception, at.exception
    text = "\n".join(c.value for c in at.caption)
    # saved in March: the baseline is February, compared with the latest period (July)
    assert "Since the list was saved (Feb 2026 → Jul 2026): targeted villages" in text
    assert "same regency, nearest baseline coverage" in text
    labels = [m.label for m in at.metric]
    assert {"Targeted villages", "Comparable villages", "Difference"} <= set(labels)
    # the same numbers as the library's
    h = months
    a = frames.coverage(bali.full, h.for_period("2026-02"))["village"]
    b = frames.coverage(bali.full, h.for_period("2026-07"))["village"]
    eff = outreach.effect(a, b, codes, "2026-03-10", ("2026-02", "2026-07"))
    shown = next(m.value for m in at.metric if m.label == "Difference")
    assert shown.replace(" pp", "") == f"{eff.difference_pp:+.2f}".replace("+-", "-")


def test_a_list_saved_after_the_latest_period_has_no_effect_yet(bali, months, monkeypatch, tmp_path):
    db = store.Store(store.database_url())
    db.save("Baru", list(bali.full["village"]["code"].iloc[:5]), "", "", {}, actor=store.default_actor())
    at = make_app("targets", "id", {"tl_list": "Baru"}, {"figures": months, "figures_provinces": ("51",)})
    assert not at.exception, at.exception
    assert any("Belum ada periode setelah Jul 2026" in i.value for i in at.info)


def test_the_exports_carry_the_effect(bali, months):
    codes = list(bali.full["village"]["code"].iloc[::40])
    a = frames.coverage(bali.full, months.for_period("2026-02"))["village"]
    b = frames.coverage(bali.full, months.for_period("2026-07"))["village"]
    eff = outreach.effect(a, b, codes, "2026-03-10", ("2026-02", "2026-07"))
    settings = targeting.Settings()
    csv = targetlist.target_list_csv(b, codes, settings, months.provenance, "en", effect=eff).decode("utf-8")
    assert "Since the list was saved (Feb 2026 → Jul 2026)" in csv and "not proof of cause" in csv
    body = csv[csv.index("code,"):]
    df = pd.read_csv(io.StringIO(body), dtype={"code": str})
    col = "change_pp_2026-02_2026-07"
    assert col in df and "new_enrolled_2026-02_2026-07" in df
    expect = eff.villages.set_index("code")["change_pp"].round(2)
    assert np.allclose(df.set_index("code")[col], expect.loc[df["code"]], atol=0.006)
    xlsx = targetlist.target_list_xlsx(b, codes, settings, months.provenance, "id", effect=eff)
    import openpyxl
    ws = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    cells = [str(c.value) for row in ws.iter_rows(max_row=15) for c in row if c.value]
    assert any("Sejak daftar disimpan (Feb 2026 → Jul 2026)" in c for c in cells)
