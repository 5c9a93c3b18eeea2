"""The targets page's "did outreach reach its targets?" section (Streamlit glue): the opened
saved list's villages since it was saved, beside comparable villages not on it."""
from __future__ import annotations

import streamlit as st

from geo.analysis import outreach
from geo.core import i18n

from . import history, state
from .text import esc


def draw(opened, view, lang: str):
    """Draw the section for the saved list ``opened``; return the Effect (for the exports) or None."""
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    P = lambda p: i18n.fmt_period(p, lang)  # noqa: E731
    h = history.active_history()
    hkey = history.history_key(h)
    periods = h.periods
    made_from = (opened.settings or {}).get("period")
    auto, after_saved = outreach.baseline_period(opened.created_at, periods, made_from)
    st.caption(t("ef_intro", name=esc(opened.name), saved=opened.created_at[:10]))
    if auto is None:
        return None
    options = ["", *periods[:-1]]
    if view["effect_from"] not in options:
        view.set("effect_from", "")
    view.widget(st.selectbox, "effect_from", t("ef_from"), options=options,
                format_func=lambda p: t("ef_from_auto", period=P(auto)) if p == "" else P(p))
    before = view["effect_from"] or auto
    after = h.latest
    if after <= before:
        st.info(t("ef_no_after", period=P(before)))
        return None
    if after_saved and not view["effect_from"]:
        st.caption(t("ef_baseline_after", period=P(before)))
    provinces = state.provinces()
    a = history.coverage(hkey, before, h, provinces)["village"]
    b = history.coverage(hkey, after, h, provinces)["village"]
    eff = outreach.effect(a, b, opened.codes, opened.created_at, (before, after),
                          baseline_after_saved=after_saved and not view["effect_from"])
    m = st.columns(3)
    for col, key, g in ((m[0], "ef_targeted", eff.targeted), (m[1], "ef_comparable", eff.comparable)):
        col.metric(t(key), i18n.fmt_pp(g.change_pp, lang, 2),
                   help=t("ef_metric_help", before=P(before), after=P(after), n=g.villages,
                          new=i18n.fmt_num(g.new_enrolled, lang), per=i18n.fmt_num(g.per_1000, lang, 1)))
    m[2].metric(t("ef_difference"), i18n.fmt_pp(eff.difference_pp, lang, 2))
    notes = [t("ef_export_line", before=P(before), after=P(after),
               targeted=i18n.fmt_pp(eff.targeted.change_pp, lang, 2), n=eff.targeted.villages,
               comparable=i18n.fmt_pp(eff.comparable.change_pp, lang, 2), m=eff.comparable.villages,
               difference=i18n.fmt_pp(eff.difference_pp, lang, 2))]
    if eff.unmatched:
        notes.append(t("ef_unmatched", n=len(eff.unmatched)))
    if eff.no_data:
        notes.append(t("ef_no_data", n=len(eff.no_data)))
    notes += [t("ef_export_rule"), t("ef_caveat")]
    st.caption(" ".join(notes))
    return eff
