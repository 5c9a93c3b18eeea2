"""The one-page A4 PDF brief (map view and target list) and the target list's title block on its
PNG and HTML: read back with poppler (pdfinfo, pdftotext, pdftoppm), in each language."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from conftest import needs_shared
from PIL import Image

from geo.analysis import indicators, targeting
from geo.core import i18n
from geo.core.provenance import Provenance
from geo.outputs import brief, choropleth, export

WHEN = dt.date(2026, 5, 17)
DEMO = Provenance(source="demo", synthetic=True, period="2025-12")
REAL = Provenance(source="cakupan_mei.xlsx", synthetic=False)


@pytest.fixture(scope="module")
def demo_frames(bali):
    from geo.analysis import frames
    from geo.figures import demo
    fig = demo.demo_figures(bali)
    return fig, frames.build_frames(bali.full, fig)


def _poppler(tool: str, pdf: bytes, *args: str) -> bytes:
    return subprocess.run([tool, *args, "-", "-"] if tool != "pdfinfo" else [tool, "-"], input=pdf,
                          capture_output=True, check=True).stdout


def _text(pdf: bytes) -> str:
    return " ".join(_poppler("pdftotext", pdf).decode("utf-8").split())


def _one_a4_page(pdf: bytes) -> None:
    info = _poppler("pdfinfo", pdf).decode()
    assert "Pages:           1" in info, info
    assert "595.276 x 841.89 pts (A4)" in info, info


def _image(pdf: bytes, dpi: int = 60) -> np.ndarray:
    """The page as pdftoppm renders it (poppler: another reader than the one that wrote it)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "brief.pdf"
        src.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-singlefile", str(src), str(Path(tmp) / "page")],
                       check=True, capture_output=True)
        return np.asarray(Image.open(Path(tmp) / "page.png").convert("RGB")).astype(int)


def _has(img: np.ndarray, hex_colour: str, tol: int = 12) -> bool:
    rgb = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])
    return bool((np.abs(img - rgb).max(axis=2) <= tol).any())


@needs_shared
@pytest.mark.parametrize("lang", ["id", "en"])
def test_map_brief_is_one_a4_page_with_title_figures_source_date_and_synthetic_label(bali, demo_frames, lang):
    _, frames = demo_frames
    view = choropleth.View(level="district", indicator="coverage_rate", segment="all", lang=lang)
    pdf = brief.explorer_pdf(frames, view, bali, DEMO, when=WHEN)
    _one_a4_page(pdf)
    text = _text(pdf)
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    assert choropleth.indicator_title(view) in text
    assert t("br_key_figures") in text
    totals = frames["regency"]
    workers, covered = int(totals["workers"].sum()), int(totals["covered"].sum())
    assert i18n.fmt_num(workers, lang) in text and i18n.fmt_num(covered, lang) in text
    assert i18n.fmt_pct(100 * covered / workers, lang, 2) in text  # the province's rate from the sums
    assert i18n.fmt_pct(view.target, lang, 2) in text
    assert f"{t('source')}: demo" in text and "cahyadsn/wilayah_boundaries" in text
    assert "2026-05-17" in text and i18n.fmt_period("2025-12", lang) in text
    assert t("synthetic_label") in text
    assert "Kintamani" in text and "Nusa Penida" in text  # district names on the map
    assert " km" in text and ("U" if lang == "id" else "N") in text.split()  # scale bar, north arrow
    other = "en" if lang == "id" else "id"
    for key in ("br_key_figures", "br_workers", "br_to_target", "br_area"):
        assert i18n.t(key, other) not in text, key
    # the ten districts furthest below the target, lowest first, in the table
    rates = indicators.indicator(frames["district"], "coverage_rate").sort_values(kind="mergesort")
    lowest = frames["district"].loc[rates.index[0], "name"]
    assert t("br_lowest", n=10, unit=t("unit_district")) in text and lowest in text
    img = _image(pdf)
    assert img.shape[0] / img.shape[1] == pytest.approx(297 / 210, rel=0.01)
    assert _has(img, "#c00000", tol=40)  # the red synthetic label is drawn


@needs_shared
def test_map_brief_of_real_figures_has_no_synthetic_label_and_names_one_regency(bali, demo_frames):
    _, frames = demo_frames
    view = choropleth.View(level="village", indicator="uncovered", segment="vulnerable", regency="51.71",
                           lang="en")
    pdf = brief.explorer_pdf(frames, view, bali, REAL, when=WHEN)
    _one_a4_page(pdf)
    text = _text(pdf)
    assert "Synthetic" not in text and "SYNTHETIC" not in text
    assert "Source: cakupan_mei.xlsx" in text and "Kota Denpasar" in text
    assert "The 10 villages with the highest values" in text
    denpasar = frames["village"][frames["village"]["regency_code"] == "51.71"]
    most = indicators.indicator(denpasar, "uncovered", "vulnerable").idxmax()
    assert denpasar.loc[most, "name"] in text
    assert not _has(_image(pdf), "#c00000", tol=40)


@needs_shared
@pytest.mark.parametrize("lang", ["id", "en"])
def test_target_list_brief_has_name_settings_budget_totals_and_villages(bali, demo_frames, lang):
    _, frames = demo_frames
    village = frames["village"]
    settings = targeting.Settings(segments=("farmer", "fisher"), premium_monthly=20000, months=6, uptake=40,
                                  target=70.0)
    selected = list(village[village["regency_code"] == "51.01"].sort_values("code")["code"][:12])
    pdf = brief.target_list_pdf(village, selected, settings, bali, DEMO, lang, list_name="Nelayan <Jembrana>",
                                author="Dinas Tenaga Kerja", when=WHEN)
    _one_a4_page(pdf)
    text = _text(pdf)
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    b = targeting.budget(village, selected, settings)
    assert "Nelayan <Jembrana>" in text and "Dinas Tenaga Kerja" in text
    for part in (i18n.fmt_rp(20000, lang), t("seg_farmer"), t("seg_fisher"), i18n.fmt_pct(40, lang, 0),
                 i18n.fmt_pct(70, lang, 2), t("br_months_value", n=6)):
        assert part in text, part
    assert i18n.fmt_rp(b.budget, lang) in text and i18n.fmt_rp(b.monthly, lang) in text
    assert i18n.fmt_num(b.villages, lang) in text
    names = bali.names("village")
    assert all(names[c] in text for c in selected)  # twelve villages fit on the page
    reached = targeting.reached_rates(village, selected, settings, bali.names())
    province = reached[reached["level"] == "province"].iloc[0]
    assert i18n.fmt_pct(province["rate_after"], lang, 2) in text
    assert f"{t('source')}: demo" in text and "2026-05-17" in text and t("synthetic_label") in text


@needs_shared
def test_a_long_list_says_how_many_villages_did_not_fit(bali, demo_frames):
    _, frames = demo_frames
    village = frames["village"]
    selected = list(village["code"][:300])
    pdf = brief.target_list_pdf(village, selected, targeting.Settings(), bali, DEMO, "en", when=WHEN)
    _one_a4_page(pdf)
    text = _text(pdf)
    assert "(current selection, not saved)" in text
    shown = sum(1 for c in selected if bali.names("village")[c] in text)
    assert 5 < shown < 300
    assert "more villages (the full list is in the CSV/XLSX download)" in text
    left_out = int(text.split("… and ")[1].split(" more villages")[0].replace(",", ""))
    assert 250 < left_out < 300


@needs_shared
def test_empty_target_list_brief_says_nothing_is_selected(bali, demo_frames):
    _, frames = demo_frames
    pdf = brief.target_list_pdf(frames["village"], [], targeting.Settings(), bali, DEMO, "id", when=WHEN)
    _one_a4_page(pdf)
    assert "Belum ada desa yang dipilih." in _text(pdf)


@needs_shared
def test_target_list_png_and_html_carry_the_title_block(bali, demo_frames):
    _, frames = demo_frames
    village = frames["village"]
    settings = targeting.Settings(premium_monthly=18000, months=3)
    table = targeting.village_table(village, settings, bali.names())
    selected = list(village["code"][:8])
    b = targeting.budget(village, selected, settings)
    spec = export.selection_spec(bali, table, selected, [], "id", DEMO, village, settings, "Daftar Mei")
    assert spec.title == "Desa sasaran: Daftar Mei"
    block = " ".join(spec.header_lines)
    assert "Rp18.000" in block and "3 bulan" in block and i18n.fmt_rp(b.budget, "id") in block
    assert "Bali: 53,88% →" in block  # CLDR (Babel) writes id percentages without a space
    assert spec.names is not None and set(spec.names["text"]) == {bali.names("village")[c] for c in selected}
    png = export.selection_png(bali, table, selected, [], "id", DEMO, village=village, settings=settings,
                               list_name="Daftar Mei")
    assert png[:4] == b"\x89PNG"
    html = export.selection_html(bali, table, selected, [], "en", DEMO, village=village, settings=settings,
                                 list_name="List <May>")
    # in the title box (HTML-escaped, then JSON-escaped inside the script), never as markup
    assert "Target villages: List \\u0026lt;May\\u0026gt;" in html and "<May>" not in html
    assert i18n.fmt_rp(b.budget, "en") in html and "Settings: segments" in html


@needs_shared
def test_cli_snapshot_writes_the_pdf_brief(tmp_path):
    out = tmp_path / "brief.pdf"
    run = subprocess.run([sys.executable, "-m", "geo", "snapshot", "--demo", "--level", "regency", "--lang", "en",
                          "--pdf", str(out), "--json"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["pdf"] == str(out) and result["pdf_bytes"] == out.stat().st_size
    pdf = out.read_bytes()
    _one_a4_page(pdf)
    text = _text(pdf)
    assert "Coverage rate · all workers" in text and "Buleleng" in text and "Synthetic data" in text


@needs_shared
def test_cli_brief_of_a_saved_list_uses_its_villages_settings_and_author(tmp_path, bali):
    db = f"sqlite:///{tmp_path / 'lists.sqlite'}"
    village_names = bali.names("village")
    chosen = ["51.05.01.2001", "51.05.01.2002", "51.05.01.2003"]
    geo = [sys.executable, "-m", "geo"]
    save = subprocess.run([*geo, "lists", "save", "Klungkung pesisir", *chosen, "--author", "Bappeda",
                           "--database", db, "--json"], capture_output=True, text=True, timeout=300)
    assert save.returncode == 0, save.stderr
    out = tmp_path / "list.pdf"
    run = subprocess.run([*geo, "brief", "--demo", "--list", "Klungkung pesisir", "--database", db, "--months", "6",
                          "--pdf", str(out), "--json"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["villages"] == 3 and result["settings"]["months"] == 6 and result["synthetic"] is True
    text = _text(out.read_bytes())
    _one_a4_page(out.read_bytes())
    assert "Desa sasaran: Klungkung pesisir" in text and "Bappeda" in text and "6 bulan" in text
    assert all(village_names[c] in text for c in chosen)
    missing = subprocess.run([*geo, "brief", "--demo", "--list", "nope", "--database", db, "--pdf",
                              str(tmp_path / "x.pdf"), "--json"], capture_output=True, text=True, timeout=300)
    assert missing.returncode == 1 and "error" in json.loads(missing.stdout)
    assert not (tmp_path / "x.pdf").exists()
    bad = subprocess.run([*geo, "brief", "--demo", "--villages", "51.05,xyz", "--pdf", str(tmp_path / "y.pdf")],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "not village codes" in bad.stderr and "Traceback" not in bad.stderr
