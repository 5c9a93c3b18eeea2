"""Every page and export in each language: no string from the other language's table, no raw
string key, no None/nan shown to a user (AppTest sees the page's text; exports are read back).
The browser-only parts (tab title, loading sign) are in tests/test_browser_style.py."""
from __future__ import annotations

import io
import re
import string

import pandas as pd
import pytest
from conftest import ROOT, make_app, needs_shared
from openpyxl import load_workbook

from geo.core import i18n

pytestmark = needs_shared
PAGES = re.findall(r'st\.Page\("(app_pages/[a-z_]+\.py)"', (ROOT / "streamlit_app.py").read_text())
FIX = ROOT / "tests" / "fixtures" / "figures"
# a missing value printed: nan/<NA>/NaT anywhere, None as a whole cell or after a label
# ("None." and "None (offline)" are English words, not a missing value)
MISSING = re.compile(r"(?<![\w<])(nan|NaN|<NA>|NaT)(?![\w>])|^\s*None\s*$|[:=]\s*None\b")
KEY = re.compile(r"\b[a-z]+_[a-z0-9_]*[a-z0-9]\b")


def _fragments(text: str) -> list[str]:
    """The literal parts of a string between its {placeholders}."""
    return [lit for lit, _, _, _ in string.Formatter().parse(text) if lit]


def foreign_phrases(lang: str) -> list[str]:
    """Phrases of the other language that never occur in this one's table: long enough (15+
    characters between placeholders) to be words of a sentence, not a shared name or unit."""
    other = "en" if lang == "id" else "id"
    mine = "\n".join(e[lang] for e in i18n.strings().values())
    out = set()
    for entry in i18n.strings().values():
        for frag in _fragments(entry[other]):
            frag = frag.strip(" .,:;()·–-")
            if len(frag) >= 15 and frag not in mine and not re.search(r"https?:|[A-Z]{3,}|\d{3}", frag):
                out.add(frag)
    return sorted(out)


def page_texts(at) -> list[str]:
    """What a person reads on the page: texts, labels, options, headings and cells of tables."""
    out: list[str] = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "text", "info", "warning", "success",
                 "error", "exception"):
        out += [str(e.value) for e in getattr(at, kind)]
    for kind in ("button", "checkbox", "toggle", "radio", "selectbox", "multiselect", "number_input",
                 "text_input", "text_area", "slider", "select_slider", "date_input"):
        for w in getattr(at, kind, []):
            out.append(str(w.label))
            if getattr(w, "help", None):
                out.append(str(w.help))
            for opt in getattr(w, "options", []) or []:
                out.append(str(opt))
    for m in at.metric:
        out += [str(m.label), str(m.value)]
    for tab in at.tabs:
        out.append(str(tab.label))
    for e in at.expander:
        out.append(str(e.label))
    for df in at.dataframe:
        out += df_texts(df.value, df.proto)
    return out


def df_texts(df: pd.DataFrame, proto=None) -> list[str]:
    """Headings as the browser shows them (a column_config label replaces the column's name;
    AppTest's frame keeps the name; hidden columns are not shown) and the text cells."""
    import json
    config = json.loads(proto.columns) if proto is not None and proto.columns else {}
    order = list(proto.column_order) if proto is not None and proto.column_order else list(df.columns)
    out = []
    for c in df.columns:
        conf = config.get(str(c)) or {}
        if conf.get("hidden") or str(c) not in map(str, order):
            continue
        out.append(str(conf.get("label") or c))
    for col in df.columns:
        for v in df[col].tolist():
            if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
                out.append("None")  # shown by Streamlit as None/empty-looking "None"
            elif isinstance(v, str):
                out.append(v)
    return out


def problems(texts: list[str], lang: str, data: set[str] = frozenset()) -> list[str]:
    """Foreign phrases, raw keys and missing markers in ``texts`` (``data``: text from the
    user's own file, which may be in any language)."""
    from geo.figures import CANONICAL, join
    keys = set(i18n.strings()) | {c for c in CANONICAL if "_" in c} | set(join.CATEGORIES) | {
        "budget_rp", "coverage_rate", "official_name", "name_in_file", "code_in_file", "areas_without_figures",
        "uncovered_paid", "to_target", "coverage_valid", "web_vertices"}  # machine names people must not see
    foreign = foreign_phrases(lang)
    bad = []
    for text in texts:
        if text in data:
            continue
        if MISSING.search(text):
            bad.append(f"missing value: {text[:80]!r}")
        bad += [f"raw key {k}: {text[:80]!r}" for k in KEY.findall(text) if k in keys]
        bad += [f"{lang} page shows {f!r}: {text[:80]!r}" for f in foreign if f in text]
    return bad


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_reads_in_one_language(page, lang):
    at = make_app(page, lang)
    assert not at.exception, at.exception
    assert problems(page_texts(at), lang) == []


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_data_page_with_a_messy_file_reads_in_one_language(lang):
    at = make_app("figures", lang)
    at.file_uploader(key="fig_upload").set_value(("messy.csv", (FIX / "messy.csv").read_bytes(), "text/csv"))
    at = at.run()
    assert not at.exception, at.exception
    raw = pd.read_csv(FIX / "messy.csv", sep=";", skiprows=3, dtype=str, encoding="cp1252")
    own = {str(v) for v in raw.to_numpy().ravel() if isinstance(v, str)} | set(map(str, raw.columns))
    own |= {t for t in page_texts(at) if " | " in t}  # the examples column: the file's own cells
    assert problems(page_texts(at), lang, own) == []


def test_the_checker_finds_what_it_looks_for():
    """The walking test can fail: each kind of slip is caught."""
    assert problems(["Belum terlindungi", "Uncovered workers"], "id")  # English on an Indonesian page
    assert problems(["fig_col_name"], "en") and problems(["workers_fisher"], "id") and problems(["None"], "en") and problems(["nan"], "id")
    assert not problems(["None.", "Kabupaten Badung", "Rp16,800"], "en")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_export_reads_in_one_language(lang, bali):
    from geo.analysis import frames
    from geo.analysis.targeting import Settings
    from geo.core.provenance import Provenance
    from geo.figures import demo, join
    from geo.outputs import choropleth, export, labels, tabular, targetlist
    village = frames.build_frames(bali.full, demo.demo_figures(bali))["village"]
    codes = list(village["code"][:40])
    prov = Provenance(source="demo", synthetic=True)
    args = (village, codes, Settings(), prov, lang)
    csv_text = targetlist.target_list_csv(*args).decode("utf-8-sig")
    heading_row = next(line for line in csv_text.splitlines() if line and not line.startswith(("#", '"#')))
    texts = [line for line in csv_text.splitlines() if line.startswith(("#", '"#'))] + heading_row.split(",")
    wb = load_workbook(io.BytesIO(targetlist.target_list_xlsx(*args)))
    first = wb.worksheets[0]
    texts += [str(c.value) for row in first.iter_rows() for c in row if isinstance(c.value, str)
              and not c.value.startswith("51.") and c.value not in set(village["name"])]
    assert wb.sheetnames == [i18n.t("fn_target_list", lang), "data"]
    # the join report CSV as the data page writes it
    from geo.figures import reading, validation  # noqa: F401  (the page's own path below)
    from geo import figures
    raw = figures.read_table((FIX / "messy.csv").read_bytes(), "messy.csv")
    result = join.join(figures.validate(raw, figures.guess_mapping(raw.columns), ["51"]), bali.full, ["51"])
    report = labels.for_people(join.report_table(result, lang), lang)
    texts += [str(c) for c in report.columns] + [str(v) for v in report[i18n.t("fig_col_category", lang)]]
    # HTML titles and file names
    for view in (choropleth.View(level="regency", lang=lang),):
        html = export.snapshot_html(frames.build_frames(bali.full, demo.demo_figures(bali))["regency"], view, bali, prov)
        texts.append(re.search(r"<title>(.*?)</title>", html, re.S).group(1))
    texts.append(labels.file_stem(lang, i18n.t("fn_map", lang), i18n.t("level_village", lang),
                                  i18n.t("ind_coverage_rate", lang), i18n.t("seg_all", lang), synthetic=True))
    assert problems(texts, lang) == []
    other = "en" if lang == "id" else "id"
    for key in ("tl_col_enrolled", "tl_col_budget", "fig_cat_matched_by_code", "fn_synthetic"):
        assert not any(i18n.t(key, other) in t for t in texts if i18n.t(key, other) != i18n.t(key, lang)), key
    # for scripts, whatever the language: the key row and the sheet "data"
    assert [c.value for c in wb["data"][1]][:2] == ["code", "name"]
    assert list(tabular.read_keyed_csv(csv_text.encode("utf-8"))["code"]) == codes
