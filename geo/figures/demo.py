"""The synthetic demo dataset: village-level workers and covered workers per segment.

Why: there is no public village-level coverage data, yet the app must show something
meaningful before anyone uploads figures. The demo is *invented* (``Figures.synthetic`` is
True) but calibrated so that its totals agree with the few real, published figures kept in
:mod:`geo.reference`. It is deterministic: the same boundaries and seed give the same frame.

The model, per province (a ``numpy`` Generator seeded with ``[seed, province]``, so a
province's figures do not depend on which other provinces are loaded):

Totals (Bali, all from :mod:`geo.reference`)
  - Workers: the published working population, 1,873,899 (March 2025), the denominator of
    the published coverage rates. Period of the demo: ``PERIOD`` (2025-12) for every province.
  - Wage share: formal / (formal + informal) workers (BPS 2022), 46.6 %.
  - Customary workers: 11,000 covered (religious workers protected by the province) are
    published; the total, 20,000, is invented (``BALI_CUSTOMARY_COVERED_SHARE`` = 55 %).

Workers (every count is a whole number; the six segments add up exactly to ``workers``)
  - **farmer**: a holding is a farming household, not a farmer, so farmers = holdings x
    ``FARMERS_PER_HOLDING`` (1.2, invented) per regency. Regencies with published holdings
    (Bali: Buleleng, Karangasem, Tabanan, Denpasar) get exactly that; the rest of the
    province's published total is shared among the other regencies by their villages' farm
    weights. Within a regency farmers go to villages by weight ``area^0.8`` x kind (desa 1,
    kelurahan 0.12, other 0.8) x 0.3 in wage centres x log-normal noise: rural desa, not
    urban kelurahan.
  - **fisher**: the published province total (Bali: about 30,000) shared among *coastal*
    villages only, by weight ``(coast km)^0.7`` x noise plus a *fishing centre* weight
    ``CENTRE_WEIGHT`` x (mean coastal weight) x ``exp(-(d / CENTRE_RADIUS_KM)^2)`` x noise, d
    the distance to the nearest of a few invented fishing centres: stretches of coast where
    fishers concentrate, as around a fishing port, whatever each village's own coast. Bali's centres lie at places known for fishing (``FISHING_CENTRES``:
    Pengambengan, Kedonganan, Kusamba, Sangsit, Bunutan on the Amed coast); how many
    fishers they hold is invented. Other provinces get one centre per
    ``COASTAL_PER_CENTRE`` coastal villages (2 to 8), at coastal villages drawn with their own
    seeded generator, at least ``CENTRE_SPACING_KM`` apart. A village is coastal when at least
    ``COAST_MIN_M`` (100 m) of its boundary lies on the outline of the land, the exterior
    rings of the union of all villages in the boundary set (so lakes, which are holes, do
    not count). Approximation: a land border with a province that is *not* in the boundary
    set (e.g. Papua loaded alone, or Papua-Papua New Guinea) counts as coast; borders
    between provinces loaded together are excluded because their union is one land mass.
  - **the non-farm rest** (province working population - farmers - fishers) goes to
    villages by weight ``area^0.25`` x kind density (kelurahan 3, desa 1, other 0.6) x 4
    in wage centres x noise: small urban villages are dense, large rural ones are not.
    It is then split into **customary** (a published-or-generic total, desa weighted 1.5),
    **wage** (a village share rising from other < desa < kelurahan < wage centre, scaled so
    the province's wage share matches the published formal share of workers), and the rest
    into **trader** and **other** (trader about half, more in kelurahan and centres).
  - *Wage centres* are city regencies (Kepmendagri regency codes 71-99, "Kota") plus the
    districts in ``WAGE_CENTRES`` (Bali: south Badung = Kuta, Kuta Selatan, Kuta Utara).

Covered
  - Regency rates: published rates (Bali: Badung 58.68 %, the highest, and Bangli 35.52 %,
    the lowest, in March 2025 when the province stood at 50.88 %) are kept; the other
    regencies get invented rates strictly between the lowest and highest published (the
    source names those two the highest and the lowest in Bali), placed by their
    demo wage share (more wage work, higher rate) plus noise, then shifted together so that
    the workers-weighted mean equals the province rate of the same date. Finally every
    regency is shifted by (latest province rate - that rate): +3.00 pp to December 2025's
    53.88 %, keeping the March order and spread (DESIGN.md, "Data notes").
  - Customary covered: the published province-funded religious workers (Bali: about 11,000)
    shared by customary workers.
  - Other segments: a propensity per village and segment (wage / non-wage ratio from the
    published 2023 rates, 44 % of formal workers vs 21.44 % of informal workers; segment
    factors invented) x noise; each regency's propensities are scaled so its covered total
    is exactly ``rate x workers``, never above a cell's workers, then rounded to integers
    by largest remainder (so regency totals are exact).

Provinces without published figures use generic, invented parameters (``GENERIC``:
province rate 40 %, 1,500 workers per village, 35 % farmers, 2 % fishers, 35 % wage,
0.5 % customary, regency rates spread over 30-50 %). Everything invented is synthetic;
the published figures themselves stay in :mod:`geo.reference` with their source and date.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.boundaries import BoundarySet
from geo.core import codes, reference
from geo.core.schema import COUNT_COLUMNS, SEGMENTS
from geo.figures.model import Figures

DEFAULT_SEED = 20251231
PERIOD = "2025-12"
SOURCE = "demo"
COAST_MIN_M = 100.0
FARMERS_PER_HOLDING = 1.2
WAGE_CENTRES: dict[str, tuple[str, ...]] = {
    # Province -> district or regency codes whose villages are wage centres besides the
    # city regencies. Bali: south Badung (Kuta, Kuta Selatan, Kuta Utara), from the issue.
    "51": ("51.03.01", "51.03.05", "51.03.06"),
}
CITY_REGENCY_MIN = 71  # Kepmendagri: regency codes 71 and up are cities (Kota)
FISHING_CENTRES: dict[str, tuple[str, ...]] = {
    # Province -> villages at the centre of an invented concentration of fishers. Bali: places
    # known for fishing: Pengambengan (Jembrana), Kedonganan (Badung), Kusamba (Klungkung),
    # Sangsit (Buleleng), Bunutan (Amed, Karangasem). The numbers of fishers are invented.
    "51": ("51.01.01.2011", "51.03.01.1003", "51.05.04.2006", "51.08.07.2012", "51.07.05.2003"),
}
CENTRE_WEIGHT, CENTRE_RADIUS_KM, CENTRE_NOISE = 10.0, 8.0, 0.25
COASTAL_PER_CENTRE, CENTRE_SPACING_KM = 40, 25.0

# Weights of the village model (invented, see the module docstring).
NONFARM_AREA_EXP, FARM_AREA_EXP, COAST_EXP = 0.25, 0.8, 0.7
NONFARM_DENSITY = {"kelurahan": 3.0, "desa": 1.0, "other": 0.6}
FARM_KIND = {"kelurahan": 0.12, "desa": 1.0, "other": 0.8}
CENTRE_DENSITY, CENTRE_FARM = 4.0, 0.3
WAGE_BASE = {"kelurahan": 0.8, "desa": 0.55, "other": 0.35}
WAGE_CENTRE_BASE, WAGE_MAX = 1.0, 0.92
CUSTOMARY_DESA = 1.5
TRADER_SHARE = 0.5
# Coverage propensity of the non-wage segments relative to the non-wage mean (invented).
NON_WAGE_FACTOR = {"farmer": 0.9, "fisher": 1.1, "trader": 1.2, "customary": 1.0, "other": 0.85}
NOISE_SIGMA = 0.35
# How far apart invented regency rates may be from the province when nothing is published.
GENERIC_SPREAD_PP = 10.0


@dataclass(frozen=True)
class Calibration:
    """The targets of one province: published where known, generic (invented) otherwise."""

    province: str
    published: bool
    workers: int                        # working population
    rate: float                         # province coverage %, at the latest date
    anchor_date: str | None             # date of the published regency rates
    anchor_province_rate: float         # province rate at that date
    anchors: dict[str, float]           # published regency rates at that date
    holdings: dict[str, float]          # published farm holdings per regency
    holdings_total: float | None        # published province total of holdings
    farmer_share: float                 # farmers / workers when no holdings are published
    fishers: int                        # province total of fishers
    customary: int                      # province total of customary/religious workers
    customary_covered: int | None       # published customary workers covered (province)
    wage_share: float                   # wage workers / workers
    wage_to_nonwage: float              # ratio of wage to non-wage coverage propensity


GENERIC = {
    "rate": 40.0, "workers_per_village": 1_500, "farmer_share": 0.35, "fisher_share": 0.02,
    "customary_share": 0.005, "wage_share": 0.35, "wage_to_nonwage": 2.0,
}
# Customary workers in Bali: only those covered are published (about 11,000 religious workers
# protected by the province); the total is invented so that about 55 % of them are covered.
BALI_CUSTOMARY_COVERED_SHARE = 0.55


def calibration(province: str, villages: int) -> Calibration:
    """The calibration of ``province``: from :mod:`geo.reference` when it has a province rate."""
    ref = reference.published(province)
    rates = ref[(ref["indicator"] == "coverage_rate") & (ref["region_code"] == province)]
    if rates.empty:
        workers = GENERIC["workers_per_village"] * villages
        return Calibration(
            province=province, published=False, workers=workers, rate=GENERIC["rate"],
            anchor_date=None, anchor_province_rate=GENERIC["rate"], anchors={}, holdings={},
            holdings_total=None, farmer_share=GENERIC["farmer_share"],
            fishers=round(GENERIC["fisher_share"] * workers),
            customary=round(GENERIC["customary_share"] * workers), customary_covered=None,
            wage_share=GENERIC["wage_share"], wage_to_nonwage=GENERIC["wage_to_nonwage"])

    rates = rates.sort_values("as_of")
    latest_rate = float(rates["value"].iloc[-1])
    regency_rates = ref[(ref["indicator"] == "coverage_rate")
                        & (ref["region_code"].map(codes.level_of) == "regency")]
    anchors: dict[str, float] = {}
    anchor_date, anchor_province_rate = None, latest_rate
    if not regency_rates.empty:
        # The most recent date with regency rates *and* a province rate to shift from.
        dates = sorted(set(regency_rates["as_of"]) & set(rates["as_of"]))
        if dates:
            anchor_date = dates[-1]
            at = regency_rates[regency_rates["as_of"] == anchor_date]
            anchors = dict(zip(at["region_code"], at["value"].astype(float)))
            anchor_province_rate = float(rates.loc[rates["as_of"] == anchor_date, "value"].iloc[-1])

    def one(indicator: str) -> float | None:
        return reference.value(indicator, province)

    workers = one("working_population") or GENERIC["workers_per_village"] * villages
    formal, informal = one("formal_workers"), one("informal_workers")
    wage_share = formal / (formal + informal) if formal and informal else GENERIC["wage_share"]
    wage_rate = one("wage_earner_participants_active")
    nonwage_rate = one("non_wage_earner_coverage_rate")
    ratio = (100.0 * wage_rate / formal / nonwage_rate
             if wage_rate and formal and nonwage_rate else GENERIC["wage_to_nonwage"])
    covered_customary = one("religious_workers_protected_by_province")
    customary = (round(covered_customary / BALI_CUSTOMARY_COVERED_SHARE) if covered_customary
                 else round(GENERIC["customary_share"] * workers))
    fishers = one("traditional_fishers")
    return Calibration(
        province=province, published=True, workers=int(workers), rate=latest_rate,
        anchor_date=str(anchor_date) if anchor_date else None,
        anchor_province_rate=anchor_province_rate, anchors=anchors,
        holdings=reference.by_region("individual_farm_holdings", province),
        holdings_total=one("individual_farm_holdings"), farmer_share=GENERIC["farmer_share"],
        fishers=int(fishers) if fishers else round(GENERIC["fisher_share"] * workers),
        customary=int(customary),
        customary_covered=int(covered_customary) if covered_customary else None,
        wage_share=wage_share, wage_to_nonwage=ratio)


# ---------------------------------------------------------------- geometry


OUTLINE_PIECE = 64  # coordinates per piece of the outline the coast is measured against
BORDER_GAP_DEG = 0.0005  # provinces are cleaned apart: their shared border may gap by ~55 m


def land_outline(land: gpd.GeoDataFrame):
    """The outline of the land: exterior rings of the union of a village coverage (lon/lat).

    Interior rings (lakes, or holes the coverage leaves) are not coast, so they are dropped.
    Each province is a clean coverage on its own, but provinces were cleaned apart, so their
    union is not one: each province's outline is taken on its own and the stretches lying
    along another loaded province (a land border) are cut out.
    """
    land = land[~land.geometry.is_empty]
    groups = [land] if "province_code" not in land else [g for _, g in land.groupby("province_code")]
    pieces = []
    for i, group in enumerate(groups):
        union = _union(group.geometry.values)
        polys = [p for p in getattr(union, "geoms", [union]) if not p.is_empty]
        rings = shapely.union_all([shapely.LinearRing(p.exterior.coords) for p in polys])
        others = np.concatenate([g.geometry.values for j, g in enumerate(groups) if j != i]) \
            if len(groups) > 1 else np.array([])
        if len(others):
            # only the other provinces' villages near this outline matter (an index, not a union
            # of whole provinces: that took 40 s for the region)
            near = shapely.STRtree(others).query(rings, predicate="dwithin", distance=BORDER_GAP_DEG)
            if len(near):
                rings = rings.difference(shapely.union_all(shapely.buffer(others[near], BORDER_GAP_DEG)))
        pieces.append(rings)
    return shapely.union_all(pieces)


def _union(geoms: np.ndarray):
    try:
        return shapely.coverage_union_all(np.asarray(geoms))
    except shapely.errors.GEOSException:  # not a clean coverage (e.g. hand-made input)
        return shapely.union_all(np.asarray(geoms))


def _coast_length_whole_m(villages: gpd.GeoDataFrame, outline) -> pd.Series:
    """The earlier computation (every boundary against the whole outline), for the tests."""
    crs = villages.estimate_utm_crs()
    outline_m = gpd.GeoSeries([outline], crs=villages.crs).to_crs(crs).iloc[0]
    bounds_m = villages.geometry.boundary.to_crs(crs).values
    return pd.Series(shapely.length(shapely.intersection(bounds_m, outline_m)), index=villages.index, name="coast_m")


def coast_length_m(villages: gpd.GeoDataFrame, land: gpd.GeoDataFrame | None = None,
                   outline=None) -> pd.Series:
    """Metres of each village's boundary on the outline of the land.

    ``land`` is the village coverage whose union is the land (default ``villages``); pass
    every loaded province so borders between them are not taken for coast, or pass its
    precomputed :func:`land_outline` as ``outline``.
    """
    if outline is None:
        outline = land_outline(villages if land is None else land)
    crs = villages.estimate_utm_crs()
    bounds_m = villages.geometry.boundary.to_crs(crs).values
    # The outline cut to these villages' surroundings and into short pieces, each village
    # intersected only with the pieces it meets (an index): intersecting every boundary with
    # the whole region's outline took 19 s of the region's 25 s demo.
    minx, miny, maxx, maxy = villages.total_bounds if len(villages) else (0, 0, 0, 0)
    local = shapely.intersection(outline, shapely.box(minx - 0.05, miny - 0.05, maxx + 0.05, maxy + 0.05))
    pieces = [shapely.LineString(c[i:i + OUTLINE_PIECE + 1])
              for line in shapely.get_parts(shapely.line_merge(local) if not local.is_empty else local)
              if line.geom_type == "LineString"
              for c in [shapely.get_coordinates(line)] for i in range(0, len(c) - 1, OUTLINE_PIECE)]
    length = np.zeros(len(villages))
    if pieces:
        pieces_m = gpd.GeoSeries(pieces, crs=villages.crs).to_crs(crs).values
        ok = ~(shapely.is_missing(bounds_m) | shapely.is_empty(bounds_m))
        left, right = shapely.STRtree(pieces_m).query(np.where(ok, bounds_m, None), predicate="intersects")
        if len(left):
            part = shapely.length(shapely.intersection(bounds_m[left], np.asarray(pieces_m)[right]))
            length = np.bincount(left, weights=part, minlength=len(villages))
    return pd.Series(length, index=villages.index, name="coast_m")


# ---------------------------------------------------------------- integer arithmetic


def allocate(total: int, weights: np.ndarray, cap: np.ndarray | None = None) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder).

    With ``cap`` no share exceeds its cap (the excess is re-shared among the others); the
    total must then be at most ``cap.sum()``. Ties go to the earlier index (deterministic).
    """
    w = np.asarray(weights, dtype=float)
    n = len(w)
    if n == 0 or total <= 0:
        return np.zeros(n, dtype=np.int64)
    if w.sum() <= 0:
        w = np.ones(n)
    cap_arr = np.full(n, np.inf) if cap is None else np.asarray(cap, dtype=float)
    if total > cap_arr.sum():
        raise ValueError(f"cannot allocate {total} within caps summing to {cap_arr.sum():.0f}")
    share = _capped_shares(float(total), w, cap_arr)
    out = np.floor(share).astype(np.int64)  # never above the share, so never above the total
    rest = int(total - out.sum())
    if rest > 0:
        frac = share - out
        frac[out >= cap_arr] = -1.0
        order = np.lexsort((np.arange(n), -frac))
        out[order[:rest]] += 1
    return out


def _capped_shares(total: float, w: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Real shares proportional to ``w`` with caps (water-filling)."""
    share = np.zeros(len(w))
    free = np.ones(len(w), dtype=bool)
    remaining = total
    for _ in range(len(w) + 1):
        if remaining <= 0 or not free.any() or w[free].sum() <= 0:
            break
        trial = remaining * w[free] / w[free].sum()
        over = trial >= cap[free]
        idx = np.flatnonzero(free)
        if not over.any():
            share[idx] = trial
            break
        share[idx[over]] = cap[idx[over]]
        remaining -= cap[idx[over]].sum()
        free[idx[over]] = False
    return share


def _solve(f, target: float, lo: float, hi: float, iters: int = 100) -> float:
    """Bisection for an increasing ``f``: the x in [lo, hi] with f(x) = target."""
    for _ in range(iters):
        mid = (lo + hi) / 2
        if f(mid) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


# ---------------------------------------------------------------- the model


def _province_frame(v: gpd.GeoDataFrame, cal: Calibration, coast_m: pd.Series,
                    rng: np.random.Generator) -> pd.DataFrame:
    n = len(v)
    kind = v["kind"].to_numpy()
    area = np.maximum(v["area_km2"].to_numpy(dtype=float), 0.01)
    regency = v["regency_code"].to_numpy()
    district = v["district_code"].to_numpy()
    centre_codes = WAGE_CENTRES.get(cal.province, ())
    centre = np.array([int(r.split(".")[1]) >= CITY_REGENCY_MIN or r in centre_codes
                       or d in centre_codes for r, d in zip(regency, district)])

    def noise(sigma: float = NOISE_SIGMA) -> np.ndarray:
        return rng.lognormal(0.0, sigma, n)

    def per_kind(table: dict[str, float]) -> np.ndarray:
        return np.array([table.get(k, table["other"]) for k in kind])

    nonfarm_w = area ** NONFARM_AREA_EXP * per_kind(NONFARM_DENSITY) \
        * np.where(centre, CENTRE_DENSITY, 1.0) * noise()
    farm_w = area ** FARM_AREA_EXP * per_kind(FARM_KIND) * np.where(centre, CENTRE_FARM, 1.0) * noise()
    coast = coast_m.to_numpy(dtype=float)
    coastal = coast >= COAST_MIN_M
    fish_w = np.where(coastal, (coast / 1000.0) ** COAST_EXP, 0.0) * noise(0.5)
    fish_w = fish_w + fishing_centre_weight(v, coastal, cal.province, fish_w, rng.spawn(1)[0])

    # Farmers: per regency from published holdings, the rest by farm weight.
    farmers = np.zeros(n, dtype=np.int64)
    regencies = sorted(set(regency))
    if cal.holdings_total:
        total = round(cal.holdings_total * FARMERS_PER_HOLDING)
        fixed = {r: round(cal.holdings[r] * FARMERS_PER_HOLDING) for r in regencies if r in cal.holdings}
        free = [r for r in regencies if r not in fixed]
        free_w = np.array([farm_w[regency == r].sum() for r in free])
        free_tot = allocate(total - sum(fixed.values()), free_w) if free else []
        per_regency = {**fixed, **dict(zip(free, (int(x) for x in free_tot)))}
        for r in regencies:
            m = regency == r
            farmers[m] = allocate(per_regency[r], farm_w[m])
    else:
        farmers = allocate(round(cal.farmer_share * cal.workers), farm_w)

    fishers = allocate(cal.fishers if fish_w.sum() > 0 else 0, fish_w)
    nonfarm = allocate(cal.workers - int(farmers.sum()) - int(fishers.sum()), nonfarm_w)

    cust_w = nonfarm * np.where(kind == "desa", CUSTOMARY_DESA, 1.0) * noise(0.2)
    customary = allocate(min(cal.customary, int(nonfarm.sum())), cust_w, cap=nonfarm)
    rest = nonfarm - customary

    base = np.where(centre, WAGE_CENTRE_BASE, per_kind(WAGE_BASE)) * noise(0.15)
    wage_target = min(round(cal.wage_share * cal.workers), int(WAGE_MAX * rest.sum()))
    lam = _solve(lambda x: float((np.minimum(x * base, WAGE_MAX) * rest).sum()), wage_target, 0.0, 50.0)
    wage_share = np.minimum(lam * base, WAGE_MAX)
    wage = allocate(wage_target, wage_share * rest, cap=rest)
    rest = rest - wage
    trader_share = np.clip(TRADER_SHARE * np.where(centre | (kind == "kelurahan"), 1.2, 1.0)
                           * noise(0.2), 0.2, 0.8)
    trader = np.minimum(np.round(trader_share * rest).astype(np.int64), rest)
    other = rest - trader

    workers = {"wage": wage, "farmer": farmers, "fisher": fishers, "trader": trader,
               "customary": customary, "other": other}
    total_workers = sum(workers.values())

    covered = _covered(v, cal, workers, total_workers, regency, rng)
    out = pd.DataFrame({"code": v["code"].to_numpy(), "name": v["name"].to_numpy(),
                        "workers": total_workers, "covered": sum(covered.values())})
    for s in SEGMENTS:
        out[f"workers_{s}"] = workers[s]
        out[f"covered_{s}"] = covered[s]
    return out


def fishing_centres(v: gpd.GeoDataFrame, coastal: np.ndarray, province: str) -> list[str]:
    """Codes of the villages at the centre of the province's invented fishing centres.

    ``FISHING_CENTRES`` where the province has them (those present and coastal); otherwise one
    centre per ``COASTAL_PER_CENTRE`` coastal villages (2 to 8), drawn from the coastal
    villages with a generator of their own (seeded by the province, so the rest of the demo
    draws the same numbers), each at least ``CENTRE_SPACING_KM`` from the others.
    """
    codes_ = v["code"].to_numpy()
    known = [c for c in FISHING_CENTRES.get(province, ()) if c in set(codes_[coastal])]
    if known or not coastal.any():
        return known
    points = _points_km(v)
    want = int(np.clip(round(coastal.sum() / COASTAL_PER_CENTRE), 2, 8))
    rng = np.random.default_rng([int(province), 7])
    chosen: list[int] = []
    for i in rng.permutation(np.flatnonzero(coastal)):
        if all(np.hypot(*(points[i] - points[j])) >= CENTRE_SPACING_KM for j in chosen):
            chosen.append(int(i))
        if len(chosen) == want:
            break
    return [codes_[i] for i in sorted(chosen)]


def _points_km(v: gpd.GeoDataFrame) -> np.ndarray:
    """An inner point of each village in km (UTM); NaN for a village without geometry."""
    points = np.asarray(v.geometry.representative_point().to_crs(v.estimate_utm_crs()).values)
    out = np.full((len(points), 2), np.nan)
    ok = ~(shapely.is_missing(points) | shapely.is_empty(points))
    out[ok] = shapely.get_coordinates(points[ok])
    return out / 1000.0


def fishing_centre_weight(v: gpd.GeoDataFrame, coastal: np.ndarray, province: str, base: np.ndarray,
                          rng: np.random.Generator) -> np.ndarray:
    """The weight a fishing centre adds to each coastal village's fisher weight ``base``.

    ``CENTRE_WEIGHT`` x the mean coastal ``base`` x exp(-(d / ``CENTRE_RADIUS_KM``)^2) x noise,
    d the distance to the nearest centre: every village of the stretch gets many fishers,
    however long its own coast (a port's fishers live in the villages around it).
    """
    centres = fishing_centres(v, coastal, province)
    if not centres or not coastal.any():
        return np.zeros(len(v))
    points = _points_km(v)
    at = points[np.flatnonzero(v["code"].isin(centres).to_numpy())]
    d = np.sqrt(((points[:, None, :] - at[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
    lift = CENTRE_WEIGHT * float(base[coastal].mean()) * np.nan_to_num(np.exp(-((d / CENTRE_RADIUS_KM) ** 2)))
    return np.where(coastal, lift * rng.lognormal(0.0, CENTRE_NOISE, len(v)), 0.0)


def regency_rates(cal: Calibration, workers: pd.Series, wage_share: pd.Series,
                  rng: np.random.Generator) -> dict[str, float]:
    """Rates (%) per regency at the latest date: published anchors, invented others, shifted.

    ``workers`` and ``wage_share`` are per regency code. The invented rates lie strictly
    between the lowest and highest anchor, and all are chosen so that the workers-weighted
    mean is the province's rate at the anchors' date; then every rate is shifted by the
    province's change since that date.
    """
    regencies = list(workers.index)
    anchors = {r: v for r, v in cal.anchors.items() if r in workers.index}
    if len(anchors) >= 2:
        lo, hi = min(anchors.values()), max(anchors.values())
    else:
        lo, hi = cal.anchor_province_rate - GENERIC_SPREAD_PP, cal.anchor_province_rate + GENERIC_SPREAD_PP
        for a in anchors.values():
            lo, hi = min(lo, a - 1.0), max(hi, a + 1.0)
    free = [r for r in regencies if r not in anchors]
    rank = wage_share.loc[free].rank(pct=True).to_numpy() if free else np.array([])
    raw = lo + (hi - lo) * (0.2 + 0.6 * rank) + rng.normal(0.0, 0.04 * (hi - lo), len(free))
    margin = 0.02 * (hi - lo)

    def mean_with(delta: float) -> float:
        rates = {**anchors, **dict(zip(free, np.clip(raw + delta, lo + margin, hi - margin)))}
        return sum(rates[r] * workers[r] for r in regencies) / workers.sum()

    delta = _solve(mean_with, cal.anchor_province_rate, -(hi - lo), hi - lo) if free else 0.0
    rates = {**anchors, **dict(zip(free, np.clip(raw + delta, lo + margin, hi - margin)))}
    shift = cal.rate - cal.anchor_province_rate
    return {r: float(rates[r] + shift) for r in regencies}


def _covered(v: gpd.GeoDataFrame, cal: Calibration, workers: dict[str, np.ndarray],
             total_workers: np.ndarray, regency: np.ndarray,
             rng: np.random.Generator) -> dict[str, np.ndarray]:
    n = len(v)
    w_by_reg = pd.Series(total_workers).groupby(regency).sum()
    wage_by_reg = pd.Series(workers["wage"]).groupby(regency).sum() / w_by_reg.where(w_by_reg > 0)
    rates = regency_rates(cal, w_by_reg, wage_by_reg.fillna(0.0), rng)

    covered = {s: np.zeros(n, dtype=np.int64) for s in SEGMENTS}
    fixed_customary = cal.customary_covered is not None
    if fixed_customary:
        target = min(cal.customary_covered, int(workers["customary"].sum()))
        covered["customary"] = allocate(target, workers["customary"].astype(float),
                                        cap=workers["customary"])
    segs = [s for s in SEGMENTS if not (fixed_customary and s == "customary")]
    propensity = {s: (cal.wage_to_nonwage if s == "wage" else NON_WAGE_FACTOR[s])
                  * rng.lognormal(0.0, 0.25, n) for s in segs}
    for r, rate in rates.items():
        m = np.flatnonzero(regency == r)
        target = round(rate / 100.0 * int(total_workers[m].sum())) - int(covered["customary"][m].sum())
        cap = np.concatenate([workers[s][m] for s in segs]).astype(float)
        p = np.concatenate([propensity[s][m] for s in segs])
        target = max(0, min(target, int(cap.sum())))
        lam = _solve(lambda x: float(np.minimum(x * p * cap, cap).sum()), target, 0.0, 1e3)
        share = np.minimum(lam * p * cap, cap)
        cells = allocate(target, share, cap=cap.astype(np.int64))
        for i, s in enumerate(segs):
            covered[s][m] = cells[i * len(m):(i + 1) * len(m)]
    return covered


def demo_figures(bset: BoundarySet, seed: int = DEFAULT_SEED) -> Figures:
    """The synthetic village figures of every province in ``bset`` (deterministic per seed)."""
    villages = bset.full["village"]
    outline = land_outline(villages) if len(villages) else None
    frames, notes = [], [f"Synthetic demo data (seed {seed}): invented village figures "
                         "calibrated to published totals; not real data."]
    for province in bset.provinces:
        v = villages[villages["province_code"] == province].sort_values("code").reset_index(drop=True)
        if v.empty:
            continue
        cal = calibration(province, len(v))
        coast = coast_length_m(v, outline=outline)
        rng = np.random.default_rng([seed, int(province)])
        frames.append(_province_frame(v, cal, coast, rng))
        if cal.published:
            notes.append(f"Province {province}: calibrated to published figures "
                         f"(coverage {cal.rate:.2f} %, {cal.workers:,} workers); see geo.reference.")
        else:
            notes.append(f"Province {province}: no published figures; generic invented "
                         f"parameters (coverage {cal.rate:.0f} %).")
    if frames:
        data = pd.concat(frames, ignore_index=True)
    else:
        data = pd.DataFrame({"code": pd.Series(dtype=str), "name": pd.Series(dtype=str)})
    for col in COUNT_COLUMNS:
        data[col] = pd.array(data[col] if col in data else [], dtype="Int64")
    data = data[["code", "name", *COUNT_COLUMNS]]
    return Figures(data=data, level="village", source=SOURCE, synthetic=True, period=PERIOD,
                   notes=notes)


def _cache_key(bset: BoundarySet, seed: int, cache_dir: Path) -> str | None:
    """What the demo depends on: this module's code, the seed, each province's boundary cache
    (its manifest: inputs and build parameters). None when a manifest is missing."""
    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update(f"{seed}|{','.join(bset.provinces)}".encode())
    for province in bset.provinces:
        manifest = cache_dir / province / "manifest.json"
        if not manifest.is_file():
            return None
        h.update(manifest.read_bytes())
    return h.hexdigest()[:24]


def cached_demo_figures(bset: BoundarySet, seed: int = DEFAULT_SEED,
                        cache_dir: Path | None = None) -> Figures:
    """:func:`demo_figures`, kept on disk beside the boundary cache (the set-up prepares the
    region's; the region's demo took 16-25 s to compute, reading it back takes a fraction of a
    second). The key covers the code and the boundaries, so a change recomputes it."""
    from geo.boundaries.cache import DEFAULT_CACHE
    cache_dir = DEFAULT_CACHE if cache_dir is None else cache_dir
    key = _cache_key(bset, seed, cache_dir)
    if key is None:
        return demo_figures(bset, seed)
    path = cache_dir / "demo" / f"{key}.parquet"
    if path.is_file():
        try:
            data = pd.read_parquet(path)
            notes = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            return Figures(data=data, level="village", source=SOURCE, synthetic=True, period=PERIOD, notes=notes)
        except (OSError, ValueError):  # a partial or damaged file: compute it again
            pass
    fig = demo_figures(bset, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    fig.data.to_parquet(tmp, index=False)
    path.with_suffix(".json").write_text(json.dumps(fig.notes), encoding="utf-8")
    os.replace(tmp, path)
    return fig


def summary(fig: Figures) -> dict:
    """Province, regency and segment totals of a figures frame (for the CLI and checks)."""
    df = fig.data
    reg = df.assign(regency=df["code"].map(lambda c: codes.ancestor_at(c, "regency")))
    sums = reg.groupby("regency")[["workers", "covered"]].sum()
    out = {"villages": int(len(df)), "workers": int(df["workers"].sum()),
           "covered": int(df["covered"].sum())}
    out["coverage_rate"] = round(100.0 * out["covered"] / out["workers"], 3) if out["workers"] else None
    out["regency_coverage_rate"] = {r: round(100.0 * float(c) / float(w), 2)
                                    for r, (w, c) in sums.iterrows() if w}
    out["segments"] = {s: {"workers": int(df[f"workers_{s}"].sum()),
                           "covered": int(df[f"covered_{s}"].sum())} for s in SEGMENTS}
    return out


__all__ = ["DEFAULT_SEED", "PERIOD", "Calibration", "calibration", "land_outline", "coast_length_m", "allocate",
           "fishing_centres", "fishing_centre_weight", "regency_rates", "demo_figures", "cached_demo_figures", "summary"]
