"""Map explorer: coverage by regency, district and village, by segment, against the target."""
import streamlit as st

from ui import explorer, session, state, views

t, lang = state.t, state.lang()
bset = state.load_boundaries(state.provinces())
fig, frames = state.active_figures(), state.active_frames()
view = views.explore(bset)
view.write_url()

session.page_header(view, t("page_explore"), t("explore_intro"), lang)
if fig.synthetic:
    st.warning(t("synthetic_banner"), icon="⚠️")

# controls bound to the page's view: they survive other pages, reloads and a language switch;
# each panel in a container of its own, so that a widget it shows or hides (the measure of a
# count, a search's other hits) does not move the map: a moved map is mounted again, geometry and all
names = bset.names("regency", with_province=len(bset.provinces) > 1)
with st.container():
    explorer.search_box(view, bset, names)
with st.container():
    map_view = explorer.controls(view, names)

left, right = st.columns([2.6, 1.4])
with left:
    explorer.map_with_downloads(view, frames, map_view, bset, fig.provenance)
with right:
    explorer.village_profile(view, frames["village"], map_view, names)

explorer.province_summary(bset, map_view, fig.synthetic)
