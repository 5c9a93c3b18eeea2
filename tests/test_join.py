"""Joining figures to the real Bali boundaries: by code, by name, the report, no row lost."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo import figures
from geo.analysis import frames as analysis_frames
from geo.analysis import indicators
from geo.figures import join
from geo.outputs import tabular

FIX = Path(__file__).parent / "fixtures" / "figures"


def run(data: bytes | str, bali, name: str = "f.csv", provinces=("51",)) -> join.JoinResult:
    if isinstance(data, str):
        data = data.encode("utf-8")
    raw = figures.read_table(data, name)
    v = figures.validate(raw, figures.guess_mapping(raw.columns), list(provinces))
    return join.join(v, bali.full, list(provinces))


def categories(result: join.JoinResult) -> dict[int, str]:
    return dict(zip(result.report["row"], result.report["category"]))


def keys(result: join.JoinResult) -> list[tuple]:
    return [(int(p.row), p.column, p.severity, p.key) for p in result.problems.itertuples() if p.row == p.row]


@pytest.mark.parametrize("raw,expected", [
    ("DESA MUNGGU", "munggu"), ("Ds. Munggu", "munggu"), ("KEL. KUTA", "kuta"), ("Kelurahan  Tuban", "tuban"),
    ("DS.ABIAN BASE", "abianbase"), ("Abian-Base", "abianbase"), ("Kab. Badung", "badung"),
    ("KOTA DENPASAR", "denpasar"), ("Kec. Denpasar Selatan", "denpasarselatan"), ("Désa Café", "cafe"),
    ("Desa", "desa"), (None, ""),
])
def test_normalise_name(raw, expected):
    assert join.normalise_name(raw) == expected


def test_messy_file_exact_report(bali):
    """Worked out by hand from the file (see tests/fixtures/figures/make_fixtures.py for the others):
    rows 5, 6, 14, 18 carry Bali codes (6 without dots); 7 and 8 are names with prefixes and odd
    spacing in Mengwi; SELAT is five villages and no district is given; SUKAMAJU is no Bali
    village; 11 is in province 52; 12 covered > workers; 13 has 2.500,5 people; 16 covered
    farmers > farmers; 17 is the total row; 18's name is not its code's (a warning only)."""
    r = run((FIX / "messy.csv").read_bytes(), bali, "messy.csv")
    assert r.summary == {"rows": 13, "matched_by_code": 4, "matched_by_name": 2, "ambiguous": 1, "unmatched": 1,
                         "invalid": 5, "level": "village", "areas_without_figures": 716 - 6, "synthetic": False}
    assert categories(r) == {5: "matched_by_code", 6: "matched_by_code", 7: "matched_by_name", 8: "matched_by_name",
                             9: "ambiguous", 10: "unmatched", 11: "invalid", 12: "invalid", 13: "invalid",
                             14: "matched_by_code", 16: "invalid", 17: "invalid", 18: "matched_by_code"}
    rep = r.report.set_index("row")
    assert rep.loc[6, "code"] == "51.03.01.1002" and rep.loc[6, "official_name"] == "Kuta"
    assert rep.loc[7, "code"] == "51.03.02.2001" and rep.loc[7, "score"] == 100
    assert rep.loc[8, "code"] == "51.03.02.1014" and rep.loc[8, "official_name"] == "Abianbase"
    assert rep.loc[9, "candidates"].count("Selat") == 5
    assert keys(r) == [(9, "name", "error", "ambiguous"), (10, "name", "error", "name_unknown"),
                       (11, "code", "error", "other_province"), (12, "covered", "error", "covered_above_workers"),
                       (13, "workers", "error", "fractional"),
                       (16, "covered_farmer", "error", "covered_above_workers"),
                       (16, "covered", "error", "segments_above_covered"),
                       (17, "name", "error", "total_row"), (18, "name", "warning", "name_mismatch")]
    data = r.figures.data.set_index("code")
    assert data.loc["51.03.01.1001"].tolist()[:4] == [12345, 6789, 120, 45]  # 12.345 read as thousands
    assert data.loc["51.03.02.2002", "workers"] == 2000  # a name warning does not drop the row
    assert str(data["workers"].dtype) == "Int64" and pd.isna(data.loc["51.03.01.1002", "workers_farmer"])
    assert r.figures.level == "village" and r.figures.period == "2025-12" and r.figures.synthetic is False
    assert r.figures.source == "messy.csv"


def test_every_row_is_in_the_report_and_rejected_rows_keep_the_file_cells(bali):
    raw = figures.read_table((FIX / "messy.csv").read_bytes(), "messy.csv")
    v = figures.validate(raw, figures.guess_mapping(raw.columns), ["51"])
    r = join.join(v, bali.full, ["51"])
    assert sorted(r.report["row"]) == sorted(raw.cells.index)
    rejected = join.rejected_rows(r, raw.cells, "en")
    assert rejected["row"].tolist() == [9, 10, 11, 12, 13, 16, 17]
    assert rejected.set_index("row").loc[13, "Jumlah Pekerja"] == "2.500,5"  # as written in the file
    assert "fractional" in rejected.set_index("row").loc[13, "messages"]
    table = join.report_table(r, "id")
    assert "pecahan" in table.set_index("row").loc[13, "messages"]


def test_name_narrowed_by_district_or_regency(bali):
    r = run("nama,kecamatan,kabupaten,pekerja,peserta\n"
            "SELAT,SELAT,,100,50\n"            # Selat district (Karangasem)
            "Selat,,Kab. Bangli,100,50\n"       # Bangli's Selat
            "Selat,Susut,BANGLI,100,50\n"       # both given, consistent
            "Selat,Nowhere,,100,50\n"           # unknown district: warned, not narrowed -> ambiguous
            "Buahan,,51.04,100,50\n", bali)     # a regency code narrows too
    rep = r.report.set_index("row")
    assert rep.loc[2, "code"] == "51.07.07.2002"
    assert rep.loc[3, "code"] == "51.06.01.2008" and rep.loc[4, "code"] == "51.06.01.2008"
    assert rep.loc[5, "category"] == "ambiguous"
    assert (5, "district", "warning", "district_unknown") in keys(r)
    assert rep.loc[6, "code"] == "51.04.07.2005"
    # rows 3 and 4 land on the same village with the same figures: counted once
    assert (4, "code", "warning", "duplicate_same") in keys(r)
    assert r.summary["matched_by_name"] == 4 and len(r.figures.data) == 3


def test_unknown_code_falls_back_to_name_within_its_parent(bali):
    r = run("kode,nama,pekerja,peserta\n51.71.01.1999,Sanur Kauh,100,50\n51.71.01.1998,Kuta,100,50\n", bali)
    rep = r.report.set_index("row")
    assert rep.loc[2, "category"] == "matched_by_name" and rep.loc[2, "code"] == "51.71.01.2010"
    assert (2, "code", "warning", "code_unknown_matched") in keys(r)
    # Kuta exists, but in Badung, not in district 51.71.01: not matched across the code's parent
    assert rep.loc[3, "category"] == "unmatched"
    assert (3, "code", "error", "code_unknown") in keys(r)


def test_close_names_are_not_guessed(bali):
    r = run("nama,pekerja,peserta\nKuta,10,5\nKutuh,10,5\nSanur Kaja,10,5\nSanur,10,5\nPecatuu,10,5\nXyz,1,1\n", bali)
    rep = r.report.set_index("row")
    # "Kuta" is one village (Kutuh scores 89 but is further from the best); Kutuh is two villages
    assert rep.loc[2, "code"] == "51.03.01.1002" and rep.loc[3, "category"] == "ambiguous"
    assert "51.03.05.2003" in rep.loc[3, "candidates"] and "51.06.04.2044" in rep.loc[3, "candidates"]
    assert rep.loc[4, "code"] == "51.71.01.2009" and rep.loc[5, "code"] == "51.71.01.1006"
    assert rep.loc[6, "category"] == "matched_by_name" and rep.loc[6, "official_name"] == "Pecatu"
    assert rep.loc[6, "score"] < 100
    assert rep.loc[7, "category"] == "unmatched"


def test_duplicates_conflicting_are_all_invalid(bali):
    r = run((FIX / "duplicate_codes.csv").read_bytes(), bali, "duplicate_codes.csv")
    assert categories(r) == {2: "invalid", 3: "matched_by_code", 4: "invalid", 5: "matched_by_code",
                             6: "matched_by_code"}
    assert keys(r) == [(2, "code", "error", "duplicate_conflict"), (4, "code", "error", "duplicate_conflict"),
                       (5, "code", "warning", "duplicate_same")]
    assert sorted(r.figures.data["code"]) == ["51.71.01.1002", "51.71.01.1003"]


def test_duplicate_by_name_and_code_conflict(bali):
    r = run("kode,nama,pekerja,peserta\n51.71.01.1006,Sanur,100,50\n,Kel. Sanur,90,50\n", bali)
    assert categories(r) == {2: "invalid", 3: "invalid"}
    assert r.figures is None


def test_district_level_file(bali):
    r = run("kode,nama,pekerja,peserta\n51.71.01,,1000,500\n51.71.02,,2000,900\n"
            ",KEC. DENPASAR BARAT,1500,700\n51.71.01.1001,Serangan,10,5\n", bali)
    assert r.level == "district"
    assert categories(r) == {2: "matched_by_code", 3: "matched_by_code", 4: "matched_by_name", 5: "invalid"}
    assert r.report.set_index("row").loc[4, "code"] == "51.71.03"
    assert r.summary["areas_without_figures"] == 57 - 3


def test_areas_without_figures_are_no_data_never_zero(bali):
    r = run((FIX / "good.csv").read_bytes(), bali, "good.csv")
    assert r.summary["areas_without_figures"] == 716 - 5
    assert "51.71.01.1005" in set(r.areas_without_figures["code"])
    frames = analysis_frames.build_frames(bali.full, r.figures)
    v = frames["village"].set_index("code")
    assert pd.isna(v.loc["51.71.01.1005", "workers"])
    assert v.loc["51.71.01.1001", "workers"] == 3120
    rate = indicators.indicator(frames["village"], "coverage_rate").set_axis(frames["village"]["code"])
    assert np.isnan(rate["51.71.01.1005"]) and rate["51.71.01.1001"] == pytest.approx(100 * 1650 / 3120)
    d = frames["district"].set_index("code")
    assert d.loc["51.71.01", "workers"] == 3120 + 14210 + 25100 + 18050 + 9800
    assert d.loc["51.71.01", "reported"] == 5 and d.loc["51.71.01", "parts"] == 10
    assert pd.isna(frames["regency"].set_index("code").loc["51.01", "workers"])


def test_template_round_trip_csv_and_xlsx(bali):
    layer = bali.full["village"]
    tpl = figures.template(layer, dict(zip(bali.full["district"]["code"], bali.full["district"]["name"])),
                           dict(zip(bali.full["regency"]["code"], bali.full["regency"]["name"])))
    assert len(tpl) == 716 and tpl["code"].is_unique and tpl["name"].notna().all()
    assert tpl["workers"].isna().all()
    filled = tpl.copy()
    filled["workers"] = pd.array(range(100, 100 + len(tpl)), dtype="Int64")
    filled["covered"] = pd.array(range(len(tpl)), dtype="Int64")
    for data, name in ((tabular.to_csv_bytes(filled), "t.csv"), (tabular.to_xlsx_bytes(filled), "t.xlsx")):
        r = run(data, bali, name)
        assert r.summary["matched_by_code"] == 716 and r.summary["areas_without_figures"] == 0, name
        assert r.problems.empty, name
    # the blank template itself has no figures: every row is reported, none used
    r = run(tabular.to_csv_bytes(tpl), bali, "blank.csv")
    assert r.summary["invalid"] == 716 and set(r.problems["key"]) == {"no_counts"}


def test_report_csv_has_every_row(bali):
    r = run((FIX / "messy.csv").read_bytes(), bali, "messy.csv")
    df = pd.read_csv(io.BytesIO(tabular.to_csv_bytes(join.report_table(r, "en"))), dtype=str, encoding="utf-8-sig")
    assert len(df) == 13 and df["category"].value_counts().to_dict() == {
        "matched_by_code": 4, "invalid": 5, "matched_by_name": 2, "ambiguous": 1, "unmatched": 1}



@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["real", "undotted", "unknown", "other", "none", "bad"]),
                          st.sampled_from(["official", "prefixed", "garbage", "none"]),
                          st.integers(0, 3), st.integers(-5, 3000), st.integers(-5, 3000)),
                min_size=1, max_size=25),
       st.randoms(use_true_random=False))
def test_no_row_disappears(bali, spec, rnd):
    """Whatever the rows, each lands in exactly one category and the counts add up."""
    v = bali.full["village"]
    lines = ["kode,nama,pekerja,peserta"]
    for code_kind, name_kind, pick, w, c in spec:
        i = rnd.randrange(len(v))
        code, name = v["code"].iloc[i], v["name"].iloc[i]
        code = {"real": code, "undotted": code.replace(".", ""), "unknown": code[:-4] + "9999",
                "other": "52" + code[2:], "none": "", "bad": code[:4] + "x"}[code_kind]
        name = {"official": name, "prefixed": f"DESA {name.upper()}", "garbage": f"Zz{pick}qq",
                "none": ""}[name_kind]
        lines.append(f"{code},{name},{w},{c}")
    r = run("\n".join(lines) + "\n", bali)
    s = r.summary
    assert s["rows"] == len(spec) == len(r.report)
    assert sum(s[c] for c in join.CATEGORIES) == s["rows"]
    assert r.report["category"].isin(join.CATEGORIES).all()
    assert sorted(r.report["row"]) == list(range(2, 2 + len(spec)))
    used = r.report[r.report["category"].isin(["matched_by_code", "matched_by_name"])]
    n_fig = 0 if r.figures is None else len(r.figures.data)
    assert n_fig == used["code"].nunique()
    assert s["areas_without_figures"] == 716 - n_fig
    # every row not used says why
    unused = set(r.report.loc[~r.report.index.isin(used.index), "row"])
    errors = set(r.problems.loc[r.problems["severity"] == "error", "row"].dropna().astype(int))
    assert unused <= errors


def test_every_bali_village_found_by_its_name_within_its_district(bali):
    """Names alone (upper case, with a DESA prefix) and the district's name find each village's own code;
    without the district, the villages sharing a name are reported ambiguous and none is mismatched."""
    v = bali.full["village"].sort_values("code").reset_index(drop=True)
    districts = dict(zip(bali.full["district"]["code"], bali.full["district"]["name"]))
    df = pd.DataFrame({"nama": "DESA " + v["name"].str.upper(), "kecamatan": v["district_code"].map(districts),
                       "pekerja": 100, "peserta": 50})
    r = run(tabular.to_csv_bytes(df), bali)
    assert r.summary["matched_by_name"] == 716
    assert r.report["code"].tolist() == v["code"].tolist()  # row i is village i
    r = run(tabular.to_csv_bytes(df.drop(columns="kecamatan")), bali)
    shared = v["name"].map(join.normalise_name).duplicated(keep=False)
    rep = r.report.reset_index(drop=True)
    assert set(rep.index[shared]) <= set(rep.index[rep["category"] == "ambiguous"])
    matched = rep["category"] == "matched_by_name"
    assert (rep.loc[matched, "code"] == v.loc[matched, "code"]).all()
    assert r.summary["matched_by_name"] + r.summary["ambiguous"] == 716
