"""Clusters of change: differential local Moran between two periods, and emerging hot spots of
uncovered workers over several periods (Gi* per period with a Mann-Kendall trend).

- **Differential local Moran** (GeoDa's "differential Moran"): local Moran's I of the change
  of a variable between two periods (y_after - y_before) per area: high-high is a cluster of
  areas that rose together, low-low a cluster of areas that fell together (for the coverage
  rate: where coverage fell, the places to look at). The quadrant is esda's; significance is
  the tie-aware two-sided conditional-permutation test of :mod:`geo.analysis.clusters`, with
  the Benjamini-Hochberg FDR on by default (changes of counts have many exact zeros and ties).
- **Emerging hot spots** (ArcGIS "Emerging Hot Spot Analysis", R sfdep ``emerging_hotspot_analysis``):
  for each period, Gi* of the uncovered workers of a segment with the same tie-aware
  permutation p-values (FDR within each period); per area, the Mann-Kendall trend of its Gi*
  z-scores over the periods (with the ties correction of the variance); then one category per
  area, as ArcGIS defines them (hot shown; cold spots mirror them):

  - *new*: hot in the last period, never before;
  - *consecutive*: one uninterrupted run of at least two hot periods at the end, never hot
    before it, and fewer than 90 % of periods hot;
  - *intensifying* / *persistent* / *diminishing*: hot in at least 90 % of periods including
    the last, with a significant upward / no significant / a significant downward trend;
  - *sporadic*: hot in the last period, on and off before, fewer than 90 % hot, never cold;
  - *oscillating*: hot in the last period, cold in some earlier one, fewer than 90 % hot;
  - *historical*: not hot in the last period, but hot in at least 90 % of periods;
  - *no pattern*: none of these.

  ArcGIS advises at least 10 periods; the trend test cannot reach 0.05 with fewer than 5, so
  fewer than ``MIN_PERIODS`` are refused.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import stats

from geo.analysis import clusters, indicators
from geo.analysis import weights as wts

VARIABLES: tuple[str, ...] = ("rate", "uncovered")  # differential Moran of: coverage rate (pp) or uncovered count
MIN_PERIODS = 6
SHARE_HOT = 0.9
NO_PATTERN = "no pattern"
PATTERNS: tuple[str, ...] = ("new", "consecutive", "intensifying", "persistent", "diminishing", "sporadic",
                             "oscillating", "historical")
CATEGORIES: tuple[str, ...] = tuple(f"{p} hot spot" for p in PATTERNS) + \
    tuple(f"{p} cold spot" for p in PATTERNS) + (NO_PATTERN,)


# ---------------------------------------------------------------- Mann-Kendall


@dataclass(frozen=True)
class MannKendall:
    s: float
    var_s: float
    z: float
    p: float
    tau: float

    def trend(self, alpha: float = 0.05) -> str:
        """``increasing``, ``decreasing`` or ``no trend`` at ``alpha`` (two-sided)."""
        if self.p <= alpha:
            return "increasing" if self.s > 0 else "decreasing"
        return "no trend"


def mann_kendall(x) -> MannKendall:
    """The Mann-Kendall trend test of a series in time order, with the ties correction.

    S = sum_{i<j} sign(x_j - x_i); Var(S) = [n(n-1)(2n+5) - sum_t t(t-1)(2t+5)] / 18 over the
    groups of t tied values; z = (S - sign(S)) / sqrt(Var S) (continuity correction); two-sided
    p = 2 (1 - Phi(|z|)); Kendall's tau = S / (n(n-1)/2). NaNs are dropped. A series with fewer
    than 3 values, or all tied, has S = 0 and p = 1.
    """
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n < 3:
        return MannKendall(0.0, 0.0, 0.0, 1.0, 0.0)
    d = np.sign(x[None, :] - x[:, None])
    s = float(np.triu(d, 1).sum())
    _, t = np.unique(x, return_counts=True)
    var = (n * (n - 1) * (2 * n + 5) - float((t * (t - 1) * (2 * t + 5)).sum())) / 18.0
    if var <= 0:
        return MannKendall(s, 0.0, 0.0, 1.0, 0.0)
    z = (s - math.copysign(1.0, s)) / math.sqrt(var) if s != 0 else 0.0
    p = float(2 * stats.norm.sf(abs(z)))
    return MannKendall(s, var, z, min(1.0, p), s / (n * (n - 1) / 2))


# ---------------------------------------------------------------- differential local Moran


@dataclass
class Differential:
    """Differential local Moran: per area the change, its label, p and FDR-adjusted p."""

    table: pd.DataFrame  # code, name, ..., change, stat, p, q, significant, label
    variable: str
    segment: str
    moran_i: float
    alpha: float
    fdr: bool
    excluded: list[str]

    def counts(self) -> dict[str, int]:
        vc = self.table["label"].value_counts()
        return {lb: int(vc.get(lb, 0)) for lb in clusters.MORAN_LABELS}


def change_values(before: pd.DataFrame, after: pd.DataFrame, variable: str = "rate",
                  segment: str = "all") -> pd.Series:
    """Per code of ``after``: the change of the coverage rate (pp) or of the uncovered count."""
    if variable not in VARIABLES:
        raise ValueError(f"unknown variable {variable!r}; choose from {', '.join(VARIABLES)}")
    name = "coverage_rate" if variable == "rate" else "uncovered"
    a = indicators.indicator(after, name, segment).to_numpy(dtype=float)
    b = pd.Series(indicators.indicator(before, name, segment).to_numpy(dtype=float),
                  index=before["code"].to_numpy()).reindex(after["code"]).to_numpy()
    return pd.Series(a - b, index=after["code"].to_numpy())


def differential_moran(before: pd.DataFrame, after: gpd.GeoDataFrame, variable: str = "rate",
                       segment: str = "all", weights: str = wts.DEFAULT_KIND, k: int = wts.DEFAULT_K,
                       alpha: float = 0.05, fdr: bool = True, seed: int = 12345,
                       permutations: int = 999, w: wts.Weights | None = None) -> Differential:
    """Local Moran's I of the change between ``before`` and ``after`` (``after`` has geometry).

    Areas without a change (figures missing in a period, no workers) are left out and listed in
    ``excluded``; ``w`` (weights of the analysed rows, in their order) may be given by a cache.
    Raises :class:`geo.analysis.clusters.Refusal` for fewer than ``clusters.MIN_AREAS`` areas
    or a change that is the same everywhere.
    """
    delta = change_values(before, after, variable, segment)
    geom = np.asarray(after.geometry.values)
    import shapely
    ok = np.isfinite(delta.to_numpy()) & ~(shapely.is_missing(geom) | shapely.is_empty(geom))
    if ok.sum() < clusters.MIN_AREAS:
        raise clusters.Refusal("cl_refuse_too_few", n=int(ok.sum()), min=clusters.MIN_AREAS)
    y = delta.to_numpy()[ok]
    if y.max() - y.min() <= 1e-12 * max(1.0, abs(y.max())):
        raise clusters.Refusal("cl_refuse_constant", value=f"{float(y[0]):g}")
    sub = after[ok].reset_index(drop=True)
    w = w or wts.build(sub, weights, k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lm = esda.Moran_Local(y, w.w, permutations=0, keep_simulations=False)
        gm = esda.Moran(y, w.w, permutations=0)
    constant = np.abs(y - y.mean()) <= clusters.TIE_RTOL * (y.max() - y.min())
    test = clusters.permutation_test(y, w.w, permutations, seed, alpha, fdr, constant)
    q = clusters.bh(test.p)
    significant = (q if fdr else test.p) <= alpha
    side = np.vectorize(clusters._QUADRANT.get, otypes=[object])(lm.q)
    keep = [c for c in ("code", "name", "kind", "regency_code", "district_code") if c in sub]
    table = pd.DataFrame(sub[keep]).copy()
    table["change"] = y
    table["stat"] = np.asarray(lm.Is, dtype=float)
    table["p"], table["q"], table["significant"] = test.p, q, significant
    table["label"] = np.where(significant, side, clusters.NS)
    return Differential(table=table.reset_index(drop=True), variable=variable, segment=segment,
                        moran_i=float(gm.I), alpha=alpha, fdr=fdr,
                        excluded=after["code"][~ok].tolist())


# ---------------------------------------------------------------- emerging hot spots


@dataclass
class Emerging:
    """Emerging hot spots: per area its category, trend and hot/cold periods."""

    table: pd.DataFrame  # code, name, ..., category, tau, trend_p, hot, cold, last_z
    periods: list[str]
    segment: str
    alpha: float
    z: pd.DataFrame  # Gi* z per area (rows) and period (columns)
    labels: pd.DataFrame  # "hot"/"cold"/"" per area and period

    def counts(self) -> dict[str, int]:
        vc = self.table["category"].value_counts()
        return {c: int(vc.get(c, 0)) for c in CATEGORIES}


def classify_series(hot: np.ndarray, cold: np.ndarray, trend: str) -> str:
    """One area's category from its hot/cold flags per period (time order) and the trend of its
    Gi* z-scores (``increasing``/``decreasing``/``no trend``). Cold spots mirror hot ones, with
    the trend reversed (a cold spot intensifies as its z-score falls)."""
    for flags, other, kind, up in ((hot, cold, "hot spot", "increasing"), (cold, hot, "cold spot", "decreasing")):
        flags, other = np.asarray(flags, bool), np.asarray(other, bool)
        n = len(flags)
        share = flags.sum() / n if n else 0.0
        if not flags.any():
            continue
        if flags[-1]:
            before_last = flags[:-1]
            if not before_last.any():
                return f"new {kind}"
            run = n - (np.flatnonzero(~flags).max() + 1) if (~flags).any() else n
            if share < SHARE_HOT and run >= 2 and not flags[: n - run].any():
                return f"consecutive {kind}"
            if share >= SHARE_HOT:
                if trend == up:
                    return f"intensifying {kind}"
                if trend == "no trend":
                    return f"persistent {kind}"
                return f"diminishing {kind}"
            if other[:-1].any():
                return f"oscillating {kind}"
            return f"sporadic {kind}"
        if share >= SHARE_HOT:
            return f"historical {kind}"
    return NO_PATTERN


def emerging_hot_spots(series: list[tuple[str, pd.DataFrame]], geometry: gpd.GeoDataFrame,
                       segment: str = "vulnerable", alpha: float = 0.05, fdr: bool = True,
                       seed: int = 12345, permutations: int = 999, weights: str = wts.DEFAULT_KIND,
                       k: int = wts.DEFAULT_K, w: wts.Weights | None = None,
                       own: bool | None = None) -> Emerging:
    """Emerging hot spots of the uncovered workers of ``segment`` over ``series`` ((period,
    frame) in any order; sorted here). ``geometry`` holds the areas (code, geometry): the areas
    analysed are those with a value in every period. Refuses fewer than ``MIN_PERIODS``.

    ``own`` (default: as the Clusters page, True for fishers) analyses only the areas where the
    segment has workers in some period, each with at least ``k`` neighbours (contiguity plus
    the nearest, as :func:`geo.analysis.clusters.fill_for` does): across all villages the only
    finding for fishers would be "the coast".
    """
    own = (segment in clusters.OWN_VILLAGES_BY_DEFAULT) if own is None else own
    series = sorted(series, key=lambda pf: pf[0])
    if len(series) < MIN_PERIODS:
        raise clusters.Refusal("ch_refuse_periods", n=len(series), min=MIN_PERIODS)
    codes = geometry["code"].to_numpy()
    values = np.vstack([
        pd.Series(indicators.indicator(f, "uncovered", segment).to_numpy(dtype=float),
                  index=f["code"].to_numpy()).reindex(codes).to_numpy() for _, f in series]).T
    import shapely
    geom = np.asarray(geometry.geometry.values)
    ok = np.isfinite(values).all(axis=1) & ~(shapely.is_missing(geom) | shapely.is_empty(geom))
    fill = 0
    if own:
        workers = np.vstack([
            pd.Series(indicators.counts(f, segment)[0].to_numpy(dtype=float),
                      index=f["code"].to_numpy()).reindex(codes).to_numpy() for _, f in series]).T
        present = (np.nan_to_num(workers) > 0).any(axis=1)
        fill = k if (ok & ~present).any() else 0
        ok &= present
    if ok.sum() < clusters.MIN_AREAS:
        raise clusters.Refusal("cl_refuse_too_few", n=int(ok.sum()), min=clusters.MIN_AREAS)
    sub = geometry[ok].reset_index(drop=True)
    y_all = values[ok]
    if w is None:
        land = wts.land_groups(geometry) if fill and clusters.needs_land(geometry, sub) else None
        w = wts.build(sub, weights, k, land=land, fill=fill)
    periods = [p for p, _ in series]
    z = np.full(y_all.shape, np.nan)
    hot = np.zeros(y_all.shape, bool)
    cold = np.zeros(y_all.shape, bool)
    for t in range(len(periods)):
        y = y_all[:, t]
        if y.max() - y.min() <= 1e-12 * max(1.0, abs(y.max())):
            z[:, t] = 0.0
            continue  # the same everywhere in that period: nothing is hot or cold
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = esda.G_Local(y, w.w, transform="R", star=True, permutations=0, keep_simulations=False)
        z[:, t] = np.asarray(g.Zs, dtype=float)
        test = clusters.permutation_test(y, w.w, permutations, seed + t, alpha, fdr)
        sig = (clusters.bh(test.p) if fdr else test.p) <= alpha
        hot[:, t], cold[:, t] = sig & (z[:, t] > 0), sig & (z[:, t] < 0)
    rows = []
    for i in range(len(sub)):
        mk = mann_kendall(z[i])
        rows.append((classify_series(hot[i], cold[i], mk.trend(alpha)), mk.tau, mk.p,
                     int(hot[i].sum()), int(cold[i].sum())))
    keep = [c for c in ("code", "name", "kind", "regency_code", "district_code") if c in sub]
    table = pd.DataFrame(sub[keep]).copy()
    table["category"], table["tau"], table["trend_p"], table["hot"], table["cold"] = zip(*rows)
    table["last_z"] = z[:, -1]
    table["uncovered_last"] = y_all[:, -1]
    table["uncovered_first"] = y_all[:, 0]
    zf = pd.DataFrame(z, index=sub["code"], columns=periods)
    lab = pd.DataFrame(np.where(hot, "hot", np.where(cold, "cold", "")), index=sub["code"], columns=periods)
    return Emerging(table=table.reset_index(drop=True), periods=periods, segment=segment, alpha=alpha, z=zf,
                    labels=lab)
