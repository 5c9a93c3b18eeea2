"""Hostile files on the upload page and hostile text on the other pages (Streamlit's AppTest).

What the user sees: no exception and no traceback, one error naming the file for a file that
cannot be used, every data row counted in the report for one that can, and text from the file
(names, the file name, a saved list's note) shown as text. The page renders messages as
Markdown with the file's text escaped, so the checks read the message with Markdown escapes
removed, as the browser shows it.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from conftest import ROOT, make_app, needs_shared, wkey

from geo.figures import model as figures_model
from testsupport import extremes
from testsupport import hostile as builders

pytestmark = needs_shared
FIX = Path(__file__).parent / "fixtures" / "figures"
CSV, XLSX = "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HOSTILE = ['<img src=x onerror="window.__xss=1">', "${window.__xss=2}", "<script>window.__xss=3</script>"]
REDACTED = ("This app has encountered an error. The original error message is redacted to prevent data leaks. Full "
            "error details have been recorded in the logs (if you're on Streamlit Cloud, click on 'Manage app' in "
            "the lower right of your app).")


def unmarkdown(text: str) -> str:
    """What the browser shows for Markdown that the page escaped: ``\\.`` is ``.``."""
    return re.sub(r"\\(.)", r"\1", text)


def upload_page(name: str, data: bytes, mime: str = CSV, lang: str = "en"):
    at = make_app("figures", lang)
    at.file_uploader(key="fig_upload").set_value((name, data, mime))
    return at.run()


def visible_text(at) -> str:
    """Every message, text and caption on the page (what could carry a traceback)."""
    parts = [e.value for kind in ("error", "warning", "info", "success", "text", "caption", "markdown")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


UNUSABLE = [
    ("password.xlsx", builders.encrypted_xlsx, XLSX,
     'This is not a plain .xlsx file: it may be a renamed .xls or password-protected. Open it in Excel, remove the '
     'password and save it as "Excel Workbook (.xlsx)".'),
    ("renamed_text.xlsx", lambda: b"kode,nama,pekerja,peserta\n51.71.01.1001,Serangan,1,1\n", XLSX,
     "The content does not match the extension .xlsx: this is not an Excel workbook. If it is text, save it with "
     "the .csv extension; otherwise save it from Excel as .xlsx."),
    ("foto.csv", builders.png, CSV,
     "This file is not text (it holds binary bytes), so it is not a CSV. Save the data as CSV UTF-8 or .xlsx."),
    ("old_excel.csv", lambda: (FIX / "old.xls").read_bytes(), CSV,
     'The content does not match the extension .csv: this is an old Excel (.xls) file. Open it in Excel and save it '
     'as "CSV UTF-8" or .xlsx.'),
    ("bomb.xlsx", lambda: builders.zip_bomb(300), XLSX,
     "This workbook declares 300 MB of content once unpacked (the limit is 256 MB) or an implausible compression "
     "ratio; it was refused before reading."),
    ("laughs.xlsx", builders.laughs_in_shared_strings, XLSX,
     "The workbook contains XML entity declarations (EntitiesForbidden), refused for safety. Open it in Excel and "
     "save it again as .xlsx."),
    ("lying.xlsx", lambda: builders.lying_sizes(16), XLSX,
     "The Excel workbook cannot be read (BadZipFile). Open it in Excel and save it again as .xlsx."),
    ("far_row.xlsx", builders.far_row, XLSX,
     "The file has more than 200,000 rows. Split the data into several files."),
    ("quote.csv", lambda: b'kode,nama,pekerja,peserta\n51.71.01.1001,"Serangan,1,1\n51.71.01.1002,Pedungan,1,1\n', CSV,
     'The CSV is broken near row 2: unexpected end of data. Save it again from Excel as "CSV UTF-8".'),
    ("empty.csv", lambda: b"", CSV, "The file holds no data rows."),
    ("header_only.xlsx", lambda: builders.workbook([builders.HEADER]), XLSX, "The file holds no data rows."),
    ("no_counts.csv", lambda: b"kode,nama,periode\n51.71.01.1001,Serangan,2025-12\n", CSV,
     'No pair of workers and covered columns (for example "workers" and "covered", or "workers_farmer" and '
     '"covered_farmer"). Columns read: kode, nama, periode.'),
]


@pytest.mark.parametrize("name,build,mime,message", UNUSABLE, ids=[u[0] for u in UNUSABLE])
def test_unusable_file_one_message_naming_it_no_traceback(name, build, mime, message):
    at = upload_page(name, build(), mime)
    assert not at.exception
    assert [unmarkdown(e.value) for e in at.error] == [f"**The file cannot be used** ({name}): {message}"]
    assert "Traceback" not in visible_text(at) and 'File "' not in visible_text(at)
    assert not at.metric and not any(b.key == "fig_use" for b in at.button)


def test_message_in_indonesian_names_the_file_too():
    at = upload_page("sandi.xlsx", builders.encrypted_xlsx(), XLSX, lang="id")
    assert not at.exception
    assert [unmarkdown(e.value) for e in at.error] == [
        "**Berkas tidak dapat dipakai** (sandi.xlsx): Berkas ini bukan .xlsx yang biasa: mungkin berkas .xls yang "
        "diganti namanya atau dilindungi kata sandi. Buka di Excel, hapus kata sandinya, lalu simpan sebagai "
        '"Excel Workbook (.xlsx)".']


def test_a_picture_is_refused_by_the_upload_widget_without_details():
    """A .png never reaches the reader: Streamlit's uploader refuses the type, and with
    client.showErrorDetails = "none" the user gets the redacted message, no traceback."""
    at = upload_page("peta.png", builders.png(), "image/png")
    assert len(at.exception) == 1
    assert at.exception[0].message == REDACTED and list(at.exception[0].stack_trace) == []


@pytest.mark.parametrize("name,build,expected,mime", [
    ("extremes.csv", extremes.csv_file, extremes.csv_expected, CSV),
    ("extremes.xlsx", extremes.xlsx_file, extremes.xlsx_expected, XLSX),
], ids=["csv", "xlsx"])
def test_numeric_extremes_on_the_page_are_invalid_rows_with_their_cell(name, build, expected, mime):
    """Huge, scientific, NaN, inf, negative and fractional counts (issue 17): no exception, each
    row in the problems table on its row and column with its message, every row counted once."""
    at = upload_page(name, build(), mime)
    assert not at.exception and not at.error
    assert "Traceback" not in visible_text(at)
    m = {x.label: x.value for x in at.metric}
    cats = ("Matched by code", "Matched by name", "Ambiguous", "Unmatched", "Invalid")
    n_bad = len(expected())
    used = 2 if name.endswith(".csv") else 1
    assert (m["Rows"], m["Invalid"], m["Matched by code"]) == (str(n_bad + used), str(n_bad), str(used))
    assert int(m["Rows"]) == sum(int(m[k]) for k in cats)
    problems = at.dataframe[1].value
    got = list(zip(problems["Row"].tolist(), problems["Column"].tolist(), problems["Message"].tolist()))
    from geo.outputs.labels import canonical_label  # the column as people call it, in the language
    assert got == [(row, canonical_label(col, "en"), msg) for row, col, _, msg in expected()]
    at.button(key="fig_use").click().run()  # the usable rows can still be used
    assert not at.exception


def _hostile_file() -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["kode", "nama", "pekerja", "peserta"])
    w.writerow(["51.71.01.1001", "Serangan", 3120, 1650])
    for text in HOSTILE:
        w.writerow(["", text, 10, 5])  # names only: unmatched, reported with the name as written
    w.writerow(["51.71.01.1002", '=HYPERLINK("http://x","y")', "1,5", 5])  # a formula name, a fractional count
    return buf.getvalue().encode()


def test_hostile_names_are_reported_as_text_and_every_row_is_counted():
    at = upload_page('<b onmouseover="x">${1+1}.csv', _hostile_file())
    assert not at.exception and not at.error
    m = {x.label: x.value for x in at.metric}
    assert (m["Rows"], m["Matched by code"], m["Unmatched"], m["Invalid"]) == ("5", "1", "3", "1")
    assert int(m["Rows"]) == sum(int(m[k]) for k in ("Matched by code", "Matched by name", "Ambiguous", "Unmatched",
                                                    "Invalid"))
    problems = at.dataframe[1].value
    assert problems["Row"].tolist() == [3, 4, 5, 6]
    assert problems["Message"].tolist()[:3] == [f'Name "{h}" matches no official area.' for h in HOSTILE]
    assert problems["Column"].tolist()[3] == "Workers (all)"  # "1,5": a fractional count, in "workers"
    unmatched = next(d.value for d in at.dataframe if "Name in file" in d.value.columns
                     and "Candidates" in d.value.columns)
    assert unmatched["Name in file"].tolist() == HOSTILE  # exactly as written: data, not markup
    # once used, the file name is the dataset's source, shown as plain text
    at.button(key="fig_use").click().run()
    assert not at.exception
    assert any(t.value == 'File: <b onmouseover="x">${1+1}.csv' for t in at.text)


def test_pages_with_a_hostile_source_and_names_run_without_error(bali):
    """The source (file name) is drawn in map titles and exports on every page."""
    from geo.figures import demo
    source = HOSTILE[0] + HOSTILE[1] + ".csv"
    fig = demo.demo_figures(bali)
    fig = figures_model.Figures(data=fig.data, level="village", source=source, synthetic=False, period="2025-12")
    for page in ("app_pages/explore.py", "app_pages/targets.py", "app_pages/clusters.py"):
        if not (ROOT / page).exists():
            continue
        at = make_app(page, "en", state={"figures": fig, "figures_provinces": ("51",)})
        assert not at.exception, (page, at.exception)


@pytest.fixture(autouse=True)
def database(tmp_path, monkeypatch):
    """Each test its own database (saved lists and datasets of other tests change the page)."""
    monkeypatch.setenv("GEO_DATABASE_URL", f"sqlite:///{tmp_path / 'lists.sqlite'}")


def test_saved_list_note_and_name_are_shown_as_text(database, bali):
    note = " ".join(HOSTILE) + " =1+1"
    name = "Sasaran <b>1</b> ${x} *tebal*"
    at = make_app("targets", "en", state={"selected_codes": ["51.71.01.1001", "51.71.01.1002"]})
    at.text_input(key=wkey("targets", "name", "en")).input(name)
    at.text_input(key=wkey("targets", "author", "en")).input(HOSTILE[2])
    at.text_area(key=wkey("targets", "note", "en")).input(note)
    at.button[[b.label for b in at.button].index("Save")].click().run()
    assert not at.exception
    saved = [unmarkdown(s.value) for s in at.success]
    assert f'List "{name}" saved (version 1, 2 villages).' in saved
    assert note in [t.value for t in at.text]  # st.text: shown as typed, never as HTML or Markdown
    info = next(unmarkdown(c.value) for c in at.caption if "villages · by" in c.value)
    assert info.startswith(f"2 villages · by {HOSTILE[2]} · ")
