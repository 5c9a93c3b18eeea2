"""Login and roles in Chromium (issue 17), and the names rule on the page (issue 18).

The tests start a local OpenID provider (``oidc-provider-mock``) and the app with an ``[auth]``
section pointing at it; each user logs in through the provider's form in a browser context of
their own. The rights are the store's (checked on the server): the page only disables buttons as
a courtesy, so the test also asks the server for what the page does not offer (a planner
overwriting a colleague's list) and reads the audit rows from the database.
"""
from __future__ import annotations

import re
import unicodedata

import pytest
import sqlalchemy as sa
from conftest import ARTIFACTS, needs_shared

from testsupport.appserver import running_app
from testsupport.journey import Journey

pytestmark = [pytest.mark.browser, needs_shared]

ADMIN, PLANNER, PLANNER2, VIEWER = "kepala@bpjs.test", "perencana@bpjs.test", "perencana2@bpjs.test", "tamu@bpjs.test"
TARGETS = "/targets?lang=en&tl_regency=51.05"


@pytest.fixture(scope="module")
def provider():
    from oidc_provider_mock import run_server_in_thread
    with run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def auth_app(provider, tmp_path_factory):
    """The app with a login at the mock provider, roles for three of the users, its own database."""
    tmp = tmp_path_factory.mktemp("auth")
    db = tmp / "store.sqlite"
    secrets = tmp / "secrets.toml"
    secrets.write_text(f'''
[auth]
redirect_uri = "http://localhost:{{port}}/oauth2callback"
cookie_secret = "a-test-secret-that-is-long-enough-0123456789"
client_id = "jamsostek-map"
client_secret = "not-a-secret"
server_metadata_url = "{provider}/.well-known/openid-configuration"

[roles]
admins = ["{ADMIN.upper()}"]
planners = ["{PLANNER}", " {PLANNER2} "]
''', encoding="utf-8")
    env = {"GEO_DATABASE_URL": f"sqlite:///{db}", "STREAMLIT_SECRETS_FILES": str(secrets)}
    with running_app("streamlit_auth.log", env) as (url, _proc):
        yield url.replace("127.0.0.1", "localhost"), sa.create_engine(f"sqlite:///{db}")


def _login(browser, base: str, email: str, width: int = 1500) -> Journey:
    """A new browser context logged in as ``email`` through the provider's form."""
    ctx = browser.new_context(viewport={"width": width, "height": 1400})
    j = Journey(ctx.new_page(), base)
    j.goto("/?lang=en")
    assert j.page.get_by_text("This app needs a login").count() == 1
    if width < 700:  # a phone: the sidebar is folded away, the page has its own button
        j.page.screenshot(path=str(ARTIFACTS / "auth_login_390.png"))
        j.page.locator('[data-testid="stMain"]').get_by_role("button", name="Log in").click()
    else:
        j.page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Log in").click()
    j.page.locator('input[name="sub"]').fill(email)  # the provider's own page
    j.page.get_by_role("button", name="Authorize").click()
    # back at the app's start page (in its default language, Bahasa Indonesia)
    j.page.set_viewport_size({"width": 1500, "height": 1400})
    j.page.locator('[data-testid="stSidebar"]').get_by_text(f"Masuk sebagai {email}", exact=False).wait_for(
        timeout=60_000)
    j.settle(1.0, quiet_checks=6)
    j.goto("/?lang=en")
    return j


def _sidebar(j: Journey) -> str:
    return j.page.locator('[data-testid="stSidebar"]').inner_text()


def _tick(j: Journey, starts: str, on: bool = True) -> None:
    """Set the checkbox whose label starts with ``starts`` (a click on its label, as a user does)."""
    box = j.page.locator('[data-testid="stCheckbox"]:visible').filter(has_text=starts).first
    if box.locator("input").is_checked() != on:
        try:
            box.locator("label").click()
        except Exception:
            j.page.screenshot(path=str(ARTIFACTS / "auth_tick_failed.png"), full_page=True)
            raise
        j.settle()


def _choose(j: Journey, label: str, option: str) -> None:
    """Pick ``option`` in the select box ``label`` of the tab shown."""
    panel = j.page.locator('[role="tabpanel"]:visible').first
    panel.get_by_role("combobox", name=label, exact=True).click()
    j.page.get_by_role("option", name=option, exact=True).click()
    j.settle()


def _alerts(j: Journey) -> str:
    return "\n".join(j.page.locator('[data-testid="stAlert"]').all_inner_texts())


def _select_villages(j: Journey) -> None:
    j.goto(TARGETS, heading="Target lists")
    j.click("Select all shown")
    j.page.get_by_text(re.compile(r"· [1-9]\d* selected")).wait_for(timeout=30_000)


def _save(j: Journey, name: str, overwrite: bool = False) -> str:
    """Save the selection as ``name`` and return the page's message."""
    j.page.get_by_role("tab", name="Save the selection as a list").click()
    j.type("List name", name)
    _tick(j, "Overwrite a list", overwrite)
    j.click("Save")
    return _alerts(j)


def _open_tab_names(j: Journey) -> list[str]:
    """The names the Open tab lists (the select box's options)."""
    j.page.get_by_role("tab", name="Open", exact=True).click()
    j.page.locator('[role="tabpanel"]:visible').first.get_by_role("combobox", name="List", exact=True).click()
    names = j.page.get_by_role("option").all_inner_texts()
    j.page.keyboard.press("Escape")
    return names


def _audit(engine) -> list[tuple]:
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(sa.text(
            "select user, role, action, kind, object_name from audit order by id"))]


def test_each_role_in_the_browser(auth_app, browser):
    base, engine = auth_app
    # a planner saves and deletes their own list
    p1 = _login(browser, base, PLANNER)
    assert f"Logged in as {PLANNER} (planner)" in _sidebar(p1)
    assert "Admin" not in p1.page.locator('[data-testid="stSidebarNav"]').inner_text()
    _select_villages(p1)
    assert "List \"Rencana Bangli\" saved (version 1" in _save(p1, "Rencana Bangli")
    assert "List \"Punya saya\" saved (version 1" in _save(p1, "Punya saya")
    p1.page.get_by_role("tab", name="Delete", exact=True).click()
    _choose(p1, "List", "Punya saya")
    _tick(p1, 'Yes, delete "Punya saya"')
    p1.click("Delete the list")
    assert 'List "Punya saya" moved to the bin' in _alerts(p1)

    # another planner: may save, but not delete or overwrite the first one's list
    p2 = _login(browser, base, PLANNER2)
    _select_villages(p2)
    assert "saved (version 1" in _save(p2, "Daftar kedua")
    p2.page.get_by_role("tab", name="Delete", exact=True).click()
    _choose(p2, "List", "Rencana Bangli")
    _tick(p2, 'Yes, delete "Rencana Bangli"')
    assert p2.page.get_by_role("button", name="Delete the list").is_disabled()
    assert f"This list belongs to {PLANNER}" in p2.page.locator('[data-testid="stMain"]').inner_text()
    # the server refuses what the page still offers: an overwrite of someone else's list
    said = _save(p2, "Rencana Bangli", overwrite=True)
    assert f'the list "Rencana Bangli" belongs to {PLANNER}: only its owner or an admin' in said
    p2.page.screenshot(path=str(ARTIFACTS / "auth_planner2.png"), full_page=True)

    # a viewer reads the lists but cannot save: the button is disabled and the page says why
    v = _login(browser, base, VIEWER, width=390)  # on a phone
    assert f"Logged in as {VIEWER} (viewer)" in _sidebar(v)
    _select_villages(v)
    assert v.page.get_by_role("button", name="Save", exact=True).is_disabled()
    assert "The viewer role can only view" in v.page.locator('[data-testid="stMain"]').inner_text()
    assert "Rencana Bangli" in _open_tab_names(v)
    v.page.set_viewport_size({"width": 390, "height": 1400})
    v.settle()
    v.page.screenshot(path=str(ARTIFACTS / "auth_viewer_390.png"), full_page=True)
    v.page.set_viewport_size({"width": 1500, "height": 1400})
    # the admin page is not there for a viewer, even by its address
    v.goto("/admin?lang=en")
    assert v.page.get_by_text("Audit log").count() == 0
    v.page.screenshot(path=str(ARTIFACTS / "auth_viewer_admin_url.png"))
    v.goto("/?lang=en")
    # logging out asks for a login again
    v.page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Log out").click()
    v.page.get_by_role("button", name="End session").click()  # the provider's own confirmation
    v.page.locator('[data-testid="stSidebar"]').get_by_role("button", name=re.compile("Log in|Masuk")).wait_for(
        timeout=60_000)
    assert v.page.locator('[data-testid="stSidebar"]').get_by_role("button", name=re.compile("Log in|Masuk")).count()

    # the admin sees the audit log and restores the planner's list from the bin
    a = _login(browser, base, ADMIN)
    assert f"Logged in as {ADMIN} (admin)" in _sidebar(a)
    a.nav("Admin")
    main = a.page.locator('[data-testid="stMain"]').inner_text()
    assert f'list "Punya saya" · 1 versions · owned by {PLANNER} · deleted' in main
    assert a.page.get_by_text("Audit log").count() == 1
    a.page.get_by_role("button", name="Restore").first.click()
    a.settle()
    assert 'Restored with all its versions (1): list "Punya saya"' in _alerts(a)
    a.page.screenshot(path=str(ARTIFACTS / "auth_admin.png"), full_page=True)
    a.nav("Target lists")
    a.nav("Admin")  # another page and back: the audit table shows the restore
    assert "The bin is empty." in a.page.locator('[data-testid="stMain"]').inner_text()
    for j in (p1, p2, a):
        assert not j.exceptions(), j.exceptions()

    assert _audit(engine) == [
        (PLANNER, "planner", "save", "list", "Rencana Bangli"),
        (PLANNER, "planner", "save", "list", "Punya saya"),
        (PLANNER, "planner", "delete", "list", "Punya saya"),
        (PLANNER2, "planner", "save", "list", "Daftar kedua"),
        (ADMIN, "admin", "restore", "list", "Punya saya"),
    ]  # the refused overwrite and the viewer left no row
    with engine.connect() as c:
        owners = dict(c.execute(sa.text("select name, owner from target_lists")).all())
    assert owners == {"Rencana Bangli": PLANNER, "Punya saya": PLANNER, "Daftar kedua": PLANNER2}


CAFE = "Daftar Caf\u00e9"


def test_names_rule_in_the_browser(auth_app, browser):
    """Issue 18 on the page: one name for the NFC/NFD/case twins, invisible and control characters
    removed or refused with the reason, the limit in the message, markup shown as text."""
    base, engine = auth_app
    j = _login(browser, base, PLANNER)
    _select_villages(j)
    assert f'List "{CAFE}" saved (version 1' in _save(j, CAFE)
    nfd = unicodedata.normalize("NFD", CAFE)
    assert nfd != CAFE
    for twin in (nfd, "daftar caf\u00e9", "Daftar\u200b Caf\u00e9", "  DAFTAR   CAFÉ "):
        said = _save(j, twin)
        assert f'A list named "{CAFE}" already exists (version 1)' in said, (twin, said)
        assert "tick \"Overwrite\"" in said
    assert f'List "{CAFE}" saved (version 2' in _save(j, nfd, overwrite=True)  # the same list, a new version
    said = _save(j, "\u200b\u200b\u200b")
    assert "A name is needed: it must have at least one visible character" in said
    said = _save(j, "x" * 10_000)
    assert "The name is too long: at most 120 characters (10000 given)" in said
    assert 'List "efaC ratfaD" saved' in _save(j, "\u202eefaC ratfaD")  # the override is gone
    assert 'List "ab[31mc" saved' in _save(j, "a\x07b\x1b[31mc")  # bell and escape removed
    markup = "**bold** <b>x</b> [link](https://example.org) ${alert(1)}"
    assert f'List "{markup}" saved' in _save(j, markup)
    main = j.page.locator('[data-testid="stMain"]')
    assert main.locator("strong, b, a[href='https://example.org']").filter(has_text=re.compile("bold|^x$|link")).count() == 0
    listed = _open_tab_names(j)
    assert {CAFE, "efaC ratfaD", "ab[31mc", markup} <= set(listed)
    assert [n for n in listed if "caf" in n.casefold()] == [CAFE]  # one entry
    # open the list by its NFD twin's entry: one list, its latest version
    _choose(j, "List", CAFE)
    j.click("Open as the selection")
    assert f'List "{CAFE}" version 2 opened' in _alerts(j)
    j.page.screenshot(path=str(ARTIFACTS / "names_browser.png"), full_page=True)
    assert not j.exceptions(), j.exceptions()
    with engine.connect() as c:
        rows = c.execute(sa.text("select name, name_key from target_lists where deleted_at is null")).all()
    names = {r.name for r in rows}
    assert CAFE in names and nfd not in names
    assert all(unicodedata.is_normalized("NFC", n) and not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in n)
               for n in names)
