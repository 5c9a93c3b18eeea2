"""The title block of a target list, said the same way on its PNG, its HTML map and its PDF
brief: the list's name, its settings (segments, premium, months, uptake, target), its budget
and the coverage it would reach."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geo.analysis import targeting
from geo.core import i18n


@dataclass(frozen=True)
class ListTitle:
    title: str
    lines: list[str]  # settings, budget, coverage reached (one sentence each)
    budget: targeting.Budget
    reached: pd.DataFrame  # targeting.reached_rates: the province(s), then each regency touched


def list_title(village: pd.DataFrame, selected: list[str], settings: targeting.Settings, lang: str,
               list_name: str | None = None, names: dict[str, str] | None = None) -> ListTitle:
    """The block for ``selected`` villages of the village frame under ``settings``."""
    from geo.outputs import targetlist

    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    settings = settings.checked()
    b = targeting.budget(village, selected, settings)
    reached = targeting.reached_rates(village, selected, settings, names)
    title = t("br_list_title", name=list_name) if list_name else t("tl_map_title")
    lines = [targetlist.settings_text(settings, lang),
             t("br_list_budget", budget=i18n.fmt_rp(b.budget, lang), months=settings.months,
               people=i18n.fmt_num(round(b.enrolled), lang), villages=i18n.fmt_num(b.villages, lang))]
    target = i18n.fmt_pct(settings.target, lang, 2)
    for row in reached[reached["level"] == "province"].itertuples():
        lines.append(t("br_list_reached", area=row.name, before=i18n.fmt_pct(row.rate_before, lang, 2),
                       after=i18n.fmt_pct(row.rate_after, lang, 2), target=target))
    return ListTitle(title, lines, b, reached)
