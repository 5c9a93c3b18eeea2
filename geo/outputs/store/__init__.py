"""Saved target lists and datasets in a real database: SQLite by default, PostgreSQL through a URL.

The public API of the store. The engine, the schema, the upgrade and the errors are in
``geo.outputs.store.core``, the datasets in ``geo.outputs.store.datastore``; everything is re-exported here.
A list's name is unique. Saving under an existing name needs ``overwrite=True``, and even
then the earlier content is kept as an older version: a list is a sequence of versions.
Opening a :class:`Store` upgrades its schema to the newest Alembic revision.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import sqlalchemy as sa

from geo.core import codes as codes_mod
from geo.core import names as names_mod
from geo.outputs.store.core import (  # noqa: F401
    AUDIT_ACTIONS,
    BUSY_TIMEOUT_S,
    DEFAULT_PATH,
    LOCAL,
    NAME_MAX,
    NEW,
    RETRIES,
    ROLES,
    SYSTEM,
    TEXT_MAX,
    URL_ENV,
    Actor,
    InvalidName,
    NameExists,
    NameInBin,
    NotFound,
    PermissionDenied,
    StoreError,
    Unwritable,
    alembic_config,
    audit,
    check_write,
    current_revision,
    database_url,
    dataset_versions,
    datasets,
    default_actor,
    head_revision,
    lists,
    make_engine,
    metadata,
    now,
    read,
    upgrade,
    versions,
    write,
)
from geo.outputs.store.datastore import (  # noqa: F401
    BIN_DAYS,
    DatasetStore,
    OpenedDataset,
    PeriodSource,
    SavedDataset,
    bin_cutoff,
    frame_from_json,
    frame_to_json,
)


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
    owner: str | None = None  # the user who created it (None: saved before roles existed)
    deleted_at: str | None = None  # in the bin since
    deleted_by: str | None = None


@dataclass
class BinEntry:
    """Something in the bin: a list (``id`` None: lists are named) or a dataset (by ``id``)."""

    kind: str  # "list" | "dataset"
    id: int | None
    name: str
    versions: int
    owner: str | None
    deleted_at: str
    deleted_by: str | None
    expires_at: str  # purged after this


@dataclass
class AuditEntry:
    id: int
    at: str
    user: str
    role: str
    action: str  # save, overwrite, rename, delete, restore, purge
    kind: str  # list, dataset
    object_id: int
    object_name: str
    detail: dict


def bin_expiry(deleted_at: str | None) -> str:
    """When something deleted at ``deleted_at`` leaves the bin for good (ISO date and time)."""
    if not deleted_at:
        return ""
    return (dt.datetime.fromisoformat(deleted_at) + dt.timedelta(days=BIN_DAYS)).isoformat(timespec="seconds")


_expires = bin_expiry


def clean_name(name: str) -> str:
    """A list's or dataset's name under the rule of ``geo.core.names``; :class:`InvalidName` if refused."""
    return _named(names_mod.clean, name, NAME_MAX)


def clean_author(author: str) -> str:
    return _named(names_mod.clean_optional, author, NAME_MAX)


def clean_note(note: str) -> str:
    return _named(names_mod.clean_note, note, TEXT_MAX)


def _named(rule, value, limit: int) -> str:
    try:
        return rule(value, limit)
    except names_mod.NameRefused as exc:
        raise InvalidName(exc.key, **exc.params) from None


name_key = names_mod.fold


def clean_codes(values: list[str]) -> list[str]:
    """Village codes normalised, duplicates dropped in order; a bad code is an error, not skipped."""
    out = []
    for v in values:
        c = codes_mod.normalise(v)
        if c is None or codes_mod.level_of(c) != "village":
            raise StoreError("st_not_village_code", value=repr(v))
        out.append(c)
    return list(dict.fromkeys(out))


class Store(DatasetStore):
    """Saved target lists and datasets. One instance per process (it holds a connection pool).

    Opening a store upgrades its schema to the newest revision (:func:`upgrade`); what the
    upgrade reported is kept in ``migration_report``.
    """

    def __init__(self, url: str | None = None, purge: bool = True):
        self.url = url or database_url()
        self.engine = make_engine(self.url)
        self.migration_report = upgrade(self.engine)
        self.purged: list[tuple[str, int, str]] = []
        if purge:  # the bin's expired entries go at every start (a read-only database keeps them)
            try:
                self.purged = self.purge_expired()
            except Unwritable:
                pass

    @staticmethod
    def _name(name: str) -> tuple[str, str]:
        clean = clean_name(name)
        return clean, name_key(clean)

    @staticmethod
    def _audit(conn, actor: Actor, action: str, kind: str, object_id: int, name: str, detail: dict) -> None:
        """One audit row, in the transaction of the change it records."""
        assert action in AUDIT_ACTIONS
        conn.execute(audit.insert().values(at=now(), user=actor.user, role=actor.role, action=action, kind=kind,
                                           object_id=int(object_id), object_name=name,
                                           detail=json.dumps(detail, ensure_ascii=False, default=str)))

    # ------------------------------------------------------------ writing lists

    def save(self, name: str, codes: list[str], author: str = "", note: str = "",
             settings: dict | None = None, overwrite: bool = False, *, actor: Actor) -> SavedList:
        """Save a list; an existing name raises :class:`NameExists` unless ``overwrite``.

        Overwriting adds a version: the earlier ones stay and can be opened. Any planner
        creates; overwriting is the owner's or an admin's (:func:`check_write`).
        """
        name, key = self._name(name)
        author, note = clean_author(author), clean_note(note)
        village_codes = clean_codes(codes)
        settings_json = json.dumps(settings or {}, ensure_ascii=False, sort_keys=True, default=str)
        check_write(actor, NEW, "list", name)

        def work(conn):
            row = conn.execute(sa.select(lists).where(lists.c.name_key == key)).first()
            if row is None:
                list_id = conn.execute(lists.insert().values(name=name, name_key=key, owner=actor.user,
                                                             created_at=now())).inserted_primary_key[0]
                version, saved_name, action = 1, name, "save"
            else:
                list_id, saved_name = row.id, row.name  # the name as it was first saved
                if row.deleted_at is not None:
                    raise NameInBin(saved_name, "list")
                latest = self._list_versions(conn, list_id)
                if not overwrite:
                    raise NameExists(saved_name, latest)
                check_write(actor, row.owner, "list", saved_name)
                version, action = latest + 1, "overwrite"
            created = now()
            conn.execute(versions.insert().values(
                list_id=list_id, version=version, author=author, note=note,
                codes=json.dumps(village_codes), settings=settings_json, created_at=created))
            self._audit(conn, actor, action, "list", list_id, saved_name, {"version": version})
            return SavedList(saved_name, version, author, note, village_codes, json.loads(settings_json), created,
                             version)

        return write(self.engine, work)

    def rename(self, name: str, new_name: str, *, actor: Actor) -> SavedList:
        """Rename a list (every version goes with it); the new name must be free, bin included."""
        new, new_key = self._name(new_name)

        def work(conn):
            row = self._list_row(conn, name)
            check_write(actor, row.owner, "list", row.name)
            other = conn.execute(sa.select(lists).where(lists.c.name_key == new_key, lists.c.id != row.id)).first()
            if other is not None:
                if other.deleted_at is not None:
                    raise NameInBin(other.name, "list")
                raise NameExists(other.name, self._list_versions(conn, other.id))
            conn.execute(lists.update().where(lists.c.id == row.id).values(name=new, name_key=new_key))
            self._audit(conn, actor, "rename", "list", row.id, new, {"from": row.name})

        write(self.engine, work)
        return self.open(new)

    def delete(self, name: str, *, actor: Actor) -> int:
        """Move a list with all its versions to the bin for :data:`BIN_DAYS` days.

        Returns how many versions went (0 when there is no such list).
        """
        def work(conn):
            try:
                row = self._list_row(conn, name)
            except NotFound:
                return 0
            check_write(actor, row.owner, "list", row.name)
            conn.execute(lists.update().where(lists.c.id == row.id).values(deleted_at=now(), deleted_by=actor.user))
            self._audit(conn, actor, "delete", "list", row.id, row.name, {})
            return self._list_versions(conn, row.id)

        return write(self.engine, work)

    def restore(self, name: str, *, actor: Actor) -> SavedList:
        """Bring a list back from the bin with every version (its owner or an admin)."""
        def work(conn):
            row = self._list_row(conn, name, deleted=True)
            check_write(actor, row.owner, "list", row.name)
            conn.execute(lists.update().where(lists.c.id == row.id).values(deleted_at=None, deleted_by=None))
            self._audit(conn, actor, "restore", "list", row.id, row.name, {})
            return row.name

        return self.open(write(self.engine, work))

    def purge_expired(self, actor: Actor = SYSTEM, at=None) -> list[tuple[str, int, str]]:
        """Delete for good what has been in the bin for more than :data:`BIN_DAYS` days.

        Returns (kind, id, name) of what was purged, each recorded in the audit log. An admin's
        (or the system's, at every start) to do; ``at`` is the time to count from (default: now).
        """
        if actor.role != "admin":
            raise PermissionDenied("st_denied_admin", user=actor.user, role=actor.role)
        cutoff = bin_cutoff(at)
        with self._read() as conn:  # most starts find nothing: no write lock taken then
            expired = [conn.execute(sa.select(sa.func.count()).where(t.c.deleted_at.is_not(None),
                                                                     t.c.deleted_at < cutoff)).scalar()
                       for t in (lists, datasets)]
        if not any(expired):
            return []

        def work(conn):
            gone = conn.execute(sa.select(lists.c.id, lists.c.name)
                                .where(lists.c.deleted_at.is_not(None), lists.c.deleted_at < cutoff)).all()
            for r in gone:
                conn.execute(versions.delete().where(versions.c.list_id == r.id))
                conn.execute(lists.delete().where(lists.c.id == r.id))
            out = [("list", int(r.id), r.name) for r in gone]
            out += [("dataset", i, n) for i, n in self._purge_datasets(conn, cutoff)]
            for kind, i, n in out:
                self._audit(conn, actor, "purge", kind, i, n, {})
            return out

        return write(self.engine, work)

    # ------------------------------------------------------------ reading lists

    def _read(self):
        return read(self.engine)

    def _list_row(self, conn, name: str, deleted: bool = False):
        """The list called ``name`` (folded), live or (``deleted``) in the bin and not expired."""
        clean, key = self._name(name)
        row = conn.execute(sa.select(lists).where(lists.c.name_key == key)).first()
        if row is None or (row.deleted_at is not None) != deleted:
            raise NotFound("st_list_not_in_bin" if deleted else "st_list_not_found", name=clean)
        if deleted and row.deleted_at < bin_cutoff():
            raise NotFound("st_list_not_in_bin", name=clean)  # expired: awaiting the purge
        return row

    @staticmethod
    def _list_versions(conn, list_id: int) -> int:
        return int(conn.execute(sa.select(sa.func.max(versions.c.version))
                                .where(versions.c.list_id == list_id)).scalar() or 0)

    def _summaries(self, deleted: bool) -> list[Summary]:
        latest = (sa.select(versions.c.list_id, sa.func.max(versions.c.version).label("v"))
                  .group_by(versions.c.list_id).subquery())
        live = lists.c.deleted_at.is_not(None) if deleted else lists.c.deleted_at.is_(None)
        q = (sa.select(lists.c.name, lists.c.created_at.label("first"), lists.c.owner, lists.c.deleted_at,
                       lists.c.deleted_by, versions)
             .join(latest, latest.c.list_id == lists.c.id)
             .join(versions, sa.and_(versions.c.list_id == lists.c.id, versions.c.version == latest.c.v))
             .where(live))
        with self._read() as conn:
            rows = conn.execute(q).all()
        return [Summary(r.name, r.version, r.author, len(json.loads(r.codes)), r.created_at, r.first, r.owner,
                        r.deleted_at, r.deleted_by) for r in rows]

    def names(self) -> list[Summary]:
        """Every list (not in the bin) with its latest version, most recently saved first."""
        return sorted(self._summaries(False), key=lambda s: (s.created_at, s.name), reverse=True)

    def binned_lists(self) -> list[Summary]:
        """Lists in the bin (restorable until ``deleted_at`` + :data:`BIN_DAYS`), latest deleted first."""
        cutoff = bin_cutoff()
        out = [s for s in self._summaries(True) if s.deleted_at >= cutoff]
        return sorted(out, key=lambda s: s.deleted_at, reverse=True)

    def bin(self) -> list[BinEntry]:
        """Everything in the bin, lists and datasets, most recently deleted first."""
        out = [BinEntry("list", None, s.name, s.version, s.owner, s.deleted_at, s.deleted_by, _expires(s.deleted_at))
               for s in self.binned_lists()]
        out += [BinEntry("dataset", d.id, d.name, d.versions, d.owner, d.deleted_at, d.deleted_by,
                         _expires(d.deleted_at)) for d in self.binned_datasets()]
        return sorted(out, key=lambda e: e.deleted_at, reverse=True)

    def open(self, name: str, version: int | None = None) -> SavedList:
        """A list (its latest version unless ``version`` is given)."""
        with self._read() as conn:
            row = self._list_row(conn, name)
            n = self._list_versions(conn, row.id)
            q = sa.select(versions).where(versions.c.list_id == row.id)
            q = q.where(versions.c.version == version) if version is not None else \
                q.order_by(versions.c.version.desc()).limit(1)
            v = conn.execute(q).first()
        if v is None:
            raise NotFound("st_list_no_version", name=row.name, version=version)
        return SavedList(row.name, v.version, v.author, v.note, json.loads(v.codes), json.loads(v.settings),
                         v.created_at, int(n))

    def history(self, name: str) -> list[SavedList]:
        """Every version of a list, oldest first (empty when there is no such list)."""
        with self._read() as conn:
            try:
                row = self._list_row(conn, name)
            except NotFound:
                return []
            rows = conn.execute(sa.select(versions).where(versions.c.list_id == row.id)
                                .order_by(versions.c.version)).all()
        return [SavedList(row.name, r.version, r.author, r.note, json.loads(r.codes), json.loads(r.settings),
                          r.created_at, len(rows)) for r in rows]

    def audit_log(self, actor: Actor, limit: int = 500) -> list[AuditEntry]:
        """The latest changes, newest first: an admin's to read."""
        if actor.role != "admin":
            raise PermissionDenied("st_denied_admin", user=actor.user, role=actor.role)
        with self._read() as conn:
            rows = conn.execute(sa.select(audit).order_by(audit.c.id.desc()).limit(int(limit))).all()
        return [AuditEntry(int(r.id), r.at, r.user, r.role, r.action, r.kind, int(r.object_id), r.object_name,
                           json.loads(r.detail)) for r in rows]

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
