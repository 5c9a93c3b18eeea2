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
                  people=i18n.fmt_num(path_budget.enrolled, lang), budget=i18n.fmt_rp(path_budget.budget, lang),
                  months=settings.months)
    if path.reachable:
        return "info", i18n.t("tl_path_result", lang, **values)
    return "warning", i18n.t("tl_path_unreachable", lang, **values)


def profile_table(row: pd.DataFrame, target: float, lang: str) -> pd.DataFrame:
    """One area's figures per segment (``geo.analysis.profile.segment_table``) for display."""
    from geo.analysis import profile
    from geo.core import i18n
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    table = profile.segment_table(row, target)
    if table.empty:
        return table
    return pd.DataFrame({
        t("segment_table"): [t("seg_" + s) for s in table["segment"]],
        t("rate"): [i18n.fmt_pct(v, lang) for v in table["coverage_rate"]],
        t("uncovered"): [i18n.fmt_num(v, lang) for v in table["uncovered"]],
        t("workers"): [i18n.fmt_num(v, lang) for v in table["workers"]]})


def area_summary(totals: pd.DataFrame, name: str, target: float, lang: str) -> str:
    """The sentence for one area's row of sums (e.g. a province): its coverage against the target
    and, when only some of its parts reported, how many did and that the rate is theirs."""
    from geo.analysis import indicators
    from geo.core import i18n
    row = totals.iloc[0]
    reported, parts = int(row.get("reported", 0)), int(row.get("parts", 0))
    unit = i18n.t(f"unit_{row.get('unit', 'village')}", lang)
    if reported == 0:
        return i18n.t("area_summary_none", lang, area=name, parts=i18n.fmt_num(parts, lang), unit=unit)
    rate = indicators.indicator(totals, "coverage_rate", "all", target).iloc[0]
    need = indicators.indicator(totals, "to_target", "all", target).iloc[0]
    text = i18n.t("province_summary", lang, province=name, rate=i18n.fmt_pct(rate, lang),
                  covered=i18n.fmt_num(row["covered"], lang), workers=i18n.fmt_num(row["workers"], lang),
                  target=i18n.fmt_pct(target, lang, 2), need=i18n.fmt_num(need, lang))
    if reported < parts:
        text += " " + i18n.t("area_summary_partial", lang, reported=i18n.fmt_num(reported, lang),
                             parts=i18n.fmt_num(parts, lang), unit=unit)
    return text


def published_table(province: str, lang: str) -> pd.DataFrame:
    """The published real coverage rates of a province and its regencies, for display."""
    from geo.core import i18n, reference
    df = reference.beside_regency_view(province)
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    return pd.DataFrame({
        t("pub_col_area"): df["region_name"],
        t("pub_col_level"): [t("level_" + lv) if lv != "province" else t("province") for lv in df["level"]],
        t("pub_col_rate"): [i18n.fmt_pct(v, lang, 2) for v in df["value"]],
        t("pub_col_as_of"): [i18n.fmt_period(str(v)[:7], lang) for v in df["as_of"]],
        t("pub_col_source"): df["source"]})
