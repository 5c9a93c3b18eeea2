"""Router: one sidebar for every page, the shared view in the URL, then the page the user picked."""
import streamlit as st

from ui import auth, printing, session, sidebar, state, style

st.set_page_config(page_title="Jamsostek coverage map", page_icon=":material/map:", layout="wide")
sidebar.draw()
printing.inject()  # @media print: map and figures only, on A4 (and the maps re-framed for it)
style.inject(state.lang())
st.set_page_config(page_title=state.t("app_title"))  # the browser tab in the chosen language
if auth.configured() and auth.current_actor() is None:  # a login is configured: nothing before it
    st.info(state.t("auth_please"), icon=":material/login:")
    st.button(state.t("auth_login"), key="auth_login_main", icon=":material/login:", on_click=auth.login,
              type="primary")  # also here: on a phone the sidebar is folded away
    st.stop()
state.dataset_meta()  # a link to a dataset that no longer exists says so below, on any page
state.write_url()
if text := session.notice_text(state.app().notices, state.lang()):
    st.warning(text, icon=":material/link_off:")
if gone := st.session_state.pop("dataset_notice", None):
    st.warning(state.t("dataset_gone", id=gone), icon=":material/link_off:")
if st.session_state.pop("selection_notice", False):
    st.warning(state.t("selection_from_link_invalid"), icon=":material/link_off:")
pages = [
    st.Page("app_pages/explore.py", title=state.t("page_explore"), icon=":material/map:", url_path="explore", default=True),
    st.Page("app_pages/areas.py", title=state.t("page_boundaries"), icon=":material/grid_on:", url_path="areas"),
    st.Page("app_pages/figures.py", title=state.t("fig_page_title"), icon=":material/upload_file:", url_path="figures"),
    st.Page("app_pages/targets.py", title=state.t("tl_page"), icon=":material/checklist:", url_path="targets"),
    st.Page("app_pages/clusters.py", title=state.t("cl_page"), icon=":material/bubble_chart:", url_path="clusters"),
    st.Page("app_pages/progress.py", title=state.t("pg_page"), icon=":material/trending_up:", url_path="progress"),
]
if state.actor().role == "admin":  # the audit log and the bin (the store checks the role again)
    pages.append(st.Page("app_pages/admin.py", title=state.t("adm_page"), icon=":material/admin_panel_settings:",
                         url_path="admin"))
st.navigation(pages).run()
