"""Where uncovered workers cluster: global and local spatial statistics, honestly qualified.

A cluster here is a statistical finding, not a dark patch on a choropleth:

- **Global Moran's I** first (is there clustering at all?), with a permutation p-value.
- **Local Moran's I** with conditional permutations: each village is high-high (a high value
  among high neighbours), low-low, high-low, low-high or not significant. Getis-Ord **Gi***
  (hot and cold spots) is the alternative statistic.
- **p-values**: esda 2.9.0 returns *directed* (one-sided, folded) pseudo p-values for local
  statistics (esda issue 199): the share of permutations at least as extreme *in the
  direction observed*. We double them and cap at 1, a two-sided test, so that 5 % of the
  areas come out significant at 0.05 on random data (the folded value gives about 10 %).
  The global Moran p-value is doubled the same way. With 999 permutations the smallest
  p-value is 2/1000.
- **Multiple testing**: with hundreds of villages, 5 % are significant by chance; the
  Benjamini-Hochberg false discovery rate (on by default) controls that. An area is
  significant when its FDR-adjusted p-value is at most alpha.
- **Stability**: the label of each village is recomputed with the other weights (queen, rook,
  k nearest) and other seeds; a village is *stable* when all runs agree, so outreach teams
  can prefer robust clusters.
- **Refusals**: fewer than ``MIN_AREAS`` areas with values, a constant variable, or no values
  at all raise :class:`Refusal`, whose ``key`` the page and the command line translate.

Statistics only: nothing here draws (see ``geo.clustermap``), and nothing imports Streamlit.
"""
from __future__ import annotations

import math
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from esda.smoothing import Empirical_Bayes
from scipy import stats

from geo.analysis import indicators
from geo.analysis import weights as wts
from geo.core import i18n, schema

MEASURES: tuple[str, ...] = ("count", "density", "share")
STATISTICS: tuple[str, ...] = ("moran", "gi")
SEGMENTS: tuple[str, ...] = ("vulnerable", "farmer", "fisher")
HH, LL, HL, LH, NS = "high-high", "low-low", "high-low", "low-high", "not significant"
MORAN_LABELS: tuple[str, ...] = (HH, LL, HL, LH, NS)
HOT, COLD = "hot spot", "cold spot"
GI_LABELS: tuple[str, ...] = (HOT, COLD, NS)
# esda's quadrants (geoda_quads=False): 1 HH, 2 LH, 3 LL, 4 HL
_QUADRANT = {1: HH, 2: LH, 3: LL, 4: HL}
MIN_AREAS = 30
ALPHAS: tuple[float, ...] = (0.05, 0.01)
STABILITY_SEEDS = 3  # the chosen seed and the next two


@dataclass(frozen=True)
class Settings:
    """Everything that decides a result (and keys its cache)."""

    segment: str = "vulnerable"
    measure: str = "count"
    smooth: bool = True  # share only: empirical-Bayes rates for small denominators
    weights: str = wts.DEFAULT_KIND
    k: int = wts.DEFAULT_K
    alpha: float = 0.05
    fdr: bool = True
    seed: int = 12345
    permutations: int = 999
    statistic: str = "moran"
    stability: bool = True

    def checked(self) -> "Settings":
        """Raise ValueError naming the first setting out of range."""
        if self.segment not in schema.SEGMENT_CHOICES:
            raise ValueError(f"unknown segment {self.segment!r}; choose from {', '.join(schema.SEGMENT_CHOICES)}")
        if self.measure not in MEASURES:
            raise ValueError(f"unknown measure {self.measure!r}; choose from {', '.join(MEASURES)}")
        if self.weights not in wts.KINDS:
            raise ValueError(f"unknown weights {self.weights!r}; choose from {', '.join(wts.KINDS)}")
        if self.statistic not in STATISTICS:
            raise ValueError(f"unknown statistic {self.statistic!r}; choose from {', '.join(STATISTICS)}")
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha must be between 0 and 1, not {self.alpha}")
        if not 99 <= self.permutations <= 99_999:
            raise ValueError(f"permutations must be between 99 and 99999, not {self.permutations}")
        if not 1 <= self.k <= 30:
            raise ValueError(f"k must be between 1 and 30, not {self.k}")
        if not 0 <= self.seed < 2**32:
            raise ValueError(f"seed must be between 0 and {2**32 - 1}, not {self.seed}")
        return self

    @property
    def smoothed(self) -> bool:
        return self.measure == "share" and self.smooth


class Refusal(ValueError):
    """The statistics would mean nothing here; ``key`` and ``values`` make the message."""

    def __init__(self, key: str, **values: object):
        self.key, self.values = key, values
        super().__init__(i18n.t(key, "en", **values))

    def message(self, lang: str = i18n.DEFAULT_LANG) -> str:
        return i18n.t(self.key, lang, **self.values)


# ---------------------------------------------------------------- the variable


@dataclass
class Variable:
    """The analysed areas (rows with a value and a geometry) and what was left out."""

    frame: gpd.GeoDataFrame  # analysed rows, positions 0..n-1 match the weights
    value: np.ndarray  # what is shown: count, per km², or % (EB-smoothed when asked)
    y: np.ndarray  # what the statistic uses (for smoothed shares: the EB rate)
    uncovered: np.ndarray
    workers: np.ndarray
    excluded: list[str] = field(default_factory=list)


def variable(frame: gpd.GeoDataFrame, settings: Settings) -> Variable:
    """The values of ``settings.measure`` per area; refuses when statistics would mean nothing.

    ``count`` is uncovered people, ``density`` uncovered people per km², ``share`` the
    uncovered % of the segment's workers (empirical-Bayes-smoothed towards the overall share
    when ``smooth``, so a village of 3 fishers with 3 uncovered is not "100 %"). Areas
    without a value (no figures, no workers for a share) or without geometry are left out
    and listed in ``excluded``.
    """
    workers, covered = indicators.counts(frame, settings.segment)
    uncovered = (workers - covered).to_numpy(dtype=float)
    workers = workers.to_numpy(dtype=float)
    if settings.measure == "count":
        value = uncovered.copy()
    elif settings.measure == "density":
        area = pd.to_numeric(frame["area_km2"], errors="coerce").to_numpy(dtype=float)
        value = np.where(area > 0, uncovered / np.where(area > 0, area, 1), np.nan)
    else:
        value = np.where(workers > 0, 100.0 * uncovered / np.where(workers > 0, workers, 1), np.nan)
    geom = np.asarray(frame.geometry.values)
    has_geom = ~(shapely.is_missing(geom) | shapely.is_empty(geom))
    ok = np.isfinite(value) & has_geom
    if not np.isfinite(value).any():
        raise Refusal("cl_refuse_all_missing")
    excluded = frame["code"].to_numpy()[~ok].tolist()
    if ok.sum() < MIN_AREAS:
        raise Refusal("cl_refuse_too_few", n=int(ok.sum()), min=MIN_AREAS)
    sub = frame[ok].reset_index(drop=True)
    value, unc, wk = value[ok], uncovered[ok], workers[ok]
    y = value
    if settings.smoothed:
        y = np.asarray(Empirical_Bayes(unc, wk).r, dtype=float).ravel()
        value = 100.0 * y
    if np.nanmax(y) - np.nanmin(y) <= 1e-12 * max(1.0, abs(np.nanmax(y))):
        raise Refusal("cl_refuse_constant", value=f"{float(value[0]):g}")
    return Variable(frame=sub, value=value, y=y, uncovered=unc, workers=wk, excluded=excluded)


# ---------------------------------------------------------------- statistics


@contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """esda draws from numpy's global generator: seed it, and restore it afterwards."""
    saved = np.random.get_state()
    np.random.seed(seed)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # esda's deprecation notice on 'alternative'
            yield
    finally:
        np.random.set_state(saved)


def two_sided(p_directed: np.ndarray | float, permutations: int) -> np.ndarray:
    """esda's directed (folded one-sided) pseudo p-value, doubled and capped at 1.

    esda keeps local p-values in float32 (0.001 becomes 0.0010000000475), so they are first
    snapped back to their exact value, (count + 1) / (permutations + 1); otherwise the
    smallest p-value would fail a test at exactly 2/1000.
    """
    scale = permutations + 1
    exact = np.rint(np.asarray(p_directed, dtype=float) * scale) / scale
    return np.minimum(1.0, 2.0 * exact)


def global_moran(var: Variable, w, settings: Settings) -> dict:
    """Moran's I of the whole map with its two-sided permutation p-value."""
    with _seeded(settings.seed):
        if settings.smoothed:
            m = esda.Moran_Rate(var.uncovered, var.workers, w, adjusted=True,
                                permutations=settings.permutations)
        else:
            m = esda.Moran(var.y, w, permutations=settings.permutations)
    return {"moran_i": float(m.I), "moran_expected": float(m.EI),
            "moran_p": float(two_sided(m.p_sim, settings.permutations)), "moran_z": float(m.z_sim)}


def local_labels(var: Variable, w, settings: Settings, seed: int | None = None) -> pd.DataFrame:
    """Local statistic, two-sided p-value, FDR-adjusted p-value and label per area (row order)."""
    seed = settings.seed if seed is None else seed
    with _seeded(seed):
        if settings.statistic == "gi":
            g = esda.G_Local(var.y, w, transform="R", star=True, permutations=settings.permutations,
                             keep_simulations=False, seed=seed)
            stat, p = np.asarray(g.Zs, dtype=float), two_sided(g.p_sim, settings.permutations)
            side = np.where(stat > 0, HOT, COLD)
        elif settings.smoothed:
            lm = esda.Moran_Local_Rate(var.uncovered, var.workers, w, adjusted=True,
                                       permutations=settings.permutations, keep_simulations=False, seed=seed)
            stat, p, side = lm.Is, two_sided(lm.p_sim, settings.permutations), np.vectorize(_QUADRANT.get)(lm.q)
        else:
            lm = esda.Moran_Local(var.y, w, permutations=settings.permutations, keep_simulations=False,
                                  seed=seed)
            stat, p, side = lm.Is, two_sided(lm.p_sim, settings.permutations), np.vectorize(_QUADRANT.get)(lm.q)
    q = stats.false_discovery_control(p, method="bh") if len(p) else p
    decisive = q if settings.fdr else p
    significant = decisive <= settings.alpha
    return pd.DataFrame({"stat": np.asarray(stat, dtype=float), "p": p, "q": q,
                         "significant": significant, "label": np.where(significant, side, NS)})


def fdr_floor(n: int, alpha: float, permutations: int) -> int:
    """How many areas must reach the smallest possible p-value for the FDR to find any.

    Benjamini-Hochberg rejects the m smallest p-values when the m-th is at most m·alpha/n;
    permutation p-values cannot go below 2/(permutations + 1), so with 999 permutations and
    716 villages at 0.05 at least 29 villages must be that extreme. Shown on the page when the
    correction leaves nothing, so that "no cluster" is not mistaken for "no clustering".
    """
    return int(math.ceil(round(2.0 / (permutations + 1) * n / alpha, 9)))


# ---------------------------------------------------------------- the whole analysis


@dataclass
class Result:
    """One analysis: the per-area table, the global statistic, and how weights were built."""

    settings: Settings
    table: pd.DataFrame
    moran_i: float
    moran_p: float
    moran_expected: float
    weights: dict
    excluded: list[str]
    runs: list[str]

    @property
    def labels(self) -> tuple[str, ...]:
        return GI_LABELS if self.settings.statistic == "gi" else MORAN_LABELS

    def counts(self) -> dict[str, int]:
        vc = self.table["label"].value_counts()
        return {label: int(vc.get(label, 0)) for label in self.labels}

    def high_high(self) -> pd.DataFrame:
        """The high-high (or hot-spot) areas, most uncovered people first."""
        top = HOT if self.settings.statistic == "gi" else HH
        t = self.table[self.table["label"] == top]
        return t.sort_values(["uncovered", "code"], ascending=[False, True])

    def to_json(self) -> dict:
        """The command line's JSON (keys fixed by CONTRACT.md), plus ``smoothed``."""
        s = self.settings
        return {"segment": s.segment, "measure": s.measure, "smoothed": s.smoothed, "seed": s.seed,
                "permutations": s.permutations, "alpha": s.alpha, "fdr": s.fdr, "weights": s.weights,
                "isolates_joined": len(self.weights["joined"]), "moran_i": round(self.moran_i, 6),
                "moran_p": round(self.moran_p, 6), "counts": self.counts(),
                "high_high_codes": sorted(self.high_high()["code"])}


Progress = Callable[[float, str], None]


def stability_runs(settings: Settings) -> list[tuple[str, int]]:
    """(weights, seed) of every run: the chosen one first, then other seeds, then other weights."""
    runs = [(settings.weights, settings.seed + i) for i in range(STABILITY_SEEDS)]
    runs += [(kind, settings.seed) for kind in wts.KINDS if kind != settings.weights]
    return runs if settings.stability else runs[:1]


def weight_kinds(settings: Settings) -> list[str]:
    """The weights an analysis needs, the chosen ones first."""
    return list(dict.fromkeys(kind for kind, _ in stability_runs(settings)))


def weights_report(w: wts.Weights) -> dict:
    return {"kind": w.kind, "k": w.k, "isolates": list(w.isolates), "joined": list(w.joined),
            "groups_joined": w.groups_joined, "links_added": w.links_added, "cross_links": w.cross_links}


def analyse(frame: gpd.GeoDataFrame, settings: Settings = Settings(),
            weights_for: Callable[[gpd.GeoDataFrame, str, int], wts.Weights] | None = None,
            progress: Progress | None = None) -> Result:
    """Global Moran's I, local labels, and their stability across weights and seeds.

    ``weights_for(frame, kind, k)`` builds (or fetches from a cache) the weights of the
    analysed rows; by default :func:`geo.weights.build`. ``progress(fraction, step)`` is
    called between steps (the page shows it). Raises :class:`Refusal` when the statistics
    would mean nothing, ValueError on a bad setting.
    """
    settings = settings.checked()
    weights_for = weights_for or (lambda f, kind, k: wts.build(f, kind, k))
    step = progress or (lambda fraction, name: None)
    var = variable(frame, settings)
    runs = stability_runs(settings)
    total = len(runs) + 2
    step(0.0, "weights")
    built = {settings.weights: weights_for(var.frame, settings.weights, settings.k)}
    main_w = built[settings.weights]
    step(1 / total, "global")
    glob = global_moran(var, main_w.w, settings)
    step(2 / total, "local")
    main = local_labels(var, main_w.w, settings)
    agree = np.ones(len(main), dtype=int)
    for i, (kind, seed) in enumerate(runs[1:], start=1):
        step((2 + i) / total, f"stability {kind} {seed}")
        if kind not in built:
            built[kind] = weights_for(var.frame, kind, settings.k)
        other = local_labels(var, built[kind].w, settings, seed)
        agree += (other["label"].to_numpy() == main["label"].to_numpy())
    step(1.0, "done")
    keep = [c for c in ("code", "name", "kind", "province_code", "regency_code", "district_code")
            if c in var.frame]
    table = var.frame[keep].copy()
    table["value"] = var.value
    table["uncovered"] = var.uncovered
    table["workers"] = var.workers
    for col in main:
        table[col] = main[col].to_numpy()
    table["agree"] = agree
    table["runs"] = len(runs)
    table["stable"] = agree == len(runs)
    return Result(settings=settings, table=table.reset_index(drop=True), moran_i=glob["moran_i"],
                  moran_p=glob["moran_p"], moran_expected=glob["moran_expected"],
                  weights=weights_report(main_w), excluded=var.excluded,
                  runs=[f"{kind} seed {seed}" for kind, seed in runs])
