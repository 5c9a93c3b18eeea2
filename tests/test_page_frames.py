"""The dataset and its analysis frames are shared by every session (ui.state caches them with
st.cache_resource, not copied per rerun): no page may change them in place. Each page runs its
main paths in AppTest, then the cached objects must equal ones built afresh."""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
from conftest import make_app, needs_shared, wkey

from geo.analysis import frames
from geo.core import schema
from geo.figures import demo

pytestmark = needs_shared


def run(page: str, query: dict | None = None, lang: str = "en", **session):
    at = make_app(page, lang, query, session, timeout=300)
    assert not at.exception, (page, [e.value for e in at.exception])
    return at


def test_pages_leave_the_shared_dataset_and_frames_unchanged(bali):
    from ui import state

    codes = list(bali.full["village"]["code"][:40])
    for level in ("district", "village"):
        at = run("app_pages/explore.py", {"level": level}, lang="id")
        for ind in schema.INDICATORS:
            at.selectbox(key=wkey("explore", "indicator")).set_value(ind).run()
            assert not at.exception, (level, ind)
    at = run("app_pages/targets.py", selected_codes=codes)
    at.toggle(key=wkey("targets", "descending", "en")).set_value(True).run()
    at.number_input(key=wkey("targets", "uptake", "en")).set_value(50.0).run()
    assert not at.exception
    at = run("app_pages/clusters.py")
    next(b for b in at.button if b.label == "Compute clusters").click()
    at.run()
    assert not at.exception

    fig = state.demo_figures(("51",))
    fresh_fig = demo.demo_figures(bali)
    pd.testing.assert_frame_equal(fig.data, fresh_fig.data)
    shared = state.frames(("51",), fig, state.figures_key(fig))
    fresh = frames.build_frames(bali.full, fresh_fig)
    assert set(shared) == set(fresh)
    for level, frame in fresh.items():
        assert isinstance(shared[level], gpd.GeoDataFrame)
        pd.testing.assert_frame_equal(pd.DataFrame(shared[level]), pd.DataFrame(frame), obj=level)
