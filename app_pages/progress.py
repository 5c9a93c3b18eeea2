"""Progress: coverage per period against the 2026 target, the pace needed beside the recent
pace, what changed between two periods (change map) and where change clusters."""
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.analysis import clusters, trends
from geo.boundaries import upstream
from geo.core import i18n, schema
from geo.outputs import changemap, maps, progresschart
from ui import history, session, state, views

t, lang = state.t, state.lang()
provinces = state.provinces()
bset = state.load_boundaries(provinces)
h = history.active_history()
hkey = history.history_key(h)
periods = h.periods
view = views.progress_view(periods)
view.write_url()

session.page_header(view, t("pg_page"), t("pg_intro"), lang)
if not periods:
    st.error(t("pg_no_periods"))
    st.stop()
if h.synthetic:
    st.warning(t("pg_synthetic_banner"), icon="⚠️")

P = lambda p: i18n.fmt_period(p, lang)  # noqa: E731
latest = h.latest
period = view["period"] or latest
c = st.columns([1.2, 1.2, 2.6])
view.widget(c[0].selectbox, "period", t("pg_period_shown"), options=["", *periods],
            format_func=lambda p: t("pg_latest", period=P(latest)) if p == "" else P(p))
view.widget(c[1].radio, "level", t("pg_level"), options=("regency", "district"), horizontal=True,
            format_func=lambda v: t("level_" + v))
prov_of = h.provenance[period]
c[2].caption(t("pg_shows", period=P(period), n=len(periods), first=P(periods[0]), last=P(latest),
               source=prov_of.source) + (" · " + t("pg_synthetic") if prov_of.synthetic else ""))

prog = history.progress_of(hkey + ":" + period, view["level"], h.between(None, period), provinces)
table = prog.table()
is_prov = table["level"] == "province"


def pace(x) -> str:
    return "–" if x is None or pd.isna(x) else i18n.fmt_pp(x, lang, 2) + t("pg_per_month")


def pace_short(x) -> str:
    """Points per month with a sign, the unit in the metric's label (a metric is narrow)."""
    return "–" if x is None or pd.isna(x) else ("+" if x > 0 else "") + i18n.fmt_num(x, lang, 2)


def status(x) -> str:
    if x is None or pd.isna(x):
        return t("pg_status_unknown")
    return t("pg_on_track") if bool(x) else t("pg_behind")


# ---- the province: where it stands, the pace it needs, the pace it has
for _, row in table[is_prov].iterrows():
    st.subheader(t("pg_province_title", name=bset.province_names.get(row["code"], row["code"]), period=P(period)))
    m = st.columns(5)
    m[0].metric(t("pg_rate_at", period=P(period)), i18n.fmt_pct(row["coverage_rate"], lang, 2))
    m[1].metric(t("pg_pace_needed_unit"), pace_short(row["pace_needed_pp_per_month"]),
                help=t("pg_pace_needed_help", target=i18n.fmt_pct(prog.target, lang, 2), deadline=P(prog.deadline)))
    m[2].metric(t("pg_pace_recent_unit"), pace_short(row["pace_recent_pp_per_month"]), help=t("pg_pace_recent_help"))
    m[3].metric(t("pg_status"), status(row["on_track"]))
    people = row["people_per_month_needed"]
    m[4].metric(t("pg_people_month"), "–" if people is None or pd.isna(people) else i18n.fmt_num(people, lang),
                help=t("pg_people_month_help"))
    if len(periods) < 2:
        st.info(t("pg_one_period"))

series = prog.series()
series["synthetic"] = series["period"].map(lambda p: bool(h.provenance[p].synthetic))
real = progresschart.published_points([*prog.provinces], prog.provinces[0] if prog.provinces else "51")
prov_data = progresschart.ChartData(series=series[series["level"] == "province"], real=real, target=prog.target,
                                    deadline=prog.deadline, provenance=prov_of,
                                    title=t("pg_chart_province", period=P(period)))
st.altair_chart(progresschart.altair_chart(prov_data, lang), width="stretch")
if len(real):
    st.caption(t("pg_published_caption") + " " + "; ".join(
        f"{i18n.fmt_pct(r.coverage_rate, lang, 2)} ({P(r.period)}): {r.source}" for r in real.itertuples()))

# ---- regencies (or districts): on track or behind, people per month still needed
st.subheader(t("pg_areas_title", level=t("level_" + view["level"]), period=P(period)))
areas = series[series["level"] == view["level"]]
area_data = progresschart.ChartData(series=areas, real=real.iloc[0:0], target=prog.target, deadline=prog.deadline,
                                    provenance=prov_of, title=t("pg_chart_areas", level=t("level_" + view["level"]),
                                                                period=P(period)), paths=False)
if view["level"] == "regency":
    st.altair_chart(progresschart.altair_chart(area_data, lang, height=380), width="stretch")
rows = table[~is_prov].copy()
rows["_order"] = rows["on_track"].map({False: 0, True: 2}).fillna(1)
rows = rows.sort_values(["_order", "people_per_month_needed"], ascending=[True, False])
shown = pd.DataFrame({
    t("pg_col_area"): rows["name"], t("pg_col_code"): rows["code"],
    t("pg_rate_at", period=P(period)): [i18n.fmt_pct(v, lang, 2) for v in rows["coverage_rate"]],
    t("pg_pace_needed"): [pace(v) for v in rows["pace_needed_pp_per_month"]],
    t("pg_pace_recent"): [pace(v) for v in rows["pace_recent_pp_per_month"]],
    t("pg_status"): [status(v) for v in rows["on_track"]],
    t("pg_people_month"): ["–" if v is None or pd.isna(v) else i18n.fmt_num(v, lang)
                           for v in rows["people_per_month_needed"]]})
st.dataframe(shown, hide_index=True, width="stretch")
behind = int((rows["on_track"] == False).sum())  # noqa: E712 - None is neither
st.caption(t("pg_behind_count", behind=behind, n=len(rows), level=t("level_" + view["level"]).lower()))
stem = f"kemajuan_{view['level']}_{period}" + ("_sintetis" if h.synthetic else "")
both = progresschart.ChartData(series=series[series["level"].isin(["province", view["level"]])], real=real,
                               target=prog.target, deadline=prog.deadline, provenance=prov_of,
                               title=t("pg_chart_areas", level=t("level_" + view["level"]), period=P(period)),
                               paths=False)
d = st.columns(3)
d[0].download_button(t("pg_download_chart_png"), lambda: progresschart.chart_png(both, lang), f"{stem}.png",
                     "image/png", key="pg_chart_png", on_click="ignore")
d[1].download_button(t("pg_download_chart_html"), lambda: progresschart.chart_html(both, lang), f"{stem}.html",
                     "text/html", key="pg_chart_html", on_click="ignore")
d[2].download_button(t("pg_download_table"), lambda: shown.to_csv(index=False).encode("utf-8"), f"{stem}.csv",
                     "text/csv", key="pg_table_csv", on_click="ignore")

# ---- what changed between two periods, and where change clusters
st.divider()
if len(periods) < 2:
    st.info(t("pg_change_needs_two"))
    st.stop()
tab_map, tab_clusters = st.tabs([t("pg_tab_change"), t("pg_tab_clusters")])
with tab_map:
    c = st.columns([1, 1, 1, 1.2, 1.4])
    view.widget(c[0].selectbox, "before", t("pg_from"), options=["", *periods],
                format_func=lambda p: t("pg_first", period=P(periods[0])) if p == "" else P(p))
    view.widget(c[1].selectbox, "after", t("pg_to"), options=["", *periods],
                format_func=lambda p: t("pg_latest", period=P(latest)) if p == "" else P(p))
    view.widget(c[2].selectbox, "ch_level", t("level"), options=schema.LEVELS, format_func=lambda v: t("level_" + v))
    view.widget(c[3].selectbox, "segment", t("segment"), options=schema.SEGMENT_CHOICES,
                format_func=lambda v: t("seg_" + v))
    view.widget(c[4].radio, "indicator", t("indicator"), options=changemap.INDICATORS,
                format_func=lambda v: t("ch_ind_" + v))
before, after = view["before"] or periods[0], view["after"] or latest
if before == after:
    tab_map.warning(t("pg_same_periods", period=P(before)))
    st.stop()
if before > after:
    before, after = after, before
ch = history.change_of(hkey, before, after, view["ch_level"], view["segment"], h, provinces)
with tab_map:
    s = ch.summary()
    st.caption(t("pg_change_shows", before=P(before), after=P(after), level=t("level_" + ch.level).lower(),
                 segment=t("seg_" + ch.segment)))
    m = st.columns(4)
    m[0].metric(t("pg_fell"), i18n.fmt_num(s["fell"], lang))
    m[1].metric(t("pg_rose"), i18n.fmt_num(s["rose"], lang))
    m[2].metric(t("ch_ind_new_enrolled"), ("+" if s["new_enrolled"] > 0 else "") + i18n.fmt_num(s["new_enrolled"], lang))
    m[3].metric(t("pg_no_change_data"), i18n.fmt_num(s["no_data"], lang))
    base = maps.base_map(tuple(bset.web["regency"].total_bounds), "light")
    layers = changemap.change_layers(ch, bset, lang, view["indicator"])
    st_folium(base, feature_group_to_add=layers, key="pg_change_map", height=560, use_container_width=True,
              returned_objects=[])
    st.caption(t("boundaries_source", commit=upstream.UPSTREAM_COMMIT[:10]))
    cstem = f"perubahan_{ch.level}_{view['indicator']}_{ch.segment}_{before}_{after}" + (
        "_sintetis" if ch.provenance.synthetic else "")
    d = st.columns(3)
    d[0].download_button(t("download_png"), lambda: changemap.change_png(ch, bset, lang, view["indicator"]),
                         f"{cstem}.png", "image/png", key="pg_ch_png", on_click="ignore")
    d[1].download_button(t("download_html"), lambda: changemap.change_html(ch, bset, lang, view["indicator"]),
                         f"{cstem}.html", "text/html", key="pg_ch_html", on_click="ignore")
    # by segment: net new enrolments and the change of each segment's rate
    a_cov = history.coverage(hkey, before, h, provinces)
    b_cov = history.coverage(hkey, after, h, provinces)
    from geo.analysis import change as chg
    seg = chg.by_segment(a_cov[ch.level], b_cov[ch.level])
    if len(seg):
        st.markdown("**" + t("pg_by_segment", before=P(before), after=P(after)) + "**")
        st.dataframe(pd.DataFrame({
            t("segment"): [t("seg_" + v) for v in seg["segment"]],
            P(before): [i18n.fmt_pct(v, lang, 2) for v in seg["rate_before"]],
            P(after): [i18n.fmt_pct(v, lang, 2) for v in seg["rate_after"]],
            t("ch_ind_change_pp"): [i18n.fmt_pp(v, lang, 2) for v in seg["change_pp"]],
            t("ch_ind_new_enrolled"): [("+" if v > 0 else "") + i18n.fmt_num(v, lang) for v in seg["new_enrolled"]]}),
            hide_index=True, width="stretch")
    fell = ch.fell()
    st.markdown("**" + t("pg_fell_title", level=t("level_" + ch.level).lower(), n=len(fell)) + "**")
    if fell.empty:
        st.caption(t("pg_fell_none"))
    else:
        names = dict(zip(bset.full["regency"]["code"], bset.full["regency"]["name"]))
        fell_shown = pd.DataFrame({
            t("pg_col_area"): fell["name"], t("pg_col_code"): fell["code"],
            t("level_regency"): fell["regency_code"].map(names) if "regency_code" in fell else "",
            P(before): [i18n.fmt_pct(v, lang, 2) for v in fell["rate_before"]],
            P(after): [i18n.fmt_pct(v, lang, 2) for v in fell["rate_after"]],
            t("ch_ind_change_pp"): [i18n.fmt_pp(v, lang, 2) for v in fell["change_pp"]],
            t("ch_ind_new_enrolled"): [("+" if v > 0 else "") + i18n.fmt_num(v, lang) for v in fell["new_enrolled"]]})
        if ch.level == "regency":
            fell_shown = fell_shown.drop(columns=t("level_regency"))
        st.dataframe(fell_shown, hide_index=True, width="stretch")
        c = st.columns(2)
        c[0].download_button(t("pg_download_fell"), lambda: fell_shown.to_csv(index=False).encode("utf-8"),
                             f"{cstem}_turun.csv", "text/csv", key="pg_fell_csv", on_click="ignore")
        if ch.level == "village":
            fell_codes = list(fell["code"])
            c[1].button(t("pg_send_fell", n=len(fell_codes)), key="pg_send_fell",
                        on_click=lambda: (state.add_selected(fell_codes), st.toast(t("cl_sent", n=len(fell_codes)))))

with tab_clusters:
    st.caption(t("pg_clusters_intro"))
    c = st.columns([1.4, 1.4, 1])
    view.widget(c[0].radio, "variable", t("pg_diff_variable"), options=trends.VARIABLES, horizontal=True,
                format_func=lambda v: t("ch_var_" + v))
    view.widget(c[1].selectbox, "em_segment", t("pg_em_segment"), options=clusters.SEGMENTS,
                format_func=lambda v: t("seg_" + v))
    on = view.widget(c[2].toggle, "clusters_on", t("pg_clusters_run"))
    if not on:
        st.info(t("pg_clusters_off"))
    else:
        level = "village"
        try:
            with st.spinner(t("pg_clusters_running")):
                diff = history.differential_of(hkey, before, after, level, view["variable"], view["segment"], h,
                                               provinces)
        except clusters.Refusal as exc:
            st.error(exc.message(lang))
            diff = None
        ch_v = history.change_of(hkey, before, after, level, view["segment"], h, provinces)
        if diff is not None:
            st.markdown("**" + changemap.diff_title(diff, ch_v, lang) + "**")
            counts = diff.counts()
            st.caption(t("pg_diff_counts", hh=counts[clusters.HH], ll=counts[clusters.LL],
                         hl=counts[clusters.HL], lh=counts[clusters.LH], i=i18n.fmt_num(diff.moran_i, lang, 3)))
            base = maps.base_map(tuple(bset.web["regency"].total_bounds), "light")
            st_folium(base, feature_group_to_add=changemap.differential_layers(diff, ch_v, bset, lang),
                      key="pg_diff_map", height=520, use_container_width=True, returned_objects=[])
            st.download_button(t("download_png"), lambda: changemap.differential_png(diff, ch_v, bset, lang),
                               f"klaster_perubahan_{before}_{after}.png", "image/png", key="pg_diff_png",
                               on_click="ignore")
        upto = tuple(p for p in periods if p <= after)
        if len(upto) < trends.MIN_PERIODS:
            st.info(t("ch_refuse_periods", n=len(upto), min=trends.MIN_PERIODS))
        else:
            try:
                with st.spinner(t("pg_clusters_running")):
                    em = history.emerging_of(hkey, upto, level, view["em_segment"], h, provinces)
            except clusters.Refusal as exc:
                st.error(exc.message(lang))
                em = None
            if em is not None:
                st.markdown("**" + changemap.emerging_title(em, lang) + "**")
                base = maps.base_map(tuple(bset.web["regency"].total_bounds), "light")
                frame = history.coverage(hkey, after, h, provinces)[level]
                st_folium(base, feature_group_to_add=changemap.emerging_layers(em, frame, bset, lang,
                                                                               h.provenance[after], level),
                          key="pg_em_map", height=520, use_container_width=True, returned_objects=[])
                found = em.table[em.table["category"] != trends.NO_PATTERN]
                found = found.sort_values(["category", "uncovered_last"], ascending=[True, False])
                st.dataframe(pd.DataFrame({
                    t("pg_col_area"): found["name"], t("pg_col_code"): found["code"],
                    t("ch_tip_category"): [changemap.category_text(v, lang) for v in found["category"]],
                    t("ch_tip_hot_periods"): [f"{a} / {len(em.periods)}" for a in found["hot"]],
                    t("ch_tip_uncovered"): [f"{i18n.fmt_num(a, lang)} → {i18n.fmt_num(b, lang)}"
                                            for a, b in zip(found["uncovered_first"], found["uncovered_last"])]}),
                    hide_index=True, width="stretch")
    with st.expander(t("pg_method_title")):
        st.markdown(t("pg_method"))
