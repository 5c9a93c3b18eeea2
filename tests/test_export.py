"""Target-list spreadsheets (formula-safe, codes as text, header block), small-count suppression,
and the PNG snapshot drawn without a browser."""
from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest
from conftest import needs_shared
from openpyxl import load_workbook
from PIL import Image

from geo.analysis import disclosure, frames, targeting
from geo.analysis.targeting import Settings
from geo.outputs import choropleth, export, palettes, png, targetlist
from geo.core.provenance import Provenance

HOSTILE = ["=HYPERLINK(\"http://x\",\"click\")", "+1+2", "-2+3", "@SUM(A1)", "\tTab", "\rCR",
           "=1+1", "<script>alert(1)</script>", "${x}", "'quoted", "-12"]


def _frame(names: list[str]) -> pd.DataFrame:
    rows = []
    for i, name in enumerate(names):
        rows.append({"code": f"51.10.01.{2001 + i}", "name": name, "workers": 100 + i, "covered": 40,
                     "workers_farmer": 60, "covered_farmer": 10, "workers_wage": 40 + i, "covered_wage": 30})
    return pd.DataFrame(rows)


def _csv_rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def test_csv_neutralises_formulas_and_keeps_codes():
    f = _frame(HOSTILE)
    data = targetlist.target_list_csv(f, list(f["code"]), Settings(), provenance=Provenance(source="upload.csv", synthetic=False),
                                  lang="en", list_name="=cmd|' /C calc'!A0", author="@evil", note="+note")
    rows = _csv_rows(data)
    header = [r[0] for r in rows[: rows.index([])]]
    table = rows[rows.index([]) + 1:]
    assert table[0][:2] == ["Code", "Village"]  # headings in the chosen language ...
    table = table[1:]
    assert table[0][:2] == ["code", "name"]  # ... then the machine names, for scripts
    names = [r[1] for r in table[1:]]
    for original, written in zip(HOSTILE, names):
        if original[0] in "=+-@\t\r" and original != "-12":
            assert written == "'" + original
        else:
            assert written == original
    assert [r[0] for r in table[1:]] == list(f["code"])  # 51.10... stays as written
    # the header block's user text is neutralised too
    assert not any(line.startswith(("=", "+", "-", "@")) for line in header)
    assert any("=cmd" in line for line in header)


def test_xlsx_text_cells_are_strings_never_formulas():
    f = _frame(HOSTILE)
    data = targetlist.target_list_xlsx(f, list(f["code"]), Settings(), provenance=Provenance(source="=evil()", synthetic=True),
                                   lang="id", note="=1+1")
    ws = load_workbook(io.BytesIO(data)).active
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    header_row = next(c.row for c in cells if c.value == "Kode")  # headings in Indonesian
    names = [ws.cell(row=header_row + 1 + i, column=2) for i in range(len(HOSTILE))]
    # exactly the text (XML reading turns a bare carriage return into a line feed)
    assert [c.value for c in names] == [h.replace("\r", "\n") for h in HOSTILE]
    assert all(c.data_type == "s" for c in names)
    codes = [ws.cell(row=header_row + 1 + i, column=1) for i in range(len(HOSTILE))]
    assert [c.value for c in codes] == list(f["code"]) and all(c.data_type == "s" for c in codes)
    # the header block: synthetic flag, source, settings, all as text
    block = [ws.cell(row=r, column=1).value for r in range(1, header_row - 1)]
    assert any("SINTETIS" in line for line in block)
    assert any(line.endswith("=evil()") for line in block)
    assert any("Rp16.800" in line and "12 bulan" in line for line in block)
    # the same table for scripts on the sheet "data": machine names in row 1, codes as text
    keys = load_workbook(io.BytesIO(data))["data"]
    assert [c.value for c in keys[1]][:3] == ["code", "name", "district"]
    assert [keys.cell(row=2 + i, column=1).value for i in range(len(HOSTILE))] == list(f["code"])
    assert all(c.data_type != "f" for row in keys.iter_rows() for c in row if c.value is not None)


def test_header_block_says_where_when_and_how():
    lines = targetlist.header_lines(Settings(uptake=80), Provenance(source="figures.xlsx", synthetic=False), lang="en",
                                when=dt.date(2026, 2, 16))
    text = "\n".join(lines)
    assert "figures.xlsx" in text and "2026-02-16" in text and "cahyadsn/wilayah_boundaries" in text
    assert "Rp16,800" in text and "80%" in text and "73.86%" in text
    assert "SYNTHETIC" not in text
    assert "SYNTHETIC" in "\n".join(targetlist.header_lines(Settings(), Provenance(source="demo", synthetic=True), "en"))


def test_target_list_budget_column_matches_budget():
    f = _frame(["A", "B", "C"])
    s = Settings(uptake=50)
    df = targetlist.target_list_frame(f, ["51.10.01.2003", "51.10.01.2001"], s)
    assert list(df["code"]) == ["51.10.01.2003", "51.10.01.2001"]  # the order given
    # farmer uncovered 50 each, half enrol, 16,800 x 12
    assert list(df["budget_rp"]) == [25 * 16_800 * 12] * 2
    assert df["budget_rp"].sum() == targeting.budget(f, list(df["code"]), s).budget


def test_suppress_small_counts_and_what_derives_from_them():
    df = pd.DataFrame({"code": ["a", "b", "c"], "workers": [3, 50, 0], "covered": [1, 40, 0],
                       "coverage_rate": [33.3, 80.0, np.nan]})
    out = disclosure.suppress_small(df, ["workers", "covered"], 5, derived={"coverage_rate": ["workers", "covered"]})
    assert list(out["workers"]) == ["<5", 50, 0]
    assert list(out["covered"]) == ["<5", 40, 0]
    assert out.loc[0, "coverage_rate"] == "<5" and out.loc[1, "coverage_rate"] == 80.0
    assert disclosure.suppress_small(df, ["workers"], 0).equals(df)  # off by default


def test_exported_list_suppresses_when_asked():
    f = _frame(["A"])
    f.loc[0, ["workers_farmer", "covered_farmer"]] = [12, 9]  # 3 uncovered farmers
    df = targetlist.target_list_frame(f, ["51.10.01.2001"], Settings(), suppress=10)
    assert df.loc[0, "uncovered"] == "<10" and df.loc[0, "budget_rp"] == "<10"
    assert df.loc[0, "workers"] == 100  # not small


def test_scale_bar_arithmetic():
    # one degree of longitude: 111.32 km at the equator, cos(latitude) of it elsewhere
    assert png.metres_per_degree_lon(0) == pytest.approx(111_319.5, rel=1e-4)
    assert png.metres_per_degree_lon(-8.4) == pytest.approx(111_319.5 * np.cos(np.radians(8.4)), rel=3e-3)
    assert [png._nice_length_km(w) for w in (160, 40, 9, 0.9)] == [20, 5, 1, 0.1]


# ---------------------------------------------------------------- PNG


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def _has_colour(img: np.ndarray, hex_colour: str, tol: int = 6) -> bool:
    rgb = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])
    return bool((np.abs(img.astype(int) - rgb).max(axis=2) <= tol).any())


@pytest.fixture(scope="module")
def demo_frames(bali):
    from geo.figures import demo
    fig = demo.demo_figures(bali)
    return fig, frames.build_frames(bali.full, fig)


@needs_shared
def test_png_village_map_has_classes_nodata_and_synthetic_label(bali, demo_frames):
    fig, frames = demo_frames
    frame = frames["village"].copy()
    frame.loc[frame.index[:40], "covered"] = pd.NA  # some villages without figures
    view = choropleth.View(level="village", indicator="coverage_rate", lang="en")
    image = export.snapshot_png(frame, view, bali, provenance=Provenance(source="demo $x$ <b>", synthetic=True))
    assert image[:8] == b"\x89PNG\r\n\x1a\n"
    img = _pixels(image)
    assert img.shape == (1200, 1600, 3)
    classes = choropleth.classes_for(frame, view)
    for colour in palettes.colors_for(classes, view.indicator):  # every class colour is drawn (map and legend)
        assert _has_colour(img, colour), colour
    assert _has_colour(img, png.NODATA_FACE, tol=2)  # hatched no-data areas
    assert _has_colour(img[:100, 1000:], "#c00000", tol=30)  # the red synthetic label, top right
    spec = choropleth.explorer_spec(frame, view, bali, Provenance(source="demo", synthetic=True))
    assert int((spec.areas["cls"] < 0).sum()) == 40


@needs_shared
def test_png_without_synthetic_label_and_other_sizes(bali, demo_frames):
    _, frames = demo_frames
    view = choropleth.View(level="regency", indicator="gap_to_target", lang="id")
    png = export.snapshot_png(frames["regency"], view, bali, provenance=Provenance(source="upload.xlsx", synthetic=False),
                              size=(800, 600))
    img = _pixels(png)
    assert img.shape == (600, 800, 3)
    assert not _has_colour(img, "#c00000", tol=30)


@needs_shared
def test_png_counts_as_circles(bali, demo_frames):
    _, frames = demo_frames
    view = choropleth.View(level="district", indicator="uncovered", segment="vulnerable", lang="en")
    spec = choropleth.explorer_spec(frames["district"], view, bali, Provenance(source="demo", synthetic=True))
    assert spec.symbols is not None and len(spec.symbols) == 57
    big = spec.symbols.loc[spec.symbols["size"].idxmax(), "code"]
    values = choropleth.map_values(frames["district"], view)
    assert big == frames["district"]["code"].iloc[int(np.argmax(values.to_numpy()))]  # the largest count, the largest circle
    pts = png.symbol_points(spec)  # no circle for nobody, else at least the smallest that prints
    assert spec.symbols["size"].max() == 1.0 and ((pts == 0) | (pts >= png.SYMBOL_MIN_PT)).all()
    assert _has_colour(_pixels(png.render_png(spec)), png.NEUTRAL)


@needs_shared
def test_categories_png_for_cluster_maps(bali):
    web = bali.web["village"]
    cats = pd.Series(["high-high"] * 10 + ["not significant"] * 600, index=web["code"].iloc[:610].values)
    image = png.categories_png(web, cats, ["high-high", "low-low", "not significant"],
                                {"high-high": "#d7191c", "low-low": "#2c7bb6", "not significant": "#eeeeee"},
                                {"high-high": "High-high"}, "Clusters", Provenance(source="demo", synthetic=True), "en")
    img = _pixels(image)
    assert _has_colour(img, "#d7191c") and _has_colour(img, png.NODATA_FACE, tol=2)


@needs_shared
def test_html_snapshot_is_standalone(bali, demo_frames):
    fig, frames = demo_frames
    view = choropleth.View(level="district", indicator="coverage_rate", lang="en")
    html = export.snapshot_html(frames["district"], view, bali, Provenance(source="demo", synthetic=True))
    assert "<script src=" not in html and "/app/static/" not in html
    assert "topojson" in html and "Synthetic" in html


def test_expected_enrolments_are_whole_people_whose_totals_add_up():
    # 7 villages of 3 uncovered farmers and 1 uncovered trader each, uptake 33 %: 0.99 and
    # 0.33 expected per village: rounding each village alone would give 7 and 0 people, the
    # expected totals are 6.93 and 2.31
    rows = [{"code": f"51.10.01.{2001 + i}", "name": f"V{i}", "workers": 10, "covered": 6,
             "workers_farmer": 5, "covered_farmer": 2, "workers_trader": 2, "covered_trader": 1}
            for i in range(7)]
    f = pd.DataFrame(rows)
    s = Settings(segments=("farmer", "trader"), uptake=33)
    codes = list(f["code"])
    df = targetlist.target_list_frame(f, codes, s)
    b = targeting.budget(f, codes, s)
    enrolled = df["enrolled"].astype(float)
    assert (enrolled == enrolled.round()).all()  # no 2002.4 people
    assert enrolled.sum() == b.enrolled == 7 + 2  # round(6.93) + round(2.31), rounded once each
    assert set(enrolled) <= {1.0, 2.0}  # each village gets the floor or the ceiling of its 1.32
    assert df["budget_rp"].astype(float).sum() == b.budget == b.enrolled_paid * s.premium_monthly * s.months
    assert b.enrolled_paid == b.enrolled and float(b.enrolled_paid).is_integer()


def test_whole_people_largest_remainder():
    got = targeting.whole_people(pd.Series([0.4, 0.4, 0.4, np.nan, 2.5]))
    assert got.iloc[:3].sum() + got.iloc[4] == 4.0  # round(3.7) = 4
    assert np.isnan(got.iloc[3])
    assert list(got.iloc[[0, 1, 2, 4]]) == [1.0, 0.0, 0.0, 3.0]  # the largest fractions first (0.5), then position


@pytest.mark.parametrize("lang", ["id", "en"])
def test_target_list_csv_reads_in_the_language_and_by_key(lang):
    from geo.core import i18n
    from geo.outputs import tabular
    f = _frame(["A", "B"])
    s = Settings(segments=("farmer", "wage"))
    data = targetlist.target_list_csv(f, list(f["code"]), s, Provenance(source="demo", synthetic=True), lang)
    rows = _csv_rows(data)
    table = rows[rows.index([]) + 1:]
    other = "en" if lang == "id" else "id"
    for key in ("tl_col_enrolled", "tl_col_budget", "tl_col_uncovered"):
        assert i18n.t(key, lang) in table[0] and i18n.t(key, other) not in table[0]
    assert i18n.t("tl_col_uncovered_seg", lang, segment=i18n.t("seg_farmer", lang)) in table[0]
    back = tabular.read_keyed_csv(data)  # what a script does, whatever the language
    assert list(back.columns) == list(targetlist.target_list_frame(f, list(f["code"]), s).columns)
    assert list(back["code"]) == list(f["code"]) and "budget_rp" in back and "uncovered_farmer" in back


@pytest.mark.parametrize("lang", ["id", "en"])
def test_exported_html_has_a_title_and_language(lang, bali):
    import re
    from geo.core import i18n
    from geo.figures import demo
    village = frames.build_frames(bali.full, demo.demo_figures(bali))["regency"]
    html = export.snapshot_html(village, choropleth.View(level="regency", lang=lang), bali,
                                Provenance(source="demo", synthetic=True))
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert i18n.t("ind_coverage_rate", lang) in title and i18n.t("app_title", lang) in title
    assert f'<html lang="{lang}">' in html
