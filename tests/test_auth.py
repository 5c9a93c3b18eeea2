"""Login and roles through the router (AppTest): who the actor is, what a page offers each role,
and the app without a login configured (the local default). The browser tests with a real login
through an OpenID provider are in tests/test_browser_auth.py."""
from __future__ import annotations

import pytest
from conftest import needs_shared

from ui import auth

AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 40,
        "client_id": "map", "client_secret": "s", "server_metadata_url": "http://localhost:1/.well-known/openid-configuration"}
ROLES = {"admins": ["Kepala@BPJS.test"], "planners": ["perencana@bpjs.test", "kepala@bpjs.test"]}


@pytest.mark.parametrize("user, role", [
    ("kepala@bpjs.test", "admin"),  # in both lists: the higher role; case and spaces do not matter
    ("  PERENCANA@bpjs.test ", "planner"),
    ("tamu@bpjs.test", "viewer"),
    ("", "viewer"),
    ("perencana@bpjs.test.evil", "viewer"),  # whole addresses only
])
def test_role_for(user, role):
    assert auth.role_for(user, ROLES) == role


def test_role_lists_as_one_string():
    assert auth.role_for("b@x.id", {"planners": "a@x.id, b@x.id"}) == "planner"
    assert auth.role_for("b@x.id", {}) == "viewer"


def _app(page: str | None = None, user: dict | None = None, secrets: bool = True):
    from streamlit.testing.v1 import AppTest

    from conftest import ROOT
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=180)
    at.query_params["lang"] = "en"
    if secrets:
        at.secrets["auth"] = AUTH
        at.secrets["roles"] = ROLES
    if user is not None:
        at.user = user
    if page:
        at.switch_page(f"app_pages/{page}.py")
    return at.run()


@needs_shared
def test_without_a_login_the_app_runs_as_the_local_admin_and_says_so():
    at = _app("admin", secrets=False)
    assert not at.exception
    assert any("No login configured" in c.value for c in at.sidebar.caption)
    assert [s.value for s in at.subheader] == ["Bin", "Audit log"]  # the local admin's page
    assert not [b for b in at.sidebar.button if b.label in ("Log in", "Log out")]


@needs_shared
def test_with_a_login_configured_nothing_shows_before_it():
    at = _app(user={"is_logged_in": False})
    assert not at.exception
    assert [i.value for i in at.info] == ["This app needs a login."]
    assert "Log in" in [b.label for b in at.sidebar.button]
    assert [b.label for b in at.main.button] == ["Log in"]  # on a phone the sidebar is folded away
    assert not at.title  # no page ran


@needs_shared
@pytest.mark.parametrize("email, role, can_save", [("tamu@bpjs.test", "viewer", False),
                                                   ("perencana@bpjs.test", "planner", True)])
def test_the_save_button_follows_the_role(email, role, can_save):
    at = _app("targets", user={"is_logged_in": True, "email": email})
    assert not at.exception
    assert any(f"Logged in as {email}".replace(".", "\\.") in c.value and f"({role})" in c.value
               for c in at.sidebar.caption)
    save = next(b for b in at.button if b.label == "Save")
    assert save.disabled is (not can_save)
    said = [c.value for c in at.caption]
    assert any("The viewer role can only view" in c for c in said) is (not can_save)
