"""Where uncovered workers cluster: global and local spatial statistics, honestly qualified.

A cluster here is a statistical finding, not a dark patch on a choropleth:

- **Global Moran's I** first (is there clustering at all?), with a permutation p-value.
- **Local Moran's I** with conditional permutations: each village is high-high (a high value
  among high neighbours), low-low, high-low, low-high or not significant. Getis-Ord **Gi***
  (hot and cold spots, with its classical z-score) is the alternative statistic. esda 2.9
  computes the statistics (global Moran and its permutations, local Moran's I_i and
  quadrants, Gi* and its z-score); the local permutation test is ours (see below), because
  esda's pseudo p-value counts only simulated values strictly beyond the observed one.
- **Local p-values** (:func:`permutation_test`): conditional permutation as esda does it: the
  area keeps its value, its k neighbours' values are drawn, without replacement, from the
  other n - 1 areas. With row-standardised weights both local statistics are, for a fixed
  area, monotone functions of the weighted sum of the neighbours' values
  L_i = sum_j w_ij y_j (I_i = z_i / m2 * (L_i - ybar), G*_i = (w_ii y_i + L_i) / sum y), so the
  test is done on L_i, and gives local Moran and Gi* the same p-values. With R_i draws L*:

      p_i = min(1, 2 * (1 + min(#{L* >= L_i - eps_i}, #{L* <= L_i + eps_i})) / (R_i + 1))
      eps_i = 1e-9 * sum_j w_ij * max(max |y|, max y - min y)

  a two-sided test in which a draw equal to the observed value (within eps_i, which absorbs
  the rounding of sums taken in another order) counts as at least as extreme *on both
  sides*. So an area whose draws all equal its observed value (every other area has the
  same value; or, for local Moran, its own value is the mean, so I_i is 0 whatever the
  draw) gets p = 1 and is never significant; a zero village among zero neighbours, where
  most villages are zero, gets a large p-value (all-zero draws tie with it), not the
  smallest one as with esda's. Under the null (the values shuffled at random over the
  areas) P(p_i <= a) <= a for every area: the test is exact or conservative, also on counts
  with many ties.
- **Enough permutations** (adaptive): R0 (999 by default) draws for every area; with the FDR
  on, the areas still at the floor (no draw as extreme: p = 2 / (R + 1)) get more, to the next
  10^j - 1 at which the floor is below their Benjamini-Hochberg threshold, until the FDR
  rejects them or ``MAX_PERMUTATIONS`` is reached (then ``floor_decides``). So the smallest
  reachable p-value never decides the result. One seeded generator: reproducible.
- **Multiple testing**: with hundreds of villages, 5 % are significant by chance; the
  Benjamini-Hochberg false discovery rate (on by default) controls that. An area is
  significant when its FDR-adjusted p-value is at most alpha.
- **The segment's own villages** (``population="segment"``, the default for fishers): a
  segment present in only part of the area is analysed among the villages where it has
  workers, with weights among them: contiguity where they touch, plus the k nearest for a
  village touching fewer than k (coastal villages touch two, a chain too thin for a local
  test), islands joined as everywhere; across all villages the only finding for fishers
  would be "the coast".
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
import libpysal
import numpy as np
import pandas as pd
import shapely
from esda.smoothing import Empirical_Bayes, assuncao_rate
from scipy import stats

from geo.analysis import indicators
from geo.analysis import weights as wts
from geo.core import i18n, schema

MEASURES: tuple[str, ...] = ("count", "density", "share")
STATISTICS: tuple[str, ...] = ("moran", "gi")
SEGMENTS: tuple[str, ...] = ("vulnerable", "farmer", "fisher")
POPULATIONS: tuple[str, ...] = ("all", "segment")
# Segments that live in only part of the area: analysed among their own villages by default.
OWN_VILLAGES_BY_DEFAULT: tuple[str, ...] = ("fisher",)
HH, LL, HL, LH, NS = "high-high", "low-low", "high-low", "low-high", "not significant"
MORAN_LABELS: tuple[str, ...] = (HH, LL, HL, LH, NS)
HOT, COLD = "hot spot", "cold spot"
GI_LABELS: tuple[str, ...] = (HOT, COLD, NS)
# esda's quadrants (geoda_quads=False): 1 HH, 2 LH, 3 LL, 4 HL
_QUADRANT = {1: HH, 2: LH, 3: LL, 4: HL}
LEVELS: tuple[str, ...] = tuple(reversed(schema.LEVELS))  # the finest first: villages are the default
MIN_AREAS = 30
ALPHAS: tuple[float, ...] = (0.05, 0.01)
STABILITY_SEEDS = 3  # the chosen seed and the next two
TIE_RTOL = 1e-9  # ties: equal within this share of the statistic's scale (see the docstring)
MAX_PERMUTATIONS = 9_999_999  # adaptive permutations stop here (then ``floor_decides``)
_BLOCK = 1 << 20  # draws (area x permutation) per vectorised block: ~50 MB at most


@dataclass(frozen=True)
class Settings:
    """Everything that decides a result (and keys its cache).

    ``permutations`` is the number every area gets; with the FDR on, areas at the floor get
    more (adaptive, see :func:`permutation_test`). ``population`` is ``"all"`` (every area
    with a value) or ``"segment"`` (only the areas where the segment has workers); ``None``
    means the segment's default (``"segment"`` for fishers, ``"all"`` otherwise).
    """

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
    population: str | None = None

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
        if self.population is not None and self.population not in POPULATIONS:
            raise ValueError(f"unknown population {self.population!r}; choose from {', '.join(POPULATIONS)}")
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

    @property
    def population_used(self) -> str:
        """``"segment"`` or ``"all"``: the chosen population, or the segment's default."""
        if self.population is not None:
            return self.population
        return "segment" if self.segment in OWN_VILLAGES_BY_DEFAULT else "all"


def default_population(segment: str) -> str:
    """The population a segment is analysed among unless another is chosen."""
    return Settings(segment=segment).population_used


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
    excluded: list[str] = field(default_factory=list)  # no value (no figures, no geometry)
    outside: list[str] = field(default_factory=list)  # figures, but no workers of the segment
    smoothed_y: np.ndarray | None = None  # smoothed shares: esda's rate standardisation (Assunção-Reis)

    @property
    def moran_y(self) -> np.ndarray:
        """What local Moran uses: the values, or for smoothed shares their standardisation
        (as esda's Moran_Rate and Moran_Local_Rate do)."""
        return self.y if self.smoothed_y is None else self.smoothed_y


def variable(frame: gpd.GeoDataFrame, settings: Settings) -> Variable:
    """The values of ``settings.measure`` per area; refuses when statistics would mean nothing.

    ``count`` is uncovered people, ``density`` uncovered people per km², ``share`` the
    uncovered % of the segment's workers (empirical-Bayes-smoothed towards the overall share
    when ``smooth``, so a village of 3 fishers with 3 uncovered is not "100 %"). Areas
    without a value (no figures, no workers for a share) or without geometry are left out
    and listed in ``excluded``; with ``population="segment"`` areas whose figures show no
    worker of the segment are left out too, listed in ``outside``.
    """
    workers, covered = indicators.counts(frame, settings.segment)
    uncovered = (workers - covered).to_numpy(dtype=float)
    workers = workers.to_numpy(dtype=float)
    value = indicators.measured(pd.Series(uncovered, index=frame.index), frame, settings.segment,
                                settings.measure).to_numpy(dtype=float)
    geom = np.asarray(frame.geometry.values)
    has_geom = ~(shapely.is_missing(geom) | shapely.is_empty(geom))
    if not np.isfinite(value).any():
        raise Refusal("cl_refuse_all_missing")
    code = frame["code"].to_numpy()
    own = settings.population_used == "segment"
    has_workers = np.nan_to_num(workers) > 0
    out = (np.isfinite(workers) & ~has_workers & has_geom) if own else np.zeros(len(frame), dtype=bool)
    ok = np.isfinite(value) & has_geom & ~out
    excluded = code[~ok & ~out].tolist()
    if ok.sum() < MIN_AREAS:
        if out.any():
            raise Refusal("cl_refuse_too_few_own", n=int(ok.sum()), min=MIN_AREAS,
                          segment=i18n.t("seg_" + settings.segment, "en"))
        raise Refusal("cl_refuse_too_few", n=int(ok.sum()), min=MIN_AREAS)
    sub = frame[ok].reset_index(drop=True)
    value, unc, wk = value[ok], uncovered[ok], workers[ok]
    y = value
    smoothed_y = None
    if settings.smoothed:
        y = np.asarray(Empirical_Bayes(unc, wk).r, dtype=float).ravel()
        value = 100.0 * y
        smoothed_y = np.asarray(assuncao_rate(unc, wk), dtype=float).ravel()
    if np.nanmax(y) - np.nanmin(y) <= 1e-12 * max(1.0, abs(np.nanmax(y))):
        raise Refusal("cl_refuse_constant", value=f"{float(value[0]):g}")
    return Variable(frame=sub, value=value, y=y, uncovered=unc, workers=wk, excluded=excluded,
                    outside=code[out].tolist(), smoothed_y=smoothed_y)


# ---------------------------------------------------------------- permutation tests


@dataclass
class PermutationTest:
    """Two-sided, tie-aware conditional-permutation p-values (see :func:`permutation_test`)."""

    p: np.ndarray  # per area
    permutations: np.ndarray  # draws per area (adaptive: more for the areas at the floor)
    at_least: np.ndarray  # draws >= the observed value (ties included)
    at_most: np.ndarray  # draws <= the observed value (ties included)
    floor_decides: bool = False  # MAX_PERMUTATIONS reached with floor areas the FDR keeps

    @property
    def permutations_used(self) -> int:
        return int(self.permutations.max()) if len(self.permutations) else 0


def _csr(w):
    """The weights of a libpysal W as a CSR matrix, self-links dropped."""
    m = w.sparse.tocsr().astype(float)
    m.setdiag(0)
    m.eliminate_zeros()
    m.sort_indices()
    return m


def _repeats(d: np.ndarray) -> np.ndarray:
    """Rows (columns of ``d``, shape (k, rows)) in which an index is drawn twice."""
    k = d.shape[0]
    if k > 12:
        s = np.sort(d, axis=0)
        return (s[1:] == s[:-1]).any(axis=0)
    bad = np.zeros(d.shape[1], dtype=bool)
    for a in range(k - 1):
        for b in range(a + 1, k):
            bad |= d[a] == d[b]
    return bad


def _draw(rng: np.random.Generator, others: int, rows: int, k: int) -> np.ndarray:
    """``rows`` uniform ordered samples of ``k`` distinct indices from ``range(others)``, shape (k, rows).

    Drawn with replacement and redrawn where an index repeats (rejection sampling is exact);
    when repeats would be common (k² > others), a sort of random keys instead.
    """
    if k * (k - 1) > others:  # few areas (others < k²): keys of at most _BLOCK numbers at a time
        step = max(1, _BLOCK // others)
        return np.concatenate([np.argsort(rng.random((min(step, rows - s), others)), axis=1)[:, :k]
                               for s in range(0, rows, step)]).T.astype(np.int64)
    d = rng.integers(0, others, (k, rows), dtype=np.int64)
    if k > 1:
        redo = np.flatnonzero(_repeats(d))
        while len(redo):
            d[:, redo] = rng.integers(0, others, (k, len(redo)), dtype=np.int64)
            redo = redo[_repeats(d[:, redo])]
    return d


def _tail_counts(y: np.ndarray, csr: tuple, areas: np.ndarray, draws: int, rng: np.random.Generator,
                 observed: np.ndarray, eps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``areas``: how many of ``draws`` neighbour draws give L* >= L - eps and L* <= L + eps."""
    indptr, _, data = csr
    n = len(y)
    at_least = np.zeros(len(areas), dtype=np.int64)
    at_most = np.zeros(len(areas), dtype=np.int64)
    card = np.diff(indptr)[areas]
    for k in np.unique(card):
        if k == 0:
            continue
        sel = np.flatnonzero(card == k)
        # blocks of whole areas, or of one area's draws when it alone has more than a block
        per = max(1, _BLOCK // max(draws, 1))
        chunks = [(sel[s:s + per], 0, draws) for s in range(0, len(sel), per)] if draws <= _BLOCK else \
            [(sel[s:s + 1], r, min(draws, r + _BLOCK)) for s in range(len(sel)) for r in range(0, draws, _BLOCK)]
        for rows, r0, r1 in chunks:
            a = areas[rows]
            m, r = len(rows), r1 - r0
            d = _draw(rng, n - 1, m * r, int(k))
            own = np.repeat(a, r)
            wk = data[indptr[a][:, None] + np.arange(k)]  # (m, k), the area's weights in some order
            equal = bool(np.all(wk == wk[:, :1]))
            lag = np.zeros(m * r)
            for j in range(k):
                dj = d[j]
                dj += dj >= own  # index among the others -> index among all (skips the area itself)
                lag += y[dj] if equal else y[dj] * np.repeat(wk[:, j], r)
            lag = lag.reshape(m, r)
            if equal:
                lag *= wk[:, :1]
            lo = (observed[a] - eps[a])[:, None]
            hi = (observed[a] + eps[a])[:, None]
            at_least[rows] += (lag >= lo).sum(axis=1)
            at_most[rows] += (lag <= hi).sum(axis=1)
    return at_least, at_most


def _p(at_least: np.ndarray, at_most: np.ndarray, permutations: np.ndarray, never: np.ndarray) -> np.ndarray:
    p = np.minimum(1.0, 2.0 * (np.minimum(at_least, at_most) + 1.0) / (permutations + 1.0))
    p[never] = 1.0
    return p


def bh(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (scipy's)."""
    return stats.false_discovery_control(p, method="bh") if len(p) else np.asarray(p, dtype=float)


def permutation_test(y: np.ndarray, w, permutations: int = 999, seed: int = 12345,
                     alpha: float | None = None, fdr: bool = False, constant: np.ndarray | None = None,
                     max_permutations: int = MAX_PERMUTATIONS) -> PermutationTest:
    """Two-sided, tie-aware conditional-permutation p-values of local statistics (module docstring).

    For every area i with neighbours N(i) (weights ``w``, self-links ignored): the observed
    L_i = sum_j w_ij y_j against ``permutations`` draws L* in which the area keeps its value
    and its |N(i)| neighbours' values are drawn without replacement from the other n - 1:

        p_i = min(1, 2 * (1 + min(#{L* >= L_i - eps_i}, #{L* <= L_i + eps_i})) / (R_i + 1))

    with eps_i = ``TIE_RTOL`` * sum_j |w_ij| * max(max |y|, max y - min y). ``constant`` marks areas whose
    statistic is the same for every draw (local Moran where y_i is the mean): p = 1, as for
    an area without neighbours. With ``fdr`` and ``alpha``: while areas are at the floor
    (no draw beyond them, p = 2 / (R + 1)) and the Benjamini-Hochberg procedure does not
    reject them, they alone get more draws, up to the next 10^j - 1 at which the floor is
    below alpha * F / n (F of them), at most ``max_permutations``. One generator seeded with
    ``seed`` for everything: the same inputs give the same p-values.
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    m = _csr(w)
    csr = (m.indptr, m.indices, m.data)
    k = np.diff(m.indptr)
    observed = m @ y
    # rounding of a sum grows with the size of its terms: the scale is the largest |y| (or
    # the range, when larger), so that equal values tie even when all values are equal
    scale = float(max(np.nanmax(np.abs(y)), np.nanmax(y) - np.nanmin(y))) if n else 0.0
    eps = TIE_RTOL * np.asarray(abs(m).sum(axis=1)).ravel() * scale
    never = (k == 0) if constant is None else ((k == 0) | np.asarray(constant, dtype=bool))
    rng = np.random.default_rng(seed)
    count = np.full(n, int(permutations), dtype=np.int64)
    at_least, at_most = _tail_counts(y, csr, np.arange(n), int(permutations), rng, observed, eps)
    floor_decides = False
    while fdr and alpha:
        p = _p(at_least, at_most, count, never)
        floor = (np.minimum(at_least, at_most) == 0) & ~never
        if not floor.any() or (bh(p)[floor] <= alpha).all():
            break  # nobody at the floor, or the floor areas are found anyway
        current = int(count[floor].max())
        if current >= max_permutations:
            floor_decides = True
            break
        need = 2.0 * n / (floor.sum() * alpha) - 1  # floor 2/(R+1) <= alpha * F / n
        more = min(max_permutations, max(10 ** math.ceil(math.log10(need + 1)) - 1, 10 * (current + 1) - 1))
        areas = np.flatnonzero(floor)
        ge, le = _tail_counts(y, csr, areas, more - current, rng, observed, eps)
        at_least[areas] += ge
        at_most[areas] += le
        count[areas] = more
    return PermutationTest(p=_p(at_least, at_most, count, never), permutations=count, at_least=at_least,
                           at_most=at_most, floor_decides=floor_decides)


# ---------------------------------------------------------------- statistics


@contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """esda's global Moran draws from numpy's global generator: seed it, and restore it afterwards."""
    saved = np.random.get_state()
    np.random.seed(seed)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # esda's deprecation notices
            yield
    finally:
        np.random.set_state(saved)


def global_p(observed: float, simulated: np.ndarray) -> float:
    """Two-sided permutation p-value of a global statistic, ties counted (as for local ones)."""
    sim = np.asarray(simulated, dtype=float)
    eps = TIE_RTOL * max(1.0, abs(observed))
    extreme = min(int((sim >= observed - eps).sum()), int((sim <= observed + eps).sum()))
    return float(min(1.0, 2.0 * (extreme + 1) / (len(sim) + 1)))


def global_moran(var: Variable, w, settings: Settings) -> dict:
    """Moran's I of the whole map (esda) with its two-sided permutation p-value."""
    with _seeded(settings.seed):
        if settings.smoothed:
            m = esda.Moran_Rate(var.uncovered, var.workers, w, adjusted=True,
                                permutations=settings.permutations)
        else:
            m = esda.Moran(var.y, w, permutations=settings.permutations)
    return {"moran_i": float(m.I), "moran_expected": float(m.EI), "moran_p": global_p(m.I, m.sim),
            "moran_z": float(m.z_sim)}


@dataclass
class LocalStatistic:
    """A local statistic on one set of weights (esda), before any permutation."""

    y: np.ndarray  # the variable the statistic and its permutation test use
    stat: np.ndarray  # local Moran's I_i, or G*_i
    z: np.ndarray  # classical z-score: Gi*'s analytical one; for Moran from the conditional moments
    side: np.ndarray  # the label each area gets when significant
    constant: np.ndarray | None  # areas whose statistic no draw can change (p = 1)


def local_statistic(var: Variable, w, settings: Settings) -> LocalStatistic:
    """esda's local Moran (I_i, quadrant) or Gi* (G*_i, z-score, hot or cold) on weights ``w``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # esda's and libpysal's notices
        if settings.statistic == "gi":
            g = esda.G_Local(var.y, w, transform="R", star=True, permutations=0, keep_simulations=False)
            z = np.asarray(g.Zs, dtype=float)
            return LocalStatistic(y=var.y, stat=np.asarray(g.Gs, dtype=float), z=z,
                                  side=np.where(z > 0, HOT, COLD), constant=None)
        y = var.moran_y
        lm = esda.Moran_Local(y, w, permutations=0, keep_simulations=False)
        stat = np.asarray(lm.Is, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (stat - lm.EIc) / np.sqrt(lm.VIc)
    side = np.vectorize(_QUADRANT.get, otypes=[object])(lm.q) if len(stat) else np.array([], dtype=object)
    return LocalStatistic(y=y, stat=stat, z=np.asarray(z, dtype=float), side=side,
                          constant=np.abs(y - y.mean()) <= TIE_RTOL * (y.max() - y.min()))


@dataclass
class Local:
    """One local run: the per-area table and how many permutations it took."""

    table: pd.DataFrame  # stat, z, p, q, significant, label, permutations (row order)
    test: PermutationTest

    @property
    def permutations_used(self) -> int:
        return self.test.permutations_used


def local_labels(var: Variable, w, settings: Settings, seed: int | None = None,
                 statistic: LocalStatistic | None = None) -> Local:
    """Local statistic, its classical z-score, p-value, FDR-adjusted p-value and label per area.

    esda gives the statistic (``statistic``, computed here when not given: runs with other
    seeds on the same weights share it); significance is :func:`permutation_test`
    (tie-aware, adaptive when the FDR is on).
    """
    seed = settings.seed if seed is None else seed
    st_ = statistic if statistic is not None else local_statistic(var, w, settings)
    test = permutation_test(st_.y, w, settings.permutations, seed, settings.alpha, settings.fdr, st_.constant)
    q = bh(test.p)
    decisive = q if settings.fdr else test.p
    significant = decisive <= settings.alpha
    table = pd.DataFrame({"stat": st_.stat, "z": st_.z, "p": test.p, "q": q, "significant": significant,
                          "label": np.where(significant, st_.side, NS), "permutations": test.permutations})
    return Local(table=table, test=test)


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
    outside: list[str] = field(default_factory=list)
    permutations_used: int = 0
    floor_decides: bool = False

    @property
    def labels(self) -> tuple[str, ...]:
        return GI_LABELS if self.settings.statistic == "gi" else MORAN_LABELS

    @property
    def population(self) -> str:
        return self.settings.population_used

    def counts(self) -> dict[str, int]:
        vc = self.table["label"].value_counts()
        return {label: int(vc.get(label, 0)) for label in self.labels}

    def high_high(self) -> pd.DataFrame:
        """The high-high (or hot-spot) areas, most uncovered people first."""
        top = HOT if self.settings.statistic == "gi" else HH
        t = self.table[self.table["label"] == top]
        return t.sort_values(["uncovered", "code"], ascending=[False, True])

    def robust_high_high(self) -> list[str]:
        """The "robust high-high" villages the target list can filter on: high-high under every
        weights and seed the stability runs tried (empty without stability runs, or for Gi*)."""
        if not self.settings.stability or self.settings.statistic == "gi":
            return []
        t = self.table
        return sorted(t.loc[(t["label"] == HH) & t["stable"], "code"])

    def to_json(self) -> dict:
        """The command line's JSON (keys fixed by CONTRACT.md), plus ``smoothed``."""
        s = self.settings
        return {"segment": s.segment, "measure": s.measure, "smoothed": s.smoothed, "statistic": s.statistic,
                "population": self.population, "areas_analysed": int(len(self.table)), "seed": s.seed,
                "permutations": s.permutations, "permutations_used": int(self.permutations_used),
                "alpha": s.alpha, "fdr": s.fdr, "weights": s.weights,
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
            "groups_joined": w.groups_joined, "links_added": w.links_added, "cross_links": w.cross_links,
            "islands": list(w.islands), "island_groups": w.island_groups, "cut_off": list(w.cut_off),
            "fill": w.fill, "filled": list(w.filled)}


def method_versions() -> dict[str, str]:
    """The libraries that compute the statistics (for the page's method details)."""
    return {"esda": esda.__version__, "libpysal": libpysal.__version__, "numpy": np.__version__}


WeightsFor = Callable[[gpd.GeoDataFrame, str, int, int], wts.Weights]


def fill_for(settings: Settings, var: Variable) -> int:
    """Among the segment's own villages (when that leaves some out), each village gets at least
    k neighbours (``weights.build``'s ``fill``): touching ones form a chain along the coast."""
    return settings.k if settings.population_used == "segment" and var.outside else 0


def needs_land(frame: gpd.GeoDataFrame, sub: gpd.GeoDataFrame) -> bool:
    """Whether areas of ``frame`` left out of ``sub`` could cut analysed ones off: only areas
    with a geometry can, and only then are islands told apart on the whole coverage."""
    left_out = ~frame["code"].isin(sub["code"]).to_numpy()
    if not left_out.any():
        return False
    geom = np.asarray(frame.geometry.values)[left_out]
    return bool((~(shapely.is_missing(geom) | shapely.is_empty(geom))).any())


def default_weights_for(frame: gpd.GeoDataFrame) -> WeightsFor:
    """Weights of a subset of ``frame``'s areas, islands told apart on ``frame``'s land (computed once)."""
    land: dict = {}

    def build(sub: gpd.GeoDataFrame, kind: str, k: int, fill: int) -> wts.Weights:
        if kind != "knn" and "groups" not in land:
            land["groups"] = wts.land_groups(frame) if needs_land(frame, sub) else None
        return wts.build(sub, kind, k, land=land.get("groups"), fill=fill)

    return build


def analyse(frame: gpd.GeoDataFrame, settings: Settings = Settings(),
            weights_for: WeightsFor | None = None, progress: Progress | None = None) -> Result:
    """Global Moran's I, local labels, and their stability across weights and seeds.

    ``frame`` holds every area of the level (those without a value are left out here).
    ``weights_for(frame, kind, k, fill)`` builds (or fetches from a cache) the weights of the
    analysed rows; by default :func:`geo.weights.build`, with islands told apart on the land
    of ``frame`` and ``fill`` from :func:`fill_for`. ``progress(fraction, step)`` is called
    between steps (the page shows it). Raises :class:`Refusal` when the statistics would mean
    nothing, ValueError on a bad setting.
    """
    settings = settings.checked()
    weights_for = weights_for or default_weights_for(frame)
    step = progress or (lambda fraction, name: None)
    var = variable(frame, settings)
    runs = stability_runs(settings)
    total = len(runs) + 2
    step(0.0, "weights")
    fill = fill_for(settings, var)
    built = {settings.weights: weights_for(var.frame, settings.weights, settings.k, fill)}
    main_w = built[settings.weights]
    step(1 / total, "global")
    glob = global_moran(var, main_w.w, settings)
    step(2 / total, "local")
    stat = {settings.weights: local_statistic(var, main_w.w, settings)}
    main = local_labels(var, main_w.w, settings, statistic=stat[settings.weights])
    agree = np.ones(len(main.table), dtype=int)
    for i, (kind, seed) in enumerate(runs[1:], start=1):
        step((2 + i) / total, f"stability {kind} {seed}")
        if kind not in built:
            built[kind] = weights_for(var.frame, kind, settings.k, fill)
            stat[kind] = local_statistic(var, built[kind].w, settings)
        other = local_labels(var, built[kind].w, settings, seed, statistic=stat[kind])
        agree += (other.table["label"].to_numpy() == main.table["label"].to_numpy())
    step(1.0, "done")
    keep = [c for c in ("code", "name", "kind", "province_code", "regency_code", "district_code")
            if c in var.frame]
    table = var.frame[keep].copy()
    table["value"] = var.value
    table["uncovered"] = var.uncovered
    table["workers"] = var.workers
    for col in main.table:
        table[col] = main.table[col].to_numpy()
    table["agree"] = agree
    table["runs"] = len(runs)
    table["stable"] = agree == len(runs)
    return Result(settings=settings, table=table.reset_index(drop=True), moran_i=glob["moran_i"],
                  moran_p=glob["moran_p"], moran_expected=glob["moran_expected"],
                  weights=weights_report(main_w), excluded=var.excluded,
                  runs=[f"{kind} seed {seed}" for kind, seed in runs], outside=var.outside,
                  permutations_used=main.permutations_used, floor_decides=main.test.floor_decides)
