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


PRINT_WIDTH_PX = 733  # A4 less 8 mm margins, in CSS pixels: the map's width on paper

# Leaflet draws for its frame's size and redraws only on a resize, which printing does not
# send: before printing, each map's frame is set to the paper's width and the map re-framed
# on what it showed (synchronously, so the printed layout has it); after, put back.
PRINT_JS = """<script>
(function () {
  var top = window.parent;
  if (!top || top.__geoPrint) return;
  top.__geoPrint = true;
  function maps(doc, out) {
    var frames = doc.querySelectorAll('iframe');
    for (var i = 0; i < frames.length; i++) {
      try {
        var w = frames[i].contentWindow;
        if (!w || !w.document) continue;
        if (w.L && w.L.Map) {
          for (var k in w) {  // a map can be known by two names: once each
            var m = w[k];
            if (m instanceof w.L.Map && !out.some(function (x) { return x[1] === m; })) out.push([frames[i], m]);
          }
        }
        maps(w.document, out);
      } catch (e) { /* another origin: not ours */ }
    }
    return out;
  }
  var saved = [];
  top.addEventListener('beforeprint', function () {
    if (saved.length) return;
    saved = maps(top.document, []).map(function (fm) {
      var frame = fm[0], map = fm[1], shown = map.getBounds(), width = frame.style.width;
      frame.style.width = '%(width)spx';
      map.invalidateSize({pan: false, animate: false});
      map.fitBounds(shown, {animate: false, padding: [0, 0]});
      return [frame, map, shown, width];
    });
  });
  top.addEventListener('afterprint', function () {
    saved.reverse().forEach(function (s) {
      s[0].style.width = s[3];
      s[1].invalidateSize({pan: false, animate: false});
      s[1].fitBounds(s[2], {animate: false, padding: [0, 0]});
    });
    saved = [];
  });
})();
</script>""" % {"width": PRINT_WIDTH_PX}


def inject() -> None:
    """Add the print stylesheet to the page (a style-only ``st.html`` takes no room on screen)
    and, at the foot of the sidebar, the small script that re-frames the maps for paper."""
    import streamlit.components.v1 as components

    st.html(f"<style>{stylesheet()}</style>")
    with st.sidebar:
        components.html(PRINT_JS, height=0)
