"""Saved target lists in a real database: SQLite by default, PostgreSQL through a URL (SQLAlchemy).

Why these choices (``../shared/DESIGN.md``): several people save at once, and no save may be
lost. SQLite under WAL fails a read-then-write transaction at once with "database is locked"
when it was opened with the default deferred ``BEGIN``, whatever the timeout; ``BEGIN
IMMEDIATE`` takes the write lock first and waits (busy timeout) instead. On Python 3.11 that
needs the pysqlite driver's own transaction handling switched off (``isolation_level=None``)
and an event hook that emits the ``BEGIN``. WAL with ``synchronous=FULL`` makes a committed
save survive a power cut. PostgreSQL uses the same code: a save that races another on the
same name hits the unique constraint and is retried, so it never overwrites silently.

A list's name is unique. Saving under an existing name needs ``overwrite=True``, and even
then the earlier content is kept as an older version: a list is a sequence of versions.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from . import codes as codes_mod
from .upstream import PROJECT_ROOT

URL_ENV = "GEO_DATABASE_URL"
DEFAULT_PATH = PROJECT_ROOT / "data" / "targets.sqlite"
NAME_MAX = 120
TEXT_MAX = 4000
BUSY_TIMEOUT_S = 60
log = logging.getLogger(__name__)
RETRIES = 50  # a save that loses a race retries; each lost race means another save went through

metadata = sa.MetaData()
lists = sa.Table(
    "target_lists", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(NAME_MAX), nullable=False, unique=True),
    sa.Column("created_at", sa.String(32), nullable=False),
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


class StoreError(Exception):
    """A save or an open that cannot be done, with a message for the user."""


class NameExists(StoreError):
    def __init__(self, name: str, version: int):
        super().__init__(f"a list named {name!r} already exists (version {version}); "
                         "save under another name or overwrite it explicitly (the earlier version is kept)")
        self.name, self.version = name, version


class NotFound(StoreError):
    pass


@dataclass
class SavedList:
    name: str
    version: int
    author: str
    note: str
    codes: list[str]
    settings: dict
    created_at: str
    versions: int = 1  # how many versions the list has


@dataclass
class Summary:
    name: str
    version: int  # the latest
    author: str
    villages: int
    created_at: str  # of the latest version
    first_created_at: str = field(default="")


def database_url() -> str:
    """``$GEO_DATABASE_URL``, or the SQLite file ``data/targets.sqlite`` of the project."""
    return os.environ.get(URL_ENV) or f"sqlite:///{DEFAULT_PATH}"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url``; for SQLite: WAL, synchronous=FULL, busy timeout, BEGIN IMMEDIATE."""
    url = url or database_url()
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
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


def clean_name(name: str) -> str:
    text = " ".join(str(name or "").split())
    if not text:
        raise StoreError("a list needs a name")
    if len(text) > NAME_MAX:
        raise StoreError(f"a list name has at most {NAME_MAX} characters ({len(text)} given)")
    return text


def clean_codes(values: list[str]) -> list[str]:
    """Village codes normalised, duplicates dropped in order; a bad code is an error, not skipped."""
    out = []
    for v in values:
        c = codes_mod.normalise(v)
        if c is None or codes_mod.level_of(c) != "village":
            raise StoreError(f"not a village code: {v!r}")
        out.append(c)
    return list(dict.fromkeys(out))


MIGRATIONS = Path(__file__).with_name("store_migrations")
_PG_LOCK = 0x6765_6F73  # "geos": the advisory lock that serialises upgrades on PostgreSQL


def _alembic_config(connection=None, report: list | None = None):
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    cfg.attributes["report"] = report if report is not None else []
    return cfg


def head_revision() -> str:
    """The newest revision in ``geo/store_migrations/versions``."""
    from alembic.script import ScriptDirectory
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


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
                    command.upgrade(_alembic_config(conn, report), "head")
            return report
        except OperationalError as exc:
            if "locked" not in str(exc).lower() or attempt == RETRIES - 1:
                raise
            report.clear()
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


class Store:
    """Saved target lists. One instance per process (it holds a connection pool).

    Opening a store upgrades its schema to the newest revision (:func:`upgrade`); what the
    upgrade reported is kept in ``migration_report``.
    """

    def __init__(self, url: str | None = None):
        self.url = url or database_url()
        self.engine = make_engine(self.url)
        self.migration_report = upgrade(self.engine)
        for line in self.migration_report:
            log.warning("store upgrade: %s", line)

    def _read(self):
        return self.engine.connect().execution_options(geo_read=True)

    # ------------------------------------------------------------ writing

    def save(self, name: str, codes: list[str], author: str = "", note: str = "",
             settings: dict | None = None, overwrite: bool = False) -> SavedList:
        """Save a list; an existing name raises :class:`NameExists` unless ``overwrite``.

        Overwriting adds a version: the earlier ones stay and can be opened.
        """
        name = clean_name(name)
        author = " ".join(str(author or "").split())[:NAME_MAX]
        note = str(note or "")[:TEXT_MAX]
        village_codes = clean_codes(codes)
        settings_json = json.dumps(settings or {}, ensure_ascii=False, sort_keys=True, default=str)
        for attempt in range(RETRIES):
            try:
                with self.engine.begin() as conn:
                    row = conn.execute(sa.select(lists.c.id).where(lists.c.name == name)).first()
                    if row is None:
                        list_id = conn.execute(lists.insert().values(name=name, created_at=_now())) \
                            .inserted_primary_key[0]
                        version = 1
                    else:
                        list_id = row.id
                        latest = conn.execute(sa.select(sa.func.max(versions.c.version))
                                              .where(versions.c.list_id == list_id)).scalar() or 0
                        if not overwrite:
                            raise NameExists(name, latest)
                        version = latest + 1
                    created = _now()
                    conn.execute(versions.insert().values(
                        list_id=list_id, version=version, author=author, note=note,
                        codes=json.dumps(village_codes), settings=settings_json, created_at=created))
                return SavedList(name, version, author, note, village_codes, json.loads(settings_json),
                                 created, version)
            except IntegrityError:
                # PostgreSQL: another session saved the same name (or version) first; look again
                if attempt == RETRIES - 1:
                    raise
                time.sleep(random.uniform(0, 0.01 * (attempt + 1)))  # jitter: racers do not meet again
            except OperationalError as exc:
                if "locked" not in str(exc).lower() or attempt == RETRIES - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def delete(self, name: str) -> int:
        """Delete a list and all its versions; returns how many versions were deleted (0 if none)."""
        name = clean_name(name)
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(lists.c.id).where(lists.c.name == name)).first()
            if row is None:
                return 0
            n = conn.execute(versions.delete().where(versions.c.list_id == row.id)).rowcount
            conn.execute(lists.delete().where(lists.c.id == row.id))
            return int(n)

    # ------------------------------------------------------------ reading

    def names(self) -> list[Summary]:
        """Every list with its latest version, most recently saved first."""
        latest = (sa.select(versions.c.list_id, sa.func.max(versions.c.version).label("v"))
                  .group_by(versions.c.list_id).subquery())
        q = (sa.select(lists.c.name, lists.c.created_at.label("first"), versions)
             .join(latest, latest.c.list_id == lists.c.id)
             .join(versions, sa.and_(versions.c.list_id == lists.c.id, versions.c.version == latest.c.v)))
        with self._read() as conn:
            rows = conn.execute(q).all()
        out = [Summary(r.name, r.version, r.author, len(json.loads(r.codes)), r.created_at, r.first)
               for r in rows]
        return sorted(out, key=lambda s: (s.created_at, s.name), reverse=True)

    def open(self, name: str, version: int | None = None) -> SavedList:
        """A list (its latest version unless ``version`` is given)."""
        name = clean_name(name)
        with self._read() as conn:
            row = conn.execute(sa.select(lists.c.id).where(lists.c.name == name)).first()
            if row is None:
                raise NotFound(f"no saved list named {name!r}")
            n = conn.execute(sa.select(sa.func.count()).where(versions.c.list_id == row.id)).scalar()
            q = sa.select(versions).where(versions.c.list_id == row.id)
            q = q.where(versions.c.version == version) if version is not None else \
                q.order_by(versions.c.version.desc()).limit(1)
            v = conn.execute(q).first()
        if v is None:
            raise NotFound(f"list {name!r} has no version {version}")
        return SavedList(name, v.version, v.author, v.note, json.loads(v.codes), json.loads(v.settings),
                         v.created_at, int(n))

    def history(self, name: str) -> list[SavedList]:
        """Every version of a list, oldest first."""
        name = clean_name(name)
        with self._read() as conn:
            q = (sa.select(versions).join(lists, lists.c.id == versions.c.list_id)
                 .where(lists.c.name == name).order_by(versions.c.version))
            rows = conn.execute(q).all()
        return [SavedList(name, r.version, r.author, r.note, json.loads(r.codes), json.loads(r.settings),
                          r.created_at, len(rows)) for r in rows]

    def dispose(self) -> None:
        self.engine.dispose()


@dataclass
class Comparison:
    only_a: list[str]
    only_b: list[str]
    both: list[str]
    settings_changed: dict  # key -> (a, b) for settings that differ


def compare(a: SavedList, b: SavedList) -> Comparison:
    """Which villages are in one list, the other, or both, and which settings differ."""
    sa_, sb = set(a.codes), set(b.codes)
    keys = sorted(set(a.settings) | set(b.settings))
    changed = {k: (a.settings.get(k), b.settings.get(k)) for k in keys if a.settings.get(k) != b.settings.get(k)}
    return Comparison(sorted(sa_ - sb), sorted(sb - sa_), sorted(sa_ & sb), changed)
