"""Cluster statistics: known answers on grids, nulls that look like real counts (many zeros,
ties), the adaptive permutations, refusals, and the demo's geography."""
from __future__ import annotations

import itertools
import warnings

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import needs_shared

from geo.analysis import clusters, frames
from geo.analysis import weights as wts

SIZE = 0.01
SEEDS = (0, 1, 2, 3)


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


def block_of(n: int, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    ij = np.array([(k % n, k // n) for k in range(n * n)])
    return (ij[:, 0] >= lo) & (ij[:, 0] < hi) & (ij[:, 1] >= lo) & (ij[:, 1] < hi), ij


def planted(n: int = 20, lo: int = 5, hi: int = 10, lift: float = 150, seed: int = 1):
    """Noise around 300 with a block of cells [lo, hi) x [lo, hi) lifted by ``lift``."""
    values = np.random.default_rng(seed).normal(300, 30, n * n)
    block, ij = block_of(n, lo, hi)
    values[block] += lift
    return with_uncovered(grid(n), values), block, ij


def zero_inflated(n: int, seed: int, zeros: float | None = None) -> np.ndarray:
    """Counts like uncovered fishers per village: 70-80 % zeros, the rest heavy-tailed."""
    rng = np.random.default_rng(seed)
    zeros = rng.uniform(0.70, 0.80) if zeros is None else zeros
    return np.where(rng.random(n) < zeros, 0.0, np.ceil(rng.lognormal(4.0, 1.2, n)))


FISHER = clusters.Settings(segment="fisher")


def old_two_sided(y: np.ndarray, w, statistic: str, seed: int) -> np.ndarray:
    """The p-values this module used before: esda 2.9's directed pseudo p-value doubled."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if statistic == "gi":
            p = esda.G_Local(y, w, transform="R", star=True, permutations=999, keep_simulations=False, seed=seed).p_sim
        else:
            p = esda.Moran_Local(y, w, permutations=999, keep_simulations=False, seed=seed).p_sim
    return np.minimum(1.0, 2.0 * np.rint(np.asarray(p, dtype=float) * 1000) / 1000)


# ---------------------------------------------------------------- the permutation test


def test_p_values_match_the_exact_conditional_permutation_distribution_with_ties():
    """On a small map every neighbour draw can be enumerated: the p-values converge to the
    exact two-sided value, ties counted on both sides (area 2 has 4 neighbours among 9 others:
    drawn by sorting random keys rather than by rejection)."""
    y = np.array([0, 0, 0, 0, 5, 5, 9, 0, 2, 7], dtype=float)
    neighbours = {0: [1, 2], 1: [0, 2], 2: [0, 1, 3, 4], 3: [2, 4], 4: [3, 5, 6], 5: [4, 6], 6: [4, 5],
                  7: [8], 8: [7, 9], 9: [8]}
    from libpysal import weights as lpw
    w = lpw.W(neighbours, silence_warnings=True)
    w.transform = "r"
    test = clusters.permutation_test(y, w, permutations=99_999, seed=5)
    for i, nb in neighbours.items():
        others = [j for j in range(len(y)) if j != i]
        sums = np.array([y[list(c)].sum() for c in itertools.combinations(others, len(nb))])
        observed = y[nb].sum()
        exact = min(1.0, 2 * min((sums >= observed).mean(), (sums <= observed).mean()))
        assert test.p[i] == pytest.approx(exact, abs=0.006), (i, test.p[i], exact)
    # area 0: a zero between zeros; 4 of the 9 others are zeros, so a draw of 2 is all zeros
    # (as low as observed, a tie) with chance C(4,2)/C(9,2) = 6/36: p = 2 * 6/36, not 2/(R+1)
    assert test.p[0] == pytest.approx(2 * 6 / 36, abs=0.006)
    # unequal weights: the draws are ordered, each value landing on each weight alike
    weights = {i: [1.0 + j for j in range(len(nb))] for i, nb in neighbours.items()}
    w = lpw.W(neighbours, weights, silence_warnings=True)
    w.transform = "r"
    test = clusters.permutation_test(y, w, permutations=99_999, seed=6)
    for i in (4, 8):
        nb, wi = neighbours[i], np.array(weights[i]) / sum(weights[i])
        others = [j for j in range(len(y)) if j != i]
        sums = np.array([y[list(c)] @ wi for c in itertools.permutations(others, len(nb))])
        observed = y[nb] @ wi
        exact = min(1.0, 2 * min((sums >= observed - 1e-9).mean(), (sums <= observed + 1e-9).mean()))
        assert test.p[i] == pytest.approx(exact, abs=0.006), (i, test.p[i], exact)


def test_an_area_whose_draws_all_equal_its_value_is_never_significant():
    y = np.zeros(40)
    y[7] = 50.0  # one village differs from all the others: every draw of its neighbours is 0
    w = wts.build(grid(7).iloc[:40].reset_index(drop=True), "queen").w
    test = clusters.permutation_test(y, w, permutations=999, seed=1, alpha=0.05, fdr=True)
    assert test.p[7] == 1.0
    assert (clusters.permutation_test(np.full(40, 3.0), w, 999, 1).p == 1.0).all()  # all equal
    # local Moran of a village whose value is the mean: I_i = 0 whatever the draw, so p = 1
    y = np.random.default_rng(0).integers(200, 400, 64).astype(float)
    y[10] = 0.0
    y[0] += (-y.sum()) % 63  # the other 63 sum to a multiple of 63 ...
    y[10] = y.sum() / 63  # ... so this whole number is exactly the mean of all 64
    assert y[10] == y.mean()
    var = clusters.Variable(frame=grid(8), value=y, y=y, uncovered=y, workers=y + 1)
    local = clusters.local_labels(var, wts.build(grid(8), "queen").w, clusters.Settings(fdr=False))
    assert local.table.loc[10, "p"] == 1.0 and local.table.loc[10, "stat"] == 0.0


@pytest.mark.parametrize("statistic", ["moran", "gi"])
def test_zero_inflated_counts_shuffled_over_a_grid_flag_almost_nothing(statistic):
    """The null that real fisher counts look like; the old p-values fail it."""
    w = wts.build(grid(25), "queen").w
    new_fdr, new_raw, old_fdr, old_raw = [], [], [], []
    for seed in SEEDS:
        y = zero_inflated(625, seed)
        var = clusters.Variable(frame=grid(25), value=y, y=y, uncovered=y, workers=y + 1)
        for fdr, out in ((True, new_fdr), (False, new_raw)):
            s = clusters.Settings(statistic=statistic, fdr=fdr, seed=seed)
            out.append(clusters.local_labels(var, w, s).table["significant"].mean())
        old = old_two_sided(y, w, statistic, seed)
        old_raw.append((old <= 0.05).mean())
        old_fdr.append((clusters.bh(old) <= 0.05).mean())
    assert max(new_fdr) <= 0.01, new_fdr
    assert max(new_raw) <= 0.06 and np.mean(new_raw) <= 0.05, new_raw
    # esda's directed p-value counts only draws strictly beyond the observed one: with the
    # FDR it flags several per cent of the areas in some seeds, and more than the new test
    assert max(old_fdr) > 0.03 and np.mean(old_raw) > np.mean(new_raw) + 0.01, (old_fdr, old_raw)
    if statistic == "gi":  # cold spots wherever zeros meet zeros, in every seed
        assert min(old_fdr) > 0.05, old_fdr


@needs_shared
@pytest.mark.parametrize("statistic", ["moran", "gi"])
def test_zero_inflated_counts_shuffled_over_balis_villages_flag_almost_nothing(bali, statistic):
    villages = bali.full["village"].reset_index(drop=True)
    new_fdr, new_raw, old_fdr, old_raw = [], [], [], []
    for seed in SEEDS:
        frame = with_uncovered(villages, zero_inflated(len(villages), 10 + seed), segment="farmer")
        for fdr, out in ((True, new_fdr), (False, new_raw)):
            s = clusters.Settings(segment="farmer", statistic=statistic, fdr=fdr, seed=seed, stability=False)
            out.append(clusters.analyse(frame, s).table["significant"].mean())
        var = clusters.variable(frame, clusters.Settings(segment="farmer"))
        old = old_two_sided(var.y, wts.build(var.frame, "queen").w, statistic, seed)
        old_raw.append((old <= 0.05).mean())
        old_fdr.append((clusters.bh(old) <= 0.05).mean())
    assert max(new_fdr) <= 0.01, new_fdr
    assert max(new_raw) <= 0.06 and np.mean(new_raw) <= 0.05, new_raw
    assert max(old_fdr) > 0.03 and np.mean(old_raw) > np.mean(new_raw) + 0.01, (old_fdr, old_raw)
    if statistic == "gi":
        assert min(old_fdr) > 0.05, old_fdr


@pytest.mark.parametrize("weights", ["queen", "rook", "knn"])
def test_continuous_random_values_give_about_five_percent_without_correction(weights):
    """Without ties the test is exact: ~5 % at 0.05 uncorrected, almost nothing with the FDR."""
    raw, fdr = [], []
    for seed in SEEDS:
        values = np.random.default_rng(100 + seed).normal(300, 30, 27 * 27)
        frame = with_uncovered(grid(27), values)
        s = clusters.Settings(segment="fisher", weights=weights, fdr=False, stability=False, seed=seed)
        raw.append(clusters.analyse(frame, s).table["significant"].mean())
        s = clusters.Settings(segment="fisher", weights=weights, stability=False, seed=seed)
        fdr.append(clusters.analyse(frame, s).table["significant"].mean())
    assert 0.03 <= np.mean(raw) <= 0.07, raw
    assert np.mean(fdr) <= 0.005, fdr


def test_adaptive_permutations_lift_the_floor_that_would_decide_the_fdr():
    """A 4 x 4 block of high counts among zeros on 900 cells: at 999 permutations the FDR
    needs 36 areas at the floor 2/1000 and finds none; the adaptive test finds the block."""
    n = 30
    block, ij = block_of(n, 10, 14)
    y = zero_inflated(n * n, 3)
    y[block] = np.random.default_rng(3).integers(400, 600, block.sum())
    w = wts.build(grid(n), "queen").w
    fixed = clusters.permutation_test(y, w, 999, seed=9, alpha=0.05, fdr=True, max_permutations=999)
    assert fixed.floor_decides and not (clusters.bh(fixed.p) <= 0.05).any()
    adaptive = clusters.permutation_test(y, w, 999, seed=9, alpha=0.05, fdr=True)
    found = clusters.bh(adaptive.p) <= 0.05
    inner = block & (ij[:, 0] > 10) & (ij[:, 0] < 13) & (ij[:, 1] > 10) & (ij[:, 1] < 13)
    assert found[inner].all() and not adaptive.floor_decides
    assert adaptive.permutations_used > 999
    # only the areas at the floor got more, to a 10^j - 1
    more = adaptive.permutations > 999
    assert (fixed.p[more] == 2 / 1000).all()
    assert set(np.unique(adaptive.permutations)) <= {999, 9_999, 99_999, 999_999}
    # without the FDR the floor is far below alpha: no extra permutations
    assert clusters.permutation_test(y, w, 999, seed=9, alpha=0.05, fdr=False).permutations_used == 999


def test_adaptive_permutations_are_reproducible_for_a_seed():
    n = 30
    block, _ = block_of(n, 10, 14)
    y = zero_inflated(n * n, 3)
    y[block] = np.random.default_rng(3).integers(400, 600, block.sum())
    frame = with_uncovered(grid(n), y, workers=1000)
    s = clusters.Settings(segment="fisher", stability=False)
    a, b = clusters.analyse(frame, s), clusters.analyse(frame, s)
    assert a.permutations_used > 999
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.to_json() == b.to_json() and a.to_json()["permutations_used"] == a.permutations_used
    other = clusters.analyse(frame, clusters.Settings(segment="fisher", stability=False, seed=99))
    assert not np.array_equal(a.table["p"].to_numpy(), other.table["p"].to_numpy())


# ---------------------------------------------------------------- known answers


def test_a_planted_hot_spot_is_found_with_the_defaults():
    frame, block, ij = planted()
    r = clusters.analyse(frame, FISHER)
    t = r.table
    assert r.moran_i > 0.2 and r.moran_p <= 0.01
    hh = t["label"] == clusters.HH
    assert hh[block].mean() >= 0.6  # most of the planted block (the FDR is on)
    # and nothing elsewhere but a high cell touching the block
    around = (ij[:, 0] >= 4) & (ij[:, 0] <= 10) & (ij[:, 1] >= 4) & (ij[:, 1] <= 10)
    assert not (hh & ~around).any()
    assert (t.loc[block, "label"].isin([clusters.HH, clusters.NS])).all()
    # the block's centre is the strongest finding: high-high under every weights and seed
    centre = (ij[:, 0] == 7) & (ij[:, 1] == 7)
    assert t.loc[centre, "label"].item() == clusters.HH


def test_a_planted_cluster_of_high_counts_among_zeros_is_found():
    n = 20
    block, ij = block_of(n, 6, 11)
    y = zero_inflated(n * n, 4)
    y[block] = np.random.default_rng(4).integers(300, 500, block.sum())
    frame = with_uncovered(grid(n), y)
    for statistic, top in (("moran", clusters.HH), ("gi", clusters.HOT)):
        t = clusters.analyse(frame, clusters.Settings(segment="fisher", statistic=statistic)).table
        found = t["label"] == top
        assert found[block].mean() >= 0.6, statistic
        assert not (found & ~block).any(), statistic
        # zeros among zeros are not low-low or cold spots
        assert not t["label"].isin([clusters.LL, clusters.COLD]).any(), statistic


def test_a_planted_cold_spot_is_low_low_and_gi_agrees():
    frame, block, _ = planted(lift=-150)
    t = clusters.analyse(frame, FISHER).table
    assert (t.loc[block, "label"] == clusters.LL).mean() >= 0.6
    assert not ((t["label"] == clusters.LL) & ~block).any()
    gi = clusters.analyse(frame, clusters.Settings(segment="fisher", statistic="gi")).table
    assert (gi.loc[block, "label"] == clusters.COLD).mean() >= 0.6
    assert not (gi["label"] == clusters.HOT).any()
    # Gi*'s classical z-score: strongly negative in the block, near 0 far from it
    assert gi.loc[block, "z"].median() < -1.5 and gi.loc[~block, "z"].abs().median() < 0.5


def test_reproducible_for_a_seed_and_different_for_another():
    frame, _, _ = planted(lift=40)
    a = clusters.analyse(frame, FISHER).table
    b = clusters.analyse(frame, FISHER).table
    pd.testing.assert_frame_equal(a, b)
    c = clusters.analyse(frame, clusters.Settings(segment="fisher", seed=7)).table
    assert not np.array_equal(a["p"].to_numpy(), c["p"].to_numpy())
    # esda's global Moran seeds numpy's global generator: the caller's state is left as it was
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


# ---------------------------------------------------------------- the segment's own villages


def test_the_segments_own_villages_are_analysed_among_themselves():
    """Fishers in a ring of coastal cells only: by default the analysis is among the ring,
    each cell compared with at least k of them, and the cells without fishers are listed."""
    n = 12
    g = grid(n)
    _, ij = block_of(n, 0, 0)
    ring = (ij[:, 0] == 0) | (ij[:, 0] == n - 1) | (ij[:, 1] == 0) | (ij[:, 1] == n - 1)
    workers = np.where(ring, 400, 0)
    # a stretch of the ring (the south side) holds the uncovered fishers
    south = ring & (ij[:, 1] == 0) & (ij[:, 0] >= 3) & (ij[:, 0] <= 8)
    uncovered = np.where(south, 350, np.where(ring, 20, 0)) + np.where(ring, ij[:, 0] % 3, 0)
    frame = with_uncovered(g, uncovered, workers)
    own = clusters.analyse(frame, FISHER)
    assert own.population == "segment" and len(own.table) == ring.sum() == 44
    assert sorted(own.outside) == sorted(g.loc[~ring, "code"]) and own.excluded == []
    w = own.weights
    assert w["fill"] == 5 and len(w["filled"]) == 44  # a chain: 2-3 touching neighbours each
    assert w["islands"] == []  # cells apart in the ring are not islands: the land is one
    hh = set(own.high_high()["code"])
    assert hh and hh <= set(g.loc[south, "code"])
    every = clusters.analyse(frame, clusters.Settings(segment="fisher", population="all"))
    assert every.population == "all" and len(every.table) == n * n and every.outside == []
    assert every.weights["fill"] == 0
    # the other segments default to all villages, and may choose their own
    assert clusters.default_population("farmer") == "all" and clusters.default_population("fisher") == "segment"
    farmers = with_uncovered(g, uncovered, workers, segment="farmer")
    assert len(clusters.analyse(farmers, clusters.Settings(segment="farmer")).table) == n * n
    assert len(clusters.analyse(farmers, clusters.Settings(segment="farmer", population="segment")).table) == 44
    with pytest.raises(ValueError, match="population"):
        clusters.Settings(population="coast").checked()


def test_too_few_villages_of_the_segment_are_refused_by_name():
    workers = np.zeros(64)
    workers[:20] = 100
    frame = with_uncovered(grid(8), np.where(workers > 0, 10, 0), workers)
    with pytest.raises(clusters.Refusal) as exc:
        clusters.analyse(frame, FISHER)
    assert exc.value.key == "cl_refuse_too_few_own" and "20" in str(exc.value)


# ---------------------------------------------------------------- refusals and contract


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
                         clusters.Settings(segment="fisher", measure="share", population="all"))
    assert exc.value.key == "cl_refuse_all_missing"


def test_areas_without_values_are_left_out_and_listed():
    frame, _, _ = planted()
    frame["workers_fisher"] = frame["workers_fisher"].astype("Int64")
    frame.loc[[3, 17], ["workers_fisher", "covered_fisher"]] = pd.NA
    r = clusters.analyse(frame, clusters.Settings(segment="fisher", stability=False))
    assert r.excluded == [frame["code"][3], frame["code"][17]] and r.outside == []
    assert len(r.table) == 398 and not r.table["code"].isin(r.excluded).any()


def test_bad_settings_are_refused_by_name():
    frame, _, _ = planted()
    for bad, word in ((dict(measure="rate"), "measure"), (dict(alpha=1.5), "alpha"),
                      (dict(permutations=10), "permutations"), (dict(weights="bishop"), "weights"),
                      (dict(statistic="geary"), "statistic")):
        with pytest.raises(ValueError, match=word):
            clusters.analyse(frame, clusters.Settings(segment="fisher", **bad))


def test_json_has_the_contract_keys():
    frame, block, _ = planted()
    out = clusters.analyse(frame, FISHER).to_json()
    assert set(out) >= {"segment", "measure", "seed", "permutations", "alpha", "fdr", "weights",
                        "isolates_joined", "moran_i", "moran_p", "counts", "high_high_codes",
                        "statistic", "population", "areas_analysed", "permutations_used"}
    assert (out["statistic"], out["population"], out["areas_analysed"]) == ("moran", "segment", 400)
    assert out["permutations_used"] >= out["permutations"] == 999
    assert set(out["counts"]) == {"high-high", "low-low", "high-low", "low-high", "not significant"}
    assert sum(out["counts"].values()) == 400
    assert out["high_high_codes"] == sorted(out["high_high_codes"])
    assert len(out["high_high_codes"]) == out["counts"]["high-high"]
    gi = clusters.analyse(frame, clusters.Settings(segment="fisher", statistic="gi")).to_json()
    assert set(gi["counts"]) == {"hot spot", "cold spot", "not significant"}
    assert len(gi["high_high_codes"]) == gi["counts"]["hot spot"] > 0


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
    return pd.DataFrame({"km": shapely.distance(points, coast) / 1000, "coastal": touches,
                         "x": shapely.get_x(points) / 1000, "y": shapely.get_y(points) / 1000},
                        index=demo_village["code"].to_numpy())


@needs_shared
def test_demo_fishing_centres_are_found_with_the_defaults(demo_village, km_from_coast):
    from geo.figures import demo
    fisher = clusters.analyse(demo_village, clusters.Settings(segment="fisher"))
    assert fisher.population == "segment" and fisher.permutations_used >= 999
    assert len(fisher.table) == int((demo_village["workers_fisher"] > 0).sum())
    hh = km_from_coast.loc[fisher.high_high()["code"]]
    assert len(hh) >= 5
    assert hh["coastal"].mean() >= 0.9  # on the coast
    # around the invented fishing centres: each found village within 15 km of one, and
    # most centres found
    centres = km_from_coast.loc[list(demo.FISHING_CENTRES["51"]), ["x", "y"]].to_numpy()
    d = np.sqrt(((hh[["x", "y"]].to_numpy()[:, None, :] - centres[None]) ** 2).sum(axis=2))
    assert (d.min(axis=1) <= 15).all()
    assert len(set(d.argmin(axis=1))) >= 3
    # the stability runs agree on most of them
    assert fisher.high_high()["stable"].mean() >= 0.5


@needs_shared
@pytest.mark.parametrize("changes", [dict(), dict(fdr=False)], ids=["defaults", "no-fdr"])
def test_demo_farmer_clusters_inland_fisher_clusters_on_the_coast(demo_village, km_from_coast, changes):
    fisher = clusters.analyse(demo_village, clusters.Settings(segment="fisher", stability=False, **changes))
    farmer = clusters.analyse(demo_village, clusters.Settings(segment="farmer", stability=False, **changes))
    f_hh = km_from_coast.loc[fisher.high_high()["code"]]
    a_hh = km_from_coast.loc[farmer.high_high()["code"]]
    assert len(f_hh) >= 5 and len(a_hh) >= 10
    assert f_hh["coastal"].mean() >= 0.9
    assert f_hh["km"].median() < 3
    # farmer clusters lie inland: three quarters of them 3 km or more from the sea, and
    # typically 4 km further inland than the fishers'. (Not further than the average Bali
    # village, whose inner point is 6.7 km from the sea: the island is mostly inland.)
    assert (a_hh["km"] >= 3).mean() >= 0.75
    assert a_hh["km"].median() >= 5
    assert a_hh["km"].median() > f_hh["km"].median() + 4


@needs_shared
def test_demo_zero_fisher_villages_are_not_cold_spots(demo_village):
    """The issue's check: Gi* on the demo's fisher counts over all villages found 372 cold
    spots among zeros; with ties counted the zeros inland are not significant."""
    gi = clusters.analyse(demo_village, clusters.Settings(segment="fisher", statistic="gi", population="all",
                                                          stability=False))
    zero = gi.table["uncovered"] == 0
    assert zero.sum() > 500 and not gi.table.loc[zero, "significant"].any()


@needs_shared
def test_demo_regency_level_is_refused(bali):
    from geo.figures import demo
    frame = frames.build_frames(bali.full, demo.demo_figures(bali))["regency"]
    with pytest.raises(clusters.Refusal) as exc:
        clusters.analyse(frame)
    assert exc.value.values == {"n": 9, "min": 30}
