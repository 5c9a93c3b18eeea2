"""Alembic revisions of the store's schema, run from code (``geo.store.upgrade``), no alembic.ini.

``env.py`` takes the connection (already inside the caller's transaction, with the lock held)
from ``config.attributes["connection"]``; revisions append what they changed for the user to
``config.attributes["report"]`` (e.g. a list renamed because its name had a twin). A new
revision: ``versions/NNNN_what.py`` with ``revision = "NNNN"`` and ``down_revision`` the
previous one; ``.venv/bin/alembic -c /dev/null`` is never needed.
"""
