"""Who is working: Streamlit's own login (``st.login``, OpenID Connect) and the roles of ``secrets.toml``.

The login is configured in ``.streamlit/secrets.toml`` as Streamlit documents it (an ``[auth]``
section: ``redirect_uri``, ``cookie_secret``, ``client_id``, ``client_secret``,
``server_metadata_url``). The roles are a section of our own::

    [roles]
    admins = ["kepala@example.go.id"]
    planners = ["perencana@example.go.id"]

Everyone else who logs in is a viewer. Addresses compare without case and surrounding space.
Without an ``[auth]`` section the app runs as it always has: everyone is the local admin
(:data:`geo.outputs.store.LOCAL`), and the sidebar says so.

This decides who the actor is; whether the actor may do something is decided in the store
(:func:`geo.outputs.store.check_write`), never here: buttons are only hidden as a courtesy.
"""
from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from geo.outputs import store as store_mod

# the keys a usable [auth] section needs (a provider's own keys may be in a named sub-section)
_SHARED = ("redirect_uri", "cookie_secret")
_PROVIDER = ("client_id", "client_secret", "server_metadata_url")


def _secrets_section(name: str) -> Mapping:
    """A section of secrets.toml, or {} when there is no secrets file or no such section."""
    try:
        if not st.secrets.load_if_toml_exists():
            return {}
        section = st.secrets.get(name)
    except Exception:  # noqa: BLE001 - an unreadable secrets file means no login, not a crash
        return {}
    return section if isinstance(section, Mapping) else {}


def auth_section() -> Mapping:
    return _secrets_section("auth")


def configured() -> bool:
    """Is a login configured (an [auth] section Streamlit can log in with)?"""
    auth = auth_section()
    if not all(auth.get(k) for k in _SHARED):
        return False
    if all(auth.get(k) for k in _PROVIDER):
        return True
    return any(isinstance(v, Mapping) and all(v.get(k) for k in _PROVIDER) for v in auth.values())


def provider() -> str | None:
    """The provider to log in with: None for a provider in [auth] itself, else the first named one."""
    auth = auth_section()
    if all(auth.get(k) for k in _PROVIDER):
        return None
    return next((k for k, v in auth.items() if isinstance(v, Mapping) and all(v.get(x) for x in _PROVIDER)), None)


def _fold(address: object) -> str:
    return str(address or "").strip().casefold()


def role_for(user: str, roles: Mapping) -> str:
    """The role of ``user`` under a [roles] section: admin, planner, else viewer.

    An address in both lists is an admin. Lists may also be given as one string of
    comma-separated addresses (an environment variable's form).
    """
    def members(key: str) -> set[str]:
        value = roles.get(key) or []
        if isinstance(value, str):
            value = value.split(",")
        return {_fold(v) for v in value if _fold(v)}

    who = _fold(user)
    if who and who in members("admins"):
        return "admin"
    if who and who in members("planners"):
        return "planner"
    return "viewer"


def logged_in() -> bool:
    """Is someone logged in (always False without a login configured)?"""
    if not configured():
        return False
    try:
        return bool(st.user.is_logged_in)
    except Exception:  # noqa: BLE001
        return False


def user_name() -> str:
    """The logged-in user's identity: the e-mail address the provider gives, else its subject."""
    info = st.user
    return _fold(info.get("email")) or str(info.get("sub") or "").strip()


def current_actor() -> store_mod.Actor | None:
    """Who works in this session: the local admin without a login; the logged-in user with their
    role; None when a login is configured and nobody has logged in yet (the app asks for one)."""
    if not configured():
        return store_mod.default_actor()
    if not logged_in() or not user_name():
        return None
    user = user_name()
    return store_mod.Actor(user, role_for(user, _secrets_section("roles")))


def login() -> None:
    """Start the login (a button's callback): Streamlit redirects to the provider."""
    st.login(provider())


def logout() -> None:
    st.logout()
