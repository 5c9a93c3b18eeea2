"""The map view in widgets, session state and the URL: a copied link reopens the same view."""
from __future__ import annotations

import streamlit as st

from geo.outputs import choropleth

from . import state

PREFIX = "ex_"
FIELDS = ("level", "indicator", "segment", "measure", "scheme", "k", "breaks", "target", "regency", "basemap",
          "suppress")


def init() -> None:
    """Seed the widgets' state from the URL once per session (URL text is untrusted)."""
    if st.session_state.get(PREFIX + "init"):
        return
    q = st.query_params
    d = choropleth.View()
    try:
        k = int(q.get("k", d.k))
        target = float(q.get("target", d.target))
        suppress = int(q.get("suppress", d.suppress))
    except ValueError:
        k, target, suppress = d.k, d.target, d.suppress
    view = choropleth.View(level=q.get("level", d.level), indicator=q.get("indicator", d.indicator),
                           segment=q.get("segment", d.segment), measure=q.get("measure", d.measure),
                           scheme=q.get("scheme", d.scheme), k=k, target=min(max(target, 0.0), 100.0),
                           basemap=q.get("basemap", d.basemap), suppress=suppress).checked()
    for field in FIELDS:
        if field not in ("breaks", "regency"):
            st.session_state[PREFIX + field] = getattr(view, field)
    st.session_state[PREFIX + "breaks"] = q.get("breaks", "")
    st.session_state[PREFIX + "regency"] = q.get("regency", "")
    st.session_state[PREFIX + "init"] = True


def current(breaks: tuple[float, ...]) -> choropleth.View:
    s = st.session_state
    return choropleth.View(level=s[PREFIX + "level"], indicator=s[PREFIX + "indicator"],
                           segment=s[PREFIX + "segment"], measure=s[PREFIX + "measure"],
                           scheme=s[PREFIX + "scheme"], k=s[PREFIX + "k"], breaks=breaks,
                           target=float(s[PREFIX + "target"]), regency=s[PREFIX + "regency"] or None,
                           basemap=s[PREFIX + "basemap"], lang=state.lang(),
                           suppress=int(s[PREFIX + "suppress"])).checked()


def to_url(view: choropleth.View, breaks_text: str) -> None:
    """Write the view into the query parameters (defaults left out, to keep links short)."""
    d = choropleth.View()
    for field in FIELDS:
        value = breaks_text if field == "breaks" else getattr(view, field)
        if field == "breaks" and view.scheme != "user_defined":
            value = ""
        if value in (None, "") or (field != "breaks" and value == getattr(d, field)):
            st.query_params.pop(field, None)
        else:
            st.query_params[field] = str(value)
