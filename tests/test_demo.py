"""The synthetic demo dataset: schema, consistency, determinism and every calibration target.

Targets are computed here from the published CSV (read with the csv module, not through
geo.reference or geo.demo), and coastal villages from the geometry, independently of the
demo's own coast computation.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from openpyxl import load_workbook

from geo import boundaries
from geo.__main__ import main as cli_main
from geo.core.schema import COUNT_COLUMNS, SEGMENTS
from geo.figures import demo
from geo.figures.model import Figures

ROOT = Path(__file__).resolve().parent.parent
SHARED_REF = ROOT.parent / "shared" / "reference" / "bali_published_figures.csv"
REF = SHARED_REF if SHARED_REF.exists() else ROOT / "geo" / "reference_figures.csv"
SHARED_BOUNDARIES = ROOT.parent / "shared" / "boundaries" / "wilayah_boundaries"


def published(indicator: str, code: str, as_of: str | None = None) -> float:
    with REF.open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh)
                if r["indicator"] == indicator and r["region_code"] == code
                and (as_of is None or r["as_of"] == as_of)]
    assert rows, (indicator, code, as_of)
    return float(max(rows, key=lambda r: r["as_of"])["value"])


@pytest.fixture(scope="module")
def fig(bali) -> Figures:
    return demo.demo_figures(bali)


@pytest.fixture(scope="module")
def data(fig, bali) -> pd.DataFrame:
    v = bali.full["village"].set_index("code")
    df = fig.data.copy()
    df["regency"] = df["code"].map(v["regency_code"])
    df["district"] = df["code"].map(v["district_code"])
    df["kind"] = df["code"].map(v["kind"])
    df["area"] = df["code"].map(v["area_km2"])
    return df


def rate(df: pd.DataFrame) -> float:
    return 100.0 * float(df["covered"].sum()) / float(df["workers"].sum())


# ---------------------------------------------------------------- schema and consistency


def test_one_row_per_village_in_the_canonical_schema(fig, bali):
    assert fig.synthetic is True
    assert (fig.source, fig.level, fig.period) == ("demo", "village", "2025-12")
    assert list(fig.data.columns) == ["code", "name", *COUNT_COLUMNS]
    assert all(f"workers_{s}" in fig.data and f"covered_{s}" in fig.data for s in SEGMENTS)
    assert all(str(fig.data[c].dtype) == "Int64" for c in COUNT_COLUMNS)
    villages = bali.full["village"]
    assert len(fig.data) == len(villages) == 716
    assert fig.data["code"].is_unique
    assert set(fig.data["code"]) == set(villages["code"])
    names = villages.set_index("code")["name"]
    assert (fig.data.set_index("code")["name"] == names.reindex(fig.data["code"])).all()
    assert any("synthetic" in n.lower() for n in fig.notes)


def test_counts_are_consistent(fig):
    df = fig.data
    assert not df[list(COUNT_COLUMNS)].isna().any().any()
    assert (df[list(COUNT_COLUMNS)] >= 0).all().all()
    for s in SEGMENTS:
        assert (df[f"covered_{s}"] <= df[f"workers_{s}"]).all(), s
    assert (df["covered"] <= df["workers"]).all()
    assert (sum(df[f"workers_{s}"] for s in SEGMENTS) == df["workers"]).all()
    assert (sum(df[f"covered_{s}"] for s in SEGMENTS) == df["covered"]).all()
    assert (df["workers"] > 0).all()  # every village has people to show


def test_deterministic_for_a_seed_and_different_for_another(bali, fig):
    pd.testing.assert_frame_equal(demo.demo_figures(bali).data, fig.data)
    other = demo.demo_figures(bali, seed=demo.DEFAULT_SEED + 1).data
    assert not other[list(COUNT_COLUMNS)].equals(fig.data[list(COUNT_COLUMNS)])
    # Different at the village level, not just shuffled: many villages change.
    assert (other["workers"] != fig.data["workers"]).mean() > 0.5


def test_allocate_splits_a_total_into_integers_within_caps():
    assert demo.allocate(10, np.array([1.0, 1.0, 1.0])).tolist() == [4, 3, 3]
    assert demo.allocate(7, np.array([0.1, 0.1, 1.0]), cap=np.array([5, 5, 2])).tolist() == [3, 2, 2]
    assert demo.allocate(0, np.array([1.0, 2.0])).tolist() == [0, 0]
    rng = np.random.default_rng(0)
    for _ in range(200):
        w, cap = rng.random(20) ** 3, rng.integers(0, 50, 20)
        total = int(rng.integers(0, cap.sum() + 1))
        got = demo.allocate(total, w, cap=cap)
        assert got.sum() == total and (got >= 0).all() and (got <= cap).all()
    with pytest.raises(ValueError, match="cannot allocate"):
        demo.allocate(11, np.ones(2), cap=np.array([5, 5]))


# ---------------------------------------------------------------- coverage calibration
# Tolerances: the province rate is hit by construction up to the rounding of nine regency
# totals (well under 0.001 pp), so 0.05 pp (the tolerance) leaves room only for a
# real miss. Badung and Bangli: 0.5 pp, the tolerance, again far above rounding.


def shifted(code: str) -> float:
    """A March 2025 regency rate moved by the province's change from March to December."""
    march_province = published("coverage_rate", "51", "2025-03-31")
    december_province = published("coverage_rate", "51", "2025-12-31")
    return published("coverage_rate", code, "2025-03-31") + (december_province - march_province)


@pytest.mark.parametrize("seed", [demo.DEFAULT_SEED, 1, 2, 3])
def test_province_and_regency_rates(bali, seed):
    df = demo.demo_figures(bali, seed=seed).data
    assert abs(rate(df) - published("coverage_rate", "51", "2025-12-31")) <= 0.05
    by_reg = df.assign(reg=df["code"].str[:5]).groupby("reg")[["workers", "covered"]].sum()
    rates = 100.0 * by_reg["covered"].astype(float) / by_reg["workers"].astype(float)
    assert len(rates) == 9
    assert abs(rates["51.03"] - shifted("51.03")) <= 0.5  # Badung 58.68 + 3.00
    assert abs(rates["51.06"] - shifted("51.06")) <= 0.5  # Bangli 35.52 + 3.00
    # Order as published: Badung the highest, Bangli the lowest, strictly.
    assert rates.idxmax() == "51.03" and rates.drop("51.03").max() < rates["51.03"]
    assert rates.idxmin() == "51.06" and rates.drop("51.06").min() > rates["51.06"]


def test_working_population_is_the_published_denominator(data):
    # The demo's workers are the published working population (March 2025), exactly.
    assert int(data["workers"].sum()) == published("working_population", "51")


def test_wage_share_and_customary_coverage_match_the_published_figures(data):
    formal, informal = published("formal_workers", "51"), published("informal_workers", "51")
    share = float(data["workers_wage"].sum()) / float(data["workers"].sum())
    assert abs(share - formal / (formal + informal)) < 0.01
    # About 11,000 religious workers protected by the province (customary segment).
    protected = published("religious_workers_protected_by_province", "51")
    assert abs(float(data["covered_customary"].sum()) - protected) <= 0.02 * protected
    # Non-wage workers are covered less than wage workers (21.44 % vs 44 % in 2023).
    nonwage_w = sum(data[f"workers_{s}"].sum() for s in SEGMENTS if s != "wage")
    nonwage_c = sum(data[f"covered_{s}"].sum() for s in SEGMENTS if s != "wage")
    assert nonwage_c / nonwage_w < data["covered_wage"].sum() / data["workers_wage"].sum()


# ---------------------------------------------------------------- farmers


def test_farmers_follow_the_farm_holdings(data):
    farmers = data.groupby("regency")["workers_farmer"].sum().astype(float)
    holdings = {c: published("individual_farm_holdings", c)
                for c in ("51.08", "51.07", "51.02", "51.71")}  # the four published regencies
    total_holdings = published("individual_farm_holdings", "51")
    # A holding is a household, not a farmer: at least as many farmers as holdings.
    for code, h in holdings.items():
        assert farmers[code] >= h, code
    assert farmers.sum() >= total_holdings
    # Proportional: the four regencies' farmer shares match their holdings shares within
    # 0.1 pp (rounding to whole farmers moves a share by far less), and the same factor
    # farmers/holdings holds for the province, so the unpublished regencies add up.
    f4, h4 = sum(farmers[c] for c in holdings), sum(holdings.values())
    for code, h in holdings.items():
        assert abs(100 * farmers[code] / f4 - 100 * h / h4) < 0.1, code
    ratios = [farmers[c] / h for c, h in holdings.items()] + [farmers.sum() / total_holdings]
    assert max(ratios) - min(ratios) < 0.001


def test_farmers_live_in_rural_desa_rather_than_urban_kelurahan(data):
    mean = data.groupby("kind")["workers_farmer"].mean()
    assert mean["desa"] > 3 * mean["kelurahan"]
    share = data.assign(s=data["workers_farmer"] / data["workers"]).groupby("kind")["s"].median()
    assert share["desa"] > 3 * share["kelurahan"]


def test_kelurahan_are_denser_than_desa(data):
    density = (data["workers"].astype(float) / data["area"]).groupby(data["kind"]).median()
    assert density["kelurahan"] > 2 * density["desa"]


# ---------------------------------------------------------------- fishers


def coastal_codes(villages: gpd.GeoDataFrame) -> set[str]:
    """Villages whose boundary meets the boundary of the province's land (independent of geo.demo)."""
    land = shapely.unary_union(villages.geometry.values)
    outline = land.boundary
    hit = shapely.intersects(villages.geometry.boundary.values, outline)
    return set(villages.loc[hit, "code"])


def test_fishers_are_about_30000_and_only_in_coastal_villages(data, bali):
    total = published("traditional_fishers", "51")  # "30 ribuan": about 30,000
    assert abs(float(data["workers_fisher"].sum()) - total) <= 0.05 * total
    coastal = coastal_codes(bali.full["village"])
    assert 100 < len(coastal) < 400  # Bali is an island: a coastal ring, not every village
    inland = data[~data["code"].isin(coastal)]
    assert len(inland) > 300
    assert (inland["workers_fisher"] == 0).all()
    assert (inland["covered_fisher"] == 0).all()
    # Spread along the coast, not heaped in a few villages.
    on_coast = data[data["code"].isin(coastal)]
    assert (on_coast["workers_fisher"] > 0).mean() > 0.9


def _grid(n: int, skip: set[tuple[int, int]] = frozenset(), prefix: str = "99.01.01") -> gpd.GeoDataFrame:
    rows = [(f"{prefix}.{2000 + i * n + j + 1}", shapely.box(115 + j * 0.01, -8 + i * 0.01,
                                                             115 + (j + 1) * 0.01, -8 + (i + 1) * 0.01))
            for i in range(n) for j in range(n) if (i, j) not in skip]
    return gpd.GeoDataFrame({"code": [r[0] for r in rows]}, geometry=[r[1] for r in rows],
                            crs="EPSG:4326")


def test_coast_excludes_inland_villages_lakes_and_borders_with_loaded_provinces():
    # A 5x5 island whose centre cell is a lake: the 8 villages around the lake and nothing
    # else are inland; the 16 on the rim are coastal.
    island = _grid(5, skip={(2, 2)})
    coast = demo.coast_length_m(island)
    rim = island.geometry.apply(lambda g: g.bounds).apply(
        lambda b: b[0] < 115.001 or b[1] < -7.999 or b[2] > 115.049 or b[3] > -7.951)
    assert (coast[rim] > 500).all()   # each rim cell has at least one 1.1 km side on the sea
    assert (coast[~rim] == 0).all()
    # Two "provinces" side by side: their shared border is land, not coast.
    left = island[island.geometry.bounds["maxx"] <= 115.0201]
    alone = demo.coast_length_m(left)
    together = demo.coast_length_m(left, land=island)
    border = left.geometry.bounds["maxx"] > 115.0199
    assert (alone[border] > together[border]).all()
    assert np.allclose(alone[~border], together[~border])


# ---------------------------------------------------------------- wage workers


def test_wage_workers_concentrate_in_denpasar_and_south_badung(data, bali):
    districts = bali.full["district"]
    south_badung = set(districts.loc[(districts["regency_code"] == "51.03")
                                     & districts["name"].isin(["Kuta", "Kuta Selatan", "Kuta Utara"]),
                                     "code"])
    denpasar = set(districts.loc[districts["regency_code"] == "51.71", "code"])
    assert len(south_badung) == 3 and len(denpasar) == 4
    by_d = data.groupby("district")[["workers_wage", "workers"]].sum().astype(float)
    share = (by_d["workers_wage"] / by_d["workers"]).sort_values(ascending=False)
    centres = south_badung | denpasar
    assert set(share.index[: len(centres)]) == centres
    assert share[list(centres)].min() > 0.6 > share.drop(list(centres)).max()
    by_r = data.groupby("regency")[["workers_wage", "workers"]].sum().astype(float)
    r_share = by_r["workers_wage"] / by_r["workers"]
    assert list(r_share.sort_values(ascending=False).index[:2]) == ["51.71", "51.03"]


# ---------------------------------------------------------------- other provinces


_NTB_READY = SHARED_BOUNDARIES.is_dir() or (boundaries.DEFAULT_CACHE / "52" / "manifest.json").exists()


@pytest.mark.skipif(not _NTB_READY, reason="no boundary source or cache for province 52")
def test_a_province_without_published_figures_uses_generic_parameters(bali):
    # Builds NTB's boundary cache the first time (a few seconds).
    both = boundaries.load(["51", "52"])
    fig = demo.demo_figures(both)
    ntb_villages = both.full["village"][both.full["village"]["province_code"] == "52"]
    ntb = fig.data[fig.data["code"].str.startswith("52.")]
    assert set(ntb["code"]) == set(ntb_villages["code"])
    assert fig.synthetic and any("52" in n and "generic" in n for n in fig.notes)
    assert abs(rate(ntb) - 40.0) <= 0.05
    for s in SEGMENTS:
        assert (ntb[f"covered_{s}"] <= ntb[f"workers_{s}"]).all()
    assert (sum(ntb[f"workers_{s}"] for s in SEGMENTS) == ntb["workers"]).all()
    inland = ntb[~ntb["code"].isin(coastal_codes(ntb_villages))]
    assert len(inland) > 0 and (inland["workers_fisher"] == 0).all()
    # A province's figures do not depend on which other provinces are loaded.
    alone = demo.demo_figures(bali).data
    pd.testing.assert_frame_equal(
        fig.data[fig.data["code"].str.startswith("51.")].reset_index(drop=True), alone)


# ---------------------------------------------------------------- command line


def test_cli_writes_a_csv_that_reads_back_with_codes_as_text(tmp_path, fig, capsys):
    out = tmp_path / "demo.csv"
    assert cli_main(["demo", "--out", str(out), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["synthetic"] is True and payload["rows"] == 716 and payload["out"] == str(out)
    text = out.read_bytes().decode("utf-8-sig")
    assert not text.startswith("#")  # canonical: the header is the first line
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["code", "name", *COUNT_COLUMNS]
    assert [r["code"] for r in rows] == list(fig.data["code"])
    assert all(len(r["code"].split(".")) == 4 and len(r["code"].split(".")[3]) == 4 for r in rows)
    back = pd.read_csv(out, dtype={"code": str}, encoding="utf-8-sig")
    for col in COUNT_COLUMNS:
        assert (back[col].to_numpy() == fig.data[col].to_numpy(dtype=np.int64)).all(), col


def test_cli_writes_an_xlsx_with_text_codes_and_an_about_sheet(tmp_path, fig):
    out = tmp_path / "demo.xlsx"
    assert cli_main(["demo", "--out", str(out)]) == 0
    wb = load_workbook(out)
    assert wb.sheetnames == ["data", "about"]
    ws = wb["data"]
    assert [c.value for c in ws[1]] == ["code", "name", *COUNT_COLUMNS]
    codes = [c.value for c in ws["A"][1:]]
    assert codes == list(fig.data["code"]) and all(c.data_type == "s" for c in ws["A"][1:])
    about = " ".join(str(v) for row in wb["about"].iter_rows(values_only=True) for v in row if v)
    assert "SYNTHETIC" in about and str(demo.DEFAULT_SEED) in about
    assert "58.68" in about and "bali.antaranews.com" in about  # published figures, with sources


def test_cli_output_is_accepted_by_the_figures_reader(tmp_path):
    figures = pytest.importorskip("geo.figures")
    out = tmp_path / "demo.csv"
    assert cli_main(["demo", "--out", str(out)]) == 0
    raw = figures.read_table(out.read_bytes(), out.name)
    valid = figures.validate(raw, figures.guess_mapping(list(raw.columns)), ["51"])
    assert valid.problems.empty
    assert len(valid.rows) == 716 and (valid.rows["status"] == "ok").all()


def test_cli_names_the_file_synthetic_in_a_folder_and_refuses_unknown_formats(tmp_path, capsys):
    assert cli_main(["demo", "--out", str(tmp_path)]) == 0
    written = list(tmp_path.iterdir())
    assert len(written) == 1 and "synthetic" in written[0].name and written[0].suffix == ".csv"
    assert "SYNTHETIC" in capsys.readouterr().out
    assert cli_main(["demo", "--out", str(tmp_path / "demo.txt"), "--json"]) == 2
    assert "unknown format" in json.loads(capsys.readouterr().out)["error"]


def test_cli_neutralises_formulas_in_names(tmp_path, fig):
    from geo.cli import demo as demo_cli
    evil = Figures(data=fig.data.head(2).assign(name=["=HYPERLINK(\"http://x\")", "@SUM(A1)"]),
                   level="village", source="demo", synthetic=True, period="2025-12")
    demo_cli.write(evil, tmp_path / "e.csv", ["51"], 1)
    text = (tmp_path / "e.csv").read_bytes().decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM" in text
    demo_cli.write(evil, tmp_path / "e.xlsx", ["51"], 1)
    ws = load_workbook(tmp_path / "e.xlsx")["data"]
    assert ws["B2"].data_type == "s" and ws["B2"].value == "=HYPERLINK(\"http://x\")"
