"""Target-list exports (CSV and XLSX): one row per village with its budget, a header that says
what the list was computed with and where the figures come from, formulas neutralised."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from geo.analysis import targeting
from geo.analysis.disclosure import suppress_small
from geo.core import i18n
from geo.core.provenance import BOUNDARIES_CREDIT, Provenance
from geo.outputs import labels, tabular


def settings_text(settings: targeting.Settings, lang: str) -> str:
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    segs = ", ".join(t("seg_" + s) for s in settings.segments)
    return t("tl_settings_line", segments=segs, premium=i18n.fmt_rp(settings.premium_monthly, lang),
             months=settings.months, uptake=i18n.fmt_pct(settings.uptake, lang, 0),
             target=i18n.fmt_pct(settings.target, lang, 2))


def header_lines(settings: targeting.Settings, provenance: Provenance, lang: str,
                 budget: targeting.Budget | None = None, list_name: str | None = None,
                 author: str | None = None, note: str | None = None, suppress: int = 0,
                 when: dt.date | None = None, effect=None) -> list[str]:
    """The block above an exported table: what it is, where from, when, with which settings."""
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    lines = [t("tl_export_title") + (f": {list_name}" if list_name else "")]
    if provenance.synthetic:
        lines.append(t("tl_export_synthetic"))
    lines.append(f"{t('source')}: {provenance.source}")
    lines.append(t("tl_boundaries_credit", credit=BOUNDARIES_CREDIT))
    lines.append(t("tl_export_date", date=(when or dt.date.today()).isoformat()))
    lines.append(settings_text(settings, lang))
    if budget is not None:
        lines.append(t("tl_export_budget", budget=i18n.fmt_rp(budget.budget, lang), months=settings.months,
                       people=i18n.fmt_num(budget.enrolled, lang), villages=budget.villages))
    if author:
        lines.append(f"{t('tl_author')}: {author}")
    if note:
        lines.append(f"{t('tl_note')}: {' '.join(str(note).split())}")
    if suppress:
        lines.append(t("tl_export_suppressed", k=int(suppress)))
    if effect is not None:
        lines += effect_lines(effect, lang)
    return lines


def effect_lines(effect, lang: str) -> list[str]:
    """Did outreach reach its targets (a :class:`geo.analysis.outreach.Effect`), in two lines."""
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    P = lambda p: i18n.fmt_period(p, lang)  # noqa: E731
    return [t("ef_export_line", before=P(effect.before), after=P(effect.after),
              targeted=i18n.fmt_pp(effect.targeted.change_pp, lang, 2), n=effect.targeted.villages,
              comparable=i18n.fmt_pp(effect.comparable.change_pp, lang, 2), m=effect.comparable.villages,
              difference=i18n.fmt_pp(effect.difference_pp, lang, 2)),
            t("ef_export_rule")]


def target_list_frame(frame: pd.DataFrame, selected: list[str], settings: targeting.Settings,
                      names: dict[str, str] | None = None, suppress: int = 0, effect=None) -> pd.DataFrame:
    """One row per selected village (in the order given) with its budget line.

    Columns: code, name, district, regency, workers, covered, coverage_rate (%, all workers),
    uncovered (chosen segments), uncovered_<segment> for each chosen segment, enrolled
    (expected, whole people: uptake x uncovered rounded once per segment), budget_rp (non-wage
    enrolled x premium x months); their sums are :func:`targeting.budget`'s totals. With an
    ``effect`` (:class:`geo.analysis.outreach.Effect`) also each village's change in coverage
    rate and net new enrolments since the list's baseline period.
    """
    settings = settings.checked()
    table = targeting.village_table(frame, settings, names).set_index("code")
    order = [c for c in dict.fromkeys(selected) if c in table.index]
    t = table.loc[order].reset_index()
    per = targeting.uncovered_by_segment(frame.set_index("code").loc[order].reset_index(), settings.segments)
    out = t[["code", "name", "district", "regency", "workers", "covered"]].copy()
    out["coverage_rate"] = t["coverage_rate"].round(2)
    out["uncovered"] = t["uncovered"]
    for s in settings.segments:
        out[f"uncovered_{s}"] = per[s].values
    # whole people, rounded once per segment (their villages add up to the budget's totals)
    whole = targeting.expected_enrolments(frame, order, settings).reindex(order)
    paid = [s for s in settings.paid_segments]
    out["enrolled"] = whole.sum(axis=1, min_count=1).where(t["uncovered"].notna().values).values
    paid_people = whole[paid].sum(axis=1, min_count=1).fillna(0) if paid else pd.Series(0.0, index=whole.index)
    out["budget_rp"] = (paid_people * settings.premium_monthly * settings.months).round(0) \
        .where(t["uncovered"].notna().values).values
    for c in ["workers", "covered", "uncovered", "enrolled", "budget_rp"] + [f"uncovered_{s}" for s in settings.segments]:
        out[c] = out[c].astype("Int64")
    if effect is not None:  # the change of each village since the list's baseline
        ch = effect.villages.set_index("code")
        out[f"change_pp_{effect.before}_{effect.after}"] = out["code"].map(ch["change_pp"]).round(2)
        out[f"new_enrolled_{effect.before}_{effect.after}"] = out["code"].map(ch["new_enrolled"]).astype("Int64")
    if suppress:
        seg_cols = [f"uncovered_{s}" for s in settings.segments]
        since = [c for c in out if c.startswith("new_enrolled_")]
        derived = {"coverage_rate": ["workers", "covered"], "enrolled": ["uncovered"] + seg_cols,
                   "budget_rp": ["uncovered"] + seg_cols}
        derived.update({c: ["workers", "covered"] for c in out if c.startswith("change_pp_")})
        out = suppress_small(out, ["workers", "covered", "uncovered"] + seg_cols + since, suppress, derived=derived)
    return out


def target_list_csv(frame: pd.DataFrame, selected: list[str], settings: targeting.Settings,
                    provenance: Provenance, lang: str, names: dict[str, str] | None = None, suppress: int = 0,
                    effect=None, **header) -> bytes:
    """The target list as CSV bytes: the header block, the headings in ``lang``, the row of
    machine column names (``code``, ``budget_rp``, ...) for scripts, then one row per village."""
    df = target_list_frame(frame, selected, settings, names, suppress, effect)
    b = targeting.budget(frame, selected, settings)
    lines = header_lines(settings, provenance, lang, b, suppress=suppress, effect=effect, **header)
    lines.append(i18n.t("csv_keys_note", lang))
    return tabular.to_csv_bytes(labels.for_people(df, lang), lines, keys=list(df.columns))


def target_list_xlsx(frame: pd.DataFrame, selected: list[str], settings: targeting.Settings,
                     provenance: Provenance, lang: str, names: dict[str, str] | None = None, suppress: int = 0,
                     effect=None, **header) -> bytes:
    """The target list as an XLSX workbook (string cells for text, codes as text): the list
    with headings in ``lang`` on the first sheet, the same table with machine column names on
    the sheet ``data``."""
    df = target_list_frame(frame, selected, settings, names, suppress, effect)
    b = targeting.budget(frame, selected, settings)
    lines = header_lines(settings, provenance, lang, b, suppress=suppress, effect=effect, **header)
    lines.append(i18n.t("xl_data_sheet_note", lang))
    return tabular.to_xlsx_bytes(labels.for_people(df, lang), lines, sheet_name=i18n.t("fn_target_list", lang),
                                 machine=df, machine_sheet="data")
