"""What the store's parts share: the engine, the schema at its head revision, the upgrade,
errors with message keys, the acting user, and one way to run a write transaction.

Why these choices (``../shared/DESIGN.md``): several people save at once, and no save may be
lost. SQLite under WAL fails a read-then-write transaction at once with "database is locked"
when it was opened with the default deferred ``BEGIN``, whatever the timeout; ``BEGIN
IMMEDIATE`` takes the write lock first and waits (busy timeout) instead. On Python 3.11 that
needs the pysqlite driver's own transaction handling switched off (``isolation_level=None``)
and an event hook that emits the ``BEGIN``. WAL with ``synchronous=FULL`` makes a committed
save survive a power cut or a ``kill -9``. PostgreSQL uses the same code: a save that races
another on the same name hits the unique index and is retried, so it never overwrites silently.
The schema is changed only by the Alembic revisions in ``geo/outputs/store/migrations`` (:func:`upgrade`);
the tables below are the head revision's, checked against it by the tests.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Literal, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from geo.core import i18n
from geo.core.paths import PROJECT_ROOT

URL_ENV = "GEO_DATABASE_URL"
DEFAULT_PATH = PROJECT_ROOT / "data" / "targets.sqlite"
BUSY_TIMEOUT_S = 60
RETRIES = 50  # a save that loses a race retries; each lost race means another save went through
NAME_MAX = 120
KEY_MAX = 4 * NAME_MAX  # a folded key can be longer than its name (casefold: "ß" -> "ss")
TEXT_MAX = 4000
log = logging.getLogger("geo.store")
T = TypeVar("T")

# ---------------------------------------------------------------- schema (head revision)

metadata = sa.MetaData()
lists = sa.Table(
    "target_lists", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(NAME_MAX), nullable=False, unique=True),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("name_key", sa.String(KEY_MAX), nullable=True),  # always set; nullable since the release had none
    sa.Column("owner", sa.String(NAME_MAX), nullable=True),  # None: saved before roles existed (an admin's)
    sa.Column("deleted_at", sa.String(32), nullable=True),  # in the bin since
    sa.Column("deleted_by", sa.String(NAME_MAX), nullable=True),
    sa.Index("ix_target_lists_name_key", "name_key", unique=True),
)
versions = sa.Table(
    "target_list_versions", metadata,
    sa.Column("list_id", sa.Integer, sa.ForeignKey("target_lists.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("author", sa.String(NAME_MAX), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("codes", sa.Text, nullable=False),  # JSON list of village codes
    sa.Column("settings", sa.Text, nullable=False),  # JSON object
    sa.Column("created_at", sa.String(32), nullable=False),
)
datasets = sa.Table(
    "datasets", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(NAME_MAX), nullable=False),
    sa.Column("name_key", sa.String(KEY_MAX), nullable=False),
    sa.Column("owner", sa.String(NAME_MAX), nullable=False),  # the user who created it
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("deleted_at", sa.String(32), nullable=True),  # in the bin since
    sa.Column("deleted_by", sa.String(NAME_MAX), nullable=True),
    sa.Index("ix_datasets_name_key", "name_key", unique=True),
)
dataset_versions = sa.Table(
    "dataset_versions", metadata,
    sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("file_name", sa.String(255), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("provinces", sa.Text, nullable=False),  # JSON list of province codes
    sa.Column("periods", sa.Text, nullable=False),  # JSON list of YYYY-MM
    sa.Column("period", sa.String(7), nullable=True),  # Figures.period
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("synthetic", sa.Boolean, nullable=False),
    sa.Column("notes", sa.Text, nullable=False),  # JSON list
    sa.Column("report", sa.Text, nullable=False),  # JSON object: the join report's summary
    sa.Column("row_count", sa.Integer, nullable=False),
    sa.Column("rows", sa.Text, nullable=False),  # JSON: the canonical rows used (geo.outputs.store.datastore)
    sa.Column("saved_by", sa.String(NAME_MAX), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
)

audit = sa.Table(
    "audit", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("user", sa.String(NAME_MAX), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),  # save, overwrite, rename, delete, restore, purge
    sa.Column("kind", sa.String(16), nullable=False),  # list, dataset
    sa.Column("object_id", sa.Integer, nullable=False),
    sa.Column("object_name", sa.String(NAME_MAX), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),  # JSON object: version, former name, ...
)
AUDIT_ACTIONS = ("save", "overwrite", "rename", "delete", "restore", "purge")

# ---------------------------------------------------------------- errors


class StoreError(Exception):
    """A save or an open that cannot be done; ``key`` and ``params`` make the user's message.

    ``str(error)`` is the English message; :meth:`text` gives it in the user's language
    (keys in geo/strings/store.json and geo/strings/names.json).
    """

    def __init__(self, key: str, **params: object):
        self.key, self.params = key, params
        super().__init__(self.text("en"))

    def text(self, lang: str = i18n.DEFAULT_LANG) -> str:
        return i18n.t(self.key, lang, **self.params)


class NameExists(StoreError):
    """The (folded) name is taken; ``version`` is the latest version of what holds it."""

    def __init__(self, name: str, version: int, kind: str = "list"):
        super().__init__(f"st_name_exists_{kind}", name=name, version=version)
        self.name, self.version, self.kind = name, version, kind


class NameInBin(StoreError):
    """The name belongs to something in the bin: restore it, or choose another name."""

    def __init__(self, name: str, kind: str = "list"):
        super().__init__(f"st_name_in_bin_{kind}", name=name)
        self.name, self.kind = name, kind


class NotFound(StoreError):
    pass


class InvalidName(StoreError):
    """A name refused by the rule of ``geo.core.names`` (nothing visible, too long)."""


class PermissionDenied(StoreError):
    """The actor's role (or ownership) does not allow this change; checked in the store."""


class Unwritable(StoreError):
    """The database refuses writes: read-only, full, or unreachable."""


# ---------------------------------------------------------------- who acts

ROLES = ("viewer", "planner", "admin")
Role = Literal["viewer", "planner", "admin"]


@dataclass(frozen=True)
class Actor:
    """The user behind a change and their role (issue 17).

    viewer: reads only. planner: creates lists and datasets, and changes, deletes and restores
    their own (``owner == user``); another planner's are read-only to them (an admin can
    change them). admin: everything, including the audit log. Without a login configured the
    app acts as :data:`LOCAL` (an admin), so it works as before roles existed.
    """

    user: str
    role: Role

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; one of {', '.join(ROLES)}")
        if not str(self.user or "").strip():
            raise ValueError("an actor needs a user name")


LOCAL = Actor("local", "admin")
SYSTEM = Actor("system", "admin")  # automatic work: the bin's purge after 30 days


def default_actor() -> Actor:
    """The actor when no login is configured: :data:`LOCAL`, an admin (documented in README)."""
    return LOCAL


NEW = object()  # the owner of what does not exist yet


def check_write(actor: Actor, owner, kind: str, name: str) -> None:
    """Raise :class:`PermissionDenied` unless ``actor`` may change an object owned by ``owner``.

    ``owner is NEW``: a new object (planners and admins create). Objects with no recorded
    owner (None: saved before roles existed) are an admin's to change.
    """
    if not isinstance(actor, Actor):
        raise TypeError("every write needs an Actor")
    if actor.role == "viewer":
        raise PermissionDenied("st_denied_viewer", user=actor.user)
    if actor.role == "admin" or owner is NEW or owner == actor.user:
        return
    raise PermissionDenied(f"st_denied_owner_{kind}", user=actor.user, name=name, owner=owner or "–")


# ---------------------------------------------------------------- engine and schema


def database_url() -> str:
    """``$GEO_DATABASE_URL``, or the SQLite file ``data/targets.sqlite`` of the project."""
    return os.environ.get(URL_ENV) or f"sqlite:///{DEFAULT_PATH}"


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url``; for SQLite: WAL, synchronous=FULL, busy timeout, BEGIN IMMEDIATE."""
    url = url or database_url()
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S, "isolation_level": None})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # writers take the lock up front and wait for it; readers need no lock in WAL
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("geo_read") else "BEGIN IMMEDIATE")

    return engine


MIGRATIONS = Path(__file__).with_name("migrations")
_PG_LOCK = 0x6765_6F73  # "geos": the advisory lock that serialises upgrades on PostgreSQL


def alembic_config(connection=None, report: list | None = None):
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    cfg.attributes["report"] = report if report is not None else []
    return cfg


def head_revision() -> str:
    """The newest revision in ``geo/outputs/store/migrations/versions``."""
    from alembic.script import ScriptDirectory
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The database's revision (None: empty, or written by the first release without Alembic)."""
    from alembic.runtime.migration import MigrationContext
    with engine.connect().execution_options(geo_read=True) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> list[str]:
    """Bring the schema to the head revision (``alembic upgrade head``), once, whoever starts first.

    Returns what the revisions report for people (lists renamed, ...), empty when nothing ran.
    A database at head is only read, so a read-only one still opens. Otherwise the upgrade
    runs in one transaction that holds the write lock (SQLite ``BEGIN IMMEDIATE``; a
    PostgreSQL advisory lock, DDL being transactional there): processes starting together
    wait for it and then find the schema current.
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    head = head_revision()
    if current_revision(engine) == head:
        return []
    report: list[str] = []
    for attempt in range(RETRIES):
        try:
            with engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
                if MigrationContext.configure(conn).get_current_revision() != head:
                    command.upgrade(alembic_config(conn, report), "head")
            for line in report:
                log.warning("store upgrade: %s", line)
            return report
        except OperationalError as exc:
            if "locked" not in str(exc).lower() or attempt == RETRIES - 1:
                raise
            report.clear()
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- transactions

_READ_ONLY = ("readonly", "read-only", "read only")
_FULL = ("disk is full", "database or disk is full", "no space left", "could not extend file", "disk full")


def unwritable(exc: DBAPIError) -> Unwritable | None:
    """The user's message for a database that refuses writes (None: some other failure)."""
    text = str(getattr(exc, "orig", exc)).lower()
    if any(m in text for m in _READ_ONLY):
        return Unwritable("st_read_only")
    if any(m in text for m in _FULL):
        return Unwritable("st_full")
    if isinstance(exc, OperationalError) and "locked" not in text:
        return Unwritable("st_unavailable", error=str(getattr(exc, "orig", exc)).splitlines()[0][:200])
    return None


def write(engine: Engine, work: Callable[[Connection], T]) -> T:
    """Run ``work`` in one write transaction, retried when it lost a race.

    A unique index hit means another session saved the same name (or version) first: looking
    again then finds it. A database that refuses writes raises :class:`Unwritable`.
    """
    for attempt in range(RETRIES):
        try:
            with engine.begin() as conn:
                return work(conn)
        except IntegrityError:
            if attempt == RETRIES - 1:
                raise
            time.sleep(random.uniform(0, 0.01 * (attempt + 1)))  # jitter: racers do not meet again
        except DBAPIError as exc:
            bad = unwritable(exc)
            if bad is not None:
                raise bad from None
            if "locked" not in str(exc).lower() or attempt == RETRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def read(engine: Engine) -> Connection:
    """A connection for reading (SQLite: a plain ``BEGIN``, no write lock)."""
    return engine.connect().execution_options(geo_read=True)
