"""Saved datasets (issue 11): an upload checked once is kept, with the rows it used, and shared.

A dataset is what "Pakai data ini" used: its name, the file's name and sha256, level,
provinces, periods (YYYY-MM; a file may hold several, issue 15), who saved it and when, the
join report's summary, and the rows used (``Figures.data``, serialised with its column types
so :meth:`DatasetStore.open_dataset` rebuilds the same ``geo.indicators.Figures``).

Replacing a period keeps the earlier version, in two ways: saving under a dataset's name again
(``overwrite=True``) adds a version and keeps the earlier ones, as for target lists; and a new
dataset that holds a period already saved supersedes it in :meth:`DatasetStore.period_history`
without touching the earlier dataset. Deleting moves a dataset to the bin with all its
versions, for :data:`BIN_DAYS` days; restoring brings every version back.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa

from geo.core import codes as codes_mod
from geo.figures.history import History
from geo.figures.model import Figures
from geo.outputs.store.core import (NEW, Actor, NameExists, NameInBin, NotFound, StoreError, check_write,
                                    dataset_versions, datasets, now, read, write)

BIN_DAYS = 30
_DTYPES = {"str", "object", "string", "Int64", "Int32", "Int16", "Int8", "int64", "int32", "float64", "Float64",
           "bool", "boolean"}


# ---------------------------------------------------------------- rows <-> JSON

def frame_to_json(df: pd.DataFrame) -> str:
    """A frame as JSON with its column types, so :func:`frame_from_json` gives it back exactly.

    Missing values are ``null``; only the types figures use (text, integers, floats, booleans)
    are accepted, anything else is a :class:`StoreError` rather than a silent change of type.
    """
    columns, types, data = [], [], []
    for name in df.columns:
        col = df[name]
        kind = str(col.dtype)
        if kind not in _DTYPES or not isinstance(name, str):
            raise StoreError("st_dataset_column_type", column=str(name), dtype=kind)
        values = [None if _missing(v) else _plain(v) for v in col.tolist()]
        if kind == "object" and any(v is not None and not isinstance(v, str) for v in values):
            raise StoreError("st_dataset_column_type", column=name, dtype="object (not text)")
        columns.append(name)
        types.append(kind)
        data.append(values)
    index = None
    if not (isinstance(df.index, pd.RangeIndex) and df.index.start == 0 and df.index.step == 1):
        index = [int(i) for i in df.index]
    return json.dumps({"columns": columns, "dtypes": types, "data": data, "index": index},
                      ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def frame_from_json(text: str) -> pd.DataFrame:
    obj = json.loads(text)
    index = pd.RangeIndex(len(obj["data"][0]) if obj["data"] else 0) if obj["index"] is None \
        else pd.Index(obj["index"], dtype="int64")
    cols = {name: pd.Series(values, dtype=kind, index=index)
            for name, kind, values in zip(obj["columns"], obj["dtypes"], obj["data"])}
    return pd.DataFrame(cols, index=index, columns=obj["columns"])


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _plain(value):
    return value.item() if hasattr(value, "item") else value


def periods_of(fig: Figures) -> list[str]:
    """The periods a dataset holds (``Figures.periods``: every period of a several-period file)."""
    return list(fig.periods)


def provinces_of(fig: Figures) -> list[str]:
    return sorted({p for p in (codes_mod.province_of(str(c)) for c in fig.data.get("code", [])) if p})


# ---------------------------------------------------------------- what the API returns

@dataclass
class SavedDataset:
    """One version of a saved dataset (its metadata; :meth:`DatasetStore.open_dataset` adds the rows)."""

    id: int
    name: str
    version: int
    versions: int
    file_name: str
    sha256: str
    level: str
    provinces: list[str]
    periods: list[str]
    period: str | None
    source: str
    synthetic: bool
    report: dict
    rows: int
    owner: str
    saved_by: str
    created_at: str
    deleted_at: str | None = None


@dataclass
class OpenedDataset:
    figures: Figures
    meta: SavedDataset


@dataclass
class PeriodSource:
    """A period of a province's history and the saved dataset version that holds it."""

    period: str
    dataset_id: int
    name: str
    version: int
    created_at: str
    current: bool  # the latest saved for this period (the one views use)
    provinces: list[str] = field(default_factory=list)


def _meta(d, v, n_versions: int) -> SavedDataset:
    return SavedDataset(id=int(d.id), name=d.name, version=int(v.version), versions=int(n_versions),
                        file_name=v.file_name, sha256=v.sha256, level=v.level, provinces=json.loads(v.provinces),
                        periods=json.loads(v.periods), period=v.period, source=v.source, synthetic=bool(v.synthetic),
                        report=json.loads(v.report), rows=int(v.row_count), owner=d.owner, saved_by=v.saved_by,
                        created_at=v.created_at, deleted_at=d.deleted_at)


class DatasetStore:
    """The datasets part of ``geo.store.Store`` (which provides ``engine``, ``_name`` and ``_audit``)."""

    # ------------------------------------------------------------ writing

    def save_dataset(self, figures: Figures, name: str, file_name: str, sha256: str, report_summary: dict,
                     actor: Actor, overwrite: bool = False) -> SavedDataset:
        """Save the rows a dataset used; an existing name raises :class:`NameExists` unless ``overwrite``.

        Overwriting adds a version (the earlier ones stay and can be opened) and is the
        owner's or an admin's to do; creating is any planner's.
        """
        name, key = self._name(name)
        if not isinstance(figures, Figures):
            raise TypeError("save_dataset needs a geo.indicators.Figures")
        # every period's rows (a ``period`` column) when there are several; one period saves
        # ``data`` as it is, and ``period`` (the column below) says which month it is
        saved_rows = figures.long() if figures.multi_period else figures.data
        rows_json = frame_to_json(saved_rows)
        file_name = str(file_name or "")[:255]
        sha = str(sha256 or "").lower()
        if sha and (len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha)):
            raise StoreError("st_bad_sha256")
        report_json = json.dumps(report_summary or {}, ensure_ascii=False, sort_keys=True, default=str)
        provinces, periods = provinces_of(figures), periods_of(figures)
        check_write(actor, NEW, "dataset", name)

        def work(conn):
            row = conn.execute(sa.select(datasets).where(datasets.c.name_key == key)).first()
            if row is None:
                ds_id = conn.execute(datasets.insert().values(
                    name=name, name_key=key, owner=actor.user, created_at=now())).inserted_primary_key[0]
                version, action = 1, "save"
            else:
                latest = conn.execute(sa.select(sa.func.max(dataset_versions.c.version))
                                      .where(dataset_versions.c.dataset_id == row.id)).scalar() or 0
                if row.deleted_at is not None:
                    raise NameInBin(row.name, "dataset")
                if not overwrite:
                    raise NameExists(row.name, latest, "dataset")
                check_write(actor, row.owner, "dataset", row.name)
                ds_id, version, action = row.id, latest + 1, "overwrite"
            conn.execute(dataset_versions.insert().values(
                dataset_id=ds_id, version=version, file_name=file_name, sha256=sha, level=figures.level,
                provinces=json.dumps(provinces), periods=json.dumps(periods), period=figures.period,
                source=str(figures.source or ""), synthetic=bool(figures.synthetic),
                notes=json.dumps(list(figures.notes or []), ensure_ascii=False), report=report_json,
                row_count=len(saved_rows), rows=rows_json, saved_by=actor.user, created_at=now()))
            self._audit(conn, actor, action, "dataset", ds_id, name, {"version": version})
            return ds_id

        ds_id = write(self.engine, work)
        return self.dataset_info(ds_id)

    def rename_dataset(self, dataset_id: int, new_name: str, actor: Actor) -> SavedDataset:
        name, key = self._name(new_name)

        def work(conn):
            row = self._dataset_row(conn, dataset_id)
            check_write(actor, row.owner, "dataset", row.name)
            other = conn.execute(sa.select(datasets).where(datasets.c.name_key == key,
                                                           datasets.c.id != row.id)).first()
            if other is not None:
                if other.deleted_at is not None:
                    raise NameInBin(other.name, "dataset")
                raise NameExists(other.name, self._latest(conn, other.id), "dataset")
            conn.execute(datasets.update().where(datasets.c.id == row.id).values(name=name, name_key=key))
            self._audit(conn, actor, "rename", "dataset", row.id, name, {"from": row.name})

        write(self.engine, work)
        return self.dataset_info(dataset_id)

    def delete_dataset(self, dataset_id: int, actor: Actor) -> int:
        """Move a dataset (all its versions) to the bin for :data:`BIN_DAYS` days; returns its versions."""
        def work(conn):
            row = self._dataset_row(conn, dataset_id)
            check_write(actor, row.owner, "dataset", row.name)
            conn.execute(datasets.update().where(datasets.c.id == row.id)
                         .values(deleted_at=now(), deleted_by=actor.user))
            self._audit(conn, actor, "delete", "dataset", row.id, row.name, {})
            return self._latest(conn, row.id)

        return write(self.engine, work)

    def restore_dataset(self, dataset_id: int, actor: Actor) -> SavedDataset:
        """Bring a dataset back from the bin, with every version."""
        def work(conn):
            row = self._dataset_row(conn, dataset_id, deleted=True)
            check_write(actor, row.owner, "dataset", row.name)
            conn.execute(datasets.update().where(datasets.c.id == row.id).values(deleted_at=None, deleted_by=None))
            self._audit(conn, actor, "restore", "dataset", row.id, row.name, {})

        write(self.engine, work)
        return self.dataset_info(dataset_id)

    # ------------------------------------------------------------ reading

    def open_dataset(self, dataset_id: int, version: int | None = None) -> OpenedDataset:
        """The figures of a saved dataset (its latest version unless ``version``), as they were saved."""
        with read(self.engine) as conn:
            d = self._dataset_row(conn, dataset_id)
            v = self._version_row(conn, d, version)
            n = self._count(conn, d.id)
        rows = frame_from_json(v.rows)
        periods = json.loads(v.periods)
        if len(periods) > 1 and "period" in rows:  # a several-period dataset: the latest is shown
            fig = Figures.from_long(rows, level=v.level, source=v.source, synthetic=bool(v.synthetic),
                                    notes=list(json.loads(v.notes)))
        else:
            fig = Figures(data=rows, level=v.level, source=v.source, synthetic=bool(v.synthetic),
                          period=v.period, notes=list(json.loads(v.notes)))
        return OpenedDataset(fig, _meta(d, v, n))

    def dataset_info(self, dataset_id: int, version: int | None = None) -> SavedDataset:
        """A dataset's metadata without its rows (also for one in the bin)."""
        with read(self.engine) as conn:
            d = self._dataset_row(conn, dataset_id, deleted=None)
            v = self._version_row(conn, d, version, rows=False)
            return _meta(d, v, self._count(conn, d.id))

    def dataset_history(self, dataset_id: int) -> list[SavedDataset]:
        """Every version of a dataset, oldest first."""
        with read(self.engine) as conn:
            d = self._dataset_row(conn, dataset_id)
            vs = conn.execute(self._meta_select().where(dataset_versions.c.dataset_id == d.id)
                              .order_by(dataset_versions.c.version)).all()
        return [_meta(d, v, len(vs)) for v in vs]

    def list_datasets(self, provinces: list[str] | tuple[str, ...] | None = None) -> list[SavedDataset]:
        """Saved datasets (latest versions, not in the bin), newest first; ``provinces``: those
        holding any of them."""
        with read(self.engine) as conn:
            out = [_meta(d, v, n) for d, v, n in self._latest_versions(conn)]
        if provinces is not None:
            want = set(provinces)
            out = [m for m in out if want & set(m.provinces)]
        return sorted(out, key=lambda m: (m.created_at, m.id), reverse=True)

    def period_history(self, provinces: list[str] | tuple[str, ...] | None = None) -> list[PeriodSource]:
        """The saved periods of these provinces: every version of every dataset not in the bin that
        holds them, by period; ``current`` marks the latest saved for each period (the earlier
        ones are kept, superseded)."""
        want = set(provinces) if provinces is not None else None
        with read(self.engine) as conn:
            q = (sa.select(datasets.c.id, datasets.c.name, dataset_versions.c.version, dataset_versions.c.periods,
                           dataset_versions.c.provinces, dataset_versions.c.created_at)
                 .join(dataset_versions, dataset_versions.c.dataset_id == datasets.c.id)
                 .where(datasets.c.deleted_at.is_(None)))
            rows = conn.execute(q).all()
        out = []
        for r in rows:
            provs = json.loads(r.provinces)
            if want is not None and not want & set(provs):
                continue
            out += [PeriodSource(p, int(r.id), r.name, int(r.version), r.created_at, False, provs)
                    for p in json.loads(r.periods)]
        out.sort(key=lambda s: (s.period, s.created_at, s.dataset_id, s.version))
        for i, s in enumerate(out):
            s.current = i == len(out) - 1 or out[i + 1].period != s.period
        return out

    def saved_history(self, provinces: list[str] | tuple[str, ...]) -> History:
        """The saved history of ``provinces`` (issue 15): every saved period, each from its
        current version (see :meth:`period_history`), restricted to these provinces' areas;
        the superseded versions' provenance in ``History.earlier``."""
        want = tuple(provinces)
        opened: dict[tuple[int, int], Figures] = {}
        figures: dict[str, Figures] = {}
        earlier: dict[str, list] = {}

        def period_figures(src: PeriodSource) -> Figures:
            key = (src.dataset_id, src.version)
            if key not in opened:
                fig = self.open_dataset(src.dataset_id, src.version).figures
                opened[key] = dataclasses.replace(fig, dataset=src.name)
            one = opened[key].for_period(src.period)
            codes = one.data["code"].astype(str)
            return dataclasses.replace(one, data=one.data[codes.str[:2].isin(want)].reset_index(drop=True))

        for src in self.period_history(want):
            if src.current:
                figures[src.period] = period_figures(src)
            else:
                earlier.setdefault(src.period, []).append(period_figures(src).provenance)
        return History(figures, want, {p: tuple(v) for p, v in earlier.items()})

    # ------------------------------------------------------------ the bin

    def _purge_datasets(self, conn, cutoff: str) -> list[tuple[int, str]]:
        gone = conn.execute(sa.select(datasets.c.id, datasets.c.name)
                            .where(datasets.c.deleted_at.is_not(None), datasets.c.deleted_at < cutoff)).all()
        for r in gone:
            conn.execute(dataset_versions.delete().where(dataset_versions.c.dataset_id == r.id))
            conn.execute(datasets.delete().where(datasets.c.id == r.id))
        return [(int(r.id), r.name) for r in gone]

    def binned_datasets(self) -> list[SavedDataset]:
        """Datasets in the bin (latest versions), most recently deleted first."""
        with read(self.engine) as conn:
            out = [_meta(d, v, n) for d, v, n in self._latest_versions(conn, deleted=True)]
        return sorted(out, key=lambda m: m.deleted_at or "", reverse=True)

    # ------------------------------------------------------------ helpers

    @staticmethod
    def _meta_select():
        return sa.select(*[c for c in dataset_versions.c if c.name != "rows"])

    def _latest_versions(self, conn, deleted: bool = False):
        latest = (sa.select(dataset_versions.c.dataset_id, sa.func.max(dataset_versions.c.version).label("v"))
                  .group_by(dataset_versions.c.dataset_id).subquery())
        cond = datasets.c.deleted_at.is_not(None) if deleted else datasets.c.deleted_at.is_(None)
        ds = {r.id: r for r in conn.execute(sa.select(datasets).where(cond)).all()}
        q = (self._meta_select().join(latest, sa.and_(latest.c.dataset_id == dataset_versions.c.dataset_id,
                                                      latest.c.v == dataset_versions.c.version)))
        return [(ds[v.dataset_id], v, v.version) for v in conn.execute(q).all() if v.dataset_id in ds]

    @staticmethod
    def _dataset_row(conn, dataset_id: int, deleted: bool | None = False):
        """The dataset ``dataset_id``: live (``deleted=False``), in the bin (True), or either (None)."""
        try:
            key = int(dataset_id)
        except (TypeError, ValueError):
            raise NotFound("st_dataset_not_found", id=str(dataset_id)[:40]) from None
        row = conn.execute(sa.select(datasets).where(datasets.c.id == key)).first()
        if row is None or (deleted is False and row.deleted_at is not None):
            raise NotFound("st_dataset_not_found", id=key)
        if deleted is True and row.deleted_at is None:
            raise NotFound("st_dataset_not_in_bin", id=key, name=row.name)
        if deleted is True and row.deleted_at < bin_cutoff():
            raise NotFound("st_dataset_not_found", id=key)  # expired: awaiting the purge
        return row

    def _version_row(self, conn, d, version: int | None, rows: bool = True):
        q = (sa.select(dataset_versions) if rows else self._meta_select()).where(dataset_versions.c.dataset_id == d.id)
        q = q.where(dataset_versions.c.version == int(version)) if version is not None else \
            q.order_by(dataset_versions.c.version.desc()).limit(1)
        v = conn.execute(q).first()
        if v is None:
            raise NotFound("st_dataset_no_version", id=int(d.id), name=d.name, version=version)
        return v

    @staticmethod
    def _count(conn, dataset_id: int) -> int:
        return int(conn.execute(sa.select(sa.func.count()).where(dataset_versions.c.dataset_id == dataset_id))
                   .scalar())

    _latest = _count  # versions are numbered 1..n without gaps


def bin_cutoff(at: dt.datetime | None = None) -> str:
    """The deletion time before which a bin entry has expired (``at`` minus :data:`BIN_DAYS` days)."""
    at = at or dt.datetime.now(dt.timezone.utc)
    return (at - dt.timedelta(days=BIN_DAYS)).isoformat(timespec="microseconds")
