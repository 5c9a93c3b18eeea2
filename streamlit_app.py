"""Router: one sidebar for every page, then the page the user picked (st.navigation)."""
import streamlit as st

from ui import sidebar, state

st.set_page_config(page_title="Jamsostek coverage map", page_icon="🗺️", layout="wide")
sidebar.draw()
pages = [
    st.Page("pages/areas.py", title=state.t("page_boundaries"), icon="🗺️", url_path="areas"),
]
st.navigation(pages).run()
