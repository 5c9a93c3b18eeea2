"""The upload page (AppTest drives st.file_uploader): a good file, bad files, using the figures."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ARTIFACTS, make_app, needs_shared, view_of

pytestmark = needs_shared
FIX = Path(__file__).parent / "fixtures" / "figures"
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def database(tmp_path, monkeypatch):
    """Each test its own database of saved datasets."""
    monkeypatch.setenv("GEO_DATABASE_URL", f"sqlite:///{tmp_path / 'data.sqlite'}")


def open_page(lang: str = "id"):
    return make_app("figures", lang)


def upload(at, name: str, mime: str = CSV):
    at.file_uploader(key="fig_upload").set_value((name, (FIX / name).read_bytes(), mime))
    return at.run()


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_page_before_upload_says_the_demo_is_synthetic():
    at = open_page()
    assert not at.exception
    assert at.title[0].value == "Data cakupan"
    assert any("SINTETIS" in w.value for w in at.warning)
    assert len(at.file_uploader) == 1 and not at.metric


def test_good_file_then_use_it_and_return_to_the_demo():
    at = upload(open_page("en"), "good.csv")
    assert not at.exception and not at.error
    m = metrics(at)
    assert m["Rows"] == "5" and m["Matched by code"] == "5" and m["Invalid"] == "0"
    assert m["Without figures"] == "711"
    at.button(key="fig_use").click().run()
    assert not at.exception
    dataset = view_of(at, "app")["dataset"]
    assert dataset > 0 and at.query_params["dataset"] == str(dataset)  # saved: the link reopens it
    from geo.outputs import store
    fig = store.Store(store.database_url()).open_dataset(dataset).figures
    assert fig.synthetic is False and fig.level == "village" and fig.source == "good.csv"
    assert sorted(fig.data["code"]) == ["51.71.01.1001", "51.71.01.1002", "51.71.01.1003", "51.71.01.1004",
                                        "51.71.01.2007"]
    assert fig.data.set_index("code").loc["51.71.01.2007", "workers_farmer"] == 310
    assert any('"good" is used in the whole app' in s.value for s in at.success)
    assert any(s.value.startswith("Active dataset: good (village level, 5 areas") for s in at.success)
    assert not any("SYNTHETIC" in w.value for w in at.warning)
    # a new session from the link: the same dataset, without uploading again
    again = make_app("explore", "en", {"dataset": str(dataset)})
    assert not again.exception and not any("SYNTHETIC" in w.value for w in again.warning)
    assert any("5 of 716 villages reported" in i.value for i in again.info)
    at.button(key="fig_back").click().run()
    assert view_of(at, "app")["dataset"] == 0 and "dataset" not in at.query_params
    assert any("SYNTHETIC" in w.value for w in at.warning)


def test_saved_datasets_rename_delete_to_the_bin_and_restore():
    at = upload(open_page("en"), "good.csv")
    at.button(key="fig_use").click().run()
    at.text_input(key="w:figures:new_name:en").input("Denpasar round 1").run()
    at.button(key="fig_ds_rename").click().run()
    assert any('"good" is now called "Denpasar round 1"' in s.value for s in at.success)
    assert at.dataframe[0].value["Name"].tolist() == ["Denpasar round 1"]
    assert at.button(key="fig_ds_delete").disabled  # needs the confirmation
    at.checkbox(key="w:figures:delete_sure:en").check().run()
    at.button(key="fig_ds_delete").click().run()
    assert not at.exception
    assert any("moved to the bin; it can be restored for 30 days" in s.value for s in at.success)
    assert view_of(at, "app")["dataset"] == 0 and any("SYNTHETIC" in w.value for w in at.warning)
    restore = next(b for b in at.button if b.key and b.key.startswith("fig_restore_"))
    restore.click().run()
    assert any('"Denpasar round 1" restored with its 1 versions' in s.value for s in at.success)
    assert at.dataframe[0].value["Name"].tolist() == ["Denpasar round 1"]


def test_a_link_to_a_dataset_that_is_gone_says_so_and_shows_the_demo():
    at = make_app("explore", "en", {"dataset": "987"})
    assert not at.exception
    assert any("Saved dataset number 987 in this link no longer exists" in w.value for w in at.warning)
    assert any("SYNTHETIC" in w.value for w in at.warning) and "dataset" not in at.query_params


def test_messy_file_report_on_the_page():
    at = upload(open_page("en"), "messy.csv")
    assert not at.exception
    m = metrics(at)
    assert (m["Rows"], m["Matched by code"], m["Matched by name"], m["Ambiguous"], m["Unmatched"], m["Invalid"]) == \
        ("13", "4", "2", "1", "1", "5")
    mapping = at.dataframe[0].value  # the data editor: how each column was read
    # read as the columns people know, never the canonical keys (workers_farmer)
    assert dict(zip(mapping["source"], mapping["read_as"])) == {
        "No": "(ignore)", "Kode Desa": "Area code", "Nama Desa": "Area name", "Kecamatan": "District",
        "Periode": "Period", "Jumlah Pekerja": "Workers (all)", "Peserta Aktif": "Covered (all)",
        "Petani": "Farmers", "Petani Peserta": "Farmers covered"}
    assert mapping.set_index("source").loc["Jumlah Pekerja", "examples"] == "12.345 | 9.876 | 4.321"
    problems = at.dataframe[1].value  # first tab: the problems with row and column
    assert list(problems.columns) == ["Row", "Column", "Severity", "Message"]
    row13 = problems[problems["Row"] == 13]
    assert row13["Column"].tolist() == ["Workers (all)"] and "fractional" in row13["Message"].iloc[0]
    assert "Problems (9)" in [tab.label for tab in at.tabs]


def test_bad_files_stop_with_one_clear_message():
    at = upload(open_page("en"), "text.xlsx", XLSX)
    assert not at.exception
    assert len(at.error) == 1 and "not an Excel workbook" in at.error[0].value and ".csv" in at.error[0].value
    assert not at.metric and not any(b.key == "fig_use" for b in at.button)
    at = upload(open_page("id"), "missing_columns.csv")
    assert len(at.error) == 1 and "pekerja" in at.error[0].value and not at.metric


def test_row_problems_only_exclude_bad_rows_in_indonesian():
    at = upload(open_page("id"), "fractional.csv")
    m = metrics(at)
    assert m["Cocok lewat kode"] == "1" and m["Tidak sah"] == "2"
    msgs = at.dataframe[1].value["Pesan"].tolist()
    assert all("pecahan" in s for s in msgs)


def test_xlsx_sheet_choice():
    at = upload(open_page("en"), "title_rows.xlsx", XLSX)
    assert at.selectbox(key=next(s.key for s in at.selectbox if s.key and s.key.startswith("fig_sheet_"))).value \
        == "Ringkasan"
    assert len(at.error) == 1 and "Data" in at.error[0].value  # the first sheet is empty: names the others
    sheet = next(s for s in at.selectbox if s.key and s.key.startswith("fig_sheet_"))
    sheet.set_value("Data").run()
    m = metrics(at)
    assert m["Rows"] == "5" and m["Matched by code"] == "3" and m["Matched by name"] == "1"


@pytest.mark.browser
def test_upload_in_chromium(app_url, offline_page):
    """The real widget: a file chosen in the browser is read, reported and shown as text."""
    page = offline_page
    page.goto(app_url + "/figures?lang=en")
    page.wait_for_selector("input[type=file]", state="attached", timeout=60_000)
    page.set_input_files("input[type=file]", str(FIX / "messy.csv"))
    page.get_by_text("Join report", exact=True).wait_for(timeout=60_000)
    page.get_by_text("Matched by name", exact=True).first.wait_for(timeout=30_000)
    metrics = page.locator('[data-testid="stMetric"]')
    assert metrics.count() == 7
    values = [metrics.nth(i).locator('[data-testid="stMetricValue"]').inner_text() for i in range(7)]
    assert values == ["13", "4", "2", "1", "1", "5", "710"]
    assert not page.errors, page.errors
    page.set_viewport_size({"width": 1400, "height": 2400})  # Streamlit scrolls inside its own container
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "figures_upload.png"))


def test_a_file_without_periods_gets_the_month_chosen_on_the_page_and_two_periods_are_two():
    """Issue 15: the period choice (bound to the view's ``period``) for a file without the column;
    a file with two periods is read as two, the latest used, and saved with both."""
    from ui import views
    at = open_page("id")
    plain = "kode,nama,pekerja,peserta\n51.71.01.1001,Serangan,3120,1650\n51.71.01.1002,Pedungan,14210,8400\n"
    at.file_uploader(key="fig_upload").set_value(("plain.csv", plain.encode(), CSV))
    at.run()  # no period column
    months = views.upload_periods()
    box = at.selectbox(key="w:figures:period:id")
    assert len(box.options) == 36 and box.options[0].endswith(months[0][:4])
    assert any(c.value == f"Periode: {box.options[0]}." for c in at.caption)
    box.set_value(months[2]).run()
    assert not at.exception and view_of(at, "figures")["period"] == months[2]
    at.button(key="fig_use").click().run()
    from geo.outputs import store
    db = store.Store(store.database_url())
    assert db.open_dataset(view_of(at, "app")["dataset"]).figures.period == months[2]
    two = ("kode,nama,periode,pekerja,peserta\n51.71.01.1001,Serangan,Desember 2025,100,50\n"
           "51.71.01.1001,Serangan,2026-03,110,60\n51.71.01.1002,Pedungan,Des 2025,200,80\n"
           "51.71.01.1002,Pedungan,03/2026,210,90\n")
    at.file_uploader(key="fig_upload").set_value(("two.csv", two.encode(), CSV))
    at.run()
    assert not at.exception and not at.error
    assert not [s for s in at.selectbox if s.key == "w:figures:period:id"]  # the file has its own periods
    assert metrics(at)["Cocok lewat kode"] == "4" and metrics(at)["Tidak sah"] == "0"
    assert any("Periode dalam berkas: Desember 2025, Maret 2026. Tampilan memakai yang terbaru (Maret 2026)"
               in c.value for c in at.caption)
    at.text_input(key="w:figures:name:id").set_value("two periods").run()
    at.button(key="fig_use").click().run()
    fig = db.open_dataset(view_of(at, "app")["dataset"]).figures
    assert fig.periods == ("2025-12", "2026-03") and fig.period == "2026-03"
    db.dispose()
