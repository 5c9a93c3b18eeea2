"""Spatial weights: contiguity on hand-made grids with known neighbours, islands joined, Bali."""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
import numpy as np
import pytest
import shapely
from conftest import needs_shared
from libpysal import weights as lpw

from geo.analysis import weights as wts

SIZE = 0.01  # degrees (~1.1 km): grid cells the size of a village


def grid(n: int, m: int | None = None, x0: float = 115.0, y0: float = -8.5, province: str = "99",
         start: int = 0) -> gpd.GeoDataFrame:
    """An n x m grid of square cells, row by row from the south-west; codes in that order."""
    m = m or n
    cells = [shapely.box(x0 + i * SIZE, y0 + j * SIZE, x0 + (i + 1) * SIZE, y0 + (j + 1) * SIZE)
             for j in range(m) for i in range(n)]
    codes = [f"{province}.01.01.{start + k:04d}" for k in range(n * m)]
    return gpd.GeoDataFrame({"code": codes, "province_code": province}, geometry=cells, crs=4326)


def cell(n: int, i: int, j: int, start: int = 0, province: str = "99") -> str:
    return f"{province}.01.01.{start + j * n + i:04d}"


def concat(*frames: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    import pandas as pd
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=4326)


def test_queen_and_rook_on_a_grid():
    g = grid(4)
    queen, rook = wts.build(g, "queen"), wts.build(g, "rook")
    # a corner cell touches 3 cells (2 by an edge), an inner cell 8 (4 by an edge)
    assert sorted(queen.neighbours(cell(4, 0, 0))) == sorted([cell(4, 1, 0), cell(4, 0, 1), cell(4, 1, 1)])
    assert sorted(rook.neighbours(cell(4, 0, 0))) == sorted([cell(4, 1, 0), cell(4, 0, 1)])
    assert len(queen.neighbours(cell(4, 1, 1))) == 8 and len(rook.neighbours(cell(4, 1, 1))) == 4
    assert len(queen.neighbours(cell(4, 1, 0))) == 5 and len(rook.neighbours(cell(4, 1, 0))) == 3
    # nothing was isolated or apart on a connected grid
    assert queen.isolates == [] and queen.joined == [] and queen.links_added == 0


def test_row_standardised():
    w = wts.build(grid(5), "queen").w
    sums = np.asarray(w.sparse.sum(axis=1)).ravel()
    assert np.allclose(sums, 1.0)
    assert w.transform == "R"


def test_knn_has_exactly_k_neighbours_nearest_first():
    g = grid(6)
    w = wts.build(g, "knn", k=4)
    assert set(w.w.cardinalities.values()) == {4}
    # the 4 nearest centroids of an inner cell are its 4 edge neighbours
    assert sorted(w.neighbours(cell(6, 2, 2))) == sorted(
        [cell(6, 1, 2), cell(6, 3, 2), cell(6, 2, 1), cell(6, 2, 3)])


def test_an_island_village_gets_its_k_nearest_neighbours():
    main = grid(6)
    # one square 3 cells east of the grid's east edge, level with rows 2-3
    island = gpd.GeoDataFrame({"code": ["99.01.02.0001"], "province_code": "99"}, crs=4326,
                              geometry=[shapely.box(115.0 + 9 * SIZE, -8.5 + 2.5 * SIZE,
                                                    115.0 + 10 * SIZE, -8.5 + 3.5 * SIZE)])
    w = wts.build(concat(main, island), "queen", k=3)
    assert w.isolates == ["99.01.02.0001"] and w.joined == ["99.01.02.0001"]
    assert w.groups_joined == 1 and w.links_added == 3
    # independently: the 3 grid cells at the smallest polygon distance from the island
    dist = shapely.distance(main.geometry.values, island.geometry.iloc[0])
    nearest = main["code"].to_numpy()[np.argsort(dist, kind="stable")[:3]]
    assert sorted(w.neighbours("99.01.02.0001")) == sorted(nearest)
    assert set(nearest) == {cell(6, 5, 2), cell(6, 5, 3), cell(6, 5, 1)} or set(nearest) == {
        cell(6, 5, 2), cell(6, 5, 3), cell(6, 5, 4)}
    # links are symmetric: the grid cells have the island as a neighbour too
    assert all("99.01.02.0001" in w.neighbours(c) for c in nearest)
    assert w.w.n_components == 1


def test_an_island_group_is_attached_by_its_shortest_links():
    """Two villages that neighbour each other but nothing else (like Lembongan) are one group."""
    main = grid(6)
    pair = grid(2, 1, x0=115.0 + 8 * SIZE, y0=-8.5 + 2 * SIZE, start=100)
    w = wts.build(concat(main, pair), "queen", k=2)
    assert w.isolates == []  # each has a neighbour: its partner
    assert sorted(w.joined) == sorted(pair["code"]) and w.groups_joined == 1
    assert w.links_added == 2 and w.w.n_components == 1
    west = cell(2, 0, 0, start=100)  # the partner nearer the grid gets both links
    assert cell(2, 0, 0, start=100) in w.neighbours(cell(6, 5, 2))
    assert len(w.neighbours(west)) == 3  # its partner and the two nearest grid cells


def test_a_chain_of_islands_ends_connected():
    """An island whose nearest village is another island: joined in rounds until one graph."""
    main = grid(5)
    far = gpd.GeoDataFrame({"code": ["99.01.03.0001", "99.01.03.0002"], "province_code": "99"}, crs=4326,
                           geometry=[shapely.box(115.0 + 20 * SIZE, -8.5, 115.0 + 21 * SIZE, -8.5 + SIZE),
                                     shapely.box(115.0 + 22 * SIZE, -8.5, 115.0 + 23 * SIZE, -8.5 + SIZE)])
    w = wts.build(concat(main, far), "queen", k=1)
    assert w.w.n_components == 1
    assert sorted(w.isolates) == ["99.01.03.0001", "99.01.03.0002"]
    assert w.neighbours("99.01.03.0002") == ["99.01.03.0001"]


def test_links_across_a_provincial_border_with_a_sliver():
    """Provinces cleaned apart: a 20 m gap along the border must not cut the neighbours."""
    gap = 0.0002
    west = grid(3, province="98")
    east = grid(3, x0=115.0 + 3 * SIZE + gap, province="97")
    both = concat(west, east)
    queen = wts.build(both, "queen")
    rook = wts.build(both, "rook")
    assert queen.cross_links == 3 + 2 * 2  # facing cells, plus diagonals
    assert rook.cross_links == 3  # only cells that face each other along an edge
    assert cell(3, 0, 1, province="97") in rook.neighbours(cell(3, 2, 1, province="98"))
    assert cell(3, 0, 0, province="97") not in rook.neighbours(cell(3, 2, 1, province="98"))
    # provinces whose borders match exactly are linked by plain contiguity, and counted
    touching = concat(west, grid(3, x0=115.0 + 3 * SIZE, province="97"))
    assert wts.build(touching, "queen").cross_links == 7
    assert wts.build(touching, "rook").cross_links == 3
    # the same gap inside one province is not bridged (a clean coverage has no slivers)
    same = concat(west, grid(3, x0=115.0 + 3 * SIZE + gap, province="98", start=50))
    assert wts.build(same, "queen").cross_links == 0


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="queen, rook, knn"):
        wts.build(grid(3), "bishop")


@needs_shared
def test_bali_contiguity_matches_libpysal_and_joins_the_islands(bali):
    v = bali.full["village"]
    for kind, ref in (("queen", lpw.Queen), ("rook", lpw.Rook)):
        w = wts.build(v, kind)
        expected = ref.from_dataframe(v, use_index=False, silence_warnings=True)
        pairs = {(i, j) for i, ns in expected.neighbors.items() for j in ns}
        ours = {(i, j) for i, ns in w.w.neighbors.items() for j in ns}
        assert pairs <= ours  # every contiguity pair, plus the links that join the islands
        added = ours - pairs
        assert len(added) == 2 * w.links_added
        # Serangan is the only village with no neighbour (DESIGN.md); Nusa Penida's 14 and
        # Lembongan's 2 villages form groups apart: 17 villages joined, one graph in the end
        assert w.isolates == ["51.71.01.1001"]
        assert len(w.joined) == 17 and w.groups_joined == 3
        assert sum(c.startswith("51.05.01.") for c in w.joined) == 16
        assert w.w.n_components == 1
        # every added link touches a village that was apart
        joined = set(w.joined)
        assert all(w.codes[i] in joined or w.codes[j] in joined for i, j in added)


@needs_shared
def test_serangan_neighbours_are_its_nearest_villages(bali):
    v = bali.full["village"]
    w = wts.build(v, "queen")
    serangan = v.loc[v["code"] == "51.71.01.1001", "geometry"].iloc[0]
    dist = shapely.distance(v.geometry.values, serangan)
    order = [c for c in v["code"].to_numpy()[np.argsort(dist)] if c != "51.71.01.1001"]
    assert sorted(w.neighbours("51.71.01.1001")) == sorted(order[:wts.DEFAULT_K])


def test_fill_gives_a_chain_of_villages_at_least_k_neighbours():
    """A strip one cell wide (villages along a coast): 2 touching neighbours each; with
    fill=4 each also gets its 4 nearest, symmetric, and the ends are no weaker than k."""
    strip = grid(20, 1)
    plain = wts.build(strip, "queen")
    assert max(len(plain.neighbours(c)) for c in strip["code"]) == 2 and plain.filled == []
    filled = wts.build(strip, "queen", fill=4)
    assert filled.fill == 4 and sorted(filled.filled) == sorted(strip["code"])
    for i, code in enumerate(strip["code"]):
        got = set(filled.neighbours(code))
        assert len(got) >= 4
        # its 4 nearest cells (two each side, or the nearest four at an end) are among them
        order = sorted((abs(j - i), j) for j in range(20) if j != i)[:4]
        assert {cell(20, j, 0) for _, j in order} <= got
        assert all(code in filled.neighbours(c) for c in got)  # symmetric
    # cells that touch enough others get nothing more: on a grid only the corners (3) are short of 4
    g = grid(5)
    assert wts.build(g, "queen", fill=3).filled == []
    corners = wts.build(g, "queen", fill=4)
    assert corners.filled == [cell(5, 0, 0), cell(5, 4, 0), cell(5, 0, 4), cell(5, 4, 4)]
    assert len(corners.neighbours(cell(5, 0, 0))) == 4 and len(corners.neighbours(cell(5, 2, 2))) == 8


def test_land_groups_tell_islands_from_villages_cut_off_by_missing_ones():
    """A subset of the mainland with gaps is not an island; a real island is."""
    main = grid(6)
    island = gpd.GeoDataFrame({"code": ["99.01.02.0001"], "province_code": "99"}, crs=4326,
                              geometry=[shapely.box(115.0 + 9 * SIZE, -8.5 + 2.5 * SIZE,
                                                    115.0 + 10 * SIZE, -8.5 + 3.5 * SIZE)])
    whole = concat(main, island)
    land = wts.land_groups(whole)
    assert land["99.01.02.0001"] == 1 and (land.drop("99.01.02.0001") == 0).all()
    # the analysed villages: the west column, the east column, and the island
    keep = [cell(6, 0, j) for j in range(6)] + [cell(6, 5, j) for j in range(6)] + ["99.01.02.0001"]
    sub = whole[whole["code"].isin(keep)].reset_index(drop=True)
    w = wts.build(sub, "queen", k=2, land=land)
    assert w.islands == ["99.01.02.0001"] and w.island_groups == 1
    # one column is the main group; the other is cut off by the villages in between, not an island
    assert len(w.cut_off) == 6 and "99.01.02.0001" not in w.cut_off
    assert w.w.n_components == 1
    # without the land of the whole coverage, every group apart counts as an island
    alone = wts.build(sub, "queen", k=2)
    assert len(alone.islands) == 7 and alone.cut_off == []


@needs_shared
def test_forty_mainland_villages_are_not_islands(bali):
    """The issue's upload of 40 villages: cut off from each other by villages without data,
    none of them on an island."""
    v = bali.full["village"].reset_index(drop=True)
    land = wts.land_groups(v)
    assert (land != 0).sum() == 17  # Nusa Penida's 14, Lembongan's 2, Serangan
    mainland = v[v["code"].map(land) == 0]
    sub = mainland.iloc[::17].head(40).reset_index(drop=True)
    w = wts.build(sub, "queen", land=land)
    assert w.islands == [] and w.island_groups == 0 and len(w.cut_off) > 0
    with_penida = pd.concat([sub, v[v["code"].str.startswith("51.05.01.")]], ignore_index=True)
    w = wts.build(gpd.GeoDataFrame(with_penida, crs=v.crs), "queen", land=land)
    assert len(w.islands) == 16 and w.island_groups == 2  # Nusa Penida and Lembongan
