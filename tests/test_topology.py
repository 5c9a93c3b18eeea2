"""The deployment of deploy/compose.yaml on this machine, without Docker (issue 17): two app
processes on one PostgreSQL server started by the test, behind Debian's nginx with sticky
sessions and websockets (testsupport/topology.py). Everything goes through the proxy.

The tests of this module share one topology and run in order: users on both processes, a
kill -9 during saves, a restarted process, a read-only database.
"""
from __future__ import annotations

import re
import time
import urllib.request

import pytest
import sqlalchemy as sa

from geo.outputs import store
from testsupport import topology
from testsupport.journey import Journey

pytestmark = pytest.mark.browser

SAVED = 'List "{}" saved'
READ_ONLY = "Cannot save: the database is read-only"


@pytest.fixture(scope="module")
def topo(pg_server):
    import pgserver
    db = pgserver.fresh_database(pg_server, "t_topology")
    with topology.running(db, processes=2) as t:
        yield t


@pytest.fixture(scope="module")
def villages(bali):
    v = bali.full["village"]
    return list(zip(v["code"], v["name"]))


def figures_csv(user: int, villages) -> bytes:
    """Figures of one user: worker counts no other user has, on 40 villages."""
    rows = ["code,name,workers,covered,workers_farmer,covered_farmer,workers_fisher,covered_fisher"]
    for j, (code, name) in enumerate(villages[user * 40: user * 40 + 40]):
        w = 1000 + 17 * user + j
        rows.append(f"{code},{name},{w},{w // 2},{w // 4},{w // 20},{w // 10},0")
    return ("\n".join(rows) + "\n").encode()


def user(browser, topo, pin: str | None):
    """A new user (browser context), pinned to process ``pin`` (None: the proxy picks)."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    if pin:
        ctx.add_cookies([topo.pin_cookie(pin)])
    j = Journey(ctx.new_page(), topo.url, timeout_s=120)
    return ctx, j


def map_title(j: Journey, timeout_s: float = 90) -> str:
    """The title box of the map drawn in the page's component frame."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in j.page.frames[1:]:
            try:
                text = frame.evaluate("() => { const b = document.querySelector('.geo-title');"
                                      " return b && document.querySelectorAll('path.leaflet-interactive').length"
                                      " ? b.textContent : ''; }")
            except Exception:  # noqa: BLE001 - a frame being replaced
                continue
            if text:
                return text
        time.sleep(0.2)
    return ""


def use_own_figures(j: Journey, name: str, body: bytes) -> None:
    j.goto("/figures?lang=en")
    j.page.locator('input[type="file"]').wait_for(state="attached", timeout=120_000)
    j.page.locator('input[type="file"]').set_input_files({"name": name, "mimeType": "text/csv", "buffer": body})
    j.settle(1.0, quiet_checks=6)
    j.click("Use these figures in the whole app")
    j.page.get_by_text(f'"{name.rsplit(".", 1)[0]}" is used in the whole app').first.wait_for(timeout=120_000)


def open_targets_with_selection(j: Journey) -> None:
    j.nav("Target lists")
    j.click("Select all shown")
    j.page.get_by_text(re.compile(r"· [1-9][\d,]* selected")).wait_for(timeout=120_000)


def start_save(j: Journey, name: str) -> None:
    j.type("List name", name)
    j.page.get_by_role("button", name="Save", exact=True).click()


def save(j: Journey, name: str) -> None:
    start_save(j, name)
    j.page.get_by_text(SAVED.format(name)).wait_for(timeout=120_000)
    j.settle()


def served_by(topo, since: int, pattern: str) -> set[str]:
    """The upstream addresses that answered the requests matching ``pattern`` after entry ``since``."""
    return {e["upstream"] for e in topo.access_log()[since:] if re.search(pattern, e["request"])}


def counts(db_url: str) -> dict:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            q = lambda t, *w: conn.execute(sa.select(sa.func.count()).select_from(t).where(*w)).scalar()  # noqa: E731
            return {"lists": q(store.lists), "versions": q(store.versions),
                    "audit": q(store.audit, store.audit.c.kind == "list"),
                    "orphans": conn.execute(sa.text(
                        "SELECT count(*) FROM target_lists l WHERE NOT EXISTS "
                        "(SELECT 1 FROM target_list_versions v WHERE v.list_id = l.id)")).scalar()}
    finally:
        engine.dispose()


def list_names(db_url: str) -> set[str]:
    s = store.Store(db_url, purge=False)
    try:
        return {n.name for n in s.names()}
    finally:
        s.dispose()


# ---------------------------------------------------------------- the proxy itself


def test_the_proxy_pins_a_new_browser_to_one_process_and_fails_over(topo):
    def get(cookie: str | None):
        req = urllib.request.Request(topo.url + "/_stcore/health")
        if cookie:
            req.add_header("Cookie", f"{topology.COOKIE}={cookie}")
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, [c for c in r.headers.get_all("Set-Cookie") or [] if c.startswith(topology.COOKIE)]

    picked = set()
    for _ in range(20):  # a browser without the cookie gets one, naming a process at random
        status, cookies = get(None)
        assert status == 200 and len(cookies) == 1
        picked.add(re.match(rf"{topology.COOKIE}=(\w+);", cookies[0])[1])
    assert picked == {"app1", "app2"}
    mark = len(topo.access_log())
    for name in ("app1", "app2"):
        assert get(name) == (200, [])  # pinned: no new cookie
    assert get("nonsense")[1]  # a cookie naming no process gets a new pin
    time.sleep(0.5)  # the access log is written when a request completes
    log = topo.access_log()[mark:]
    assert [e["upstream"] for e in log[:2]] == [topo.app("app1").address, topo.app("app2").address]


# ---------------------------------------------------------------- users on both processes


def test_users_on_both_processes_see_only_their_own_figures_and_every_save_is_kept(browser, topo, villages):
    users = {}
    try:
        for i, pin in enumerate(["app1", "app2", "app1", "app2"]):
            users[i] = user(browser, topo, pin)
        for i, (_ctx, j) in users.items():
            use_own_figures(j, f"user{i}.csv", figures_csv(i, villages))
        for i, (_ctx, j) in users.items():  # each map names its own file, whichever process drew it
            j.nav("Coverage map")
            title = map_title(j)
            assert f"Source: user{i}.csv" in title, (i, title)
            assert all(f"user{k}.csv" not in title for k in users if k != i)
        for i, (_ctx, j) in users.items():
            open_targets_with_selection(j)
            save(j, f"both-{i}")
            assert not j.exceptions() and not j.errors
        j = users[0][1]
        j.nav("Coverage map")
        j.page.set_viewport_size({"width": 390, "height": 900})
        j.reload()
        j.page.screenshot(path=str(topology.ARTIFACTS / "topology-phone.png"))
        j.page.set_viewport_size({"width": 1440, "height": 1000})
        j.settle()
        assert "Source: user0.csv" in map_title(j)
        j.page.screenshot(path=str(topology.ARTIFACTS / "topology-wide.png"))
    finally:
        for ctx, _j in users.values():
            ctx.close()
    assert {f"both-{i}" for i in users} <= list_names(topo.db_url)
    time.sleep(0.5)
    log = topo.access_log()
    for name in ("app1", "app2"):  # every request of a pinned user, websocket and uploads too
        mine = [e for e in log if e["pin"] == name and "/_stcore/" in e["request"]]
        assert {e["upstream"] for e in mine} == {topo.app(name).address}, name
        assert any("upload_file" in e["request"] for e in mine)
        assert any("/_stcore/stream" in e["request"] and e["status"] == 101 for e in mine)


# ---------------------------------------------------------------- faults


def test_kill_9_of_a_process_during_saves_loses_no_completed_save(browser, topo):
    before = list_names(topo.db_url)
    (ca, a), (cb, b) = user(browser, topo, "app1"), user(browser, topo, "app2")
    done: list[str] = []
    try:
        for j in (a, b):
            j.goto("/targets?lang=en", heading="Target lists")
            j.click("Select all shown")
        for n in range(4):  # saves through both processes, each confirmed on the page
            for tag, j in (("a", a), ("b", b)):
                save(j, f"kill-{tag}{n}")
                done.append(f"kill-{tag}{n}")
        start_save(b, "kill-b-during")  # in flight on the other process
        start_save(a, "kill-a-during")  # in flight on the process killed now
        topo.app("app1").kill9()
        b.page.get_by_text(SAVED.format("kill-b-during")).wait_for(timeout=120_000)
        done.append("kill-b-during")
        # the killed process's user is reconnected (to the other process, through the proxy)
        a.page.get_by_role("heading", name="Target lists", level=1).wait_for(timeout=120_000)
        a.settle(1.0, quiet_checks=6)
        assert not a.exceptions()
        save(b, "kill-b-after")
        done.append("kill-b-after")
    finally:
        ca.close()
        cb.close()
    names = list_names(topo.db_url) - before
    assert set(done) <= names  # no completed save lost
    assert names - set(done) <= {"kill-a-during"}  # the one in flight: committed whole, or not at all
    c = counts(topo.db_url)
    assert c["orphans"] == 0
    assert c["lists"] == c["versions"] == c["audit"] == len(list_names(topo.db_url))
    topo.restart("app1")


def test_a_restarted_process_is_reconnected_to_and_the_view_comes_back(browser, topo, villages):
    ctx, j = user(browser, topo, "app1")
    try:
        use_own_figures(j, "restart.csv", figures_csv(7, villages))
        j.nav("Coverage map")
        j.choose("Indicator", "Uncovered workers")
        view = j.query()
        assert view.get("indicator") == "uncovered" and view.get("dataset")
        assert "Source: restart.csv" in map_title(j)
        topo.app("app1").kill9()
        topo.restart("app1")
        # the page reconnects by itself; its new session is built from the URL
        deadline = time.monotonic() + 120
        while "Uncovered workers" not in (title := map_title(j, 5)) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert title.startswith("Uncovered workers") and "Source: restart.csv" in title, title
        topo.wait_routed("app1")
        mark = len(topo.access_log())
        j.reload()  # a reload reaches the restarted process itself (the pin)
        assert j.query() == view
        title = map_title(j)
        assert title.startswith("Uncovered workers") and "Source: restart.csv" in title, title
        time.sleep(0.5)
        assert served_by(topo, mark, r"/_stcore/host-config") == {topo.app("app1").address}
        j.choose("Indicator", "Coverage rate")  # and it works
        assert map_title(j).startswith("Coverage rate")
        assert not j.exceptions() and not j.errors
    finally:
        ctx.close()


def _set_read_only(topo, on: bool) -> None:
    """``default_transaction_read_only`` on the app's database; its sessions are cut so the
    apps' pools reconnect with the new default (as after a fail-over to a read-only replica)."""
    url = sa.engine.make_url(topo.db_url)
    engine = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{url.database}" '
                                 + ("SET default_transaction_read_only = on" if on else
                                    "RESET default_transaction_read_only"))
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE datname = :d AND pid <> pg_backend_pid()"), {"d": url.database})
    finally:
        engine.dispose()


def test_a_read_only_database_refuses_the_save_clearly_and_the_page_keeps_working(browser, topo):
    ctx, j = user(browser, topo, "app2")
    try:
        j.goto("/targets?lang=en", heading="Target lists")
        j.click("Select all shown")
        before = list_names(topo.db_url)
        _set_read_only(topo, True)
        try:
            start_save(j, "read-only-list")
            err = j.page.locator('[data-testid="stAlertContentError"]').filter(has_text=READ_ONLY)
            err.wait_for(timeout=120_000)
            assert "ask whoever runs the app" in err.inner_text()
            j.settle()
            assert not j.exceptions()
            j.click("Clear the selection")  # the page keeps working
            j.page.get_by_text("No village selected yet.").first.wait_for(timeout=60_000)
            j.click("Select all shown")
            assert list_names(topo.db_url) == before
        finally:
            _set_read_only(topo, False)
        save(j, "after-read-only")  # writable again: no restart needed
        assert "after-read-only" in list_names(topo.db_url)
        assert not j.exceptions() and not j.errors
    finally:
        ctx.close()
