"""What each page's view holds: its fields, defaults, accepted values and URL names.

One list per page, so the page, the URL and the tests agree on what a view is. Every stored
value is a code (a level, a segment, an area code), never a label.
"""
from __future__ import annotations

from geo.analysis import classify, clusters, targeting
from geo.analysis import weights as wts
from geo.boundaries import BoundarySet
from geo.core import i18n, schema
from geo.core.reference import PREMIUM_JKK_JKM_MONTHLY
from geo.outputs import clustermap, maps

from .session import Field, PageState

LEVELS = schema.LEVELS


def app(provinces: list[str]) -> PageState:
    """What every page shares: language, provinces, the dataset in use and the selection."""
    return PageState("app", [
        Field("lang", i18n.DEFAULT_LANG, choices=i18n.LANGS),
        Field("province", [schema.DEFAULT_PROVINCE], list, choices=provinces, aliases=lambda: {"all": list(provinces)}),
        Field("dataset", 0, int, lo=0, hi=2**31 - 1),
        Field("sel", "", str),  # the selection, encoded (geo.core.codes.encode_subset)
    ])


def _regencies(bset: BoundarySet) -> list[str]:
    return ["", *bset.names("regency")]


def explore(bset: BoundarySet) -> PageState:
    return PageState("explore", [
        Field("level", "regency", choices=LEVELS),
        Field("indicator", "coverage_rate", choices=schema.INDICATORS),
        Field("segment", "all", choices=schema.SEGMENT_CHOICES),
        Field("measure", "count", choices=schema.MEASURES),
        Field("scheme", "quantiles", choices=classify.SCHEMES),
        Field("k", 5, int, lo=classify.K_RANGE[0], hi=classify.K_RANGE[1]),
        Field("breaks", "", str),
        Field("target", schema.DEFAULT_TARGET, float, lo=0.0, hi=100.0),
        Field("regency", "", choices=lambda: _regencies(bset)),
        Field("basemap", "light", choices=maps.BASEMAPS),
        Field("suppress", 0, int, lo=0, hi=1000),
        Field("village", "", choices=lambda: {"": "", **bset.names("village")}),
        # the area found by the search box: the map is framed on it (any level's code)
        Field("focus", "", choices=lambda: {"": "", **bset.names()}),
        Field("q", "", str, param=None),  # the search box's text
        Field("classification_open", False, bool, param=None),  # the expander, open or not
    ])


def areas() -> PageState:
    return PageState("areas", [
        Field("basemap", "light", choices=maps.BASEMAPS, param="a_basemap"),
        Field("villages", True, bool, param="a_villages"),
    ])


def upload_periods(today=None) -> list[str]:
    """The months a file without a period column may be given at upload: the current month
    first, then the 35 before it (a month after the current one is never a choice)."""
    from geo.figures.history import month_index, period_of_index
    from geo.figures.validation import current_month
    now = month_index(current_month(today))
    return [period_of_index(now - i) for i in range(36)]


def figures() -> PageState:
    """The data page: what the user types to save a dataset and manage saved ones (not in the URL).

    ``period``: the month of a file without a period column ("" = the current month)."""
    return PageState("figures", [
        Field("period", "", str, choices=lambda: ["", *upload_periods()], param=None),
        Field("name", "", str, param=None), Field("overwrite", False, bool, param=None),
        Field("pick", 0, int, lo=0, param=None), Field("new_name", "", str, param=None),
        Field("delete_sure", False, bool, param=None), Field("saved_open", True, bool, param=None),
    ])


def targets(bset: BoundarySet) -> PageState:
    scopes = [*bset.provinces, *bset.names("regency")]
    return PageState("targets", [
        Field("segments", list(schema.NON_WAGE), list, choices=schema.SEGMENTS, param="tl_seg"),
        Field("premium", int(PREMIUM_JKK_JKM_MONTHLY), int, lo=0, hi=10_000_000, param="tl_premium"),
        Field("months", targeting.DEFAULT_MONTHS, int, lo=1, hi=120, param="tl_months"),
        Field("uptake", targeting.DEFAULT_UPTAKE, float, lo=1.0, hi=100.0, param="tl_uptake"),
        Field("target", schema.DEFAULT_TARGET, float, lo=0.01, hi=100.0, param="tl_target"),
        Field("regency", "", choices=lambda: _regencies(bset), param="tl_regency"),
        Field("district", "", choices=lambda: {"": "", **bset.names("district")}, param="tl_district"),
        Field("min_uncovered", 0, int, lo=0, hi=10_000_000, param="tl_min"),
        Field("only_hh", False, bool, param="tl_hh"),
        Field("sort", "uncovered", choices=targeting.SORTS, param="tl_sort"),
        Field("descending", True, bool, param="tl_desc"),
        Field("scope", scopes[0], choices=scopes, param="tl_scope"),
        Field("suppress", 0, int, lo=0, hi=100, param="tl_suppress"),
        Field("list", "", str, param="tl_list"),  # the saved list opened (its name)
        Field("settings_open", True, bool, param=None),
        # the saved-lists tabs: not in the URL, but kept while the user visits other pages
        Field("name", "", str, param=None), Field("author", "", str, param=None),
        Field("note", "", str, param=None), Field("overwrite", False, bool, param=None),
        Field("open_pick", "", str, param=None), Field("version", 0, int, lo=0, param=None),
        Field("cmp_a", "", str, param=None), Field("cmp_b", "", str, param=None),
        Field("del_pick", "", str, param=None), Field("del_sure", False, bool, param=None),
        Field("effect_from", "", str, param="tl_effect_from"),  # "" = the list's own baseline
    ])


def clusters_view() -> PageState:
    d = clusters.Settings()
    return PageState("clusters", [
        Field("segment", d.segment, choices=clusters.SEGMENTS, param="cl_segment"),
        Field("measure", d.measure, choices=clusters.MEASURES, param="cl_measure"),
        Field("level", "village", choices=clusters.LEVELS, param="cl_level"),
        Field("population", "auto", choices=("auto", "segment", "all"), param="cl_population"),
        Field("smooth", d.smooth, bool, param="cl_smooth"),
        Field("statistic", d.statistic, choices=clusters.STATISTICS, param="cl_statistic"),
        Field("weights", d.weights, choices=wts.KINDS, param="cl_weights"),
        Field("alpha", d.alpha, float, choices=clusters.ALPHAS, param="cl_alpha"),
        Field("fdr", d.fdr, bool, param="cl_fdr"),
        Field("stability", d.stability, bool, param="cl_stability"),
        Field("permutations", d.permutations, int, choices=(999, 9999, 99999), param="cl_permutations"),
        Field("seed", d.seed, int, lo=0, hi=2**32 - 1, param="cl_seed"),
        Field("mode", clustermap.MODES[0], choices=clustermap.MODES, param="cl_map"),
        Field("only_stable", False, bool, param="cl_only_stable"),
    ])


def progress_view(periods: tuple[str, ...]) -> PageState:
    """The progress page: the period it shows ("" = the latest), the two periods a change map
    compares ("" = the first and the latest), the change map's level, segment and indicator, the
    change clusters' variable and segment."""
    from geo.analysis import trends
    from geo.outputs import changemap
    choices = lambda: ["", *periods]  # noqa: E731
    return PageState("progress", [
        Field("period", "", choices=choices, param="pg_period"),
        Field("level", "regency", choices=("regency", "district"), param="pg_level"),
        Field("before", "", choices=choices, param="pg_from"),
        Field("after", "", choices=choices, param="pg_to"),
        Field("ch_level", "village", choices=LEVELS, param="pg_ch_level"),
        Field("segment", "all", choices=schema.SEGMENT_CHOICES, param="pg_segment"),
        Field("indicator", "change_pp", choices=changemap.INDICATORS, param="pg_ind"),
        Field("variable", "rate", choices=trends.VARIABLES, param="pg_var"),
        Field("em_segment", "fisher", choices=clusters.SEGMENTS, param="pg_em_segment"),
        Field("clusters_on", False, bool, param="pg_clusters"),
    ])
