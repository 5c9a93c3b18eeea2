"""Clusters: where uncovered fishers and farmers cluster, as a statistical finding."""
import hashlib

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import boundaries, clustermap, clusters, i18n, maps
from geo import weights as wts
from ui import state

state.ensure_routed()  # a run Streamlit started without the router

lang = state.lang()
t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731 - this run's language, also inside format_func
ss = st.session_state
provinces = state.provinces()
bset = state.load_boundaries(provinces)
fig = state.active_figures()
fkey = state.figures_key(fig)
frames = state.active_frames()
LEVELS = ("village", "district", "regency")
D = clusters.Settings()


@st.cache_resource(show_spinner=False, max_entries=4)
def land_for(provinces: tuple[str, ...], level: str, _frame) -> pd.Series:
    """The land mass of every area of the level, to tell real islands from villages cut off."""
    return wts.land_groups(_frame)


@st.cache_resource(show_spinner=False, max_entries=12)
def weights_for(provinces: tuple[str, ...], level: str, codes_key: str, kind: str, k: int, fill: int,
                _frame, _land) -> wts.Weights:
    """Weights of one set of areas (shared by every variable with values in the same areas)."""
    return wts.build(_frame, kind, k, land=_land, fill=fill)


@st.cache_data(show_spinner=False, max_entries=16)
def analyse(figures_key: str, provinces: tuple[str, ...], level: str, settings: clusters.Settings,
            _frame, _weights: dict) -> clusters.Result:
    """One analysis per dataset, level and settings, on weights built beforehand."""
    return clusters.analyse(_frame, settings, lambda frame, kind, k, fill: _weights[kind])


st.title(t("cl_page"))
st.caption(t("cl_intro"))
if fig.synthetic:
    st.warning(t("synthetic_banner"), icon="⚠️")

# ---- settings: computed when the button is pressed (and once with the defaults)
POPULATION = ("auto", "segment", "all")  # auto: the segment's default (fishers: their own villages)
with st.form("cl_form", border=True):
    c = st.columns([1.3, 1.6, 1.1])
    c[0].selectbox(t("cl_segment"), clusters.SEGMENTS, key="cl_segment", format_func=lambda v: t("seg_" + v))
    c[1].radio(t("cl_measure"), clusters.MEASURES, key="cl_measure", horizontal=True,
               format_func=lambda v: t("cl_measure_" + v))
    c[2].selectbox(t("cl_level"), LEVELS, key="cl_level", format_func=lambda v: t("level_" + v))
    st.radio(t("cl_population"), POPULATION, key="cl_population", horizontal=True,
             format_func=lambda v: t("cl_population_" + v))
    if ss.get("cl_measure", clusters.MEASURES[0]) == "share":  # smoothing is for shares only
        st.checkbox(t("cl_smooth"), value=D.smooth, key="cl_smooth")
    with st.expander(t("cl_settings")):
        e = st.columns(3)
        e[0].radio(t("cl_statistic"), clusters.STATISTICS, key="cl_statistic",
                   format_func=lambda v: t("cl_statistic_" + v))
        e[0].radio(t("cl_weights"), wts.KINDS, key="cl_weights",
                   format_func=lambda v: t("cl_weights_" + v, k=D.k))
        e[1].radio(t("cl_alpha"), clusters.ALPHAS, key="cl_alpha", horizontal=True,
                   format_func=lambda v: i18n.fmt_num(v, lang, 2))
        e[1].toggle(t("cl_fdr"), value=D.fdr, key="cl_fdr")
        e[1].toggle(t("cl_stability_on"), value=D.stability, key="cl_stability")
        e[2].selectbox(t("cl_permutations"), (999, 9999, 99999), key="cl_permutations",
                       format_func=lambda v: i18n.fmt_num(v, lang))
        e[2].number_input(t("cl_seed"), 0, 2**32 - 1, value=D.seed, step=1, key="cl_seed")
    st.form_submit_button(t("cl_run"), type="primary")

level = ss["cl_level"]
settings = clusters.Settings(segment=ss["cl_segment"], measure=ss["cl_measure"],
                             smooth=ss.get("cl_smooth", D.smooth) if ss["cl_measure"] == "share" else D.smooth,
                             weights=ss["cl_weights"], alpha=ss["cl_alpha"], fdr=ss["cl_fdr"],
                             seed=int(ss["cl_seed"]), permutations=int(ss["cl_permutations"]),
                             statistic=ss["cl_statistic"], stability=ss["cl_stability"],
                             population=None if ss["cl_population"] == "auto" else ss["cl_population"])
frame = frames[level]
if len(frame) > 3000:
    st.caption(t("cl_region_note", n=i18n.fmt_num(len(frame), lang)))

try:
    var = clusters.variable(frame, settings)
except clusters.Refusal as exc:
    st.error(exc.message(lang))
    st.stop()
codes_key = hashlib.sha1("\n".join(var.frame["code"]).encode()).hexdigest()
kinds = clusters.weight_kinds(settings)
fill = clusters.fill_for(settings, var)
land = land_for(provinces, level, frame) if clusters.needs_land(frame, var.frame) else None
bar = st.progress(0.0)
built = {}
for i, kind in enumerate(kinds):
    bar.progress(i / (len(kinds) + 1), text=t("cl_progress_weights", weights=t("cl_weights_" + kind, k=settings.k)))
    built[kind] = weights_for(provinces, level, codes_key, kind, settings.k, fill, var.frame, land)
bar.progress(len(kinds) / (len(kinds) + 1), text=t(
    "cl_progress_local", permutations=i18n.fmt_num(settings.permutations, lang),
    runs=len(clusters.stability_runs(settings))))
result = analyse(fkey, provinces, level, settings, frame, built)
bar.empty()
s, table = result.settings, result.table

# ---- first: is there clustering at all?
st.subheader(t("cl_global_title"))
m = st.columns([1, 1, 4])
m[0].metric(t("cl_global_metric"), i18n.fmt_num(result.moran_i, lang, 3))
m[1].metric(t("cl_global_p"), clustermap.p_text(result.moran_p, lang))
values = dict(i=i18n.fmt_num(result.moran_i, lang, 3), p=clustermap.p_text(result.moran_p, lang),
              e=i18n.fmt_num(result.moran_expected, lang, 4))
if result.moran_p > s.alpha:
    m[2].warning(t("cl_global_no", **values))
elif result.moran_i > result.moran_expected:
    m[2].success(t("cl_global_yes", **values))
else:
    m[2].info(t("cl_global_negative", **values))

# ---- what was analysed and how, in plain words; the method under "Method details"
w = result.weights
segment_name = t("seg_" + s.segment)
n_text = i18n.fmt_num(len(table), lang)
notes = [t("cl_analysed_segment", segment=segment_name, n=n_text, outside=i18n.fmt_num(len(result.outside), lang))
         if result.population == "segment" else t("cl_analysed_all", n=n_text)]
if w["kind"] == "knn":
    notes.append(t("cl_neighbours_knn", k=w["k"]))
else:
    notes.append(t("cl_neighbours_touch"))
    if w.get("filled"):
        notes.append(t("cl_neighbours_fill", n=len(w["filled"]), k=w["fill"]))
    if w.get("islands"):
        notes.append(t("cl_neighbours_islands", n=len(w["islands"]), groups=w["island_groups"]))
    if w.get("cut_off"):
        notes.append(t("cl_neighbours_cut_off", n=len(w["cut_off"])))
if result.excluded:
    notes.append(t("cl_excluded", n=len(result.excluded)))
more = t("cl_test_more", used=i18n.fmt_num(result.permutations_used, lang)) \
    if result.permutations_used > s.permutations else ""
notes.append(t("cl_test_plain", permutations=i18n.fmt_num(s.permutations, lang), more=more))
st.caption(" ".join(notes))
if result.floor_decides:
    st.info(t("cl_floor_decides", used=i18n.fmt_num(result.permutations_used, lang)))

with st.expander(t("cl_method_title")):
    method = [t("cl_method_weights_knn", k=w["k"]) if w["kind"] == "knn" else
              t("cl_method_weights", weights=t("cl_weights_" + w["kind"], k=w["k"]), isolates=len(w["isolates"]),
                joined=len(w["joined"]), groups=w["groups_joined"], k=w["k"], links=w["links_added"])]
    if w.get("fill") and w["kind"] != "knn":
        method.append(t("cl_method_fill", k=w["fill"], n=len(w.get("filled", []))))
    if w["cross_links"]:
        method.append(t("cl_cross_links", n=w["cross_links"],
                        m=round(wts.CROSS_TOLERANCE_DEG * wts.KM_PER_DEG * 1000)))
    method.append(t("cl_method_p", permutations=i18n.fmt_num(s.permutations, lang),
                    used=i18n.fmt_num(result.permutations_used, lang), seed=s.seed))
    method.append(t("cl_method_fdr", alpha=i18n.fmt_num(s.alpha, lang, 2)) if s.fdr else
                  t("cl_method_nofdr", alpha=i18n.fmt_num(s.alpha, lang, 2), alpha_pct=i18n.fmt_pct(100 * s.alpha, lang, 0)))
    method.append(t("cl_method_global", permutations=i18n.fmt_num(s.permutations, lang)))
    method.append(t("cl_method_gi" if s.statistic == "gi" else "cl_method_moran"))
    if s.smoothed:
        method.append(t("cl_method_smooth"))
    method.append(t("cl_method_versions", **clusters.method_versions()))
    st.markdown("\n".join("- " + line for line in method))

# ---- the maps
mode = st.radio(t("cl_map_choice"), clustermap.MODES, horizontal=True, key="cl_mode",
                format_func=lambda v: t("cl_map_" + v), label_visibility="collapsed")
base = maps.base_map(tuple(bset.web["regency"].total_bounds), "light")
layers = clustermap.cluster_layers(result, frame, bset, lang, fig.synthetic, mode, level)
st_folium(base, feature_group_to_add=layers, key="cl_map", height=600, use_container_width=True,
          returned_objects=[])
st.caption(t("boundaries_source", commit=boundaries.upstream.UPSTREAM_COMMIT[:10]))

# ---- the high-high areas, most uncovered people first, to the target list
top = result.high_high()
if level == "village" and s.stability and s.statistic != "gi":  # the targeting page's "robust high-high"
    ss["robust_high_high_codes"] = sorted(top.loc[top["stable"], "code"]) if not top.empty else []
st.subheader(t("cl_hot_title" if s.statistic == "gi" else "cl_hh_title"))
if top.empty:
    st.caption(t("cl_hh_none"))
else:
    only_stable = st.checkbox(t("cl_only_stable"), key="cl_only_stable", disabled=not s.stability)
    if only_stable and s.stability:
        top = top[top["stable"]]
    names = {**dict(zip(bset.full["regency"]["code"], bset.full["regency"]["name"])),
             **dict(zip(bset.full["district"]["code"], bset.full["district"]["name"]))}
    shown = pd.DataFrame({
        "name": top["name"], t("cl_col_code"): top["code"],
        t("cl_col_district"): top["district_code"].map(names) if "district_code" in top else "",
        t("cl_col_regency"): top["regency_code"].map(names) if "regency_code" in top else "",
        t("cl_col_uncovered"): [i18n.fmt_num(v, lang) for v in top["uncovered"]],
        t("cl_measure_" + s.measure): [clustermap.value_text(v, s.measure, lang) for v in top["value"]],
        t("cl_col_z"): [clustermap.z_text(v, lang) for v in top["z"]],
        t("cl_col_q" if s.fdr else "cl_col_p"): [clustermap.p_text(v, lang) for v in (top["q"] if s.fdr else top["p"])],
        t("cl_col_stability"): [clustermap.stability_text(a, r, b, lang)
                                for a, r, b in zip(top["agree"], top["runs"], top["stable"])]})
    if s.measure == "count":  # the value is the uncovered count itself
        shown = shown.drop(columns=t("cl_measure_count"))
    if s.statistic != "gi":  # the classical z-score belongs to Gi*
        shown = shown.drop(columns=t("cl_col_z"))
    if level != "village":  # a district's own name is its first column
        shown = shown.drop(columns=t("cl_col_district"))
    st.dataframe(shown.rename(columns={"name": t("level_" + level)}), hide_index=True, width="stretch")
    if level == "village" and st.button(t("cl_send", n=len(top)), key="cl_send", disabled=top.empty):
        state.add_selected(list(top["code"]))
        st.success(t("cl_sent", n=len(top)))

with st.expander(t("cl_explain_title"), expanded=True):
    st.markdown(t("cl_explain"))
