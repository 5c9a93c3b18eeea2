"""Saved target lists and datasets in a real database: SQLite by default, PostgreSQL through a URL.

The public API of the store. The engine, the schema, the upgrade and the errors are in
``geo.store_core``, the datasets in ``geo.store_datasets``; everything is re-exported here.
A list's name is unique. Saving under an existing name needs ``overwrite=True``, and even
then the earlier content is kept as an older version: a list is a sequence of versions.
Opening a :class:`Store` upgrades its schema to the newest Alembic revision.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import sqlalchemy as sa

from . import codes as codes_mod
from . import names as names_mod
from .store_core import (AUDIT_ACTIONS, BUSY_TIMEOUT_S, DEFAULT_PATH, LOCAL, NAME_MAX, RETRIES, ROLES,  # noqa: F401
                         SYSTEM, TEXT_MAX, URL_ENV, Actor, InvalidName, NameExists, NameInBin, NotFound, PermissionDenied,
                         StoreError, Unwritable, alembic_config, audit, check_write, current_revision,
                         database_url, dataset_versions, datasets, default_actor, head_revision, lists,
                         make_engine, metadata, now, read, upgrade, versions, write)
from .store_datasets import (BIN_DAYS, DatasetStore, OpenedDataset, PeriodSource, SavedDataset,  # noqa: F401
                             bin_cutoff, frame_from_json, frame_to_json)


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


def clean_name(name: str) -> str:
    """A list's or dataset's name under the rule of ``geo.names``; :class:`InvalidName` if refused."""
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

    def __init__(self, url: str | None = None):
        self.url = url or database_url()
        self.engine = make_engine(self.url)
        self.migration_report = upgrade(self.engine)

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

    # ------------------------------------------------------------ writing

    def save(self, name: str, codes: list[str], author: str = "", note: str = "",
             settings: dict | None = None, overwrite: bool = False) -> SavedList:
        """Save a list; an existing name raises :class:`NameExists` unless ``overwrite``.

        Overwriting adds a version: the earlier ones stay and can be opened.
        """
        name, key = self._name(name)
        author, note = clean_author(author), clean_note(note)
        village_codes = clean_codes(codes)
        settings_json = json.dumps(settings or {}, ensure_ascii=False, sort_keys=True, default=str)

        def work(conn):
            row = conn.execute(sa.select(lists.c.id, lists.c.name).where(lists.c.name_key == key)).first()
            if row is None:
                list_id = conn.execute(lists.insert().values(name=name, name_key=key, created_at=now())) \
                    .inserted_primary_key[0]
                version, saved_name = 1, name
            else:
                list_id, saved_name = row.id, row.name  # the name as it was first saved
                latest = conn.execute(sa.select(sa.func.max(versions.c.version))
                                      .where(versions.c.list_id == list_id)).scalar() or 0
                if not overwrite:
                    raise NameExists(saved_name, latest)
                version = latest + 1
            created = now()
            conn.execute(versions.insert().values(
                list_id=list_id, version=version, author=author, note=note,
                codes=json.dumps(village_codes), settings=settings_json, created_at=created))
            return SavedList(saved_name, version, author, note, village_codes, json.loads(settings_json), created,
                             version)

        return write(self.engine, work)

    def delete(self, name: str) -> int:
        """Delete a list and all its versions; returns how many versions were deleted (0 if none)."""
        _, key = self._name(name)

        def work(conn):
            row = conn.execute(sa.select(lists.c.id).where(lists.c.name_key == key)).first()
            if row is None:
                return 0
            n = conn.execute(versions.delete().where(versions.c.list_id == row.id)).rowcount
            conn.execute(lists.delete().where(lists.c.id == row.id))
            return int(n)

        return write(self.engine, work)

    def purge_expired(self, actor: Actor = SYSTEM, at=None) -> list[tuple[str, int, str]]:
        """Delete for good what has been in the bin for more than :data:`BIN_DAYS` days.

        Returns (kind, id, name) of what was purged, each recorded in the audit log. An admin's
        (or the system's) to do; ``at`` is the time to count from (default: now).
        """
        if actor.role != "admin":
            raise PermissionDenied("st_denied_admin", user=actor.user, role=actor.role)
        cutoff = bin_cutoff(at)

        def work(conn):
            gone = [("dataset", i, n) for i, n in self._purge_datasets(conn, cutoff)]
            for kind, i, n in gone:
                self._audit(conn, actor, "purge", kind, i, n, {})
            return gone

        return write(self.engine, work)

    # ------------------------------------------------------------ reading

    def _read(self):
        return read(self.engine)

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
        name, key = self._name(name)
        with self._read() as conn:
            row = conn.execute(sa.select(lists.c.id, lists.c.name).where(lists.c.name_key == key)).first()
            if row is None:
                raise NotFound("st_list_not_found", name=name)
            name = row.name
            n = conn.execute(sa.select(sa.func.count()).where(versions.c.list_id == row.id)).scalar()
            q = sa.select(versions).where(versions.c.list_id == row.id)
            q = q.where(versions.c.version == version) if version is not None else \
                q.order_by(versions.c.version.desc()).limit(1)
            v = conn.execute(q).first()
        if v is None:
            raise NotFound("st_list_no_version", name=name, version=version)
        return SavedList(name, v.version, v.author, v.note, json.loads(v.codes), json.loads(v.settings),
                         v.created_at, int(n))

    def history(self, name: str) -> list[SavedList]:
        """Every version of a list, oldest first."""
        _, key = self._name(name)
        with self._read() as conn:
            q = (sa.select(lists.c.name.label("list_name"), versions).join(lists, lists.c.id == versions.c.list_id)
                 .where(lists.c.name_key == key).order_by(versions.c.version))
            rows = conn.execute(q).all()
        return [SavedList(r.list_name, r.version, r.author, r.note, json.loads(r.codes), json.loads(r.settings),
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
