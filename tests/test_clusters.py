"""Cluster statistics on synthetic grids with known answers, refusals, and the demo's geography."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import needs_shared

from geo.analysis import clusters, frames

SIZE = 0.01


def grid(n: int) -> gpd.GeoDataFrame:
    cells = [shapely.box(115 + i * SIZE, -8.5 + j * SIZE, 115 + (i + 1) * SIZE, -8.5 + (j + 1) * SIZE)
             for j in range(n) for i in range(n)]
    return gpd.GeoDataFrame({"code": [f"99.01.01.{k:04d}" for k in range(n * n)],
                             "name": [f"Cell {k}" for k in range(n * n)], "province_code": "99",
                             "area_km2": 1.2}, geometry=cells, crs=4326)


def with_uncovered(g: gpd.GeoDataFrame, uncovered, workers=1000, segment: str = "fisher") -> gpd.GeoDataFrame:
    """A frame whose ``segment`` has ``workers`` each and the given uncovered counts."""
    f = g.copy()
    w = np.broadcast_to(np.asarray(workers), (len(f),)).astype(int)
    f[f"workers_{segment}"] = pd.array(w, dtype="Int64")
    f[f"covered_{segment}"] = pd.array(w - np.round(uncovered).astype(int), dtype="Int64")
    return f


def planted(n: int = 20, lo: int = 5, hi: int = 10, lift: float = 150, seed: int = 1):
    """Noise around 300 with a block of cells [lo, hi) x [lo, hi) lifted by ``lift``."""
    values = np.random.default_rng(seed).normal(300, 30, n * n)
    ij = np.array([(k % n, k // n) for k in range(n * n)])
    block = (ij[:, 0] >= lo) & (ij[:, 0] < hi) & (ij[:, 1] >= lo) & (ij[:, 1] < hi)
    values[block] += lift
    return with_uncovered(grid(n), values), block, ij


FISHER = clusters.Settings(segment="fisher")


def test_a_planted_hot_spot_is_found_with_the_defaults():
    frame, block, ij = planted()
    r = clusters.analyse(frame, FISHER)
    t = r.table
    assert r.moran_i > 0.2 and r.moran_p <= 0.01
    hh = t["label"] == clusters.HH
    assert hh[block].mean() >= 0.6  # most of the planted block (the FDR is on)
    assert not (hh & ~block).any()  # and nothing elsewhere
    assert (t.loc[block, "label"].isin([clusters.HH, clusters.NS])).all()
    # the block's centre is the strongest finding: high-high under every weights and seed
    centre = (ij[:, 0] == 7) & (ij[:, 1] == 7)
    assert t.loc[centre, "label"].item() == clusters.HH


def test_a_planted_cold_spot_is_low_low_and_gi_agrees():
    frame, block, _ = planted(lift=-150)
    t = clusters.analyse(frame, FISHER).table
    assert (t.loc[block, "label"] == clusters.LL).mean() >= 0.6
    assert not ((t["label"] == clusters.LL) & ~block).any()
    gi = clusters.analyse(frame, clusters.Settings(segment="fisher", statistic="gi")).table
    assert (gi.loc[block, "label"] == clusters.COLD).mean() >= 0.6
    assert not (gi["label"] == clusters.HOT).any()


@pytest.mark.parametrize("weights", ["queen", "rook", "knn"])
def test_random_values_give_about_five_percent_without_correction(weights):
    """Two-sided p-values (esda's folded value doubled): ~5 % at 0.05 on random data.

    esda's own folded p-values would give about 10 % here (esda issue 199); the FDR leaves
    almost nothing.
    """
    raw, fdr = [], []
    for seed in range(4):
        values = np.random.default_rng(100 + seed).normal(300, 30, 27 * 27)
        frame = with_uncovered(grid(27), values)
        s = clusters.Settings(segment="fisher", weights=weights, fdr=False, stability=False, seed=seed)
        raw.append(clusters.analyse(frame, s).table["significant"].mean())
        s = clusters.Settings(segment="fisher", weights=weights, stability=False, seed=seed)
        fdr.append(clusters.analyse(frame, s).table["significant"].mean())
    assert 0.03 <= np.mean(raw) <= 0.075, raw
    assert np.mean(fdr) <= 0.005, fdr


def test_two_sided_p_values_double_the_folded_ones():
    assert clusters.two_sided(np.float32(0.001), 999).item() == 0.002  # float32 noise removed
    assert clusters.two_sided(0.3, 999).item() == pytest.approx(0.6)
    assert clusters.two_sided(0.7, 999).item() == 1.0  # capped
    frame, _, _ = planted()
    t = clusters.analyse(frame, FISHER).table
    assert t["p"].min() == pytest.approx(2 / 1000) and t["p"].max() <= 1.0
    assert (t["q"] >= t["p"] - 1e-12).all()  # FDR-adjusted values are never smaller


def test_fdr_floor_with_999_permutations():
    # BH needs m areas with p <= m * alpha / n, and p cannot go below 2 / 1000
    assert clusters.fdr_floor(716, 0.05, 999) == 29
    assert clusters.fdr_floor(400, 0.05, 999) == 16
    assert clusters.fdr_floor(716, 0.05, 9999) == 3


def test_reproducible_for_a_seed_and_different_for_another():
    frame, _, _ = planted(lift=40)
    a = clusters.analyse(frame, FISHER).table
    b = clusters.analyse(frame, FISHER).table
    pd.testing.assert_frame_equal(a, b)
    c = clusters.analyse(frame, clusters.Settings(segment="fisher", seed=7)).table
    assert not np.array_equal(a["p"].to_numpy(), c["p"].to_numpy())
    # esda seeds numpy's global generator: the caller's random state is left as it was
    np.random.seed(3)
    before = np.random.random()
    np.random.seed(3)
    clusters.analyse(frame, FISHER)
    assert np.random.random() == before


def test_stability_counts_agreeing_runs():
    frame, block, _ = planted(n=20, lift=150)
    r = clusters.analyse(frame, clusters.Settings(segment="fisher", permutations=9999))
    t = r.table
    assert r.runs == ["queen seed 12345", "queen seed 12346", "queen seed 12347", "rook seed 12345",
                      "knn seed 12345"]
    assert (t["runs"] == 5).all() and t["agree"].between(1, 5).all()
    assert (t["stable"] == (t["agree"] == 5)).all()
    # far from the block nothing changes; the block's strong core holds in every run
    assert t.loc[~block, "stable"].mean() > 0.9
    assert t.loc[block & (t["label"] == clusters.HH), "stable"].mean() >= 0.5
    single = clusters.analyse(frame, clusters.Settings(segment="fisher", stability=False)).table
    assert (single["runs"] == 1).all()


def test_density_and_share_measures():
    g = grid(8)
    g["area_km2"] = np.linspace(1, 4, 64)
    frame = with_uncovered(g, np.full(64, 100.0), workers=np.arange(200, 264))
    var = clusters.variable(frame, clusters.Settings(segment="fisher", measure="density"))
    assert np.allclose(var.value, 100 / g["area_km2"].to_numpy())
    var = clusters.variable(frame, clusters.Settings(segment="fisher", measure="share", smooth=False))
    assert np.allclose(var.value, 100 * 100 / np.arange(200, 264))


def test_smoothed_share_pulls_small_villages_towards_the_mean():
    g = grid(8)
    workers = np.full(64, 1000)
    workers[0] = 2  # a village of 2 fishers, both uncovered: 100 % raw
    uncovered = np.full(64, 300)
    uncovered[0] = 2
    uncovered[1:] += np.random.default_rng(0).integers(-50, 50, 63)
    frame = with_uncovered(g, uncovered, workers)
    raw = clusters.variable(frame, clusters.Settings(segment="fisher", measure="share", smooth=False))
    eb = clusters.variable(frame, clusters.Settings(segment="fisher", measure="share"))
    assert raw.value[0] == 100.0
    assert eb.value[0] < 50  # pulled most of the way to the ~30 % of everyone else
    assert abs(eb.value[5] - raw.value[5]) < 1  # a large village barely moves
    r = clusters.analyse(frame, clusters.Settings(segment="fisher", measure="share", stability=False))
    assert r.table.loc[0, "label"] != clusters.HL  # not an outlier once smoothed


def test_refusals():
    with pytest.raises(clusters.Refusal) as exc:
        clusters.analyse(with_uncovered(grid(5), np.arange(25)), FISHER)
    assert exc.value.key == "cl_refuse_too_few" and "25" in str(exc.value) and "30" in str(exc.value)
    with pytest.raises(clusters.Refusal) as exc:
        clusters.analyse(with_uncovered(grid(8), np.full(64, 40)), FISHER)
    assert exc.value.key == "cl_refuse_constant"
    no_data = grid(8)
    with pytest.raises(clusters.Refusal) as exc:
        clusters.analyse(no_data, FISHER)
    assert exc.value.key == "cl_refuse_all_missing"
    assert "tidak" in exc.value.message("id").lower()
    # a share with no workers anywhere is missing, not zero
    with pytest.raises(clusters.Refusal) as exc:
        clusters.analyse(with_uncovered(grid(8), np.zeros(64), workers=0),
                         clusters.Settings(segment="fisher", measure="share"))
    assert exc.value.key == "cl_refuse_all_missing"


def test_areas_without_values_are_left_out_and_listed():
    frame, _, _ = planted()
    frame["workers_fisher"] = frame["workers_fisher"].astype("Int64")
    frame.loc[[3, 17], ["workers_fisher", "covered_fisher"]] = pd.NA
    r = clusters.analyse(frame, clusters.Settings(segment="fisher", stability=False))
    assert r.excluded == [frame["code"][3], frame["code"][17]]
    assert len(r.table) == 398 and not r.table["code"].isin(r.excluded).any()


def test_bad_settings_are_refused_by_name():
    frame, _, _ = planted()
    for bad, word in ((dict(measure="rate"), "measure"), (dict(alpha=1.5), "alpha"),
                      (dict(permutations=10), "permutations"), (dict(weights="bishop"), "weights")):
        with pytest.raises(ValueError, match=word):
            clusters.analyse(frame, clusters.Settings(segment="fisher", **bad))


def test_json_has_the_contract_keys():
    frame, block, _ = planted()
    out = clusters.analyse(frame, FISHER).to_json()
    assert set(out) >= {"segment", "measure", "seed", "permutations", "alpha", "fdr", "weights",
                        "isolates_joined", "moran_i", "moran_p", "counts", "high_high_codes"}
    assert set(out["counts"]) == {"high-high", "low-low", "high-low", "low-high", "not significant"}
    assert sum(out["counts"].values()) == 400
    assert out["high_high_codes"] == sorted(out["high_high_codes"])
    assert len(out["high_high_codes"]) == out["counts"]["high-high"]


# ---------------------------------------------------------------- the demo dataset


@pytest.fixture(scope="module")
def demo_village(bali):
    from geo.figures import demo
    return frames.build_frames(bali.full, demo.demo_figures(bali))["village"]


@pytest.fixture(scope="module")
def km_from_coast(demo_village):
    """Distance of each village's inner point from the coast, measured independently of the demo."""
    land = shapely.union_all(demo_village.geometry.values)
    utm = demo_village.estimate_utm_crs()
    coast = gpd.GeoSeries([shapely.boundary(land)], crs=demo_village.crs).to_crs(utm).iloc[0]
    points = demo_village.geometry.representative_point().to_crs(utm).values
    touches = shapely.intersects(demo_village.geometry.values, shapely.boundary(land))
    return pd.DataFrame({"km": shapely.distance(points, coast) / 1000, "coastal": touches},
                        index=demo_village["code"].to_numpy())


@needs_shared
@pytest.mark.parametrize("changes", [dict(permutations=9999), dict(fdr=False)],
                         ids=["fdr-9999-permutations", "no-fdr"])
def test_demo_fisher_clusters_on_the_coast_farmer_clusters_inland(demo_village, km_from_coast, changes):
    fisher = clusters.analyse(demo_village, clusters.Settings(segment="fisher", stability=False, **changes))
    farmer = clusters.analyse(demo_village, clusters.Settings(segment="farmer", stability=False, **changes))
    f_hh = km_from_coast.loc[fisher.high_high()["code"]]
    a_hh = km_from_coast.loc[farmer.high_high()["code"]]
    assert len(f_hh) >= 3 and len(a_hh) >= 10
    assert f_hh["coastal"].all()  # every fisher cluster village touches the sea
    assert f_hh["km"].median() < 3
    # farmer clusters lie inland: three quarters of them 3 km or more from the sea, and
    # typically 4 km further inland than the fishers'. (Not further than the average Bali
    # village, whose inner point is 6.7 km from the sea: the island is mostly inland.)
    assert (a_hh["km"] >= 3).mean() >= 0.75
    assert a_hh["km"].median() >= 5
    assert a_hh["km"].median() > f_hh["km"].median() + 4


@needs_shared
def test_demo_regency_level_is_refused(bali):
    from geo.figures import demo
    frame = frames.build_frames(bali.full, demo.demo_figures(bali))["regency"]
    with pytest.raises(clusters.Refusal) as exc:
        clusters.analyse(frame)
    assert exc.value.values == {"n": 9, "min": 30}
