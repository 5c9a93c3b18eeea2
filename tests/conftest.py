"""Shared fixtures: the real Bali boundaries (cheap: the cache loads in a fraction of a second)
and a running app for browser tests."""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

from testsupport.appserver import ARTIFACTS, free_port, running_app  # noqa: F401 (re-exported for tests)
from testsupport.browser import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "boundaries" / "wilayah_boundaries"

# Saved target lists go to a throwaway database in tests (never data/targets.sqlite); the app
# server started by app_url inherits it.
os.environ.setdefault("GEO_DATABASE_URL", "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="geo-tests-"),
                                                                        "targets.sqlite"))

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/boundaries not present")


# ---------------------------------------------------------------- AppTest

def wkey(page: str, name: str, lang: str = "id") -> str:
    """The key ``ui.session`` gives the widget of field ``name`` of ``page`` in ``lang``."""
    return f"w:{page}:{name}:{lang}"


def view_of(at, page: str) -> dict:
    """The stored view of ``page`` (``ui.session.PageState``) after a run."""
    return at.session_state[f"state:{page}"]["values"]


def make_app(page: str | None = None, lang: str = "id", query: dict | None = None, state: dict | None = None,
             timeout: float = 180):
    """The app through its router (AppTest), on ``page``, in ``lang``, with ``query`` in the URL and
    ``state`` in the session, after its first run."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=timeout)
    if lang != "id":
        at.query_params["lang"] = lang
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in (state or {}).items():
        at.session_state[key] = value
    if page:
        at.switch_page(page if page.startswith("app_pages/") else f"app_pages/{page}.py")
    return at.run()


@pytest.fixture(scope="session")
def bali():
    from geo import boundaries
    return boundaries.load("51")


@pytest.fixture(scope="session")
def app_url():
    """The app, started once for the session (see appserver.running_app)."""
    with running_app() as (url, _proc):
        yield url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run `make test` (it installs Debian's chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def offline_page(browser):
    """A page whose requests to any host but this machine are aborted (and recorded)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.blocked = []

    def route(r):
        host = r.request.url.split("/")[2] if "://" in r.request.url else ""
        if host.startswith(("127.0.0.1", "localhost")) or r.request.url.startswith(("data:", "blob:", "about:")):
            return r.continue_()
        page.blocked.append(r.request.url)
        return r.abort()

    context.route("**/*", route)
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    context.close()


def map_frame(page, timeout_s: float = 60, min_paths: int = 1):
    """The streamlit-folium iframe once its map has drawn at least ``min_paths`` shapes."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                n = frame.evaluate("document.querySelectorAll('path.leaflet-interactive').length")
            except Exception:
                continue
            if n >= min_paths:
                return frame
        time.sleep(0.2)
    raise AssertionError("no map drawn within the timeout")


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the Streamlit selectbox labelled ``label``."""
    page.get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()


def wait_for_map(page, predicate_js: str, timeout_s: float = 30):
    """The map frame once ``predicate_js`` (evaluated in it) is true."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if frame.evaluate(predicate_js):
                    return frame
            except Exception:
                continue
        time.sleep(0.1)
    raise AssertionError(f"map never satisfied {predicate_js}")


def click_area(frame, code: str) -> None:
    """Click the drawn shape of the area ``code`` (identified by its code, not coordinates),
    once the map has stopped moving (a view change animates the zoom)."""
    frame.evaluate("""code => { const map = window.map || Object.values(window).find(v => v instanceof L.Map);
      for (const k in map._layers) { const l = map._layers[k];
      if (l.feature && l.feature.properties && l.feature.properties.code === code && l._path && !(l instanceof L.CircleMarker)) {
        l._path.setAttribute('data-code', code); } } }""", code)
    path = frame.locator(f'path[data-code="{code}"]')
    last, deadline = None, time.monotonic() + 10
    while time.monotonic() < deadline:
        box = path.bounding_box()
        if box == last:
            break
        last = box
        time.sleep(0.3)
    path.scroll_into_view_if_needed()
    # a point where this shape is what the pointer hits (a bounding box's centre may be a
    # neighbour, or under the legend)
    point = frame.evaluate("""code => { const p = document.querySelector(`path[data-code="${code}"]`);
      const r = p.getBoundingClientRect();
      for (let i = 1; i < 16; i++) for (let j = 1; j < 16; j++) {
        const x = Math.round(r.x + r.width * i / 16), y = Math.round(r.y + r.height * j / 16);
        const hit = (dx, dy) => document.elementFromPoint(x + dx, y + dy) === p;
        if (hit(0, 0) && hit(-2, -2) && hit(2, 2) && hit(-2, 2) && hit(2, -2)) return [x - r.x, y - r.y]; }
      return [r.width / 2, r.height / 2]; }""", code)
    path.click(force=True, position={"x": point[0], "y": point[1]})


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server for the session (tests/pgserver.py: fails, not skips, when missing)."""
    import pgserver
    with pgserver.server() as url:
        yield url


@pytest.fixture
def pg_url(pg_server, request):
    """A fresh, empty database on the session's PostgreSQL server, one per test."""
    import re

    import pgserver
    name = "t_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:50]
    return pgserver.fresh_database(pg_server, name)
