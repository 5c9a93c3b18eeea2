"""The print stylesheet: printing a page gives its map and figures on A4, without the sidebar,
the header, the controls or the instructions. Injected once per run by the router."""
from __future__ import annotations

import streamlit as st

# Streamlit's elements are found by their data-testid (stable across its releases we pin).
CONTROLS = ("stSelectbox", "stMultiSelect", "stNumberInput", "stTextInput", "stTextArea", "stRadio",
            "stSlider", "stCheckbox", "stToggle", "stButton", "stDownloadButton", "stFileUploader",
            "stDateInput", "stColorPicker", "stSegmentedControl", "stPills", "stFormSubmitButton",
            "stCaptionContainer", "stToast", "stPageLink")
CHROME = ("stSidebar", "stSidebarCollapsedControl", "stSidebarNav", "stHeader", "stToolbar", "stDecoration",
          "stStatusWidget", "stBottom", "stExpandedSidebarContainer")
FIGURES = "iframe, [data-testid=stDataFrame], [data-testid=stTable], [data-testid=stMetric], [data-testid=stAlert]"


def stylesheet() -> str:
    """The ``@media print`` rules (A4 portrait, 8 mm margins)."""
    hidden = ", ".join(f'[data-testid="{k}"]' for k in CHROME)
    controls = ", ".join(f'[data-testid="stElementContainer"]:has([data-testid="{k}"])' for k in CONTROLS)
    return f"""@media print {{
  @page {{ size: A4 portrait; margin: 8mm; }}
  html, body {{ background: #fff !important; }}
  {hidden} {{ display: none !important; }}
  {controls}, [data-testid="stExpander"], [data-testid="stTabs"] {{ display: none !important; }}
  /* a row of controls only (no map, table, metric or message) goes, gaps and all */
  [data-testid="stHorizontalBlock"]:not(:has({FIGURES})) {{ display: none !important; }}
  /* and so does a column without one (the village profile's heading before a village is picked) */
  [data-testid="stColumn"]:not(:has({FIGURES})) {{ display: none !important; }}
  [data-testid="stAppViewContainer"], [data-testid="stMain"], [data-testid="stMainBlockContainer"],
  .stMainBlockContainer {{ padding: 0 !important; margin: 0 !important; max-width: none !important;
    width: 100% !important; overflow: visible !important; }}
  [data-testid="stVerticalBlock"] {{ gap: 0.35rem !important; }}
  /* the map takes the page's width; what stood beside it follows below */
  [data-testid="stHorizontalBlock"] {{ flex-wrap: wrap !important; }}
  [data-testid="stColumn"]:has(iframe) {{ flex: 1 1 100% !important; width: 100% !important;
    max-width: 100% !important; min-width: 100% !important; }}
  h1 {{ font-size: 1.4rem !important; padding: 0 0 0.2rem 0 !important; }}
  h2, h3 {{ font-size: 1.05rem !important; padding: 0.2rem 0 !important; }}
  [data-testid="stAlert"] {{ padding: 0 !important; }}
  [data-testid="stAlert"] > div {{ padding: 0.3rem 0.6rem !important; }}
  iframe {{ break-inside: avoid; page-break-inside: avoid; }}
  [data-testid="stDataFrame"], [data-testid="stMetric"] {{ break-inside: avoid; }}
}}"""


def inject() -> None:
    """Add the print stylesheet to the page (a style-only ``st.html`` takes no room on screen)."""
    st.html(f"<style>{stylesheet()}</style>")
