"""Clusters: where uncovered fishers and farmers cluster, as a statistical finding."""
import hashlib

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import boundaries
from geo.analysis import clusters
from geo.analysis import weights as wts
from geo.core import i18n
from geo.outputs import clustermap, maps
from ui import session, state, views

lang = state.lang()
t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731 - this run's language, also inside format_func
ss = st.session_state
provinces = state.provinces()
bset = state.load_boundaries(provinces)
fig = state.active_figures()
fkey = state.figures_key(fig)
frames = state.active_frames()
LEVELS = clusters.LEVELS
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


view = views.clusters_view()
view.write_url()

session.page_header(view, t("cl_page"), t("cl_intro"), lang)
if fig.synthetic:
    st.warning(t("synthetic_banner"), icon="⚠️")

# ---- settings: computed when the button is pressed (and once with the defaults)
POPULATION = ("auto", "segment", "all")  # auto: the segment's default (fishers: their own villages)
with st.form("cl_form", border=True):
    c = st.columns([1.3, 1.6, 1.1])
    form = dict(form=True)
    view.widget(c[0].selectbox, "segment", t("cl_segment"), options=clusters.SEGMENTS,
                format_func=lambda v: t("seg_" + v), **form)
    view.widget(c[1].radio, "measure", t("cl_measure"), options=clusters.MEASURES, horizontal=True,
                format_func=lambda v: t("cl_measure_" + v), **form)
    view.widget(c[2].selectbox, "level", t("cl_level"), options=LEVELS, format_func=lambda v: t("level_" + v), **form)
    view.widget(st.radio, "population", t("cl_population"), options=POPULATION, horizontal=True,
                format_func=lambda v: t("cl_population_" + v), **form)
    if view["measure"] == "share":  # smoothing is for shares only
        view.widget(st.checkbox, "smooth", t("cl_smooth"), **form)
    with st.expander(t("cl_settings")):
        e = st.columns(3)
        view.widget(e[0].radio, "statistic", t("cl_statistic"), options=clusters.STATISTICS,
                    format_func=lambda v: t("cl_statistic_" + v), **form)
        view.widget(e[0].radio, "weights", t("cl_weights"), options=wts.KINDS,
                    format_func=lambda v: t("cl_weights_" + v, k=D.k), **form)
        view.widget(e[1].radio, "alpha", t("cl_alpha"), options=clusters.ALPHAS, horizontal=True,
                    format_func=lambda v: i18n.fmt_num(v, lang, 2), **form)
        view.widget(e[1].toggle, "fdr", t("cl_fdr"), **form)
        view.widget(e[1].toggle, "stability", t("cl_stability_on"), **form)
        view.widget(e[2].selectbox, "permutations", t("cl_permutations"), options=(999, 9999, 99999),
                    format_func=lambda v: i18n.fmt_num(v, lang), **form)
        view.widget(e[2].number_input, "seed", t("cl_seed"), min_value=0, max_value=2**32 - 1, step=1, **form)
    st.form_submit_button(t("cl_run"), type="primary", on_click=view.commit)

level = view["level"]
settings = clusters.Settings(segment=view["segment"], measure=view["measure"],
                             smooth=view["smooth"] if view["measure"] == "share" else D.smooth,
                             weights=view["weights"], alpha=view["alpha"], fdr=view["fdr"],
                             seed=int(view["seed"]), permutations=int(view["permutations"]),
                             statistic=view["statistic"], stability=view["stability"],
                             population=None if view["population"] == "auto" else view["population"])
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
mode = view.widget(st.radio, "mode", t("cl_map_choice"), options=clustermap.MODES, horizontal=True,
                   format_func=lambda v: t("cl_map_" + v), label_visibility="collapsed")
base = maps.base_map(tuple(bset.web["regency"].total_bounds), "light")
layers = clustermap.cluster_layers(result, frame, bset, lang, fig.provenance, mode, level)
st_folium(base, feature_group_to_add=layers, key="cl_map", height=600, use_container_width=True,
          returned_objects=[])
st.caption(t("boundaries_source", commit=boundaries.upstream.UPSTREAM_COMMIT[:10]))

# ---- the high-high areas, most uncovered people first, to the target list
top = result.high_high()
if level == "village" and s.stability and s.statistic != "gi":  # the target list's "robust high-high" filter
    ss["robust_high_high_codes"] = result.robust_high_high()
st.subheader(t("cl_hot_title" if s.statistic == "gi" else "cl_hh_title"))
if top.empty:
    st.caption(t("cl_hh_none"))
else:
    only_stable = view.widget(st.checkbox, "only_stable", t("cl_only_stable"), disabled=not s.stability)
    if only_stable and s.stability:
        top = top[top["stable"]]
    names = {**bset.names("regency"), **bset.names("district")}
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
    if level == "village":
        sent = list(top["code"])
        st.button(t("cl_send", n=len(top)), key="cl_send", disabled=top.empty,
                  on_click=lambda: (state.add_selected(sent), st.toast(t("cl_sent", n=len(sent)))))

with st.expander(t("cl_explain_title"), expanded=True):
    st.markdown(t("cl_explain"))
