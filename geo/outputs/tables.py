"""Tables and sentences for people to read: translated headers, numbers formatted for the language."""
from __future__ import annotations

import pandas as pd

from geo.analysis.targeting import Budget, Path, Settings


def segment_table(b: Budget, lang: str) -> pd.DataFrame:
    """The budget per segment with headers and numbers in ``lang`` (for display)."""
    from geo.core import i18n
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    s = b.by_segment
    return pd.DataFrame({
        t("segment"): [t("seg_" + x) for x in s["segment"]],
        t("tl_col_uncovered"): [i18n.fmt_num(v, lang) for v in s["uncovered"]],
        t("tl_col_enrolled"): [i18n.fmt_num(v, lang) for v in s["enrolled"]],
        t("tl_seg_paid"): [t("tl_yes") if p else t("tl_no") for p in s["paid"]],
        t("tl_col_budget"): [i18n.fmt_rp(v, lang) for v in s["budget"]]})


def rates_table(rates: pd.DataFrame, lang: str) -> pd.DataFrame:
    """:func:`reached_rates` with headers and numbers in ``lang`` (for display)."""
    from geo.core import i18n
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    return pd.DataFrame({
        t("tl_col_area"): rates["name"],
        t("tl_col_before"): [i18n.fmt_pct(v, lang, 2) for v in rates["rate_before"]],
        t("tl_col_after"): [i18n.fmt_pct(v, lang, 2) for v in rates["rate_after"]],
        t("tl_col_to_target"): [i18n.fmt_num(v, lang) for v in rates["to_target_after"]],
        t("tl_col_reaches"): [t("tl_yes") if r else "–" for r in rates["reaches_target"]]})


def path_summary(path: Path, path_budget: Budget, settings: Settings, area_name: str, lang: str) -> tuple[str, str]:
    """(kind, sentence) for the shortest path: ``success`` (already there), ``info`` or ``warning``."""
    from geo.core import i18n
    target = i18n.fmt_pct(settings.target, lang, 2)
    if path.reachable and not path.codes:
        return "success", i18n.t("tl_path_done", lang, area=area_name, target=target,
                                 rate=i18n.fmt_pct(path.rate_before, lang, 2))
    values = dict(n=i18n.fmt_num(len(path.codes), lang), area=area_name, target=target,
                  before=i18n.fmt_pct(path.rate_before, lang, 2), after=i18n.fmt_pct(path.rate_after, lang, 2),
                  people=i18n.fmt_num(path.enrolled, lang), budget=i18n.fmt_rp(path_budget.budget, lang),
                  months=settings.months)
    if path.reachable:
        return "info", i18n.t("tl_path_result", lang, **values)
    return "warning", i18n.t("tl_path_unreachable", lang, **values)
