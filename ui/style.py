"""The app's one stylesheet, injected once by the router (streamlit_app.py).

Why: Streamlit draws captions, widget help and tooltips in a faded grey (about 3.9:1 on white)
though the captions here carry instructions; WCAG AA asks 4.5:1 for text of this size. And
buttons, toggles, select boxes and tags cut long labels with an ellipsis ("Unduh peta mandiri
(HTML…"), which in Indonesian happens at any width. Colours and rules are constants so a test
can check them (tests/test_style.py) and the browser can be asked what it drew.
"""
from __future__ import annotations

import streamlit as st

# #4a4f5c on white: 8.1:1; on Streamlit's light secondary background (#f0f2f6): 7.2:1
SMALL_TEXT = "#4a4f5c"

CSS = f"""
<style>
/* captions, widget help, metric labels and deltas, markdown small text: readable grey */
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] *,
.stCaption, small, [data-testid="stWidgetLabel"] small,
[data-testid="stMetricLabel"], [data-testid="stMetricDelta"],
[data-testid="stFileUploaderDropzoneInstructions"] span,
[data-testid="stFileUploaderDropzoneInstructions"] small {{ color: {SMALL_TEXT} !important; }}
/* labels wrap instead of being cut off: buttons, download buttons, toggles and checkboxes */
[data-testid="stBaseButton-secondary"], [data-testid="stBaseButton-primary"],
.stDownloadButton button, .stButton button {{ height: auto; min-height: 2.5rem; }}
.stDownloadButton button p, .stButton button p, [data-testid="stWidgetLabel"] p,
[data-testid="stCheckbox"] label p, [data-testid="stMarkdownContainer"] p {{
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  overflow-wrap: anywhere; }}
/* multiselect tags wrap onto more lines and show the whole option (long segment names) */
[data-testid="stMultiSelectTagsContainer"], [data-testid="stMultiSelectTagsContainer"] > span[role="group"] {{
  flex-wrap: wrap !important; overflow: visible !important; height: auto !important; max-height: none !important;
  mask-image: none !important; -webkit-mask-image: none !important; }}
[data-testid="stMultiSelect"] [role="group"] {{ height: auto !important; max-height: none !important; }}
[data-tag] {{ max-width: 100% !important; height: auto !important; }}
[data-tag] > span[title] {{ white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; max-width: none !important; }}
</style>
"""

# While a map's frame is empty (its scripts and shapes still loading in the browser, which
# took more than 5 s for the Areas map), a loading sign shows through it; the drawn map covers it.
LOADING_CSS = """
<style>
iframe[title*="st_folium"] {{ background: transparent; }}
[data-testid="stElementContainer"]:has(iframe[title*="st_folium"]) {{ position: relative; }}
[data-testid="stElementContainer"]:has(iframe[title*="st_folium"])::before {{
  content: "{text}"; position: absolute; inset: 0; display: flex; align-items: center;
  justify-content: center; color: {color}; font-size: 1rem; z-index: 0; pointer-events: none;
  background: repeating-linear-gradient(90deg, #f0f2f6 0 40%, #e6e9ef 50%, #f0f2f6 60% 100%);
  background-size: 200% 100%; animation: geo-loading 1.4s linear infinite; }}
[data-testid="stElementContainer"]:has(iframe[title*="st_folium"]) iframe {{ position: relative; z-index: 1; }}
@keyframes geo-loading {{ from {{ background-position: 100% 0; }} to {{ background-position: -100% 0; }} }}
@media (prefers-reduced-motion: reduce) {{
  [data-testid="stElementContainer"]:has(iframe[title*="st_folium"])::before {{ animation: none; }} }}
</style>
"""


def inject(lang: str) -> None:
    """Put the stylesheet on the page (once per run, by the router), the loading sign in ``lang``."""
    from geo.core import i18n
    text = i18n.t("ld_map", lang).replace("\\", "").replace('"', "'")
    st.html(CSS + LOADING_CSS.format(text=text, color=SMALL_TEXT))
